#if NET8_0_OR_GREATER
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// The SIMD forward of <see cref="AttentionKernels"/> (without attention dropout) for sequences and heads of 16·k
/// (the usual T 16, 32, 64 and head sizes 16, 32, 64): per head, <c>S = Q_h·(K_h/√d)ᵀ</c> and <c>C_h = P·V_h</c> as
/// register-tiled products of whole rows (4 rows × 2 vectors of accumulators), the softmax over the keys in vectors.
/// K_h is transposed (and scaled) once per head into a stack buffer, so that the score tile's vectors run along the keys.
/// </summary>
internal static class AttentionSimd
{
    /// <summary>The most floats of one head's transposed keys (T·d) the stack buffer takes: 32 KiB.</summary>
    private const int MaxTransposed = 8192;

    /// <summary>Whether <see cref="Forward"/> handles these sizes on the calling thread's path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Applies(int steps, int headSize) =>
        KernelOptions.Path != 0 && steps % 16 == 0 && headSize % 16 == 0 && (long)steps * headSize <= MaxTransposed;

    /// <summary>
    /// <see cref="AttentionKernels.Forward"/> for sizes <see cref="Applies"/> accepts (checked by the caller): the same
    /// probabilities (zero where masked) and context, summed in another order (agrees to rounding).
    /// </summary>
    public static void Forward(ReadOnlySpan<float> qkv, int rows, int steps, int embed, int heads, int qkvStride, bool causal,
        Span<float> probabilities, int probabilityStride, Span<float> context, int contextStride, ReadOnlySpan<int> tokens, int paddingIndex)
    {
        switch (KernelOptions.Path)
        {
            case 512: Forward<V512>(qkv, rows, steps, embed, heads, qkvStride, causal, probabilities, probabilityStride, context, contextStride, tokens, paddingIndex); break;
            case 256: Forward<V256>(qkv, rows, steps, embed, heads, qkvStride, causal, probabilities, probabilityStride, context, contextStride, tokens, paddingIndex); break;
            default: Forward<V128>(qkv, rows, steps, embed, heads, qkvStride, causal, probabilities, probabilityStride, context, contextStride, tokens, paddingIndex); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<V>(ReadOnlySpan<float> qkv, int rows, int steps, int embed, int heads, int qkvStride, bool causal,
        Span<float> probabilities, int probabilityStride, Span<float> context, int contextStride, ReadOnlySpan<int> tokens, int paddingIndex)
        where V : struct, ISimdVector<V>
    {
        int d = embed / heads;
        float scale = 1f / MathF.Sqrt(d);
        bool padded = !tokens.IsEmpty;
        Span<float> transposed = stackalloc float[steps * d];
        Span<float> keyBias = stackalloc float[padded ? steps : 0];
        ref float kt = ref MemoryMarshal.GetReference(transposed);
        ref float q0 = ref MemoryMarshal.GetReference(qkv);
        ref float p0 = ref MemoryMarshal.GetReference(probabilities);
        ref float c0 = ref MemoryMarshal.GetReference(context);
        for (int r = 0; r < rows; r++)
        {
            ref float sample = ref Unsafe.Add(ref q0, (nint)r * steps * qkvStride);
            ref float ctx = ref Unsafe.Add(ref c0, (nint)r * steps * contextStride);
            if (padded)
                for (int j = 0; j < steps; j++)
                    keyBias[j] = tokens[r * steps + j] == paddingIndex ? float.NegativeInfinity : 0f;
            for (int h = 0; h < heads; h++)
            {
                ref float p = ref Unsafe.Add(ref p0, (nint)r * probabilityStride + (nint)h * steps * steps);
                ref float keys = ref Unsafe.Add(ref sample, embed + h * d);
                for (int j = 0; j < steps; j++)
                {
                    ref float kj = ref Unsafe.Add(ref keys, (nint)j * qkvStride);
                    for (int c = 0; c < d; c++)
                        Unsafe.Add(ref kt, (nint)c * steps + j) = Unsafe.Add(ref kj, c) * scale;
                }
                Multiply<V>(ref Unsafe.Add(ref sample, h * d), qkvStride, 1, ref kt, steps, d, ref p, steps, steps, steps);
                for (int i = 0; i < steps; i++)
                    SoftmaxRow<V>(ref Unsafe.Add(ref p, (nint)i * steps), steps, causal ? i : steps - 1, keyBias);
                Multiply<V>(ref p, steps, 1, ref Unsafe.Add(ref sample, 2 * embed + h * d), qkvStride, steps, ref Unsafe.Add(ref ctx, h * d), contextStride, steps, d);
            }
        }
    }

    /// <summary>Whether <see cref="Backward"/> handles these sizes on the calling thread's path (two T×T stack buffers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool BackwardApplies(int steps, int headSize) => Applies(steps, headSize) && steps <= 64;

    /// <summary>
    /// <see cref="AttentionKernels.Backward"/> for sizes <see cref="BackwardApplies"/> accepts (checked by the caller), per
    /// head as products of whole rows: <c>G = dC·Vᵀ</c>, <c>dV = P'ᵀ·dC</c> (P' the dropped-out probabilities),
    /// <c>dS = P ⊙ (M ⊙ G − rowsum(P ⊙ M ⊙ G))/√d</c>, <c>dQ = dS·K</c>, <c>dK = dSᵀ·Q</c>; summed in another order (agrees to rounding).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> qkv, ReadOnlySpan<float> probabilities, int probabilityStride,
        ReadOnlySpan<float> dContext, int contextStride, int rows, int steps, int embed, int heads, int qkvStride, Span<float> dQkv, ReadOnlySpan<float> mask)
    {
        switch (KernelOptions.Path)
        {
            case 512: Backward<V512>(qkv, probabilities, probabilityStride, dContext, contextStride, rows, steps, embed, heads, qkvStride, dQkv, mask); break;
            case 256: Backward<V256>(qkv, probabilities, probabilityStride, dContext, contextStride, rows, steps, embed, heads, qkvStride, dQkv, mask); break;
            default: Backward<V128>(qkv, probabilities, probabilityStride, dContext, contextStride, rows, steps, embed, heads, qkvStride, dQkv, mask); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<V>(ReadOnlySpan<float> qkv, ReadOnlySpan<float> probabilities, int probabilityStride,
        ReadOnlySpan<float> dContext, int contextStride, int rows, int steps, int embed, int heads, int qkvStride, Span<float> dQkv, ReadOnlySpan<float> mask)
        where V : struct, ISimdVector<V>
    {
        int d = embed / heads;
        nint n = V.Count, t = steps;
        V scale = V.Broadcast(1f / MathF.Sqrt(d));
        bool dropout = !mask.IsEmpty;
        Span<float> transposedValues = stackalloc float[steps * d];
        Span<float> gradient = stackalloc float[steps * steps];
        Span<float> dropped = stackalloc float[dropout ? steps * steps : 0];
        ref float vt = ref MemoryMarshal.GetReference(transposedValues);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float pd = ref MemoryMarshal.GetReference(dropped);
        ref float q0 = ref MemoryMarshal.GetReference(qkv);
        ref float dq0 = ref MemoryMarshal.GetReference(dQkv);
        ref float p0 = ref MemoryMarshal.GetReference(probabilities);
        ref float m0 = ref MemoryMarshal.GetReference(mask);
        ref float dc0 = ref MemoryMarshal.GetReference(dContext);
        dQkv.Slice(0, rows * steps * qkvStride).Clear();
        for (int r = 0; r < rows; r++)
        {
            ref float sample = ref Unsafe.Add(ref q0, (nint)r * steps * qkvStride);
            ref float dSample = ref Unsafe.Add(ref dq0, (nint)r * steps * qkvStride);
            ref float dc = ref Unsafe.Add(ref dc0, (nint)r * steps * contextStride);
            for (int h = 0; h < heads; h++)
            {
                nint head = (nint)r * probabilityStride + (nint)h * steps * steps;
                ref float p = ref Unsafe.Add(ref p0, head);
                ref float values = ref Unsafe.Add(ref sample, 2 * embed + h * d);
                for (int j = 0; j < steps; j++)
                {
                    ref float vj = ref Unsafe.Add(ref values, (nint)j * qkvStride);
                    for (int c = 0; c < d; c++)
                        Unsafe.Add(ref vt, (nint)c * steps + j) = Unsafe.Add(ref vj, c);
                }
                ref float dch = ref Unsafe.Add(ref dc, h * d);
                // G = dC·Vᵀ
                Multiply<V>(ref dch, contextStride, 1, ref vt, t, d, ref g, t, t, t);
                // dV = P'ᵀ·dC (P' = P ⊙ M)
                if (dropout)
                {
                    ref float m = ref Unsafe.Add(ref m0, head);
                    for (nint k = 0; k < t * t; k += n)
                        V.Store(ref Unsafe.Add(ref pd, k), V.Multiply(V.Load(ref Unsafe.Add(ref p, k)), V.Load(ref Unsafe.Add(ref m, k))));
                }
                Multiply<V>(ref dropout ? ref pd : ref p, 1, t, ref dch, contextStride, t, ref Unsafe.Add(ref dSample, 2 * embed + h * d), qkvStride, t, d);
                // dS = P ⊙ (M ⊙ G − Σ_j P ⊙ M ⊙ G) / √d, in place of G
                for (nint i = 0; i < t; i++)
                {
                    ref float gi = ref Unsafe.Add(ref g, i * t);
                    ref float pi = ref Unsafe.Add(ref p, i * t);
                    ref float mi = ref Unsafe.Add(ref m0, dropout ? head + i * t : 0);
                    V total = V.Zero;
                    for (nint j = 0; j < t; j += n)
                    {
                        V dp = V.Load(ref Unsafe.Add(ref gi, j));
                        if (dropout)
                        {
                            dp = V.Multiply(dp, V.Load(ref Unsafe.Add(ref mi, j)));
                            V.Store(ref Unsafe.Add(ref gi, j), dp);
                        }
                        total = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref pi, j)), dp, total);
                    }
                    V weighted = V.Broadcast(SimdReduce.Sum(total));
                    for (nint j = 0; j < t; j += n)
                        V.Store(ref Unsafe.Add(ref gi, j),
                            V.Multiply(V.Multiply(V.Load(ref Unsafe.Add(ref pi, j)), V.Subtract(V.Load(ref Unsafe.Add(ref gi, j)), weighted)), scale));
                }
                // dQ = dS·K, dK = dSᵀ·Q
                Multiply<V>(ref g, t, 1, ref Unsafe.Add(ref sample, embed + h * d), qkvStride, t, ref Unsafe.Add(ref dSample, h * d), qkvStride, t, d);
                Multiply<V>(ref g, 1, t, ref Unsafe.Add(ref sample, h * d), qkvStride, t, ref Unsafe.Add(ref dSample, embed + h * d), qkvStride, t, d);
            }
        }
    }

