using System;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace StaticNet.Benchmarks;

/// <summary>
/// The generated streaming <c>Step</c> (one sample, one time step, state carried in the instance) of issue 5's
/// networks (<see cref="StreamingLstmNet"/>, <see cref="StreamingGruNet"/> in Networks.cs); the goal is under 83 ns per step (250× real time at 48 kHz). <c>--step-timing</c> runs a quick
/// min-of-windows loop instead of BenchmarkDotNet (see <see cref="QuickTiming"/>; <c>STEP_BREAKDOWN=1</c> adds the
/// kernels alone, <c>STEP_SINE=1</c> feeds a sine instead of random input). The <c>*Block</c> rows run <c>Step</c> over
/// a block of <see cref="BlockLength"/> samples per call, as an audio callback does, and report the time per sample.
/// </summary>
[MemoryDiagnoser]
public class StreamingStepBenchmarks
{
    private readonly StreamingLstmNet _lstm = new(1);
    private readonly StreamingGruNet _gru = new(2);
    private readonly float[] _x = BenchmarkData.Random(1024, 3);
    private readonly float[] _y = new float[1024];
    private int _t;

    // As an audio callback runs it: sample t of an input block in, sample t of the output block out.

    [Benchmark]
    public void LstmStep()
    {
        int t = _t = (_t + 1) & 1023;
        _lstm.Step(_x.AsSpan(t, 1), _y.AsSpan(t, 1));
    }

    [Benchmark]
    public void GruStep()
    {
        int t = _t = (_t + 1) & 1023;
        _gru.Step(_x.AsSpan(t, 1), _y.AsSpan(t, 1));
    }

    /// <summary>Samples in one audio callback's block for the <c>*Block</c> rows (a common buffer size at 48 kHz: 1.3 ms).</summary>
    public const int BlockLength = 64;

    // As an audio callback runs it over its whole buffer: one call per block, a loop of Step over the block's samples.
    // BenchmarkDotNet reports the time per sample (OperationsPerInvoke).

    [Benchmark(OperationsPerInvoke = BlockLength)]
    public void LstmBlock()
    {
        int start = _t = (_t + BlockLength) & (1024 - BlockLength);
        for (int t = start; t < start + BlockLength; t++)
            _lstm.Step(_x.AsSpan(t, 1), _y.AsSpan(t, 1));
    }

    [Benchmark(OperationsPerInvoke = BlockLength)]
    public void GruBlock()
    {
        int start = _t = (_t + BlockLength) & (1024 - BlockLength);
        for (int t = start; t < start + BlockLength; t++)
            _gru.Step(_x.AsSpan(t, 1), _y.AsSpan(t, 1));
    }

    // The same block in one call of the generated StepBlock: the arguments checked once, the kernel looping over the steps.

    [Benchmark(OperationsPerInvoke = BlockLength)]
    public void LstmStepBlock()
    {
        int start = _t = (_t + BlockLength) & (1024 - BlockLength);
        _lstm.StepBlock(_x.AsSpan(start, BlockLength), _y.AsSpan(start, BlockLength));
    }

    [Benchmark(OperationsPerInvoke = BlockLength)]
    public void GruStepBlock()
    {
        int start = _t = (_t + BlockLength) & (1024 - BlockLength);
        _gru.StepBlock(_x.AsSpan(start, BlockLength), _y.AsSpan(start, BlockLength));
    }

