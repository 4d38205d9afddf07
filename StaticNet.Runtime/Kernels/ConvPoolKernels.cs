using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
#if NET8_0_OR_GREATER
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
#endif

namespace StaticNet.Kernels;

/// <summary>
/// Inference's convolution + bias + (ReLU) + 2×2 max pool (stride 2) in one pass: the convolution's output never goes to
/// memory, only the pooled values do, in the pool's channels-last layout or, when a Flatten follows, straight in
/// PyTorch's flattened order (channel, then position). Issue 20: the Fashion-MNIST CNN's batch-1 <c>Forward</c>, where
/// the separate ReLU, pooling and flatten passes cost about as much as the first convolution.
/// </summary>
/// <remarks>
/// <para>The result is the same, bit for bit, as <see cref="ConvKernels.Forward"/>, then
/// <see cref="ActivationKernels.ReLU"/> on the real channels, then <see cref="PoolKernels.MaxPool"/> with 2×2 windows
/// and stride 2 (then <see cref="LayoutKernels.Reorder"/> for the flattened layout): the fast paths compute each
/// convolution output with the same operations in the same order as the unfused kernel they replace (the one-channel
/// 3×3 direct kernel, Winograd F(2×2, 3×3)), take the window's maximum in the pool's scan order, then apply ReLU once to
/// it (equal to ReLU before the maximum: ReLU is monotone and the maximum returns one of its operands; only a NaN or the
/// sign of a zero could tell them apart). A pooled size is
/// the floor of half the convolution's, as PyTorch's <c>MaxPool2d(2)</c>.</para>
/// <para>When no fast path applies (another geometry, a narrow vector path, scratch too small, or the scalar reference
/// path), it runs exactly that unfused sequence through <c>convOutput</c>, so the generator can always call it.</para>
/// <para>Not for direct use: the generator guarantees the sizes, these methods only assert them.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ConvPoolKernels
{
    /// <summary>
    /// <c>y[r, p, c] = max over the 2×2 window of pooled position p of act(conv(x, W) + b)[c]</c>, act being ReLU or the
    /// identity, written at <c>r·ySample + p·yPosition + c·yChannel</c>.
    /// </summary>
    /// <param name="x">The input, <c>rows</c> samples laid out as <paramref name="g"/> says.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="g">The convolution's shape; its output must be at least 2×2.</param>
    /// <param name="weight">The weight matrix <c>[Taps, OutChannelsPadded]</c>.</param>
    /// <param name="bias">The bias, <c>OutChannelsPadded</c> floats.</param>
    /// <param name="scratch">The convolution's scratch (<see cref="ConvKernels.ScratchLength"/> floats), overwritten.</param>
    /// <param name="relu">Whether to apply ReLU before pooling.</param>
    /// <param name="convOutput">The convolution's output region, <c>rows·OutputSampleLength</c> floats: written only
    /// when no fast path applies, its contents otherwise unspecified.</param>
    /// <param name="y">The pooled output, overwritten at the positions below.</param>
    /// <param name="ySample">The distance between samples of <paramref name="y"/>.</param>
    /// <param name="yPosition">The distance between pooled positions (row-major over the pooled grid).</param>
    /// <param name="yChannel">The distance between channels: 1 for channels last (then the padding channels up to
    /// <c>OutChannelsPadded</c> are written too, as zeros, and <paramref name="yPosition"/> must be at least
    /// <c>OutChannelsPadded</c>), or any other stride (only the real channels are written).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardMaxPool(ReadOnlySpan<float> x, int rows, in ConvGeometry g, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> scratch, bool relu, Span<float> convOutput, Span<float> y,
        int ySample, int yPosition, int yChannel)
    {
        int cp = g.OutChannelsPadded, hp = g.OutHeight / 2, wp = g.OutWidth / 2;
        if (hp < 1 || wp < 1 || rows <= 0 || yPosition <= 0 || yChannel <= 0 || (yChannel == 1 && yPosition < cp))
            throw new ArgumentException(
                $"Fused convolution and max pool called with output {g.OutHeight}x{g.OutWidth}, {rows} rows, y strides position " +
                $"{yPosition} and channel {yChannel}; expected an output of at least 2x2, rows > 0 and, channels last, a position stride of at least {cp}.");
        long extent = (long)(hp * wp - 1) * yPosition + (yChannel == 1 ? cp : (long)(g.OutChannels - 1) * yChannel + 1);
        if (x.Length < (long)(rows - 1) * g.InputSampleStride + g.InputExtent || weight.Length < (long)g.Taps * cp ||
            bias.Length < cp || convOutput.Length < (long)rows * g.OutputSampleLength || ySample < extent ||
            y.Length < (long)(rows - 1) * ySample + extent)
            throw new ArgumentException(
                $"Fused convolution and max pool called with x {x.Length}, weight {weight.Length}, bias {bias.Length}, convolution output " +
                $"{convOutput.Length} and y {y.Length} floats (y sample stride {ySample}); expected at least " +
                $"{(long)(rows - 1) * g.InputSampleStride + g.InputExtent}, {(long)g.Taps * cp}, {cp}, {(long)rows * g.OutputSampleLength} " +
                $"and {(long)(rows - 1) * ySample + extent} (sample stride at least {extent}).");
#if NET8_0_OR_GREATER
        if (!FusedDisabled && KernelOptions.Path != 0)
        {
            var target = new PoolTarget(relu, ySample, yPosition, yChannel, g.OutChannels);
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float wr = ref MemoryMarshal.GetReference(weight);
            ref float br = ref MemoryMarshal.GetReference(bias);
            ref float sr = ref MemoryMarshal.GetReference(scratch);
            ref float yr = ref MemoryMarshal.GetReference(y);
            if (ConvSimd.Direct3x3Applies(g) && !ConvKernels.DirectDisabled && scratch.Length >= ConvSimd.Padded3x3Length(g))
            {
                for (int r = 0; r < rows; r++)
                {
                    ref float xs = ref Unsafe.Add(ref xr, (nint)r * g.InputSampleStride);
                    ref float ys = ref Unsafe.Add(ref yr, (nint)r * ySample);
                    switch (ConvSimd.Direct3x3Vector(g, KernelOptions.Path))
                    {
                        case 512: ConvPoolSimd.Direct3x3MaxPool<V512>(ref xs, g, ref wr, ref br, ref sr, target, ref ys); break;
                        case 256: ConvPoolSimd.Direct3x3MaxPool<V256>(ref xs, g, ref wr, ref br, ref sr, target, ref ys); break;
                        default: ConvPoolSimd.Direct3x3MaxPool<V128>(ref xs, g, ref wr, ref br, ref sr, target, ref ys); break;
                    }
                }
                return;
            }
            // The same conditions as ConvKernels.Forward's Winograd path, so that the fused result equals the unfused one.
            if (!ConvKernels.WinogradDisabled && !ConvKernels.UseDirect(g) && KernelOptions.Path >= 256 && scratch.Length >= ConvWinograd.ScratchNeeded(g) &&
                (KernelOptions.Path == 512 ? ConvWinograd.Applies<V512>(g) : ConvWinograd.Applies<V256>(g)))
            {
                if (KernelOptions.Path == 512)
                    ConvWinograd.Forward<V512>(ref xr, rows, g, ref wr, ref br, ref sr, scratch.Length, ref yr, target);
                else
                    ConvWinograd.Forward<V256>(ref xr, rows, g, ref wr, ref br, ref sr, scratch.Length, ref yr, target);
                return;
            }
        }
#endif
        Unfused(x, rows, g, weight, bias, scratch, relu, convOutput, y, ySample, yPosition, yChannel);
    }

    /// <summary>For tests and benchmarks: forces the unfused sequence (the convolution's own fast paths still apply).</summary>
    [ThreadStatic] internal static bool FusedDisabled;

    /// <summary>The reference: the convolution into <paramref name="convOutput"/>, ReLU, then the pool read from it.</summary>
    private static void Unfused(ReadOnlySpan<float> x, int rows, in ConvGeometry g, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> scratch, bool relu, Span<float> convOutput, Span<float> y,
        int ySample, int yPosition, int yChannel)
    {
        int cp = g.OutChannelsPadded, h = g.OutHeight, w = g.OutWidth, hp = h / 2, wp = w / 2;
        ConvKernels.Forward(x, rows, g, weight, bias, scratch, convOutput);
        if (relu) ActivationKernels.ReLU(convOutput, rows * g.OutPositions, g.OutChannels, cp);
        if (yChannel == 1 && yPosition == cp && ySample == hp * wp * cp)
        {
            PoolKernels.MaxPool(convOutput, rows, h, w, cp, 2, 2, 2, 2, y);
            return;
        }
        int channels = yChannel == 1 ? cp : g.OutChannels;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> c = convOutput.Slice(r * g.OutputSampleLength, g.OutputSampleLength);
            Span<float> ys = y.Slice(r * ySample);
            for (int ph = 0; ph < hp; ph++)
                for (int pw = 0; pw < wp; pw++)
                {
                    int top = (2 * ph * w + 2 * pw) * cp, bottom = top + w * cp;
                    for (int ch = 0; ch < channels; ch++)
                    {
                        float m = MathF.Max(c[top + ch], c[top + cp + ch]); // the pool's scan order
                        m = MathF.Max(m, c[bottom + ch]);
                        ys[(ph * wp + pw) * yPosition + ch * yChannel] = MathF.Max(m, c[bottom + cp + ch]);
                    }
                }
        }
    }
}

