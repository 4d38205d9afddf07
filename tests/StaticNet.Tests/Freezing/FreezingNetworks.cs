using StaticNet;

namespace StaticNet.Tests.Freezing;

// Module names: 0 conv (1 ReLU), 2 pool, 3 conv (4 Tanh), 5 flatten, 6 dense (7 ReLU), 8 dense.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(2, 8, 8)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] [Conv2D(4, 3, Activation.Tanh)] [Flatten] [Dense(6, Activation.ReLU)] [Dense(3)]
public partial class FreezeCnn { }

// The same network with its first convolution declared frozen: same layout, same initial weights for a seed.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(2, 8, 8)] [Conv2D(4, 3, Activation.ReLU, Padding = 1, Trainable = false)] [MaxPool2D(2)] [Conv2D(4, 3, Activation.Tanh)] [Flatten] [Dense(6, Activation.ReLU)] [Dense(3)]
public partial class FreezeCnnDeclared { }

// A frozen trunk declared at build time: only the head trains; nothing before it is backpropagated.
[Network(Loss = Loss.MeanSquaredError, NamePrefix = "layers.")]
[Input(7)] [Dense(9, Activation.Tanh, Trainable = false)] [Dense(5, Activation.GELU, Trainable = false)] [Dense(2)]
public partial class FrozenTrunkNet { }

// Homes that compute their gradients anyway (BatchNorm, recurrent): BackwardRows clears them while frozen.
[Network(Loss = Loss.MeanSquaredError)]
[Input(6)] [Dense(5, Name = "fc1")] [BatchNorm(Name = "bn")] [Dense(3, Activation.Tanh, Name = "fc2")] [Dense(2, Name = "out")]
public partial class FreezeBatchNormNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 3)] [Dense(4, Activation.Tanh, Name = "proj")] [LSTM(4, Name = "rnn")] [Dense(2, Name = "out")]
public partial class FreezeLstmNet { }

// A stacked bidirectional LSTM: multiply-adds per direction and layer, the second layer reading both directions.
[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 3)] [LSTM(4, NumLayers = 2, Bidirectional = true, Name = "rnn")] [Dense(2, Name = "out")]
public partial class FreezeStackedLstmNet { }
