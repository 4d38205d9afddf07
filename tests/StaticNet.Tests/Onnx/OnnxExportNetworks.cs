using StaticNet;

namespace StaticNet.Tests.Onnx;

// One small network per exported layer kind (and option that changes the export), then whole networks: what
// OnnxExportTests exports, runs in ONNX Runtime and compares with Forward.

[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(7, Activation.ReLU)] [Dense(1)]
public partial class ExportDense { }

[Network(Loss = Loss.MeanSquaredError)] [Input(4, 5)] [Dense(6, Activation.GELU)] [Dense(3)]
public partial class ExportDenseSequence { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 7, 6)] [Conv2D(3, 3, Activation.Tanh, Stride = 2, Padding = 1)] [Conv2D(2, 2, Activation.Sigmoid, Dilation = 2, Padding = 1)] [Flatten] [Dense(3)]
public partial class ExportConv2D { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 5, 5)] [Conv2D(3, 3, 2, Activation.SiLU, PaddingMode = PaddingMode.Same, Bias = false)] [Conv2D(2, 1, Activation.LeakyReLU)] [Flatten] [Dense(2, Activation.ELU)]
public partial class ExportConv2DSame { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(3, 9)] [Conv1D(4, 3, Activation.Tanh, Padding = 1)] [Conv1D(3, 2, Stride = 2, Dilation = 2)] [Flatten] [Dense(2)]
public partial class ExportConv1D { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 8, 8)] [Conv2D(3, 3, Activation.Tanh, Padding = 1)] [MaxPool2D(2)] [AvgPool2D(2, Stride = 1)] [Conv2D(2, 2)] [GlobalAvgPool] [Dense(2)]
public partial class ExportPools2D { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 12)] [Conv1D(3, 3, Activation.Tanh)] [MaxPool1D(2)] [AvgPool1D(2, Stride = 1)] [GlobalAvgPool] [Dense(2)]
public partial class ExportPools1D { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(6)] [Dense(5)] [BatchNorm(Momentum = 0.3f)] [Dense(3, Activation.Tanh)] [Dense(2)]
public partial class ExportBatchNormVector { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(3, 7)] [BatchNorm(Epsilon = 1e-3f)] [Conv1D(2, 3)] [Flatten] [Dense(2)]
public partial class ExportBatchNorm1D { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(5)] [Dense(8, Activation.Tanh, Name = "fc1")] [Dropout(0.5f)] [Dense(3, Name = "fc2")]
public partial class ExportDropout { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(6)] [Embedding(11, 4)] [GRU(5)] [Dense(3)]
public partial class ExportEmbedding { }

// Every stand-alone activation, fused (ReLU after BatchNorm, GELU after Dense) or not (ELU(0.5) keeps its own node).
[Network(Loss = Loss.MeanSquaredError)]
[Input(6)] [Dense(8)] [BatchNorm] [SiLU] [Dense(7)] [ELU(0.5f)] [Dense(6)] [Tanh] [Dense(5)] [Sigmoid] [Dense(4)] [ELU] [Dense(3)] [LeakyReLU(0.2f)]
public partial class ExportActivations { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(4, 5)] [Dense(6)] [GELU] [Dense(4)] [Softmax] [Dense(3)] [ReLU] [Dense(3)] [LeakyReLU]
public partial class ExportActivationsSequence { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 6, 6)] [Conv2D(4, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)] [SiLU] [Conv2D(3, 2)] [BatchNorm] [LeakyReLU(0.2f)] [Flatten] [Dense(3)] [GELU]
public partial class ExportConvBatchNormActivations { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [SimpleRNN(5)] [Dense(2)]
public partial class ExportSimpleRnn { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [SimpleRNN(5, Activation.ReLU, ReturnSequences = true)] [Dense(2)]
public partial class ExportSimpleRnnRelu { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [LSTM(5)] [Dense(2)]
public partial class ExportLstm { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [GRU(5, ReturnSequences = true)] [Dense(2)]
public partial class ExportGru { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [LSTM(4, NumLayers = 2, Bidirectional = true, Dropout = 0.2f)] [Dense(2)]
public partial class ExportLstmStackBidirectional { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [GRU(4, NumLayers = 2, Bidirectional = true, ReturnSequences = true)] [Dense(2)]
public partial class ExportGruStackBidirectional { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [SimpleRNN(4, NumLayers = 3, Bidirectional = true)] [Dense(2)]
public partial class ExportRnnStackBidirectional { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5, 7)] [LayerNorm] [Dense(18)] [LayerNorm(Epsilon = 1e-3f)] [Dense(4)]
public partial class ExportLayerNorm { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 5)] [Dense(12, Name = "proj")] [PositionalEmbedding(MaxPositions = 10, Name = "pos")] [LayerNorm(Name = "norm")] [SequencePool] [Dense(3, Name = "head")]
public partial class ExportLearnedPositions { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(7, 6)] [SinusoidalPositions(Name = "pe")] [Dense(10, Activation.GELU, Name = "fc")] [SequencePool(SequencePooling.First)] [Dense(2, Name = "out")]
public partial class ExportSinusoidalPositions { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 4)] [Dense(18, Name = "fc")] [SinusoidalPositions(Name = "pe")] [LayerNorm(Name = "norm")] [SequencePool(SequencePooling.Last)] [Dense(2, Name = "out")]
public partial class ExportSequencePoolLast { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 5)] [Dense(8, Name = "proj")] [MultiHeadAttention(8, 2, Name = "attn")] [SequencePool] [Dense(3, Name = "head")]
public partial class ExportAttention { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 5)] [Dense(8, Name = "proj")] [MultiHeadAttention(8, 2, Causal = true, Dropout = 0.25f, Name = "attn")] [Dense(3, Name = "head")]
public partial class ExportCausalAttention { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(8, 5)] [Dense(16)] [TransformerEncoderLayer(16, 4, 24, Causal = true)] [TransformerEncoderLayer(16, 2, 40, Activation = Activation.GELU, NormFirst = true, Causal = true)] [Dense(3)]
public partial class ExportTransformerLayers { }

// Whole networks.

[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(784)] [Dense(128, Activation.ReLU)] [Dense(64, Activation.ReLU)] [Dense(10)]
public partial class ExportMlp { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(8, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Conv2D(16, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Flatten] [Dropout(0.25f)] [Dense(32, Activation.ReLU)] [Dense(10)]
public partial class ExportCnn { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(12, 6)] [LSTM(16, ReturnSequences = true)] [LSTM(12, NumLayers = 2, Dropout = 0.1f)] [Dense(4)]
public partial class ExportLstmStack { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(10)] [Embedding(20, 16, Name = "embed")] [PositionalEmbedding(Name = "pos")]
[TransformerEncoderLayer(16, 4, 32, Dropout = 0f, Name = "encoder.layers.0")]
[TransformerEncoderLayer(16, 4, 32, Activation = Activation.GELU, Dropout = 0f, Name = "encoder.layers.1")]
[SequencePool] [Dense(5, Name = "head")]
public partial class ExportTransformer { }
