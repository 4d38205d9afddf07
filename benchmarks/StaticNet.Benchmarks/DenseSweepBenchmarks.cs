using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using StaticNet.Kernels;

namespace StaticNet.Benchmarks;

/// <summary>
/// Issue 20: batch-1 N → N (ReLU) → N, the size sweep of RTNeural's benchmark, where from N = 512 on the weights
/// (2 × 4N² bytes) stream from L2 or L3. StaticNet's kernel as the generated code calls it (weights <c>[in, out]</c>),
/// once as it runs by default (for a lone row of a matrix of 1 MB or more, the address-order stream) and once with the
/// column panels (<c>DenseSimd.StreamDisabled</c>), against a naive loop and a TensorPrimitives <c>Dot</c> per output
/// row (weights <c>[out, in]</c>, as RTNeural's and PyTorch's). The weights are <see cref="SweepValue"/>'s, the same as
/// RTNeural's harness (<c>benchmarks/rtneural/dense_sweep.cpp</c>), which <see cref="DenseSweepTiming"/> runs alongside.
/// <c>dotnet run -c Release --project benchmarks/StaticNet.Benchmarks -- --filter '*DenseSweep*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class DenseSweepBenchmarks
{
    /// <summary>The sizes of the sweep, the same list as RTNeural's harness.</summary>
    public static readonly int[] Sizes = { 64, 128, 256, 512, 1024, 2048 };

    [Params(64, 128, 256, 512, 1024, 2048)]
    public int N;

    // StaticNet's buffers, each in its own 64-byte-aligned allocation. The generated networks' layout (the parameters in
    // one buffer, h and y in another) is timed by --dense-sweep's "generated network" row (SweepNetworks.cs): before
    // DenseSimd.StreamRow's guard against 4K aliasing it read N = 1,024 at 0.71-0.76x RTNeural against 1.09x here.
    private Part _w1, _w2, _b1, _b2, _x, _h, _y;

    private static Part Own(int length) => new(new AlignedBuffer(length), 0, length);

    private readonly struct Part(AlignedBuffer buffer, int start, int length)
    {
        public Span<float> Span => buffer.Span.Slice(start, length);
    }
    private float[] _rw1 = null!, _rw2 = null!, _rb1 = null!, _rb2 = null!, _rx = null!, _rh = null!, _ry = null!;

    /// <summary>
    /// The sweep's values, shared bit for bit with <c>sweepValue</c> in <c>benchmarks/rtneural/dense_sweep.cpp</c>: an
    /// integer hash of (seed, index) mapped to [-1, 1) in steps of 2⁻²³.
    /// </summary>
    public static float SweepValue(uint seed, uint index)
    {
        uint x = unchecked(index * 0x9E3779B9u + seed * 0x85EBCA6Bu + 1u);
        x ^= x >> 16;
        x = unchecked(x * 0x7FEB352Du);
        x ^= x >> 15;
        x = unchecked(x * 0x846CA68Bu);
        x ^= x >> 16;
        return ((int)(x >> 8) - (1 << 23)) / (float)(1 << 23);
    }

    [GlobalSetup]
    public void Setup()
    {
        int n = N;
        float scale = 1.0f / (float)Math.Sqrt(n);
        _rw1 = new float[n * n]; _rw2 = new float[n * n]; _rb1 = new float[n]; _rb2 = new float[n]; _rx = new float[n];
        for (int o = 0; o < n; o++)
        {
            for (int i = 0; i < n; i++)
            {
                _rw1[o * n + i] = SweepValue(1, (uint)(o * n + i)) * scale; // PyTorch's and RTNeural's [out, in]
                _rw2[o * n + i] = SweepValue(3, (uint)(o * n + i)) * scale;
            }
            _rb1[o] = SweepValue(2, (uint)o) * 0.1f;
            _rb2[o] = SweepValue(4, (uint)o) * 0.1f;
        }
        for (int i = 0; i < n; i++) _rx[i] = SweepValue(5, (uint)i);
        _rh = new float[n]; _ry = new float[n];
        _w1 = Own(n * n); _w2 = Own(n * n); _b1 = Own(n); _b2 = Own(n); _x = Own(n); _h = Own(n); _y = Own(n);
        Transposed(_rw1, n).CopyTo(_w1.Span); Transposed(_rw2, n).CopyTo(_w2.Span); // StaticNet's [in, out]
        _rb1.CopyTo(_b1.Span); _rb2.CopyTo(_b2.Span); _rx.CopyTo(_x.Span);
        _layers = LayersOfSize();
    }

    private static float[] Transposed(float[] w, int n)
    {
        var t = new float[n * n];
        for (int o = 0; o < n; o++)
            for (int i = 0; i < n; i++) t[i * n + o] = w[o * n + i];
        return t;
    }

    /// <summary>The generated network of size <see cref="N"/> (<c>SweepNetworks.cs</c>) with these weights and input.</summary>
    internal SweepNetwork CreateNetwork() => SweepNetwork.Create(N, _w1.Span, _b1.Span, _w2.Span, _b2.Span, _x.Span);

    /// <summary>The sum of the outputs of the last StaticNet call.</summary>
    public double OutputSum()
    {
        double sum = 0;
        foreach (float v in _y.Span) sum += v;
        return sum;
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

    /// <summary>
    /// StaticNet's plain stream in blocks of eight inputs, the kernel before the software prefetch (matrices of 8 MB and
    /// more) and the blocks of four (rows a multiple of 4 KB); the same as <see cref="StaticNetForward"/> for N ≤ 512.
    /// </summary>
    [Benchmark]
    public void StaticNetPlainStream()
    {
        DenseSimd.PlainStream = true;
        try { StaticNetLayers(); }
        finally { DenseSimd.PlainStream = false; }
    }

    [Benchmark]
    public void StaticNetColumnPanels()
    {
        DenseSimd.StreamDisabled = true;
        try { StaticNetLayers(); }
        finally { DenseSimd.StreamDisabled = false; }
    }

    /// <summary>StaticNet as it runs by default (the stream for matrices of 1 MB and more).</summary>
    [Benchmark(Baseline = true)]
    public void StaticNetForward() => StaticNetLayers();

    /// <summary>StaticNet before the fused <c>DenseKernels.ForwardReLU</c>: three calls (Dense, ReLU, Dense).</summary>
    [Benchmark]
    public void StaticNetThreeCalls()
    {
        DenseKernels.Forward(_x.Span, 1, N, N, _w1.Span, _b1.Span, _h.Span, N);
        ActivationKernels.ReLU(_h.Span, 1, N, N);
        DenseKernels.Forward(_h.Span, 1, N, N, _w2.Span, _b2.Span, _y.Span, N);
    }

    /// <summary>
    /// StaticNet's general path, before the batch-1 shortcut (<c>DenseKernels.ForwardReLURows</c>, then
    /// <c>DenseKernels.ForwardRows</c>: the size checks, the path dispatch and the drivers on every call).
    /// </summary>
    [Benchmark]
    public void StaticNetGeneralPath()
    {
        DenseKernels.ForwardReLURows(_x.Span, _rows, N, N, _w1.Span, _b1.Span, _h.Span, N, columns: N);
        DenseKernels.ForwardRows(_h.Span, _rows, N, N, _w2.Span, _b2.Span, _y.Span, N);
    }

    private int _rows = 1; // a variable, as in the generated code (Forward passes rows: 1 down to its layers)

    /// <summary>The layers as the generated code calls them; see <see cref="Layer1{TN}"/>.</summary>
    private void StaticNetLayers() => _layers();

    private Action _layers = null!; // GeneratedLayers, set by Setup

    /// <summary>
    /// A delegate bound to the two layers of size <see cref="N"/> as the generated code calls them (see
    /// <see cref="Layer1{TN}"/>), which <c>--dense-sweep</c> times directly, as RTNeural's harness calls
    /// <c>forward</c> directly.
    /// </summary>
    public Action GeneratedLayers() => _layers;

    private Action LayersOfSize() => N switch
    {
        64 => Layers64,
        128 => Layers128,
        256 => Layers256,
        512 => Layers512,
        1024 => Layers1024,
        2048 => Layers2048,
        _ => throw new InvalidOperationException($"expected one of the sweep's sizes, found N = {N}."),
    };

    // Non-generic targets for the delegates (a delegate to a generic method instantiation measured 5-10 ns slower).
    private void Layers64() => Layers<N64>();
    private void Layers128() => Layers<N128>();
    private void Layers256() => Layers<N256>();
    private void Layers512() => Layers<N512>();
    private void Layers1024() => Layers<N1024>();
    private void Layers2048() => Layers<N2048>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Layers<TN>() where TN : struct, ISweepSize
    {
        Layer1<TN>(_w1.Span, _b1.Span, _x.Span, _h.Span, _rows);
        Layer2<TN>(_w2.Span, _b2.Span, _h.Span, _y.Span, _rows);
    }

    /// <summary>
    /// As a generated layer method (e.g. <c>Fc1Forward</c>): the sizes are constants (here <c>TN.N</c>, which the JIT
    /// folds for each struct <typeparamref name="TN"/>), so the kernels' inlined batch-1 checks fold with them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Layer1<TN>(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int rows)
        where TN : struct, ISweepSize =>
        DenseKernels.ForwardReLU(x, rows, inputs: TN.N, xStride: TN.N, weight.Slice(0, TN.N * TN.N), bias.Slice(0, TN.N), y, width: TN.N, columns: TN.N);

    /// <summary>See <see cref="Layer1{TN}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Layer2<TN>(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int rows)
        where TN : struct, ISweepSize =>
        DenseKernels.Forward(x, rows, inputs: TN.N, xStride: TN.N, weight.Slice(0, TN.N * TN.N), bias.Slice(0, TN.N), y, width: TN.N);

    private interface ISweepSize { static abstract int N { get; } }
    private struct N64 : ISweepSize { public static int N => 64; }
    private struct N128 : ISweepSize { public static int N => 128; }
    private struct N256 : ISweepSize { public static int N => 256; }
    private struct N512 : ISweepSize { public static int N => 512; }
    private struct N1024 : ISweepSize { public static int N => 1024; }
    private struct N2048 : ISweepSize { public static int N => 2048; }
}

/// <summary>
/// <c>--dense-sweep</c>: <see cref="DenseSweepBenchmarks"/>'s StaticNet (as the generated code calls it), general-path
/// (before the batch-1 shortcut), column-panel and TensorPrimitives rows and, when
/// <c>benchmarks/rtneural/build/dense_sweep</c> has been built (<c>benchmarks/rtneural/build.sh</c>; or the path in
/// <c>STATICNET_RTNEURAL</c>), RTNeural's <c>ModelT</c> and <c>Model</c> in a child process, all interleaved: in each
/// of 41 rounds every row makes <c>max(2, 4·10⁶ / N²)</c> untimed calls (which bring back the weights the
/// other rows evicted), then as many timed by its own thread's CPU time, each row in turn; the
/// minimum and median per call are printed with the ratios. Both engines' outputs are checked to agree.
/// </summary>
public static class DenseSweepTiming
{
    private const int Rounds = 41;

    public static void Run()
    {
        using var rtneural = RtNeuralProcess.Start();
        Console.WriteLine($"Batch-1 N -> N (ReLU) -> N, thread CPU time, {Rounds} interleaved rounds of max(2, 4e6/N²) calls (after as many untimed), µs per call: minimum (median)");
        Console.WriteLine(rtneural is null
            ? "RTNeural: not run (build it with benchmarks/rtneural/build.sh, or set STATICNET_RTNEURAL to its dense_sweep)"
            : $"RTNeural: {rtneural.Path}");
        var table = new List<string>();
        foreach (int n in DenseSweepBenchmarks.Sizes)
        {
            var b = new DenseSweepBenchmarks { N = n };
            b.Setup();
            int calls = Math.Max(2, 4_000_000 / (n * n));
            b.StaticNetForward();
            double staticSum = b.OutputSum();
            if (rtneural is not null)
            {
                double rtSum = rtneural.Setup(n);
                if (Math.Abs(rtSum - staticSum) > 1e-3 * (1 + Math.Abs(staticSum)))
                    throw new InvalidOperationException($"N={n}: expected RTNeural's outputs to sum to StaticNet's {staticSum:G9}, found {rtSum:G9}.");
            }
            SweepNetwork network = b.CreateNetwork();
            network.Forward();
            if (Math.Abs(network.OutputSum() - staticSum) > 1e-3 * (1 + Math.Abs(staticSum)))
                throw new InvalidOperationException($"N={n}: expected the generated network's outputs to sum to the kernels' {staticSum:G9}, found {network.OutputSum():G9}.");
            Action[] bodies = { b.GeneratedLayers(), b.StaticNetGeneralPath, b.StaticNetColumnPanels, b.TensorPrimitivesDot, network.Forward };
            const int rt = 5; // RTNeural's ModelT and Model follow StaticNet's rows
            var times = new double[bodies.Length + 2][];
            for (int i = 0; i < times.Length; i++) times[i] = new double[Rounds];
            foreach (Action body in bodies) for (int c = 0; c < calls; c++) body();
            rtneural?.Round(n, calls);
            for (int round = 0; round < Rounds; round++)
            {
                for (int i = 0; i < bodies.Length; i++)
                {
                    for (int c = 0; c < calls; c++) bodies[i](); // not timed: brings back the weights the other rows evicted
                    double t0 = TransformerBenchmarks.ThreadCpuMicroseconds();
                    for (int c = 0; c < calls; c++) bodies[i]();
                    times[i][round] = (TransformerBenchmarks.ThreadCpuMicroseconds() - t0) / calls;
                }
                if (rtneural is not null)
                    (times[rt][round], times[rt + 1][round]) = rtneural.Round(n, calls);
            }
            foreach (double[] t in times) Array.Sort(t);
            string f = n < 256 ? "F3" : "F2"; // the small sizes' calls take a fraction of a µs
            string Cell(int i) => $"{times[i][0].ToString(f),8} ({times[i][Rounds / 2].ToString(f),8})";
            string Md(int i) => $"{times[i][0].ToString(f)} ({times[i][Rounds / 2].ToString(f)})";
            string line = $"N={n,5}: StaticNet {Cell(0)}  generated network {Cell(4)}  general path (before) {Cell(1)}  panels {Cell(2)}  TensorPrimitives {Cell(3)}";
            if (rtneural is not null)
            {
                double ratioMin = times[rt][0] / times[0][0], ratioMedian = times[rt][Rounds / 2] / times[0][Rounds / 2];
                double netMin = times[rt][0] / times[4][0], netMedian = times[rt][Rounds / 2] / times[4][Rounds / 2];
                line += $"  RTNeural ModelT {Cell(rt)}  Model {Cell(rt + 1)}  ModelT/StaticNet {ratioMin:F2}× ({ratioMedian:F2}×)  ModelT/network {netMin:F2}× ({netMedian:F2}×)";
                table.Add($"| {n:N0} | {Md(0)} | {Md(rt)} | {Md(rt + 1)} | {ratioMin:F2}× ({ratioMedian:F2}×) | {Md(4)} | {netMin:F2}× ({netMedian:F2}×) | {Md(1)} | {Md(2)} |");
            }
            Console.WriteLine(line);
        }
        if (table.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("| N | StaticNet | RTNeural ModelT | RTNeural Model | ModelT / StaticNet | generated network (`Forward`) | ModelT / network | StaticNet, general path (before) | StaticNet, column panels |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (string row in table) Console.WriteLine(row);
        }
    }

    /// <summary>RTNeural's harness in <c>--serve</c> mode: one round per request, timed by its own thread CPU time.</summary>
    private sealed class RtNeuralProcess : IDisposable
    {
        private readonly Process _process;
        public string Path { get; }

        private RtNeuralProcess(Process process, string path) { _process = process; Path = path; }

        public static RtNeuralProcess? Start()
        {
            string? path = Environment.GetEnvironmentVariable("STATICNET_RTNEURAL");
            if (string.IsNullOrEmpty(path)) path = Find("benchmarks/rtneural/build/dense_sweep");
            if (path is null || !File.Exists(path)) return null;
            var start = new ProcessStartInfo(path) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("--serve");
            return new RtNeuralProcess(Process.Start(start)!, path);
        }

        public double Setup(int n)
        {
            string reply = Ask($"setup {n}");
            string[] parts = reply.Split(' ');
            if (parts.Length != 3 || parts[0] != "ready")
                throw new InvalidOperationException($"expected RTNeural's harness to answer \"ready {n} <sum>\", found \"{reply}\".");
            return double.Parse(parts[2], CultureInfo.InvariantCulture);
        }

        public (double ModelT, double Model) Round(int n, int calls)
        {
            string reply = Ask($"round {n} {calls}");
            string[] parts = reply.Split(' ');
            if (parts.Length != 2)
                throw new InvalidOperationException($"expected RTNeural's harness to answer \"<µs ModelT> <µs Model>\", found \"{reply}\".");
            return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
        }

        private string Ask(string command)
        {
            _process.StandardInput.WriteLine(command);
            _process.StandardInput.Flush();
            return _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"RTNeural's harness exited (after \"{command}\").");
        }

        public void Dispose()
        {
            try { _process.StandardInput.WriteLine("quit"); _process.StandardInput.Flush(); _process.WaitForExit(5000); }
            catch (IOException) { }
            _process.Dispose();
        }

        private static string? Find(string relative)
        {
            foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    string path = System.IO.Path.Combine(dir.FullName, relative);
                    if (File.Exists(path)) return path;
                }
            return null;
        }
    }
}
