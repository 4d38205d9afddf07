using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// Layer norm on every path against double precision: y, x̂, 1/σ, and dx, dγ, dβ against finite differences of the
/// double-precision function; the padding of every output is zero; the inference form gives the same y.
/// </summary>
public class LayerNormKernelTests
{
    private static readonly (int Count, int Features)[] Shapes = { (3, 5), (4, 16), (2, 20), (5, 33), (1, 64) };

    private static double[] ForwardDouble(double[] x, double[] gamma, double[] beta, int count, int features, int stride, double eps)
    {
        var y = new double[count * stride];
        for (int r = 0; r < count; r++)
        {
            double mean = 0, variance = 0;
            for (int c = 0; c < features; c++) mean += x[r * stride + c];
            mean /= features;
            for (int c = 0; c < features; c++) variance += (x[r * stride + c] - mean) * (x[r * stride + c] - mean);
            variance /= features;
            for (int c = 0; c < features; c++)
                y[r * stride + c] = gamma[c] * (x[r * stride + c] - mean) / Math.Sqrt(variance + eps) + beta[c];
        }
        return y;
    }

    private static float[] Padded(int count, int features, int stride, int seed, float scale = 1f, float offset = 0f)
    {
        float[] values = Random(count * stride, seed, scale);
        for (int i = 0; i < values.Length; i++) values[i] = i % stride >= features ? 0f : values[i] + offset;
        return values;
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void MatchesDoublePrecisionAndFiniteDifferences(int path)
    {
        const float eps = 1e-5f;
        foreach (var (count, features) in Shapes)
        {
            int stride = (features + 15) / 16 * 16;
            string what = $"path {path}, {count}x{features}";
            float[] x = Padded(count, features, stride, features, 2f, 3f), dy = Padded(count, features, stride, features + 1);
            float[] gamma = Padded(1, features, stride, 3, 0.5f, 1f), beta = Padded(1, features, stride, 4);
            float[] y = Filled(x.Length, float.NaN), y2 = Filled(x.Length, float.NaN), xhat = Filled(x.Length, float.NaN), invStd = Filled(count, float.NaN);
            float[] dGamma = Padded(1, features, stride, 7), dBeta = Padded(1, features, stride, 8);
            float[] dGamma0 = (float[])dGamma.Clone(), dBeta0 = (float[])dBeta.Clone();
            float[] dx = Filled(x.Length, float.NaN);
            WithPath(path, () =>
            {
                LayerNormKernels.ForwardTraining(x, count, features, stride, gamma, beta, eps, xhat, invStd, y);
                LayerNormKernels.Forward(x, count, features, stride, gamma, beta, eps, y2);
                LayerNormKernels.Backward(dy, count, features, stride, gamma, xhat, invStd, dGamma, dBeta, dx);
            });
            double[] xd = ToDouble(x), gd = ToDouble(gamma), bd = ToDouble(beta);
            AssertClose(ForwardDouble(xd, gd, bd, count, features, stride, eps), y, 2e-5, what + " y");
            Assert.Equal(y, y2);
            for (int i = 0; i < y.Length; i++)
                if (i % stride >= features)
                    Assert.True(y[i] == 0f && xhat[i] == 0f && dx[i] == 0f, $"{what}: padding {i} is y {y[i]}, x̂ {xhat[i]}, dx {dx[i]}");

            double Loss()
            {
                double[] yd = ForwardDouble(xd, gd, bd, count, features, stride, eps);
                double sum = 0;
                for (int i = 0; i < yd.Length; i++) sum += yd[i] * dy[i];
                return sum;
            }
            double[] dxExpected = NumericGradient(Loss, xd, 1e-3), dGammaExpected = NumericGradient(Loss, gd, 1e-3), dBetaExpected = NumericGradient(Loss, bd, 1e-3);
            for (int c = 0; c < stride; c++)
            {
                dGammaExpected[c] += dGamma0[c];
                dBetaExpected[c] += dBeta0[c];
            }
            AssertClose(dxExpected, dx, 2e-3, what + " dx");
            AssertClose(dGammaExpected, dGamma, 2e-3, what + " dγ");
            AssertClose(dBetaExpected, dBeta, 2e-3, what + " dβ");
        }
    }

    [Fact]
    public void InconsistentSizes_Throw()
    {
        var buffer = new float[64];
        Assert.Throws<ArgumentException>(() => LayerNormKernels.Forward(buffer, 2, 20, 16, buffer, buffer, 1e-5f, buffer));
        Assert.Throws<ArgumentException>(() => LayerNormKernels.Forward(buffer, 5, 10, 16, buffer, buffer, 1e-5f, buffer));
    }

    [Fact]
    public void AllocatesNothing()
    {
        float[] x = Padded(4, 20, 32, 1), y = new float[x.Length], xhat = new float[x.Length], s = new float[4], g = Padded(1, 20, 32, 2), b = new float[32];
        Assert.Equal(0, Allocations.Fewest(() =>
        {
            LayerNormKernels.ForwardTraining(x, 4, 20, 32, g, b, 1e-5f, xhat, s, y);
            LayerNormKernels.Backward(y, 4, 20, 32, g, xhat, s, b, b, y);
        }, 10));
    }
}
