using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// Issue 20: a lone row of a large dense layer reads its weights in address order (DenseSimd's stream) instead of in
/// column panels; each output is the same chain of multiply-adds, so the two agree bit for bit, on every vector path,
/// for inputs that are and are not multiples of its blocks of eight, and with the batch rows that use register tiles.
/// </summary>
public class DenseStreamTests
{
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void StreamAgreesBitForBitWithColumnPanels(int path)
    {
        foreach ((int inputs, int width) in new[] { (512, 512), (1029, 256), (2051, 128) })
        {
            Assert.True(DenseSimd.Streams(inputs, width), $"{inputs} x {width} should stream");
            float[] w = Random(inputs * width, 1), b = Random(width, 2), x = Random(5 * inputs, 3);
            float[] streamed = new float[5 * width], panels = new float[5 * width];
            WithPath(path, () =>
            {
                // Five rows: four in register tiles, the fifth alone (streamed unless disabled).
                DenseKernels.Forward(x, 5, inputs, inputs, w, b, streamed, width);
                DenseSimd.StreamDisabled = true;
                try { DenseKernels.Forward(x, 5, inputs, inputs, w, b, panels, width); }
                finally { DenseSimd.StreamDisabled = false; }
            });
            Assert.Equal(panels, streamed);
            // The streamed row against a double-precision sum.
            for (int j = 0; j < width; j++)
            {
                double sum = b[j];
                for (int k = 0; k < inputs; k++) sum += (double)x[4 * inputs + k] * w[k * width + j];
                Assert.True(Math.Abs(streamed[4 * width + j] - sum) <= 1e-4 * Math.Max(1, Math.Abs(sum)), $"{inputs}x{width} path {path} y[{j}]: expected {sum}, got {streamed[4 * width + j]}");
            }
        }
    }
    /// <summary>
    /// Matrices of 8 MB and more stream with software prefetch (x86): the same loads and multiply-adds in the same order,
    /// so the same bits as the plain stream and the column panels, with inputs that are and are not multiples of eight
    /// (the last rows, within the prefetch distance of the end, are not prefetched) and prefetch distances of 8 to 64 rows.
    /// </summary>
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void PrefetchedStreamAgreesBitForBitWithStreamAndColumnPanels(int path)
    {
        foreach ((int inputs, int width) in new[] { (2051, 1024), (1030, 2048), (270, 8192) })
        {
            Assert.True(DenseSimd.StreamPrefetches(inputs, width) == System.Runtime.Intrinsics.X86.Sse.IsSupported,
                $"{inputs} x {width} should prefetch exactly when SSE is supported");
            float[] w = Random(inputs * width, 4), b = Random(width, 5), x = Random(5 * inputs, 6);
            float[] prefetched = new float[5 * width], streamed = new float[5 * width], panels = new float[5 * width];
            WithPath(path, () =>
            {
                DenseKernels.Forward(x, 5, inputs, inputs, w, b, prefetched, width);
                DenseSimd.PlainStream = true;
                try { DenseKernels.Forward(x, 5, inputs, inputs, w, b, streamed, width); }
                finally { DenseSimd.PlainStream = false; }
                DenseSimd.StreamDisabled = true;
                try { DenseKernels.Forward(x, 5, inputs, inputs, w, b, panels, width); }
                finally { DenseSimd.StreamDisabled = false; }
            });
            Assert.Equal(streamed, prefetched);
            Assert.Equal(panels, prefetched);
            for (int j = 0; j < width; j += 97)
            {
                double sum = b[j];
                for (int k = 0; k < inputs; k++) sum += (double)x[4 * inputs + k] * w[k * width + j];
                Assert.True(Math.Abs(prefetched[4 * width + j] - sum) <= 1e-4 * Math.Max(1, Math.Abs(sum)), $"{inputs}x{width} path {path} y[{j}]: expected {sum}, got {prefetched[4 * width + j]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void PrefetchedStreamDoesNotAllocate(int path)
    {
        const int inputs = 1030, width = 2048;
        float[] w = Random(inputs * width, 7), b = Random(width, 8), x = Random(inputs, 9), y = new float[width];
        AssertNoAllocation(4, path, "the prefetched stream", () => DenseKernels.Forward(x, 1, inputs, inputs, w, b, y, width));
    }
    /// <summary>
    /// Rows of a multiple of 4 KB (below the prefetch threshold) stream in blocks of four inputs: the same bits as the
    /// blocks of eight and the column panels, with inputs that are and are not multiples of four.
    /// </summary>
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void StreamInFoursAgreesBitForBitWithBlocksOfEightAndColumnPanels(int path)
    {
        foreach ((int inputs, int width) in new[] { (300, 1024), (303, 1024), (130, 2048) })
        {
            Assert.True(DenseSimd.Streams(inputs, width) && DenseSimd.StreamInFours(width) && !DenseSimd.StreamPrefetches(inputs, width),
                $"{inputs} x {width} should stream in blocks of four without prefetch");
            float[] w = Random(inputs * width, 10), b = Random(width, 11), x = Random(5 * inputs, 12);
            float[] fours = new float[5 * width], eights = new float[5 * width], panels = new float[5 * width];
            WithPath(path, () =>
            {
                DenseKernels.Forward(x, 5, inputs, inputs, w, b, fours, width);
                DenseSimd.PlainStream = true;
                try { DenseKernels.Forward(x, 5, inputs, inputs, w, b, eights, width); }
                finally { DenseSimd.PlainStream = false; }
                DenseSimd.StreamDisabled = true;
                try { DenseKernels.Forward(x, 5, inputs, inputs, w, b, panels, width); }
                finally { DenseSimd.StreamDisabled = false; }
            });
            Assert.Equal(eights, fours);
            Assert.Equal(panels, fours);
        }
        Assert.False(DenseSimd.StreamInFours(1280), "rows of 5 KB should stream in blocks of eight");
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void StreamInFoursDoesNotAllocate(int path)
    {
        const int inputs = 303, width = 1024;
        float[] w = Random(inputs * width, 13), b = Random(width, 14), x = Random(inputs, 15), y = new float[width];
        AssertNoAllocation(8, path, "the stream in blocks of four", () => DenseKernels.Forward(x, 1, inputs, inputs, w, b, y, width));
    }
}
