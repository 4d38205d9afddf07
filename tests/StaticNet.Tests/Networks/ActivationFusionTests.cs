using System;
using System.Linq;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

// Stand-alone activations that fuse into the layer before them, each beside the same network with the fused Activation
// argument: the same tensor names, the same layout, the same kernels on the same values.

/// <summary>Every activation after a Dense: LeakyReLU, Sigmoid, Tanh, GELU, SiLU, ELU, ReLU, Softmax, each fused.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6)] [Dense(7)] [LeakyReLU] [Dense(6)] [Sigmoid] [Dense(5)] [Tanh] [Dense(8)] [GELU] [Dense(6)] [SiLU] [Dense(5)] [ELU] [Dense(20)] [ReLU] [Dense(4)] [Softmax] [Dense(3)]
public partial class FuseDenseStandAloneNet { }

/// <summary><see cref="FuseDenseStandAloneNet"/> with the fused Activation arguments.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6)] [Dense(7, Activation.LeakyReLU)] [Dense(6, Activation.Sigmoid)] [Dense(5, Activation.Tanh)] [Dense(8, Activation.GELU)] [Dense(6, Activation.SiLU)] [Dense(5, Activation.ELU)] [Dense(20, Activation.ReLU)] [Dense(4, Activation.Softmax)] [Dense(3)]
public partial class FuseDenseAttributeNet { }

/// <summary>Convolutions with stand-alone activations, and a per-step Dense with Softmax over each step.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 7, 7)] [Conv2D(4, 3, Padding = 1)] [ReLU] [Conv2D(3, 2)] [GELU] [Flatten] [Dense(4)] [Tanh] [Dense(3)]
public partial class FuseConvStandAloneNet { }

/// <summary><see cref="FuseConvStandAloneNet"/> with the fused Activation arguments.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 7, 7)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [Conv2D(3, 2, Activation.GELU)] [Flatten] [Dense(4, Activation.Tanh)] [Dense(3)]
public partial class FuseConvAttributeNet { }

/// <summary>Conv1D and a sequence's per-step Dense with stand-alone activations.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(3, 9)] [Conv1D(4, 3)] [SiLU] [Flatten] [Dense(5)] [ELU] [Dense(2)]
public partial class FuseConv1DStandAloneNet { }

/// <summary><see cref="FuseConv1DStandAloneNet"/> with the fused Activation arguments.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(3, 9)] [Conv1D(4, 3, Activation.SiLU)] [Flatten] [Dense(5, Activation.ELU)] [Dense(2)]
public partial class FuseConv1DAttributeNet { }

/// <summary>Per step of a sequence: Dense → Softmax(dim=-1) → Dense → ReLU → Dense.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(4, 5)] [Dense(6)] [Softmax] [Dense(5)] [ReLU] [Dense(3)]
public partial class FuseSequenceStandAloneNet { }

/// <summary><see cref="FuseSequenceStandAloneNet"/> with the fused Activation arguments.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(4, 5)] [Dense(6, Activation.Softmax)] [Dense(5, Activation.ReLU)] [Dense(3)]
public partial class FuseSequenceAttributeNet { }

/// <summary>BatchNorm followed by each activation it takes in place: ReLU, Tanh, Sigmoid, ELU, LeakyReLU.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 6, 6)] [Conv2D(4, 3, Padding = 1)] [BatchNorm] [ReLU] [Conv2D(3, 3)] [BatchNorm] [Tanh] [Flatten] [Dense(6)] [BatchNorm] [Sigmoid] [Dense(5)] [BatchNorm] [ELU] [Dense(4)] [BatchNorm] [LeakyReLU] [Dense(2)]
public partial class FuseBatchNormNet { }

