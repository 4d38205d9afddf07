using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using FashionMnistCnn;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--parallel-cpu [rounds]</c> (issue 20): what the second worker costs in CPU time, measurable on a shared machine.
/// The MLP and the Fashion-MNIST CNN at batch 256, Adam, on 1 and 2 workers: <c>TrainStep</c> and <c>ComputeGradients</c>
/// (the same step without the optimizer), in interleaved rounds; per step, the wall time, the process's CPU time over
/// all threads (<c>CLOCK_PROCESS_CPUTIME_ID</c>: spinning and cross-core misses included, time spent descheduled not)
/// and the calling thread's. <c>TrainStep − ComputeGradients</c> is the optimizer's part (the gradient's norm and the
/// update), serial on the calling thread on 1 worker. Medians and minima; public API only, so that it builds against
/// older commits for a before/after comparison.
/// </summary>
internal static class ParallelCpu
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>Milliseconds of <c>clock_gettime(clock)</c> (2: the process's CPU time, 3: this thread's), NaN if it fails.</summary>
    internal static double Cpu(int clock) =>
        ClockGetTime(clock, out TimeSpec time) == 0 ? time.Seconds * 1e3 + time.Nanoseconds / 1e6 : double.NaN;

    public static void Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20;
        Console.WriteLine($"Processors: {Environment.ProcessorCount}; batch 256, Adam; {rounds} interleaved rounds; ms per step: median / min");
        const int batch = 256;
        foreach (string network in new[] { "MLP", "CNN" })
        {
            int calls = network == "MLP" ? 10 : 2;
            float[] x = BenchmarkData.Random(batch * 784, 5);
            int[] labels = BenchmarkData.Labels(batch, 10, 6);
            var bodies = new Func<float>[4];
            string[] names = { "TrainStep 1", "TrainStep 2", "Gradients 1", "Gradients 2" };
            for (int w = 1; w <= 2; w++)
            {
                var adam = new Adam(1e-4f);
                if (network == "MLP")
                {
                    var mlp = new MnistMlp(1) { MaxDegreeOfParallelism = w };
                    bodies[w - 1] = () => mlp.TrainStep(x, labels, adam);
                    bodies[w + 1] = () => mlp.ComputeGradients(x, labels);
                }
                else
                {
                    var cnn = new FashionCnn(1) { MaxDegreeOfParallelism = w };
                    bodies[w - 1] = () => cnn.TrainStep(x, labels, adam);
                    bodies[w + 1] = () => cnn.ComputeGradients(x, labels);
                }
            }
            foreach (var body in bodies) for (int i = 0; i < 3 * calls; i++) body();
            var wall = new double[4, rounds];
            var process = new double[4, rounds];
            var caller = new double[4, rounds];
            for (int r = 0; r < rounds; r++)
                for (int b = 0; b < 4; b++)
                {
                    double p0 = Cpu(2), t0 = Cpu(3);
                    long start = Stopwatch.GetTimestamp();
                    for (int i = 0; i < calls; i++) bodies[b]();
                    wall[b, r] = (Stopwatch.GetTimestamp() - start) * 1e3 / Stopwatch.Frequency / calls;
                    process[b, r] = (Cpu(2) - p0) / calls;
                    caller[b, r] = (Cpu(3) - t0) / calls;
                }
            Console.WriteLine($"{network}:            wall               CPU, all threads    CPU, calling thread");
            var medians = new double[4, 3];
            var minima = new double[4, 3];
            for (int b = 0; b < 4; b++)
            {
                string line = $"  {names[b],-12}";
                int k = 0;
                foreach (double[,] series in new[] { wall, process, caller })
                {
                    var v = new double[rounds];
                    for (int r = 0; r < rounds; r++) v[r] = series[b, r];
                    Array.Sort(v);
                    medians[b, k] = v[rounds / 2];
                    minima[b, k] = v[0];
                    line += $"  {v[rounds / 2],8:F3} / {v[0],8:F3}";
                    k++;
                }
                Console.WriteLine(line);
            }
            for (int w = 1; w <= 2; w++)
                Console.WriteLine($"  optimizer part (TrainStep − Gradients), {w} worker{(w > 1 ? "s" : "")}: wall {medians[w - 1, 0] - medians[w + 1, 0]:F3} (minima {minima[w - 1, 0] - minima[w + 1, 0]:F3}), " +
                    $"CPU all threads {medians[w - 1, 1] - medians[w + 1, 1]:F3}, calling thread {medians[w - 1, 2] - medians[w + 1, 2]:F3}");
            Console.WriteLine($"  TrainStep CPU over all threads, 2 workers / 1: {medians[1, 1] / medians[0, 1]:F3} (medians), {minima[1, 1] / minima[0, 1]:F3} (minima); " +
                $"wall speed-up {medians[0, 0] / medians[1, 0]:F2}× (medians), {minima[0, 0] / minima[1, 0]:F2}× (minima)");
        }
    }
}
