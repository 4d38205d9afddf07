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
    /// <c>--cnn-forward-ab</c> (issue 21): the imported Fashion CNN's <c>Forward</c> as committed; the same with the second
    /// convolution's Winograd F(2×2) instead of F(2×4) (<c>ConvWinograd24.Disabled</c>); with the fused first
    /// convolution's overlapping last tile instead of its tail tiles (<c>ConvPoolSimd.TailTilesDisabled</c>); with both
    /// (the code before session 3); and ONNX Runtime, in interleaved rounds of one process (31 rounds of 25 calls each,
    /// thread CPU time), repeated three times; ratios are ONNX Runtime's time over StaticNet's. Run it with
    /// <c>DOTNET_TieredPGO=0</c> too: with dynamic PGO the variant
    /// measured during the JIT's instrumentation can get better code than the other.
    /// </summary>
    public static void RunAb()
    {
        using var bench = new OnnxImportBenchmarks();
        Action f2x2 = () =>
        {
            StaticNet.Kernels.ConvWinograd24.Disabled = true;
            bench.StaticNetFashionCnn();
            StaticNet.Kernels.ConvWinograd24.Disabled = false;
        };
        Action overlapTile = () =>
        {
            StaticNet.Kernels.ConvPoolSimd.TailTilesDisabled = true; // conv1's overlapping last tile, as before
            bench.StaticNetFashionCnn();
            StaticNet.Kernels.ConvPoolSimd.TailTilesDisabled = false;
        };
        Action before = () =>
        {
            StaticNet.Kernels.ConvWinograd24.Disabled = true;
            StaticNet.Kernels.ConvPoolSimd.TailTilesDisabled = true;
            bench.StaticNetFashionCnn();
            StaticNet.Kernels.ConvPoolSimd.TailTilesDisabled = false;
            StaticNet.Kernels.ConvWinograd24.Disabled = false;
        };
        string[] names = { "now", "F(2x2) conv2", "conv1 overlapping tile", "both (before session 3)", "ONNX Runtime" };
        Action[] actions = { bench.StaticNetFashionCnn, f2x2, overlapTile, before, bench.OnnxRuntimeFashionCnn };
        const int Rounds = 31, Calls = 25;
        long warm = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(warm).TotalSeconds < 2)
            foreach (Action a in actions) a();
        Console.WriteLine("Fashion CNN batch-1 Forward, min / median µs per call (ratio: ONNX Runtime's minimum / this minimum)");
        for (int repeat = 0; repeat < 3; repeat++)
        {
            var t = new double[actions.Length][];
            for (int k = 0; k < actions.Length; k++) t[k] = new double[Rounds];
            for (int r = 0; r < Rounds; r++)
                for (int k = 0; k < actions.Length; k++)
                {
                    double s0 = TransformerBenchmarks.ThreadCpuMicroseconds();
                    for (int i = 0; i < Calls; i++) actions[k]();
                    t[k][r] = (TransformerBenchmarks.ThreadCpuMicroseconds() - s0) / Calls;
                }
            foreach (double[] a in t) Array.Sort(a);
            double ort = t[actions.Length - 1][0];
            var line = new System.Text.StringBuilder();
            for (int k = 0; k < actions.Length; k++)
                line.Append($"{names[k]} {t[k][0]:F2} / {t[k][Rounds / 2]:F2}" + (k < actions.Length - 1 ? $" ({ort / t[k][0]:F2}×)   " : ""));
            Console.WriteLine(line);
        }
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
