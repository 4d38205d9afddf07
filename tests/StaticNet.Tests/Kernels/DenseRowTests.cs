using System;
using System.Runtime.CompilerServices;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// Issue 20: batch 1 of a Dense layer whose matrix is below 1 MB goes from <c>DenseKernels.Forward</c> (or
/// <c>ForwardReLU</c>, the ReLU applied in the register tile before its stores) straight to its register tile. It gives
/// the same bits as the general path (<c>ForwardRows</c>, <c>ForwardReLURows</c>) and as the same sample in a batch (whose
/// 4- and 2-row tiles load each weight vector once for all rows, so they also check the 1-row tiles, which now load
/// inside the multiply-add), on every vector path, for inputs that are not a multiple of any vector's count, widths of
/// 1 to 9 vectors, with NaN and −0 among the outputs; it allocates nothing, and sizes it cannot take change nothing.
/// </summary>
public class DenseRowTests
{
    private static readonly (int Inputs, int Width)[] Sizes =
    {
        (1, 16), (3, 32), (17, 48), (64, 64), (65, 64), (31, 80), (5, 96), (9, 112), (128, 128), (127, 128), (100, 144),
        (200, 256), (33, 512), (520, 512),
    };

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void BatchOneAgreesBitForBitWithTheGeneralPathAndWithABatch(int path)
    {
        int zeros = 0, positives = 0;
        foreach ((int inputs, int width) in Sizes)
        {
            Assert.Equal(inputs * width < 256 * 1024, DenseSimd.RowInTiles(inputs, width));
            float[] w = Random(inputs * width, 1), b = Random(width, 2), x = Random(4 * inputs, 3);
            b[1] = float.NaN;
            b[2] = -0f;
            float[] row = Filled(width, 9f), general = Filled(width, 9f), batch = Filled(4 * width, 9f);
            float[] rowReLU = Filled(width, 9f), generalReLU = Filled(width, 9f), batchReLU = Filled(4 * width, 9f);
            // The sample is the batch's third row: rows 0-3 take a 4-row tile on the paths with 32 registers, and
            // rows 0-1 and 2-3 two 2-row tiles otherwise.
            float[] sample = x.AsSpan(2 * inputs, inputs).ToArray();
            WithPath(path, () =>
            {
                DenseKernels.Forward(sample, 1, inputs, inputs, w, b, row, width);
                DenseKernels.ForwardRows(sample, 1, inputs, inputs, w, b, general, width);
                DenseKernels.ForwardRows(x, 4, inputs, inputs, w, b, batch, width);
                DenseKernels.ForwardReLU(sample, 1, inputs, inputs, w, b, rowReLU, width, columns: width);
                DenseKernels.ForwardReLURows(sample, 1, inputs, inputs, w, b, generalReLU, width, columns: width);
                DenseKernels.ForwardReLURows(x, 4, inputs, inputs, w, b, batchReLU, width, columns: width);
            });
            for (int j = 0; j < width; j++)
            {
                string at = $"{inputs} -> {width}, path {path}, y[{j}]";
                AssertSameBits(general[j], row[j], at + " against the general path");
                AssertSameBits(batch[2 * width + j], row[j], at + " against the batch");
                AssertSameBits(generalReLU[j], rowReLU[j], at + " with ReLU against the general path");
                AssertSameBits(batchReLU[2 * width + j], rowReLU[j], at + " with ReLU against the batch");
            }
            zeros += Array.FindAll(rowReLU, v => v == 0f).Length;
            positives += Array.FindAll(rowReLU, v => v > 0f).Length;
        }
        Assert.True(zeros > 100 && positives > 100, $"expected both signs among the outputs, found {zeros} zeros and {positives} positives");
    }

