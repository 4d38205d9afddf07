namespace StaticNet.Tests.Networks;

[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 3)]
[LSTM(5, ReturnSequences = true)]
[Dense(2)]
public partial class LstmSequenceNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 3)]
[GRU(5)]
[Dense(2)]
public partial class GruLastNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 2)]
[LSTM(4, ReturnSequences = true)]
[GRU(3)]
[Dense(2)]
public partial class StackedRecurrentNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 3)]
[SimpleRNN(5, Activation.ReLU, ReturnSequences = true)]
[Dense(2, Activation.Tanh)]
public partial class RnnReluSequenceNet { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(7)]
[Embedding(11, 4)]
[LSTM(6)]
[Dense(3)]
public partial class EmbeddingLstmNet { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(7)]
[Embedding(11, 4)]
[GRU(6, ReturnSequences = true)]
[Dense(3)]
public partial class TokenTaggerNet { }

/// <summary>A one-unit readout with an activation (fused into the step; the activation applied after, the output copied).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 3)]
[LSTM(4, ReturnSequences = true)]
[Dense(1, Activation.Tanh)]
public partial class DotReadoutNet { }

/// <summary>Dropout between the recurrent layer and its readout: skipped at inference, the readout still fused.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 3)]
[GRU(4, ReturnSequences = true)]
[Dropout(0.25f)]
[Dense(3)]
public partial class DropoutReadoutNet { }

/// <summary>A wide readout then a one-unit Dense that is not fused (a dot product after a Dense).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 3)]
[GRU(5, ReturnSequences = true)]
[Dense(20, Activation.ReLU)]
[Dense(1)]
public partial class DenseHeadNet { }

/// <summary>The streaming benchmark network: one input per step, LSTM(1→32), Dense(32→1).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(64, 1)]
[LSTM(32, ReturnSequences = true)]
[Dense(1)]
public partial class StreamingLstmNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(64, 1)]
[GRU(32, ReturnSequences = true)]
[Dense(1)]
public partial class StreamingGruNet { }

/// <summary>StepBlock in one kernel call through a simple RNN, a Dropout (inactive) and a one-unit readout.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 3)]
[SimpleRNN(5, ReturnSequences = true)]
[Dropout(0.2f)]
[Dense(1)]
public partial class RnnDropoutDotNet { }
