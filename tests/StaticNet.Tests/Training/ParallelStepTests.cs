using System;
using System.Linq;
using StaticNet.Kernels;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>Large enough (42,282 parameters, 21 blocks of the norm) for the optimizer step to be split over three workers.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)] [Dense(256, Activation.ReLU)] [Dense(96, Activation.ReLU)] [Dense(10)]
public partial class ParallelStepMlp { }

/// <summary>
/// The optimizer's step split over the workers (issue 20): the gradient's norm from per-block sums added in block order,
/// then each worker's slice of the update. The same bits as one thread's <c>Optimizer.Step</c> with clipping, frozen
/// layers, SGD with momentum and AdamW; a NaN gradient changes nothing; nothing is allocated after warm-up.
/// </summary>
[Collection("worker pool")]
public sealed class ParallelStepTests
{
    private static readonly int[] BatchSizes = { 100, 70, 32, 128, 98, 96 };

    private static float[] Random(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    private static int[] Labels(int rows, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ => random.Next(ParallelStepMlp.OutputSize)).ToArray();
    }

    private static Optimizer Create(string kind) => kind switch
    {
        "adam-clipped" => new Adam(0.01f, weightDecay: 0.001f) { MaxGradientNorm = 0.05f },
        "adamw" => new AdamW(0.01f, weightDecay: 0.05f),
        "sgd-momentum" => new Sgd(0.05f, momentum: 0.9f, weightDecay: 0.001f) { MaxGradientNorm = 0.5f },
        "adam-frozen-first" or "adam-frozen-middle" => new Adam(0.01f) { MaxGradientNorm = 0.05f },
        _ => throw new ArgumentException(kind),
    };

    public static TheoryData<string> Kinds() => new() { "adam-clipped", "adamw", "sgd-momentum", "adam-frozen-first", "adam-frozen-middle" };

