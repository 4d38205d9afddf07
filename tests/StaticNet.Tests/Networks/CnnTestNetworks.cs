using StaticNet;

namespace StaticNet.Tests.Networks;

// Convolutional networks for the gradient checks, allocation and Dropout tests (issue 4).

// The sample CNN of the issue is the sample's own declaration (samples/FashionMnistCnn/FashionCnn.cs, linked into
// this project as FashionMnistCnn.FashionCnn): the allocation and Dropout tests run exactly what the sample trains.

// Stride and padding on the channels-first input, then dilation on a channels-last input (dx through a convolution).
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 7, 6)] [Conv2D(3, 3, Activation.Tanh, Stride = 2, Padding = 1)] [Conv2D(2, 2, Activation.Sigmoid, Dilation = 2, Padding = 1)] [Flatten] [Dense(3)]
public partial class GradConvStrideDilationNet { }

// 'same' padding of a rectangular kernel, GELU (pre-activation kept), no bias; a 1×1 convolution with LeakyReLU.
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 5, 5)] [Conv2D(3, 3, 2, Activation.GELU, PaddingMode = PaddingMode.Same, Bias = false)] [Conv2D(2, 1, Activation.LeakyReLU)] [Flatten] [Dense(2)]
public partial class GradConvSameNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(3, 9)] [Conv1D(4, 3, Activation.Tanh, Padding = 1)] [Conv1D(3, 2, Stride = 2, Dilation = 2)] [Flatten] [Dense(2)]
public partial class GradConv1dNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 8, 8)] [Conv2D(3, 3, Activation.Tanh, Padding = 1)] [MaxPool2D(2)] [AvgPool2D(2, Stride = 1)] [Conv2D(2, 2)] [GlobalAvgPool] [Dense(2)]
public partial class GradPools2dNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 12)] [Conv1D(3, 3, Activation.Tanh)] [MaxPool1D(2)] [AvgPool1D(2, Stride = 1)] [GlobalAvgPool] [Dense(2)]
public partial class GradPools1dNet { }

// A pool as the first layer reads a channels-last copy of the input.
[Network(Loss = Loss.MeanSquaredError)]
[Input(3, 6, 6)] [AvgPool2D(2)] [MaxPool2D(3, Stride = 1)] [Flatten] [Dense(3)]
public partial class GradPoolFirstNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 5, 5)] [Conv2D(3, 3, Activation.Tanh, Padding = 1)] [BatchNorm] [Conv2D(2, 3)] [Flatten] [Dense(2)]
public partial class GradBatchNorm2dNet { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(6)] [Dense(5)] [BatchNorm(Momentum = 0.3f)] [Dense(3, Activation.Tanh)] [Dense(2)]
public partial class GradBatchNorm1dNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(3, 7)] [BatchNorm] [Conv1D(2, 3)] [Flatten] [Dense(2)]
public partial class GradBatchNormFirstNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 6, 6)] [Conv2D(3, 3, Activation.Tanh)] [Dropout(0f)] [Flatten] [Dense(3)]
public partial class GradDropoutZeroNet { }

// Dropout between named Dense layers, and the same network without it (same tensor names and layout).
[Network(Loss = Loss.MeanSquaredError)]
[Input(5)] [Dense(8, Activation.Tanh, Name = "fc1")] [Dropout(0.5f)] [Dense(3, Name = "fc2")]
public partial class GradDropoutNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(5)] [Dense(8, Activation.Tanh, Name = "fc1")] [Dense(3, Name = "fc2")]
public partial class NoDropoutNet { }
