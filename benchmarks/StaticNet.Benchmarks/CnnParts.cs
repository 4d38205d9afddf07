using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using StaticNet.Kernels;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--cnn-parts</c>: the Fashion-MNIST CNN's batch-1 <c>Forward</c> taken apart, each kernel timed alone with the
/// layer's sizes (this thread's CPU time, the minimum and median of 31 rounds of many calls), with its GFLOP/s and the fraction of
/// this core's fp32 FMA peak, which <see cref="FmaPeak.Measure512"/> measures first (16 independent 512-bit FMA chains).
/// The fused second convolution also with its Winograd filter transformed on every call (issue 21 keeps it between
/// calls), and the dense layer's weights read alone (its bandwidth floor). Also the 1568 → 128 dense layer at batch 32 and both convolutions' backward passes at batch 32 (issue 20, item 3).
/// </summary>
public static class CnnParts
{
    private static readonly ConvGeometry Conv1 = new(1, 28, 28, 784, 1, 784, 16, 3, 3, 1, 1, 1, 1, 28, 28);
    private static readonly ConvGeometry Conv2 = new(16, 14, 14, 196 * 16, 16, 1, 32, 3, 3, 1, 1, 1, 1, 14, 14);

    public static void Run()
    {
        double peak = StaticNet.Benchmarks.FmaPeak.Measure512();
        Console.WriteLine($"fp32 FMA peak (16 chains of Vector512 FMA): {peak:F1} GFLOP/s");
        const int B = 32;
        var x1 = Buffer(B * 784, 1); var w1 = Buffer(9 * 16, 2); var b = Buffer(32, 3); var y1 = Buffer(B * 12544, 0);
        var p1 = Buffer(B * 3136, 0); var w2 = Buffer(144 * 32, 4); var y2 = Buffer(B * 6272, 0); var p2 = Buffer(B * 1568, 0);
        var f = Buffer(B * 1568, 5); var w3 = Buffer(1568 * 128, 6); var b3 = Buffer(128, 7); var h = Buffer(B * 128, 0);
        var w4 = Buffer(128 * 16, 8); var o = Buffer(B * 16, 0); var scratch = Buffer(196 * 144 * 2, 0);
        var dy2 = Buffer(B * 6272, 9); var dx2 = Buffer(B * 3136, 0); var dW2 = Buffer(144 * 32, 0); var dB = Buffer(32, 0);
        var dy1 = Buffer(B * 12544, 10); var dW1 = Buffer(9 * 16, 0); var dh = Buffer(B * 128, 11); var dW3 = Buffer(1568 * 128, 0);
        var df = Buffer(B * 1568, 0);
        p1.Span.Fill(0.5f);
        void Row(string name, double flop, Action body, int calls)
        {
            // Warm-up of at least 0.3 s, so that the tiered JIT's optimised code runs (on a loaded machine its background
            // compiler can take a while, and the first rows measured the unoptimised code).
            var warm = Stopwatch.StartNew();
            do
                for (int i = 0; i < calls; i++) body();
            while (warm.Elapsed.TotalSeconds < 0.3);
            var times = new double[31];
            for (int round = 0; round < times.Length; round++)
            {
                double start = TransformerBenchmarks.ThreadCpuMicroseconds(); // this thread's CPU time: descheduling does not count
                for (int i = 0; i < calls; i++) body();
                times[round] = (TransformerBenchmarks.ThreadCpuMicroseconds() - start) / calls;
            }
            Array.Sort(times);
            double min = times[0], median = times[times.Length / 2];
            string rate = flop > 0 ? $"{flop / min / 1e3,7:F1} GFLOP/s  {flop / min / 1e3 / peak,5:P0} of peak" : "";
            Console.WriteLine($"{name,-46} min {min,9:F2} µs  median {median,9:F2} µs  {rate}");
        }
        Console.WriteLine("batch 1 (Forward):");
        Row("conv1 1→16 3×3 (direct)", 2.0 * 784 * 16 * 9, () => ConvKernels.Forward(x1.Span, 1, Conv1, w1.Span, b.Span, scratch.Span, y1.Span), 2000);
        Row("  ReLU 784×16", 0, () => ActivationKernels.ReLU(y1.Span, 784, 16, 16), 2000);
        Row("  maxpool 28×28×16", 0, () => PoolKernels.MaxPool(y1.Span, 1, 28, 28, 16, 2, 2, 2, 2, p1.Span), 2000);
        Row("conv2 16→32 3×3", 2.0 * 196 * 32 * 144, () => ConvKernels.Forward(p1.Span, 1, Conv2, w2.Span, b.Span, scratch.Span, y2.Span), 1000);
        Row("  ReLU 196×32", 0, () => ActivationKernels.ReLU(y2.Span, 196, 32, 32), 2000);
        Row("  maxpool 14×14×32", 0, () => PoolKernels.MaxPool(y2.Span, 1, 14, 14, 32, 2, 2, 2, 2, p2.Span), 2000);
        Row("  flatten (reorder 49×32)", 0, () => LayoutKernels.Reorder(p2.Span, 1, 49, 32, 1568, 32, 1, f.Span, 1568, 1, 49), 2000);
        var pooled1 = Buffer(3136, 0); var flat = Buffer(1568, 0);
        Row("conv1+ReLU+pool fused (ConvPoolKernels)", 2.0 * 784 * 16 * 9, () => ConvPoolKernels.ForwardMaxPool(x1.Span, 1, Conv1, w1.Span, b.Span, scratch.Span, true, y1.Span, pooled1.Span, 3136, 16, 1), 2000);
        Row("  the same, overlapping last tile (before)", 2.0 * 784 * 16 * 9, () =>
        {
            ConvPoolSimd.TailTilesDisabled = true; // as before issue 21's tail tiles
            ConvPoolKernels.ForwardMaxPool(x1.Span, 1, Conv1, w1.Span, b.Span, scratch.Span, true, y1.Span, pooled1.Span, 3136, 16, 1);
            ConvPoolSimd.TailTilesDisabled = false;
        }, 2000);
        Row("conv2+ReLU+pool+flatten fused, scratch 28224", 2.0 * 196 * 32 * 144, () => ConvPoolKernels.ForwardMaxPool(p1.Span, 1, Conv2, w2.Span, b.Span, scratch.Span.Slice(0, 28224), true, y2.Span, flat.Span, 1568, 1, 49), 1000);
        Row("  the same, channels last (no flattened store)", 2.0 * 196 * 32 * 144, () => ConvPoolKernels.ForwardMaxPool(p1.Span, 1, Conv2, w2.Span, b.Span, scratch.Span.Slice(0, 28224), true, y2.Span, flat.Span, 1568, 32, 1), 1000);
        Row("  the same, flattened by scalar stores", 2.0 * 196 * 32 * 144, () =>
        {
            FlattenTranspose.Disabled = true; // as before issue 21's transposed store
            ConvPoolKernels.ForwardMaxPool(p1.Span, 1, Conv2, w2.Span, b.Span, scratch.Span.Slice(0, 28224), true, y2.Span, flat.Span, 1568, 1, 49);
            FlattenTranspose.Disabled = false;
        }, 1000);
        Row("  the same, filter transformed on every call", 2.0 * 196 * 32 * 144, () =>
        {
            WinogradFilterCache.Disabled = true; // as before issue 21's cache of the transformed filter
            ConvPoolKernels.ForwardMaxPool(p1.Span, 1, Conv2, w2.Span, b.Span, scratch.Span.Slice(0, 28224), true, y2.Span, flat.Span, 1568, 1, 49);
            WinogradFilterCache.Disabled = false;
        }, 1000);
        Row("  the same, Winograd F(2×2)", 2.0 * 196 * 32 * 144, () =>
        {
            ConvWinograd24.Disabled = true; // as before issue 21's F(2×4)
            ConvPoolKernels.ForwardMaxPool(p1.Span, 1, Conv2, w2.Span, b.Span, scratch.Span.Slice(0, 28224), true, y2.Span, flat.Span, 1568, 1, 49);
            ConvWinograd24.Disabled = false;
        }, 1000);
        Row("conv2 alone, scratch 13600 (one tile row)", 2.0 * 196 * 32 * 144, () => ConvKernels.Forward(p1.Span, 1, Conv2, w2.Span, b.Span, scratch.Span.Slice(0, 13600), y2.Span), 1000);
        Row("conv2 alone, scratch 28224", 2.0 * 196 * 32 * 144, () => ConvKernels.Forward(p1.Span, 1, Conv2, w2.Span, b.Span, scratch.Span.Slice(0, 28224), y2.Span), 1000);
        Row("dense 1568→128", 2.0 * 1568 * 128, () => DenseKernels.Forward(f.Span, 1, 1568, 1568, w3.Span, b3.Span, h.Span, 128), 1000);
        Row("  reading its 802 KB of weights, no arithmetic", 0, () => ReadAll(w3.Span), 1000);
        Row("dense 128→10", 2.0 * 128 * 16, () => DenseKernels.Forward(h.Span, 1, 128, 128, w4.Span, b.Span, o.Span, 16), 5000);
        Console.WriteLine("batch 32 (TrainStep's kernels):");
        Row("conv1 forward", 32 * 2.0 * 784 * 16 * 9, () => ConvKernels.Forward(x1.Span, B, Conv1, w1.Span, b.Span, scratch.Span, y1.Span), 50);
        Row("conv1 backward (dW)", 32 * 2.0 * 784 * 16 * 9, () => ConvKernels.Backward(x1.Span, dy1.Span, B, Conv1, w1.Span, scratch.Span, dW1.Span, dB.Span, default), 50);
        Row("conv2 forward", 32 * 2.0 * 196 * 32 * 144, () => ConvKernels.Forward(p1.Span, B, Conv2, w2.Span, b.Span, scratch.Span, y2.Span), 20);
        Row("  the same, Winograd F(2×2)", 32 * 2.0 * 196 * 32 * 144, () =>
        {
            ConvWinograd24.Disabled = true; // as before issue 21's F(2×4)
            ConvKernels.Forward(p1.Span, B, Conv2, w2.Span, b.Span, scratch.Span, y2.Span);
            ConvWinograd24.Disabled = false;
        }, 20);
        Row("  the same, filter transformed on every call", 32 * 2.0 * 196 * 32 * 144, () =>
        {
            WinogradFilterCache.Disabled = true; // as in training, where the weights change every step
            ConvKernels.Forward(p1.Span, B, Conv2, w2.Span, b.Span, scratch.Span, y2.Span);
            WinogradFilterCache.Disabled = false;
        }, 20);
        Row("conv2 backward (dW + dx)", 32 * 4.0 * 196 * 32 * 144, () => ConvKernels.Backward(p1.Span, dy2.Span, B, Conv2, w2.Span, scratch.Span, dW2.Span, dB.Span, dx2.Span), 20);
        Row("dense 1568→128 forward", 32 * 2.0 * 1568 * 128, () => DenseKernels.Forward(f.Span, B, 1568, 1568, w3.Span, b3.Span, h.Span, 128), 50);
        Row("dense 1568→128 backward weights", 32 * 2.0 * 1568 * 128, () => DenseKernels.BackwardWeights(f.Span, B, 1568, 1568, dh.Span, 128, dW3.Span, b3.Span), 50);
        Row("dense 1568→128 backward input", 32 * 2.0 * 1568 * 128, () => DenseKernels.BackwardInput(dh.Span, B, 128, w3.Span, 1568, df.Span, 1568), 50);
    }

