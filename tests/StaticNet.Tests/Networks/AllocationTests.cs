using System;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

/// <summary>The hot paths allocate nothing once warm: Forward, ForwardBatch, ComputeGradients, TrainStep.</summary>
public class AllocationTests
{
    private const int Calls = 200;

    /// <summary>
    /// The fewest bytes allocated over a window of <see cref="Calls"/> calls, among up to five windows after a first
    /// call. A call that allocates does so in every window; a one-off allocation by the runtime on this thread (the
    /// tiered JIT replacing a method mid-run, seen rarely when the whole suite runs in parallel) shows in one window only.
    /// </summary>
    internal static long AllocatedBy(Action action)
    {
        action(); // the first call allocates the per-thread scratch and the optimizer's state
        long fewest = long.MaxValue;
        for (int window = 0; window < 5 && fewest > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Calls; i++) action();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }

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
}
