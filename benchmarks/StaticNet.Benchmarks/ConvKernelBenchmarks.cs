using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using StaticNet.Kernels;

namespace StaticNet.Benchmarks;

/// <summary>
/// The sample CNN's two convolutions alone: conv1 1→16 3×3 pad 1 on the 1×28×28 CHW input, conv2 16→32 3×3 pad 1 on
/// the 16×14×14 channels-last output of the first pool. StaticNet's kernels (direct for conv1, im2col + GEMM for conv2,
/// and the other choice for comparison) against a naive loop and a TensorPrimitives row-by-row baseline, both on
/// PyTorch's CHW layout with <c>[Cout, Cin, kh, kw]</c> weights. Run: <c>--job short --filter '*Conv*'</c>.
/// </summary>
[MemoryDiagnoser]
public class ConvKernelBenchmarks
{
    private const int Batch = 32;
    private static readonly ConvGeometry Conv1 = new(1, 28, 28, 784, 1, 784, 16, 3, 3, 1, 1, 1, 1, 28, 28);
    private static readonly ConvGeometry Conv2 = new(16, 14, 14, 196 * 16, 16, 1, 32, 3, 3, 1, 1, 1, 1, 14, 14);

    private readonly AlignedBuffer _x1 = Aligned(Batch * 784, 1);
    private readonly AlignedBuffer _w1 = Aligned(Conv1.Taps * 16, 2);
    private readonly AlignedBuffer _b = Aligned(32, 3);
    private readonly AlignedBuffer _y1 = Aligned(Batch * Conv1.OutputSampleLength, 4);
    private readonly AlignedBuffer _x2 = Aligned(Batch * Conv2.InputSampleStride, 5);
    private readonly AlignedBuffer _w2 = Aligned(Conv2.Taps * 32, 6);
    private readonly AlignedBuffer _y2 = Aligned(Batch * Conv2.OutputSampleLength, 7);
    private readonly AlignedBuffer _dy2 = Aligned(Batch * Conv2.OutputSampleLength, 8);
    private readonly AlignedBuffer _dy1 = Aligned(Batch * Conv1.OutputSampleLength, 9);
    private readonly AlignedBuffer _dx2 = Aligned(Batch * Conv2.InputSampleStride, 0);
    private readonly AlignedBuffer _dW = Aligned(Conv2.Taps * 32, 0);
    private readonly AlignedBuffer _dB = Aligned(32, 0);
    private readonly AlignedBuffer _scratch = Aligned(Math.Max(ConvKernels.ScratchLength(Conv1), ConvKernels.ScratchLength(Conv2)), 0);

    // Baselines: CHW activations, [Cout, Cin, 3, 3] weights.
    private readonly float[] _cx1 = BenchmarkData.Random(Batch * 784, 1);
    private readonly float[] _cw1 = BenchmarkData.Random(16 * 9, 2);
    private readonly float[] _cy1 = new float[Batch * 16 * 784];
    private readonly float[] _cx2 = BenchmarkData.Random(Batch * 16 * 196, 5);
    private readonly float[] _cw2 = BenchmarkData.Random(32 * 16 * 9, 6);
    private readonly float[] _cb = BenchmarkData.Random(32, 3);
    private readonly float[] _cy2 = new float[Batch * 32 * 196];
    private readonly float[] _cdy2 = BenchmarkData.Random(Batch * 32 * 196, 8);
    private readonly float[] _cdx2 = new float[Batch * 16 * 196];
    private readonly float[] _cdW = new float[32 * 16 * 9];
    private readonly float[] _cdB = new float[32];

    private static AlignedBuffer Aligned(int length, int seed)
    {
        var buffer = new AlignedBuffer(length);
        if (seed != 0) BenchmarkData.Random(length, seed).CopyTo(buffer.Span);
        return buffer;
    }

    private void Conv1Im2Col(int rows)
    {
        Span<float> columns = _scratch.Span.Slice(0, ConvKernels.ScratchLength(Conv1));
        for (int r = 0; r < rows; r++)
        {
            ConvKernels.Im2Col(_x1.Span.Slice(r * 784), Conv1, columns);
            DenseKernels.Forward(columns, 784, 9, 9, _w1.Span, _b.Span, _y1.Span.Slice(r * Conv1.OutputSampleLength, Conv1.OutputSampleLength), 16);
        }
    }

