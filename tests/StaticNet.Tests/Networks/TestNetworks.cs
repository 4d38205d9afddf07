using StaticNet;

namespace StaticNet.Tests.Networks;

// The networks the numerical tests run. Most mirror a fixture written by tests/reference/make_fixtures.py: the same
// layer names and sizes, so PyTorch's tensors load into them by name.

// activation_{kind}.safetensors: 5 → hidden 6 (activation) → out 3, MSE.
[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(6, Name = "hidden")] [Dense(3, Name = "out")]
public partial class ActivationNoneNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(6, Activation.ReLU, Name = "hidden")] [Dense(3, Name = "out")]
public partial class ActivationReLUNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(6, Activation.LeakyReLU, Name = "hidden")] [Dense(3, Name = "out")]
public partial class ActivationLeakyReLUNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(6, Activation.Sigmoid, Name = "hidden")] [Dense(3, Name = "out")]
public partial class ActivationSigmoidNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(6, Activation.Tanh, Name = "hidden")] [Dense(3, Name = "out")]
public partial class ActivationTanhNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(6, Activation.Softmax, Name = "hidden")] [Dense(3, Name = "out")]
public partial class ActivationSoftmaxNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(6, Activation.GELU, Name = "hidden")] [Dense(3, Name = "out")]
public partial class ActivationGELUNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(6, Activation.SiLU, Name = "hidden")] [Dense(3, Name = "out")]
public partial class ActivationSiLUNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(6, Activation.ELU, Name = "hidden")] [Dense(3, Name = "out")]
public partial class ActivationELUNet { }

// Fused SiLU (pre-activation kept) and ELU in convolutions, for the gradient checks.
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 5, 5)] [Conv2D(3, 3, Activation.SiLU, Padding = 1)] [Conv2D(2, 2, Activation.ELU)] [Flatten] [Dense(2, Activation.ELU)] [Dense(2)]
public partial class ConvSiLUELUNet { }

// loss_{kind}.safetensors: 5 → fc1 8 ReLU → fc2 4.
[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(8, Activation.ReLU, Name = "fc1")] [Dense(4, Name = "fc2")]
public partial class LossMseNet { }

[Network(Loss = Loss.BinaryCrossEntropy)] [Input(5)] [Dense(8, Activation.ReLU, Name = "fc1")] [Dense(4, Name = "fc2")]
public partial class LossBceNet { }

[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(5)] [Dense(8, Activation.ReLU, Name = "fc1")] [Dense(4, Name = "fc2")]
public partial class LossSoftmaxCeNet { }

// mlp_deep.safetensors: 7 → fc1 9 ReLU → fc2 10 Tanh → fc3 17 GELU → out 4, cross-entropy.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(7)]
[Dense(9, Activation.ReLU, Name = "fc1")]
[Dense(10, Activation.Tanh, Name = "fc2")]
[Dense(17, Activation.GELU, Name = "fc3")]
[Dense(4, Name = "out")]
public partial class DeepNet { }

// The quick-start shape and the benchmark shapes, for allocation and behaviour tests.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(64)] [Dense(64, Activation.ReLU, Name = "fc1")] [Dense(10, Name = "fc2")]
public partial class DigitsNet { }

[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(784)] [Dense(128, Activation.ReLU, Name = "fc1")] [Dense(10, Name = "fc2")]
public partial class MnistNet { }

// Default names (0, 2: the Sigmoid is module 1 of the equivalent nn.Sequential), no loss: inference only.
[Input(3)] [Dense(5, Activation.Sigmoid)] [Dense(2)]
public partial class InferenceOnlyNet { }

public static partial class Outer
{
    // A network nested in another type.
    [Network(Loss = Loss.MeanSquaredError)] [Input(2)] [Dense(1, Name = "linear")]
    public partial class NestedNet { }
}

// Weights compiled into the test assembly (see the EmbeddedResource in the csproj), and a name with no resource.
[Network(Loss = Loss.MeanSquaredError, EmbeddedWeights = "loss_mse.safetensors")]
[Input(5)] [Dense(8, Activation.ReLU, Name = "fc1")] [Dense(4, Name = "fc2")]
public partial class EmbeddedMseNet { }

[Network(EmbeddedWeights = "missing.safetensors")]
[Input(5)] [Dense(8, Activation.ReLU, Name = "fc1")] [Dense(4, Name = "fc2")]
public partial class MissingWeightsNet { }

// Stand-alone activation layers ([ReLU], [LeakyReLU(slope)], …), for the gradient checks: on vectors, after a pool on a
// spatial shape, per step of a sequence, and as the first layer.
[Network(Loss = Loss.MeanSquaredError)]
[Input(5)] [Dense(6)] [SiLU] [Dense(6)] [ELU(0.5f)] [Dense(7)] [LeakyReLU(0.2f)] [GELU] [Dense(5)] [Tanh] [Sigmoid] [Dense(4)] [ELU] [Softmax] [Dense(3)]
public partial class StandAloneVectorNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 6, 6)] [Conv2D(3, 3)] [LeakyReLU(0.3f)] [MaxPool2D(2)] [SiLU] [GELU] [ELU(1.5f)] [Flatten] [Dense(4)] [Softmax] [Dense(2)]
public partial class StandAloneSpatialNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(4, 3)] [Dense(5)] [GELU] [Softmax] [Dense(3)] [ELU(0.7f)]
public partial class StandAloneSequenceNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(5)] [ELU(2f)] [Dense(4)] [SiLU] [Dense(3)]
public partial class StandAloneFirstNet { }
