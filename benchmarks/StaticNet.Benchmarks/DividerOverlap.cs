using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Benchmarks;

/// <summary>
/// Whether this core runs 512-bit square roots and divisions under FMAs (part of <c>--train-bound</c>): 32 independent
/// FMAs per loop trip (16 chains, twice), alone, and with one <c>vsqrtps</c> and one <c>vdivps</c> per trip on chains of
/// their own (Adam's ratio when its update is fused into a 4 × 4-tile weight gradient of 32 rows: one square root and one
/// division per 32 FMAs), and the square roots and divisions alone. If the divider worked beside the FMA pipes, the
/// mixed loop would take as long as the FMAs alone.
/// </summary>
public static class DividerOverlap
{
    private const int Trips = 20_000;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Run(int trips, bool fma, bool divide)
    {
        Vector512<float> a = Vector512.Create(0.999999f), b = Vector512.Create(1e-7f), one = Vector512.Create(1f);
        Vector512<float> c0 = one, c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        Vector512<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        Vector512<float> s = Vector512.Create(2f), d = Vector512.Create(0.5f);
        for (int i = 0; i < trips; i++)
        {
            if (fma)
            {
                for (int twice = 0; twice < 2; twice++)
                {
                    c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b);
                    c2 = Vector512.FusedMultiplyAdd(c2, a, b); c3 = Vector512.FusedMultiplyAdd(c3, a, b);
                    c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
                    c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b);
                    c8 = Vector512.FusedMultiplyAdd(c8, a, b); c9 = Vector512.FusedMultiplyAdd(c9, a, b);
                    c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
                    c12 = Vector512.FusedMultiplyAdd(c12, a, b); c13 = Vector512.FusedMultiplyAdd(c13, a, b);
                    c14 = Vector512.FusedMultiplyAdd(c14, a, b); c15 = Vector512.FusedMultiplyAdd(c15, a, b);
                }
            }
            if (divide)
            {
                s = Vector512.Sqrt(s + one);      // converges to the golden ratio: no overflow, no subnormals
                d = one / (d + one);
            }
        }
        Vector512<float> sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)) + ((c12 + c13) + (c14 + c15));
        return Vector512.Sum(sum + s + d);
    }

    /// <summary>32 FMAs and 10 multiplies (Adam's per vector, on chains of their own) per trip.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float FmaAndMultiplies(int trips)
    {
        Vector512<float> a = Vector512.Create(0.999999f), b = Vector512.Create(1e-7f), one = Vector512.Create(1f);
        Vector512<float> c0 = one, c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        Vector512<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        Vector512<float> m0 = one, m1 = one, m2 = one, m3 = one, m4 = one, m5 = one, m6 = one, m7 = one, m8 = one, m9 = one;
        for (int i = 0; i < trips; i++)
        {
            for (int twice = 0; twice < 2; twice++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b);
                c2 = Vector512.FusedMultiplyAdd(c2, a, b); c3 = Vector512.FusedMultiplyAdd(c3, a, b);
                c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
                c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b);
                c8 = Vector512.FusedMultiplyAdd(c8, a, b); c9 = Vector512.FusedMultiplyAdd(c9, a, b);
                c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
                c12 = Vector512.FusedMultiplyAdd(c12, a, b); c13 = Vector512.FusedMultiplyAdd(c13, a, b);
                c14 = Vector512.FusedMultiplyAdd(c14, a, b); c15 = Vector512.FusedMultiplyAdd(c15, a, b);
            }
            m0 *= a; m1 *= a; m2 *= a; m3 *= a; m4 *= a; m5 *= a; m6 *= a; m7 *= a; m8 *= a; m9 *= a;
        }
        Vector512<float> sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)) + ((c12 + c13) + (c14 + c15));
        return Vector512.Sum(sum + m0 + m1 + m2 + m3 + m4 + m5 + m6 + m7 + m8 + m9);
    }

    /// <summary>Four independent chains of square roots and four of divisions: the divider's throughput, ns per trip of 4 + 4.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Throughput(int trips)
    {
        Vector512<float> one = Vector512.Create(1f);
        Vector512<float> s0 = Vector512.Create(2f), s1 = s0, s2 = s0, s3 = s0, d0 = Vector512.Create(0.5f), d1 = d0, d2 = d0, d3 = d0;
        for (int i = 0; i < trips; i++)
        {
            s0 = Vector512.Sqrt(s0 + one); s1 = Vector512.Sqrt(s1 + one); s2 = Vector512.Sqrt(s2 + one); s3 = Vector512.Sqrt(s3 + one);
            d0 = one / (d0 + one); d1 = one / (d1 + one); d2 = one / (d2 + one); d3 = one / (d3 + one);
        }
        return Vector512.Sum(s0 + s1 + s2 + s3 + d0 + d1 + d2 + d3);
    }

    /// <summary>Prints the three loops' time per trip (median of rounds of thread CPU time).</summary>
    public static void Report()
    {
        double fmaOnly = TrainBound.Median(() => Run(Trips, true, false), 2, 41) / Trips * 1e3;
        double mixed = TrainBound.Median(() => Run(Trips, true, true), 2, 41) / Trips * 1e3;
        double divideOnly = TrainBound.Median(() => Run(Trips, false, true), 2, 41) / Trips * 1e3;
        Console.WriteLine($"  Divider beside FMAs, ns per trip: 32 FMAs {fmaOnly:F2}; 32 FMAs + sqrt + div {mixed:F2} ({mixed / fmaOnly:F2}×); " +
                          $"sqrt + div alone (dependent chains: latency) {divideOnly:F2}; 4 sqrt + 4 div on independent chains (throughput) " +
                          $"{TrainBound.Median(() => Throughput(Trips), 2, 41) / Trips * 1e3:F2}; 32 FMAs + 10 multiplies " +
                          $"{TrainBound.Median(() => FmaAndMultiplies(Trips), 2, 41) / Trips * 1e3:F2}");
    }
}