    /// <summary>ns per step of both networks: the minimum over many windows of 2 000 steps (robust on a loaded machine).</summary>
    public static void QuickTiming(int windows = 3000)
    {
        var b = new StreamingStepBenchmarks();
        if (Environment.GetEnvironmentVariable("STEP_SINE") == "1")
            for (int i = 0; i < b._x.Length; i++) b._x[i] = MathF.Sin(i * 0.05f);
        Console.WriteLine($"LSTM Step: {Time(() => { b.LstmStep(); return 0f; }, windows):F1} ns (min of {windows} windows)");
        Console.WriteLine($"GRU  Step: {Time(() => { b.GruStep(); return 0f; }, windows):F1} ns (min of {windows} windows)");
        Console.WriteLine($"LSTM Step in blocks of {BlockLength}: {Time(() => { b.LstmBlock(); return 0f; }, windows / 8) / BlockLength:F1} ns per sample");
        Console.WriteLine($"GRU  Step in blocks of {BlockLength}: {Time(() => { b.GruBlock(); return 0f; }, windows / 8) / BlockLength:F1} ns per sample");
        Console.WriteLine($"LSTM StepBlock of {BlockLength}: {Time(() => { b.LstmStepBlock(); return 0f; }, windows / 8) / BlockLength:F1} ns per sample");
        Console.WriteLine($"GRU  StepBlock of {BlockLength}: {Time(() => { b.GruStepBlock(); return 0f; }, windows / 8) / BlockLength:F1} ns per sample");
        // STEP_BREAKDOWN=1: the kernels the generated Step calls, alone (zero parameters: timing only).
        if (Environment.GetEnvironmentVariable("STEP_BREAKDOWN") == "1")
        {
            var p = new StaticNet.Kernels.AlignedBuffer(40000);
            var st = new StaticNet.Kernels.AlignedBuffer(1000);
            var y = new StaticNet.Kernels.AlignedBuffer(16);
            float[] x = { 0.3f };
            var net = new StreamingLstmNet(1);
            float[] yy = new float[1];
            Console.WriteLine($"  generated Step, direct: {Time(() => { net.Step(x, yy); return yy[0]; }, windows):F1} ns");
            var kernels = new RecurrentStepBenchmarks();
            kernels.Setup();
            Console.WriteLine($"  RecurrentStepBenchmarks.LstmStep_StaticNet: {Time(() => { kernels.LstmStep_StaticNet(); return 0f; }, windows):F1} ns");
            Console.WriteLine($"  RecurrentStepBenchmarks.GruStep_StaticNet: {Time(() => { kernels.GruStep_StaticNet(); return 0f; }, windows):F1} ns");
            net.Parameters.CopyTo(p.Span);
            Console.WriteLine($"  LstmKernels.Step, the network's weights: {Time(() => { StaticNet.Kernels.LstmKernels.Step(x, 1, p.Span.Slice(0, 128), p.Span.Slice(128, 4096), p.Span.Slice(4224, 128), p.Span.Slice(4352, 128), 32, st.Span.Slice(0, 352)); return st.Span[0]; }, windows):F1} ns");
            p.Span.Clear();
            Console.WriteLine($"  LstmKernels.Step alone: {Time(() => { StaticNet.Kernels.LstmKernels.Step(x, 1, p.Span.Slice(0, 128), p.Span.Slice(128, 4096), p.Span.Slice(4224, 128), p.Span.Slice(4352, 128), 32, st.Span.Slice(0, 352)); return st.Span[0]; }, windows):F1} ns");
            Console.WriteLine($"  LstmKernels.Step + ForwardStep: {Time(() => { StaticNet.Kernels.LstmKernels.Step(x, 1, p.Span.Slice(0, 128), p.Span.Slice(128, 4096), p.Span.Slice(4224, 128), p.Span.Slice(4352, 128), 32, st.Span.Slice(0, 352)); StaticNet.Kernels.DenseKernels.ForwardStep(st.Span.Slice(0, 32), 32, p.Span.Slice(8000, 512), p.Span.Slice(9000, 16), y.Span, 16); return y.Span[0]; }, windows):F1} ns");
            Console.WriteLine($"  LstmKernels.Step with the fused dot readout: {Time(() => { StaticNet.Kernels.LstmKernels.Step(x, 1, p.Span.Slice(0, 128), p.Span.Slice(128, 4096), p.Span.Slice(4224, 128), p.Span.Slice(4352, 128), 32, st.Span.Slice(0, 352), p.Span.Slice(8000, 32), p.Span.Slice(9000, 1), 1, y.Span); return y.Span[0]; }, windows):F1} ns");
            Console.WriteLine($"  GruKernels.Step alone: {Time(() => { StaticNet.Kernels.GruKernels.Step(x, 1, p.Span.Slice(0, 96), p.Span.Slice(128, 3072), p.Span.Slice(4224, 96), p.Span.Slice(4352, 96), 32, st.Span.Slice(0, 288)); return st.Span[0]; }, windows):F1} ns");
            Console.WriteLine($"  Dense(32->1) alone: {Time(() => { StaticNet.Kernels.DenseKernels.Forward(st.Span.Slice(0, 32), 1, 32, 32, p.Span.Slice(8000, 512), p.Span.Slice(9000, 16), y.Span, 16); return y.Span[0]; }, windows):F1} ns");
            Console.WriteLine($"  Dense(32->1) ForwardStep alone: {Time(() => { StaticNet.Kernels.DenseKernels.ForwardStep(st.Span.Slice(0, 32), 32, p.Span.Slice(8000, 512), p.Span.Slice(9000, 16), y.Span, 16); return y.Span[0]; }, windows):F1} ns");
        }
    }

    private static double Time(Func<float> step, int windows)
    {
        const int n = 2_000;
        float sink = 0;
        // Warm up for a second: tiered compilation (and the JIT's background thread, which shares the core's other
        // hardware thread on a two-vCPU machine) settles; measured from the first 20 ms, the step reads ~10 ns slower.
        long warm = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
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
