using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using StaticNet.Data;
using StaticNet.Optimizers;
using StaticNet.Training;

namespace StaticNet.Benchmarks;

/// <summary>
/// One long-training workload: a network, an Adam optimizer and a sequence of batches (one batch repeated, or real data
/// cycled through in a fixed order). Used by <see cref="TrainingDrift"/> and the <c>--drift</c> console report.
/// </summary>
internal sealed class DriftWorkload
{
    public const int Batch = 32;
    public const string FashionDirectory = "/usr/share/datasets/fashion-mnist";

    private readonly float[] _inputs;
    private readonly float[] _targets;
    private readonly int _inputSize, _outputSize, _batches;
    private int _next;

    public DriftWorkload(string name)
    {
        Name = name;
        switch (name)
        {
            case "MnistRepeated":   // the MnistTrainStep benchmark's batch: 784 → 128 → 10, one batch of 32 repeated
                Network = new MnistMlp(1);
                _inputs = BenchmarkData.Random(Batch * 784, 3);
                _targets = OneHot(BenchmarkData.Labels(Batch, 10, 4), 10);
                break;
            case "Dense128Repeated":   // 128 → 128 → 128, MSE, one batch of 32 repeated
                Network = new Dense128Mlp(1);
                _inputs = BenchmarkData.Random(Batch * 128, 5);
                _targets = BenchmarkData.Random(Batch * 128, 6);
                break;
            case "DigitsReal":   // the quick start's 1,797 embedded digits, 64 → 64 → 10, cycled in batches of 32
                Network = new DigitsMlp(1);
                (_inputs, _targets) = Digits.Value;
                break;
            case "FashionReal":   // Fashion-MNIST's 60,000 training images, 784 → 128 → 10, cycled in batches of 32
                Network = new MnistMlp(1);
                (_inputs, _targets) = Fashion.Value;
                break;
            default:
                throw new ArgumentException($"Unknown workload '{name}'.", nameof(name));
        }
        _inputSize = Network.InputSize;
        _outputSize = Network.OutputSize;
        _batches = _inputs.Length / _inputSize / Batch;
    }

    public string Name { get; }

    public ITrainableNetwork Network { get; }

    public Adam Optimizer { get; } = new(1e-3f);

    /// <summary>The inputs and targets of the next batch.</summary>
    public (ReadOnlyMemory<float> Inputs, ReadOnlyMemory<float> Targets) NextBatch()
    {
        int b = _next;
        _next = (_next + 1) % _batches;
        return (_inputs.AsMemory(b * Batch * _inputSize, Batch * _inputSize), _targets.AsMemory(b * Batch * _outputSize, Batch * _outputSize));
    }

    public float Step()
    {
        var (inputs, targets) = NextBatch();
        return Network.TrainStep(inputs.Span, targets.Span, Optimizer);
    }

    // Loaded once per process (TrainingDrift builds a workload per iteration); the training never writes them.
    private static readonly Lazy<(float[], float[])> Digits = new(() =>
    {
        using Stream stream = typeof(DriftWorkload).Assembly.GetManifestResourceStream("digits.csv.gz")!;
        Dataset data = CsvLoader.Load(stream, new CsvOptions { FeatureScale = 1f / 16f, ClassCount = 10 });
        return (data.Features.ToArray(), data.Targets.ToArray());
    });

    private static readonly Lazy<(float[], float[])> Fashion = new(() =>
    {
        IdxImages images = IdxReader.ReadImages(Path.Combine(FashionDirectory, "train-images-idx3-ubyte.gz"));
        int[] labels = IdxReader.ReadLabels(Path.Combine(FashionDirectory, "train-labels-idx1-ubyte.gz"));
        return (images.Pixels, OneHot(labels, 10));
    });

    private static float[] OneHot(int[] labels, int classes)
    {
        var targets = new float[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++) targets[i * classes + labels[i]] = 1f;
        return targets;
    }
}

/// <summary>
/// Step time at the start and at the end of 5,000 training steps: each iteration builds a fresh network, trains it
/// <see cref="FirstStep"/> − 1 steps untimed, then times the next 500 (<c>OperationsPerInvoke</c>), so one row reads
/// the mean of steps 1–500 and the other of steps 4,501–5,000 (9 iterations; on a shared host read the median and
/// minimum). Flat training means equal rows.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 9)]
[MedianColumn, MinColumn]
public class TrainingDrift
{
    private const int Window = 500;
    private DriftWorkload _workload = null!;

    [Params("MnistRepeated", "Dense128Repeated", "DigitsReal", "FashionReal")]
    public string Workload { get; set; } = "MnistRepeated";

    [Params(1, 4501)]
    public int FirstStep { get; set; }

    [IterationSetup]
    public void Setup()
    {
        _workload = new DriftWorkload(Workload);
        for (int i = 1; i < FirstStep; i++) _workload.Step();
    }

    [Benchmark(OperationsPerInvoke = Window)]
    public float TrainStep()
    {
        float loss = 0f;
        for (int i = 0; i < Window; i++) loss = _workload.Step();
        return loss;
    }
}

