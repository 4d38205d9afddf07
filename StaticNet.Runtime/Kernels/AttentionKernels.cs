using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// The core of multi-head self-attention (PyTorch's <c>nn.MultiheadAttention</c>, <c>batch_first=True</c>) between its
/// two projections: per sample, per head <c>h</c> of <c>d = embed/heads</c> features, <c>P = softmax(Q_h·K_hᵀ/√d + mask)</c>
/// over the keys and <c>context_h = P·V_h</c>. The projected rows <c>[q | k | v]</c> of each step lie in one row of
/// <c>qkvStride</c> floats (<c>in_proj_weight</c>'s 3·embed outputs, padded to 16): q at 0, k at embed, v at 2·embed;
/// head <c>h</c> is columns <c>h·d … h·d + d − 1</c> of each. The causal mask hides keys after the query's step.
/// </summary>
/// <remarks>Not for direct use: the generator guarantees the sizes, these methods only assert them.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AttentionKernels
{
    /// <summary>The floats of one sample's attention probabilities: <c>heads·steps·steps</c>.</summary>
    /// <param name="steps">The sequence length.</param>
    /// <param name="heads">The number of heads.</param>
    /// <returns><c>heads·steps·steps</c>.</returns>
    public static int ProbabilityLength(int steps, int heads) => heads * steps * steps;

    /// <summary>Forward: the probabilities (saved for backward) and the context, each head's columns of each step.</summary>
    /// <param name="qkv">The projected input, <c>rows·steps·qkvStride</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="embed">E, the embedding dimension.</param>
    /// <param name="heads">The number of heads, dividing E.</param>
    /// <param name="qkvStride">Floats per step of <paramref name="qkv"/>: 3E rounded up to 16.</param>
    /// <param name="causal">Whether a query sees only the keys up to its own step.</param>
    /// <param name="probabilities">Written: <c>[rows, heads, T, T]</c>, zero where masked; <paramref name="probabilityStride"/> floats per sample.</param>
    /// <param name="probabilityStride">Floats per sample of <paramref name="probabilities"/>, at least <c>heads·T·T</c>.</param>
    /// <param name="context">Written: <c>[rows, T, contextStride]</c>, E values per step (the padding is not written).</param>
    /// <param name="contextStride">Floats per step of <paramref name="context"/>.</param>
    /// <param name="tokens">The key padding mask's source: the samples' token ids, <c>[rows, T]</c>; key j of sample r is
    /// hidden when <c>tokens[r·T + j] == paddingIndex</c> (PyTorch's <c>key_padding_mask</c>). Empty for no mask.</param>
    /// <param name="paddingIndex">The padding token id.</param>
    public static void Forward(ReadOnlySpan<float> qkv, int rows, int steps, int embed, int heads, int qkvStride, bool causal,
        Span<float> probabilities, int probabilityStride, Span<float> context, int contextStride, ReadOnlySpan<int> tokens = default, int paddingIndex = -1)
    {
        ulong unused = 0;
        ForwardTraining(qkv, rows, steps, embed, heads, qkvStride, causal, probabilities, probabilityStride, context, contextStride,
            0f, ref unused, default, tokens, paddingIndex);
    }

    /// <summary>
    /// Forward with attention dropout, as <c>nn.MultiheadAttention(dropout=rate)</c> in training: each probability is kept
    /// with probability <c>1 − rate</c> and scaled by <c>1/(1 − rate)</c> (the mask saved for backward); the context is the
    /// dropped-out probabilities times V. The saved probabilities are the softmax's, before dropout.
    /// </summary>
    /// <param name="qkv">As in <see cref="Forward"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="embed">E.</param>
    /// <param name="heads">The number of heads.</param>
    /// <param name="qkvStride">Floats per step of <paramref name="qkv"/>.</param>
    /// <param name="causal">Whether a query sees only the keys up to its own step.</param>
    /// <param name="probabilities">Written as in <see cref="Forward"/>.</param>
    /// <param name="probabilityStride">Floats per sample of <paramref name="probabilities"/> and <paramref name="mask"/>.</param>
    /// <param name="context">Written as in <see cref="Forward"/>.</param>
    /// <param name="contextStride">Floats per step of <paramref name="context"/>.</param>
    /// <param name="rate">The dropout probability, in [0, 1); 0 draws nothing and leaves <paramref name="mask"/> untouched.</param>
    /// <param name="state">The generator state (<see cref="DropoutKernels"/>'), advanced by one step per unmasked probability.</param>
    /// <param name="mask">Written when <paramref name="rate"/> &gt; 0: 0 or 1/(1 − rate) per probability, laid out as <paramref name="probabilities"/>.</param>
    /// <param name="tokens">As in <see cref="Forward"/>: the token ids whose padding steps are hidden as keys, or empty.</param>
    /// <param name="paddingIndex">The padding token id.</param>
    /// <remarks>
    /// A hidden key's probability is zero, so <see cref="Backward"/> needs no mask. A query that sees no key at all (every
    /// step it may attend to is padding) gets zero probabilities and a zero context, where PyTorch gives NaN.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardTraining(ReadOnlySpan<float> qkv, int rows, int steps, int embed, int heads, int qkvStride, bool causal,
        Span<float> probabilities, int probabilityStride, Span<float> context, int contextStride, float rate, ref ulong state, Span<float> mask,
        ReadOnlySpan<int> tokens = default, int paddingIndex = -1)
    {
        Check(rows, steps, embed, heads, qkvStride, probabilityStride, contextStride, qkv.Length, probabilities.Length, context.Length);
        bool padded = !tokens.IsEmpty;
        if (padded && tokens.Length < rows * steps)
            throw new ArgumentException($"Attention's key padding mask needs {rows * steps} token ids ({rows} rows of {steps}); got {tokens.Length}.");
        bool dropout = rate > 0f;
        if (!(rate >= 0f && rate < 1f) || (dropout && mask.Length < rows * probabilityStride))
            throw new ArgumentException($"Attention dropout needs a rate in [0, 1) and a mask of {rows * probabilityStride} floats; got {rate} and {mask.Length}.");
        float keepBelow = 1f - rate, keepScale = dropout ? 1f / (1f - rate) : 1f;
        ulong random = state;
        int d = embed / heads;
#if NET8_0_OR_GREATER
        if (!dropout && AttentionSimd.Applies(steps, d))
        {
            AttentionSimd.Forward(qkv, rows, steps, embed, heads, qkvStride, causal, probabilities, probabilityStride, context, contextStride, tokens, paddingIndex);
            return;
        }
#endif
        float scale = 1f / MathF.Sqrt(d);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> sample = qkv.Slice(r * steps * qkvStride, steps * qkvStride);
            Span<float> ctx = context.Slice(r * steps * contextStride, steps * contextStride);
            ReadOnlySpan<int> keys = padded ? tokens.Slice(r * steps, steps) : default;
            for (int h = 0; h < heads; h++)
            {
                Span<float> p = probabilities.Slice(r * probabilityStride + h * steps * steps, steps * steps);
                int qo = h * d, ko = embed + h * d, vo = 2 * embed + h * d;
                for (int i = 0; i < steps; i++)
                {
                    ReadOnlySpan<float> q = sample.Slice(i * qkvStride + qo, d);
                    Span<float> pi = p.Slice(i * steps, steps);
                    int last = causal ? i : steps - 1;
                    float max = float.NegativeInfinity;
                    for (int j = 0; j <= last; j++)
                    {
                        if (padded && keys[j] == paddingIndex)
                        {
                            pi[j] = float.NegativeInfinity; // a padding key: exp(−∞) = 0
                            continue;
                        }
                        float s = Dot(q, sample.Slice(j * qkvStride + ko, d)) * scale;
                        pi[j] = s;
                        if (s > max) max = s;
                    }
                    Span<float> c = ctx.Slice(i * contextStride + qo, d);
                    c.Clear();
                    if (max == float.NegativeInfinity)
                    {
                        // Every key this query may see is padding: no probabilities, no context (PyTorch: NaN).
                        pi.Clear();
                        if (dropout) mask.Slice(r * probabilityStride + h * steps * steps + i * steps, steps).Clear();
                        continue;
                    }
                    float sum = 0f;
                    for (int j = 0; j <= last; j++)
                        sum += pi[j] = MathF.Exp(pi[j] - max);
                    float inverse = 1f / sum;
                    for (int j = 0; j <= last; j++) pi[j] *= inverse;
                    pi.Slice(last + 1).Clear();
                    if (dropout)
                    {
                        Span<float> mi = mask.Slice(r * probabilityStride + h * steps * steps + i * steps, steps);
                        for (int j = 0; j <= last; j++)
                        {
                            mi[j] = DropoutKernels.NextUniform(ref random) < keepBelow ? keepScale : 0f;
                            if (mi[j] != 0f) MultiplyAdd(pi[j] * mi[j], sample.Slice(j * qkvStride + vo, d), c);
                        }
                        mi.Slice(last + 1).Clear();
                    }
                    else
                    {
                        for (int j = 0; j <= last; j++)
                            if (pi[j] != 0f) MultiplyAdd(pi[j], sample.Slice(j * qkvStride + vo, d), c);
                    }
                }
            }
        }
        state = random;
    }

    /// <summary>
    /// Backward: from the context's gradient to the gradient of <c>[q | k | v]</c> (overwritten, padding zero), through
    /// the saved probabilities: <c>dV = Pᵀ·dC</c>, <c>dS = P ⊙ (dC·Vᵀ − rowsum(P ⊙ dC·Vᵀ))</c>, <c>dQ = dS·K/√d</c>, <c>dK = dSᵀ·Q/√d</c>.
    /// </summary>
    /// <param name="qkv">The projected input as in <see cref="Forward"/>.</param>
    /// <param name="probabilities">The probabilities <see cref="Forward"/> saved.</param>
    /// <param name="probabilityStride">Floats per sample of <paramref name="probabilities"/>.</param>
    /// <param name="dContext">The context's gradient, <c>[rows, T, contextStride]</c>.</param>
    /// <param name="contextStride">Floats per step of <paramref name="dContext"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="embed">E.</param>
    /// <param name="heads">The number of heads.</param>
    /// <param name="qkvStride">Floats per step of <paramref name="qkv"/> and <paramref name="dQkv"/>.</param>
    /// <param name="causal">Whether the forward pass was causal.</param>
    /// <param name="dQkv">Written: the gradient of <paramref name="qkv"/>, padding zero.</param>
    /// <param name="mask">The dropout mask <see cref="ForwardTraining"/> wrote, or empty for none.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> qkv, ReadOnlySpan<float> probabilities, int probabilityStride,
        ReadOnlySpan<float> dContext, int contextStride, int rows, int steps, int embed, int heads, int qkvStride, bool causal,
        Span<float> dQkv, ReadOnlySpan<float> mask = default)
    {
        bool dropout = !mask.IsEmpty;
        if (dropout && mask.Length < rows * probabilityStride) throw Inconsistent(rows, steps, embed, heads);
        Check(rows, steps, embed, heads, qkvStride, probabilityStride, contextStride, qkv.Length, probabilities.Length, dContext.Length);
        if (dQkv.Length < rows * steps * qkvStride) throw Inconsistent(rows, steps, embed, heads);
        int d = embed / heads;
#if NET8_0_OR_GREATER
        if (AttentionSimd.BackwardApplies(steps, d))
        {
            AttentionSimd.Backward(qkv, probabilities, probabilityStride, dContext, contextStride, rows, steps, embed, heads, qkvStride, dQkv, mask);
            return;
        }
#endif
        float scale = 1f / MathF.Sqrt(d);
        dQkv.Slice(0, rows * steps * qkvStride).Clear();
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> sample = qkv.Slice(r * steps * qkvStride, steps * qkvStride);
            Span<float> dSample = dQkv.Slice(r * steps * qkvStride, steps * qkvStride);
            ReadOnlySpan<float> dc = dContext.Slice(r * steps * contextStride, steps * contextStride);
            for (int h = 0; h < heads; h++)
            {
                ReadOnlySpan<float> p = probabilities.Slice(r * probabilityStride + h * steps * steps, steps * steps);
                int qo = h * d, ko = embed + h * d, vo = 2 * embed + h * d;
                for (int i = 0; i < steps; i++)
                {
                    ReadOnlySpan<float> dci = dc.Slice(i * contextStride + qo, d), qi = sample.Slice(i * qkvStride + qo, d);
                    ReadOnlySpan<float> pi = p.Slice(i * steps, steps);
                    ReadOnlySpan<float> mi = dropout ? mask.Slice(r * probabilityStride + h * steps * steps + i * steps, steps) : default;
                    int last = causal ? i : steps - 1;
                    float weighted = 0f; // Σ_j P_ij·dP_ij, dP_ij = m_ij·(dC_i·V_j)
                    for (int j = 0; j <= last; j++)
                        weighted += pi[j] * (dropout ? mi[j] : 1f) * Dot(dci, sample.Slice(j * qkvStride + vo, d));
                    Span<float> dqi = dSample.Slice(i * qkvStride + qo, d);
                    for (int j = 0; j <= last; j++)
                    {
                        float pij = pi[j], mij = dropout ? mi[j] : 1f;
                        if (pij == 0f) continue;
                        if (mij != 0f) MultiplyAdd(pij * mij, dci, dSample.Slice(j * qkvStride + vo, d)); // dV_j += P'_ij·dC_i
                        float ds = pij * (mij * Dot(dci, sample.Slice(j * qkvStride + vo, d)) - weighted) * scale;
                        MultiplyAdd(ds, sample.Slice(j * qkvStride + ko, d), dqi); // dQ_i += dS_ij·K_j/√d
                        MultiplyAdd(ds, qi, dSample.Slice(j * qkvStride + ko, d)); // dK_j += dS_ij·Q_i/√d
                    }
                }
            }
        }
    }

    /// <summary>
    /// One streaming step of causal self-attention with a key/value cache: the step's k and v replace the oldest of the
    /// last <paramref name="window"/> steps' (a ring), and its q attends to every cached step, so that step t gives what
    /// <see cref="Forward"/> gives at the last position of a sequence made of the window's steps.
    /// </summary>
    /// <param name="qkv">The step's projected <c>[q | k | v]</c>, at least 3·embed floats.</param>
    /// <param name="embed">E.</param>
    /// <param name="heads">The number of heads, dividing E.</param>
    /// <param name="window">The steps the cache holds (the network's sequence length T).</param>
    /// <param name="cacheStride">Floats per cached step (E padded to 16).</param>
    /// <param name="keys">The key cache, <c>window·cacheStride</c> floats, updated.</param>
    /// <param name="values">The value cache, <c>window·cacheStride</c> floats, updated.</param>
    /// <param name="seen">The steps seen since the cache was cleared (0 after a reset), advanced by one.</param>
    /// <param name="scores">Scratch, at least <paramref name="window"/> floats.</param>
    /// <param name="context">Written: the step's context, E floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(ReadOnlySpan<float> qkv, int embed, int heads, int window, int cacheStride, Span<float> keys, Span<float> values,
        ref int seen, Span<float> scores, Span<float> context)
    {
        if (embed <= 0 || heads <= 0 || embed % heads != 0 || window <= 0 || cacheStride < embed || qkv.Length < 3 * embed ||
            keys.Length < window * cacheStride || values.Length < window * cacheStride || scores.Length < window || context.Length < embed || seen < 0)
            throw new ArgumentException($"Attention step called with inconsistent sizes: embed {embed}, {heads} heads, window {window}, cache stride {cacheStride}.");
        int slot = seen % window;
        qkv.Slice(embed, embed).CopyTo(keys.Slice(slot * cacheStride, embed));
        qkv.Slice(2 * embed, embed).CopyTo(values.Slice(slot * cacheStride, embed));
        seen = seen == int.MaxValue ? window + (seen - window + 1) % window : seen + 1; // keeps seen % window advancing
        int count = Math.Min(seen, window), d = embed / heads;
        float scale = 1f / MathF.Sqrt(d);
        for (int h = 0; h < heads; h++)
        {
            ReadOnlySpan<float> q = qkv.Slice(h * d, d);
            float max = float.NegativeInfinity;
            for (int j = 0; j < count; j++)
            {
                float s = Dot(q, keys.Slice(j * cacheStride + h * d, d)) * scale;
                scores[j] = s;
                if (s > max) max = s;
            }
            float sum = 0f;
            for (int j = 0; j < count; j++) sum += scores[j] = MathF.Exp(scores[j] - max);
            float inverse = 1f / sum;
            Span<float> c = context.Slice(h * d, d);
            c.Clear();
            for (int j = 0; j < count; j++)
                MultiplyAdd(scores[j] * inverse, values.Slice(j * cacheStride + h * d, d), c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
#if NET8_0_OR_GREATER
        if (KernelOptions.Path == 512 && a.Length % 16 == 0)
        {
            // A head of 16·k features: whole 512-bit vectors, no call and no remainder (the usual head sizes 16, 32, 64).
            ref float ar = ref MemoryMarshal.GetReference(a);
            ref float br = ref MemoryMarshal.GetReference(b);
            V512 total = V512.Zero;
            for (int k = 0; k < a.Length; k += 16)
                total = V512.MultiplyAdd(V512.Load(ref Unsafe.Add(ref ar, k)), ref Unsafe.Add(ref br, k), total);
            return SimdReduce.Sum(total);
        }
        if (KernelOptions.Path != 0)
            return System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
#endif
        float sum = 0f;
        for (int k = 0; k < a.Length; k++) sum += a[k] * b[k];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(float a, ReadOnlySpan<float> x, Span<float> y)
    {
#if NET8_0_OR_GREATER
        if (KernelOptions.Path == 512 && x.Length % 16 == 0)
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float yr = ref MemoryMarshal.GetReference(y);
            V512 scale = V512.Broadcast(a);
            for (int k = 0; k < x.Length; k += 16)
                V512.Store(ref Unsafe.Add(ref yr, k), V512.MultiplyAdd(scale, ref Unsafe.Add(ref xr, k), V512.Load(ref Unsafe.Add(ref yr, k))));
            return;
        }
        if (KernelOptions.Path != 0)
        {
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(x, a, y, y);
            return;
        }
#endif
        for (int k = 0; k < x.Length; k++) y[k] += a * x[k];
    }

    private static void Check(int rows, int steps, int embed, int heads, int qkvStride, int probabilityStride, int contextStride,
        int qkvLength, int probabilityLength, int contextLength)
    {
        if (rows <= 0 || steps <= 0 || embed <= 0 || heads <= 0 || embed % heads != 0 || qkvStride < 3 * embed ||
            contextStride < embed || probabilityStride < heads * steps * steps ||
            qkvLength < (long)rows * steps * qkvStride || probabilityLength < (long)rows * probabilityStride ||
            contextLength < (long)rows * steps * contextStride)
            throw Inconsistent(rows, steps, embed, heads);
    }

    private static ArgumentException Inconsistent(int rows, int steps, int embed, int heads) => new(
        $"Attention kernel called with inconsistent sizes: {rows} rows of {steps} steps, embed {embed}, {heads} heads; expected " +
        "heads dividing embed, a q|k|v stride of at least 3·embed and buffers that hold every row.");
}
