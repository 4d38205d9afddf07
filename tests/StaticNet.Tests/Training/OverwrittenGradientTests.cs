using System;
using System.Linq;
using StaticNet.Kernels;
using StaticNet.Tests.Kernels;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>
/// Issue 20: a training chunk's gradient buffer is not cleared before the chunk: the Dense layers' weight gradient kernels
/// overwrite their ranges and <c>BackwardRows</c> clears the rest. So a buffer that held another call's gradients must give
/// the bits of a fresh network's, for any number of workers, with one reduction or one per round, frozen layers too.
/// </summary>
[Collection("worker pool")]
public sealed class OverwrittenGradientTests
{
    private static float[] Random(int length, int seed, float scale = 1f) => KernelTestSupport.Random(length, seed, scale);

    private static int[] Labels(int rows, int classes, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ => random.Next(classes)).ToArray();
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}, element {i}: {actual[i]:R} against {expected[i]:R} from a fresh network");
    }

    /// <summary>
    /// The gradient of <paramref name="second"/> after a call on other data (large values, another batch size) leaves
    /// the workers' buffers full, against a fresh network's gradient of the same batch.
    /// </summary>
    private static void AssertNoStaleGradient<TNet>(Func<TNet> create, int workers, float[] first, int[] firstLabels,
        float[] second, int[] secondLabels, Action<TNet, float[], int[]> computeGradients, Action<TNet>? prepare = null)
        where TNet : ITrainableNetwork
    {
        TNet used = create();
        used.MaxDegreeOfParallelism = workers;
        prepare?.Invoke(used);
        computeGradients(used, first, firstLabels);
        Assert.Contains(used.Gradients.ToArray(), g => g != 0f); // the buffers now hold something
        ulong? dropout = (used as IRandomStateNetwork)?.RandomState; // Dropout's generator moved on with the first call
        computeGradients(used, second, secondLabels);

        TNet fresh = create();
        fresh.MaxDegreeOfParallelism = 1;
        prepare?.Invoke(fresh);
        if (dropout is { } state) ((IRandomStateNetwork)fresh).RandomState = state;
        computeGradients(fresh, second, secondLabels);
        AssertBits(fresh.Gradients.ToArray(), used.Gradients.ToArray(), $"{typeof(TNet).Name}, {workers} worker(s)");
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public void AnMlpsGradientDoesNotDependOnWhatItsBuffersHeld(int workers, bool perRound)
    {
        long saved = ParallelBatch.OneReductionBudget;
        if (perRound) ParallelBatch.OneReductionBudget = 0;
        try
        {
            int n = ParallelMlp.InputSize;
            AssertNoStaleGradient(() => new ParallelMlp(3), workers, Random(200 * n, 1, 40f), Labels(200, 5, 2),
                Random(130 * n, 3), Labels(130, 5, 4), (net, x, y) => net.ComputeGradients(x, y));
        }
        finally
        {
            ParallelBatch.OneReductionBudget = saved;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ACnnsGradientDoesNotDependOnWhatItsBuffersHeld(int workers)
    {
        // Convolutions and BatchNorm accumulate (their ranges are cleared); the Dense layers overwrite theirs.
        int n = ParallelCnn.InputSize;
        AssertNoStaleGradient(() => new ParallelCnn(5), workers, Random(160 * n, 5, 30f), Labels(160, 3, 6),
            Random(100 * n, 7), Labels(100, 3, 8), (net, x, y) => net.ComputeGradients(x, y));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AnLstmsGradientDoesNotDependOnWhatItsBuffersHeld(int workers)
    {
        int n = ParallelLstm.InputSize, m = ParallelLstm.OutputSize;
        var firstTargets = Random(160 * m, 9, 20f);
        var secondTargets = Random(97 * m, 10);
        AssertNoStaleGradient(() => new ParallelLstm(7), workers, Random(160 * n, 11, 20f), new int[160],
            Random(97 * n, 12), new int[97],
            (net, x, y) => net.ComputeGradients(x, y.Length == 160 ? firstTargets : secondTargets));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AFrozenDenseLayersGradientIsZeroAfterItsBuffersHeldOne(int workers)
    {
        var network = new ParallelMlp(3) { MaxDegreeOfParallelism = workers };
        int n = ParallelMlp.InputSize;
        network.ComputeGradients(Random(200 * n, 1, 40f), Labels(200, 5, 2)); // every buffer holds a gradient of every layer
        string last = ParallelMlp.Layers[^1].Name;
        network.Freeze(last);
        network.ComputeGradients(Random(130 * n, 3), Labels(130, 5, 4));
        ParameterTensor[] tensors = network.ParameterTensors.Where(t => t.Name.StartsWith(last + ".", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(tensors);
        foreach (ParameterTensor tensor in tensors)
            for (int i = tensor.Offset; i < tensor.Offset + tensor.ElementCount; i++)
                Assert.Equal(0, BitConverter.SingleToInt32Bits(network.Gradients[i])); // +0, not a stale value
        Assert.Contains(network.Gradients.ToArray(), g => g != 0f); // the other layers still train

        var fresh = new ParallelMlp(3);
        fresh.Freeze(last);
        fresh.ComputeGradients(Random(130 * n, 3), Labels(130, 5, 4));
        AssertBits(fresh.Gradients.ToArray(), network.Gradients.ToArray(), $"frozen {last}, {workers} worker(s)");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ClearedChunkBuffersOfTheBenchmarksGiveTheSameBits(int workers)
    {
        // The benchmarks' A/B switch (--parallel-diag clears): every chunk's buffer cleared and accumulated into, as before.
        float[] Train(bool cleared)
        {
            ParallelBatch.ClearedChunkBuffers = cleared;
            try
            {
                var network = new ParallelCnn(5) { MaxDegreeOfParallelism = workers };
                var adam = new StaticNet.Optimizers.Adam(0.01f);
                int n = ParallelCnn.InputSize;
                for (int step = 0; step < 3; step++)
                    network.TrainStep(Random((100 + 30 * step) * n, 20 + step), Labels(100 + 30 * step, 3, 30 + step), adam);
                return network.Parameters.ToArray().Concat(network.Gradients.ToArray()).ToArray();
            }
            finally
            {
                ParallelBatch.ClearedChunkBuffers = false;
            }
        }
        AssertBits(Train(cleared: true), Train(cleared: false), $"overwriting against cleared chunk buffers, {workers} worker(s)");
    }
}
