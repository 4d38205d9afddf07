using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>The convolution, pooling, batch-norm and dropout kernels allocate nothing once warm, on every path.</summary>
public class LayerKernelAllocationTests
{
    private const int Calls = 50;

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void LayerKernelsDoNotAllocate(int path)
    {
        const int rows = 2, cs = 16;
        var first = new ConvGeometry(1, 8, 8, 64, 1, 64, 16, 3, 3, 1, 1, 1, 1, 8, 8);
        var second = new ConvGeometry(16, 8, 8, 64 * cs, cs, 1, 20, 3, 3, 1, 1, 1, 1, 8, 8);
        float[] x1 = Random(rows * 64, 1), w1 = Random(first.Taps * 16, 2), b = Random(32, 3);
        float[] y1 = new float[rows * first.OutputSampleLength], s = new float[Math.Max(ConvKernels.ScratchLength(first), ConvKernels.ScratchLength(second))];
        float[] w2 = Random(second.Taps * 32, 4), y2 = new float[rows * second.OutputSampleLength], dy2 = Random(y2.Length, 5);
        float[] dW = new float[w2.Length], dB = new float[32], dx = new float[y1.Length];
        float[] pooled = new float[rows * 16 * cs], dPooled = Random(pooled.Length, 6), dPool = new float[y1.Length];
        float[] g = Filled(cs, 1f), beta = new float[cs], rm = new float[cs], rv = Filled(cs, 1f), xhat = new float[y1.Length], inv = new float[cs];
        float[] mask = new float[y1.Length];
        ulong state = 1;

        AssertNoAllocation(Calls, path, "ConvKernels.Forward (direct)", () => ConvKernels.Forward(x1, rows, first, w1, b, s, y1));
        AssertNoAllocation(Calls, path, "ConvKernels.Forward (im2col)", () => ConvKernels.Forward(y1, rows, second, w2, b, s, y2));
        AssertNoAllocation(Calls, path, "ConvKernels.Backward", () => ConvKernels.Backward(y1, dy2, rows, second, w2, s, dW, dB, dx));
        AssertNoAllocation(Calls, path, "ConvKernels.Backward (no dx)", () => ConvKernels.Backward(x1, y1, rows, first, w1, s, dW.AsSpan(0, w1.Length), dB, Span<float>.Empty));
        AssertNoAllocation(Calls, path, "PoolKernels.MaxPool", () => PoolKernels.MaxPool(y1, rows, 8, 8, cs, 2, 2, 2, 2, pooled));
        AssertNoAllocation(Calls, path, "PoolKernels.MaxPoolBackward", () => PoolKernels.MaxPoolBackward(y1, dPooled, rows, 8, 8, cs, 2, 2, 2, 2, dPool));
        AssertNoAllocation(Calls, path, "PoolKernels.AvgPool", () => PoolKernels.AvgPool(y1, rows, 8, 8, cs, 2, 2, 2, 2, pooled));
        AssertNoAllocation(Calls, path, "PoolKernels.AvgPoolBackward", () => PoolKernels.AvgPoolBackward(dPooled, rows, 8, 8, cs, 2, 2, 2, 2, dPool));
        AssertNoAllocation(Calls, path, "PoolKernels.GlobalAvgPool", () => PoolKernels.GlobalAvgPool(y1, rows, 64, cs, pooled));
        AssertNoAllocation(Calls, path, "PoolKernels.GlobalAvgPoolBackward", () => PoolKernels.GlobalAvgPoolBackward(dPooled, rows, 64, cs, dPool));
        AssertNoAllocation(Calls, path, "BatchNormKernels.ForwardTraining", () => BatchNormKernels.ForwardTraining(y1, rows, 64, cs, g, beta, rm, rv, 0.1f, 1e-5f, xhat, inv, dPool));
        AssertNoAllocation(Calls, path, "BatchNormKernels.ForwardInference", () => BatchNormKernels.ForwardInference(y1, rows, 64, cs, g, beta, rm, rv, 1e-5f, dPool));
        AssertNoAllocation(Calls, path, "BatchNormKernels.Backward", () => BatchNormKernels.Backward(y1, rows, 64, cs, g, xhat, inv, rm, beta, dPool));
        AssertNoAllocation(Calls, path, "DropoutKernels.Forward", () => DropoutKernels.Forward(y1, rows * 64, 10, cs, 0.5f, ref state, mask, dPool));
        AssertNoAllocation(Calls, path, "DropoutKernels.Backward", () => DropoutKernels.Backward(y1, mask, rows * 64, cs, dPool));
    }
}
