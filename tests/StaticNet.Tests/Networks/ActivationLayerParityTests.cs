using System;
using System.Linq;
using StaticNet.IO;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

// The nn.Sequential models of tests/reference/make_activation_layer_fixtures.py, declared with stand-alone activation
// layers and no Name: PyTorch's numbering (each activation module takes one index and has no tensors).

/// <summary>Conv2d → BatchNorm2d → ReLU → MaxPool2d → SiLU → Conv2d → BatchNorm2d → LeakyReLU(0.2) → Flatten → Linear → GELU.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 6, 6)] [Conv2D(4, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)] [SiLU] [Conv2D(3, 2)] [BatchNorm] [LeakyReLU(0.2f)] [Flatten] [Dense(3)] [GELU]
public partial class ActConvBnReluNet { }

/// <summary>Linear → BatchNorm1d → SiLU → Linear → ELU(0.5) → Linear → Tanh → Linear → Sigmoid → Linear → ELU → Linear → LeakyReLU(0.2).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6)] [Dense(8)] [BatchNorm] [SiLU] [Dense(7)] [ELU(0.5f)] [Dense(6)] [Tanh] [Dense(5)] [Sigmoid] [Dense(4)] [ELU] [Dense(3)] [LeakyReLU(0.2f)]
public partial class ActLinearBnSiluNet { }

/// <summary>Per step of a [4, 5] sequence: Linear → GELU → Linear → Softmax(dim=-1) → Linear → ELU(1.5).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(4, 5)] [Dense(6)] [GELU] [Dense(4)] [Softmax] [Dense(3)] [ELU(1.5f)]
public partial class ActSequenceSoftmaxNet { }

/// <summary>The fused Activation.SiLU and Activation.ELU: Conv2d → SiLU → Conv2d → ELU → Flatten → Linear → SiLU → Linear → ELU.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 6, 6)] [Conv2D(3, 3, Activation.SiLU)] [Conv2D(2, 2, Activation.ELU)] [Flatten] [Dense(6, Activation.SiLU)] [Dense(3, Activation.ELU)]
public partial class ActFusedSiluEluNet { }

/// <summary>A streaming network with stand-alone activations between per-step layers.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 2)] [Dense(4)] [SiLU] [LSTM(5, ReturnSequences = true)] [ELU(0.5f)] [Dense(3)] [Softmax] [Dense(2)] [LeakyReLU(0.1f)]
public partial class ActStreamingNet { }

/// <summary>
/// Stand-alone activation layers against PyTorch (tests/reference/make_activation_layer_fixtures.py): the state_dict of
/// the plain nn.Sequential loads strictly; outputs (eval mode) and the training-mode loss within 1e-5, gradients within
/// 1e-4, each relative to max(1, |value|).
/// </summary>
public class ActivationLayerParityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>The largest |expected − actual| / max(1, |expected|): what the test output reports.</summary>
    private static double Worst(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]) / Math.Max(1.0, Math.Abs(expected[i])));
        return worst;
    }

    private const double OutputTolerance = 1e-5;
    private const double GradientTolerance = 1e-4;

    public static TheoryData<string> Cases() => new("conv_bn_relu", "linear_bn_silu", "sequence_softmax", "fused_silu_elu");

    private static ITrainableNetwork Create(string name) => name switch
    {
        "conv_bn_relu" => new ActConvBnReluNet(1),
        "linear_bn_silu" => new ActLinearBnSiluNet(1),
        "sequence_softmax" => new ActSequenceSoftmaxNet(1),
        "fused_silu_elu" => new ActFusedSiluEluNet(1),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LoadsStrictly_AndMatchesPyTorchOutputsLossAndGradients(string name)
    {
        ITrainableNetwork network = Create(name);
        SafetensorsFile weights = Fixture($"act_{name}.safetensors"), io = Fixture($"act_{name}_io.safetensors");
        Assert.Equal(weights.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal),
            network.ParameterTensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));
        network.LoadSafetensors(System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", $"act_{name}.safetensors")); // strict

        float[] input = io.Get("input").Data, target = io.Get("target").Data;
        float[] expected = io.Get("eval_output").Data;
        var actual = new float[expected.Length];
        network.ForwardBatch(input, actual);
        AssertClose(expected, actual, OutputTolerance, name + " eval output");
        double worstGradient = 0;

        float loss = network.ComputeGradients(input, target);
        AssertClose(io.Get("loss").Data, [loss], OutputTolerance, name + " training-mode loss");
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("grad.", StringComparison.Ordinal)))
        {
            string parameter = tensor.Name.Substring(5);
            float[] gradient = LayerParityTests.ExportFrom(network, parameter, network.Gradients);
            AssertClose(tensor.Data, gradient, GradientTolerance, $"{name} {tensor.Name}");
            worstGradient = Math.Max(worstGradient, Worst(tensor.Data, gradient));
        }
        output.WriteLine($"{name}: eval output {Worst(expected, actual):E2}, loss {Worst(io.Get("loss").Data, [loss]):E2}, gradients {worstGradient:E2} (relative to max(1, |PyTorch|))");
    }

    [Fact]
    public void DefaultNames_CountEachActivationModule()
    {
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias", "6.weight", "6.bias", "9.weight", "9.bias"],
            new ActConvBnReluNet(1).ParameterTensors.Where(t => t.Name.EndsWith("weight") || t.Name.EndsWith("bias")).Select(t => t.Name));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"],
            new ActSequenceSoftmaxNet(1).ParameterTensors.Select(t => t.Name));
    }

    [Fact]
    public void Step_MatchesForward_ThroughStandAloneActivations()
    {
        var network = new ActStreamingNet(3);
        float[] input = RandomVector(ActStreamingNet.InputSize, 5);
        var expected = new float[ActStreamingNet.OutputSize];
        network.Forward(input, expected);
        network.ResetState();
        var step = new float[ActStreamingNet.StepOutputSize];
        for (int t = 0; t < 6; t++)
        {
            network.Step(input.AsSpan(t * 2, 2), step);
            AssertClose(expected.AsSpan(t * 2, 2), step, 1e-6, $"step {t}");
        }
    }

    [Fact]
    public void ForwardAndTrainStepAllocateNothing()
    {
        var network = new ActConvBnReluNet(2);
        float[] inputs = RandomVector(4 * ActConvBnReluNet.InputSize, 1), targets = RandomVector(4 * ActConvBnReluNet.OutputSize, 2);
        var output = new float[ActConvBnReluNet.OutputSize];
        var optimizer = new Adam(1e-3f);
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.Forward(inputs.AsSpan(0, ActConvBnReluNet.InputSize), output)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.TrainStep(inputs, targets, optimizer)));
    }
}
