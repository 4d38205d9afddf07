using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Kernels;
using StaticNet.Optimizers;
using StaticNet.Tests.Kernels;
using Xunit;

namespace StaticNet.Tests.Training;

// 50 inputs (three blocks of 16 and a remainder of 2) and 48 units (three 512-bit vectors: a tile of 2 and one of 1).
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(50)] [Dense(48, Activation.ReLU)] [Dense(24, Activation.Tanh)] [Dense(4)]
public partial class DeferredMlp { }

// BatchNorm refuses a chunk of one row in training: an exception in a chunk after the first layer's backward pass ran.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(12)] [Dense(16, Activation.ReLU)] [BatchNorm] [Dense(3)]
public partial class DeferredBatchNormMlp { }

/// <summary>
/// Issue 20, the deferred weight gradient: a training call of several chunks computes the first Dense layer's weight
/// gradient once after the chunks, chunk by chunk in chunk order (<see cref="ParallelBatch.DeferWeightGradient"/>), rather
/// than in every chunk and through the reduction. Its gradients, weights and losses must be those of today's path
/// (<see cref="ParallelBatch.DeferralDisabled"/>) bit for bit, on 1, 2 and 3 workers, with one reduction or one per round,
/// a frozen first layer, sample weights, and every vector path the tests can force.
/// </summary>
[Collection("worker pool")]
public sealed class DeferredWeightGradientTests
{
    private static readonly int[] BatchSizes = { 33, 64, 100, 256 };

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
                Assert.Fail($"{what}, element {i}: {actual[i]:R} against {expected[i]:R} with the weight gradient computed in the chunks");
    }

    /// <summary>Several steps of every batch size, then ComputeGradients; the losses, parameters and gradient, in one array.</summary>
    private static float[] Train(bool deferral, int workers, bool perRound = false, bool frozen = false, bool weighted = false,
        bool many = false, bool cleared = false)
    {
        bool savedSwitch = ParallelBatch.DeferralDisabled;
        long savedBudget = ParallelBatch.OneReductionBudget;
        ParallelBatch.DeferralDisabled = !deferral;
        ParallelBatch.ClearedChunkBuffers = cleared;
        if (perRound) ParallelBatch.OneReductionBudget = 0;
        try
        {
            var network = new DeferredMlp(11) { MaxDegreeOfParallelism = workers };
            if (frozen) network.Freeze(DeferredMlp.Layers[0].Name);
            var adam = new Adam(0.01f) { MaxGradientNorm = 5f };
            var result = new List<float>();
            int n = DeferredMlp.InputSize;
            IEnumerable<int> batches = many ? BatchSizes.Concat(BatchSizes.Reverse()) : BatchSizes;
            int step = 0;
            foreach (int batch in batches)
            {
                float[] x = KernelTestSupport.Random(batch * n, 100 + step, 2f);
                int[] y = Labels(batch, 4, 200 + step);
                float[] w = KernelTestSupport.Random(batch, 300 + step).Select(v => Math.Abs(v) * 2f).ToArray();
                result.Add(weighted ? network.TrainStep(x, y, w, adam) : network.TrainStep(x, y, adam));
                step++;
            }
            float[] last = KernelTestSupport.Random(100 * n, 400, 2f);
            result.Add(network.ComputeGradients(last, Labels(100, 4, 401)));
            result.AddRange(network.Parameters.ToArray());
            result.AddRange(network.Gradients.ToArray());
            return result.ToArray();
        }
        finally
        {
            ParallelBatch.DeferralDisabled = savedSwitch;
            ParallelBatch.OneReductionBudget = savedBudget;
            ParallelBatch.ClearedChunkBuffers = false;
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public void TheDeferredWeightGradientGivesTheBitsOfTheChunks(int workers, bool perRound)
    {
        long deferred = ParallelBatch.DeferredCallsRun, jobs = WorkerPool.Shared.JobsRun;
        float[] today = Train(deferral: false, workers, perRound);
        Assert.Equal(deferred, ParallelBatch.DeferredCallsRun); // switched off: nothing deferred
        float[] now = Train(deferral: true, workers, perRound);
        Assert.Equal(deferred + BatchSizes.Length + 1, ParallelBatch.DeferredCallsRun); // every call of several chunks
        if (workers > 1) Assert.True(WorkerPool.Shared.JobsRun > jobs, "nothing ran on the worker pool");
        AssertBits(today, now, $"{workers} worker(s){(perRound ? ", one reduction per round" : "")}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void DeferredTrainingGivesTheSameBitsOnOneTwoAndThreeWorkers(int workers) =>
        AssertBits(Train(deferral: true, 1, many: true), Train(deferral: true, workers, many: true), $"{workers} workers against one, deferred");

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(2, true)]
    public void ChunksThatAccumulateIntoClearedBuffersGiveTheSameBits(int workers, bool perRound)
    {
        // A body that adds to its cleared buffer (not overwrites: the benchmarks' ClearedChunkBuffers, and the schedulers
        // created without overwrites): the bias kernel then adds to the buffer's zeros.
        float[] expected = Train(deferral: false, workers, perRound);
        AssertBits(expected, Train(deferral: true, workers, perRound, cleared: true), $"{workers} worker(s), cleared buffers");
        AssertBits(expected, Train(deferral: false, workers, perRound, cleared: true), $"{workers} worker(s), cleared buffers, not deferred");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SampleWeightsGiveTheSameBits(int workers) =>
        AssertBits(Train(deferral: false, workers, weighted: true), Train(deferral: true, workers, weighted: true), $"{workers} worker(s), sample weights");

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AFrozenFirstLayerIsNotDeferredAndItsGradientStaysZero(int workers)
    {
        long deferred = ParallelBatch.DeferredCallsRun;
        float[] now = Train(deferral: true, workers, frozen: true);
        Assert.Equal(deferred, ParallelBatch.DeferredCallsRun);
        AssertBits(Train(deferral: false, workers, frozen: true), now, $"{workers} worker(s), first layer frozen");

        var network = new DeferredMlp(11) { MaxDegreeOfParallelism = workers };
        int n = DeferredMlp.InputSize;
        network.ComputeGradients(KernelTestSupport.Random(256 * n, 1, 3f), Labels(256, 4, 2)); // every buffer holds a gradient
        network.Freeze(DeferredMlp.Layers[0].Name);
        network.ComputeGradients(KernelTestSupport.Random(100 * n, 3), Labels(100, 4, 4));
        foreach (ParameterTensor tensor in network.ParameterTensors.Where(t => t.Name.StartsWith(DeferredMlp.Layers[0].Name + ".", StringComparison.Ordinal)))
            for (int i = tensor.Offset; i < tensor.Offset + tensor.ElementCount; i++)
                Assert.Equal(0, BitConverter.SingleToInt32Bits(network.Gradients[i]));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EveryVectorPathGivesTheBitsOfItsChunks(int path)
    {
        // One worker: every chunk and the deferred gradient run on this thread, on the path forced here.
        float[] today = null!, now = null!;
        KernelTestSupport.WithPath(path, () =>
        {
            today = Train(deferral: false, 1, weighted: true);
            now = Train(deferral: true, 1, weighted: true);
        });
        AssertBits(today, now, $"path {path}");
    }

    public static TheoryData<int> Paths => new(KernelTestSupport.Paths);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AnExceptionInAChunkChangesNothingAndTheNextStepsAreATwinsWhoNeverFailed(int workers)
    {
        var network = new DeferredBatchNormMlp(13) { MaxDegreeOfParallelism = workers };
        var twin = new DeferredBatchNormMlp(13) { MaxDegreeOfParallelism = workers };
        var optimizer = new Adam(0.01f);
        var twinOptimizer = new Adam(0.01f);
        int n = DeferredBatchNormMlp.InputSize;
        float[] first = KernelTestSupport.Random(64 * n, 5);
        int[] labels = Labels(64, 3, 6);
        network.TrainStep(first, labels, optimizer);
        twin.TrainStep(first, labels, twinOptimizer);
        float[] before = network.Parameters.ToArray();
        long deferred = ParallelBatch.DeferredCallsRun;
        // 33 rows: the second chunk has one row, which BatchNorm cannot normalise in training.
        var error = Assert.Throws<ArgumentException>(() => network.TrainStep(first.AsSpan(0, 33 * n), labels.AsSpan(0, 33), optimizer));
        Assert.Contains("more than one value per channel", error.Message);
        Assert.True(ParallelBatch.DeferredCallsRun > deferred, "the failed call did not defer");
        AssertBits(before, network.Parameters.ToArray(), "after the failed step: parameter");
        for (int step = 1; step <= 3; step++)
        {
            float[] x = KernelTestSupport.Random(100 * n, 10 + step);
            int[] y = Labels(100, 3, 20 + step);
            float loss = network.TrainStep(x, y, optimizer), twinLoss = twin.TrainStep(x, y, twinOptimizer);
            Assert.Equal(BitConverter.SingleToInt32Bits(twinLoss), BitConverter.SingleToInt32Bits(loss));
        }
        AssertBits(twin.Parameters.ToArray(), network.Parameters.ToArray(), "three steps after the failure: parameter");
        AssertBits(twin.Gradients.ToArray(), network.Gradients.ToArray(), "three steps after the failure: gradient");
    }

    [Fact]
    public void ADeferredParallelStepAllocatesNothingAfterWarmUp()
    {
        var network = new DeferredMlp(2) { MaxDegreeOfParallelism = 2 };
        var adam = new Adam(0.001f);
        int n = DeferredMlp.InputSize;
        float[] x = KernelTestSupport.Random(256 * n, 7), small = KernelTestSupport.Random(64 * n, 8);
        int[] y = Labels(256, 4, 9);
        float[] w = KernelTestSupport.Filled(256, 0.5f);
        long jobs = WorkerPool.Shared.JobsRun, deferred = ParallelBatch.DeferredCallsRun;
        Action step = () =>
        {
            network.TrainStep(x, y, adam);
            network.TrainStep(x, y, w, adam);
            network.ComputeGradients(small, y.AsSpan(0, 64));
        };
        for (int i = 0; i < 3; i++) step();
        long fewest = long.MaxValue;
        for (int window = 0; window < 5 && fewest > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread(), workersBefore = WorkerPool.Shared.WorkerAllocatedBytes;
            for (int i = 0; i < 20; i++) step();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before + WorkerPool.Shared.WorkerAllocatedBytes - workersBefore);
        }
        Assert.True(fewest == 0, $"{fewest} bytes per 20 steps");
        Assert.True(WorkerPool.Shared.JobsRun - jobs >= 3 * 23, "the calls did not run on the worker pool");
        Assert.True(ParallelBatch.DeferredCallsRun - deferred >= 3 * 23, "the calls did not defer");
    }

    [Fact]
    public void ABadDeferralIsRefusedWithTheSizes()
    {
        var batch = new ParallelBatch((_, _, _, _) => { }, 16, 100, 0, null, null);
        var error = Assert.Throws<ArgumentException>(() => batch.DeferWeightGradient(0, inputs: 7, width: 16, xStride: 7, trains: true));
        Assert.Contains("7 × 16 floats at 0", error.Message);
        Assert.Contains("gradient of 100 floats", error.Message);
        Assert.Throws<ArgumentException>(() => batch.DeferWeightGradient(0, inputs: 2, width: 10, xStride: 2, trains: true));
        Assert.Throws<ArgumentException>(() => batch.DeferWeightGradient(0, inputs: 4, width: 16, xStride: 3, trains: true));
        batch.DeferWeightGradient(32, inputs: 4, width: 16, xStride: 4, trains: true);
        Assert.True(batch.DeferredRows(0).IsEmpty); // no call running
    }
}
