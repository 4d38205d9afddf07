using StaticNet;

namespace StaticNet.Tests.Onnx;

// Graph networks for the export (SaveOnnx and PyTorchSource): each layer reads its source's value, merges become ONNX
// Add / Mul / Concat, Reparameterize its mean.

/// <summary>A residual stage with BatchNorm: a stride-2 block with a projected shortcut, then an identity block; unnamed layers too.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(2, 8, 8)]
[Conv2D(4, 3, Padding = 1, Name = "stem")] [BatchNorm(Name = "stem_bn")] [ReLU(Name = "stem_relu")]
[Conv2D(6, 3, Stride = 2, Padding = 1, Name = "block1.conv1")] [BatchNorm(Name = "block1.bn1")] [ReLU(Name = "block1.relu1")]
[Conv2D(6, 3, Padding = 1, Name = "block1.conv2")] [BatchNorm(Name = "block1.bn2")]
[Conv2D(6, 1, Stride = 2, From = "stem_relu", Name = "block1.shortcut.0")] [BatchNorm(Name = "block1.shortcut.1")]
[Add("block1.bn2", Name = "block1.add")] [ReLU(Name = "block1.relu")]
[Conv2D(6, 3, Padding = 1, Name = "block2.conv1")] [BatchNorm(Name = "block2.bn1")] [ReLU]
[Conv2D(6, 3, Padding = 1, Name = "block2.conv2")] [BatchNorm(Name = "block2.bn2")]
[Add("block1.relu", Name = "block2.add")] [ReLU(Name = "block2.relu")]
[GlobalAvgPool(Name = "pool")] [Dense(3, Name = "head")]
public partial class ExportResidualBlock { }

/// <summary>Gating (Multiply) and concatenation skips on sequences, one of them from the input, one merge of three operands.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 3)]
[Dense(8, Activation.Tanh, Name = "value")]
[Dense(8, Activation.Sigmoid, From = "input", Name = "gate")]
[Multiply("value", Name = "gated")]
[LSTM(5, ReturnSequences = true, Name = "lstm")]
[Concatenate("input", "gated", Name = "skip")]
[Dense(4, Activation.GELU, Name = "proj")]
[Concatenate("lstm", Name = "skip2")]
[SequencePool(Name = "pool")] [Dense(2, Name = "out")]
public partial class ExportGatedSequenceSkips { }

/// <summary>A vector graph: two branches added and multiplied (three operands each), then concatenated with the input.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(5)]
[Dense(6, Activation.Tanh, Name = "a")] [Dense(6, From = "input", Name = "b")] [Dense(6, Activation.Sigmoid, From = "input", Name = "c")]
[Add("a", "b", Name = "sum")] [Multiply("a", "b", From = "c", Name = "product")]
[Concatenate("sum", "input", Name = "joined")] [Dense(2, Name = "out")]
public partial class ExportVectorMerges { }

/// <summary>A VAE: the encoder's [mean | logvar], Reparameterize (its mean at inference), the decoder.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(12)]
[Dense(10, Activation.ReLU, Name = "encoder.0")] [Dense(8, Name = "encoder.1")]
[Reparameterize(Name = "z")]
[Dense(10, Activation.ReLU, Name = "decoder.0")] [Dense(12, Activation.Sigmoid, Name = "decoder.1")]
public partial class ExportVae { }
