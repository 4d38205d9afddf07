using System;
using BenchmarkDotNet.Attributes;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>Random inputs, labels and targets, the same for every implementation.</summary>
internal static class BenchmarkData
{
    public static float[] Random(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)random.NextDouble();
        return values;
    }

    public static int[] Labels(int count, int classes, int seed)
    {
        var random = new Random(seed);
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = random.Next(classes);
        return labels;
    }
}

/// <summary>784 → 128 (ReLU) → 10: one sample's logits.</summary>
[MemoryDiagnoser]
public class MnistForward
{
    private static readonly int[] Sizes = { 784, 128, 10 };
    private readonly NaiveMlp _naive = new(Sizes, BaselineLoss.SoftmaxCrossEntropy, 1, 1);
    private readonly TensorPrimitivesMlp _tensorPrimitives = new(Sizes, BaselineLoss.SoftmaxCrossEntropy, 1, 1);
    private readonly MnistMlp _staticNet = new(1);
    private readonly float[] _input = BenchmarkData.Random(784, 2);
    private readonly float[] _output = new float[10];

    [Benchmark(Baseline = true)]
    public void Naive() => _naive.Forward(_input, _output);

    [Benchmark]
    public void TensorPrimitives() => _tensorPrimitives.Forward(_input, _output);

    [Benchmark]
    public void StaticNet() => _staticNet.Forward(_input, _output);
}

/// <summary>
/// How many training steps each train-step benchmark runs in its global setup before it is timed. These benchmarks repeat
/// one batch, so the network overfits it and units stop firing: before issue 16, Adam's moments then decayed into
/// subnormal floats and the step slowed down several-fold after a few hundred steps, which a benchmark timing the first
/// steps never saw. Timing after 5,000 steps measures the steady state (see also <see cref="TrainingDrift"/>).
/// </summary>
internal static class SteadyState
{
    public const int WarmupSteps = 5000;
}

/// <summary>
/// 784 → 128 (ReLU) → 10: one Adam step on a batch of 32 (forward, softmax cross-entropy, backward, update), timed after
/// <see cref="SteadyState.WarmupSteps"/> steps on the same batch.
/// </summary>
[MemoryDiagnoser]
public class MnistTrainStep
{
    private const int Batch = 32;
    private static readonly int[] Sizes = { 784, 128, 10 };
    private readonly NaiveMlp _naive = new(Sizes, BaselineLoss.SoftmaxCrossEntropy, Batch, 1);
    private readonly TensorPrimitivesMlp _tensorPrimitives = new(Sizes, BaselineLoss.SoftmaxCrossEntropy, Batch, 1);
    private readonly MnistMlp _staticNet = new(1);
    private readonly Adam _adam = new(1e-3f);
    private readonly float[] _inputs = BenchmarkData.Random(Batch * 784, 3);
    private readonly int[] _labels = BenchmarkData.Labels(Batch, 10, 4);

    [GlobalSetup(Target = nameof(Naive))]
    public void WarmUpNaive() { for (int i = 0; i < SteadyState.WarmupSteps; i++) Naive(); }

    [GlobalSetup(Target = nameof(TensorPrimitives))]
    public void WarmUpTensorPrimitives() { for (int i = 0; i < SteadyState.WarmupSteps; i++) TensorPrimitives(); }

    [GlobalSetup(Target = nameof(StaticNet))]
    public void WarmUpStaticNet() { for (int i = 0; i < SteadyState.WarmupSteps; i++) StaticNet(); }

    [Benchmark(Baseline = true)]
    public float Naive() => _naive.TrainStep(_inputs, _labels);

    [Benchmark]
    public float TensorPrimitives() => _tensorPrimitives.TrainStep(_inputs, _labels);

    [Benchmark]
    public float StaticNet() => _staticNet.TrainStep(_inputs, _labels, _adam);
}

/// <summary>16 → 64 (ReLU) → 64 (ReLU) → 4: one sample's outputs.</summary>
[MemoryDiagnoser]
public class SmallForward
{
    private static readonly int[] Sizes = { 16, 64, 64, 4 };
    private readonly NaiveMlp _naive = new(Sizes, BaselineLoss.MeanSquaredError, 1, 1);
    private readonly TensorPrimitivesMlp _tensorPrimitives = new(Sizes, BaselineLoss.MeanSquaredError, 1, 1);
    private readonly SmallMlp _staticNet = new(1);
    private readonly float[] _input = BenchmarkData.Random(16, 5);
    private readonly float[] _output = new float[4];

    [Benchmark(Baseline = true)]
    public void Naive() => _naive.Forward(_input, _output);

    [Benchmark]
    public void TensorPrimitives() => _tensorPrimitives.Forward(_input, _output);

    [Benchmark]
    public void StaticNet() => _staticNet.Forward(_input, _output);
}

/// <summary>
/// 16 → 64 (ReLU) → 64 (ReLU) → 4: one Adam step on a batch of 32 with mean squared error, timed after
/// <see cref="SteadyState.WarmupSteps"/> steps on the same batch.
/// </summary>
[MemoryDiagnoser]
public class SmallTrainStep
{
    private const int Batch = 32;
    private static readonly int[] Sizes = { 16, 64, 64, 4 };
    private readonly NaiveMlp _naive = new(Sizes, BaselineLoss.MeanSquaredError, Batch, 1);
    private readonly TensorPrimitivesMlp _tensorPrimitives = new(Sizes, BaselineLoss.MeanSquaredError, Batch, 1);
    private readonly SmallMlp _staticNet = new(1);
    private readonly Adam _adam = new(1e-3f);
    private readonly float[] _inputs = BenchmarkData.Random(Batch * 16, 6);
    private readonly float[] _targets = BenchmarkData.Random(Batch * 4, 7);

    [GlobalSetup(Target = nameof(Naive))]
    public void WarmUpNaive() { for (int i = 0; i < SteadyState.WarmupSteps; i++) Naive(); }

    [GlobalSetup(Target = nameof(TensorPrimitives))]
    public void WarmUpTensorPrimitives() { for (int i = 0; i < SteadyState.WarmupSteps; i++) TensorPrimitives(); }

    [GlobalSetup(Target = nameof(StaticNet))]
    public void WarmUpStaticNet() { for (int i = 0; i < SteadyState.WarmupSteps; i++) StaticNet(); }

    [Benchmark(Baseline = true)]
    public float Naive() => _naive.TrainStep(_inputs, _targets);

    [Benchmark]
    public float TensorPrimitives() => _tensorPrimitives.TrainStep(_inputs, _targets);

    [Benchmark]
    public float StaticNet() => _staticNet.TrainStep(_inputs, _targets, _adam);
}
