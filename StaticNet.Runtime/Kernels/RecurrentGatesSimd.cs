#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>The vector loops of <see cref="RecurrentGates"/>, one generic implementation over the vector width.</summary>
internal static partial class RecurrentGates
{
    // e^(−y) for the gates, with a short dependency chain (the streaming step is latency-bound): y·log2(e) split into
    // n + f by one rounding, r = −(y + n·ln2) with ln2 in two parts (Cody-Waite), e^r = 1 + r + r²·P(r) with Cephes'
    // expf minimax coefficients evaluated by Estrin's scheme, times 2⁻ⁿ from the exponent bits. About 1 ulp.
    private const float Log2E = 1.44269504088896341f, Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;
    private const float P0 = 5.0000001201e-1f, P1 = 1.6666665459e-1f, P2 = 4.1665795894e-2f, P3 = 8.3334519073e-3f,
        P4 = 1.3981999507e-3f, P5 = 1.9875691500e-4f;

    /// <summary>e^(−y) for y in [−88, 87] (the callers clamp), as e^r·2ᵐ with r in [−ln2/2, ln2/2].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V ExpNegative<V>(V y) where V : struct, ISimdVector<V>
    {
        // m = round(−y·log2 e); q = y + m·ln2 = −r.
        V m = V.Floor(V.MultiplyAdd(y, V.Broadcast(-Log2E), V.Broadcast(0.5f)));
        V q = V.MultiplyAdd(m, V.Broadcast(Ln2High), y);
        q = V.MultiplyAdd(m, V.Broadcast(Ln2Low), q);
        // e^r = 1 + r + r²·P(r) with r = −q: P's odd coefficients change sign.
        V q2 = V.Multiply(q, q);
        V a = V.MultiplyAdd(V.Broadcast(-P1), q, V.Broadcast(P0));
        V b = V.MultiplyAdd(V.Broadcast(-P3), q, V.Broadcast(P2));
        V c = V.MultiplyAdd(V.Broadcast(-P5), q, V.Broadcast(P4));
        V q4 = V.Multiply(q2, q2);
        V poly = V.MultiplyAdd(c, q4, V.MultiplyAdd(b, q2, a));
        V e = V.MultiplyAdd(poly, q2, V.Subtract(V.Broadcast(1f), q));
        return V.Multiply(e, V.Pow2(m));
    }

    /// <summary>1 / (1 + e⁻ˣ); x is clamped to [−88, 87] first (beyond, the result is 0 or 1 in float anyway).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Sigmoid<V>(V x) where V : struct, ISimdVector<V>
    {
        V one = V.Broadcast(1f);
        x = V.MinNative(V.Broadcast(87f), V.MaxNative(V.Broadcast(-88f), x)); // NaN stays NaN
        return V.Divide(one, V.Add(one, ExpNegative(x)));
    }

    /// <summary>
    /// σ(x) = ½·tanh(x/2) + ½ with the rational <see cref="Tanh{V}"/>: about 20 cycles less latency than the exp form,
    /// for the latency-bound streaming step; within 2e-7 absolute (not relative: tiny σ of very negative x lose their
    /// relative precision, which the sequence kernels' <see cref="Sigmoid{V}"/> keeps). Written as
    /// <c>½ + x·p̃(x²)/q(x²/4)</c> with p̃(s) = p(s/4)/4: every coefficient is scaled by a power of two, so each rounding is
    /// the one <c>½·Tanh(x/2) + ½</c> makes (the same bits) without the halving multiply.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V SigmoidShortLatency<V>(V x) where V : struct, ISimdVector<V>
    {
        x = V.MinNative(V.Broadcast(2 * TanhBound), V.MaxNative(V.Broadcast(-2 * TanhBound), x)); // NaN stays NaN
        return V.Add(Rational<V>(x, 4), V.Broadcast(0.5f));
    }

    // tanh(x) = x·p(x²)/q(x²) on |x| ≤ TanhBound (Eigen's float tanh): p = Σ TanhPₖ·x²ᵏ, q = Σ TanhQₖ·x²ᵏ.
    internal const float TanhBound = 7.99881172180175781f;
    internal const float TanhP0 = 4.89352455891786e-03f, TanhP1 = 6.37261928875436e-04f, TanhP2 = 1.48572235717979e-05f,
        TanhP3 = 5.12229709037114e-08f, TanhP4 = -8.60467152213735e-11f, TanhP5 = 2.00018790482477e-13f, TanhP6 = -2.76076847742355e-16f;
    internal const float TanhQ0 = 4.89352518554385e-03f, TanhQ1 = 2.26843463243900e-03f, TanhQ2 = 1.18534705686654e-04f,
        TanhQ3 = 1.19825839466702e-06f;

    /// <summary>
    /// tanh as a rational function <c>x·p(x²)/q(x²)</c> on x clamped to ±7.9988 (where tanh rounds to ±1), p of degree 6
    /// and q of degree 3 in x² (Eigen's float tanh): no exponential, so about half the latency of the exp form, and
    /// relative precision near 0 (within 2.9e-7 relative, about 2.5 ulp, everywhere).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Tanh<V>(V x) where V : struct, ISimdVector<V>
    {
        x = V.MinNative(V.Broadcast(TanhBound), V.MaxNative(V.Broadcast(-TanhBound), x)); // NaN stays NaN
        return Rational<V>(x, 1);
    }

    /// <summary>
    /// <c>x·p(x²/s)/q(x²/s) / s</c> for the scale s = 1 (<see cref="Tanh{V}"/>) or 4 (<see cref="SigmoidShortLatency{V}"/>,
    /// minus its ½): the coefficients carry the powers of s (exact), p by Estrin's scheme for a short dependency chain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Rational<V>(V x, float s) where V : struct, ISimdVector<V>
    {
        float s2 = s * s, s3 = s2 * s, s4 = s2 * s2, s5 = s4 * s, s6 = s3 * s3, s7 = s6 * s;
        V x2 = V.Multiply(x, x);
        V x4 = V.Multiply(x2, x2);
        V x8 = V.Multiply(x4, x4);
        V p01 = V.MultiplyAdd(V.Broadcast(TanhP1 / s2), x2, V.Broadcast(TanhP0 / s));
        V p23 = V.MultiplyAdd(V.Broadcast(TanhP3 / s4), x2, V.Broadcast(TanhP2 / s3));
        V p45 = V.MultiplyAdd(V.Broadcast(TanhP5 / s6), x2, V.Broadcast(TanhP4 / s5));
        V p46 = V.MultiplyAdd(V.Broadcast(TanhP6 / s7), x4, p45);
        V p = V.MultiplyAdd(p46, x8, V.MultiplyAdd(p23, x4, p01));
        V q01 = V.MultiplyAdd(V.Broadcast(TanhQ1 / s), x2, V.Broadcast(TanhQ0));
        V q23 = V.MultiplyAdd(V.Broadcast(TanhQ3 / s3), x2, V.Broadcast(TanhQ2 / s2));
        V q = V.MultiplyAdd(q23, x4, q01);
        return V.Divide(V.Multiply(x, p), q);
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
