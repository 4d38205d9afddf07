using FashionMnistCnn;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>
/// Data-parallel training steps (issue 20): one Adam step of the MLP (784 → 128 → 10) and of the Fashion-MNIST sample's
/// CNN (<see cref="FashionCnn"/>) at batch 64 and 256, on 1 and 2 workers (<c>MaxDegreeOfParallelism</c>); four
/// batches of random inputs and labels, cycled. The results are bit-identical for every worker count
/// (tests/StaticNet.Tests/Training/ParallelTrainingTests.cs). PyTorch on the same machine:
/// <c>OPENBLAS_CORETYPE=SKYLAKEX /usr/bin/python3 benchmarks/pytorch/parallel_steps.py</c>.
/// Run: <c>--job short --filter '*ParallelTraining*'</c>; <c>--parallel-timing</c> is a quick Stopwatch version.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class ParallelTrainingBenchmarks
{
    private MnistMlp _mlp = null!;
    private FashionCnn _cnn = null!;
    private Adam _mlpAdam = null!, _cnnAdam = null!;
    private float[][] _mlpInputs = null!, _cnnInputs = null!;
    private int[][] _labels = null!;
    private int _step;

    [Params(64, 256)]
    public int Batch { get; set; }

    [Params(1, 2)]
    public int Workers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _mlp = new MnistMlp(1) { MaxDegreeOfParallelism = Workers };
        _cnn = new FashionCnn(1) { MaxDegreeOfParallelism = Workers };
        _mlpAdam = new Adam(1e-3f);
        _cnnAdam = new Adam(1e-3f);
        _mlpInputs = new float[4][];
        _cnnInputs = new float[4][];
        _labels = new int[4][];
        for (int i = 0; i < 4; i++)
        {
            _mlpInputs[i] = BenchmarkData.Random(Batch * 784, 10 + i);
            _cnnInputs[i] = BenchmarkData.Random(Batch * 784, 20 + i);
            _labels[i] = BenchmarkData.Labels(Batch, 10, 30 + i);
        }
    }

    [Benchmark]
    public float MlpTrainStep()
    {
        int i = _step++ & 3;
        return _mlp.TrainStep(_mlpInputs[i], _labels[i], _mlpAdam);
    }

    [Benchmark]
    public float CnnTrainStep()
    {
        int i = _step++ & 3;
        return _cnn.TrainStep(_cnnInputs[i], _labels[i], _cnnAdam);
    }
}

/// <summary>
/// <c>--parallel-timing [steps]</c>: the same steps as <see cref="ParallelTrainingBenchmarks"/> timed with a Stopwatch
/// (median and minimum of rounds of 10 steps), and the speed-up from the second worker; quicker than BenchmarkDotNet.
/// </summary>
internal static class ParallelTiming
{
    public static void Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
        System.Console.WriteLine($"Processors: {System.Environment.ProcessorCount}; {rounds} rounds of 10 steps; ms per step (median / min), " +
            "and the process's CPU time per step (all threads, spinning included)");
        var process = System.Diagnostics.Process.GetCurrentProcess();
        foreach (string network in new[] { "MLP", "CNN" })
            foreach (int batch in new[] { 64, 256 })
            {
                double one = 0;
                foreach (int workers in new[] { 1, 2 })
                {
                    var bench = new ParallelTrainingBenchmarks { Batch = batch, Workers = workers };
                    bench.Setup();
                    System.Func<float> step = network == "MLP" ? bench.MlpTrainStep : bench.CnnTrainStep;
                    for (int i = 0; i < 20; i++) step();
                    var times = new double[rounds];
                    process.Refresh();
                    System.TimeSpan cpuBefore = process.TotalProcessorTime;
                    for (int r = 0; r < rounds; r++)
                    {
                        long start = System.Diagnostics.Stopwatch.GetTimestamp();
                        for (int i = 0; i < 10; i++) step();
                        times[r] = (System.Diagnostics.Stopwatch.GetTimestamp() - start) * 1e3 / System.Diagnostics.Stopwatch.Frequency / 10;
                    }
                    process.Refresh();
                    double cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / (10.0 * rounds);
                    System.Array.Sort(times);
                    double median = times[rounds / 2];
                    if (workers == 1) one = median;
                    System.Console.WriteLine($"{network} batch {batch,3} workers {workers}: {median,8:F3} / {times[0],8:F3}  CPU {cpu,8:F3}" +
                        (workers == 1 ? "" : $"   speed-up {one / median:F2}x"));
                }
            }
    }
}
