#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// The latency-bound streaming step (one sample, one time step) of the LSTM and GRU cells when each gate is two vectors
/// wide (<c>hidden = 2·V.Count</c>: 32 units on AVX-512, 16 on AVX2, 8 on 128-bit vectors), with the gate sums in
/// registers: every gate vector's pre-activation <c>b_ih + b_hh + x·W_ih + h·W_hh</c> is accumulated in one pass over
/// the rows of the transposed W_hh, in two accumulator sets (even and odd k) so that each FMA chain is H/2 long, then
/// the non-linearities of each half of the units. On 256- and 128-bit vectors, gates four vectors wide (32 units on
/// AVX2) take two passes of eight accumulators (<see cref="LstmTwoPass{V}"/>, <see cref="GruTwoPass{V}"/>). The same function as <c>RecurrentCore.Forward</c> for one
/// sample, summed in a different order (agrees to rounding).
/// </summary>
internal static class RecurrentStepSimd
{
    /// <summary>Whether the fused step handles this cell and size on vector width V.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Handles<V>(int cell, int hidden) where V : struct, ISimdVector<V> =>
        (cell == RecurrentCore.Lstm || cell == RecurrentCore.Gru) && (hidden == 2 * V.Count || (TwoPasses<V>() && hidden == 4 * V.Count));

    /// <summary>
    /// Whether gates four vectors wide take the two-pass step on vector width V: on 256- and 128-bit vectors (LSTM(32)
    /// on AVX2: 188 → 179 ns, GRU(32) 153 → 142 ns, measured by switching AVX-512 off on the development machine). Not on
    /// AVX-512, where those are 64 units whose weights stream from L2 anyway, and where the extra dispatch in the
    /// one-pass kernel cost the LSTM(32) step 2–3 ns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TwoPasses<V>() where V : struct, ISimdVector<V> => V.Count < 16;