    private static (float[] Parameters, float[] Losses, long ParallelSteps) Train(string kind, int workers)
    {
        var network = new ParallelStepMlp(11) { MaxDegreeOfParallelism = workers };
        if (kind == "adam-frozen-first") network.Freeze("0"); // one trainable range
        if (kind == "adam-frozen-middle") network.Freeze("2"); // two ranges, the second shorter than a block
        Optimizer optimizer = Create(kind);
        long before = ParallelBatch.ParallelStepsRun;
        var losses = new float[BatchSizes.Length];
        for (int step = 0; step < BatchSizes.Length; step++)
        {
            int n = BatchSizes[step];
            losses[step] = network.TrainStep(Random(n * ParallelStepMlp.InputSize, step), Labels(n, 100 + step), optimizer);
        }
        Assert.Equal(BatchSizes.Length, optimizer.StepCount);
        return (network.Parameters.ToArray(), losses, ParallelBatch.ParallelStepsRun - before);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheSplitStepGivesTheBitsOfOneThread(string kind)
    {
        var one = Train(kind, 1);
        Assert.Equal(0, one.ParallelSteps);
        var initial = new ParallelStepMlp(11).Parameters.ToArray();
        Assert.Contains(Enumerable.Range(0, initial.Length), i => initial[i] != one.Parameters[i]); // it trained
        foreach (int workers in new[] { 2, 3 })
        {
            var many = Train(kind, workers);
            // Every step of more than one chunk (all but the batch of 32) split its update.
            Assert.Equal(BatchSizes.Count(n => n > 32), many.ParallelSteps);
            Assert.Equal(one.Losses.Select(BitConverter.SingleToInt32Bits), many.Losses.Select(BitConverter.SingleToInt32Bits));
            for (int i = 0; i < one.Parameters.Length; i++)
                if (BitConverter.SingleToInt32Bits(one.Parameters[i]) != BitConverter.SingleToInt32Bits(many.Parameters[i]))
                    Assert.Fail($"{kind}, {workers} workers: parameter {i} is {many.Parameters[i]:R}, {one.Parameters[i]:R} with one");
        }
    }

    [Fact]
    public void FrozenLayersStayAsTheyAre()
    {
        var network = new ParallelStepMlp(3) { MaxDegreeOfParallelism = 2 };
        network.Freeze("2");
        float[] before = network.Parameters.ToArray();
        long steps = ParallelBatch.ParallelStepsRun;
        network.TrainStep(Random(128 * ParallelStepMlp.InputSize, 1), Labels(128, 2), new Adam(0.01f));
        Assert.Equal(1, ParallelBatch.ParallelStepsRun - steps);
        ParameterTensor weight = network.ParameterTensors.First(t => t.Name == "2.weight");
        ParameterTensor first = network.ParameterTensors.First(t => t.Name == "0.weight");
        float[] after = network.Parameters.ToArray();
        for (int i = weight.Offset; i < weight.Offset + weight.ElementCount; i++) Assert.Equal(before[i], after[i]);
        Assert.Contains(Enumerable.Range(first.Offset, first.ElementCount), i => before[i] != after[i]);
    }

    /// <summary>The norm's blocks summed apart and added in block order: the bits of <c>GradientNorm.Norm</c> on every path.</summary>
    [Fact]
    public void TheNormFromBlockSumsIsTheNormsBits()
    {
        foreach (int path in new[] { 512, 256, 128 })
        {
            if (path > 128 && !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) continue;
            if (path > 256 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) continue;
            int saved = KernelOptions.MaxVectorBits;
            KernelOptions.MaxVectorBits = path;
            try
            {
                foreach (int length in new[] { 0, 15, 63, 64, 2048, 2049, 2111, 6144, 10_000, 101_770, -11 * 2048 - 5 })
                {
                    float[] g = length >= 0 ? Random(length, length) : OrderMatters(-length);
                    if (length >= 0) for (int i = 0; i < g.Length; i += 7) g[i] *= 1e3f;
                    int blocks = GradientNorm.BlockCount(g.Length, KernelOptions.Path);
                    var sums = new float[blocks];
                    for (int b = blocks - 1; b >= 0; b--) sums[b] = GradientNorm.BlockSum(g, b, KernelOptions.Path); // any order
                    double combined = GradientNorm.Combine(sums, g, KernelOptions.Path);
                    if (length < 0)
                    {
                        // The test can tell the order: the blocks added last first give other bits.
                        double reversed = GradientNorm.Combine(sums.Reverse().ToArray(), g, KernelOptions.Path);
                        Assert.NotEqual(BitConverter.DoubleToInt64Bits(reversed), BitConverter.DoubleToInt64Bits(combined));
                    }
                    Assert.Equal(BitConverter.DoubleToInt64Bits(GradientNorm.SumOfSquares(g)), BitConverter.DoubleToInt64Bits(combined));
                    Assert.Equal(BitConverter.SingleToInt32Bits(GradientNorm.Norm(g)), BitConverter.SingleToInt32Bits((float)Math.Sqrt(combined)));
                }
            }
            finally
            {
                KernelOptions.MaxVectorBits = saved;
            }
        }
    }

    /// <summary>
    /// A gradient whose norm depends on the order its blocks are added in: the first block's squares sum to 2⁵¹ (a double's
    /// spacing there is 0.5), each later block's to about 0.2, which vanishes when added to 2⁵¹ but not to the others.
    /// </summary>
    private static float[] OrderMatters(int length)
    {
        var g = new float[length];
        for (int i = 0; i < g.Length; i++) g[i] = i < GradientNorm.Block ? 1 << 20 : 0.00988f;
        return g;
    }

    /// <summary>A scheduler whose chunks write a made-up gradient (a NaN in chunk 2's when asked), for the step alone.</summary>
    private static ParallelBatch Scheduler(int length, bool nan) =>
        new((batch, chunk, slot, gradients) =>
        {
            for (int i = 0; i < gradients.Length; i++) gradients[i] = MathF.Sin(i * 0.013f + chunk) * (1 + chunk);
            if (nan && chunk == 2) gradients[length - 5] = float.NaN;
            batch.SetLoss(chunk, 1.0);
        }, 1, length, 0, null, null);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ANonFiniteGradientThrowsBeforeAnyParameterChanges(bool ranges)
    {
        const int length = 30_000;
        ParallelBatch batch = Scheduler(length, nan: true);
        float[] parameters = Random(length, 5), gradients = new float[length], before = parameters.ToArray();
        Range[]? trainable = ranges ? new[] { new Range(0, 12_000), new Range(14_000, length) } : null;
        batch.RunTraining<float>(new float[128], default, new int[128], 128, gradients, maxWorkers: 3);
        var optimizer = new Adam(0.1f);
        var owner = new object();
        long steps = ParallelBatch.ParallelStepsRun;
        Assert.Throws<TrainingDivergedException>(() => batch.Step(optimizer, parameters, gradients, owner, trainable, 3));
        Assert.Equal(1, ParallelBatch.ParallelStepsRun - steps);
        Assert.Equal(0, optimizer.StepCount);
        Assert.Equal(before, parameters);
        // The optimizer is not left stepping, nor bound: a good gradient steps it, in parallel, as Step would.
        ParallelBatch good = Scheduler(length, nan: false);
        good.RunTraining<float>(new float[128], default, new int[128], 128, gradients, maxWorkers: 3);
        float[] expected = parameters.ToArray();
        var reference = new Adam(0.1f) { MaxGradientNorm = 1f };
        optimizer.MaxGradientNorm = 1f;
        if (trainable is null) reference.Step(expected, gradients, owner);
        else reference.Step(expected, gradients, owner, trainable);
        good.Step(optimizer, parameters, gradients, owner, trainable, 3);
        Assert.Equal(2, ParallelBatch.ParallelStepsRun - steps);
        Assert.Equal(1, optimizer.StepCount);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), parameters.Select(BitConverter.SingleToInt32Bits));
        // Another owner: refused as by Step, nothing changed.
        Assert.Throws<InvalidOperationException>(() => good.Step(optimizer, parameters, gradients, new object(), trainable, 3));
        Assert.Equal(expected, parameters);
    }

    [Fact]
    public void TheSplitStepAllocatesNothingAfterWarmUp()
    {
        var adam = new ParallelStepMlp(2) { MaxDegreeOfParallelism = 3 };
        var frozen = new ParallelStepMlp(2) { MaxDegreeOfParallelism = 3 };
        frozen.Freeze("2");
        var adamOptimizer = new Adam(0.001f) { MaxGradientNorm = 1f };
        var sgd = new Sgd(0.01f, momentum: 0.9f);
        float[] x = Random(128 * ParallelStepMlp.InputSize, 9);
        int[] labels = Labels(128, 10);
        Action step = () =>
        {
            adam.TrainStep(x, labels, adamOptimizer);
            frozen.TrainStep(x, labels, sgd);
        };
        for (int i = 0; i < 3; i++) step();
        long steps = ParallelBatch.ParallelStepsRun;
        long fewest = long.MaxValue;
        for (int window = 0; window < 5 && fewest > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread(), workersBefore = WorkerPool.Shared.WorkerAllocatedBytes;
            for (int i = 0; i < 10; i++) step();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before + WorkerPool.Shared.WorkerAllocatedBytes - workersBefore);
        }
        Assert.True(fewest == 0, $"{fewest} bytes per 10 steps");
        Assert.True(ParallelBatch.ParallelStepsRun - steps >= 20, "the steps did not run on the worker pool");
    }
}
