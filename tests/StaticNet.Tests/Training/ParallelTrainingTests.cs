using System;
using System.Linq;
using StaticNet.Kernels;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Training;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(20)] [Dense(32, Activation.ReLU)] [Dense(24, Activation.Tanh)] [Dense(5)]
public partial class ParallelMlp { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(2, 8, 8)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [BatchNorm(Momentum = 0.2f)] [MaxPool2D(2)] [Dropout(0.25f)]
[Flatten] [Dense(16, Activation.ReLU)] [BatchNorm] [Dropout(0.5f)] [Dense(3)]
public partial class ParallelCnn { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 3)] [LSTM(5, ReturnSequences = true)] [Dense(2)]
public partial class ParallelLstm { }

/// <summary>The parallel tests look at the shared worker pool, so nothing else may hold it while they run.</summary>
[CollectionDefinition("worker pool", DisableParallelization = true)]
public sealed class WorkerPoolCollection { }

/// <summary>
/// Data-parallel training and inference (issue 20): the same network trained with 1, 2 and 3 workers gives the same bits
/// (weights, BatchNorm statistics and counts, losses, gradients, outputs); a worker's exception surfaces on the calling
/// thread and changes nothing; the parallel paths allocate nothing after warm-up.
/// </summary>
[Collection("worker pool")]
public sealed class ParallelTrainingTests
{
    // Batches of 100 (four chunks, the last of 4 rows), 70 (three, the last of 6) and 32 (one chunk, no reduction).
    private static readonly int[] BatchSizes = { 100, 70, 32, 100, 98 };

    private sealed record Run(float[] Losses, float[] Parameters, float[] Gradients, float[] Outputs, long Jobs);

    private static Run Train<TNet>(Func<TNet> create, int workers, Func<int, float[]> inputs, Func<int, int, float[]> targets,
        Func<int, int, int[]>? labels) where TNet : ITrainableNetwork
    {
        TNet network = create();
        network.MaxDegreeOfParallelism = workers;
        var optimizer = new Adam(learningRate: 0.01f) { MaxGradientNorm = 5f };
        long jobs = WorkerPool.Shared.JobsRun;
        var losses = new float[BatchSizes.Length + 1];
        for (int step = 0; step < BatchSizes.Length; step++)
        {
            int n = BatchSizes[step];
            float[] x = inputs(n * network.InputSize);
            losses[step] = labels is null
                ? network.TrainStep(x, targets(n * network.OutputSize, step), optimizer)
                : TrainWithLabels(network, x, labels(n, step), optimizer);
        }
        float[] probe = inputs(90 * network.InputSize);
        var outputs = new float[90 * network.OutputSize];
        network.ForwardBatch(probe, outputs);
        float[] finalInputs = inputs(75 * network.InputSize);
        float[] finalTargets = targets(75 * network.OutputSize, 99);
        losses[BatchSizes.Length] = network.ComputeLoss(finalInputs, finalTargets); // in parallel too (inference mode)
        network.ComputeGradients(finalInputs, finalTargets);
        return new Run(losses, network.Parameters.ToArray(), network.Gradients.ToArray(), outputs, WorkerPool.Shared.JobsRun - jobs);
    }

    private static float TrainWithLabels(ITrainableNetwork network, float[] x, int[] labels, Optimizer optimizer) => network switch
    {
        ParallelMlp mlp => mlp.TrainStep(x, labels, optimizer),
        ParallelCnn cnn => cnn.TrainStep(x, labels, optimizer),
        _ => throw new InvalidOperationException(),
    };

    private static Func<int, float[]> Inputs(int seed)
    {
        int call = 0;
        return length =>
        {
            var random = new Random(seed + 1000 * call++);
            return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        };
    }

    private static float[] Targets(int length, int step)
    {
        var random = new Random(500 + step);
        return Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();
    }

    private static float[] OneHot(int rows, int classes, int step)
    {
        var random = new Random(700 + step);
        var targets = new float[rows * classes];
        for (int r = 0; r < rows; r++) targets[r * classes + random.Next(classes)] = 1f;
        return targets;
    }

    private static Func<int, int, int[]> Labels(int classes) =>
        (rows, step) => { var random = new Random(900 + step); return Enumerable.Range(0, rows).Select(_ => random.Next(classes)).ToArray(); };

