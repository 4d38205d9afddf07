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