    /// <summary>
    /// The input projection of one gate, two vectors wide: <c>b_ih + Σ_f x[f]·W_ih[f, col..col + 2n)</c> (row stride
    /// <paramref name="gw"/>), to <c>z[col..col + 2n)</c>. The GRU's n gate keeps this term apart from its recurrent one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputProjection<V>(ref float x, nint inputs, ref float wih, ref float bih, nint gw, nint col, ref float z)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        ref float w = ref Unsafe.Add(ref wih, col);
        V a = V.Load(ref Unsafe.Add(ref bih, col)), b = V.Load(ref Unsafe.Add(ref bih, col + n));
        for (nint f = 0; f < inputs; f++)
        {
            V xf = V.Broadcast(Unsafe.Add(ref x, f));
            a = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, f * gw), a);
            b = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, f * gw + n), b);
        }
        V.Store(ref Unsafe.Add(ref z, col), a);
        V.Store(ref Unsafe.Add(ref z, col + n), b);
    }

    /// <summary>
    /// The pre-activations of all <paramref name="vectors"/> (6 or 8) gate vectors in one pass over k, with two
    /// accumulator sets (k even, k odd) per vector, to <c>z[0, vectors·n)</c>. The first <paramref name="inputVectors"/>
    /// get <c>b_ih + b_hh + x·W_ih + h·W_hh</c>, the others <c>b_hh + h·W_hh</c> (GRU's n gate).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gates<V>(nint vectors, nint inputVectors, ref float x, nint inputs, ref float wih, ref float bih, ref float h, nint hidden,
        ref float whh, ref float bhh, nint gw, ref float z) where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        V a0 = Bias<V>(0, inputVectors, ref bih, ref bhh), a1 = Bias<V>(1, inputVectors, ref bih, ref bhh);
        V a2 = Bias<V>(2, inputVectors, ref bih, ref bhh), a3 = Bias<V>(3, inputVectors, ref bih, ref bhh);
        V a4 = Bias<V>(4, inputVectors, ref bih, ref bhh), a5 = Bias<V>(5, inputVectors, ref bih, ref bhh);
        V a6 = vectors > 6 ? Bias<V>(6, inputVectors, ref bih, ref bhh) : V.Zero, a7 = vectors > 6 ? Bias<V>(7, inputVectors, ref bih, ref bhh) : V.Zero;
        for (nint f = 0; f < inputs; f++)
        {
            V xf = V.Broadcast(Unsafe.Add(ref x, f));
            ref float w = ref Unsafe.Add(ref wih, f * gw);
            a0 = V.MultiplyAdd(xf, ref w, a0);
            a1 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, n), a1);
            a2 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, 2 * n), a2);
            a3 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, 3 * n), a3);
            if (inputVectors > 4)
            {
                a4 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, 4 * n), a4);
                a5 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, 5 * n), a5);
            }
            if (inputVectors > 6)
            {
                a6 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, 6 * n), a6);
                a7 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, 7 * n), a7);
            }
        }
        V b0 = V.Zero, b1 = V.Zero, b2 = V.Zero, b3 = V.Zero, b4 = V.Zero, b5 = V.Zero, b6 = V.Zero, b7 = V.Zero;
        for (nint k = 0; k < hidden; k += 2)
        {
            V h0 = V.Broadcast(Unsafe.Add(ref h, k)), h1 = V.Broadcast(Unsafe.Add(ref h, k + 1));
            ref float w = ref Unsafe.Add(ref whh, k * gw);
            ref float u = ref Unsafe.Add(ref w, gw);
            a0 = V.MultiplyAdd(h0, ref w, a0);
            a1 = V.MultiplyAdd(h0, ref Unsafe.Add(ref w, n), a1);
            a2 = V.MultiplyAdd(h0, ref Unsafe.Add(ref w, 2 * n), a2);
            a3 = V.MultiplyAdd(h0, ref Unsafe.Add(ref w, 3 * n), a3);
            a4 = V.MultiplyAdd(h0, ref Unsafe.Add(ref w, 4 * n), a4);
            a5 = V.MultiplyAdd(h0, ref Unsafe.Add(ref w, 5 * n), a5);
            b0 = V.MultiplyAdd(h1, ref u, b0);
            b1 = V.MultiplyAdd(h1, ref Unsafe.Add(ref u, n), b1);
            b2 = V.MultiplyAdd(h1, ref Unsafe.Add(ref u, 2 * n), b2);
            b3 = V.MultiplyAdd(h1, ref Unsafe.Add(ref u, 3 * n), b3);
            b4 = V.MultiplyAdd(h1, ref Unsafe.Add(ref u, 4 * n), b4);
            b5 = V.MultiplyAdd(h1, ref Unsafe.Add(ref u, 5 * n), b5);
            if (vectors > 6)
            {
                a6 = V.MultiplyAdd(h0, ref Unsafe.Add(ref w, 6 * n), a6);
                a7 = V.MultiplyAdd(h0, ref Unsafe.Add(ref w, 7 * n), a7);
                b6 = V.MultiplyAdd(h1, ref Unsafe.Add(ref u, 6 * n), b6);
                b7 = V.MultiplyAdd(h1, ref Unsafe.Add(ref u, 7 * n), b7);
            }
        }
        V.Store(ref z, V.Add(a0, b0));
        V.Store(ref Unsafe.Add(ref z, n), V.Add(a1, b1));
        V.Store(ref Unsafe.Add(ref z, 2 * n), V.Add(a2, b2));
        V.Store(ref Unsafe.Add(ref z, 3 * n), V.Add(a3, b3));
        V.Store(ref Unsafe.Add(ref z, 4 * n), V.Add(a4, b4));
        V.Store(ref Unsafe.Add(ref z, 5 * n), V.Add(a5, b5));
        if (vectors > 6)
        {
            V.Store(ref Unsafe.Add(ref z, 6 * n), V.Add(a6, b6));
            V.Store(ref Unsafe.Add(ref z, 7 * n), V.Add(a7, b7));
        }
    }

    /// <summary>
    /// One pass of a step whose gates are four vectors wide (<c>hidden = 4n</c>): the pre-activations of units
    /// <c>[off, off + 2n)</c> of <paramref name="gates"/> gates (3 or 4), two vectors each, one accumulator per vector
    /// (8 or 6: few enough for the 16 registers of AVX2), to their places in z. The first <paramref name="inputGates"/>
    /// get <c>b_ih + b_hh + x·W_ih + h·W_hh</c>, the others <c>b_hh + h·W_hh</c> (the GRU's n gate). Each FMA chain is
    /// <c>hidden</c> long, and a pass of 8 vectors issues 8 FMAs per k: latency and throughput about even.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatesPass<V>(nint gates, nint inputGates, nint off, ref float x, nint inputs, ref float wih, ref float bih,
        ref float h, nint hidden, ref float whh, ref float bhh, nint gw, ref float z) where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        nint c0 = off, c1 = hidden + off, c2 = 2 * hidden + off, c3 = 3 * hidden + off; // the gates' columns
        V a0 = PassBias<V>(c0, 0 < inputGates, ref bih, ref bhh), b0 = PassBias<V>(c0 + n, 0 < inputGates, ref bih, ref bhh);
        V a1 = PassBias<V>(c1, 1 < inputGates, ref bih, ref bhh), b1 = PassBias<V>(c1 + n, 1 < inputGates, ref bih, ref bhh);
        V a2 = PassBias<V>(c2, 2 < inputGates, ref bih, ref bhh), b2 = PassBias<V>(c2 + n, 2 < inputGates, ref bih, ref bhh);
        V a3 = gates > 3 ? PassBias<V>(c3, 3 < inputGates, ref bih, ref bhh) : V.Zero;
        V b3 = gates > 3 ? PassBias<V>(c3 + n, 3 < inputGates, ref bih, ref bhh) : V.Zero;
        for (nint f = 0; f < inputs; f++)
        {
            V xf = V.Broadcast(Unsafe.Add(ref x, f));
            ref float w = ref Unsafe.Add(ref wih, f * gw);
            a0 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, c0), a0);
            b0 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, c0 + n), b0);
            a1 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, c1), a1);
            b1 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, c1 + n), b1);
            if (inputGates > 2)
            {
                a2 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, c2), a2);
                b2 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, c2 + n), b2);
                a3 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, c3), a3);
                b3 = V.MultiplyAdd(xf, ref Unsafe.Add(ref w, c3 + n), b3);
            }
        }
        for (nint k = 0; k < hidden; k++)
        {
            V hk = V.Broadcast(Unsafe.Add(ref h, k));
            ref float w = ref Unsafe.Add(ref whh, k * gw);
            a0 = V.MultiplyAdd(hk, ref Unsafe.Add(ref w, c0), a0);
            b0 = V.MultiplyAdd(hk, ref Unsafe.Add(ref w, c0 + n), b0);
            a1 = V.MultiplyAdd(hk, ref Unsafe.Add(ref w, c1), a1);
            b1 = V.MultiplyAdd(hk, ref Unsafe.Add(ref w, c1 + n), b1);
            a2 = V.MultiplyAdd(hk, ref Unsafe.Add(ref w, c2), a2);
            b2 = V.MultiplyAdd(hk, ref Unsafe.Add(ref w, c2 + n), b2);
            if (gates > 3)
            {
                a3 = V.MultiplyAdd(hk, ref Unsafe.Add(ref w, c3), a3);
                b3 = V.MultiplyAdd(hk, ref Unsafe.Add(ref w, c3 + n), b3);
            }
        }
        V.Store(ref Unsafe.Add(ref z, c0), a0);
        V.Store(ref Unsafe.Add(ref z, c0 + n), b0);
        V.Store(ref Unsafe.Add(ref z, c1), a1);
        V.Store(ref Unsafe.Add(ref z, c1 + n), b1);
        V.Store(ref Unsafe.Add(ref z, c2), a2);
        V.Store(ref Unsafe.Add(ref z, c2 + n), b2);
        if (gates > 3)
        {
            V.Store(ref Unsafe.Add(ref z, c3), a3);
            V.Store(ref Unsafe.Add(ref z, c3 + n), b3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V PassBias<V>(nint column, bool withInput, ref float bih, ref float bhh) where V : struct, ISimdVector<V>
    {
        V b = V.Load(ref Unsafe.Add(ref bhh, column));
        return withInput ? V.Add(V.Load(ref Unsafe.Add(ref bih, column)), b) : b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Bias<V>(nint vector, nint inputVectors, ref float bih, ref float bhh) where V : struct, ISimdVector<V>
    {
        V b = V.Load(ref Unsafe.Add(ref bhh, vector * V.Count));
        return vector < inputVectors ? V.Add(V.Load(ref Unsafe.Add(ref bih, vector * V.Count)), b) : b;
    }

    /// <summary>
    /// One LSTM step with gates two vectors wide (<c>hidden = 2n</c>; four, <c>hidden = 4n</c>, go to
    /// <see cref="LstmTwoPass{V}"/>): state = h [hp], c [hp], scratch [hp], gates [gw], …
    /// (see <see cref="RecurrentCore.StepStateLength"/>); when <paramref name="dot"/>, then a one-unit Dense reading the
    /// new h, <c>y = readoutBias + h·readout</c>, from the registers that hold h (see <see cref="ReadoutOfHalves{V}"/>). Never
    /// inlined: inside a larger caller the generic helpers would exceed the JIT's inlining budget and become calls
    /// (measured: 210 ns instead of 70 for the whole step); for the same reason each shape has its own method.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Lstm<V>(ref float x, nint inputs, ref float wih, ref float whh, ref float bih, ref float bhh, nint hidden, nint hp,
        nint gw, ref float state, bool dot, ref float readout, float readoutBias, ref float y, nint steps) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, H = 2 * n;
        if (TwoPasses<V>() && hidden != H)
        {
            LstmTwoPass<V>(ref x, inputs, ref wih, ref whh, ref bih, ref bhh, hp, gw, ref state, dot, ref readout, readoutBias, ref y, steps);
            return;
        }
        ref float h = ref state;
        ref float z = ref Unsafe.Add(ref state, 3 * hp);
        for (nint t = 0; t < steps; t++)
        {
            Gates<V>(8, 8, ref Unsafe.Add(ref x, t * inputs), inputs, ref wih, ref bih, ref h, H, ref whh, ref bhh, gw, ref z);
            V first = default;
            for (nint u = 0; u < H; u += n)
            {
                V hv = LstmUnits<V>(ref z, ref Unsafe.Add(ref state, hp), u, H);
                V.Store(ref Unsafe.Add(ref h, u), hv);
                if (dot)
                    ReadoutOfHalves(u, hv, ref readout, readoutBias, ref first, ref Unsafe.Add(ref y, t));
            }
        }
    }

    /// <summary>
    /// One LSTM step with gates four vectors wide (<c>hidden = 4n</c>: 32 units on AVX2; see <see cref="TwoPasses{V}"/>) in two passes of
    /// <see cref="GatesPass{V}"/>, each followed by the non-linearities of its units; the first pass's new h waits in the
    /// scratch plane until the second pass has read the old h. State and readout as <see cref="Lstm{V}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void LstmTwoPass<V>(ref float x, nint inputs, ref float wih, ref float whh, ref float bih, ref float bhh, nint hp, nint gw,
        ref float state, bool dot, ref float readout, float readoutBias, ref float y, nint steps) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, H = 4 * n;
        ref float h = ref state;
        ref float early = ref Unsafe.Add(ref state, 2 * hp);
        ref float z = ref Unsafe.Add(ref state, 3 * hp);
        for (nint t = 0; t < steps; t++)
        {
            V even = default, odd = default;
            for (nint off = 0; off < H; off += 2 * n)
            {
                GatesPass<V>(4, 4, off, ref Unsafe.Add(ref x, t * inputs), inputs, ref wih, ref bih, ref h, H, ref whh, ref bhh, gw, ref z);
                for (nint u = off; u < off + 2 * n; u += n)
                {
                    V hv = LstmUnits<V>(ref z, ref Unsafe.Add(ref state, hp), u, H);
                    V.Store(ref Unsafe.Add(ref off == 0 ? ref early : ref h, u), hv);
                    if (dot)
                        Readout(u, hv, ref readout, ref even, ref odd);
                }
            }
            PublishFirstPass<V>(ref early, ref h);
            if (dot)
                Unsafe.Add(ref y, t) = readoutBias + SimdReduce.Sum(V.Add(even, odd));
        }
    }

    /// <summary>Units <c>[u, u + n)</c> of the LSTM cell from the gate sums z (i, f, g, o, each H wide): c updated, the new h returned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V LstmUnits<V>(ref float z, ref float c, nint u, nint H) where V : struct, ISimdVector<V>
    {
        ref float zu = ref Unsafe.Add(ref z, u);
        ref float cu = ref Unsafe.Add(ref c, u);
        V i = RecurrentGates.SigmoidShortLatency(V.Load(ref zu));
        V f = RecurrentGates.SigmoidShortLatency(V.Load(ref Unsafe.Add(ref zu, H)));
        V g = RecurrentGates.Tanh(V.Load(ref Unsafe.Add(ref zu, 2 * H)));
        V o = RecurrentGates.SigmoidShortLatency(V.Load(ref Unsafe.Add(ref zu, 3 * H)));
        V cv = V.MultiplyAdd(f, V.Load(ref cu), V.Multiply(i, g));
        V.Store(ref cu, cv);
        return V.Multiply(o, RecurrentGates.Tanh(cv));
    }

    /// <summary>The first pass's two vectors of new h, from the scratch plane to h.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PublishFirstPass<V>(ref float early, ref float h) where V : struct, ISimdVector<V>
    {
        V.Store(ref h, V.Load(ref early));
        V.Store(ref Unsafe.Add(ref h, V.Count), V.Load(ref Unsafe.Add(ref early, V.Count)));
    }

    /// <summary>
    /// The one-unit readout <c>y = b + h·w</c> of a one-pass step, accumulated as the two halves of h leave the registers
    /// (u = 0, then n): the first half's products are kept and the second half's finish the sum, in
    /// <see cref="DenseSimd.ForwardDot{V}"/>'s order (two accumulators, then one horizontal sum), so the bits are those of
    /// the step followed by the Dense layer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ReadoutOfHalves<V>(nint u, V hv, ref float readout, float bias, ref V first, ref float y) where V : struct, ISimdVector<V>
    {
        V product = V.Multiply(hv, V.Load(ref Unsafe.Add(ref readout, u)));
        if (u == 0)
            first = product;
        else
            y = bias + SimdReduce.Sum(V.Add(first, product));
    }

    /// <summary>
    /// The one-unit readout of a two-pass step, <c>h·w</c> accumulated as each vector of h leaves the registers, in
    /// <see cref="DenseSimd.ForwardDot{V}"/>'s order (vectors 0, 2, … into one accumulator, 1, 3, … into the other, then
    /// their sum and one horizontal sum, to which the caller adds the bias), so the bits are those of the step followed by
    /// the Dense layer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Readout<V>(nint u, V hv, ref float readout, ref V even, ref V odd) where V : struct, ISimdVector<V>
    {
        nint vector = u / V.Count;
        ref float w = ref Unsafe.Add(ref readout, u);
        if (vector == 0)
            even = V.Multiply(hv, V.Load(ref w));
        else if (vector == 1)
            odd = V.Multiply(hv, V.Load(ref w));
        else if ((vector & 1) == 0)
            even = V.MultiplyAdd(hv, ref w, even);
        else
            odd = V.MultiplyAdd(hv, ref w, odd);
    }

    /// <summary>One GRU step with gates two vectors wide (four: <see cref="GruTwoPass{V}"/>); state and readout as <see cref="Lstm{V}"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Gru<V>(ref float x, nint inputs, ref float wih, ref float whh, ref float bih, ref float bhh, nint hidden, nint hp,
        nint gw, ref float state, bool dot, ref float readout, float readoutBias, ref float y, nint steps) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, H = 2 * n;
        if (TwoPasses<V>() && hidden != H)
        {
            GruTwoPass<V>(ref x, inputs, ref wih, ref whh, ref bih, ref bhh, hp, gw, ref state, dot, ref readout, readoutBias, ref y, steps);
            return;
        }
        ref float h = ref state;
        ref float z = ref Unsafe.Add(ref state, 3 * hp);
        ref float hn = ref Unsafe.Add(ref z, gw);
        for (nint t = 0; t < steps; t++)
        {
            // r and z: b_ih + b_hh + x·W_ih + h·W_hh; n: b_hn + h·W_hn to z[2H, 3H), its input part apart to hn[2H, 3H).
            ref float xt = ref Unsafe.Add(ref x, t * inputs);
            Gates<V>(6, 4, ref xt, inputs, ref wih, ref bih, ref h, H, ref whh, ref bhh, gw, ref z);
            InputProjection<V>(ref xt, inputs, ref wih, ref bih, gw, 2 * H, ref hn);
            V first = default;
            for (nint u = 0; u < H; u += n)
            {
                V hv = GruUnits<V>(ref z, ref hn, ref h, u, H);
                V.Store(ref Unsafe.Add(ref h, u), hv);
                if (dot)
                    ReadoutOfHalves(u, hv, ref readout, readoutBias, ref first, ref Unsafe.Add(ref y, t));
            }
        }
    }

    /// <summary>One GRU step with gates four vectors wide, in two passes as <see cref="LstmTwoPass{V}"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void GruTwoPass<V>(ref float x, nint inputs, ref float wih, ref float whh, ref float bih, ref float bhh, nint hp, nint gw,
        ref float state, bool dot, ref float readout, float readoutBias, ref float y, nint steps) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, H = 4 * n;
        ref float h = ref state;
        ref float early = ref Unsafe.Add(ref state, 2 * hp);
        ref float z = ref Unsafe.Add(ref state, 3 * hp);
        ref float hn = ref Unsafe.Add(ref z, gw);
        for (nint t = 0; t < steps; t++)
        {
            ref float xt = ref Unsafe.Add(ref x, t * inputs);
            V even = default, odd = default;
            for (nint off = 0; off < H; off += 2 * n)
            {
                GatesPass<V>(3, 2, off, ref xt, inputs, ref wih, ref bih, ref h, H, ref whh, ref bhh, gw, ref z);
                InputProjection<V>(ref xt, inputs, ref wih, ref bih, gw, 2 * H + off, ref hn);
                for (nint u = off; u < off + 2 * n; u += n)
                {
                    V hv = GruUnits<V>(ref z, ref hn, ref h, u, H);
                    V.Store(ref Unsafe.Add(ref off == 0 ? ref early : ref h, u), hv);
                    if (dot)
                        Readout(u, hv, ref readout, ref even, ref odd);
                }
            }
            PublishFirstPass<V>(ref early, ref h);
            if (dot)
                Unsafe.Add(ref y, t) = readoutBias + SimdReduce.Sum(V.Add(even, odd));
        }
    }

    /// <summary>Units <c>[u, u + n)</c> of the GRU cell from the gate sums z (r, z, recurrent n) and n's input term hn: the new h returned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V GruUnits<V>(ref float z, ref float hn, ref float h, nint u, nint H) where V : struct, ISimdVector<V>
    {
        ref float zu = ref Unsafe.Add(ref z, u);
        V r = RecurrentGates.SigmoidShortLatency(V.Load(ref zu));
        V nv = RecurrentGates.Tanh(V.MultiplyAdd(r, V.Load(ref Unsafe.Add(ref zu, 2 * H)), V.Load(ref Unsafe.Add(ref hn, 2 * H + u))));
        V zv = RecurrentGates.SigmoidShortLatency(V.Load(ref Unsafe.Add(ref zu, H)));
        // h' = (1 − z)·n + z·h
        return V.MultiplyAdd(zv, ref Unsafe.Add(ref h, u), V.Multiply(V.Subtract(V.Broadcast(1f), zv), nv));
    }
}
#endif
