#if NET8_0_OR_GREATER
using System;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// Register-tiled backward passes of 3×3, stride-1 convolutions that skip the im2col matrix (issue 20, item 3), taken
/// by <see cref="ConvKernels.Backward"/> when they apply; otherwise it uses im2col and the dense kernels.
/// <list type="bullet">
/// <item><see cref="Weights1x3x3{V}"/>: the weight gradient of a one-input-channel layer (a first layer on an image).
/// Through im2col it was a dense weight gradient with 9 inputs and one 16-float output vector, 4 accumulators deep and
/// re-reading dy three times: 12 % of the FMA peak. Here each output position loads dy once and feeds all nine tap
/// accumulators and the bias's; every accumulator is the same chain of multiply-adds, in the same order, as through
/// im2col (a zero-bordered copy of the input stands for im2col's zeros), so the result is the same bits.</item>
/// <item><see cref="Input3x3{V}"/>: the input gradient of a layer whose input is channels last with a whole number of
/// vectors of channels: a transposed convolution over a zero-bordered copy of dy, 7 or 8 input positions along a row
/// per tile, each broadcast of dy serving up to three taps, the filter transposed once per call to
/// <c>[ky, kx, co, ci]</c> (flipped). Through im2col it was dot products over only <c>CoutPad</c> floats with a
/// horizontal reduction per four outputs, then col2im: 41 % of the peak. It sums in another order than im2col's dot
/// products (the results agree to rounding; tests compare with the reference kernels).</item>
/// </list>
/// </summary>
internal static class ConvBackwardSimd
{
    /// <summary>Tests and benchmarks switch these kernels off to compare them with the im2col path.</summary>
    [ThreadStatic] internal static bool Disabled;