    /// <summary>
    /// One query's scores → probabilities in place: keys after <paramref name="last"/> and padding keys get zero; a
    /// query that sees no key gets zeros everywhere (its context is then zero too).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SoftmaxRow<V>(ref float row, int steps, int last, ReadOnlySpan<float> keyBias) where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (int j = last + 1; j < steps; j++) Unsafe.Add(ref row, j) = float.NegativeInfinity;
        bool padded = !keyBias.IsEmpty;
        ref float bias = ref MemoryMarshal.GetReference(keyBias);
        V max = V.Broadcast(float.NegativeInfinity);
        for (nint j = 0; j < steps; j += n)
        {
            V s = V.Load(ref Unsafe.Add(ref row, j));
            if (padded)
            {
                s = V.Add(s, V.Load(ref Unsafe.Add(ref bias, j)));
                V.Store(ref Unsafe.Add(ref row, j), s);
            }
            max = V.Max(max, s);
        }
        float m = Max(max);
        if (m == float.NegativeInfinity)
        {
            MemoryMarshal.CreateSpan(ref row, steps).Clear();
            return;
        }
        V shift = V.Broadcast(m), total = V.Zero;
        for (nint j = 0; j < steps; j += n)
        {
            V e = SimdMath.Exp(V.Subtract(V.Load(ref Unsafe.Add(ref row, j)), shift));
            V.Store(ref Unsafe.Add(ref row, j), e);
            total = V.Add(total, e);
        }
        V inverse = V.Broadcast(1f / SimdReduce.Sum(total));
        for (nint j = 0; j < steps; j += n)
            V.Store(ref Unsafe.Add(ref row, j), V.Multiply(V.Load(ref Unsafe.Add(ref row, j)), inverse));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Max<V>(V value) where V : struct, ISimdVector<V>
    {
        float m = float.NegativeInfinity;
        for (int i = 0; i < V.Count; i++)
        {
            float x = Unsafe.Add(ref Unsafe.As<V, float>(ref value), i);
            if (x > m) m = x;
        }
        return m;
    }