    /// <summary>
    /// As the generated code calls the kernels: literal sizes in a fully optimised method, so that the JIT folds the
    /// inlined batch-1 checks and calls the tile directly (the other tests' sizes are variables).
    /// </summary>
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void LiteralSizesAgreeBitForBitWithTheGeneralPath(int path)
    {
        float[] w1 = Random(64 * 64, 4), b1 = Random(64, 5), w2 = Random(64 * 128, 6), b2 = Random(128, 7), x = Random(64, 8);
        float[] h = new float[64], y = new float[128], hGeneral = new float[64], yGeneral = new float[128];
        WithPath(path, () =>
        {
            LiteralLayers(x, w1, b1, h, w2, b2, y, rows: 1);
            DenseKernels.ForwardReLURows(x, 1, 64, 64, w1, b1, hGeneral, 64, 64);
            DenseKernels.ForwardRows(hGeneral, 1, 64, 64, w2, b2, yGeneral, 128);
        });
        Assert.Equal(hGeneral, h);
        Assert.Equal(yGeneral, y);
        Assert.Contains(h, v => v == 0f);
        Assert.Contains(h, v => v > 0f);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LiteralLayers(ReadOnlySpan<float> x, ReadOnlySpan<float> w1, ReadOnlySpan<float> b1, Span<float> h,
        ReadOnlySpan<float> w2, ReadOnlySpan<float> b2, Span<float> y, int rows)
    {
        DenseKernels.ForwardReLU(x, rows, inputs: 64, xStride: 64, w1.Slice(0, 64 * 64), b1.Slice(0, 64), h, width: 64, columns: 64);
        DenseKernels.Forward(h, rows, inputs: 64, xStride: 64, w2.Slice(0, 64 * 128), b2.Slice(0, 128), y, width: 128);
    }

    /// <summary>
    /// The shortcut takes the widest path only (on this machine, usually 512 bits); the narrower ones' 1-row tiles with
    /// and without the ReLU are called directly here and compared with the general path forced to the same width.
    /// </summary>
    [Fact]
    public void EveryVectorWidthsRowAgreesBitForBitWithTheGeneralPath()
    {
        Assert.True(System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated, "expected 128-bit vectors on the test machine");
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) RowAgrees<V512>(512);
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) RowAgrees<V256>(256);
        RowAgrees<V128>(128);
    }

    private static void RowAgrees<V>(int path) where V : struct, ISimdVector<V>
    {
        foreach ((int inputs, int width) in Sizes)
        {
            if (!DenseSimd.RowInTiles(inputs, width)) continue;
            float[] w = Random(inputs * width, 21), b = Random(width, 22), x = Random(inputs, 23);
            b[1] = float.NaN;
            b[2] = -0f;
            float[] row = Filled(width, 9f), rowReLU = Filled(width, 9f), general = Filled(width, 9f), generalReLU = Filled(width, 9f);
            DenseSimd.ForwardRow<V, NoActivation>(ref x[0], inputs, ref w[0], ref b[0], ref row[0], width);
            DenseSimd.ForwardRow<V, ReLUOp>(ref x[0], inputs, ref w[0], ref b[0], ref rowReLU[0], width);
            WithPath(path, () =>
            {
                DenseKernels.ForwardRows(x, 1, inputs, inputs, w, b, general, width);
                DenseKernels.ForwardReLURows(x, 1, inputs, inputs, w, b, generalReLU, width, columns: width);
            });
            for (int j = 0; j < width; j++)
            {
                AssertSameBits(general[j], row[j], $"{inputs} -> {width}, {path} bits, y[{j}]");
                AssertSameBits(generalReLU[j], rowReLU[j], $"{inputs} -> {width}, {path} bits, y[{j}] with ReLU");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void PaddingColumnsTakeTheGeneralPath(int path)
    {
        // A ReLU of 20 columns in a width of 32: the padding columns are not rectified (a NaN there stays NaN).
        const int inputs = 7, units = 20, width = 32;
        float[] w = PaddedWeight(inputs, units, width, 9), b = Random(width, 10), x = Random(inputs, 11);
        for (int j = units; j < width; j++) b[j] = j % 2 == 0 ? float.NaN : -1f;
        float[] fused = Filled(width, 9f), general = Filled(width, 9f);
        WithPath(path, () =>
        {
            DenseKernels.ForwardReLU(x, 1, inputs, inputs, w, b, fused, width, columns: units);
            DenseKernels.ForwardReLURows(x, 1, inputs, inputs, w, b, general, width, columns: units);
        });
        for (int j = 0; j < width; j++) AssertSameBits(general[j], fused[j], $"path {path}, y[{j}]");
        Assert.True(float.IsNaN(fused[units]) && fused[units + 1] == -1f, "expected the padding columns left as the layer computed them");
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void SizesItCannotTakeThrowAndChangeNothing(int path)
    {
        const int inputs = 8, width = 32;
        float[] w = Random(inputs * width, 12), b = Random(width, 13), x = Random(inputs, 14);
        float[] shortY = Filled(width - 16, 9f), shortBias = new float[width - 16];
        WithPath(path, () =>
        {
            var e = Assert.Throws<ArgumentException>(() => DenseKernels.Forward(x, 1, inputs, inputs, w, b, shortY, width));
            Assert.Contains("y 16", e.Message);
            Assert.Throws<ArgumentException>(() => DenseKernels.ForwardReLU(x, 1, inputs, inputs, w, b, shortY, width, columns: width));
            e = Assert.Throws<ArgumentException>(() => DenseKernels.Forward(x, 1, inputs, inputs, w, shortBias, Filled(width, 0f), width));
            Assert.Contains("bias of 16 floats; expected 32", e.Message);
            Assert.Throws<ArgumentException>(() => DenseKernels.Forward(x, 1, inputs, inputs - 1, w, b, Filled(width, 0f), width));
            Assert.Throws<ArgumentException>(() => DenseKernels.Forward(x.AsSpan(0, inputs - 1), 1, inputs, inputs, w, b, Filled(width, 0f), width));
        });
        Assert.All(shortY, v => Assert.Equal(9f, v));
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void DoesNotAllocate(int path)
    {
        const int n = 64;
        float[] w = Random(n * 2 * n, 15), b = Random(2 * n, 16), x = Random(n, 17), h = new float[2 * n], y = new float[2 * n];
        AssertNoAllocation(100, path, "batch-1 Dense and Dense with its ReLU", () =>
        {
            DenseKernels.ForwardReLU(x, 1, n, n, w, b, h, 2 * n, columns: 2 * n);
            DenseKernels.Forward(h, 1, n, n, w, b, y, 2 * n);
            LiteralLayers(x, w, b, h, w, b, y, rows: 1);
        });
    }

    private static void AssertSameBits(float expected, float actual, string at) =>
        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
            $"{at}: expected {expected:R}, found {actual:R}");
}
