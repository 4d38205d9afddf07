using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>Inverted dropout: mask values, keep rate, padding, reproducibility from the seed, backward = dy·mask.</summary>
public class DropoutKernelTests
{
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void MaskIsInvertedDropoutAndReproducible(int path)
    {
        const int rows = 64, channels = 100, stride = 112;
        const float rate = 0.3f;
        float[] x = Random(rows * stride, 1);
        for (int i = 0; i < x.Length; i++) if (i % stride >= channels) x[i] = 0f;
        float[] mask = Filled(x.Length, float.NaN), y = Filled(x.Length, float.NaN), mask2 = new float[x.Length], y2 = new float[x.Length];
        ulong state = 42, state2 = 42;
        WithPath(path, () =>
        {
            DropoutKernels.Forward(x, rows, channels, stride, rate, ref state, mask, y);
            DropoutKernels.Forward(x, rows, channels, stride, rate, ref state2, mask2, y2);
        });
        Assert.Equal(unchecked(42UL + (ulong)(rows * channels) * 0x9E3779B97F4A7C15UL), state);
        Assert.Equal(mask, mask2);
        int kept = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (i % stride >= channels)
            {
                Assert.True(mask[i] == 0f && y[i] == 0f, $"padding [{i}]");
                continue;
            }
            Assert.True(mask[i] == 0f || mask[i] == 1f / (1f - rate), $"mask[{i}] = {mask[i]}");
            Assert.Equal(x[i] * mask[i], y[i]);
            if (mask[i] != 0f) kept++;
        }
        double keptFraction = kept / (double)(rows * channels);
        Assert.InRange(keptFraction, 0.7 - 0.03, 0.7 + 0.03);
        ulong other = 43;
        DropoutKernels.Forward(x, rows, channels, stride, rate, ref other, mask2, y2);
        Assert.NotEqual(mask, mask2);
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void BackwardMatchesFiniteDifferencesWithTheMaskFixed(int path)
    {
        const int rows = 3, channels = 20, stride = 32;
        float[] x = Random(rows * stride, 2), dy = Random(rows * stride, 3);
        float[] mask = new float[x.Length], y = new float[x.Length], dx = Filled(x.Length, float.NaN);
        ulong state = 7;
        WithPath(path, () =>
        {
            DropoutKernels.Forward(x, rows, channels, stride, 0.5f, ref state, mask, y);
            DropoutKernels.Backward(dy, mask, rows, stride, dx);
        });
        double[] xd = ToDouble(x);
        double Loss()
        {
            double sum = 0;
            for (int i = 0; i < xd.Length; i++) sum += xd[i] * mask[i] * dy[i];
            return sum;
        }
        AssertClose(NumericGradient(Loss, xd), dx, 1e-6, $"path {path} dx");
    }

    [Fact]
    public void RateZeroKeepsAndRateOneDropsEverything()
    {
        float[] x = Random(32, 1), mask = new float[32], y = new float[32];
        ulong state = 1;
        DropoutKernels.Forward(x, 2, 16, 16, 0f, ref state, mask, y);
        Assert.All(mask, m => Assert.Equal(1f, m));
        DropoutKernels.Forward(x, 2, 16, 16, 1f, ref state, mask, y);
        Assert.All(y, v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentException>(() => DropoutKernels.Forward(x, 2, 16, 16, 1.5f, ref state, mask, y));
    }
}