    /// <summary>
    /// <c>c[i·cStride + j] = Σₖ a[i·aStride + k·aStep] · b[k·bStride + j]</c> for <c>i &lt; rows</c>, <c>j &lt; width</c> (a multiple of
    /// 16), k &lt; <paramref name="inner"/>, overwriting c; k summed in order, one FMA each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply<V>(ref float a, nint aStride, nint aStep, ref float b, nint bStride, nint inner, ref float c, nint cStride, nint rows, nint width)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        nint i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            ref float a0 = ref Unsafe.Add(ref a, i * aStride);
            ref float a1 = ref Unsafe.Add(ref a0, aStride);
            ref float a2 = ref Unsafe.Add(ref a1, aStride);
            ref float a3 = ref Unsafe.Add(ref a2, aStride);
            ref float ci = ref Unsafe.Add(ref c, i * cStride);
            nint j = 0;
            for (; j + 2 * n <= width; j += 2 * n)
            {
                V s00 = V.Zero, s01 = V.Zero, s10 = V.Zero, s11 = V.Zero, s20 = V.Zero, s21 = V.Zero, s30 = V.Zero, s31 = V.Zero;
                ref float bj = ref Unsafe.Add(ref b, j);
                for (nint k = 0; k < inner; k++)
                {
                    ref float bk = ref Unsafe.Add(ref bj, k * bStride);
                    V b0 = V.Load(ref bk), b1 = V.Load(ref Unsafe.Add(ref bk, n));
                    V x = V.Broadcast(Unsafe.Add(ref a0, k * aStep));
                    s00 = V.MultiplyAdd(x, b0, s00);
                    s01 = V.MultiplyAdd(x, b1, s01);
                    x = V.Broadcast(Unsafe.Add(ref a1, k * aStep));
                    s10 = V.MultiplyAdd(x, b0, s10);
                    s11 = V.MultiplyAdd(x, b1, s11);
                    x = V.Broadcast(Unsafe.Add(ref a2, k * aStep));
                    s20 = V.MultiplyAdd(x, b0, s20);
                    s21 = V.MultiplyAdd(x, b1, s21);
                    x = V.Broadcast(Unsafe.Add(ref a3, k * aStep));
                    s30 = V.MultiplyAdd(x, b0, s30);
                    s31 = V.MultiplyAdd(x, b1, s31);
                }
                ref float cj = ref Unsafe.Add(ref ci, j);
                V.Store(ref cj, s00);
                V.Store(ref Unsafe.Add(ref cj, n), s01);
                cj = ref Unsafe.Add(ref cj, cStride);
                V.Store(ref cj, s10);
                V.Store(ref Unsafe.Add(ref cj, n), s11);
                cj = ref Unsafe.Add(ref cj, cStride);
                V.Store(ref cj, s20);
                V.Store(ref Unsafe.Add(ref cj, n), s21);
                cj = ref Unsafe.Add(ref cj, cStride);
                V.Store(ref cj, s30);
                V.Store(ref Unsafe.Add(ref cj, n), s31);
            }
            for (; j < width; j += n)
            {
                V s0 = V.Zero, s1 = V.Zero, s2 = V.Zero, s3 = V.Zero;
                ref float bj = ref Unsafe.Add(ref b, j);
                for (nint k = 0; k < inner; k++)
                {
                    V b0 = V.Load(ref Unsafe.Add(ref bj, k * bStride));
                    s0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref a0, k * aStep)), b0, s0);
                    s1 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref a1, k * aStep)), b0, s1);
                    s2 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref a2, k * aStep)), b0, s2);
                    s3 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref a3, k * aStep)), b0, s3);
                }
                ref float cj = ref Unsafe.Add(ref ci, j);
                V.Store(ref cj, s0);
                V.Store(ref Unsafe.Add(ref cj, cStride), s1);
                V.Store(ref Unsafe.Add(ref cj, 2 * cStride), s2);
                V.Store(ref Unsafe.Add(ref cj, 3 * cStride), s3);
            }
        }
        for (; i < rows; i++)
        {
            ref float ai = ref Unsafe.Add(ref a, i * aStride);
            ref float ci = ref Unsafe.Add(ref c, i * cStride);
            for (nint j = 0; j < width; j += n)
            {
                V s = V.Zero;
                for (nint k = 0; k < inner; k++)
                    s = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref ai, k * aStep)), V.Load(ref Unsafe.Add(ref b, k * bStride + j)), s);
                V.Store(ref Unsafe.Add(ref ci, j), s);
            }
        }
    }
}
#endif
