using System;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

/// <summary>The hot paths allocate nothing once warm: Forward, ForwardBatch, ComputeGradients, TrainStep.</summary>
public class AllocationTests
{
    private const int Calls = 200;

    /// <summary>The fewest bytes allocated over a window of calls (<see cref="Allocations.Fewest"/>) after a first call.</summary>
    internal static long AllocatedBy(Action action, int calls = Calls) => Allocations.Fewest(action, calls);

    [Fact]
    public void ForwardAllocatesNothing()
    {
        var network = new MnistNet(1);
        float[] input = RandomVector(MnistNet.InputSize, 1);
        var output = new float[MnistNet.OutputSize];
        Assert.Equal(0, AllocatedBy(() => network.Forward(input, output)));
    }

    [Fact]
    public void ForwardBatchAllocatesNothing()
    {
        var network = new DeepNet(1);
        float[] inputs = RandomVector(75 * DeepNet.InputSize, 1);
        var outputs = new float[75 * DeepNet.OutputSize];
        Assert.Equal(0, AllocatedBy(() => network.ForwardBatch(inputs, outputs)));
    }

    [Fact]
    public void ComputeGradientsAllocatesNothing()
    {
        var network = new DeepNet(1);
        float[] inputs = RandomVector(40 * DeepNet.InputSize, 1);
        int[] labels = new int[40];
        Assert.Equal(0, AllocatedBy(() => network.ComputeGradients(inputs, labels)));
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void TrainStepAllocatesNothing(string optimizerName)
    {
        var network = new MnistNet(1);
        Optimizer optimizer = optimizerName switch
        {
            "sgd" => new Sgd(1e-3f, momentum: 0.9f, nesterov: true),
            "adam" => new Adam(1e-4f),
            _ => new AdamW(1e-4f),
        };
        optimizer.MaxGradientNorm = 5f;
        float[] inputs = RandomVector(32 * MnistNet.InputSize, 1);
        int[] labels = new int[32];
        float[] targets = OneHot(labels, MnistNet.OutputSize);
        Assert.Equal(0, AllocatedBy(() => network.TrainStep(inputs, labels, optimizer)));
        Assert.Equal(0, AllocatedBy(() => network.TrainStep(inputs, targets, optimizer)));
    }

    // The sample CNN of issue 4 (convolutions, pools, Flatten, Dropout): fewer calls per window, each call being slower.

    [Fact]
    public void CnnForwardAllocatesNothing()
    {
        var network = new FashionMnistCnn.FashionCnn(1);
        float[] input = RandomVector(FashionMnistCnn.FashionCnn.InputSize, 1);
        var output = new float[FashionMnistCnn.FashionCnn.OutputSize];
        Assert.Equal(0, AllocatedBy(() => network.Forward(input, output), calls: 20));
    }

    [Fact]
    public void CnnForwardBatchAllocatesNothing()
    {
        var network = new FashionMnistCnn.FashionCnn(1);
        float[] inputs = RandomVector(40 * FashionMnistCnn.FashionCnn.InputSize, 1);
        var outputs = new float[40 * FashionMnistCnn.FashionCnn.OutputSize];
        Assert.Equal(0, AllocatedBy(() => network.ForwardBatch(inputs, outputs), calls: 3));
    }

    [Fact]
    public void CnnTrainStepAllocatesNothing()
    {
        var network = new FashionMnistCnn.FashionCnn(1);
        var optimizer = new Adam(1e-4f);
        float[] inputs = RandomVector(8 * FashionMnistCnn.FashionCnn.InputSize, 1);
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7];
        Assert.Equal(0, AllocatedBy(() => network.TrainStep(inputs, labels, optimizer), calls: 3));
    }
}