    /// <summary>Runs <see cref="Weights1x3x3{V}"/> if it applies (sizes checked by the caller); false: use im2col.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryWeights(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rows, in ConvGeometry g, Span<float> scratch,
        Span<float> dWeight, Span<float> dBias)
    {
        if (Disabled) return false;
        bool one = Weights1x3x3Applies(g, scratch.Length);
        if (!one && !Weights3x3Applies(g, scratch.Length)) return false;
        ref float xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref float dyr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dy);
        ref float sr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(scratch);
        ref float dwr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dWeight);
        ref float dbr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dBias);
        switch (KernelOptions.Path)
        {
            case 512 when one: Weights1x3x3<V512>(ref xr, rows, g, ref dyr, ref sr, ref dwr, ref dbr); return true;
            case 256 when one: Weights1x3x3<V256>(ref xr, rows, g, ref dyr, ref sr, ref dwr, ref dbr); return true;
            case 128 when one: Weights1x3x3<V128>(ref xr, rows, g, ref dyr, ref sr, ref dwr, ref dbr); return true;
            case 512: Weights3x3<V512>(ref xr, rows, g, ref dyr, ref sr, ref dwr, ref dbr); return true;
            case 256 when !Avx512OrArm: return false; // 16 accumulators and their operands need 32 registers
            case 256: Weights3x3<V256>(ref xr, rows, g, ref dyr, ref sr, ref dwr, ref dbr); return true;
            default: return false;
        }
    }

    private static bool Avx512OrArm => System.Runtime.Intrinsics.X86.Avx512F.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported;

    /// <summary>Runs <see cref="Input3x3{V}"/> if it applies (sizes checked by the caller); false: use im2col.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryInput(ReadOnlySpan<float> dy, int rows, in ConvGeometry g, ReadOnlySpan<float> weight, Span<float> scratch, Span<float> dx)
    {
        if (Disabled) return false;
        ref float dyr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dy);
        ref float wr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weight);
        ref float sr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(scratch);
        ref float dxr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dx);
        if (!WinogradInputDisabled && KernelOptions.Path >= 256 && WinogradInputApplies(g, scratch.Length, KernelOptions.Path / 32) &&
            (KernelOptions.Path == 512 ? ConvWinograd.Applies<V512>(Transposed(g)) : ConvWinograd.Applies<V256>(Transposed(g))))
        {
            if (KernelOptions.Path == 512) WinogradInput<V512>(ref dyr, rows, g, ref wr, ref sr, scratch.Length, ref dxr);
            else WinogradInput<V256>(ref dyr, rows, g, ref wr, ref sr, scratch.Length, ref dxr);
            return true;
        }
        switch (KernelOptions.Path)
        {
            case 512 when Input3x3Applies<V512>(g, scratch.Length): Input3x3<V512>(ref dyr, rows, g, ref wr, ref sr, ref dxr); return true;
            case 256 when Input3x3Applies<V256>(g, scratch.Length): Input3x3<V256>(ref dyr, rows, g, ref wr, ref sr, ref dxr); return true;
            case 128 when Input3x3Applies<V128>(g, scratch.Length): Input3x3<V128>(ref dyr, rows, g, ref wr, ref sr, ref dxr); return true;
            default: return false;
        }
    }

    /// <summary>Tests switch the Winograd input gradient off to compare it with <see cref="Input3x3{V}"/>.</summary>
    [ThreadStatic] internal static bool WinogradInputDisabled;

    /// <summary>
    /// The geometry of the input gradient of a "same" 3×3 stride-1 convolution as a forward convolution: dy
    /// (<c>OutChannels</c> real channels, positions <c>OutChannelsPadded</c> apart) convolved, padding 1, with the flipped and
    /// transposed filter into dx (<c>InChannels</c> channels, unpadded).
    /// </summary>
    private static ConvGeometry Transposed(in ConvGeometry g) => new(
        g.OutChannels, g.OutHeight, g.OutWidth, g.OutputSampleLength, g.OutChannelsPadded, 1,
        g.InChannels, 3, 3, 1, 1, 1, 1, g.InHeight, g.InWidth);

    /// <summary>
    /// Whether <see cref="WinogradInput{V}"/> applies: a 3×3, stride-1, dilation-1 layer with padding 1 whose output has
    /// the input's size, the input channels last with a whole number of <paramref name="lanes"/>-float vectors of channels
    /// and no padding between positions or samples (dx is written whole), at least 2 output channels, scratch enough for
    /// the flipped filter and the Winograd forward pass.
    /// </summary>
    public static bool WinogradInputApplies(in ConvGeometry g, int scratchLength, int lanes) =>
        g.KernelHeight == 3 && g.KernelWidth == 3 && g.Stride == 1 && g.Dilation == 1 && g.PadTop == 1 && g.PadLeft == 1 &&
        g.OutHeight == g.InHeight && g.OutWidth == g.InWidth && g.InHeight >= 2 && g.InWidth >= 2 &&
        g.InputChannelStride == 1 && g.InChannels % lanes == 0 && g.InputPositionStride == g.InChannels &&
        g.InputSampleStride == g.InHeight * g.InWidth * g.InChannels && g.OutChannels >= 2 &&
        LayoutArithmetic.Padded(g.InChannels) == g.InChannels && // the transposed convolution's output positions are dx's
        scratchLength >= 9 * g.OutChannels * g.InChannels + g.InChannels + ConvWinograd.ScratchNeeded(Transposed(g));

    /// <summary>
    /// The input gradient as the forward convolution of dy with the flipped, transposed filter
    /// (<c>W'[(2 − ky)·3 + (2 − kx), co, ci] = W[(ky·3 + kx), ci, co]</c>, written once per call at the start of the scratch),
    /// by <see cref="ConvWinograd"/>'s F(2×2, 3×3): 16 multiply-adds per 2×2 block and channel pair instead of 36, the
    /// same algorithm and rounding as the forward pass that already runs on this layer. It sums in another order than
    /// <see cref="Input3x3{V}"/> (the results agree to rounding; tests compare both with a double-precision reference).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WinogradInput<V>(ref float dy, int rows, in ConvGeometry g, ref float weight, ref float scratch,
        int scratchLength, ref float dx) where V : struct, ISimdVector<V>
    {
        nint cin = g.InChannels, cout = g.OutChannels, cp = g.OutChannelsPadded;
        for (nint t = 0; t < 9; t++)
        {
            ref float source = ref Unsafe.Add(ref weight, t * cin * cp);
            ref float target = ref Unsafe.Add(ref scratch, (8 - t) * cout * cin);
            for (nint ci = 0; ci < cin; ci++)
            {
                ref float row = ref Unsafe.Add(ref source, ci * cp);
                for (nint co = 0; co < cout; co++)
                    Unsafe.Add(ref target, co * cin + ci) = Unsafe.Add(ref row, co);
            }
        }
        nint filter = 9 * cout * cin; // then a zero bias of cin floats, then the Winograd pass's own scratch
        ref float zero = ref Unsafe.Add(ref scratch, filter);
        ConvSimd.Clear<V>(ref zero, cin);
        ConvGeometry transposed = Transposed(g);
        ConvWinograd.Forward<V>(ref dy, rows, transposed, ref scratch, ref zero, ref Unsafe.Add(ref zero, cin),
            scratchLength - filter - cin, ref dx);
    }

    /// <summary>The zero-bordered input plane <see cref="Weights1x3x3{V}"/> needs: <c>(OutHeight + 2)·(OutWidth + 2)</c> floats.</summary>
    public static int Weights1x3x3Scratch(in ConvGeometry g) => (g.OutHeight + 2) * (g.OutWidth + 2);

    /// <summary>Whether <see cref="Weights1x3x3{V}"/> applies: one input channel, 3×3, stride 1, dilation 1, scratch enough.</summary>
    public static bool Weights1x3x3Applies(in ConvGeometry g, int scratchLength) =>
        g.InChannels == 1 && g.KernelHeight == 3 && g.KernelWidth == 3 && g.Stride == 1 && g.Dilation == 1 &&
        scratchLength >= Weights1x3x3Scratch(g);

    /// <summary>
    /// <c>dWeight[(ky·3 + kx), co] += Σ_(r, oh, ow) x_r[oh − PadTop + ky, ow − PadLeft + kx] · dy_r[oh, ow, co]</c> and
    /// <c>dBias[co] += Σ dy</c>, sample after sample, positions in order (as <see cref="DenseSimd.BackwardWeights{V}"/> over
    /// each sample's im2col rows). <paramref name="padded"/> holds <see cref="Weights1x3x3Scratch"/> floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Weights1x3x3<V>(ref float x, int rows, in ConvGeometry g, ref float dy, ref float padded,
        ref float dWeight, ref float dBias) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, hOut = g.OutHeight, wOut = g.OutWidth, coutPad = g.OutChannelsPadded, pw = wOut + 2, ph = hOut + 2;
        nint positions = hOut * wOut, outLength = positions * coutPad;
        for (nint r = 0; r < rows; r++)
        {
            FillPadded(ref Unsafe.Add(ref x, r * g.InputSampleStride), g, ref padded, pw, ph);
            ref float dys = ref Unsafe.Add(ref dy, r * outLength);
            for (nint v = 0; v < coutPad; v += n)
            {
                // The bias's column sum and the nine taps' sums in one pass over dy; each is the same chain, positions
                // in order, as DenseSimd.BackwardWeights's over the im2col rows.
                ref float db = ref Unsafe.Add(ref dBias, v);
                V b = V.Load(ref db);
                ref float dw = ref Unsafe.Add(ref dWeight, v);
                V a0 = V.Load(ref dw), a1 = V.Load(ref Unsafe.Add(ref dw, coutPad)), a2 = V.Load(ref Unsafe.Add(ref dw, 2 * coutPad));
                V a3 = V.Load(ref Unsafe.Add(ref dw, 3 * coutPad)), a4 = V.Load(ref Unsafe.Add(ref dw, 4 * coutPad)), a5 = V.Load(ref Unsafe.Add(ref dw, 5 * coutPad));
                V a6 = V.Load(ref Unsafe.Add(ref dw, 6 * coutPad)), a7 = V.Load(ref Unsafe.Add(ref dw, 7 * coutPad)), a8 = V.Load(ref Unsafe.Add(ref dw, 8 * coutPad));
                ref float d = ref Unsafe.Add(ref dys, v);
                for (nint oh = 0; oh < hOut; oh++)
                {
                    ref float p0 = ref Unsafe.Add(ref padded, oh * pw);
                    ref float p1 = ref Unsafe.Add(ref p0, pw);
                    ref float p2 = ref Unsafe.Add(ref p0, 2 * pw);
                    nint ow = 0;
                    // Two positions at a time: four inputs per kernel row serve both (12 broadcasts for 18 multiply-adds).
                    for (; ow + 2 <= wOut; ow += 2)
                    {
                        V d0 = V.Load(ref d), d1 = V.Load(ref Unsafe.Add(ref d, coutPad));
                        b = V.Add(V.Add(b, d0), d1);
                        V x0 = V.Broadcast(Unsafe.Add(ref p0, ow)), x1 = V.Broadcast(Unsafe.Add(ref p0, ow + 1));
                        V x2 = V.Broadcast(Unsafe.Add(ref p0, ow + 2)), x3 = V.Broadcast(Unsafe.Add(ref p0, ow + 3));
                        a0 = V.MultiplyAdd(d1, x1, V.MultiplyAdd(d0, x0, a0));
                        a1 = V.MultiplyAdd(d1, x2, V.MultiplyAdd(d0, x1, a1));
                        a2 = V.MultiplyAdd(d1, x3, V.MultiplyAdd(d0, x2, a2));
                        x0 = V.Broadcast(Unsafe.Add(ref p1, ow)); x1 = V.Broadcast(Unsafe.Add(ref p1, ow + 1));
                        x2 = V.Broadcast(Unsafe.Add(ref p1, ow + 2)); x3 = V.Broadcast(Unsafe.Add(ref p1, ow + 3));
                        a3 = V.MultiplyAdd(d1, x1, V.MultiplyAdd(d0, x0, a3));
                        a4 = V.MultiplyAdd(d1, x2, V.MultiplyAdd(d0, x1, a4));
                        a5 = V.MultiplyAdd(d1, x3, V.MultiplyAdd(d0, x2, a5));
                        x0 = V.Broadcast(Unsafe.Add(ref p2, ow)); x1 = V.Broadcast(Unsafe.Add(ref p2, ow + 1));
                        x2 = V.Broadcast(Unsafe.Add(ref p2, ow + 2)); x3 = V.Broadcast(Unsafe.Add(ref p2, ow + 3));
                        a6 = V.MultiplyAdd(d1, x1, V.MultiplyAdd(d0, x0, a6));
                        a7 = V.MultiplyAdd(d1, x2, V.MultiplyAdd(d0, x1, a7));
                        a8 = V.MultiplyAdd(d1, x3, V.MultiplyAdd(d0, x2, a8));
                        d = ref Unsafe.Add(ref d, 2 * coutPad);
                    }
                    if (ow < wOut)
                    {
                        V dv = V.Load(ref d);
                        b = V.Add(b, dv);
                        a0 = V.MultiplyAdd(dv, V.Broadcast(Unsafe.Add(ref p0, ow)), a0);
                        a1 = V.MultiplyAdd(dv, V.Broadcast(Unsafe.Add(ref p0, ow + 1)), a1);
                        a2 = V.MultiplyAdd(dv, V.Broadcast(Unsafe.Add(ref p0, ow + 2)), a2);
                        a3 = V.MultiplyAdd(dv, V.Broadcast(Unsafe.Add(ref p1, ow)), a3);
                        a4 = V.MultiplyAdd(dv, V.Broadcast(Unsafe.Add(ref p1, ow + 1)), a4);
                        a5 = V.MultiplyAdd(dv, V.Broadcast(Unsafe.Add(ref p1, ow + 2)), a5);
                        a6 = V.MultiplyAdd(dv, V.Broadcast(Unsafe.Add(ref p2, ow)), a6);
                        a7 = V.MultiplyAdd(dv, V.Broadcast(Unsafe.Add(ref p2, ow + 1)), a7);
                        a8 = V.MultiplyAdd(dv, V.Broadcast(Unsafe.Add(ref p2, ow + 2)), a8);
                        d = ref Unsafe.Add(ref d, coutPad);
                    }
                }
                V.Store(ref db, b);
                V.Store(ref dw, a0); V.Store(ref Unsafe.Add(ref dw, coutPad), a1); V.Store(ref Unsafe.Add(ref dw, 2 * coutPad), a2);
                V.Store(ref Unsafe.Add(ref dw, 3 * coutPad), a3); V.Store(ref Unsafe.Add(ref dw, 4 * coutPad), a4); V.Store(ref Unsafe.Add(ref dw, 5 * coutPad), a5);
                V.Store(ref Unsafe.Add(ref dw, 6 * coutPad), a6); V.Store(ref Unsafe.Add(ref dw, 7 * coutPad), a7); V.Store(ref Unsafe.Add(ref dw, 8 * coutPad), a8);
            }
        }
    }

    /// <summary>The zero-bordered channels-last input <see cref="Weights3x3{V}"/> needs: <c>(OutHeight + 2)·(OutWidth + 2)·InChannels</c> floats.</summary>
    public static int Weights3x3Scratch(in ConvGeometry g) => (g.OutHeight + 2) * (g.OutWidth + 2) * g.InChannels;

    /// <summary>Whether <see cref="Weights3x3{V}"/> applies: 3×3, stride 1, dilation 1, channels last (channel stride 1), a multiple of 8 input channels, scratch enough.</summary>
    public static bool Weights3x3Applies(in ConvGeometry g, int scratchLength) =>
        g.KernelHeight == 3 && g.KernelWidth == 3 && g.Stride == 1 && g.Dilation == 1 && g.InputChannelStride == 1 &&
        g.InChannels % 8 == 0 && scratchLength >= Weights3x3Scratch(g);

    /// <summary>
    /// The weight gradient of a channels-last 3×3 stride-1 layer without im2col:
    /// <c>dWeight[(ky·3 + kx)·Cin + ci, co] += Σ_(r, oh, ow) x_r[oh − PadTop + ky, ow − PadLeft + kx, ci] · dy_r[oh, ow, co]</c>,
    /// <c>dBias += Σ dy</c>, from a zero-bordered copy of each sample (<see cref="Weights3x3Scratch"/> floats). Tiles of
    /// 8 input channels × 2 vectors of outputs (16 accumulators: 2 loads and 8 broadcasts per 16 multiply-adds, against
    /// 4 × 2 through im2col); every accumulator is the same chain, positions in order, as through im2col, so the result
    /// is the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Weights3x3<V>(ref float x, int rows, in ConvGeometry g, ref float dy, ref float padded,
        ref float dWeight, ref float dBias) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, hOut = g.OutHeight, wOut = g.OutWidth, coutPad = g.OutChannelsPadded, cin = g.InChannels;
        nint pw = wOut + 2, ph = hOut + 2, positions = hOut * wOut, outLength = positions * coutPad;
        nint height = g.InHeight, width = g.InWidth, ps = g.InputPositionStride;
        for (nint r = 0; r < rows; r++)
        {
            // The zero-bordered copy: padded[((oh + ky)·pw + ow + kx)·cin + ci] = x[oh − PadTop + ky, ow − PadLeft + kx, ci].
            System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref padded, (int)(pw * ph * cin)).Clear();
            ref float xs = ref Unsafe.Add(ref x, r * g.InputSampleStride);
            for (nint ih = 0; ih < height; ih++)
            {
                nint py = ih + g.PadTop;
                if (py < 0) continue;
                if (py >= ph) break;
                for (nint iw = 0; iw < width; iw++)
                {
                    nint px = iw + g.PadLeft;
                    if (px < 0) continue;
                    if (px >= pw) break;
                    System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Unsafe.Add(ref xs, (ih * width + iw) * ps), (int)cin)
                        .CopyTo(System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Unsafe.Add(ref padded, (py * pw + px) * cin), (int)cin));
                }
            }
            ref float dys = ref Unsafe.Add(ref dy, r * outLength);
            // dBias: column sums of dy, as DenseSimd.BackwardWeights.
            for (nint v = 0; v < coutPad; v += n)
            {
                ref float db = ref Unsafe.Add(ref dBias, v);
                V b = V.Load(ref db);
                for (nint p = 0; p < positions; p++)
                    b = V.Add(b, V.Load(ref Unsafe.Add(ref dys, p * coutPad + v)));
                V.Store(ref db, b);
            }
            for (nint t = 0; t < 9; t++)
            {
                nint ky = t / 3, kx = t % 3;
                for (nint c = 0; c < cin; c += 8)
                {
                    ref float dw = ref Unsafe.Add(ref dWeight, (t * cin + c) * coutPad);
                    ref float xt = ref Unsafe.Add(ref padded, (ky * pw + kx) * cin + c);
                    nint v = 0;
                    for (; v + 2 * n <= coutPad; v += 2 * n)
                        Tile8x2<V>(ref xt, pw, cin, hOut, wOut, ref Unsafe.Add(ref dys, v), coutPad, ref Unsafe.Add(ref dw, v));
                    if (v < coutPad)
                        Tile8x1<V>(ref xt, pw, cin, hOut, wOut, ref Unsafe.Add(ref dys, v), coutPad, ref Unsafe.Add(ref dw, v));
                }
            }
        }
    }

    /// <summary>8 input channels × 2 vectors of outputs of <see cref="Weights3x3{V}"/>, over every position of one sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x2<V>(ref float x, nint pw, nint cin, nint hOut, nint wOut, ref float dy, nint coutPad, ref float dw)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        V a00 = V.Load(ref dw), a01 = V.Load(ref Unsafe.Add(ref dw, n));
        V a10 = V.Load(ref Unsafe.Add(ref dw, coutPad)), a11 = V.Load(ref Unsafe.Add(ref dw, coutPad + n));
        V a20 = V.Load(ref Unsafe.Add(ref dw, 2 * coutPad)), a21 = V.Load(ref Unsafe.Add(ref dw, 2 * coutPad + n));
        V a30 = V.Load(ref Unsafe.Add(ref dw, 3 * coutPad)), a31 = V.Load(ref Unsafe.Add(ref dw, 3 * coutPad + n));
        V a40 = V.Load(ref Unsafe.Add(ref dw, 4 * coutPad)), a41 = V.Load(ref Unsafe.Add(ref dw, 4 * coutPad + n));
        V a50 = V.Load(ref Unsafe.Add(ref dw, 5 * coutPad)), a51 = V.Load(ref Unsafe.Add(ref dw, 5 * coutPad + n));
        V a60 = V.Load(ref Unsafe.Add(ref dw, 6 * coutPad)), a61 = V.Load(ref Unsafe.Add(ref dw, 6 * coutPad + n));
        V a70 = V.Load(ref Unsafe.Add(ref dw, 7 * coutPad)), a71 = V.Load(ref Unsafe.Add(ref dw, 7 * coutPad + n));
        ref float d = ref dy;
        for (nint oh = 0; oh < hOut; oh++)
        {
            ref float xr = ref Unsafe.Add(ref x, oh * pw * cin);
            for (nint ow = 0; ow < wOut; ow++)
            {
                V d0 = V.Load(ref d), d1 = V.Load(ref Unsafe.Add(ref d, n));
                V s = V.Broadcast(xr); a00 = V.MultiplyAdd(d0, s, a00); a01 = V.MultiplyAdd(d1, s, a01);
                s = V.Broadcast(Unsafe.Add(ref xr, 1)); a10 = V.MultiplyAdd(d0, s, a10); a11 = V.MultiplyAdd(d1, s, a11);
                s = V.Broadcast(Unsafe.Add(ref xr, 2)); a20 = V.MultiplyAdd(d0, s, a20); a21 = V.MultiplyAdd(d1, s, a21);
                s = V.Broadcast(Unsafe.Add(ref xr, 3)); a30 = V.MultiplyAdd(d0, s, a30); a31 = V.MultiplyAdd(d1, s, a31);
                s = V.Broadcast(Unsafe.Add(ref xr, 4)); a40 = V.MultiplyAdd(d0, s, a40); a41 = V.MultiplyAdd(d1, s, a41);
                s = V.Broadcast(Unsafe.Add(ref xr, 5)); a50 = V.MultiplyAdd(d0, s, a50); a51 = V.MultiplyAdd(d1, s, a51);
                s = V.Broadcast(Unsafe.Add(ref xr, 6)); a60 = V.MultiplyAdd(d0, s, a60); a61 = V.MultiplyAdd(d1, s, a61);
                s = V.Broadcast(Unsafe.Add(ref xr, 7)); a70 = V.MultiplyAdd(d0, s, a70); a71 = V.MultiplyAdd(d1, s, a71);
                xr = ref Unsafe.Add(ref xr, cin);
                d = ref Unsafe.Add(ref d, coutPad);
            }
        }
        V.Store(ref dw, a00); V.Store(ref Unsafe.Add(ref dw, n), a01);
        V.Store(ref Unsafe.Add(ref dw, coutPad), a10); V.Store(ref Unsafe.Add(ref dw, coutPad + n), a11);
        V.Store(ref Unsafe.Add(ref dw, 2 * coutPad), a20); V.Store(ref Unsafe.Add(ref dw, 2 * coutPad + n), a21);
        V.Store(ref Unsafe.Add(ref dw, 3 * coutPad), a30); V.Store(ref Unsafe.Add(ref dw, 3 * coutPad + n), a31);
        V.Store(ref Unsafe.Add(ref dw, 4 * coutPad), a40); V.Store(ref Unsafe.Add(ref dw, 4 * coutPad + n), a41);
        V.Store(ref Unsafe.Add(ref dw, 5 * coutPad), a50); V.Store(ref Unsafe.Add(ref dw, 5 * coutPad + n), a51);
        V.Store(ref Unsafe.Add(ref dw, 6 * coutPad), a60); V.Store(ref Unsafe.Add(ref dw, 6 * coutPad + n), a61);
        V.Store(ref Unsafe.Add(ref dw, 7 * coutPad), a70); V.Store(ref Unsafe.Add(ref dw, 7 * coutPad + n), a71);
    }

    /// <summary>8 input channels × 1 vector of outputs of <see cref="Weights3x3{V}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x1<V>(ref float x, nint pw, nint cin, nint hOut, nint wOut, ref float dy, nint coutPad, ref float dw)
        where V : struct, ISimdVector<V>
    {
        V a0 = V.Load(ref dw), a1 = V.Load(ref Unsafe.Add(ref dw, coutPad)), a2 = V.Load(ref Unsafe.Add(ref dw, 2 * coutPad));
        V a3 = V.Load(ref Unsafe.Add(ref dw, 3 * coutPad)), a4 = V.Load(ref Unsafe.Add(ref dw, 4 * coutPad)), a5 = V.Load(ref Unsafe.Add(ref dw, 5 * coutPad));
        V a6 = V.Load(ref Unsafe.Add(ref dw, 6 * coutPad)), a7 = V.Load(ref Unsafe.Add(ref dw, 7 * coutPad));
        ref float d = ref dy;
        for (nint oh = 0; oh < hOut; oh++)
        {
            ref float xr = ref Unsafe.Add(ref x, oh * pw * cin);
            for (nint ow = 0; ow < wOut; ow++)
            {
                V d0 = V.Load(ref d);
                a0 = V.MultiplyAdd(d0, V.Broadcast(xr), a0);
                a1 = V.MultiplyAdd(d0, V.Broadcast(Unsafe.Add(ref xr, 1)), a1);
                a2 = V.MultiplyAdd(d0, V.Broadcast(Unsafe.Add(ref xr, 2)), a2);
                a3 = V.MultiplyAdd(d0, V.Broadcast(Unsafe.Add(ref xr, 3)), a3);
                a4 = V.MultiplyAdd(d0, V.Broadcast(Unsafe.Add(ref xr, 4)), a4);
                a5 = V.MultiplyAdd(d0, V.Broadcast(Unsafe.Add(ref xr, 5)), a5);
                a6 = V.MultiplyAdd(d0, V.Broadcast(Unsafe.Add(ref xr, 6)), a6);
                a7 = V.MultiplyAdd(d0, V.Broadcast(Unsafe.Add(ref xr, 7)), a7);
                xr = ref Unsafe.Add(ref xr, cin);
                d = ref Unsafe.Add(ref d, coutPad);
            }
        }
        V.Store(ref dw, a0); V.Store(ref Unsafe.Add(ref dw, coutPad), a1); V.Store(ref Unsafe.Add(ref dw, 2 * coutPad), a2);
        V.Store(ref Unsafe.Add(ref dw, 3 * coutPad), a3); V.Store(ref Unsafe.Add(ref dw, 4 * coutPad), a4); V.Store(ref Unsafe.Add(ref dw, 5 * coutPad), a5);
        V.Store(ref Unsafe.Add(ref dw, 6 * coutPad), a6); V.Store(ref Unsafe.Add(ref dw, 7 * coutPad), a7);
    }

    /// <summary>One sample's input with its zero border: <c>padded[(oh + ky)·pw + ow + kx] = x[oh − PadTop + ky, ow − PadLeft + kx]</c>, zero outside.</summary>
    private static void FillPadded(ref float x, in ConvGeometry g, ref float padded, nint pw, nint ph)
    {
        System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref padded, (int)(pw * ph)).Clear();
        nint height = g.InHeight, width = g.InWidth, ps = g.InputPositionStride;
        for (nint ih = 0; ih < height; ih++)
        {
            nint py = ih + g.PadTop;
            if (py < 0) continue;
            if (py >= ph) break;
            for (nint iw = 0; iw < width; iw++)
            {
                nint px = iw + g.PadLeft;
                if (px < 0) continue;
                if (px >= pw) break;
                Unsafe.Add(ref padded, py * pw + px) = Unsafe.Add(ref x, (ih * width + iw) * ps);
            }
        }
    }

    /// <summary>The scratch <see cref="Input3x3{V}"/> needs: dy with a border of two, and the flipped, transposed filter.</summary>
    public static int Input3x3Scratch(in ConvGeometry g) =>
        (g.InHeight + 2) * (g.InWidth + 2) * g.OutChannelsPadded + 9 * g.OutChannels * g.InChannels;

    /// <summary>
    /// Whether <see cref="Input3x3{V}"/> applies: 3×3, stride 1, dilation 1, the input channels last and contiguous
    /// (<c>InputChannelStride</c> 1, <c>InputPositionStride = InChannels</c>), a whole number of vectors of channels,
    /// an input at least 7 wide, and scratch enough.
    /// </summary>
    public static bool Input3x3Applies<V>(in ConvGeometry g, int scratchLength) where V : struct, ISimdVector<V> =>
        g.KernelHeight == 3 && g.KernelWidth == 3 && g.Stride == 1 && g.Dilation == 1 && g.InputChannelStride == 1 &&
        g.InputPositionStride == g.InChannels && g.InChannels % V.Count == 0 && g.InWidth >= 7 &&
        scratchLength >= Input3x3Scratch(g);

    /// <summary>
    /// <c>dx_r[ih, iw, ci] = Σ_(ky, kx, co) dy_r[ih + PadTop − ky, iw + PadLeft − kx, co] · W[co, ci, ky, kx]</c> (terms
    /// outside dy are zero), every sample's <c>InputExtent</c> overwritten. <paramref name="scratch"/> holds
    /// <see cref="Input3x3Scratch"/> floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Input3x3<V>(ref float dy, int rows, in ConvGeometry g, ref float weight, ref float scratch, ref float dx)
        where V : struct, ISimdVector<V>
    {
        nint height = g.InHeight, width = g.InWidth, cin = g.InChannels, cout = g.OutChannels, coutPad = g.OutChannelsPadded;
        nint hOut = g.OutHeight, wOut = g.OutWidth, pw = width + 2, ph = height + 2;
        // dyP[(oh − oh0)·pw + (ow − ow0)] with oh0 = PadTop − 2, ow0 = PadLeft − 2: dx[ih, iw] reads rows ih … ih + 2, columns iw … iw + 2.
        nint oh0 = g.PadTop - 2, ow0 = g.PadLeft - 2;
        ref float dyP = ref scratch;
        ref float wT = ref Unsafe.Add(ref scratch, pw * ph * coutPad);
        // wT[((ky'·3 + kx')·Cout + co)·Cin + ci] = W[((2 − ky')·3 + 2 − kx')·Cin + ci, co]: the flipped filter, ci contiguous.
        for (nint ky = 0; ky < 3; ky++)
            for (nint kx = 0; kx < 3; kx++)
                for (nint co = 0; co < cout; co++)
                    for (nint ci = 0; ci < cin; ci++)
                        Unsafe.Add(ref wT, ((ky * 3 + kx) * cout + co) * cin + ci) = Unsafe.Add(ref weight, (((2 - ky) * 3 + 2 - kx) * cin + ci) * coutPad + co);
        // The border stays zero; each sample overwrites the interior.
        System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref dyP, (int)(pw * ph * coutPad)).Clear();
        nint ohFirst = Math.Max(0, oh0), ohEnd = Math.Min(hOut, oh0 + ph), owFirst = Math.Max(0, ow0), owEnd = Math.Min(wOut, ow0 + pw);
        int tile = width % 8 == 0 ? 8 : width % 7 == 0 ? 7 : 8;
        for (nint r = 0; r < rows; r++)
        {
            ref float dys = ref Unsafe.Add(ref dy, r * hOut * wOut * coutPad);
            if (owEnd > owFirst)
                for (nint oh = ohFirst; oh < ohEnd; oh++)
                    System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dys, (oh * wOut + owFirst) * coutPad), (int)((owEnd - owFirst) * coutPad))
                        .CopyTo(System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dyP, ((oh - oh0) * pw + owFirst - ow0) * coutPad), (int)((owEnd - owFirst) * coutPad)));
            ref float dxs = ref Unsafe.Add(ref dx, r * g.InputSampleStride);
            if (tile == 7) Sample<V, Seven>(ref dyP, ref wT, ref dxs, height, width, cin, cout, coutPad, pw);
            else Sample<V, Eight>(ref dyP, ref wT, ref dxs, height, width, cin, cout, coutPad, pw);
        }
    }

    private interface ITileWidth { static abstract int Width { get; } }
    private struct Seven : ITileWidth { public static int Width => 7; }
    private struct Eight : ITileWidth { public static int Width => 8; }

    /// <summary>One sample of <see cref="Input3x3{V}"/>: tiles of <typeparamref name="T"/> input positions along a row (the last overlapping the one before when the width is not a multiple).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sample<V, T>(ref float dyP, ref float wT, ref float dx, nint height, nint width, nint cin, nint cout, nint coutPad, nint pw)
        where V : struct, ISimdVector<V> where T : struct, ITileWidth
    {
        nint n = V.Count, tw = T.Width, tapStride = cout * cin;
        for (nint ih = 0; ih < height; ih++)
            for (nint iw = 0; iw < width; iw += tw)
            {
                if (iw + tw > width) iw = width - tw;
                for (nint c = 0; c < cin; c += n)
                {
                    V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero, a4 = V.Zero, a5 = V.Zero, a6 = V.Zero, a7 = V.Zero;
                    for (nint ky = 0; ky < 3; ky++)
                    {
                        ref float row = ref Unsafe.Add(ref dyP, ((ih + ky) * pw + iw) * coutPad);
                        ref float wk = ref Unsafe.Add(ref wT, ky * 3 * tapStride + c);
                        for (nint co = 0; co < cout; co++)
                        {
                            ref float wc = ref Unsafe.Add(ref wk, co * cin);
                            V w0 = V.Load(ref wc), w1 = V.Load(ref Unsafe.Add(ref wc, tapStride)), w2 = V.Load(ref Unsafe.Add(ref wc, 2 * tapStride));
                            ref float d = ref Unsafe.Add(ref row, co);
                            // Position iw + j of the padded row feeds a_j (kx' 0), a_(j−1) (kx' 1) and a_(j−2) (kx' 2).
                            V b = V.Broadcast(d);
                            a0 = V.MultiplyAdd(b, w0, a0);
                            b = V.Broadcast(Unsafe.Add(ref d, coutPad));
                            a1 = V.MultiplyAdd(b, w0, a1); a0 = V.MultiplyAdd(b, w1, a0);
                            b = V.Broadcast(Unsafe.Add(ref d, 2 * coutPad));
                            a2 = V.MultiplyAdd(b, w0, a2); a1 = V.MultiplyAdd(b, w1, a1); a0 = V.MultiplyAdd(b, w2, a0);
                            b = V.Broadcast(Unsafe.Add(ref d, 3 * coutPad));
                            a3 = V.MultiplyAdd(b, w0, a3); a2 = V.MultiplyAdd(b, w1, a2); a1 = V.MultiplyAdd(b, w2, a1);
                            b = V.Broadcast(Unsafe.Add(ref d, 4 * coutPad));
                            a4 = V.MultiplyAdd(b, w0, a4); a3 = V.MultiplyAdd(b, w1, a3); a2 = V.MultiplyAdd(b, w2, a2);
                            b = V.Broadcast(Unsafe.Add(ref d, 5 * coutPad));
                            a5 = V.MultiplyAdd(b, w0, a5); a4 = V.MultiplyAdd(b, w1, a4); a3 = V.MultiplyAdd(b, w2, a3);
                            b = V.Broadcast(Unsafe.Add(ref d, 6 * coutPad));
                            a6 = V.MultiplyAdd(b, w0, a6); a5 = V.MultiplyAdd(b, w1, a5); a4 = V.MultiplyAdd(b, w2, a4);
                            b = V.Broadcast(Unsafe.Add(ref d, 7 * coutPad));
                            if (T.Width == 8) a7 = V.MultiplyAdd(b, w0, a7);
                            a6 = V.MultiplyAdd(b, w1, a6); a5 = V.MultiplyAdd(b, w2, a5);
                            b = V.Broadcast(Unsafe.Add(ref d, 8 * coutPad));
                            if (T.Width == 8) a7 = V.MultiplyAdd(b, w1, a7);
                            a6 = V.MultiplyAdd(b, w2, a6);
                            if (T.Width == 8)
                            {
                                b = V.Broadcast(Unsafe.Add(ref d, 9 * coutPad));
                                a7 = V.MultiplyAdd(b, w2, a7);
                            }
                        }
                    }
                    ref float o = ref Unsafe.Add(ref dx, (ih * width + iw) * cin + c);
                    V.Store(ref o, a0); V.Store(ref Unsafe.Add(ref o, cin), a1); V.Store(ref Unsafe.Add(ref o, 2 * cin), a2);
                    V.Store(ref Unsafe.Add(ref o, 3 * cin), a3); V.Store(ref Unsafe.Add(ref o, 4 * cin), a4); V.Store(ref Unsafe.Add(ref o, 5 * cin), a5);
                    V.Store(ref Unsafe.Add(ref o, 6 * cin), a6);
                    if (T.Width == 8) V.Store(ref Unsafe.Add(ref o, 7 * cin), a7);
                }
            }
    }
}
#endif
