using System;
using System.Linq;
using StaticNet.Optimizers;
using StaticNet.Tests.Networks;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Graphs;

/// <summary>Graph networks beyond PyTorch parity: finite differences, threads, allocations and the generated metadata.</summary>
public class GraphBehaviourTests
{
    /// <summary>
    /// Central finite differences of ComputeLoss against ComputeGradients for GatedNet: a product ([Multiply]), a three-way
    /// sum ([Add] of three operands) and a value ('a') read by three layers, whose gradients must add up.
    /// </summary>
    [Fact]
    public void GatedNet_GradientsMatchFiniteDifferences()
    {
        var network = new GatedNet(5);
        const int rows = 4;
        float[] inputs = RandomVector(rows * GatedNet.InputSize, 1), targets = RandomVector(rows * GatedNet.OutputSize, 2);
        network.ComputeGradients(inputs, targets);
        float[] analytic = network.Gradients.ToArray();
        int checkedCount = 0;
        for (int index = 0; index < analytic.Length; index += 3)
        {
            float original = network.Parameters[index];
            const float h = 1e-3f;
            network.Parameters[index] = original + h;
            double up = network.ComputeLoss(inputs, targets);
            network.Parameters[index] = original - h;
            double down = network.ComputeLoss(inputs, targets);
            network.Parameters[index] = original;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[index]) <= 2e-3 * Math.Max(1, Math.Abs(numeric)),
                $"parameter {index}: finite difference {numeric}, gradient {analytic[index]}");
            if (analytic[index] != 0) checkedCount++;
        }
        Assert.True(checkedCount > 50);
    }

    /// <summary>A batch of several chunks on one and on two threads: the same loss, gradients and weights, bit for bit.</summary>
    [Fact]
    public void ResidualNet_TrainsTheSameBitsOnOneAndTwoThreads()
    {
        const int rows = 100; // four chunks
        float[] inputs = RandomVector(rows * ResidualNet.InputSize, 3), targets = RandomVector(rows * ResidualNet.OutputSize, 4);
        var one = new ResidualNet(9) { MaxDegreeOfParallelism = 1 };
        var two = new ResidualNet(9) { MaxDegreeOfParallelism = 2 };
        Optimizer a = new Adam(0.01f), b = new Adam(0.01f);
        for (int step = 0; step < 2; step++)
            Assert.Equal(one.TrainStep(inputs, targets, a), two.TrainStep(inputs, targets, b));
        Assert.True(one.Gradients.SequenceEqual(two.Gradients));
        Assert.True(one.Parameters.SequenceEqual(two.Parameters));
        var x = new float[rows * ResidualNet.OutputSize];
        var y = new float[rows * ResidualNet.OutputSize];
        one.ForwardBatch(inputs, x);
        two.ForwardBatch(inputs, y);
        Assert.Equal(x, y);
    }

    /// <summary>ForwardBatch of many samples agrees with Forward of each (the chunks and the per-thread buffers).</summary>
    [Fact]
    public void SequenceSkipNet_ForwardBatchMatchesForward()
    {
        var network = new SequenceSkipNet(4) { MaxDegreeOfParallelism = 2 };
        const int rows = 70;
        float[] inputs = RandomVector(rows * SequenceSkipNet.InputSize, 6);
        var batch = new float[rows * SequenceSkipNet.OutputSize];
        network.ForwardBatch(inputs, batch);
        var one = new float[SequenceSkipNet.OutputSize];
        for (int r = 0; r < rows; r++)
        {
            network.Forward(inputs.AsSpan(r * SequenceSkipNet.InputSize, SequenceSkipNet.InputSize), one);
            AssertClose(batch.AsSpan(r * SequenceSkipNet.OutputSize, SequenceSkipNet.OutputSize), one, 1e-6, $"sample {r}");
        }
    }

    [Fact]
    public void GraphNetworks_AllocateNothing()
    {
        var residual = new ResidualNet(2);
        float[] inputs = RandomVector(40 * ResidualNet.InputSize, 1), targets = RandomVector(40 * ResidualNet.OutputSize, 2);
        var output = new float[ResidualNet.OutputSize];
        var outputs = new float[40 * ResidualNet.OutputSize];
        var optimizer = new Adam(1e-3f);
        Assert.Equal(0, AllocationTests.AllocatedBy(() => residual.Forward(inputs.AsSpan(0, ResidualNet.InputSize), output)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => residual.ForwardBatch(inputs, outputs)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => residual.ComputeGradients(inputs, targets)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => residual.TrainStep(inputs, targets, optimizer)));
        var skip = new SequenceSkipNet(2);
        float[] sequences = RandomVector(3 * SequenceSkipNet.InputSize, 3), sequenceTargets = RandomVector(3 * SequenceSkipNet.OutputSize, 4);
        var sequenceOptimizer = new Adam(1e-3f);
        Assert.Equal(0, AllocationTests.AllocatedBy(() => skip.TrainStep(sequences, sequenceTargets, sequenceOptimizer)));
    }

    /// <summary>The Layers table lists every layer of the graph in declaration order, with each merge's shapes.</summary>
    [Fact]
    public void LayersTable_ListsTheGraphsLayers()
    {
        Assert.Equal(["stem", "stem_bn", "stem_relu", "block.conv1", "block.bn1", "block.relu1", "block.conv2", "block.bn2",
            "block.shortcut.0", "block.shortcut.1", "block.add", "block.relu", "pool", "head"], ResidualNet.Layers.Select(l => l.Name));
        LayerInfo add = ResidualNet.Layers.Single(l => l.Name == "block.add");
        Assert.Equal("add", add.ModuleType);
        Assert.Equal([16, 4, 4], add.OutputShape);
        Assert.Equal(0, add.ParameterCount);
        LayerInfo cat = SequenceSkipNet.Layers.Single(l => l.Name == "cat2");
        Assert.Equal([5, 10], cat.OutputShape);
    }
}
