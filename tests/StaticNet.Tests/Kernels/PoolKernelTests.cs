using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>Max, average and global average pooling on every path against double precision and finite differences,
/// with overlapping windows, 1D windows, first-maximum routing of ties and untouched padding channels.</summary>
public class PoolKernelTests
{
    // rows, H, W, C (real), ph, pw, sh, sw
    private static readonly (int Rows, int H, int W, int C, int Ph, int Pw, int Sh, int Sw)[] Shapes =
    {
        (2, 4, 6, 5, 2, 2, 2, 2), (1, 7, 7, 16, 3, 3, 2, 2), (3, 5, 6, 20, 3, 2, 1, 1), (2, 1, 9, 3, 1, 3, 1, 2), (1, 1, 8, 17, 1, 2, 1, 2),
    };

    private static float[] Input(int rows, int positions, int c, int cs, int seed)
    {
        float[] x = Random(rows * positions * cs, seed);
        for (int i = 0; i < x.Length; i++) if (i % cs >= c) x[i] = 0f;
        return x;
    }

    private static double[] PoolDouble(bool max, double[] x, int rows, int h, int w, int cs, int ph, int pw, int sh, int sw)
    {
        int ho = (h - ph) / sh + 1, wo = (w - pw) / sw + 1;
        var y = new double[rows * ho * wo * cs];
        for (int r = 0; r < rows; r++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++)
                    for (int c = 0; c < cs; c++)
                    {
                        double acc = max ? double.NegativeInfinity : 0;
                        for (int ky = 0; ky < ph; ky++)
                            for (int kx = 0; kx < pw; kx++)
                            {
                                double v = x[((r * h + oh * sh + ky) * w + ow * sw + kx) * cs + c];
                                acc = max ? Math.Max(acc, v) : acc + v;
                            }
                        y[((r * ho + oh) * wo + ow) * cs + c] = max ? acc : acc / (ph * pw);
                    }
        return y;
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void PoolsMatchDoublePrecisionAndFiniteDifferences(int path)
    {
        foreach (var (rows, h, w, c, ph, pw, sh, sw) in Shapes)
        foreach (bool max in new[] { true, false })
        {
            int cs = (c + 15) / 16 * 16, ho = (h - ph) / sh + 1, wo = (w - pw) / sw + 1;
            string what = $"path {path}, {(max ? "max" : "avg")} {h}x{w}x{c} window {ph}x{pw} stride {sh}x{sw}";
            float[] x = Input(rows, h * w, c, cs, h * 7 + w);
            float[] dy = Input(rows, ho * wo, c, cs, 99 + c);
            float[] y = Filled(rows * ho * wo * cs, float.NaN), dx = Filled(x.Length, float.NaN);
            WithPath(path, () =>
            {
                if (max)
                {
                    PoolKernels.MaxPool(x, rows, h, w, cs, ph, pw, sh, sw, y);
                    PoolKernels.MaxPoolBackward(x, dy, rows, h, w, cs, ph, pw, sh, sw, dx);
                }
                else
                {
                    PoolKernels.AvgPool(x, rows, h, w, cs, ph, pw, sh, sw, y);
                    PoolKernels.AvgPoolBackward(dy, rows, h, w, cs, ph, pw, sh, sw, dx);
                }
            });
            double[] xd = ToDouble(x);
            AssertClose(PoolDouble(max, xd, rows, h, w, cs, ph, pw, sh, sw), y, 1e-6, what + " y");
            AssertClose(NumericGradient(() => Dot(PoolDouble(max, xd, rows, h, w, cs, ph, pw, sh, sw), dy), xd, 1e-6), dx, 1e-5, what + " dx");
            for (int i = 0; i < y.Length; i++)
                if (i % cs >= c) Assert.True(y[i] == 0f, $"{what}: padding y[{i}] = {y[i]}");
            for (int i = 0; i < dx.Length; i++)
                if (i % cs >= c) Assert.True(dx[i] == 0f, $"{what}: padding dx[{i}] = {dx[i]}");
        }
    }

    /// <summary>PyTorch's CPU max pool routes a tie to the first maximum in scan order; overlapping windows add up.</summary>
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void TiesGoToTheFirstMaximumAndOverlapsAccumulate(int path)
    {
        const int cs = 16;
        // 1x5 input, window 3 stride 1: [1, 3, 3, 2, 3] -> windows [1,3,3] [3,3,2] [3,2,3]: firsts at 1, 1, 2.
        float[] values = { 1, 3, 3, 2, 3 };
        float[] x = new float[5 * cs];
        for (int p = 0; p < 5; p++) for (int c = 0; c < cs; c++) x[p * cs + c] = values[p];
        float[] dy = new float[3 * cs];
        for (int p = 0; p < 3; p++) for (int c = 0; c < cs; c++) dy[p * cs + c] = p + 1;
        float[] dx = new float[x.Length];
        WithPath(path, () => PoolKernels.MaxPoolBackward(x, dy, 1, 1, 5, cs, 1, 3, 1, 1, dx));
        float[] expected = { 0, 1 + 2, 3, 0, 0 };
        for (int p = 0; p < 5; p++)
            for (int c = 0; c < cs; c++)
                Assert.Equal(expected[p], dx[p * cs + c]);
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void GlobalAvgPoolMatchesFiniteDifferences(int path)
    {
        const int rows = 3, positions = 13, c = 20, cs = 32;
        float[] x = Input(rows, positions, c, cs, 5), dy = Input(rows, 1, c, cs, 6);
        float[] y = Filled(rows * cs, float.NaN), dx = Filled(x.Length, float.NaN);
        WithPath(path, () =>
        {
            PoolKernels.GlobalAvgPool(x, rows, positions, cs, y);
            PoolKernels.GlobalAvgPoolBackward(dy, rows, positions, cs, dx);
        });
        double[] xd = ToDouble(x);
        double[] Forward()
        {
            var result = new double[rows * cs];
            for (int r = 0; r < rows; r++)
                for (int p = 0; p < positions; p++)
                    for (int j = 0; j < cs; j++)
                        result[r * cs + j] += xd[(r * positions + p) * cs + j] / positions;
            return result;
        }
        AssertClose(Forward(), y, 1e-6, $"path {path} y");
        AssertClose(NumericGradient(() => Dot(Forward(), dy), xd), dx, 1e-5, $"path {path} dx");
    }

    [Fact]
    public void InconsistentSizesThrow()
    {
        float[] x = new float[4 * 4 * 16], y = new float[4 * 16];
        Assert.Throws<ArgumentException>(() => PoolKernels.MaxPool(x, 1, 4, 4, 8, 2, 2, 2, 2, y));
        Assert.Throws<ArgumentException>(() => PoolKernels.MaxPool(x, 1, 4, 4, 16, 5, 2, 2, 2, y));
        Assert.Throws<ArgumentException>(() => PoolKernels.AvgPool(x, 2, 4, 4, 16, 2, 2, 2, 2, y));
        Assert.Throws<ArgumentException>(() => PoolKernels.AvgPool(x, 1, 4, 4, 16, 2, 2, 1, 1, y));
    }
}
