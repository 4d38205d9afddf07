using System;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>Finite differences in double precision and tolerant comparisons for the layer kernel tests.</summary>
internal static class LayerKernelTestSupport
{
    /// <summary>Central differences of <paramref name="loss"/> with respect to every element of <paramref name="values"/>.</summary>
    public static double[] NumericGradient(Func<double> loss, double[] values, double step = 1e-4)
    {
        var gradient = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double saved = values[i];
            values[i] = saved + step;
            double plus = loss();
            values[i] = saved - step;
            double minus = loss();
            values[i] = saved;
            gradient[i] = (plus - minus) / (2 * step);
        }
        return gradient;
    }

    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    /// <summary>|actual − expected| ≤ tolerance · max(1, |expected|) for every element.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.True(actual.Length >= expected.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.True(actual.Length >= expected.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    /// <summary>Σ y·g in double.</summary>
    public static double Dot(double[] y, float[] g)
    {
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += y[i] * g[i];
        return sum;
    }
}
