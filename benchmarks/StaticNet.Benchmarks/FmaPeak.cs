using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace StaticNet.Benchmarks;

/// <summary>
/// This core's fp32 fused multiply-add peak: 16 independent chains of <c>acc = acc·a + b</c> (enough to cover Zen 4's
/// 4-cycle FMA latency on both 256-bit pipes), in 512-bit and 256-bit vectors, nothing loaded or stored in the loop. One
/// FMA lane counts 2 FLOP. <c>--fma-peak</c> prints the best of several rounds timed by the thread's CPU time (a peak: load
/// only lowers it);
/// the BenchmarkDotNet class times the same loops.
/// </summary>
[MinColumn, MedianColumn]
public class FmaPeakBenchmarks
{
    /// <summary>Loop trips per call: 16 chains × 16 lanes × 2 FLOP × 100,000 = 51.2 MFLOP in 512-bit vectors.</summary>
    public const int Iterations = 100_000;

    [Benchmark]
    public float Fma512() => FmaPeak.Run512(Iterations);

    [Benchmark]
    public float Fma256() => FmaPeak.Run256(Iterations);
}

/// <summary>The FMA loops and the <c>--fma-peak</c> report.</summary>
public static class FmaPeak
{
    /// <summary>16 chains of 512-bit FMAs, <paramref name="iterations"/> each; returns a sum so the JIT keeps the work.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static float Run512(int iterations)
    {
        Vector512<float> a = Vector512.Create(0.999999f), b = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        Vector512<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b); c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b);
            c8 = Vector512.FusedMultiplyAdd(c8, a, b); c9 = Vector512.FusedMultiplyAdd(c9, a, b);
            c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
            c12 = Vector512.FusedMultiplyAdd(c12, a, b); c13 = Vector512.FusedMultiplyAdd(c13, a, b);
            c14 = Vector512.FusedMultiplyAdd(c14, a, b); c15 = Vector512.FusedMultiplyAdd(c15, a, b);
        }
        Vector512<float> sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)) + ((c12 + c13) + (c14 + c15));
        return Vector512.Sum(sum);
    }

    /// <summary>16 chains of 256-bit FMAs, <paramref name="iterations"/> each.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static float Run256(int iterations)
    {
        Vector256<float> a = Vector256.Create(0.999999f), b = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        Vector256<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, a, b); c1 = Vector256.FusedMultiplyAdd(c1, a, b);
            c2 = Vector256.FusedMultiplyAdd(c2, a, b); c3 = Vector256.FusedMultiplyAdd(c3, a, b);
            c4 = Vector256.FusedMultiplyAdd(c4, a, b); c5 = Vector256.FusedMultiplyAdd(c5, a, b);
            c6 = Vector256.FusedMultiplyAdd(c6, a, b); c7 = Vector256.FusedMultiplyAdd(c7, a, b);
            c8 = Vector256.FusedMultiplyAdd(c8, a, b); c9 = Vector256.FusedMultiplyAdd(c9, a, b);
            c10 = Vector256.FusedMultiplyAdd(c10, a, b); c11 = Vector256.FusedMultiplyAdd(c11, a, b);
            c12 = Vector256.FusedMultiplyAdd(c12, a, b); c13 = Vector256.FusedMultiplyAdd(c13, a, b);
            c14 = Vector256.FusedMultiplyAdd(c14, a, b); c15 = Vector256.FusedMultiplyAdd(c15, a, b);
        }
        Vector256<float> sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)) + ((c12 + c13) + (c14 + c15));
        return Vector256.Sum(sum);
    }

    /// <summary>
    /// <c>--fma-peak</c>: the best GFLOP/s of 30 rounds for each width, and the transformer layer's forward and training
    /// step (from its <c>Layers</c> multiply-adds) timed the same way, as fractions of the 512-bit peak.
    /// </summary>
    public static void Run()
    {
        const int rounds = 30;
        Console.WriteLine($"Vector512 accelerated: {Vector512.IsHardwareAccelerated}, FMA: {System.Runtime.Intrinsics.X86.Fma.IsSupported}");
        double peak512 = Measure512(rounds);
        double peak256 = Best(rounds, () => Run256(FmaPeakBenchmarks.Iterations), 16.0 * 8 * 2 * FmaPeakBenchmarks.Iterations);
        Console.WriteLine($"FMA peak, one thread: 512-bit {peak512:F1} GFLOP/s, 256-bit {peak256:F1} GFLOP/s (best of {rounds} rounds)");

        var network = new EncoderLayerNet(1);
        float[] inputs = BenchmarkData.Random(32 * EncoderLayerNet.InputSize, 3), targets = BenchmarkData.Random(32 * EncoderLayerNet.OutputSize, 4);
        var output = new float[EncoderLayerNet.OutputSize];
        var adam = new StaticNet.Optimizers.Adam(1e-4f);
        long multiplyAdds = 0;
        foreach (LayerInfo layer in EncoderLayerNet.Layers) multiplyAdds += layer.MultiplyAdds;
        double forwardFlop = 2.0 * multiplyAdds, trainFlop = 3 * 32 * forwardFlop; // backward ≈ 2 × forward (dW and dx)
        double forward = Best(rounds, () => { network.Forward(inputs.AsSpan(0, EncoderLayerNet.InputSize), output); return output[0]; }, forwardFlop, repeat: 200);
        double train = Best(rounds, () => network.TrainStep(inputs, targets, adam), trainFlop, repeat: 3);
        Console.WriteLine($"Transformer layer: {multiplyAdds:N0} multiply-adds per sample (Layers table) = {forwardFlop / 1e6:F2} MFLOP forward");
        Console.WriteLine($"  forward, batch 1:      {forwardFlop / forward / 1e3:F1} us  {forward:F1} GFLOP/s = {forward / peak512:P1} of the 512-bit peak");
        Console.WriteLine($"  train step, batch 32:  {trainFlop / train / 1e6:F2} ms  {train:F1} GFLOP/s (3 × forward FLOP per sample) = {train / peak512:P1} of the 512-bit peak");
    }

    /// <summary>The 512-bit peak in GFLOP/s, best of <paramref name="rounds"/> rounds of thread CPU time (NaN without Vector512).</summary>
    public static double Measure512(int rounds = 30) => Vector512.IsHardwareAccelerated
        ? Best(rounds, () => Run512(FmaPeakBenchmarks.Iterations), 16.0 * 16 * 2 * FmaPeakBenchmarks.Iterations)
        : double.NaN;

    private static double Best(int rounds, Func<float> work, double flopPerCall, int repeat = 1)
    {
        float sink = 0;
        for (int i = 0; i < 3 * repeat; i++) sink += work();
        double best = 0;
        for (int r = 0; r < rounds; r++)
        {
            double start = TransformerBenchmarks.ThreadCpuMicroseconds();
            for (int i = 0; i < repeat; i++) sink += work();
            double seconds = (TransformerBenchmarks.ThreadCpuMicroseconds() - start) / 1e6;
            best = Math.Max(best, flopPerCall * repeat / seconds / 1e9);
        }
        if (sink == 12345.678f) Console.WriteLine(sink);
        return best;
    }
}