    /// <summary>
    /// <c>--conv1-ab</c> (issue 21, session 3): the CNN's fused conv1 + ReLU + pool at batch 1 with the tail tiles (now)
    /// and with the overlapping last tile (before), interleaved rounds of one process (thread CPU time, 31 rounds of 2,000
    /// calls, three repeats), with the fraction of the FMA peak of the layer's 0.226 MFLOP.
    /// </summary>
    public static void RunConv1Ab()
    {
        double peak = StaticNet.Benchmarks.FmaPeak.Measure512();
        var x1 = Buffer(784, 1); var w1 = Buffer(9 * 16, 2); var b = Buffer(16, 3); var y1 = Buffer(12544, 0);
        var scratch = Buffer(1024, 0); var pooled = Buffer(3136, 0);
        Action now = () => ConvPoolKernels.ForwardMaxPool(x1.Span, 1, Conv1, w1.Span, b.Span, scratch.Span, true, y1.Span, pooled.Span, 3136, 16, 1);
        Action before = () =>
        {
            ConvPoolSimd.TailTilesDisabled = true;
            now();
            ConvPoolSimd.TailTilesDisabled = false;
        };
        Action[] actions = { now, before };
        const int Calls = 2000, Rounds = 31;
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 1)
            foreach (Action a in actions) a();
        double flop = 2.0 * 784 * 16 * 9;
        Console.WriteLine($"fp32 FMA peak {peak:F1} GFLOP/s; conv1 1→16 28×28 + ReLU + pool, min / median µs (fraction of the peak at the minimum)");
        for (int repeat = 0; repeat < 3; repeat++)
        {
            var t = new double[2][];
            for (int k = 0; k < 2; k++) t[k] = new double[Rounds];
            for (int r = 0; r < Rounds; r++)
                for (int k = 0; k < 2; k++)
                {
                    double s0 = TransformerBenchmarks.ThreadCpuMicroseconds();
                    for (int i = 0; i < Calls; i++) actions[k]();
                    t[k][r] = (TransformerBenchmarks.ThreadCpuMicroseconds() - s0) / Calls;
                }
            foreach (double[] a in t) Array.Sort(a);
            Console.WriteLine($"tail tiles (now) {t[0][0]:F2} / {t[0][Rounds / 2]:F2} ({flop / t[0][0] / 1e3 / peak:P0})   " +
                              $"overlapping tile (before) {t[1][0]:F2} / {t[1][Rounds / 2]:F2} ({flop / t[1][0] / 1e3 / peak:P0})");
        }
    }

    /// <summary>
    /// <c>--cnn-dense-in-chain</c> (issue 21, session 3): the CNN's batch-1 kernels in the generated code's order (fused
    /// conv1, fused conv2 with its cached filter, dense 1568 → 128 + ReLU, dense 128 → 10), the dense 1568 → 128 timed
    /// alone inside the chain (monotonic clock around it, minimum and median of 20,000 calls), against the same dense
    /// layer called in a loop by itself, and with 64–512 KB of other data read just before it: how much of its 802 KB
    /// the rest of the call evicts from the 1 MB L2, and how much a smaller working set could save.
    /// </summary>
    public static void RunDenseInChain()
    {
        var x1 = Buffer(784, 1); var w1 = Buffer(9 * 16, 2); var b = Buffer(32, 3); var y1 = Buffer(12544, 0);
        var p1 = Buffer(3136, 0); var w2 = Buffer(144 * 32, 4); var y2 = Buffer(6272, 0); var flat = Buffer(1568, 0);
        var w3 = Buffer(1568 * 128, 6); var b3 = Buffer(128, 7); var h = Buffer(128, 0); var w4 = Buffer(128 * 16, 8); var o = Buffer(16, 0);
        var scratch = Buffer(28224, 0); var other = Buffer(512 * 256, 9);
        float sink = 0;
        void Conv()
        {
            ConvPoolKernels.ForwardMaxPool(x1.Span, 1, Conv1, w1.Span, b.Span, scratch.Span, true, y1.Span, p1.Span, 3136, 16, 1);
            ConvPoolKernels.ForwardMaxPool(p1.Span, 1, Conv2, w2.Span, b.Span, scratch.Span, true, y2.Span, flat.Span, 1568, 1, 49);
        }
        void Dense() => DenseKernels.ForwardReLU(flat.Span, 1, 1568, 1568, w3.Span, b3.Span, h.Span, 128, 128);
        void Dense2() => DenseKernels.Forward(h.Span, 1, 128, 128, w4.Span, b.Span, o.Span, 16);
        (double Min, double Median) Time(Action before, Action after)
        {
            const int N = 20_000;
            var t = new double[N];
            for (int i = -2000; i < N; i++)
            {
                before();
                long t0 = Stopwatch.GetTimestamp();
                Dense();
                long t1 = Stopwatch.GetTimestamp();
                after();
                if (i >= 0) t[i] = (t1 - t0) * 1e6 / Stopwatch.Frequency;
            }
            Array.Sort(t);
            return (t[0], t[N / 2]);
        }
        Action nothing = () => { };
        Action Touch(int kb) => () => sink += ReadAll(other.Span.Slice(0, kb * 256));
        var rows = new (string Name, Action Before, Action After)[]
        {
            ("dense alone, in a loop", nothing, nothing),
            ("dense inside the chain (conv1, conv2 | dense | dense2)", Conv, Dense2),
            ("dense alone, 64 KB read before it", Touch(64), nothing),
            ("dense alone, 128 KB read before it", Touch(128), nothing),
            ("dense alone, 256 KB read before it", Touch(256), nothing),
            ("dense alone, 512 KB read before it", Touch(512), nothing),
        };
        Console.WriteLine("dense 1568→128 + ReLU at batch 1, monotonic clock around the call, µs (min / median of 20,000), two repeats");
        for (int repeat = 0; repeat < 2; repeat++)
            foreach (var (name, before, after) in rows)
            {
                var (min, median) = Time(before, after);
                Console.WriteLine($"{name,-58} {min,6:F2} / {median,6:F2}");
            }
        GC.KeepAlive(sink);
    }

    /// <summary>Sums a buffer with eight 512-bit accumulators: the bandwidth floor of a kernel that streams it once.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float ReadAll(ReadOnlySpan<float> data)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        ref float d = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(data);
        for (nint i = 0; i + 128 <= data.Length; i += 128)
        {
            a0 += Vector512.LoadUnsafe(ref d, (nuint)i); a1 += Vector512.LoadUnsafe(ref d, (nuint)i + 16);
            a2 += Vector512.LoadUnsafe(ref d, (nuint)i + 32); a3 += Vector512.LoadUnsafe(ref d, (nuint)i + 48);
            a4 += Vector512.LoadUnsafe(ref d, (nuint)i + 64); a5 += Vector512.LoadUnsafe(ref d, (nuint)i + 80);
            a6 += Vector512.LoadUnsafe(ref d, (nuint)i + 96); a7 += Vector512.LoadUnsafe(ref d, (nuint)i + 112);
        }
        return Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
    }

    private static AlignedBuffer Buffer(int length, int seed)
    {
        var buffer = new AlignedBuffer(length);
        if (seed != 0) BenchmarkData.Random(length, seed).CopyTo(buffer.Span);
        return buffer;
    }
}