    [Benchmark] public void Conv1ForwardBatch1Direct() => ConvKernels.Forward(_x1.Span, 1, Conv1, _w1.Span, _b.Span, _scratch.Span, _y1.Span);
    [Benchmark] public void Conv1ForwardBatch1Im2Col() => Conv1Im2Col(1);
    [Benchmark] public void Conv1ForwardBatch1Naive() => NaiveConv.Forward(_cx1, _cw1, _cb, _cy1, 1, 1, 28, 28, 16);
    [Benchmark] public void Conv1ForwardBatch1TensorPrimitives() => TensorPrimitivesConv.Forward(_cx1, _cw1, _cb, _cy1, 1, 1, 28, 28, 16);
    [Benchmark] public void Conv1ForwardBatch32Direct() => ConvKernels.Forward(_x1.Span, Batch, Conv1, _w1.Span, _b.Span, _scratch.Span, _y1.Span);
    [Benchmark] public void Conv1ForwardBatch32Im2Col() => Conv1Im2Col(Batch);
    [Benchmark] public void Conv1ForwardBatch32TensorPrimitives() => TensorPrimitivesConv.Forward(_cx1, _cw1, _cb, _cy1, Batch, 1, 28, 28, 16);
    [Benchmark] public void Conv1BackwardBatch32() => ConvKernels.Backward(_x1.Span, _dy1.Span, Batch, Conv1, _w1.Span, _scratch.Span, _dW.Span, _dB.Span, Span<float>.Empty);

    [Benchmark] public void Conv2ForwardBatch1() => ConvKernels.Forward(_x2.Span, 1, Conv2, _w2.Span, _b.Span, _scratch.Span, _y2.Span);
    [Benchmark] public void Conv2ForwardBatch1Naive() => NaiveConv.Forward(_cx2, _cw2, _cb, _cy2, 1, 16, 14, 14, 32);
    [Benchmark] public void Conv2ForwardBatch1TensorPrimitives() => TensorPrimitivesConv.Forward(_cx2, _cw2, _cb, _cy2, 1, 16, 14, 14, 32);
    [Benchmark] public void Conv2ForwardBatch32() => ConvKernels.Forward(_x2.Span, Batch, Conv2, _w2.Span, _b.Span, _scratch.Span, _y2.Span);
    [Benchmark] public void Conv2ForwardBatch32Naive() => NaiveConv.Forward(_cx2, _cw2, _cb, _cy2, Batch, 16, 14, 14, 32);
    [Benchmark] public void Conv2ForwardBatch32TensorPrimitives() => TensorPrimitivesConv.Forward(_cx2, _cw2, _cb, _cy2, Batch, 16, 14, 14, 32);
    [Benchmark] public void Conv2BackwardBatch32() => ConvKernels.Backward(_x2.Span, _dy2.Span, Batch, Conv2, _w2.Span, _scratch.Span, _dW.Span, _dB.Span, _dx2.Span);
    [Benchmark] public void Conv2BackwardBatch32Naive() => NaiveConv.Backward(_cx2, _cw2, _cdy2, _cdW, _cdB, _cdx2, Batch, 16, 14, 14, 32);
    [Benchmark] public void Conv2BackwardBatch32TensorPrimitives() => TensorPrimitivesConv.Backward(_cx2, _cw2, _cdy2, _cdW, _cdB, _cdx2, Batch, 16, 14, 14, 32);
}

/// <summary>3×3, stride 1, padding 1 convolution as most C# would write it: CHW, <c>[Cout, Cin, 3, 3]</c> weights.
/// Backward accumulates into dW and dB and skips the input gradient when <c>dx</c> is null (a first layer).</summary>
internal static class NaiveConv
{
    public static void Forward(float[] x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, float[] y, int rows, int cin, int h, int wd, int cout)
    {
        for (int r = 0; r < rows; r++)
            for (int co = 0; co < cout; co++)
                for (int oh = 0; oh < h; oh++)
                    for (int ow = 0; ow < wd; ow++)
                    {
                        float sum = b[co];
                        for (int ci = 0; ci < cin; ci++)
                            for (int ky = 0; ky < 3; ky++)
                                for (int kx = 0; kx < 3; kx++)
                                {
                                    int ih = oh + ky - 1, iw = ow + kx - 1;
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                                    sum += x[((r * cin + ci) * h + ih) * wd + iw] * w[((co * cin + ci) * 3 + ky) * 3 + kx];
                                }
                        y[((r * cout + co) * h + oh) * wd + ow] = sum;
                    }
    }

