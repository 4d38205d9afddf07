using System;
using System.Diagnostics;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>784 → 128, a stand-alone ReLU module, → 10: the layer after the Dense (fused into its kernel when exact).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128)]
[ReLU]
[Dense(10)]
public partial class MnistMlpStandAloneReLU { }

/// <summary>A Conv → BatchNorm → ReLU block (the ReLU in place on BatchNorm's output when fused).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(8, 16, 16)]
[Conv2D(16, 3, Padding = 1)]
[BatchNorm]
[ReLU]
[Flatten]
[Dense(10)]
public partial class ConvBatchNormReLU { }

/// <summary>
/// <c>--fusion-timing</c>: a batch-1 Forward and a batch-32 TrainStep of 784 → 128 → ReLU → 10, declared with a
/// stand-alone <c>[ReLU]</c> and with the fused <c>Activation.ReLU</c> (<see cref="MnistMlp"/>), the median of short
/// Stopwatch rounds (a quick, noisy comparison, not BenchmarkDotNet).
/// </summary>
public static class ActivationFusionTiming
{
    public static void Run()
    {
        var random = new Random(1);
        float[] x = new float[32 * 784], y = new float[10];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        var labels = new int[32];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % 10;
        for (int round = 0; round < 2; round++)
        {
            var standAlone = new MnistMlpStandAloneReLU(1);
            var adamA = new Adam(1e-3f);
            Report("[Dense(128)] [ReLU]", () => standAlone.Forward(x.AsSpan(0, 784), y), () => standAlone.TrainStep(x, labels, adamA));
            var fused = new MnistMlp(1);
            var adamB = new Adam(1e-3f);
            Report("[Dense(128, Activation.ReLU)]", () => fused.Forward(x.AsSpan(0, 784), y), () => fused.TrainStep(x, labels, adamB));
        }
        float[] images = new float[32 * ConvBatchNormReLU.InputSize];
        for (int i = 0; i < images.Length; i++) images[i] = (float)random.NextDouble();
        for (int round = 0; round < 2; round++)
        {
            var block = new ConvBatchNormReLU(1);
            var adam = new Adam(1e-3f);
            Report("Conv2D→BatchNorm→ReLU", () => block.Forward(images.AsSpan(0, ConvBatchNormReLU.InputSize), y), () => block.TrainStep(images, labels, adam), 200, 10);
        }
    }

    private static void Report(string name, Action forward, Action trainStep, int forwardCalls = 2000, int trainCalls = 100)
    {
        double f = Median(forward, forwardCalls), t = Median(trainStep, trainCalls);
        Console.WriteLine($"{name,-32} Forward(batch 1) {f * 1e3,8:F2} µs   TrainStep(batch 32) {t * 1e3,8:F1} µs");
    }

    /// <summary>The median over 15 rounds of the mean time of one call in a round of <paramref name="calls"/>, in ms.</summary>
    private static double Median(Action action, int calls)
    {
        for (int i = 0; i < calls; i++) action();
        var rounds = new double[15];
        for (int r = 0; r < rounds.Length; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) action();
            rounds[r] = (Stopwatch.GetTimestamp() - start) * 1000.0 / Stopwatch.Frequency / calls;
        }
        Array.Sort(rounds);
        return rounds[rounds.Length / 2];
    }
}
