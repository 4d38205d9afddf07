using System;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--onnx-import-timing</c>: each pair of <see cref="OnnxImportBenchmarks"/> (the imported network and ONNX Runtime
/// on the same .onnx) in interleaved rounds timed by this thread's CPU time (so time descheduled on a loaded machine does
/// not count), printing per call the minimum and median over the rounds, the ratio, and the bytes each allocated per call.
/// </summary>
public static class OnnxImportTiming
{
    public static void Run()
    {
        using var bench = new OnnxImportBenchmarks(); // checks the outputs against ONNX Runtime first
        Console.WriteLine("model                 StaticNet min / median     ONNX Runtime min / median   ratio (min, median)   allocated per call");
        Pair("MLP 20-64-32-10", bench.StaticNetMlp, bench.OnnxRuntimeMlp);
        Pair("Fashion MLP 784-128-10", bench.StaticNetFashionMlp, bench.OnnxRuntimeFashionMlp);
        Pair("CNN (8, 16 filters)", bench.StaticNetCnn, bench.OnnxRuntimeCnn);
        Pair("Fashion CNN (16, 32)", bench.StaticNetFashionCnn, bench.OnnxRuntimeFashionCnn);
        Pair("LSTM 12 steps", bench.StaticNetLstm, bench.OnnxRuntimeLstm);
        Pair("LSTM step", bench.StaticNetLstmStep, bench.OnnxRuntimeLstmStep);
    }

    /// <summary>
    /// <c>--cnn-forward-ab</c> (issue 21, session 2): the imported Fashion CNN's <c>Forward</c> as committed, the same with
    /// this session's two kernel changes switched off (the one-channel kernel's overlapping last tile, the scalar
    /// flattened store), and ONNX Runtime, in interleaved rounds of one process, each repeated three times.
    /// </summary>
    public static void RunAb()
    {
        using var bench = new OnnxImportBenchmarks();
        Action before = () =>
        {
            StaticNet.Kernels.ConvPoolSimd.TailDisabled = true;
            StaticNet.Kernels.FlattenTranspose.Disabled = true;
            bench.StaticNetFashionCnn();
            StaticNet.Kernels.ConvPoolSimd.TailDisabled = false;
            StaticNet.Kernels.FlattenTranspose.Disabled = false;
        };
        Console.WriteLine("Fashion CNN batch-1 Forward      min / median per call (µs)");
        for (int repeat = 0; repeat < 3; repeat++)
        {
            var (a, b, c) = Triple(bench.StaticNetFashionCnn, before, bench.OnnxRuntimeFashionCnn);
            Console.WriteLine($"  now {a.Min,6:F2} / {a.Median,6:F2}   before {b.Min,6:F2} / {b.Median,6:F2}   ONNX Runtime {c.Min,6:F2} / {c.Median,6:F2}   " +
                              $"ratio now {c.Min / a.Min:F2}× ({c.Median / a.Median:F2}×), before {c.Min / b.Min:F2}× ({c.Median / b.Median:F2}×)");
        }
    }

    private static ((double Min, double Median), (double Min, double Median), (double Min, double Median)) Triple(Action x, Action y, Action z)
    {
        const int Rounds = 31, Calls = 25;
        long warm = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(warm).TotalSeconds < 2)
        {
            x(); y(); z();
        }
        var t = new double[3][] { new double[Rounds], new double[Rounds], new double[Rounds] };
        var actions = new[] { x, y, z };
        for (int r = 0; r < Rounds; r++)
            for (int k = 0; k < 3; k++)
            {
                double s0 = TransformerBenchmarks.ThreadCpuMicroseconds();
                for (int i = 0; i < Calls; i++) actions[k]();
                t[k][r] = (TransformerBenchmarks.ThreadCpuMicroseconds() - s0) / Calls;
            }
        foreach (double[] a in t) Array.Sort(a);
        return ((t[0][0], t[0][Rounds / 2]), (t[1][0], t[1][Rounds / 2]), (t[2][0], t[2][Rounds / 2]));
    }

    private static void Pair(string name, Action ours, Action ort)
    {
        const int Rounds = 31;
        // Warm-up: 2 s of wall time of both, so that the tiered JIT has compiled the hot code at full optimisation
        // (on a loaded machine its background compiler can take a while); then calls per round: about 1 ms of ONNX Runtime's time.
        long warm = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(warm).TotalSeconds < 2)
        {
            for (int i = 0; i < 10; i++) ours();
            ort();
        }
        double t0 = TransformerBenchmarks.ThreadCpuMicroseconds();
        for (int i = 0; i < 20; i++) ort();
        double each = Math.Max(0.05, (TransformerBenchmarks.ThreadCpuMicroseconds() - t0) / 20);
        int calls = Math.Clamp((int)(1000 / each), 5, 20_000);
        double[] a = new double[Rounds], b = new double[Rounds];
        long bytesOurs = 0, bytesOrt = 0;
        for (int r = -2; r < Rounds; r++) // and two warm-up rounds
        {
            long m0 = GC.GetAllocatedBytesForCurrentThread();
            double s0 = TransformerBenchmarks.ThreadCpuMicroseconds();
            for (int i = 0; i < calls; i++) ours();
            double s1 = TransformerBenchmarks.ThreadCpuMicroseconds();
            long m1 = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) ort();
            double s2 = TransformerBenchmarks.ThreadCpuMicroseconds();
            long m2 = GC.GetAllocatedBytesForCurrentThread();
            if (r < 0) continue;
            a[r] = (s1 - s0) / calls;
            b[r] = (s2 - s1) / calls;
            bytesOurs += m1 - m0;
            bytesOrt += m2 - m1;
        }
        Array.Sort(a);
        Array.Sort(b);
        double n = (double)Rounds * calls;
        Console.WriteLine($"{name,-22}{a[0],10:F2} / {a[Rounds / 2],8:F2} µs   {b[0],10:F2} / {b[Rounds / 2],8:F2} µs   {b[0] / a[0],6:F2}× {b[Rounds / 2] / a[Rounds / 2],6:F2}×   " +
                          $"{bytesOurs / n:F2} B / {bytesOrt / n:F2} B (managed)   [{calls} calls × {Rounds} rounds]");
    }
}
