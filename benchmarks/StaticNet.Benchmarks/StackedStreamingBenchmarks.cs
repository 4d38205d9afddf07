using System;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace StaticNet.Benchmarks;

/// <summary>
/// Issue 17's streaming target: a 2-layer LSTM(1 → 32) (<c>[LSTM(32, NumLayers = 2)]</c>) + Dense(1) <c>Step</c> under
/// 2× the one-layer LSTM(1 → 32) + Dense(1) step (<see cref="StreamingLstmNet"/>), called as an audio callback calls
/// it (one sample in, one out). <c>--stack-timing</c> runs a quick min-of-windows comparison instead of BenchmarkDotNet
/// and prints the ratio.
/// </summary>
[MemoryDiagnoser]
public class StackedStreamingBenchmarks
{
    private readonly StreamingLstmNet _one = new(1);
    private readonly StreamingLstm2Net _two = new(1);
    private readonly float[] _x = BenchmarkData.Random(1024, 3);
    private readonly float[] _y = new float[1024];
    private int _t;

    [Benchmark(Baseline = true)]
    public void OneLayerStep()
    {
        int t = _t = (_t + 1) & 1023;
        _one.Step(_x.AsSpan(t, 1), _y.AsSpan(t, 1));
    }

    [Benchmark]
    public void TwoLayerStep()
    {
        int t = _t = (_t + 1) & 1023;
        _two.Step(_x.AsSpan(t, 1), _y.AsSpan(t, 1));
    }

    /// <summary>ns per step of both, the minimum over windows of 2 000 steps, interleaved (robust on a loaded machine), and their ratio.</summary>
    public static void QuickTiming(int rounds = 5, int windows = 600)
    {
        var b = new StackedStreamingBenchmarks();
        double one = double.MaxValue, two = double.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            one = Math.Min(one, Time(() => { b.OneLayerStep(); return b._y[b._t]; }, windows));
            two = Math.Min(two, Time(() => { b.TwoLayerStep(); return b._y[b._t]; }, windows));
        }
        Console.WriteLine($"LSTM(1 -> 32) + Dense(1) Step:             {one:F1} ns");
        Console.WriteLine($"LSTM(32, NumLayers = 2) + Dense(1) Step:   {two:F1} ns");
        Console.WriteLine($"ratio: {two / one:F2} (min of {rounds} x {windows} windows of 2000 steps each)");

        // The parts, each alone with its own weights (so each fits the L1 data cache): the first layer's step
        // (LSTM(1 -> 32)), and the second's (LSTM(32 -> 32): twice the first's multiply-adds, W_ih and W_hh both 32 x 128).
        var parameters = new StaticNet.Kernels.AlignedBuffer(2 * 32 * 128 + 2 * 128);
        var state = new StaticNet.Kernels.AlignedBuffer(StaticNet.Kernels.LstmKernels.StepStateLength(32));
        var x1 = new float[] { 0.3f };
        var x32 = BenchmarkData.Random(32, 5);
        BenchmarkData.Random(parameters.Length, 6).AsSpan().CopyTo(parameters.Span);
        for (int i = 0; i < parameters.Length; i++) parameters.Span[i] *= 0.1f;
        double first = double.MaxValue, second = double.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            first = Math.Min(first, Time(() =>
            {
                Span<float> p = parameters.Span;
                StaticNet.Kernels.LstmKernels.Step(x1, 1, p.Slice(0, 128), p.Slice(4096, 4096), p.Slice(8192, 128), p.Slice(8320, 128), 32, state.Span);
                return state.Span[0];
            }, windows));
            second = Math.Min(second, Time(() =>
            {
                Span<float> p = parameters.Span;
                StaticNet.Kernels.LstmKernels.Step(x32, 32, p.Slice(0, 4096), p.Slice(4096, 4096), p.Slice(8192, 128), p.Slice(8320, 128), 32, state.Span);
                return state.Span[0];
            }, windows));
        }
        // Both steps one after the other, as the stack runs them: with the second layer's own W_ih and W_hh (50.6 KiB of
        // weights per step, more than the 32 KiB L1 data cache), and with its W_ih read from W_hh's memory (34 KiB).
        var stack = new StaticNet.Kernels.AlignedBuffer(3 * 32 * 128 + 4 * 128);
        BenchmarkData.Random(stack.Length, 7).AsSpan().CopyTo(stack.Span);
        for (int i = 0; i < stack.Length; i++) stack.Span[i] *= 0.1f;
        var state2 = new StaticNet.Kernels.AlignedBuffer(2 * StaticNet.Kernels.LstmKernels.StepStateLength(32));
        double own = double.MaxValue, shared = double.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            own = Math.Min(own, Time(() => { StackStep(stack.Span, state2.Span, x1, sharedWeights: false); return state2.Span[352]; }, windows));
            shared = Math.Min(shared, Time(() => { StackStep(stack.Span, state2.Span, x1, sharedWeights: true); return state2.Span[352]; }, windows));
        }
        Console.WriteLine($"  both kernels, the second layer's own W_ih and W_hh: {own:F1} ns; its W_ih aliased to W_hh (fits L1): {shared:F1} ns");
        Console.WriteLine($"  LstmKernels.Step LSTM(1 -> 32) alone:  {first:F1} ns");
        Console.WriteLine($"  LstmKernels.Step LSTM(32 -> 32) alone: {second:F1} ns (sum of the parts {first + second:F1} ns = {(first + second) / one:F2} x the one-layer network step)");
    }

    private static void StackStep(Span<float> p, Span<float> state, float[] x, bool sharedWeights)
    {
        // Layout: W_hh1 [32, 128] at 0, W_ih2 at 4096, W_hh2 at 8192, W_ih1 [1, 128] and the four biases from 12288.
        StaticNet.Kernels.LstmKernels.Step(x, 1, p.Slice(12288, 128), p.Slice(0, 4096), p.Slice(12416, 128), p.Slice(12544, 128), 32, state.Slice(0, 352));
        StaticNet.Kernels.LstmKernels.Step(state.Slice(0, 32), 32, p.Slice(sharedWeights ? 8192 : 4096, 4096), p.Slice(8192, 4096), p.Slice(12672, 128),
            p.Slice(12800 - 128, 128), 32, state.Slice(352, 352));
    }

    private static double Time(Func<float> step, int windows)
    {
        const int n = 2_000;
        float sink = 0;
        long warm = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
        while (Stopwatch.GetTimestamp() < warm)
            for (int i = 0; i < 10_000; i++) sink += step();
        double best = double.MaxValue;
        for (int w = 0; w < windows; w++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++) sink += step();
            long ticks = Stopwatch.GetTimestamp() - start;
            best = Math.Min(best, ticks * 1e9 / Stopwatch.Frequency / n);
        }
        if (float.IsNaN(sink)) Console.WriteLine("NaN");
        return best;
    }
}
