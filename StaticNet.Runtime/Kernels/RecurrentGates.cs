using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// The element-wise halves of the recurrent cells (see <see cref="LstmKernels"/>, <see cref="GruKernels"/>,
/// <see cref="RnnKernels"/>): gate nonlinearities and state updates forward, their derivatives backward, for
/// <c>rows</c> samples of one time step. Gate pre-activations are rows of <c>gateStride</c> floats holding gate g's
/// unit j at <c>g·hidden + j</c>; states are rows of <c>stateStride</c> floats. Only units <c>j &lt; hidden</c> are
/// touched, so padding stays as it is. The scalar cell functions define the arithmetic; the vector loops (net8.0)
/// compute the same functions with SimdMath.Exp and do the last <c>hidden mod n</c> units with the scalar
/// cell functions.
/// </summary>
internal static partial class RecurrentGates
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);

    // ---- scalar cells: one unit of one sample ----

    /// <summary>LSTM: from the four pre-activations (input and recurrent parts) and c₍ₜ₋₁₎, the gates and the new state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCell(ref float gi, ref float gf, ref float gg, ref float go, float zi, float zf, float zg, float zo,
        float cPrev, out float c, out float tc, out float h)
    {
        float i = Sigmoid(gi + zi), f = Sigmoid(gf + zf), g = Tanh(gg + zg), o = Sigmoid(go + zo);
        gi = i; gf = f; gg = g; go = o;
        c = f * cPrev + i * g;
        tc = Tanh(c);
        h = o * tc;
    }

    /// <summary>LSTM backward: dh and dc (in/out, dc becomes dc₍ₜ₋₁₎); the gates become their pre-activation gradients.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCellBackward(ref float gi, ref float gf, ref float gg, ref float go, float cPrev, float tc,
        float dh, ref float dc)
    {
        float i = gi, f = gf, g = gg, o = go;
        float dcTotal = dc + dh * o * (1f - tc * tc);
        gi = dcTotal * g * (i * (1f - i));
        gf = dcTotal * cPrev * (f * (1f - f));
        gg = dcTotal * i * (1f - g * g);
        go = dh * tc * (o * (1f - o));
        dc = dcTotal * f;
    }

    /// <summary>GRU: r, z, n and h from the input part (with b_ih) and the recurrent part (with b_hh).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GruCell(ref float gr, ref float gz, ref float gn, float zr, float zz, float zn, float hPrev,
        out float hn, out float h)
    {
        float r = Sigmoid(gr + zr), z = Sigmoid(gz + zz);
        float n = Tanh(gn + r * zn);
        gr = r; gz = z; gn = n; hn = zn;
        h = (1f - z) * n + z * hPrev;
    }

    /// <summary>
    /// GRU backward: the gates become the input-side pre-activation gradients; <paramref name="hnGrad"/> is the gradient
    /// of <c>W_hn h + b_hn</c> and <paramref name="dhPrev"/> the direct part of dh₍ₜ₋₁₎ (<c>dh·z</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GruCellBackward(ref float gr, ref float gz, ref float gn, float hn, float hPrev, float dh,
        out float hnGrad, out float dhPrev)
    {
        float r = gr, z = gz, n = gn;
        float dnPre = dh * (1f - z) * (1f - n * n);
        float drPre = dnPre * hn * (r * (1f - r));
        float dzPre = dh * (hPrev - n) * (z * (1f - z));
        gr = drPre; gz = dzPre; gn = dnPre;
        hnGrad = dnPre * r;
        dhPrev = dh * z;
    }

    // ---- drivers over rows ----

    /// <summary>LSTM forward for one step; <paramref name="hzStride"/> 0 reads one row (the bias) for every sample; <paramref name="first"/>: c₍ₜ₋₁₎ = 0.</summary>
    public static void LstmForward(Span<float> gates, int gateStride, ReadOnlySpan<float> hz, int hzStride,
        ReadOnlySpan<float> cPrev, bool first, Span<float> c, Span<float> tc, Span<float> h, int stateStride, int rows, int hidden)
    {
        ref float g = ref MemoryMarshal.GetReference(gates);
        ref float z = ref MemoryMarshal.GetReference(hz);
        ref float cp = ref MemoryMarshal.GetReference(cPrev);
        ref float cr = ref MemoryMarshal.GetReference(c);
        ref float tr = ref MemoryMarshal.GetReference(tc);
        ref float hr = ref MemoryMarshal.GetReference(h);
#if NET8_0_OR_GREATER
        switch (KernelOptions.Path)
        {
            case 512: LstmForward<V512>(ref g, gateStride, ref z, hzStride, ref cp, first, ref cr, ref tr, ref hr, stateStride, rows, hidden); return;
            case 256: LstmForward<V256>(ref g, gateStride, ref z, hzStride, ref cp, first, ref cr, ref tr, ref hr, stateStride, rows, hidden); return;
            case 128: LstmForward<V128>(ref g, gateStride, ref z, hzStride, ref cp, first, ref cr, ref tr, ref hr, stateStride, rows, hidden); return;
        }
#endif
        for (nint r = 0; r < rows; r++)
            LstmForwardTail(ref Unsafe.Add(ref g, r * gateStride), ref Unsafe.Add(ref z, r * hzStride), ref Unsafe.Add(ref cp, r * stateStride),
                first, ref Unsafe.Add(ref cr, r * stateStride), ref Unsafe.Add(ref tr, r * stateStride), ref Unsafe.Add(ref hr, r * stateStride), 0, hidden);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmForwardTail(ref float g, ref float z, ref float cp, bool first, ref float c, ref float tc, ref float h, nint from, nint hidden)
    {
        nint H = hidden;
        for (nint j = from; j < H; j++)
        {
            LstmCell(ref Unsafe.Add(ref g, j), ref Unsafe.Add(ref g, H + j), ref Unsafe.Add(ref g, 2 * H + j), ref Unsafe.Add(ref g, 3 * H + j),
                Unsafe.Add(ref z, j), Unsafe.Add(ref z, H + j), Unsafe.Add(ref z, 2 * H + j), Unsafe.Add(ref z, 3 * H + j),
                first ? 0f : Unsafe.Add(ref cp, j), out Unsafe.Add(ref c, j), out Unsafe.Add(ref tc, j), out Unsafe.Add(ref h, j));
        }
    }

    /// <summary>LSTM backward for one step: dh [rows, stateStride] in, dc in/out, gates become gradients.</summary>
    public static void LstmBackward(Span<float> gates, int gateStride, ReadOnlySpan<float> cPrev, bool first, ReadOnlySpan<float> tc,
        ReadOnlySpan<float> dh, Span<float> dc, int stateStride, int rows, int hidden)
    {
        ref float g = ref MemoryMarshal.GetReference(gates);
        ref float cp = ref MemoryMarshal.GetReference(cPrev);
        ref float tr = ref MemoryMarshal.GetReference(tc);
        ref float dhr = ref MemoryMarshal.GetReference(dh);
        ref float dcr = ref MemoryMarshal.GetReference(dc);
#if NET8_0_OR_GREATER
        switch (KernelOptions.Path)
        {
            case 512: LstmBackward<V512>(ref g, gateStride, ref cp, first, ref tr, ref dhr, ref dcr, stateStride, rows, hidden); return;
            case 256: LstmBackward<V256>(ref g, gateStride, ref cp, first, ref tr, ref dhr, ref dcr, stateStride, rows, hidden); return;
            case 128: LstmBackward<V128>(ref g, gateStride, ref cp, first, ref tr, ref dhr, ref dcr, stateStride, rows, hidden); return;
        }
#endif
        for (nint r = 0; r < rows; r++)
            LstmBackwardTail(ref Unsafe.Add(ref g, r * gateStride), ref Unsafe.Add(ref cp, r * stateStride), first, ref Unsafe.Add(ref tr, r * stateStride),
                ref Unsafe.Add(ref dhr, r * stateStride), ref Unsafe.Add(ref dcr, r * stateStride), 0, hidden);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmBackwardTail(ref float g, ref float cp, bool first, ref float tc, ref float dh, ref float dc, nint from, nint hidden)
    {
        nint H = hidden;
        for (nint j = from; j < H; j++)
            LstmCellBackward(ref Unsafe.Add(ref g, j), ref Unsafe.Add(ref g, H + j), ref Unsafe.Add(ref g, 2 * H + j), ref Unsafe.Add(ref g, 3 * H + j),
                first ? 0f : Unsafe.Add(ref cp, j), Unsafe.Add(ref tc, j), Unsafe.Add(ref dh, j), ref Unsafe.Add(ref dc, j));
    }

    /// <summary>GRU forward for one step; <paramref name="first"/>: h₍ₜ₋₁₎ = 0.</summary>
    public static void GruForward(Span<float> gates, int gateStride, ReadOnlySpan<float> hz, int hzStride,
        ReadOnlySpan<float> hPrev, bool first, Span<float> hn, Span<float> h, int stateStride, int rows, int hidden)
    {
        ref float g = ref MemoryMarshal.GetReference(gates);
        ref float z = ref MemoryMarshal.GetReference(hz);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float hnr = ref MemoryMarshal.GetReference(hn);
        ref float hr = ref MemoryMarshal.GetReference(h);
#if NET8_0_OR_GREATER
        switch (KernelOptions.Path)
        {
            case 512: GruForward<V512>(ref g, gateStride, ref z, hzStride, ref hp, first, ref hnr, ref hr, stateStride, rows, hidden); return;
            case 256: GruForward<V256>(ref g, gateStride, ref z, hzStride, ref hp, first, ref hnr, ref hr, stateStride, rows, hidden); return;
            case 128: GruForward<V128>(ref g, gateStride, ref z, hzStride, ref hp, first, ref hnr, ref hr, stateStride, rows, hidden); return;
        }
#endif
        for (nint r = 0; r < rows; r++)
            GruForwardTail(ref Unsafe.Add(ref g, r * gateStride), ref Unsafe.Add(ref z, r * hzStride), ref Unsafe.Add(ref hp, r * stateStride), first,
                ref Unsafe.Add(ref hnr, r * stateStride), ref Unsafe.Add(ref hr, r * stateStride), 0, hidden);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruForwardTail(ref float g, ref float z, ref float hp, bool first, ref float hn, ref float h, nint from, nint hidden)
    {
        nint H = hidden;
        for (nint j = from; j < H; j++)
            GruCell(ref Unsafe.Add(ref g, j), ref Unsafe.Add(ref g, H + j), ref Unsafe.Add(ref g, 2 * H + j),
                Unsafe.Add(ref z, j), Unsafe.Add(ref z, H + j), Unsafe.Add(ref z, 2 * H + j),
                first ? 0f : Unsafe.Add(ref hp, j), out Unsafe.Add(ref hn, j), out Unsafe.Add(ref h, j));
    }

    /// <summary>
    /// GRU backward for one step: gates become the input-side gradients; <paramref name="hzGrad"/> [rows, gateStride]
    /// receives the recurrent-side gradients (r and z as the input side, n times r); <paramref name="dhPrev"/> [rows,
    /// stateStride] receives <c>dh·z</c>.
    /// </summary>
    public static void GruBackward(Span<float> gates, int gateStride, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev, bool first,
        ReadOnlySpan<float> dh, Span<float> hzGrad, Span<float> dhPrev, int stateStride, int rows, int hidden)
    {
        ref float g = ref MemoryMarshal.GetReference(gates);
        ref float hnr = ref MemoryMarshal.GetReference(hn);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float dhr = ref MemoryMarshal.GetReference(dh);
        ref float zg = ref MemoryMarshal.GetReference(hzGrad);
        ref float dp = ref MemoryMarshal.GetReference(dhPrev);
#if NET8_0_OR_GREATER
        switch (KernelOptions.Path)
        {
            case 512: GruBackward<V512>(ref g, gateStride, ref hnr, ref hp, first, ref dhr, ref zg, ref dp, stateStride, rows, hidden); return;
            case 256: GruBackward<V256>(ref g, gateStride, ref hnr, ref hp, first, ref dhr, ref zg, ref dp, stateStride, rows, hidden); return;
            case 128: GruBackward<V128>(ref g, gateStride, ref hnr, ref hp, first, ref dhr, ref zg, ref dp, stateStride, rows, hidden); return;
        }
#endif
        for (nint r = 0; r < rows; r++)
            GruBackwardTail(ref Unsafe.Add(ref g, r * gateStride), ref Unsafe.Add(ref hnr, r * stateStride), ref Unsafe.Add(ref hp, r * stateStride), first,
                ref Unsafe.Add(ref dhr, r * stateStride), ref Unsafe.Add(ref zg, r * gateStride), ref Unsafe.Add(ref dp, r * stateStride), 0, hidden);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruBackwardTail(ref float g, ref float hn, ref float hp, bool first, ref float dh, ref float zg, ref float dp, nint from, nint hidden)
    {
        nint H = hidden;
        for (nint j = from; j < H; j++)
        {
            ref float gr = ref Unsafe.Add(ref g, j);
            ref float gz = ref Unsafe.Add(ref g, H + j);
            ref float gn = ref Unsafe.Add(ref g, 2 * H + j);
            GruCellBackward(ref gr, ref gz, ref gn, Unsafe.Add(ref hn, j), first ? 0f : Unsafe.Add(ref hp, j), Unsafe.Add(ref dh, j),
                out float hnGrad, out Unsafe.Add(ref dp, j));
            Unsafe.Add(ref zg, j) = gr;
            Unsafe.Add(ref zg, H + j) = gz;
            Unsafe.Add(ref zg, 2 * H + j) = hnGrad;
        }
    }

    /// <summary>Simple RNN forward, in place: <c>gates = act(gates + hz)</c>.</summary>
    public static void RnnForward(Span<float> gates, int gateStride, ReadOnlySpan<float> hz, int hzStride, bool relu, int rows, int hidden)
    {
        ref float g = ref MemoryMarshal.GetReference(gates);
        ref float z = ref MemoryMarshal.GetReference(hz);
#if NET8_0_OR_GREATER
        switch (KernelOptions.Path)
        {
            case 512: RnnForward<V512>(ref g, gateStride, ref z, hzStride, relu, rows, hidden); return;
            case 256: RnnForward<V256>(ref g, gateStride, ref z, hzStride, relu, rows, hidden); return;
            case 128: RnnForward<V128>(ref g, gateStride, ref z, hzStride, relu, rows, hidden); return;
        }
#endif
        for (nint r = 0; r < rows; r++)
            RnnForwardTail(ref Unsafe.Add(ref g, r * gateStride), ref Unsafe.Add(ref z, r * hzStride), relu, 0, hidden);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RnnForwardTail(ref float g, ref float z, bool relu, nint from, nint hidden)
    {
        for (nint j = from; j < hidden; j++)
        {
            float a = Unsafe.Add(ref g, j) + Unsafe.Add(ref z, j);
            Unsafe.Add(ref g, j) = relu ? (a <= 0f ? 0f : a) : Tanh(a);
        }
    }

    /// <summary>Simple RNN backward, in place: <c>gates = dh · act'(gates)</c> (gates hold h).</summary>
    public static void RnnBackward(Span<float> gates, int gateStride, ReadOnlySpan<float> dh, int dhStride, bool relu, int rows, int hidden)
    {
        ref float g = ref MemoryMarshal.GetReference(gates);
        ref float d = ref MemoryMarshal.GetReference(dh);
#if NET8_0_OR_GREATER
        switch (KernelOptions.Path)
        {
            case 512: RnnBackward<V512>(ref g, gateStride, ref d, dhStride, relu, rows, hidden); return;
            case 256: RnnBackward<V256>(ref g, gateStride, ref d, dhStride, relu, rows, hidden); return;
            case 128: RnnBackward<V128>(ref g, gateStride, ref d, dhStride, relu, rows, hidden); return;
        }
#endif
        for (nint r = 0; r < rows; r++)
            RnnBackwardTail(ref Unsafe.Add(ref g, r * gateStride), ref Unsafe.Add(ref d, r * dhStride), relu, 0, hidden);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RnnBackwardTail(ref float g, ref float d, bool relu, nint from, nint hidden)
    {
        for (nint j = from; j < hidden; j++)
        {
            float h = Unsafe.Add(ref g, j), dh = Unsafe.Add(ref d, j);
            Unsafe.Add(ref g, j) = relu ? (h > 0f ? dh : 0f) : dh * (1f - h * h);
        }
    }
}
