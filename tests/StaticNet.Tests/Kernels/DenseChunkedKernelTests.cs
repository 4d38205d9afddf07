using System;
using StaticNet.Kernels;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// Issue 20: <see cref="DenseKernels.BackwardWeightsInChunks"/> gives, bit for bit, the weight gradient of
/// <see cref="DenseKernels.BackwardWeights(ReadOnlySpan{float}, int, int, int, ReadOnlySpan{float}, int, Span{float}, Span{float}, bool)"/>
/// run on each chunk alone and added in chunk order; <see cref="DenseKernels.BackwardBias"/> its bias gradient. On every path.
/// </summary>
public sealed class DenseChunkedKernelTests
{
    public static TheoryData<int> Paths => new(KernelTestSupport.Paths);

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}, element {i}: {actual[i]:R} against {expected[i]:R} from the chunks' own gradients added in order");
    }

    /// <summary>Each chunk's gradient from the kernel of today (overwrite), added to the first in chunk order.</summary>
    private static float[] ChunkByChunk(float[] x, int count, int inputs, int xStride, float[] dy, int width, int chunkRows)
    {
        var total = new float[inputs * width];
        var own = new float[inputs * width];
        var bias = new float[width];
        for (int start = 0; start < count; start += chunkRows)
        {
            int rows = Math.Min(chunkRows, count - start);
            DenseKernels.BackwardWeights(x.AsSpan(start * xStride), rows, inputs, xStride, dy.AsSpan(start * width, rows * width), width,
                start == 0 ? total : own, bias, overwrite: true);
            if (start > 0)
                for (int i = 0; i < total.Length; i++) total[i] += own[i];
        }
        return total;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void TheChunkOrderedWeightGradientIsTheChunksOwnAddedInOrder(int path)
    {
        KernelTestSupport.WithPath(path, () =>
        {
            foreach ((int inputs, int width, int count, int stride) in new[]
            {
                (1, 16, 33, 1), (7, 32, 64, 9), (50, 48, 100, 50), (37, 80, 70, 40), (784, 128, 256, 784), (20, 16, 32, 20), (16, 64, 97, 16),
                (9, 128, 600, 9), (5, 2048, 70, 5), // several groups of chunks (256 KB of dy each)
            })
            {
                float[] x = KernelTestSupport.Random((count - 1) * stride + inputs, inputs + count, 3f);
                float[] dy = KernelTestSupport.Random(count * width, width + count);
                for (int i = 0; i < dy.Length; i += 3) dy[i] = 0f; // ReLU's exact zeros
                float[] expected = ChunkByChunk(x, count, inputs, stride, dy, width, 32);
                // The whole, and two workers' shares (the split falls anywhere in a block of 16).
                var whole = KernelTestSupport.Filled(inputs * width, float.NaN);
                DenseKernels.BackwardWeightsInChunks(x, count, inputs, stride, dy, width, whole, 0, inputs, 32);
                AssertBits(expected, whole, $"path {path}, {inputs} × {width}, {count} rows");
                int split = inputs / 2 - (inputs / 2) % 4 + (inputs > 8 ? 2 : 0);
                split = Math.Min(split, inputs);
                var parts = KernelTestSupport.Filled(inputs * width, float.NaN);
                DenseKernels.BackwardWeightsInChunks(x, count, inputs, stride, dy, width, parts, split, inputs, 32);
                DenseKernels.BackwardWeightsInChunks(x, count, inputs, stride, dy, width, parts, 0, split, 32);
                AssertBits(expected, parts, $"path {path}, {inputs} × {width}, {count} rows, split at {split}");
            }
        });
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void TheBiasGradientAloneIsTheWeightKernelsBiasGradient(int path)
    {
        KernelTestSupport.WithPath(path, () =>
        {
            foreach ((int rows, int width) in new[] { (1, 16), (32, 48), (4, 128), (17, 80) })
            {
                float[] x = KernelTestSupport.Random(rows * 3, rows, 2f);
                float[] dy = KernelTestSupport.Random(rows * width, width + rows);
                foreach (bool overwrite in new[] { true, false })
                {
                    float[] start = overwrite ? KernelTestSupport.Filled(width, float.NaN) : KernelTestSupport.Random(width, 5);
                    var expected = (float[])start.Clone();
                    DenseKernels.BackwardWeights(x, rows, 3, 3, dy, width, new float[3 * width], expected, overwrite);
                    var actual = (float[])start.Clone();
                    DenseKernels.BackwardBias(dy, rows, width, actual, overwrite);
                    AssertBits(expected, actual, $"path {path}, {rows} × {width}, overwrite {overwrite}");
                }
            }
        });
    }

    [Fact]
    public void InconsistentSizesAreRefused()
    {
        var x = new float[64];
        var dy = new float[64];
        var dw = new float[64];
        Assert.Throws<ArgumentException>(() => DenseKernels.BackwardWeightsInChunks(x, 4, 4, 4, dy, 16, dw, 0, 5, 32));
        Assert.Throws<ArgumentException>(() => DenseKernels.BackwardWeightsInChunks(x, 4, 4, 4, dy, 16, dw, 3, 2, 32));
        Assert.Throws<ArgumentException>(() => DenseKernels.BackwardWeightsInChunks(x, 4, 4, 4, dy, 16, dw, 0, 4, 0));
        Assert.Throws<ArgumentException>(() => DenseKernels.BackwardWeightsInChunks(x, 5, 4, 4, dy, 16, dw, 0, 4, 32));
        Assert.Throws<ArgumentException>(() => DenseKernels.BackwardBias(dy, 5, 16, new float[16], overwrite: true));
        Assert.Throws<ArgumentException>(() => DenseKernels.BackwardBias(dy, 4, 12, new float[16], overwrite: true));
    }
}
