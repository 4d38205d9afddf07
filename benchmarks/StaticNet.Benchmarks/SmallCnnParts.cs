using System;
using StaticNet.Kernels;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--small-cnn-parts</c>: the small imported CNN of <see cref="OnnxImportBenchmarks"/> (tests/reference's cnn.onnx:
/// Conv(1→8) ReLU pool, Conv(8→16) ReLU pool, Flatten, Dense 784→32 ReLU, Dense 32→10) at batch 1 taken apart, each
/// kernel alone with the layer's sizes: this thread's CPU time, minimum and median of 31 rounds, per call.
/// </summary>
public static class SmallCnnParts
{
    private static readonly ConvGeometry Conv1 = new(1, 28, 28, 784, 1, 784, 8, 3, 3, 1, 1, 1, 1, 28, 28);
    private static readonly ConvGeometry Conv2 = new(8, 14, 14, 196 * 16, 16, 1, 16, 3, 3, 1, 1, 1, 1, 14, 14);

    public static void Run()
    {
        var x1 = Buffer(784, 1); var w1 = Buffer(9 * 16, 2); var b = Buffer(32, 3); var y1 = Buffer(12544, 0);
        var p1 = Buffer(3136, 4); var w2 = Buffer(72 * 16, 5); var y2 = Buffer(3136, 0); var flat = Buffer(784, 0);
        var w3 = Buffer(784 * 32, 6); var h = Buffer(32, 0); var w4 = Buffer(32 * 16, 7); var o = Buffer(16, 0);
        var scratch1 = Buffer(7056, 0); var scratch2 = Buffer(14112, 0);
        for (int i = 0; i < 196; i++) p1.Span.Slice(i * 16 + 8, 8).Clear(); // the pool's padding channels are zero
        var net = new ImportedCnn();
        var input = BenchmarkData.Random(784, 2); var output = new float[10];
        Console.WriteLine("small CNN, batch 1:");
        Row("conv1+ReLU+pool fused (1→8, 28×28)", () => ConvPoolKernels.ForwardMaxPool(x1.Span, 1, Conv1, w1.Span, b.Span, scratch1.Span, true, y1.Span, p1.Span, 3136, 16, 1), 2000);
        var fashionConv1 = new ConvGeometry(1, 28, 28, 784, 1, 784, 16, 3, 3, 1, 1, 1, 1, 28, 28);
        Row("(Fashion CNN's conv1+ReLU+pool fused, 1→16)", () => ConvPoolKernels.ForwardMaxPool(x1.Span, 1, fashionConv1, w1.Span, b.Span, scratch1.Span, true, y1.Span, p1.Span, 3136, 16, 1), 2000);
        Row("conv2+ReLU+pool+flatten fused (8→16, 14×14)", () => ConvPoolKernels.ForwardMaxPool(p1.Span, 1, Conv2, w2.Span, b.Span, scratch2.Span, true, y2.Span, flat.Span, 784, 1, 49), 1000);
        Row("  conv2 alone", () => ConvKernels.Forward(p1.Span, 1, Conv2, w2.Span, b.Span, scratch2.Span, y2.Span), 1000);
        Row("dense 784→32 + ReLU", () => { DenseKernels.Forward(flat.Span, 1, 784, 784, w3.Span, b.Span, h.Span, 32); ActivationKernels.ReLU(h.Span, 1, 32, 32); }, 2000);
        Row("dense 32→10", () => DenseKernels.Forward(h.Span, 1, 32, 32, w4.Span, b.Span, o.Span, 16), 5000);
        Row("whole Forward (ImportedCnn)", () => net.Forward(input, output), 1000);
        Console.WriteLine("channels-last 3×3 pad-1 convolutions, batch 1: Winograd (any channel count) against im2col:");
        foreach (var (cin, size, cout) in new[] { (2, 14, 16), (3, 14, 16), (4, 14, 16), (5, 14, 16), (6, 14, 16), (8, 14, 16), (8, 28, 32), (13, 14, 16), (24, 14, 32) })
        {
            int cs = (cin + 15) / 16 * 16;
            var g = new ConvGeometry(cin, size, size, size * size * cs, cs, 1, cout, 3, 3, 1, 1, 1, 1, size, size);
            var xs = Buffer(size * size * cs, 8); var ws = Buffer(g.Taps * g.OutChannelsPadded, 9); var bs = Buffer(g.OutChannelsPadded, 10);
            var ys = Buffer(g.OutputSampleLength, 0); var ss = Buffer(ConvKernels.ScratchLength(g), 0);
            int calls = Math.Max(50, 2_000_000 / (size * size * cin * cout * 9));
            Row($"  cin {cin,2} → {cout,2}, {size}×{size}, Winograd", () => ConvKernels.Forward(xs.Span, 1, g, ws.Span, bs.Span, ss.Span, ys.Span), calls);
            Row($"  cin {cin,2} → {cout,2}, {size}×{size}, im2col", () =>
            {
                ConvKernels.WinogradDisabled = true;
                ConvKernels.Forward(xs.Span, 1, g, ws.Span, bs.Span, ss.Span, ys.Span);
                ConvKernels.WinogradDisabled = false;
            }, calls);
        }
    }

    internal static void Row(string name, Action body, int calls)
    {
        for (int i = 0; i < calls; i++) body();
        var times = new double[31];
        for (int round = 0; round < times.Length; round++)
        {
            double start = TransformerBenchmarks.ThreadCpuMicroseconds();
            for (int i = 0; i < calls; i++) body();
            times[round] = (TransformerBenchmarks.ThreadCpuMicroseconds() - start) / calls;
        }
        Array.Sort(times);
        Console.WriteLine($"{name,-48} min {times[0],8:F2} µs  median {times[times.Length / 2],8:F2} µs");
    }

    private static AlignedBuffer Buffer(int length, int seed)
    {
        var buffer = new AlignedBuffer(length);
        if (seed != 0) BenchmarkData.Random(length, seed).CopyTo(buffer.Span);
        return buffer;
    }
}