/// <summary>
/// <c>--drift [steps] [workload,…]</c>: the step time of each workload against the step number, in windows of 500 steps, split into
/// <c>ComputeGradients</c> (forward, loss, backward) and the Adam update, with how many parameters, gradients and
/// optimizer moments are subnormal at the end of each window.
/// </summary>
internal static class DriftReport
{
    public static void Run(string[] args)
    {
        int steps = args.Length > 1 ? int.Parse(args[1]) : 5000;
        string[] workloads = args.Length > 2 ? args[2].Split(',') : new[] { "MnistRepeated", "Dense128Repeated", "DigitsReal", "FashionReal" };
        const int window = 500;
        foreach (string name in workloads)
        {
            if (name == "FashionReal" && !File.Exists(Path.Combine(DriftWorkload.FashionDirectory, "train-images-idx3-ubyte.gz")))
            {
                Console.WriteLine($"{name}: skipped, Fashion-MNIST not installed at {DriftWorkload.FashionDirectory}");
                continue;
            }
            var w = new DriftWorkload(name);
            Console.WriteLine($"{name}: {w.Network.Parameters.Length:N0} parameters; per window of {window} steps, µs per step: the median " +
                              "(robust to a shared host's preemptions) and the mean, of the whole step, of ComputeGradients and of the Adam update; " +
                              "the last loss; how many parameters, gradients, m and v are subnormal");
            Console.WriteLine("   steps     median    mean   grad.med  Adam.med   loss        sub(p)  sub(g)  sub(m)  sub(v)");
            var total = new double[window];
            var gradient = new double[window];
            var update = new double[window];
            double toMicroseconds = 1e6 / Stopwatch.Frequency;
            for (int start = 0; start < steps; start += window)
            {
                float loss = 0f;
                for (int i = 0; i < window; i++)
                {
                    var (inputs, targets) = w.NextBatch();
                    long t0 = Stopwatch.GetTimestamp();
                    loss = w.Network.ComputeGradients(inputs.Span, targets.Span);
                    long t1 = Stopwatch.GetTimestamp();
                    w.Optimizer.Step(w.Network.Parameters, w.Network.Gradients);
                    long t2 = Stopwatch.GetTimestamp();
                    gradient[i] = (t1 - t0) * toMicroseconds;
                    update[i] = (t2 - t1) * toMicroseconds;
                    total[i] = (t2 - t0) * toMicroseconds;
                }
                double mean = 0;
                foreach (double t in total) mean += t;
                mean /= window;
                var (m, v) = Moments(w.Optimizer);
                Console.WriteLine($"{start + 1,5}-{start + window,-5} {Median(total),8:F1} {mean,8:F1} {Median(gradient),9:F1} {Median(update),9:F1}   {loss,-10:G4} " +
                                  $"{Subnormals(w.Network.Parameters),7} {Subnormals(w.Network.Gradients),7} {Subnormals(m),7} {Subnormals(v),7}");
            }
        }
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }

    private static int Subnormals(ReadOnlySpan<float> values)
    {
        int count = 0;
        foreach (float x in values)
            if (x != 0f && float.IsSubnormal(x)) count++;
        return count;
    }

    // The moments are private state; the report reads them by reflection (diagnostics only).
    private static (float[] First, float[] Second) Moments(Adam adam)
    {
        const System.Reflection.BindingFlags flags = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
        object moments = typeof(Adam).GetField("_moments", flags)!.GetValue(adam)!;
        Type type = moments.GetType();
        return ((float[])type.GetField("_first", flags)!.GetValue(moments)!, (float[])type.GetField("_second", flags)!.GetValue(moments)!);
    }
}

/// <summary>
/// <c>--adam-cost</c>: the Adam update alone on the MNIST network's 102,544 parameters with ordinary (normal, non-zero)
/// gradients, the path where the flush finds nothing to do: the median of 15 rounds of 2,000 steps, in µs per step.
/// Run it against two builds to see what the flush's compare-and-mask costs.
/// </summary>
internal static class AdamCost
{
    public static void Run()
    {
        const int n = 102_544, steps = 2000, rounds = 15;
        var parameters = BenchmarkData.Random(n, 11);
        var gradients = BenchmarkData.Random(n, 12);
        for (int i = 0; i < n; i++) gradients[i] -= 0.5f;
        foreach (var (name, optimizer) in new (string, Optimizer)[] { ("Adam", new Adam(1e-3f)), ("SGD momentum", new Sgd(1e-3f, momentum: 0.9f)) })
        {
            var times = new double[rounds];
            for (int r = 0; r < rounds; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int s = 0; s < steps; s++) optimizer.Step(parameters, gradients);
                times[r] = (Stopwatch.GetTimestamp() - t0) * 1e6 / Stopwatch.Frequency / steps;
            }
            Array.Sort(times);
            Console.WriteLine($"{name} update, {n:N0} parameters: median {times[rounds / 2]:F2} µs, min {times[0]:F2} µs per step");
        }
    }
}