/// <summary>Where and how a fused 2×2 max pool writes: ReLU or not, and the strides of the pooled output.</summary>
internal readonly struct PoolTarget
{
    public PoolTarget(bool relu, nint sample, nint position, nint channel, int channels)
    {
        ReLU = relu;
        Sample = sample;
        Position = position;
        Channel = channel;
        Channels = channels;
    }

    /// <summary>Whether ReLU applies before the maximum.</summary>
    public bool ReLU { get; }

    /// <summary>The distance between samples of the pooled output.</summary>
    public nint Sample { get; }

    /// <summary>The distance between pooled positions.</summary>
    public nint Position { get; }

    /// <summary>The distance between channels (1: channels last, padding channels written too).</summary>
    public nint Channel { get; }

    /// <summary>The real channels, the only ones written when <see cref="Channel"/> is not 1.</summary>
    public int Channels { get; }
}

#if NET8_0_OR_GREATER
/// <summary>The SIMD halves of <see cref="ConvPoolKernels"/>.</summary>
internal static class ConvPoolSimd
{
    /// <summary>
    /// <see cref="ConvSimd.Direct3x3Forward{V}"/> with ReLU and the 2×2 pool fused: for each pair of output rows, tiles of
    /// 8 outputs along the row (4 pooled outputs; a row's last tile overlaps the one before when the pooled width is not
    /// a multiple of 4). The nine weight vectors stay in registers; the first row's 8 accumulators are reduced to 4
    /// maxima of horizontal pairs before the second row's are computed (the two rows are a loop, not unrolled, which
    /// keeps the method small enough for the JIT to inline every vector operation). Each convolution output is the same
    /// chain of multiply-adds as the unfused kernel's; the maximum is taken in the pool's scan order (top-left,
    /// top-right, bottom-left, bottom-right).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Direct3x3MaxPool<V>(ref float x, in ConvGeometry g, ref float weight, ref float bias, ref float padded,
        in PoolTarget target, ref float y) where V : struct, ISimdVector<V>
    {
        if (typeof(V) == typeof(V512) && target.ReLU && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            Direct3x3MaxPoolReLU512(ref x, g, ref weight, ref bias, ref padded, target, ref y);
            return;
        }
        nint n = V.Count, coutPad = g.OutChannelsPadded, pw = g.OutWidth + 2, hp = g.OutHeight / 2, wp = g.OutWidth / 2;
        ConvSimd.PadPlane3x3<V>(ref x, g, ref padded);
        bool relu = target.ReLU;
        nint end = ConvSimd.RealVectors3x3<V>(g);
        ClearPadding(target, ref y, hp * wp, end, coutPad);
        for (nint v = 0; v < end; v += n)
        {
            V b = V.Load(ref Unsafe.Add(ref bias, v));
            ref float wv = ref Unsafe.Add(ref weight, v);
            V w0 = V.Load(ref wv), w1 = V.Load(ref Unsafe.Add(ref wv, coutPad)), w2 = V.Load(ref Unsafe.Add(ref wv, 2 * coutPad));
            V w3 = V.Load(ref Unsafe.Add(ref wv, 3 * coutPad)), w4 = V.Load(ref Unsafe.Add(ref wv, 4 * coutPad)), w5 = V.Load(ref Unsafe.Add(ref wv, 5 * coutPad));
            V w6 = V.Load(ref Unsafe.Add(ref wv, 6 * coutPad)), w7 = V.Load(ref Unsafe.Add(ref wv, 7 * coutPad)), w8 = V.Load(ref Unsafe.Add(ref wv, 8 * coutPad));
            for (nint ph = 0; ph < hp; ph++)
            {
                ref float p0 = ref Unsafe.Add(ref padded, 2 * ph * pw);
                for (nint q = 0; q < wp; q += 4)
                {
                    if (q + 4 > wp) q = wp - 4;
                    V m0 = V.Zero, m1 = V.Zero, m2 = V.Zero, m3 = V.Zero;
                    for (nint row = 0; row < 2; row++)
                    {
                        ref float top = ref Unsafe.Add(ref p0, row * pw + 2 * q);
                        V a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
                        ConvSimd.Row3<V>(ref top, w0, w1, w2, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                        ConvSimd.Row3<V>(ref Unsafe.Add(ref top, pw), w3, w4, w5, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                        ConvSimd.Row3<V>(ref Unsafe.Add(ref top, 2 * pw), w6, w7, w8, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                        if (row == 0)
                        {
                            m0 = V.Max(a0, a1); m1 = V.Max(a2, a3); m2 = V.Max(a4, a5); m3 = V.Max(a6, a7);
                            continue;
                        }
                        nint p = ph * wp + q;
                        Store(Act(V.Max(V.Max(m0, a0), a1), relu), target, ref y, p, v);
                        Store(Act(V.Max(V.Max(m1, a2), a3), relu), target, ref y, p + 1, v);
                        Store(Act(V.Max(V.Max(m2, a4), a5), relu), target, ref y, p + 2, v);
                        Store(Act(V.Max(V.Max(m3, a6), a7), relu), target, ref y, p + 3, v);
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Direct3x3MaxPool{V}"/> with ReLU on 512-bit vectors, the window's maximum and ReLU taken with the
    /// processor's plain maximum (vmaxps: one instruction, where the IEEE <c>Vector512.Max</c> is four) and one NaN
    /// fix-up per pooled vector. <c>max(max(max(a, b), c), d)</c> then <c>max(·, +0)</c> equals
    /// <c>ReLU(IEEE max(a, b, c, d))</c> bit for bit whenever no operand is NaN (the two differ only in the sign of a
    /// zero maximum, which ReLU's +0 erases); vmaxps drops a NaN first operand, so the lanes where one of the four is NaN
    /// (two unordered compares) are set to NaN, as PyTorch's <c>MaxPool2d</c> and ReLU propagate it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Direct3x3MaxPoolReLU512(ref float x, in ConvGeometry g, ref float weight, ref float bias, ref float padded,
        in PoolTarget target, ref float y)
    {
        nint n = V512.Count, coutPad = g.OutChannelsPadded, pw = g.OutWidth + 2, hp = g.OutHeight / 2, wp = g.OutWidth / 2;
        ConvSimd.PadPlane3x3<V512>(ref x, g, ref padded);
        // No NaN, no infinity, no overflow anywhere in the multiply-add chains (|b| + 9·max|x|·max|w| well below the
        // largest float): then no convolution output is NaN and the NaN fix-up is skipped (one scan of the plane, the
        // weights and the bias, about 70 vector operations, against six per pooled vector).
        double bound = MaxAbs(ref bias, coutPad) + 9.0 * MaxAbs(ref padded, (g.OutHeight + 2) * pw) * MaxAbs(ref weight, 9 * coutPad);
        bool finite = bound < 1e38, overlap = TailTilesDisabled, last = target.Channel == 1;
        for (nint v = 0; v < coutPad; v += n)
        {
            ref float bv = ref Unsafe.Add(ref bias, v);
            ref float wv = ref Unsafe.Add(ref weight, v);
            if (finite)
            {
                if (last) Plane<Yes, Yes>(ref padded, pw, hp, wp, ref bv, ref wv, coutPad, overlap, target, ref y, v);
                else Plane<Yes, No>(ref padded, pw, hp, wp, ref bv, ref wv, coutPad, overlap, target, ref y, v);
            }
            else if (last) Plane<No, Yes>(ref padded, pw, hp, wp, ref bv, ref wv, coutPad, overlap, target, ref y, v);
            else Plane<No, No>(ref padded, pw, hp, wp, ref bv, ref wv, coutPad, overlap, target, ref y, v);
        }
    }

    /// <summary>A flag known when the JIT compiles a generic method (a struct type argument): no test at run time.</summary>
    private interface IFlag
    {
        static abstract bool Value { get; }
    }

    private struct Yes : IFlag
    {
        public static bool Value => true;
    }

    private struct No : IFlag
    {
        public static bool Value => false;
    }

    /// <summary>
    /// One vector of 16 output channels of <see cref="Direct3x3MaxPoolReLU512"/> over the whole plane: per pooled row,
    /// tiles of 4 pooled outputs, then (when the pooled width is not a multiple of 4) a tile of 2 and/or 1, so no output
    /// is computed twice. Each tile width is its own inlined code with its own registers (raw intrinsics: no wrapper
    /// operation to inline, so the JIT's inlining budget is not reached); whether the window can hold a NaN
    /// (<typeparamref name="TFinite"/>) and whether the output is channels last (<typeparamref name="TLast"/>) are type
    /// arguments, so each of the four variants is compiled without those tests, once (not tiered, no dynamic PGO).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Plane<TFinite, TLast>(ref float padded, nint pw, nint hp, nint wp, ref float bias, ref float weight, nint coutPad,
        bool overlap, in PoolTarget target, ref float y, nint v) where TFinite : struct, IFlag where TLast : struct, IFlag
    {
        var b = Vector512.LoadUnsafe(ref bias);
        Vector512<float> w0 = Vector512.LoadUnsafe(ref weight), w1 = Vector512.LoadUnsafe(ref weight, (nuint)coutPad), w2 = Vector512.LoadUnsafe(ref weight, (nuint)(2 * coutPad));
        Vector512<float> w3 = Vector512.LoadUnsafe(ref weight, (nuint)(3 * coutPad)), w4 = Vector512.LoadUnsafe(ref weight, (nuint)(4 * coutPad)), w5 = Vector512.LoadUnsafe(ref weight, (nuint)(5 * coutPad));
        Vector512<float> w6 = Vector512.LoadUnsafe(ref weight, (nuint)(6 * coutPad)), w7 = Vector512.LoadUnsafe(ref weight, (nuint)(7 * coutPad)), w8 = Vector512.LoadUnsafe(ref weight, (nuint)(8 * coutPad));
        for (nint ph = 0; ph < hp; ph++)
        {
            ref float p0 = ref Unsafe.Add(ref padded, 2 * ph * pw);
            nint q = 0;
            for (; q + 4 <= wp; q += 4)
                Tile8<TFinite, TLast>(ref p0, pw, q, b, w0, w1, w2, w3, w4, w5, w6, w7, w8, target, ref y, ph * wp + q, v);
            if (q == wp) continue;
            if (overlap)
            {
                // Before the tail tiles: the last 4 pooled outputs again, overlapping the tile before.
                Tile8<TFinite, TLast>(ref p0, pw, wp - 4, b, w0, w1, w2, w3, w4, w5, w6, w7, w8, target, ref y, ph * wp + wp - 4, v);
                continue;
            }
            if (q + 2 <= wp)
            {
                Tile4<TFinite, TLast>(ref p0, pw, q, b, w0, w1, w2, w3, w4, w5, w6, w7, w8, target, ref y, ph * wp + q, v);
                q += 2;
            }
            if (q < wp)
                Tile2<TFinite, TLast>(ref p0, pw, q, b, w0, w1, w2, w3, w4, w5, w6, w7, w8, target, ref y, ph * wp + q, v);
        }
    }

    /// <summary>
    /// For tests and benchmarks: the 512-bit ReLU kernel covers a pooled width that is not a multiple of 4 with a last
    /// tile overlapping the one before (as before the tail tiles of 2 and 1 pooled outputs), instead of the tail tiles.
    /// </summary>
    [ThreadStatic] internal static bool TailTilesDisabled;

    /// <summary>
    /// Four pooled outputs (pooled row <c>ph</c>, columns <c>q … q + 3</c>) from the two convolution rows at
    /// <paramref name="p0"/>, 8 outputs each: the chains of <see cref="ConvSimd.Row3{V}"/>, in raw intrinsics so that
    /// the kernel's three tile widths inline without calls (each wrapper operation would be an inlinee of its own).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile8<TFinite, TLast>(ref float p0, nint pw, nint q, Vector512<float> b, Vector512<float> w0, Vector512<float> w1,
        Vector512<float> w2, Vector512<float> w3, Vector512<float> w4, Vector512<float> w5, Vector512<float> w6, Vector512<float> w7,
        Vector512<float> w8, in PoolTarget target, ref float y, nint p, nint v) where TFinite : struct, IFlag where TLast : struct, IFlag
    {
        Vector512<float> m0 = default, m1 = default, m2 = default, m3 = default;
        Vector512<float> u0 = default, u1 = default, u2 = default, u3 = default;
        for (nint row = 0; row < 2; row++)
        {
            ref float top = ref Unsafe.Add(ref p0, row * pw + 2 * q);
            Vector512<float> a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
            Row8(ref top, w0, w1, w2, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
            Row8(ref Unsafe.Add(ref top, pw), w3, w4, w5, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
            Row8(ref Unsafe.Add(ref top, 2 * pw), w6, w7, w8, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
            if (row == 0)
            {
                m0 = Avx512F.Max(a0, a1); m1 = Avx512F.Max(a2, a3); m2 = Avx512F.Max(a4, a5); m3 = Avx512F.Max(a6, a7);
                if (!TFinite.Value)
                {
                    u0 = Avx512F.CompareUnordered(a0, a1); u1 = Avx512F.CompareUnordered(a2, a3);
                    u2 = Avx512F.CompareUnordered(a4, a5); u3 = Avx512F.CompareUnordered(a6, a7);
                }
                continue;
            }
            StorePooled<TFinite, TLast>(m0, u0, a0, a1, target, ref y, p, v);
            StorePooled<TFinite, TLast>(m1, u1, a2, a3, target, ref y, p + 1, v);
            StorePooled<TFinite, TLast>(m2, u2, a4, a5, target, ref y, p + 2, v);
            StorePooled<TFinite, TLast>(m3, u3, a6, a7, target, ref y, p + 3, v);
        }
    }

    /// <summary><see cref="Tile8"/> for two pooled outputs (4 convolution outputs per row): the tail of a pooled width 4k + 2 or 4k + 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4<TFinite, TLast>(ref float p0, nint pw, nint q, Vector512<float> b, Vector512<float> w0, Vector512<float> w1,
        Vector512<float> w2, Vector512<float> w3, Vector512<float> w4, Vector512<float> w5, Vector512<float> w6, Vector512<float> w7,
        Vector512<float> w8, in PoolTarget target, ref float y, nint p, nint v) where TFinite : struct, IFlag where TLast : struct, IFlag
    {
        Vector512<float> m0 = default, m1 = default, u0 = default, u1 = default;
        for (nint row = 0; row < 2; row++)
        {
            ref float top = ref Unsafe.Add(ref p0, row * pw + 2 * q);
            Vector512<float> a0 = b, a1 = b, a2 = b, a3 = b;
            Row4(ref top, w0, w1, w2, ref a0, ref a1, ref a2, ref a3);
            Row4(ref Unsafe.Add(ref top, pw), w3, w4, w5, ref a0, ref a1, ref a2, ref a3);
            Row4(ref Unsafe.Add(ref top, 2 * pw), w6, w7, w8, ref a0, ref a1, ref a2, ref a3);
            if (row == 0)
            {
                m0 = Avx512F.Max(a0, a1); m1 = Avx512F.Max(a2, a3);
                if (!TFinite.Value)
                {
                    u0 = Avx512F.CompareUnordered(a0, a1); u1 = Avx512F.CompareUnordered(a2, a3);
                }
                continue;
            }
            StorePooled<TFinite, TLast>(m0, u0, a0, a1, target, ref y, p, v);
            StorePooled<TFinite, TLast>(m1, u1, a2, a3, target, ref y, p + 1, v);
        }
    }

    /// <summary><see cref="Tile8"/> for one pooled output (2 convolution outputs per row): the tail of a pooled width 4k + 1 or 4k + 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile2<TFinite, TLast>(ref float p0, nint pw, nint q, Vector512<float> b, Vector512<float> w0, Vector512<float> w1,
        Vector512<float> w2, Vector512<float> w3, Vector512<float> w4, Vector512<float> w5, Vector512<float> w6, Vector512<float> w7,
        Vector512<float> w8, in PoolTarget target, ref float y, nint p, nint v) where TFinite : struct, IFlag where TLast : struct, IFlag
    {
        Vector512<float> m0 = default, u0 = default;
        for (nint row = 0; row < 2; row++)
        {
            ref float top = ref Unsafe.Add(ref p0, row * pw + 2 * q);
            Vector512<float> a0 = b, a1 = b;
            Row2(ref top, w0, w1, w2, ref a0, ref a1);
            Row2(ref Unsafe.Add(ref top, pw), w3, w4, w5, ref a0, ref a1);
            Row2(ref Unsafe.Add(ref top, 2 * pw), w6, w7, w8, ref a0, ref a1);
            if (row == 0)
            {
                m0 = Avx512F.Max(a0, a1);
                if (!TFinite.Value) u0 = Avx512F.CompareUnordered(a0, a1);
                continue;
            }
            StorePooled<TFinite, TLast>(m0, u0, a0, a1, target, ref y, p, v);
        }
    }

    /// <summary>ReLU of a window's maximum (the top pair's maximum and NaN mask, the bottom pair), stored at pooled position <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePooled<TFinite, TLast>(Vector512<float> top, Vector512<float> topNaN, Vector512<float> c, Vector512<float> d,
        in PoolTarget target, ref float y, nint p, nint v) where TFinite : struct, IFlag where TLast : struct, IFlag
    {
        var m = Avx512F.Max(Avx512F.Max(Avx512F.Max(top, c), d), Vector512<float>.Zero); // NaN and ±0 give +0
        if (!TFinite.Value) m = Vector512.ConditionalSelect(topNaN | Avx512F.CompareUnordered(c, d), Vector512.Create(float.NaN), m);
        if (TLast.Value)
            Vector512.StoreUnsafe(m, ref Unsafe.Add(ref y, p * target.Position + v));
        else
            Store(Unsafe.BitCast<Vector512<float>, V512>(m), target, ref y, p, v);
    }

    /// <summary><see cref="ConvSimd.Row3{V}"/> in raw intrinsics: one kernel row of 8 outputs, ten inputs broadcast once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row8(ref float p, Vector512<float> w0, Vector512<float> w1, Vector512<float> w2, ref Vector512<float> a0,
        ref Vector512<float> a1, ref Vector512<float> a2, ref Vector512<float> a3, ref Vector512<float> a4, ref Vector512<float> a5,
        ref Vector512<float> a6, ref Vector512<float> a7)
    {
        var x0 = Vector512.Create(p); var x1 = Vector512.Create(Unsafe.Add(ref p, 1)); var x2 = Vector512.Create(Unsafe.Add(ref p, 2));
        a0 = Avx512F.FusedMultiplyAdd(w0, x0, a0);
        a0 = Avx512F.FusedMultiplyAdd(w1, x1, a0);
        a1 = Avx512F.FusedMultiplyAdd(w0, x1, a1);
        var x3 = Vector512.Create(Unsafe.Add(ref p, 3));
        a0 = Avx512F.FusedMultiplyAdd(w2, x2, a0);
        a1 = Avx512F.FusedMultiplyAdd(w1, x2, a1);
        a2 = Avx512F.FusedMultiplyAdd(w0, x2, a2);
        var x4 = Vector512.Create(Unsafe.Add(ref p, 4));
        a1 = Avx512F.FusedMultiplyAdd(w2, x3, a1);
        a2 = Avx512F.FusedMultiplyAdd(w1, x3, a2);
        a3 = Avx512F.FusedMultiplyAdd(w0, x3, a3);
        var x5 = Vector512.Create(Unsafe.Add(ref p, 5));
        a2 = Avx512F.FusedMultiplyAdd(w2, x4, a2);
        a3 = Avx512F.FusedMultiplyAdd(w1, x4, a3);
        a4 = Avx512F.FusedMultiplyAdd(w0, x4, a4);
        var x6 = Vector512.Create(Unsafe.Add(ref p, 6));
        a3 = Avx512F.FusedMultiplyAdd(w2, x5, a3);
        a4 = Avx512F.FusedMultiplyAdd(w1, x5, a4);
        a5 = Avx512F.FusedMultiplyAdd(w0, x5, a5);
        var x7 = Vector512.Create(Unsafe.Add(ref p, 7));
        a4 = Avx512F.FusedMultiplyAdd(w2, x6, a4);
        a5 = Avx512F.FusedMultiplyAdd(w1, x6, a5);
        a6 = Avx512F.FusedMultiplyAdd(w0, x6, a6);
        var x8 = Vector512.Create(Unsafe.Add(ref p, 8));
        a5 = Avx512F.FusedMultiplyAdd(w2, x7, a5);
        a6 = Avx512F.FusedMultiplyAdd(w1, x7, a6);
        a7 = Avx512F.FusedMultiplyAdd(w0, x7, a7);
        var x9 = Vector512.Create(Unsafe.Add(ref p, 9));
        a6 = Avx512F.FusedMultiplyAdd(w2, x8, a6);
        a7 = Avx512F.FusedMultiplyAdd(w1, x8, a7);
        a7 = Avx512F.FusedMultiplyAdd(w2, x9, a7);
    }

    /// <summary><see cref="Row8"/> for 4 outputs: six inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row4(ref float p, Vector512<float> w0, Vector512<float> w1, Vector512<float> w2, ref Vector512<float> a0,
        ref Vector512<float> a1, ref Vector512<float> a2, ref Vector512<float> a3)
    {
        var x0 = Vector512.Create(p); var x1 = Vector512.Create(Unsafe.Add(ref p, 1)); var x2 = Vector512.Create(Unsafe.Add(ref p, 2));
        a0 = Avx512F.FusedMultiplyAdd(w0, x0, a0);
        a0 = Avx512F.FusedMultiplyAdd(w1, x1, a0);
        a1 = Avx512F.FusedMultiplyAdd(w0, x1, a1);
        var x3 = Vector512.Create(Unsafe.Add(ref p, 3));
        a0 = Avx512F.FusedMultiplyAdd(w2, x2, a0);
        a1 = Avx512F.FusedMultiplyAdd(w1, x2, a1);
        a2 = Avx512F.FusedMultiplyAdd(w0, x2, a2);
        var x4 = Vector512.Create(Unsafe.Add(ref p, 4));
        a1 = Avx512F.FusedMultiplyAdd(w2, x3, a1);
        a2 = Avx512F.FusedMultiplyAdd(w1, x3, a2);
        a3 = Avx512F.FusedMultiplyAdd(w0, x3, a3);
        var x5 = Vector512.Create(Unsafe.Add(ref p, 5));
        a2 = Avx512F.FusedMultiplyAdd(w2, x4, a2);
        a3 = Avx512F.FusedMultiplyAdd(w1, x4, a3);
        a3 = Avx512F.FusedMultiplyAdd(w2, x5, a3);
    }

    /// <summary><see cref="Row8"/> for 2 outputs: four inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row2(ref float p, Vector512<float> w0, Vector512<float> w1, Vector512<float> w2, ref Vector512<float> a0,
        ref Vector512<float> a1)
    {
        var x0 = Vector512.Create(p); var x1 = Vector512.Create(Unsafe.Add(ref p, 1)); var x2 = Vector512.Create(Unsafe.Add(ref p, 2));
        var x3 = Vector512.Create(Unsafe.Add(ref p, 3));
        a0 = Avx512F.FusedMultiplyAdd(w0, x0, a0);
        a1 = Avx512F.FusedMultiplyAdd(w0, x1, a1);
        a0 = Avx512F.FusedMultiplyAdd(w1, x1, a0);
        a1 = Avx512F.FusedMultiplyAdd(w1, x2, a1);
        a0 = Avx512F.FusedMultiplyAdd(w2, x2, a0);
        a1 = Avx512F.FusedMultiplyAdd(w2, x3, a1);
    }

    /// <summary>
    /// Channels last, the padding channels <c>from … to − 1</c> of each of <paramref name="positions"/> pooled positions,
    /// which the kernel does not compute (see <see cref="ConvSimd.RealVectors3x3{V}"/>), are written as zeros; in any
    /// other layout only the real channels are written, so nothing is.
    /// </summary>
    internal static void ClearPadding(in PoolTarget target, ref float y, nint positions, nint from, nint to)
    {
        if (target.Channel != 1 || from >= to) return;
        for (nint p = 0; p < positions; p++)
            ConvSimd.Clear<V128>(ref Unsafe.Add(ref y, p * target.Position + from), to - from);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector512<float> Max(V512 a, V512 b) =>
        System.Runtime.Intrinsics.X86.Avx512F.Max(Unsafe.BitCast<V512, System.Runtime.Intrinsics.Vector512<float>>(a),
            Unsafe.BitCast<V512, System.Runtime.Intrinsics.Vector512<float>>(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector512<float> Unordered(V512 a, V512 b) =>
        System.Runtime.Intrinsics.X86.Avx512F.CompareUnordered(Unsafe.BitCast<V512, System.Runtime.Intrinsics.Vector512<float>>(a),
            Unsafe.BitCast<V512, System.Runtime.Intrinsics.Vector512<float>>(b));

    /// <summary>
    /// The largest magnitude of <paramref name="count"/> floats; NaN (bits above infinity's) when one is NaN. Compiled once
    /// (not tiered); the last vector overlaps the one before when the count is not a multiple of 16 (a maximum does not
    /// mind seeing a value twice), and the horizontal maximum folds halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MaxAbs(ref float source, nint count)
    {
        ref uint bits = ref Unsafe.As<float, uint>(ref source);
        uint max = 0;
        nint i = 0;
        if (count >= 16)
        {
            var mask = Vector512.Create(0x7FFFFFFFu);
            var acc = Vector512<uint>.Zero;
            for (; i + 16 <= count; i += 16)
                acc = Vector512.Max(acc, Vector512.LoadUnsafe(ref bits, (nuint)i) & mask);
            if (i < count)
                acc = Vector512.Max(acc, Vector512.LoadUnsafe(ref bits, (nuint)(count - 16)) & mask);
            var half = Vector256.Max(acc.GetLower(), acc.GetUpper());
            var quarter = Vector128.Max(half.GetLower(), half.GetUpper());
            max = System.Math.Max(System.Math.Max(quarter.GetElement(0), quarter.GetElement(1)), System.Math.Max(quarter.GetElement(2), quarter.GetElement(3)));
            i = count;
        }
        for (; i < count; i++) max = System.Math.Max(max, Unsafe.Add(ref bits, i) & 0x7FFFFFFFu);
        return BitConverter.Int32BitsToSingle((int)max);
    }

    /// <summary>ReLU of the window's maximum when no operand is NaN: the top pair's maximum, the bottom pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V512 PoolReLU(System.Runtime.Intrinsics.Vector512<float> top, V512 c, V512 d)
    {
        var m = System.Runtime.Intrinsics.X86.Avx512F.Max(System.Runtime.Intrinsics.X86.Avx512F.Max(top,
            Unsafe.BitCast<V512, System.Runtime.Intrinsics.Vector512<float>>(c)), Unsafe.BitCast<V512, System.Runtime.Intrinsics.Vector512<float>>(d));
        return Unsafe.BitCast<System.Runtime.Intrinsics.Vector512<float>, V512>(System.Runtime.Intrinsics.X86.Avx512F.Max(m, System.Runtime.Intrinsics.Vector512<float>.Zero));
    }

    /// <summary>ReLU of the window's maximum: the top pair's maximum and NaN mask, the bottom pair, the NaN to write.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V512 PoolReLU(System.Runtime.Intrinsics.Vector512<float> top, System.Runtime.Intrinsics.Vector512<float> topNaN,
        V512 c, V512 d, System.Runtime.Intrinsics.Vector512<float> nan)
    {
        var m = System.Runtime.Intrinsics.X86.Avx512F.Max(System.Runtime.Intrinsics.X86.Avx512F.Max(top,
            Unsafe.BitCast<V512, System.Runtime.Intrinsics.Vector512<float>>(c)), Unsafe.BitCast<V512, System.Runtime.Intrinsics.Vector512<float>>(d));
        m = System.Runtime.Intrinsics.X86.Avx512F.Max(m, System.Runtime.Intrinsics.Vector512<float>.Zero); // NaN and ±0 give +0
        m = System.Runtime.Intrinsics.Vector512.ConditionalSelect(topNaN | Unordered(c, d), nan, m);
        return Unsafe.BitCast<System.Runtime.Intrinsics.Vector512<float>, V512>(m);
    }

    /// <summary>
    /// (ReLU of) the IEEE maximum of a pooling window's four values in scan order, <c>Act(Max(Max(Max(a, b), c), d))</c>:
    /// with ReLU on 512-bit vectors, five plain maxima (vmaxps, the last against +0) and one NaN fix-up (two unordered
    /// compares), the same bits for every input but a NaN's payload (where <c>Vector512.Max</c> is four instructions).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V MaxReLU4<V>(V a, V b, V c, V d, bool relu) where V : struct, ISimdVector<V>
    {
        if (typeof(V) == typeof(V512) && relu && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            V512 r = PoolReLU(Max(Unsafe.BitCast<V, V512>(a), Unsafe.BitCast<V, V512>(b)), Unordered(Unsafe.BitCast<V, V512>(a), Unsafe.BitCast<V, V512>(b)),
                Unsafe.BitCast<V, V512>(c), Unsafe.BitCast<V, V512>(d), System.Runtime.Intrinsics.Vector512.Create(float.NaN));
            return Unsafe.BitCast<V512, V>(r);
        }
        return Act(V.Max(V.Max(V.Max(a, b), c), d), relu);
    }

    /// <summary>
    /// ReLU when <paramref name="relu"/> (the same operation as <see cref="ActivationKernels.ReLU"/>'s). The fused
    /// kernels apply it once to a window's maximum rather than to its four values: ReLU is monotone and the maximum
    /// returns one of its operands, so the two give the same value (ReLU's multiply-free max is the costliest part of
    /// the fusion otherwise: it shares the FMA pipes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Act<V>(V value, bool relu) where V : struct, ISimdVector<V> => relu ? V.ReLU(value) : value;

    /// <summary>
    /// Stores the pooled vector of channels <c>c … c + Count − 1</c> at pooled position <paramref name="p"/>: one vector
    /// store channels last, else each real channel at its stride (PyTorch's flattened order).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<V>(V value, in PoolTarget target, ref float y, nint p, nint c) where V : struct, ISimdVector<V>
    {
        ref float yp = ref Unsafe.Add(ref y, p * target.Position);
        if (target.Channel == 1)
        {
            V.Store(ref Unsafe.Add(ref yp, c), value);
            return;
        }
        ref float lanes = ref Unsafe.As<V, float>(ref value);
        nint count = System.Math.Min(V.Count, target.Channels - c), stride = target.Channel;
        for (nint j = 0; j < count; j++)
            Unsafe.Add(ref yp, (c + j) * stride) = Unsafe.Add(ref lanes, j);
    }
}
#endif