/// <summary>
/// <see cref="FuseBatchNormNet"/> with a Dropout(0) (the identity, exactly) between each BatchNorm and its activation, so
/// that the activations run stand-alone: the unfused path, with the same layout (the names after each Dropout shift).
/// </summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 6, 6)] [Conv2D(4, 3, Padding = 1)] [BatchNorm] [Dropout(0f)] [ReLU] [Conv2D(3, 3)] [BatchNorm] [Dropout(0f)] [Tanh] [Flatten] [Dense(6)] [BatchNorm] [Dropout(0f)] [Sigmoid] [Dense(5)] [BatchNorm] [Dropout(0f)] [ELU] [Dense(4)] [BatchNorm] [Dropout(0f)] [LeakyReLU] [Dense(2)]
public partial class FuseBatchNormUnfusedNet { }

/// <summary>A fused stand-alone activation gives the fused attribute's results bit for bit: outputs, loss, gradients, a step.</summary>
public class ActivationFusionTests
{
    public static TheoryData<string> Cases() => new("dense", "conv2d", "conv1d", "sequence", "batchnorm");

    private static (ITrainableNetwork StandAlone, ITrainableNetwork Attribute) Pair(string name) => name switch
    {
        "dense" => (new FuseDenseStandAloneNet(7), new FuseDenseAttributeNet(1)),
        "conv2d" => (new FuseConvStandAloneNet(7), new FuseConvAttributeNet(1)),
        "conv1d" => (new FuseConv1DStandAloneNet(7), new FuseConv1DAttributeNet(1)),
        "sequence" => (new FuseSequenceStandAloneNet(7), new FuseSequenceAttributeNet(1)),
        "batchnorm" => (new FuseBatchNormNet(7), new FuseBatchNormUnfusedNet(1)),
        _ => throw new ArgumentException(name),
    };

    private static void AssertIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, found {actual[i]:R}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StandAlone_GivesTheFusedAttributesResultsBitForBit(string name)
    {
        (ITrainableNetwork a, ITrainableNetwork b) = Pair(name);
        Assert.Equal(b.ParameterTensors.Select(t => t.Offset), a.ParameterTensors.Select(t => t.Offset));
        if (name != "batchnorm") // the unfused reference's Dropout modules shift the names after them
            Assert.Equal(b.ParameterTensors.Select(t => t.Name), a.ParameterTensors.Select(t => t.Name));
        b.Parameters.CopyTo(a.Parameters); // the same weights (the seeds differ)
        int rows = 37; // more than one chunk
        float[] inputs = RandomVector(rows * a.InputSize, 11), targets = RandomVector(rows * a.OutputSize, 12);
        float[] outA = new float[rows * a.OutputSize], outB = new float[rows * b.OutputSize];
        a.ForwardBatch(inputs, outA);
        b.ForwardBatch(inputs, outB);
        Assert.Contains(outB, v => v != 0f);
        AssertIdentical(outB, outA, name + " output");

        float lossA = a.ComputeGradients(inputs, targets), lossB = b.ComputeGradients(inputs, targets);
        AssertIdentical([lossB], [lossA], name + " loss");
        Assert.Contains(b.Gradients.ToArray(), v => v != 0f);
        AssertIdentical(b.Gradients, a.Gradients, name + " gradients");

        a.TrainStep(inputs, targets, new Adam(1e-2f));
        b.TrainStep(inputs, targets, new Adam(1e-2f));
        AssertIdentical(b.Parameters, a.Parameters, name + " parameters after a step");
    }

    [Fact]
    public void ForwardAndTrainStepAllocateNothing()
    {
        var network = new FuseConvStandAloneNet(2);
        float[] inputs = RandomVector(4 * FuseConvStandAloneNet.InputSize, 1), targets = RandomVector(4 * FuseConvStandAloneNet.OutputSize, 2);
        var output = new float[FuseConvStandAloneNet.OutputSize];
        var optimizer = new Adam(1e-3f);
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.Forward(inputs.AsSpan(0, FuseConvStandAloneNet.InputSize), output)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.TrainStep(inputs, targets, optimizer)));
    }
}
