using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using StaticNet.Kernels;

namespace StaticNet.Benchmarks;

/// <summary>
/// Issue 20: batch-1 N → N (ReLU) → N, the size sweep of RTNeural's benchmark, where from N = 512 on the weights
/// (2 × 4N² bytes) stream from L2 or L3. StaticNet's kernel as the generated code calls it (weights <c>[in, out]</c>),
/// once with the address-order stream for a lone row (the default for matrices of 1 MB and more) and once with the
/// column panels it replaces (<c>DenseSimd.StreamDisabled</c>), against a naive loop and a TensorPrimitives
/// <c>Dot</c> per output row (weights <c>[out, in]</c>, as RTNeural's and PyTorch's). RTNeural itself is not run here.
/// <c>dotnet run -c Release --project benchmarks/StaticNet.Benchmarks -- --filter '*DenseSweep*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class DenseSweepBenchmarks
{
    [Params(256, 512, 1024, 2048)]
    public int N;

    private AlignedBuffer _w1 = null!, _w2 = null!, _b1 = null!, _b2 = null!, _x = null!, _h = null!, _y = null!;
    private float[] _rw1 = null!, _rw2 = null!, _rb1 = null!, _rb2 = null!, _rx = null!, _rh = null!, _ry = null!;

    [GlobalSetup]
    public void Setup()
    {
        _w1 = Buffer(N * N, 1); _w2 = Buffer(N * N, 2); _b1 = Buffer(N, 3); _b2 = Buffer(N, 4);
        _x = Buffer(N, 5); _h = Buffer(N, 0); _y = Buffer(N, 0);
        // Row-major [out, in] copies for the baselines.
        _rw1 = Transposed(_w1.Span, N); _rw2 = Transposed(_w2.Span, N);
        _rb1 = _b1.Span.ToArray(); _rb2 = _b2.Span.ToArray(); _rx = _x.Span.ToArray(); _rh = new float[N]; _ry = new float[N];
    }

    private static AlignedBuffer Buffer(int length, int seed)
    {
        var buffer = new AlignedBuffer(length);
        if (seed != 0) BenchmarkData.Random(length, seed).CopyTo(buffer.Span);
        for (int i = 0; i < length && seed != 0; i++) buffer.Span[i] *= 0.05f;
        return buffer;
    }

    private static float[] Transposed(ReadOnlySpan<float> w, int n)
    {
        var t = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int o = 0; o < n; o++) t[o * n + i] = w[i * n + o];
        return t;
    }

    [Benchmark]
    public void Naive()
    {
        int n = N;
        for (int o = 0; o < n; o++)
        {
            float sum = _rb1[o];
            for (int i = 0; i < n; i++) sum += _rw1[o * n + i] * _rx[i];
            _rh[o] = MathF.Max(sum, 0f);
        }
        for (int o = 0; o < n; o++)
        {
            float sum = _rb2[o];
            for (int i = 0; i < n; i++) sum += _rw2[o * n + i] * _rh[i];
            _ry[o] = sum;
        }
    }

    [Benchmark]
    public void TensorPrimitivesDot()
    {
        int n = N;
        for (int o = 0; o < n; o++) _rh[o] = MathF.Max(_rb1[o] + TensorPrimitives.Dot(_rw1.AsSpan(o * n, n), _rx), 0f);
        for (int o = 0; o < n; o++) _ry[o] = _rb2[o] + TensorPrimitives.Dot(_rw2.AsSpan(o * n, n), _rh);
    }

    [Benchmark(Baseline = true)]
    public void StaticNetColumnPanels()
    {
        DenseSimd.StreamDisabled = true;
        try { StaticNetLayers(); }
        finally { DenseSimd.StreamDisabled = false; }
    }

    [Benchmark]
    public void StaticNetStream() => StaticNetLayers();

    private void StaticNetLayers()
    {
        DenseKernels.Forward(_x.Span, 1, N, N, _w1.Span, _b1.Span, _h.Span, N);
        ActivationKernels.ReLU(_h.Span, 1, N, N);
        DenseKernels.Forward(_h.Span, 1, N, N, _w2.Span, _b2.Span, _y.Span, N);
    }
}

/// <summary>
/// <c>--dense-sweep</c>: <see cref="DenseSweepBenchmarks"/>'s StaticNet and TensorPrimitives rows interleaved (a round of
/// each in turn, 41 rounds), printing each one's minimum per call and the ratios, the fairer comparison on a loaded machine.
/// </summary>
public static class DenseSweepTiming
{
    public static void Run()
    {
        foreach (int n in new[] { 256, 512, 1024, 2048 })
        {
            var b = new DenseSweepBenchmarks { N = n };
            b.Setup();
            int calls = Math.Max(2, 4_000_000 / (n * n));
            Action[] bodies = { b.StaticNetColumnPanels, b.StaticNetStream, b.TensorPrimitivesDot };
            var times = new double[bodies.Length][];
            for (int i = 0; i < bodies.Length; i++) { times[i] = new double[41]; for (int c = 0; c < calls; c++) bodies[i](); }
            for (int round = 0; round < 41; round++)
                for (int i = 0; i < bodies.Length; i++)
                {
                    long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                    for (int c = 0; c < calls; c++) bodies[i]();
                    times[i][round] = (System.Diagnostics.Stopwatch.GetTimestamp() - t0) * 1e6 / System.Diagnostics.Stopwatch.Frequency / calls;
                }
            foreach (double[] t in times) Array.Sort(t);
            Console.WriteLine($"N={n,5}: column panels {times[0][0],9:F1} µs (median {times[0][20],9:F1})  stream {times[1][0],9:F1} µs (median {times[1][20],9:F1})  " +
                              $"TensorPrimitives {times[2][0],9:F1} µs   panels/stream {times[0][0] / times[1][0]:F2}× (medians {times[0][20] / times[1][20]:F2}×)");
        }
    }
}
