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
    /// The fewest bytes allocated over a window of <see cref="Calls"/> calls (or <paramref name="calls"/>), among up to five windows after a first
    /// call. A call that allocates does so in every window; a one-off allocation by the runtime on this thread (the
    /// tiered JIT replacing a method mid-run, seen rarely when the whole suite runs in parallel) shows in one window only.
    /// </summary>
    private static long AllocatedBy(Action action, int calls = Calls)
    {
        action(); // the first call allocates the per-thread scratch and the optimizer's state
        long fewest = long.MaxValue;
        for (int window = 0; window < 5 && fewest > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) action();
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

    // The sample CNN of issue 4 (convolutions, pools, Flatten, Dropout): fewer calls per window, each call being slower.

    [Fact]
    public void CnnForwardAllocatesNothing()
    {
        var network = new SampleCnnNet(1);
        float[] input = RandomVector(SampleCnnNet.InputSize, 1);
        var output = new float[SampleCnnNet.OutputSize];
        Assert.Equal(0, AllocatedBy(() => network.Forward(input, output), calls: 20));
    }

    [Fact]
    public void CnnForwardBatchAllocatesNothing()
    {
        var network = new SampleCnnNet(1);
        float[] inputs = RandomVector(40 * SampleCnnNet.InputSize, 1);
        var outputs = new float[40 * SampleCnnNet.OutputSize];
        Assert.Equal(0, AllocatedBy(() => network.ForwardBatch(inputs, outputs), calls: 3));
    }

    [Fact]
    public void CnnTrainStepAllocatesNothing()
    {
        var network = new SampleCnnNet(1);
        var optimizer = new Adam(1e-4f);
        float[] inputs = RandomVector(8 * SampleCnnNet.InputSize, 1);
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7];
        Assert.Equal(0, AllocatedBy(() => network.TrainStep(inputs, labels, optimizer), calls: 3));
    }
}
