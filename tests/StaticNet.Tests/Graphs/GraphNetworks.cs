using StaticNet;

namespace StaticNet.Tests.Graphs;

/// <summary>
/// tests/reference/make_graph_fixtures.py's Residual: a stem, then a ResNet basic block with a stride-2 first
/// convolution and a projected shortcut (1×1 convolution, stride 2, and BatchNorm) read from stem_relu, their sum,
/// global average pooling and a Linear head. Names as the nn.Module's state_dict.
/// </summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(3, 8, 8)]
[Conv2D(8, 3, Padding = 1, Name = "stem")] [BatchNorm(Name = "stem_bn")] [ReLU(Name = "stem_relu")]
[Conv2D(16, 3, Stride = 2, Padding = 1, Name = "block.conv1")] [BatchNorm(Name = "block.bn1")] [ReLU(Name = "block.relu1")]
[Conv2D(16, 3, Padding = 1, Name = "block.conv2")] [BatchNorm(Name = "block.bn2")]
[Conv2D(16, 1, Stride = 2, From = "stem_relu", Name = "block.shortcut.0")] [BatchNorm(Name = "block.shortcut.1")]
[Add("block.bn2", Name = "block.add")] [ReLU(Name = "block.relu")]
[GlobalAvgPool(Name = "pool")] [Dense(4, Name = "head")]
public partial class ResidualNet { }

/// <summary>
/// tests/reference/make_graph_fixtures.py's SeqCat: an LSTM's output sequence joined to the network's input, a Linear
/// with tanh per step, its output joined to the LSTM's output again, and a Linear per step.
/// </summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 3)]
[LSTM(6, ReturnSequences = true, Name = "lstm")]
[Concatenate("input", Name = "cat")]
[Dense(4, Activation.Tanh, Name = "proj")]
[Concatenate("lstm", Name = "cat2")]
[Dense(2, Name = "out")]
public partial class SequenceSkipNet { }

/// <summary>Gating and a three-way sum on vectors, with a branch read by three layers: y = head((a ⊙ σ(g)) + a + b).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6)]
[Dense(8, Activation.Tanh, Name = "a")]
[Dense(8, Activation.Sigmoid, Name = "gate")]
[Multiply("a", Name = "gated")]
[Dense(8, From = "a", Name = "b")]
[Add("gated", "a", Name = "sum")]
[Dense(3, Name = "head")]
public partial class GatedNet { }

/// <summary>ResidualNet with <c>GradientsFromCaller</c>: ForwardTraining, Backward(outputGradients, inputGradients), ApplyGradients.</summary>
[Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)]
[Input(3, 8, 8)]
[Conv2D(8, 3, Padding = 1, Name = "stem")] [BatchNorm(Name = "stem_bn")] [ReLU(Name = "stem_relu")]
[Conv2D(16, 3, Stride = 2, Padding = 1, Name = "block.conv1")] [BatchNorm(Name = "block.bn1")] [ReLU(Name = "block.relu1")]
[Conv2D(16, 3, Padding = 1, Name = "block.conv2")] [BatchNorm(Name = "block.bn2")]
[Conv2D(16, 1, Stride = 2, From = "stem_relu", Name = "block.shortcut.0")] [BatchNorm(Name = "block.shortcut.1")]
[Add("block.bn2", Name = "block.add")] [ReLU(Name = "block.relu")]
[GlobalAvgPool(Name = "pool")] [Dense(4, Name = "head")]
public partial class ResidualBackwardNet { }

/// <summary>SequenceSkipNet with <c>GradientsFromCaller</c>: the input is read by the LSTM and by a concatenation (its channels-last copy).</summary>
[Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)]
[Input(5, 3)]
[LSTM(6, ReturnSequences = true, Name = "lstm")]
[Concatenate("input", Name = "cat")]
[Dense(4, Activation.Tanh, Name = "proj")]
[Concatenate("lstm", Name = "cat2")]
[Dense(2, Name = "out")]
public partial class SequenceSkipBackwardNet { }

/// <summary>A plain stack with <c>GradientsFromCaller</c>, a critic Q(s, a) style MLP on [state, action].</summary>
[Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)]
[Input(7)]
[Dense(16, Activation.ReLU)] [Dense(16, Activation.Tanh)] [Dense(1)]
public partial class CriticNet { }

/// <summary>A stack whose first layer reads the input's channels-last copy (BatchNorm first), with <c>GradientsFromCaller</c>.</summary>
[Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)]
[Input(2, 5, 5)]
[BatchNorm] [Conv2D(3, 3, Activation.Tanh)] [Flatten] [Dense(2)]
public partial class NormFirstNet { }

/// <summary>
/// tests/reference/make_graph_fixtures.py's Critic, Q(s, a): two named inputs (state 6, action 2), packed into one
/// sample [state | action]; a tanh trunk on the state, joined to the action, then ReLU and a 1-unit head.
/// </summary>
[Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)]
[Input(6, Name = "state")] [Input(2, Name = "action")]
[Dense(16, Activation.Tanh, From = "state", Name = "trunk")]
[Concatenate("action", Name = "cat")]
[Dense(16, Activation.ReLU, Name = "fc")]
[Dense(1, Name = "q")]
public partial class TwoInputCritic { }
