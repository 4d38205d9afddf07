using System;
using StaticNet.Kernels;

namespace StaticNet.Tests.Kernels;

/// <summary>Shared helpers: forcing a kernel path, random data, double-precision special functions.</summary>
internal static class KernelTestSupport
{
    /// <summary>The paths the kernels can take: 512-, 256-, 128-bit vectors and scalar (0).</summary>
    public static readonly int[] Paths = { 512, 256, 128, 0 };

    public static TheoryDataOfInt PathData => new(Paths);

    /// <summary>Runs <paramref name="action"/> with the kernels limited to <paramref name="bits"/>-bit vectors on this thread.</summary>
    public static void WithPath(int bits, Action action)
    {
        int saved = KernelOptions.MaxVectorBits;
        KernelOptions.MaxVectorBits = bits;
        try { action(); }
        finally { KernelOptions.MaxVectorBits = saved; }
    }

    public static float[] Random(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    public static float[] Filled(int length, float value)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }

    /// <summary>A weight <c>[inputs, width]</c> whose columns from <paramref name="units"/> on are zero, as the generator lays it out.</summary>
    public static float[] PaddedWeight(int inputs, int units, int width, int seed)
    {
        float[] weight = Random(inputs * width, seed);
        for (int k = 0; k < inputs; k++)
            for (int j = units; j < width; j++)
                weight[k * width + j] = 0f;
        return weight;
    }

    /// <summary>erf(x) to about 1e-15 relative: a positive series for |x| &lt; 3, a continued fraction for erfc beyond.</summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        double result = ax < 3 ? ErfSeries(ax) : 1 - ErfcContinuedFraction(ax);
        return x < 0 ? -result : result;
    }

    /// <summary>Φ(z) in double precision, keeping relative precision in the lower tail.</summary>
    public static double NormalCdf(double z)
    {
        double ax = Math.Abs(z) / Math.Sqrt(2);
        double lower = 0.5 * (ax < 3 ? 1 - ErfSeries(ax) : ErfcContinuedFraction(ax));
        return z >= 0 ? 1 - lower : lower;
    }

    private static double ErfSeries(double x)
    {
        // erf(x) = 2/√π · e^{−x²} · Σₙ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)), all terms positive.
        double term = x, sum = x;
        for (int n = 1; n < 200 && term > 1e-17 * sum; n++)
        {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    private static double ErfcContinuedFraction(double x)
    {
        // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))).
        double f = x;
        for (int n = 120; n >= 1; n--)
            f = x + n / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    /// <summary>Fails when <paramref name="action"/> allocates on the path in every window (<see cref="Allocations.Fewest"/>).</summary>
    public static void AssertNoAllocation(int calls, int path, string name, Action action) =>
        WithPath(path, () =>
        {
            long allocated = Allocations.Fewest(action, calls, warmUp: calls);
            Xunit.Assert.True(allocated == 0, $"path {path}: {name} allocated {allocated} bytes in each of five windows of {calls} calls");
        });
}

/// <summary>xunit theory data of ints.</summary>
public sealed class TheoryDataOfInt : Xunit.TheoryData<int>
{
    public TheoryDataOfInt(int[] values)
    {
        foreach (int value in values) Add(value);
    }
}
