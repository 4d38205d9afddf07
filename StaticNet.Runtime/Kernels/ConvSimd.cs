#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// The SIMD halves of <see cref="ConvKernels"/>: im2col and col2im that move a position's channels as vectors when the
/// input is channels last (channel stride 1), and the direct forward convolution for one input channel.
/// </summary>
internal static class ConvSimd
{
    /// <summary>See <see cref="ConvKernels.Im2Col"/>; sizes checked by the caller.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Im2Col<V>(ref float x, in ConvGeometry g, ref float columns) where V : struct, ISimdVector<V>
    {
        nint height = g.InHeight, width = g.InWidth, cin = g.InChannels, ps = g.InputPositionStride, chs = g.InputChannelStride;
        nint kh = g.KernelHeight, kw = g.KernelWidth, s = g.Stride, d = g.Dilation, rowTaps = kw * cin;
        ref float c = ref columns;
        for (nint oh = 0; oh < g.OutHeight; oh++)
        {
            nint ih0 = oh * s - g.PadTop;
            for (nint ow = 0; ow < g.OutWidth; ow++)
            {
                nint iw0 = ow * s - g.PadLeft;
                for (nint ky = 0; ky < kh; ky++)
                {
                    nint ih = ih0 + ky * d;
                    if ((nuint)ih >= (nuint)height)
                    {
                        Clear<V>(ref c, rowTaps);
                        c = ref Unsafe.Add(ref c, rowTaps);
                        continue;
                    }
                    for (nint kx = 0; kx < kw; kx++)
                    {
                        nint iw = iw0 + kx * d;
                        if ((nuint)iw >= (nuint)width)
                            Clear<V>(ref c, cin);
                        else if (chs == 1)
                            Copy<V>(ref Unsafe.Add(ref x, (ih * width + iw) * ps), ref c, cin);
                        else
                        {
                            ref float xp = ref Unsafe.Add(ref x, (ih * width + iw) * ps);
                            for (nint ci = 0; ci < cin; ci++)
                                Unsafe.Add(ref c, ci) = Unsafe.Add(ref xp, ci * chs);
                        }
                        c = ref Unsafe.Add(ref c, cin);
                    }
                }
            }
        }
    }

    /// <summary>See <see cref="ConvKernels.Col2Im"/>; sizes checked by the caller.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Col2Im<V>(ref float columns, in ConvGeometry g, ref float dx) where V : struct, ISimdVector<V>
    {
        nint height = g.InHeight, width = g.InWidth, cin = g.InChannels, ps = g.InputPositionStride, chs = g.InputChannelStride;
        nint kh = g.KernelHeight, kw = g.KernelWidth, s = g.Stride, d = g.Dilation, rowTaps = kw * cin;
        ref float c = ref columns;
        for (nint oh = 0; oh < g.OutHeight; oh++)
        {
            nint ih0 = oh * s - g.PadTop;
            for (nint ow = 0; ow < g.OutWidth; ow++)
            {
                nint iw0 = ow * s - g.PadLeft;
                for (nint ky = 0; ky < kh; ky++)
                {
                    nint ih = ih0 + ky * d;
                    if ((nuint)ih >= (nuint)height)
                    {
                        c = ref Unsafe.Add(ref c, rowTaps);
                        continue;
                    }
                    for (nint kx = 0; kx < kw; kx++)
                    {
                        nint iw = iw0 + kx * d;
                        if ((nuint)iw < (nuint)width)
                        {
                            ref float xp = ref Unsafe.Add(ref dx, (ih * width + iw) * ps);
                            if (chs == 1)
                                AddTo<V>(ref c, ref xp, cin);
                            else
                                for (nint ci = 0; ci < cin; ci++)
                                    Unsafe.Add(ref xp, ci * chs) += Unsafe.Add(ref c, ci);
                        }
                        c = ref Unsafe.Add(ref c, cin);
                    }
                }
            }
        }
    }

