#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>The vector loops of <see cref="RecurrentGates"/>, one generic implementation over the vector width.</summary>
internal static partial class RecurrentGates
{
    /// <summary>1 / (1 + e⁻ˣ) with <see cref="SimdMath.Exp"/> (e⁻ˣ saturates at e⁸⁸, so the result is never NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Sigmoid<V>(V x) where V : struct, ISimdVector<V>
    {
        V one = V.Broadcast(1f);
        return V.Divide(one, V.Add(one, SimdMath.Exp(V.Subtract(V.Zero, x))));
    }

    /// <summary>
    /// tanh as Cephes' tanhf: an odd polynomial for |x| &lt; 0.625 (keeps relative precision near 0), else
    /// <c>1 − 2/(e²ˡˣˡ + 1)</c> with the sign of x.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Tanh<V>(V x) where V : struct, ISimdVector<V>
    {
        V ax = V.Abs(x);
        V one = V.Broadcast(1f);
        V e = SimdMath.Exp(V.Add(ax, ax));
        V large = V.Subtract(one, V.Divide(V.Broadcast(2f), V.Add(e, one)));
        large = V.SelectNegative(x, V.Subtract(V.Zero, large), large);
        V z = V.Multiply(x, x);
        V p = V.Broadcast(-5.70498872745e-3f);
        p = V.MultiplyAdd(p, z, V.Broadcast(2.06390887954e-2f));
        p = V.MultiplyAdd(p, z, V.Broadcast(-5.37397155531e-2f));
        p = V.MultiplyAdd(p, z, V.Broadcast(1.33314422036e-1f));
        p = V.MultiplyAdd(p, z, V.Broadcast(-3.33332819422e-1f));
        V small = V.MultiplyAdd(V.Multiply(p, z), x, x);
        // |x| − 0.625 < 0 → small.
        return V.SelectNegative(V.Subtract(ax, V.Broadcast(0.625f)), small, large);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LstmForward<V>(ref float gates, nint gateStride, ref float hz, nint hzStride, ref float cPrev, bool first,
        ref float c, ref float tc, ref float h, nint stateStride, nint rows, nint hidden) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, H = hidden;
        for (nint r = 0; r < rows; r++)
        {
            ref float g = ref Unsafe.Add(ref gates, r * gateStride);
            ref float z = ref Unsafe.Add(ref hz, r * hzStride);
            ref float cp = ref Unsafe.Add(ref cPrev, r * stateStride);
            ref float cr = ref Unsafe.Add(ref c, r * stateStride);
            ref float tr = ref Unsafe.Add(ref tc, r * stateStride);
            ref float hr = ref Unsafe.Add(ref h, r * stateStride);
            nint j = 0;
            for (; j + n <= H; j += n)
            {
                ref float gi = ref Unsafe.Add(ref g, j);
                ref float gf = ref Unsafe.Add(ref g, H + j);
                ref float gg = ref Unsafe.Add(ref g, 2 * H + j);
                ref float go = ref Unsafe.Add(ref g, 3 * H + j);
                ref float zi = ref Unsafe.Add(ref z, j);
                V i = Sigmoid(V.Add(V.Load(ref gi), V.Load(ref zi)));
                V f = Sigmoid(V.Add(V.Load(ref gf), V.Load(ref Unsafe.Add(ref zi, H))));
                V gv = Tanh(V.Add(V.Load(ref gg), V.Load(ref Unsafe.Add(ref zi, 2 * H))));
                V o = Sigmoid(V.Add(V.Load(ref go), V.Load(ref Unsafe.Add(ref zi, 3 * H))));
                V.Store(ref gi, i); V.Store(ref gf, f); V.Store(ref gg, gv); V.Store(ref go, o);
                V ig = V.Multiply(i, gv);
                V cv = first ? ig : V.MultiplyAdd(f, V.Load(ref Unsafe.Add(ref cp, j)), ig);
                V t = Tanh(cv);
                V.Store(ref Unsafe.Add(ref cr, j), cv);
                V.Store(ref Unsafe.Add(ref tr, j), t);
                V.Store(ref Unsafe.Add(ref hr, j), V.Multiply(o, t));
            }
            if (j < H)
                LstmForwardTail(ref g, ref z, ref cp, first, ref cr, ref tr, ref hr, j, H);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LstmBackward<V>(ref float gates, nint gateStride, ref float cPrev, bool first, ref float tc, ref float dh,
        ref float dc, nint stateStride, nint rows, nint hidden) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, H = hidden;
        V one = V.Broadcast(1f);
        for (nint r = 0; r < rows; r++)
        {
            ref float g = ref Unsafe.Add(ref gates, r * gateStride);
            ref float cp = ref Unsafe.Add(ref cPrev, r * stateStride);
            ref float tr = ref Unsafe.Add(ref tc, r * stateStride);
            ref float dhr = ref Unsafe.Add(ref dh, r * stateStride);
            ref float dcr = ref Unsafe.Add(ref dc, r * stateStride);
            nint j = 0;
            for (; j + n <= H; j += n)
            {
                ref float gi = ref Unsafe.Add(ref g, j);
                ref float gf = ref Unsafe.Add(ref g, H + j);
                ref float gg = ref Unsafe.Add(ref g, 2 * H + j);
                ref float go = ref Unsafe.Add(ref g, 3 * H + j);
                V i = V.Load(ref gi), f = V.Load(ref gf), gv = V.Load(ref gg), o = V.Load(ref go);
                V t = V.Load(ref Unsafe.Add(ref tr, j));
                V d = V.Load(ref Unsafe.Add(ref dhr, j));
                ref float dcj = ref Unsafe.Add(ref dcr, j);
                V dcTotal = V.Add(V.Load(ref dcj), V.Multiply(V.Multiply(d, o), V.Subtract(one, V.Multiply(t, t))));
                V.Store(ref gi, V.Multiply(V.Multiply(dcTotal, gv), V.Multiply(i, V.Subtract(one, i))));
                V cpv = first ? V.Zero : V.Load(ref Unsafe.Add(ref cp, j));
                V.Store(ref gf, V.Multiply(V.Multiply(dcTotal, cpv), V.Multiply(f, V.Subtract(one, f))));
                V.Store(ref gg, V.Multiply(V.Multiply(dcTotal, i), V.Subtract(one, V.Multiply(gv, gv))));
                V.Store(ref go, V.Multiply(V.Multiply(d, t), V.Multiply(o, V.Subtract(one, o))));
                V.Store(ref dcj, V.Multiply(dcTotal, f));
            }
            if (j < H)
                LstmBackwardTail(ref g, ref cp, first, ref tr, ref dhr, ref dcr, j, H);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GruForward<V>(ref float gates, nint gateStride, ref float hz, nint hzStride, ref float hPrev, bool first,
        ref float hn, ref float h, nint stateStride, nint rows, nint hidden) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, H = hidden;
        V one = V.Broadcast(1f);
        for (nint r = 0; r < rows; r++)
        {
            ref float g = ref Unsafe.Add(ref gates, r * gateStride);
            ref float z = ref Unsafe.Add(ref hz, r * hzStride);
            ref float hp = ref Unsafe.Add(ref hPrev, r * stateStride);
            ref float hnr = ref Unsafe.Add(ref hn, r * stateStride);
            ref float hr = ref Unsafe.Add(ref h, r * stateStride);
            nint j = 0;
            for (; j + n <= H; j += n)
            {
                ref float gr = ref Unsafe.Add(ref g, j);
                ref float gz = ref Unsafe.Add(ref g, H + j);
                ref float gn = ref Unsafe.Add(ref g, 2 * H + j);
                ref float zr = ref Unsafe.Add(ref z, j);
                V rv = Sigmoid(V.Add(V.Load(ref gr), V.Load(ref zr)));
                V zv = Sigmoid(V.Add(V.Load(ref gz), V.Load(ref Unsafe.Add(ref zr, H))));
                V hnv = V.Load(ref Unsafe.Add(ref zr, 2 * H));
                V nv = Tanh(V.MultiplyAdd(rv, hnv, V.Load(ref gn)));
                V.Store(ref gr, rv); V.Store(ref gz, zv); V.Store(ref gn, nv);
                V.Store(ref Unsafe.Add(ref hnr, j), hnv);
                V keep = V.Multiply(V.Subtract(one, zv), nv);
                V.Store(ref Unsafe.Add(ref hr, j), first ? keep : V.MultiplyAdd(zv, V.Load(ref Unsafe.Add(ref hp, j)), keep));
            }
            if (j < H)
                GruForwardTail(ref g, ref z, ref hp, first, ref hnr, ref hr, j, H);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GruBackward<V>(ref float gates, nint gateStride, ref float hn, ref float hPrev, bool first, ref float dh,
        ref float hzGrad, ref float dhPrev, nint stateStride, nint rows, nint hidden) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, H = hidden;
        V one = V.Broadcast(1f);
        for (nint r = 0; r < rows; r++)
        {
            ref float g = ref Unsafe.Add(ref gates, r * gateStride);
            ref float hnr = ref Unsafe.Add(ref hn, r * stateStride);
            ref float hp = ref Unsafe.Add(ref hPrev, r * stateStride);
            ref float dhr = ref Unsafe.Add(ref dh, r * stateStride);
            ref float zg = ref Unsafe.Add(ref hzGrad, r * gateStride);
            ref float dp = ref Unsafe.Add(ref dhPrev, r * stateStride);
            nint j = 0;
            for (; j + n <= H; j += n)
            {
                ref float gr = ref Unsafe.Add(ref g, j);
                ref float gz = ref Unsafe.Add(ref g, H + j);
                ref float gn = ref Unsafe.Add(ref g, 2 * H + j);
                V rv = V.Load(ref gr), zv = V.Load(ref gz), nv = V.Load(ref gn);
                V d = V.Load(ref Unsafe.Add(ref dhr, j));
                V hpv = first ? V.Zero : V.Load(ref Unsafe.Add(ref hp, j));
                V dnPre = V.Multiply(V.Multiply(d, V.Subtract(one, zv)), V.Subtract(one, V.Multiply(nv, nv)));
                V drPre = V.Multiply(V.Multiply(dnPre, V.Load(ref Unsafe.Add(ref hnr, j))), V.Multiply(rv, V.Subtract(one, rv)));
                V dzPre = V.Multiply(V.Multiply(d, V.Subtract(hpv, nv)), V.Multiply(zv, V.Subtract(one, zv)));
                V.Store(ref gr, drPre); V.Store(ref gz, dzPre); V.Store(ref gn, dnPre);
                ref float zgj = ref Unsafe.Add(ref zg, j);
                V.Store(ref zgj, drPre);
                V.Store(ref Unsafe.Add(ref zgj, H), dzPre);
                V.Store(ref Unsafe.Add(ref zgj, 2 * H), V.Multiply(dnPre, rv));
                V.Store(ref Unsafe.Add(ref dp, j), V.Multiply(d, zv));
            }
            if (j < H)
                GruBackwardTail(ref g, ref hnr, ref hp, first, ref dhr, ref zg, ref dp, j, H);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RnnForward<V>(ref float gates, nint gateStride, ref float hz, nint hzStride, bool relu, nint rows, nint hidden)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (nint r = 0; r < rows; r++)
        {
            ref float g = ref Unsafe.Add(ref gates, r * gateStride);
            ref float z = ref Unsafe.Add(ref hz, r * hzStride);
            nint j = 0;
            for (; j + n <= hidden; j += n)
            {
                ref float gj = ref Unsafe.Add(ref g, j);
                V a = V.Add(V.Load(ref gj), V.Load(ref Unsafe.Add(ref z, j)));
                V.Store(ref gj, relu ? V.ReLU(a) : Tanh(a));
            }
            if (j < hidden)
                RnnForwardTail(ref g, ref z, relu, j, hidden);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RnnBackward<V>(ref float gates, nint gateStride, ref float dh, nint dhStride, bool relu, nint rows, nint hidden)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        V one = V.Broadcast(1f);
        for (nint r = 0; r < rows; r++)
        {
            ref float g = ref Unsafe.Add(ref gates, r * gateStride);
            ref float d = ref Unsafe.Add(ref dh, r * dhStride);
            nint j = 0;
            for (; j + n <= hidden; j += n)
            {
                ref float gj = ref Unsafe.Add(ref g, j);
                V hv = V.Load(ref gj), dv = V.Load(ref Unsafe.Add(ref d, j));
                V.Store(ref gj, relu ? V.SelectPositive(hv, dv, V.Zero) : V.Multiply(dv, V.Subtract(one, V.Multiply(hv, hv))));
            }
            if (j < hidden)
                RnnBackwardTail(ref g, ref d, relu, j, hidden);
        }
    }
}
#endif
