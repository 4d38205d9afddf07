#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// The latency-bound streaming step (one sample, one time step) of the LSTM and GRU cells when each gate is exactly two
/// vectors wide (<c>hidden = 2·V.Count</c>: 32 units on AVX-512, 16 on AVX2, 8 on 128-bit vectors), with the gate sums
/// in registers: every gate vector's pre-activation <c>b_ih + b_hh + x·W_ih + h·W_hh</c> is accumulated in one pass over
/// the rows of the transposed W_hh, in two accumulator sets (even and odd k) so that each FMA chain is H/2 long, then
/// the non-linearities of each half of the units. The same function as <see cref="RecurrentCore.Forward"/> for one
/// sample, summed in a different order (agrees to rounding).
/// </summary>
internal static class RecurrentStepSimd
{
    /// <summary>Whether the fused step handles this cell and size on vector width V.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Handles<V>(int cell, int hidden) where V : struct, ISimdVector<V> =>
        (cell == RecurrentCore.Lstm || cell == RecurrentCore.Gru) && hidden == 2 * V.Count;

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Bias<V>(nint vector, nint inputVectors, ref float bih, ref float bhh) where V : struct, ISimdVector<V>
    {
        V b = V.Load(ref Unsafe.Add(ref bhh, vector * V.Count));
        return vector < inputVectors ? V.Add(V.Load(ref Unsafe.Add(ref bih, vector * V.Count)), b) : b;
    }

    /// <summary>
    /// One LSTM step: state = h [hp], c [hp], tanh c [hp], gates [gw], … (see <see cref="RecurrentCore.StepStateLength"/>);
    /// when <paramref name="dot"/>, then a one-unit Dense reading the new h: <c>y = readoutBias + h·readout</c>, from the
    /// registers that hold h (see <see cref="Readout{V}"/>). Never inlined: inside a larger caller the generic helpers
    /// would exceed the JIT's inlining budget and become calls (measured: 210 ns instead of 70 for the whole step).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Lstm<V>(ref float x, nint inputs, ref float wih, ref float whh, ref float bih, ref float bhh, nint hp, nint gw,
        ref float state, bool dot, ref float readout, float readoutBias, ref float y) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, H = 2 * n;
        ref float h = ref state;
        ref float c = ref Unsafe.Add(ref state, hp);
        ref float z = ref Unsafe.Add(ref state, 3 * hp);
        Gates<V>(8, 8, ref x, inputs, ref wih, ref bih, ref h, H, ref whh, ref bhh, gw, ref z);
        V first = default;
        for (nint u = 0; u < H; u += n)
        {
            ref float zu = ref Unsafe.Add(ref z, u);
            ref float cu = ref Unsafe.Add(ref c, u);
            V i = RecurrentGates.SigmoidShortLatency(V.Load(ref zu));
            V f = RecurrentGates.SigmoidShortLatency(V.Load(ref Unsafe.Add(ref zu, H)));
            V g = RecurrentGates.Tanh(V.Load(ref Unsafe.Add(ref zu, 2 * H)));
            V o = RecurrentGates.SigmoidShortLatency(V.Load(ref Unsafe.Add(ref zu, 3 * H)));
            V cv = V.MultiplyAdd(f, V.Load(ref cu), V.Multiply(i, g));
            V.Store(ref cu, cv);
            V hv = V.Multiply(o, RecurrentGates.Tanh(cv));
            V.Store(ref Unsafe.Add(ref h, u), hv);
            if (dot)
                Readout(u, hv, ref readout, readoutBias, ref first, ref y);
        }
    }

    /// <summary>
    /// The one-unit readout <c>y = b + h·w</c> accumulated as the two halves of h leave the registers (u = 0, then n): the
    /// products of the first half are kept, and the second half's finish the sum, in <see cref="DenseSimd.ForwardDot{V}"/>'s
    /// order (two accumulators, then one horizontal sum), so the bits are those of the step followed by the Dense layer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Readout<V>(nint u, V hv, ref float readout, float bias, ref V first, ref float y) where V : struct, ISimdVector<V>
    {
        V product = V.Multiply(hv, V.Load(ref Unsafe.Add(ref readout, u)));
        if (u == 0)
            first = product;
        else
            y = bias + SimdReduce.Sum(V.Add(first, product));
    }

    /// <summary>One GRU step: state = h [hp], …, gates [gw], … (see <see cref="RecurrentCore.StepStateLength"/>); the readout as <see cref="Lstm{V}"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Gru<V>(ref float x, nint inputs, ref float wih, ref float whh, ref float bih, ref float bhh, nint hp, nint gw,
        ref float state, bool dot, ref float readout, float readoutBias, ref float y) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, H = 2 * n;
        ref float h = ref state;
        ref float z = ref Unsafe.Add(ref state, 3 * hp);
        ref float hn = ref Unsafe.Add(ref z, gw);
        // r and z: b_ih + b_hh + x·W_ih + h·W_hh; n: b_hn + h·W_hn to z[2H, 3H) (its input part apart, below).
        Gates<V>(6, 4, ref x, inputs, ref wih, ref bih, ref h, H, ref whh, ref bhh, gw, ref z);
        InputProjection<V>(ref x, inputs, ref wih, ref bih, gw, 2 * H, ref hn);
        V first = default;
        for (nint u = 0; u < H; u += n)
        {
            ref float zu = ref Unsafe.Add(ref z, u);
            ref float hu = ref Unsafe.Add(ref h, u);
            V r = RecurrentGates.SigmoidShortLatency(V.Load(ref zu));
            V nv = RecurrentGates.Tanh(V.MultiplyAdd(r, V.Load(ref Unsafe.Add(ref zu, 2 * H)), V.Load(ref Unsafe.Add(ref hn, 2 * H + u))));
            V zv = RecurrentGates.SigmoidShortLatency(V.Load(ref Unsafe.Add(ref zu, H)));
            // h' = (1 − z)·n + z·h
            V hv = V.MultiplyAdd(zv, ref hu, V.Multiply(V.Subtract(V.Broadcast(1f), zv), nv));
            V.Store(ref hu, hv);
            if (dot)
                Readout(u, hv, ref readout, readoutBias, ref first, ref y);
        }
    }
}
#endif
