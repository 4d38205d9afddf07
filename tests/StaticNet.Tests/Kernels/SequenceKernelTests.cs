using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>Position encodings and sequence pooling on every path against double-precision loops.</summary>
public class SequenceKernelTests
{
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void AddAccumulateAndPool_MatchDoublePrecision(int path)
    {
        const int rows = 3, steps = 5, stride = 32;
        int length = steps * stride;
        float[] x = Random(rows * length, 1), table = Random(length, 2), dy = Random(rows * length, 3), sum = Random(length, 4);
        float[] sum0 = (float[])sum.Clone(), y = Filled(x.Length, float.NaN);
        WithPath(path, () =>
        {
            SequenceKernels.AddToEachRow(x, rows, length, table, y);
            SequenceKernels.AccumulateRows(dy, rows, length, sum);
        });
        var expectedY = new double[x.Length];
        var expectedSum = new double[length];
        for (int i = 0; i < length; i++) expectedSum[i] = sum0[i];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < length; i++)
            {
                expectedY[r * length + i] = (double)x[r * length + i] + table[i];
                expectedSum[i] += dy[r * length + i];
            }
        AssertClose(expectedY, y, 1e-6, $"path {path} add");
        AssertClose(expectedSum, sum, 1e-6, $"path {path} accumulate");

        for (int mode = 0; mode < 3; mode++)
        {
            float[] pooled = Filled(rows * stride, float.NaN), g = Random(rows * stride, 10 + mode), dx = Filled(x.Length, float.NaN);
            WithPath(path, () =>
            {
                SequenceKernels.Pool(x, rows, steps, stride, mode, pooled);
                SequenceKernels.PoolBackward(g, rows, steps, stride, mode, dx);
            });
            var expectedPool = new double[pooled.Length];
            var expectedDx = new double[x.Length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < stride; c++)
                {
                    for (int t = 0; t < steps; t++)
                    {
                        double weight = mode == 0 ? 1.0 / steps : t == (mode == 1 ? 0 : steps - 1) ? 1 : 0;
                        expectedPool[r * stride + c] += weight * x[(r * steps + t) * stride + c];
                        expectedDx[(r * steps + t) * stride + c] = weight * g[r * stride + c];
                    }
                }
            AssertClose(expectedPool, pooled, 1e-6, $"path {path} pool {mode}");
            AssertClose(expectedDx, dx, 1e-6, $"path {path} pool backward {mode}");
        }
    }

    [Fact]
    public void SinusoidalTable_IsTheTransformerEncoding_PaddingZero()
    {
        const int steps = 9, features = 6, stride = 16;
        float[] table = SequenceKernels.SinusoidalTable(steps, features, stride);
        for (int t = 0; t < steps; t++)
            for (int c = 0; c < stride; c++)
            {
                double expected = c >= features ? 0 : c % 2 == 0
                    ? Math.Sin(t / Math.Pow(10000, (double)c / features))
                    : Math.Cos(t / Math.Pow(10000, (double)(c - 1) / features));
                Assert.True(Math.Abs(table[t * stride + c] - expected) <= 1e-5, $"pe[{t}, {c}] = {table[t * stride + c]}, expected {expected}");
            }
        Assert.Throws<ArgumentException>(() => SequenceKernels.SinusoidalTable(4, 5, 16));
    }
}