    public static void Backward(float[] x, ReadOnlySpan<float> w, float[] dy, Span<float> dW, Span<float> dB, float[]? dx, int rows, int cin, int h, int wd, int cout)
    {
        if (dx is not null) Array.Clear(dx, 0, rows * cin * h * wd);
        for (int r = 0; r < rows; r++)
            for (int co = 0; co < cout; co++)
                for (int oh = 0; oh < h; oh++)
                    for (int ow = 0; ow < wd; ow++)
                    {
                        float g = dy[((r * cout + co) * h + oh) * wd + ow];
                        dB[co] += g;
                        for (int ci = 0; ci < cin; ci++)
                            for (int ky = 0; ky < 3; ky++)
                                for (int kx = 0; kx < 3; kx++)
                                {
                                    int ih = oh + ky - 1, iw = ow + kx - 1;
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                                    int xi = ((r * cin + ci) * h + ih) * wd + iw, wi = ((co * cin + ci) * 3 + ky) * 3 + kx;
                                    dW[wi] += g * x[xi];
                                    if (dx is not null) dx[xi] += g * w[wi];
                                }
                    }
    }
}

/// <summary>The same convolution with a <see cref="TensorPrimitives"/> call per output row and tap: each weight
/// scales a shifted input row into an output row (forward), rows are dotted for dW and scattered for dx (backward).</summary>
internal static class TensorPrimitivesConv
{
    public static void Forward(float[] x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, float[] y, int rows, int cin, int h, int wd, int cout)
    {
        for (int r = 0; r < rows; r++)
            for (int co = 0; co < cout; co++)
            {
                Span<float> plane = y.AsSpan((r * cout + co) * h * wd, h * wd);
                plane.Fill(b[co]);
                for (int ci = 0; ci < cin; ci++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++)
                        {
                            float wv = w[((co * cin + ci) * 3 + ky) * 3 + kx];
                            int lo = Math.Max(0, 1 - kx), hi = Math.Min(wd, wd + 1 - kx);
                            for (int oh = Math.Max(0, 1 - ky); oh < Math.Min(h, h + 1 - ky); oh++)
                            {
                                ReadOnlySpan<float> xs = x.AsSpan(((r * cin + ci) * h + oh + ky - 1) * wd + lo + kx - 1, hi - lo);
                                Span<float> ys = plane.Slice(oh * wd + lo, hi - lo);
                                TensorPrimitives.MultiplyAdd(xs, wv, ys, ys);
                            }
                        }
            }
    }

    public static void Backward(float[] x, ReadOnlySpan<float> w, float[] dy, Span<float> dW, Span<float> dB, float[]? dx, int rows, int cin, int h, int wd, int cout)
    {
        if (dx is not null) Array.Clear(dx, 0, rows * cin * h * wd);
        for (int r = 0; r < rows; r++)
            for (int co = 0; co < cout; co++)
            {
                ReadOnlySpan<float> plane = dy.AsSpan((r * cout + co) * h * wd, h * wd);
                dB[co] += TensorPrimitives.Sum(plane);
                for (int ci = 0; ci < cin; ci++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++)
                        {
                            int wi = ((co * cin + ci) * 3 + ky) * 3 + kx;
                            float wv = w[wi], sum = 0f;
                            int lo = Math.Max(0, 1 - kx), hi = Math.Min(wd, wd + 1 - kx);
                            for (int oh = Math.Max(0, 1 - ky); oh < Math.Min(h, h + 1 - ky); oh++)
                            {
                                int xo = ((r * cin + ci) * h + oh + ky - 1) * wd + lo + kx - 1;
                                ReadOnlySpan<float> gs = plane.Slice(oh * wd + lo, hi - lo);
                                sum += TensorPrimitives.Dot(x.AsSpan(xo, hi - lo), gs);
                                if (dx is null) continue;
                                Span<float> dxs = dx.AsSpan(xo, hi - lo);
                                TensorPrimitives.MultiplyAdd(gs, wv, dxs, dxs);
                            }
                            dW[wi] += sum;
                        }
            }
    }
}
