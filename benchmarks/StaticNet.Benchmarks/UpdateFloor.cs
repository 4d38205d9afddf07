using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Benchmarks;

/// <summary>
/// Part of <c>--train-bound</c>: what an optimizer step over the MLP's parameters cannot avoid on this core, so that the
/// step can be compared with the bound the way issue 20 computes its own. The issue's "MLP 784-128-10 batch-32 Adam step:
/// 152 µs against a bound of about 94 µs" is not the multiply-adds alone: 6.55 M multiply-adds at its 179 GFLOP/s take
/// 73.2 µs, and the other 20.8 µs are the update's traffic (p, g, m and v read, p, m and v written: 7 × 4 B per parameter,
/// 2.85 MB) at its "L2 ~138 GB/s". Here two floors of that update are timed over arrays of the MLP's size, as many
/// rounds of thread CPU time as the step's:
/// <list type="bullet">
/// <item><b>traffic</b>: the same loads and stores with two additions per vector (no multiply, no divider): the memory
/// floor of any update that keeps fp32 moments;</item>
/// <item><b>traffic + divider</b>: the same with one square root and one division per parameter, as PyTorch's Adam does
/// (exactly rounded, which is what makes the update bound by the divider on Zen 4: a 512-bit <c>vsqrtps</c> and
/// <c>vdivps</c> run as two halves in one divider).</item>
/// </list>
/// Neither multiplies, so neither takes an FMA slot: both are lower bounds on Adam's update, not versions of it.
/// </summary>
public static class UpdateFloor
{
    /// <summary>Median µs of thread CPU time of the traffic-only and the traffic-plus-divider passes over <paramref name="count"/> parameters.</summary>
    public static (double Traffic, double Divider) Measure(int count)
    {
        float[] p = BenchmarkData.Random(count, 21), g = BenchmarkData.Random(count, 22);
        float[] m = BenchmarkData.Random(count, 23), v = BenchmarkData.Random(count, 24);
        double traffic = TrainBound.Median(() => Traffic(p, g, m, v), 20, 41);
        double divider = TrainBound.Median(() => Divider(p, g, m, v), 20, 41);
        return (traffic, divider);
    }

    /// <summary>Reads p, g, m, v and writes p, m, v, with additions only (the values stay bounded: m and v alternate sign).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Traffic(float[] p, float[] g, float[] m, float[] v)
    {
        ref float rp = ref p[0], rg = ref g[0], rm = ref m[0], rv = ref v[0];
        int n = p.Length, i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector512<float> gv = Vector512.LoadUnsafe(ref rg, (nuint)i);
            Vector512<float> mv = gv - Vector512.LoadUnsafe(ref rm, (nuint)i);
            Vector512<float> vv = gv - Vector512.LoadUnsafe(ref rv, (nuint)i);
            mv.StoreUnsafe(ref rm, (nuint)i);
            vv.StoreUnsafe(ref rv, (nuint)i);
            (Vector512.LoadUnsafe(ref rp, (nuint)i) + (mv - vv)).StoreUnsafe(ref rp, (nuint)i);
        }
        return p[0];
    }

    /// <summary>As <see cref="Traffic"/>, with p += m / (√|v| + 1) per parameter: one square root and one division.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Divider(float[] p, float[] g, float[] m, float[] v)
    {
        ref float rp = ref p[0], rg = ref g[0], rm = ref m[0], rv = ref v[0];
        Vector512<float> one = Vector512.Create(1f);
        int n = p.Length, i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector512<float> gv = Vector512.LoadUnsafe(ref rg, (nuint)i);
            Vector512<float> mv = gv - Vector512.LoadUnsafe(ref rm, (nuint)i);
            Vector512<float> vv = gv - Vector512.LoadUnsafe(ref rv, (nuint)i);
            mv.StoreUnsafe(ref rm, (nuint)i);
            vv.StoreUnsafe(ref rv, (nuint)i);
            Vector512<float> step = mv / (Vector512.Sqrt(Vector512.Abs(vv)) + one);
            (Vector512.LoadUnsafe(ref rp, (nuint)i) - step).StoreUnsafe(ref rp, (nuint)i);
        }
        return p[0];
    }

    /// <summary>
    /// Prints the floors and the step against the bound counted as the issue counts its 94 µs (multiply-adds at the FMA
    /// peak plus the update's traffic), and against the multiply-adds plus the update's divider floor.
    /// </summary>
    public static void Report(int parameters, double bound, double step)
    {
        (double traffic, double divider) = Measure(parameters);
        double bytes = 28.0 * parameters;
        Console.WriteLine($"  Update floors, {parameters:N0} parameters: traffic alone (p, g, m, v read; p, m, v written; adds only) median {traffic,7:F2} µs ({bytes / traffic / 1e3:F0} GB/s); " +
                          $"with a square root and a division per parameter {divider,7:F2} µs");
        Console.WriteLine($"  The issue's accounting (its 94 µs = multiply-adds at the FMA peak + the update's traffic): bound {bound:F1} + {traffic:F1} = {bound + traffic:F1} µs, " +
                          $"step = {step / (bound + traffic):F2}×; with the divider floor instead: {bound:F1} + {divider:F1} = {bound + divider:F1} µs, step = {step / (bound + divider):F2}×");
    }
}