/// <summary>
/// <c>--flush-cost</c>: what flushing m and v costs on the path where nothing is subnormal. The runtime's update cannot be
/// switched off, so this times a copy of its 512-bit loop (AdamMoments.UpdateVectors: same operations, same order) with
/// and without the two compare-and-mask operations, alternating the two every round in one process so that the host's
/// load hits both alike; it prints the medians and the median of the per-round ratios.
/// </summary>
internal static class FlushCost
{
    public static void Run()
    {
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            Console.WriteLine("--flush-cost needs 512-bit vectors.");
            return;
        }
        foreach (int n in new[] { 33_024, 102_544 })
        {
            float[] p = BenchmarkData.Random(n, 11), g = BenchmarkData.Random(n, 12), m = new float[n], v = new float[n];
            for (int i = 0; i < n; i++) g[i] -= 0.5f;
            const int steps = 500, rounds = 31;
            var plain = new double[rounds];
            var flushed = new double[rounds];
            var ratios = new double[rounds];
            for (int r = -2; r < rounds; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int s = 0; s < steps; s++) Update(p, g, m, v, flush: false);
                long t1 = Stopwatch.GetTimestamp();
                for (int s = 0; s < steps; s++) Update(p, g, m, v, flush: true);
                long t2 = Stopwatch.GetTimestamp();
                if (r < 0) continue;   // warm-up rounds
                plain[r] = (t1 - t0) * 1e6 / Stopwatch.Frequency / steps;
                flushed[r] = (t2 - t1) * 1e6 / Stopwatch.Frequency / steps;
                ratios[r] = flushed[r] / plain[r];
            }
            Array.Sort(plain);
            Array.Sort(flushed);
            Array.Sort(ratios);
            Console.WriteLine($"Adam loop, {n:N0} parameters, normal values: without flush median {plain[rounds / 2]:F2} µs (min {plain[0]:F2}), " +
                              $"with flush {flushed[rounds / 2]:F2} µs (min {flushed[0]:F2}); per-round ratio median {ratios[rounds / 2]:F3}");
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Update(float[] p, float[] g, float[] m, float[] v, bool flush)
    {
        // Adam's defaults at step 10.
        float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
        float negativeStepSize = (float)(-1e-3 / (1 - Math.Pow(0.9, 10)));
        float inverseCorrection2Sqrt = (float)(1 / Math.Sqrt(1 - Math.Pow(0.999, 10)));
        if (flush) Loop<Flush>(p, g, m, v, beta1, beta2, eps, negativeStepSize, inverseCorrection2Sqrt);
        else Loop<NoFlush>(p, g, m, v, beta1, beta2, eps, negativeStepSize, inverseCorrection2Sqrt);
    }

    private interface IFlush { static abstract System.Runtime.Intrinsics.Vector512<float> Apply(System.Runtime.Intrinsics.Vector512<float> x); }

    private struct NoFlush : IFlush
    {
        public static System.Runtime.Intrinsics.Vector512<float> Apply(System.Runtime.Intrinsics.Vector512<float> x) => x;
    }

    private struct Flush : IFlush
    {
        public static System.Runtime.Intrinsics.Vector512<float> Apply(System.Runtime.Intrinsics.Vector512<float> x) =>
            System.Runtime.Intrinsics.Vector512.AndNot(x, System.Runtime.Intrinsics.Vector512.LessThan(
                System.Runtime.Intrinsics.Vector512.Abs(x), System.Runtime.Intrinsics.Vector512.Create(1.17549435e-38f)));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Loop<F>(float[] p, float[] g, float[] m, float[] v, float b1, float b2, float e, float step, float c2)
        where F : struct, IFlush
    {
        var beta1 = System.Runtime.Intrinsics.Vector512.Create(b1);
        var oneMinusBeta1 = System.Runtime.Intrinsics.Vector512.Create(1f - b1);
        var beta2 = System.Runtime.Intrinsics.Vector512.Create(b2);
        var oneMinusBeta2 = System.Runtime.Intrinsics.Vector512.Create(1f - b2);
        var eps = System.Runtime.Intrinsics.Vector512.Create(e);
        var stepSize = System.Runtime.Intrinsics.Vector512.Create(step);
        var correction = System.Runtime.Intrinsics.Vector512.Create(c2);
        for (int i = 0; i + 16 <= p.Length; i += 16)
        {
            var pv = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p[i]);
            var gv = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref g[i]);
            var mv = F.Apply(System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref m[i]) * beta1 + gv * oneMinusBeta1);
            var vv = F.Apply(System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref v[i]) * beta2 + gv * oneMinusBeta2 * gv);
            mv.StoreUnsafe(ref m[i]);
            vv.StoreUnsafe(ref v[i]);
            var denominator = System.Runtime.Intrinsics.Vector512.Sqrt(vv) * correction + eps;
            (pv + mv * stepSize / denominator).StoreUnsafe(ref p[i]);
        }
    }
}