    /// <summary>
    /// One sample of <see cref="ConvKernels.Forward"/> without an im2col matrix: tiles of four output positions along a
    /// row by one vector of output channels, each input tap broadcast (zero in the padding) against a weight row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DirectForward<V>(ref float x, in ConvGeometry g, ref float weight, ref float bias, ref float y)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count, height = g.InHeight, width = g.InWidth, cin = g.InChannels, ps = g.InputPositionStride, chs = g.InputChannelStride;
        nint kh = g.KernelHeight, kw = g.KernelWidth, s = g.Stride, d = g.Dilation, wOut = g.OutWidth, coutPad = g.OutChannelsPadded;
        for (nint v = 0; v < coutPad; v += n)
        {
            V b = V.Load(ref Unsafe.Add(ref bias, v));
            ref float wv = ref Unsafe.Add(ref weight, v);
            for (nint oh = 0; oh < g.OutHeight; oh++)
            {
                nint ih0 = oh * s - g.PadTop;
                ref float yRow = ref Unsafe.Add(ref y, oh * wOut * coutPad + v);
                nint ow = 0;
                for (; ow + 4 <= wOut; ow += 4)
                {
                    V a0 = b, a1 = b, a2 = b, a3 = b;
                    nint iw0 = ow * s - g.PadLeft;
                    bool interior = iw0 >= 0 && iw0 + 3 * s + (kw - 1) * d < width;
                    for (nint ky = 0; ky < kh; ky++)
                    {
                        nint ih = ih0 + ky * d;
                        if ((nuint)ih >= (nuint)height) continue;
                        ref float wk = ref Unsafe.Add(ref wv, ky * kw * cin * coutPad);
                        ref float xRow = ref Unsafe.Add(ref x, ih * width * ps);
                        for (nint kx = 0; kx < kw; kx++)
                        {
                            nint iw = iw0 + kx * d;
                            for (nint ci = 0; ci < cin; ci++)
                            {
                                V w = V.Load(ref wk);
                                wk = ref Unsafe.Add(ref wk, coutPad);
                                if (interior)
                                {
                                    ref float xp = ref Unsafe.Add(ref xRow, iw * ps + ci * chs);
                                    a0 = V.MultiplyAdd(w, V.Broadcast(xp), a0);
                                    a1 = V.MultiplyAdd(w, V.Broadcast(Unsafe.Add(ref xp, s * ps)), a1);
                                    a2 = V.MultiplyAdd(w, V.Broadcast(Unsafe.Add(ref xp, 2 * s * ps)), a2);
                                    a3 = V.MultiplyAdd(w, V.Broadcast(Unsafe.Add(ref xp, 3 * s * ps)), a3);
                                }
                                else
                                {
                                    a0 = V.MultiplyAdd(w, V.Broadcast(Tap(ref xRow, iw, width, ps, ci * chs)), a0);
                                    a1 = V.MultiplyAdd(w, V.Broadcast(Tap(ref xRow, iw + s, width, ps, ci * chs)), a1);
                                    a2 = V.MultiplyAdd(w, V.Broadcast(Tap(ref xRow, iw + 2 * s, width, ps, ci * chs)), a2);
                                    a3 = V.MultiplyAdd(w, V.Broadcast(Tap(ref xRow, iw + 3 * s, width, ps, ci * chs)), a3);
                                }
                            }
                        }
                    }
                    ref float yp = ref Unsafe.Add(ref yRow, ow * coutPad);
                    V.Store(ref yp, a0);
                    V.Store(ref Unsafe.Add(ref yp, coutPad), a1);
                    V.Store(ref Unsafe.Add(ref yp, 2 * coutPad), a2);
                    V.Store(ref Unsafe.Add(ref yp, 3 * coutPad), a3);
                }
                for (; ow < wOut; ow++)
                {
                    V a0 = b;
                    nint iw0 = ow * s - g.PadLeft;
                    for (nint ky = 0; ky < kh; ky++)
                    {
                        nint ih = ih0 + ky * d;
                        if ((nuint)ih >= (nuint)height) continue;
                        ref float wk = ref Unsafe.Add(ref wv, ky * kw * cin * coutPad);
                        ref float xRow = ref Unsafe.Add(ref x, ih * width * ps);
                        for (nint kx = 0; kx < kw; kx++)
                            for (nint ci = 0; ci < cin; ci++)
                            {
                                a0 = V.MultiplyAdd(V.Load(ref wk), V.Broadcast(Tap(ref xRow, iw0 + kx * d, width, ps, ci * chs)), a0);
                                wk = ref Unsafe.Add(ref wk, coutPad);
                            }
                    }
                    V.Store(ref Unsafe.Add(ref yRow, ow * coutPad), a0);
                }
            }
        }
    }

    /// <summary>
    /// <see cref="DirectForward{V}"/> for the common first layer: one input channel, a 3×3 kernel, stride 1, dilation 1,
    /// an output at least 8 wide. The input is first copied into <paramref name="padded"/> with its zero border
    /// (<see cref="Padded3x3Length"/> floats), so the inner loop has no bounds tests; the nine weight vectors stay in
    /// registers, and a tile of 8 output positions along a row reuses each broadcast input for up to three taps. Every
    /// output is the same chain of multiply-adds, in the same (ky, kx) order, as <see cref="DirectForward{V}"/>'s, so
    /// the two agree bit for bit wherever the input and weights are finite. A row's last tile overlaps the one before
    /// when the width is not a multiple of 8 (it recomputes the same values).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Direct3x3Forward<V>(ref float x, in ConvGeometry g, ref float weight, ref float bias, ref float padded, ref float y)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        nint hOut = g.OutHeight, wOut = g.OutWidth, coutPad = g.OutChannelsPadded, pw = wOut + 2;
        PadPlane3x3<V>(ref x, g, ref padded);
        nint end = RealVectors3x3<V>(g);
        if (end < coutPad) // the padding channels' weights are zero: their outputs are the bias (zero in a network)
            for (nint p = 0; p < hOut * wOut; p++)
                Copy<V128>(ref Unsafe.Add(ref bias, end), ref Unsafe.Add(ref y, p * coutPad + end), coutPad - end);
        for (nint v = 0; v < end; v += n)
        {
            V b = V.Load(ref Unsafe.Add(ref bias, v));
            ref float wv = ref Unsafe.Add(ref weight, v);
            V w0 = V.Load(ref wv), w1 = V.Load(ref Unsafe.Add(ref wv, coutPad)), w2 = V.Load(ref Unsafe.Add(ref wv, 2 * coutPad));
            V w3 = V.Load(ref Unsafe.Add(ref wv, 3 * coutPad)), w4 = V.Load(ref Unsafe.Add(ref wv, 4 * coutPad)), w5 = V.Load(ref Unsafe.Add(ref wv, 5 * coutPad));
            V w6 = V.Load(ref Unsafe.Add(ref wv, 6 * coutPad)), w7 = V.Load(ref Unsafe.Add(ref wv, 7 * coutPad)), w8 = V.Load(ref Unsafe.Add(ref wv, 8 * coutPad));
            for (nint oh = 0; oh < hOut; oh++)
            {
                ref float yRow = ref Unsafe.Add(ref y, oh * wOut * coutPad + v);
                ref float p0 = ref Unsafe.Add(ref padded, oh * pw);
                for (nint ow = 0; ow < wOut; ow += 8)
                {
                    if (ow + 8 > wOut) ow = wOut - 8;
                    V a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
                    Row3<V>(ref Unsafe.Add(ref p0, ow), w0, w1, w2, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                    Row3<V>(ref Unsafe.Add(ref p0, pw + ow), w3, w4, w5, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                    Row3<V>(ref Unsafe.Add(ref p0, 2 * pw + ow), w6, w7, w8, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                    ref float yp = ref Unsafe.Add(ref yRow, ow * coutPad);
                    V.Store(ref yp, a0);
                    V.Store(ref Unsafe.Add(ref yp, coutPad), a1);
                    V.Store(ref Unsafe.Add(ref yp, 2 * coutPad), a2);
                    V.Store(ref Unsafe.Add(ref yp, 3 * coutPad), a3);
                    V.Store(ref Unsafe.Add(ref yp, 4 * coutPad), a4);
                    V.Store(ref Unsafe.Add(ref yp, 5 * coutPad), a5);
                    V.Store(ref Unsafe.Add(ref yp, 6 * coutPad), a6);
                    V.Store(ref Unsafe.Add(ref yp, 7 * coutPad), a7);
                }
            }
        }
    }

    /// <summary>
    /// Copies the one-channel input plane of a 3×3, stride-1 layer into <paramref name="padded"/>, <c>(OutHeight + 2) ×
    /// (OutWidth + 2)</c> floats (<see cref="Padded3x3Length"/>), with its zero border: the rows −PadTop … OutHeight + 1 −
    /// PadTop, the columns likewise, so that output (oh, ow) reads rows oh … oh + 2 and columns ow … ow + 2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PadPlane3x3<V>(ref float x, in ConvGeometry g, ref float padded) where V : struct, ISimdVector<V>
    {
        nint height = g.InHeight, width = g.InWidth, ps = g.InputPositionStride, pw = g.OutWidth + 2, ph = g.OutHeight + 2;
        Clear<V>(ref padded, pw * ph);
        for (nint ih = 0; ih < height; ih++)
        {
            nint py = ih + g.PadTop;
            if (py >= ph) break;
            ref float row = ref Unsafe.Add(ref padded, py * pw + g.PadLeft);
            nint count = System.Math.Min(width, pw - g.PadLeft);
            ref float xRow = ref Unsafe.Add(ref x, ih * width * ps);
            if (ps == 1) Copy<V>(ref xRow, ref row, count);
            else
                for (nint iw = 0; iw < count; iw++) Unsafe.Add(ref row, iw) = Unsafe.Add(ref xRow, iw * ps);
        }
    }

    /// <summary>The floats <see cref="Direct3x3Forward{V}"/> needs for its zero-bordered input.</summary>
    public static int Padded3x3Length(in ConvGeometry g) => (g.OutHeight + 2) * (g.OutWidth + 2);

    /// <summary>
    /// The output channels the one-channel 3×3 kernels compute, <c>OutChannels</c> rounded up to the vector: the padding
    /// channels beyond get no multiply-adds (their weights are zero): the convolution writes their bias there (zero in a
    /// network), the fused pool zeros; so a layer of 8 filters on 256-bit vectors (<see cref="Direct3x3Vector"/>) does
    /// half the work of 512-bit ones.
    /// </summary>
    internal static nint RealVectors3x3<V>(in ConvGeometry g) where V : struct, ISimdVector<V> =>
        System.Math.Min(g.OutChannelsPadded, (g.OutChannels + V.Count - 1) / V.Count * V.Count);

    /// <summary>
    /// The vector width the one-channel 3×3 kernels use on a path: 256 bits on the 512-bit path when the layer has at
    /// most 8 filters (the same instructions on half the lanes: twice the throughput where a 512-bit FMA is two 256-bit
    /// halves, as on Zen 4, and no slower elsewhere); each lane's arithmetic is the same, so the result is too.
    /// </summary>
    internal static int Direct3x3Vector(in ConvGeometry g, int path) => path == 512 && g.OutChannels <= 8 ? 256 : path;

    /// <summary>Whether <see cref="Direct3x3Forward{V}"/> applies to <paramref name="g"/>.</summary>
    public static bool Direct3x3Applies(in ConvGeometry g) =>
        g.InChannels == 1 && g.KernelHeight == 3 && g.KernelWidth == 3 && g.Stride == 1 && g.Dilation == 1 && g.OutWidth >= 8;

    /// <summary>One kernel row (three taps) of a tile of 8 outputs: ten inputs, each broadcast once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Row3<V>(ref float p, V w0, V w1, V w2, ref V a0, ref V a1, ref V a2, ref V a3, ref V a4, ref V a5, ref V a6, ref V a7)
        where V : struct, ISimdVector<V>
    {
        V x0 = V.Broadcast(p), x1 = V.Broadcast(Unsafe.Add(ref p, 1)), x2 = V.Broadcast(Unsafe.Add(ref p, 2));
        a0 = V.MultiplyAdd(w0, x0, a0);
        a0 = V.MultiplyAdd(w1, x1, a0);
        a1 = V.MultiplyAdd(w0, x1, a1);
        V x3 = V.Broadcast(Unsafe.Add(ref p, 3));
        a0 = V.MultiplyAdd(w2, x2, a0);
        a1 = V.MultiplyAdd(w1, x2, a1);
        a2 = V.MultiplyAdd(w0, x2, a2);
        V x4 = V.Broadcast(Unsafe.Add(ref p, 4));
        a1 = V.MultiplyAdd(w2, x3, a1);
        a2 = V.MultiplyAdd(w1, x3, a2);
        a3 = V.MultiplyAdd(w0, x3, a3);
        V x5 = V.Broadcast(Unsafe.Add(ref p, 5));
        a2 = V.MultiplyAdd(w2, x4, a2);
        a3 = V.MultiplyAdd(w1, x4, a3);
        a4 = V.MultiplyAdd(w0, x4, a4);
        V x6 = V.Broadcast(Unsafe.Add(ref p, 6));
        a3 = V.MultiplyAdd(w2, x5, a3);
        a4 = V.MultiplyAdd(w1, x5, a4);
        a5 = V.MultiplyAdd(w0, x5, a5);
        V x7 = V.Broadcast(Unsafe.Add(ref p, 7));
        a4 = V.MultiplyAdd(w2, x6, a4);
        a5 = V.MultiplyAdd(w1, x6, a5);
        a6 = V.MultiplyAdd(w0, x6, a6);
        V x8 = V.Broadcast(Unsafe.Add(ref p, 8));
        a5 = V.MultiplyAdd(w2, x7, a5);
        a6 = V.MultiplyAdd(w1, x7, a6);
        a7 = V.MultiplyAdd(w0, x7, a7);
        V x9 = V.Broadcast(Unsafe.Add(ref p, 9));
        a6 = V.MultiplyAdd(w2, x8, a6);
        a7 = V.MultiplyAdd(w1, x8, a7);
        a7 = V.MultiplyAdd(w2, x9, a7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tap(ref float xRow, nint iw, nint width, nint ps, nint channelOffset) =>
        (nuint)iw < (nuint)width ? Unsafe.Add(ref xRow, iw * ps + channelOffset) : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Clear<V>(ref float destination, nint count) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, j = 0;
        for (; j + n <= count; j += n)
            V.Store(ref Unsafe.Add(ref destination, j), V.Zero);
        for (; j < count; j++)
            Unsafe.Add(ref destination, j) = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy<V>(ref float source, ref float destination, nint count) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, j = 0;
        for (; j + n <= count; j += n)
            V.Store(ref Unsafe.Add(ref destination, j), V.Load(ref Unsafe.Add(ref source, j)));
        if (n > 4)
            for (; j + 4 <= count; j += 4)
                V128.Store(ref Unsafe.Add(ref destination, j), V128.Load(ref Unsafe.Add(ref source, j)));
        for (; j < count; j++)
            Unsafe.Add(ref destination, j) = Unsafe.Add(ref source, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddTo<V>(ref float source, ref float destination, nint count) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, j = 0;
        for (; j + n <= count; j += n)
        {
            ref float dj = ref Unsafe.Add(ref destination, j);
            V.Store(ref dj, V.Add(V.Load(ref dj), V.Load(ref Unsafe.Add(ref source, j))));
        }
        if (n > 4)
            for (; j + 4 <= count; j += 4)
            {
                ref float dj = ref Unsafe.Add(ref destination, j);
                V128.Store(ref dj, V128.Add(V128.Load(ref dj), V128.Load(ref Unsafe.Add(ref source, j))));
            }
        for (; j < count; j++)
            Unsafe.Add(ref destination, j) += Unsafe.Add(ref source, j);
    }
}
#endif