    private static void AssertSameBits(Run expected, Run actual, int workers)
    {
        Assert.True(expected.Losses.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Losses.Select(BitConverter.SingleToInt32Bits)),
            $"{workers} workers: losses {string.Join(", ", actual.Losses)} against {string.Join(", ", expected.Losses)} with one");
        AssertBits(expected.Parameters, actual.Parameters, $"{workers} workers: parameter (with running statistics and counts)");
        AssertBits(expected.Gradients, actual.Gradients, $"{workers} workers: gradient");
        AssertBits(expected.Outputs, actual.Outputs, $"{workers} workers: ForwardBatch output");
        Assert.True(actual.Jobs > 0, $"{workers} workers: nothing ran on the worker pool");
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what} {i}: {actual[i]:R} against {expected[i]:R} with one worker");
    }

    [Fact]
    public void AnMlpTrainsToTheSameBitsWithOneTwoAndThreeWorkers()
    {
        Run one = Train(() => new ParallelMlp(3), 1, Inputs(1), (n, s) => OneHot(n / ParallelMlp.OutputSize, ParallelMlp.OutputSize, s), Labels(ParallelMlp.OutputSize));
        Assert.Equal(0, one.Jobs);
        foreach (int workers in new[] { 2, 3 })
            AssertSameBits(one, Train(() => new ParallelMlp(3), workers, Inputs(1), (n, s) => OneHot(n / ParallelMlp.OutputSize, ParallelMlp.OutputSize, s), Labels(ParallelMlp.OutputSize)), workers);
    }

    [Fact]
    public void ACnnWithBatchNormAndDropoutTrainsToTheSameBitsWithOneTwoAndThreeWorkers()
    {
        Run one = Train(() => new ParallelCnn(5), 1, Inputs(2), (n, s) => OneHot(n / ParallelCnn.OutputSize, ParallelCnn.OutputSize, s), Labels(ParallelCnn.OutputSize));
        Assert.Equal(0, one.Jobs);
        // The running statistics moved and every chunk was counted: 5 steps' chunks (4 + 3 + 1 + 4 + 4) and the final 3.
        var reference = new ParallelCnn(5);
        ParameterTensor count = reference.ParameterTensors.First(t => t.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        Assert.Equal(19f, one.Parameters[count.Offset]);
        foreach (int workers in new[] { 2, 3 })
            AssertSameBits(one, Train(() => new ParallelCnn(5), workers, Inputs(2), (n, s) => OneHot(n / ParallelCnn.OutputSize, ParallelCnn.OutputSize, s), Labels(ParallelCnn.OutputSize)), workers);
    }

    [Fact]
    public void TheInterleavedOneReductionOfTheBenchmarksGivesTheSameBits()
    {
        // The benchmarks' A/B switch (--parallel-diag ab): chunks dealt in turn, every one into its own buffer, rather than
        // contiguous blocks with worker 0 adding its chunks as it goes. Both are the one-thread additions, in its order.
        Run one = Train(() => new ParallelMlp(3), 1, Inputs(1), (n, s) => OneHot(n / ParallelMlp.OutputSize, ParallelMlp.OutputSize, s), Labels(ParallelMlp.OutputSize));
        ParallelBatch.InterleavedOneReduction = true;
        try
        {
            foreach (int workers in new[] { 2, 3 })
                AssertSameBits(one, Train(() => new ParallelMlp(3), workers, Inputs(1), (n, s) => OneHot(n / ParallelMlp.OutputSize, ParallelMlp.OutputSize, s), Labels(ParallelMlp.OutputSize)), workers);
        }
        finally
        {
            ParallelBatch.InterleavedOneReduction = false;
        }
    }

    [Fact]
    public void ReducingAfterEveryRoundGivesTheSameBitsAsReducingOnce()
    {
        // The small test networks fit the budget, so the tests above reduce once per call; here every round reduces.
        Run one = Train(() => new ParallelCnn(5), 1, Inputs(2), (n, s) => OneHot(n / ParallelCnn.OutputSize, ParallelCnn.OutputSize, s), Labels(ParallelCnn.OutputSize));
        Run mlpOne = Train(() => new ParallelMlp(3), 1, Inputs(1), (n, s) => OneHot(n / ParallelMlp.OutputSize, ParallelMlp.OutputSize, s), Labels(ParallelMlp.OutputSize));
        long saved = ParallelBatch.OneReductionBudget;
        ParallelBatch.OneReductionBudget = 0;
        try
        {
            foreach (int workers in new[] { 2, 3 })
            {
                AssertSameBits(one, Train(() => new ParallelCnn(5), workers, Inputs(2), (n, s) => OneHot(n / ParallelCnn.OutputSize, ParallelCnn.OutputSize, s), Labels(ParallelCnn.OutputSize)), workers);
                AssertSameBits(mlpOne, Train(() => new ParallelMlp(3), workers, Inputs(1), (n, s) => OneHot(n / ParallelMlp.OutputSize, ParallelMlp.OutputSize, s), Labels(ParallelMlp.OutputSize)), workers);
            }
        }
        finally
        {
            ParallelBatch.OneReductionBudget = saved;
        }
    }

    [Fact]
    public void AnLstmTrainsToTheSameBitsWithOneTwoAndThreeWorkers()
    {
        Run one = Train(() => new ParallelLstm(7), 1, Inputs(3), Targets, labels: null);
        foreach (int workers in new[] { 2, 3 })
            AssertSameBits(one, Train(() => new ParallelLstm(7), workers, Inputs(3), Targets, labels: null), workers);
    }

    [Fact]
    public void DropoutMasksDependOnTheChunkNotTheCall()
    {
        // Two chunks of one call draw different masks (each chunk has its own stream) ...
        var network = new ParallelCnn(11) { MaxDegreeOfParallelism = 2 };
        float[] x = Inputs(4)(64 * ParallelCnn.InputSize);
        float[] twice = x.Take(32 * ParallelCnn.InputSize).Concat(x.Take(32 * ParallelCnn.InputSize)).ToArray();
        var labels = new int[64];
        network.ComputeGradients(twice, labels);
        float[] gradient = network.Gradients.ToArray();
        // ... so the gradient of a batch of one chunk repeated is not twice that chunk's alone.
        var single = new ParallelCnn(11);
        single.ComputeGradients(twice.AsSpan(0, 32 * ParallelCnn.InputSize), labels.AsSpan(0, 32));
        Assert.False(gradient.SequenceEqual(single.Gradients.ToArray()));
    }

    [Fact]
    public void AWorkersExceptionSurfacesOnTheCallingThreadAndChangesNothing()
    {
        // 33 rows: the second chunk has one row, which BatchNorm cannot normalise in training (PyTorch raises too); with
        // two workers that chunk runs on a worker thread.
        var network = new ParallelCnn(13) { MaxDegreeOfParallelism = 2 };
        var twin = new ParallelCnn(13) { MaxDegreeOfParallelism = 2 };
        var optimizer = new Adam(0.01f);
        var twinOptimizer = new Adam(0.01f);
        Func<int, float[]> inputs = Inputs(5);
        float[] first = inputs(64 * ParallelCnn.InputSize);
        int[] labels = Labels(3)(64, 0);
        network.TrainStep(first, labels, optimizer);
        twin.TrainStep(first, labels, twinOptimizer);
        float[] before = network.Parameters.ToArray();

        long jobs = WorkerPool.Shared.JobsRun;
        var error = Assert.Throws<ArgumentException>(() => network.TrainStep(first.AsSpan(0, 33 * ParallelCnn.InputSize), labels.AsSpan(0, 33), optimizer));
        Assert.Contains("more than one value per channel", error.Message);
        Assert.True(WorkerPool.Shared.JobsRun > jobs);
        AssertBits(before, network.Parameters.ToArray(), "after the failed step: parameter");

        // The next steps are those of the twin that never failed (the generator, moments and buffers are as before).
        for (int step = 1; step <= 3; step++)
        {
            float[] x = inputs(70 * ParallelCnn.InputSize);
            int[] y = Labels(3)(70, step);
            float loss = network.TrainStep(x, y, optimizer), twinLoss = twin.TrainStep(x, y, twinOptimizer);
            Assert.Equal(BitConverter.SingleToInt32Bits(twinLoss), BitConverter.SingleToInt32Bits(loss));
        }
        AssertBits(twin.Parameters.ToArray(), network.Parameters.ToArray(), "three steps after the failure: parameter");
    }

    [Fact]
    public void TheTrainerSetsTheDegreeOfParallelismAndTheWeightsDoNotDependOnIt()
    {
        float[] x = Inputs(9)(300 * ParallelCnn.InputSize);
        int[] labels = Labels(3)(300, 0);
        float[] Fit(int? threads)
        {
            var network = new ParallelCnn(21);
            var options = new StaticNet.Training.TrainerOptions { Epochs = 2, BatchSize = 96, Seed = 4, MaxDegreeOfParallelism = threads };
            new StaticNet.Training.Trainer(network, new Adam(0.01f), options).Fit(StaticNet.Training.Dataset.FromLabels(x, ParallelCnn.InputSize, labels, 3));
            Assert.Equal(threads ?? Environment.ProcessorCount, network.MaxDegreeOfParallelism);
            return network.Parameters.ToArray();
        }
        float[] one = Fit(1);
        AssertBits(one, Fit(3), "Trainer with 3 threads: parameter");
        AssertBits(one, Fit(null), "Trainer with the default threads: parameter");
        var bad = new StaticNet.Training.TrainerOptions { MaxDegreeOfParallelism = 0 };
        var error = Assert.Throws<ArgumentException>(() => new StaticNet.Training.Trainer(new ParallelCnn(1), new Adam(0.01f), bad)
            .Fit(StaticNet.Training.Dataset.FromLabels(x, ParallelCnn.InputSize, labels, 3)));
        Assert.Contains("MaxDegreeOfParallelism", error.Message);
    }

    [Fact]
    public void TheDegreeOfParallelismIsChecked()
    {
        var network = new ParallelMlp(1);
        Assert.Equal(Environment.ProcessorCount, network.MaxDegreeOfParallelism);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.MaxDegreeOfParallelism = 0);
        Assert.Equal(Environment.ProcessorCount, network.MaxDegreeOfParallelism);
        ((INetwork)network).MaxDegreeOfParallelism = 3;
        Assert.Equal(3, network.MaxDegreeOfParallelism);
    }

    [Fact]
    public void ParallelTrainingAndInferenceAllocateNothingAfterWarmUp()
    {
        var mlp = new ParallelMlp(2) { MaxDegreeOfParallelism = 3 };
        var cnn = new ParallelCnn(2) { MaxDegreeOfParallelism = 3 };
        var lstm = new ParallelLstm(2) { MaxDegreeOfParallelism = 3 };
        var adamMlp = new Adam(0.001f);
        var adamCnn = new Adam(0.001f);
        var sgd = new Sgd(0.01f, momentum: 0.9f);
        float[] xMlp = Inputs(6)(100 * ParallelMlp.InputSize), xCnn = Inputs(7)(100 * ParallelCnn.InputSize), xLstm = Inputs(8)(100 * ParallelLstm.InputSize);
        int[] labels = Labels(3)(100, 0);
        float[] yLstm = Targets(100 * ParallelLstm.OutputSize, 0);
        var outMlp = new float[100 * ParallelMlp.OutputSize];
        var outCnn = new float[100 * ParallelCnn.OutputSize];
        long jobs = WorkerPool.Shared.JobsRun;
        Action step = () =>
        {
            mlp.TrainStep(xMlp, labels, adamMlp);
            cnn.TrainStep(xCnn, labels, adamCnn);
            lstm.TrainStep(xLstm, yLstm, sgd);
            mlp.ForwardBatch(xMlp, outMlp);
            cnn.ForwardBatch(xCnn, outCnn);
            cnn.ComputeLoss(xCnn, labels);
        };
        // The calling thread's allocations and the worker threads' (which each record their count after every job).
        for (int i = 0; i < 3; i++) step();
        long fewest = long.MaxValue;
        for (int window = 0; window < 5 && fewest > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread(), workersBefore = WorkerPool.Shared.WorkerAllocatedBytes;
            for (int i = 0; i < 20; i++) step();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before + WorkerPool.Shared.WorkerAllocatedBytes - workersBefore);
        }
        Assert.True(fewest == 0, $"{fewest} bytes per 20 steps");
        Assert.True(WorkerPool.Shared.JobsRun - jobs >= 6 * 23, "the calls did not run on the worker pool");
    }
}
