#if NET8_0_OR_GREATER
using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// Winograd's F(2×4, 3×3) (issue 21): each block of 2 output rows × 4 output columns is
/// <c>A₂ᵀ ⊗ A₄ᵀ [(G₂ ⊗ G₄ g) ⊙ (B₂ᵀ ⊗ B₄ᵀ d)]</c> over a 4 × 6 input tile, F(2, 3) down the rows (as
/// <see cref="ConvWinograd"/>) and F(4, 3) along the row with the interpolation points 0, 1, −1, 2, −½, ∞: 24 products
/// per channel pair for 8 outputs instead of F(2×2)'s 32, so the GEMMs do three quarters of the multiply-adds. A tile
/// covers two 2 × 2 pooling windows side by side; a last, partial tile (a width not a multiple of 4) reads zeros past
/// the image and stores only what is inside. The filter transform is computed in double precision and rounded once.
/// <para>
/// Its rounding error is about twice F(2×2)'s (the 1-D F(4, 3) transforms have coefficients up to 8 and 16/15): on
/// random layers with inputs and weights uniform in ±1, at most 6.8 · 10⁻⁶ against a double-precision reference with
/// 16 input channels (F(2×2): 2.6 · 10⁻⁶), but 9.6 · 10⁻⁶ with 32 and 1.9 · 10⁻⁵ with 64, over the 10⁻⁵ the
/// convolution and ONNX-import tests require. So it applies to exactly 16 input channels (the Fashion CNN's second
/// convolution), where its worst case is below F(2×2)'s own with 64 channels. Used on 512-bit vectors by every caller of
/// <see cref="ConvWinograd"/> (the convolution, the fused convolution + pool, the input gradient), so that all of them
/// stay the same bits as each other; other vector widths keep F(2×2).
/// </para>
/// </summary>
internal static unsafe class ConvWinograd24
{
    /// <summary>Tests and benchmarks switch back to F(2×2) (the path before).</summary>
    [ThreadStatic] internal static bool Disabled;

    private const int E = 24;

    /// <summary>16 input channels (one 512-bit vector; more would add rounding error, see the class), at least 4 output
    /// columns, at most 4,096 padded output channels; the rest of <see cref="ConvWinograd.Applies{V}"/> is checked by
    /// the caller.</summary>
    public static bool Applies<V>(in ConvGeometry g) where V : struct, ISimdVector<V> =>
        typeof(V) == typeof(V512) && Avx512F.IsSupported && !Disabled && g.InChannels == Channels && g.OutWidth >= 4 && g.OutChannelsPadded <= 4096;

    /// <summary>The input channels this path takes (see <see cref="Applies{V}"/>).</summary>
    internal const int Channels = 16;

    [ThreadStatic] private static float[]? buffer;

    /// <summary>This thread's work buffer of at least <paramref name="length"/> floats (64-byte aligned, pinned).</summary>
    private static ref float Work(nint length)
    {
        float[]? b = buffer;
        if (b is null || b.Length < length + 16)
            buffer = b = GC.AllocateUninitializedArray<float>((int)length + 16, pinned: true);
        return ref b[AlignedBuffer.FloatsToBoundary(ref b[0])];
    }

    /// <summary>See <see cref="ConvWinograd"/>'s <c>Forward</c>: the same arguments (the caller's scratch is not used), and
    /// the caller's choice of the transposed store: <paramref name="pooled"/> is the target the pooled vectors go to
    /// (<paramref name="flatBuffer"/>, channels last, when <paramref name="transpose"/>; otherwise <paramref name="target"/>),
    /// <paramref name="positions"/> the pooled positions of a sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<V>(ref float x, int rows, in ConvGeometry g, ref float weight, ref float bias,
        ref float y, bool pool, in PoolTarget target, in PoolTarget pooled, Span<float> flatBuffer, bool transpose,
        nint positions) where V : struct, ISimdVector<V>
    {
        nint cin = g.InChannels, cp = g.OutChannelsPadded, ho = g.OutHeight, wo = g.OutWidth;
        nint th = (ho + 1) / 2, tw = (wo + 3) / 4;
        nint perTileRow = E * tw * (cin + cp);
        // About 128 KB of transformed tiles and products at a time (the L2 is shared with the next layer's weights).
        nint group = Math.Clamp(32768 / perTileRow, 1, th);
        nint filter = E * cin * cp;
        bool cached = !WinogradFilterCache.Disabled && filter <= WinogradFilterCache.MaxTransformedLength;
        nint workLength = cp + group * perTileRow + (cached ? 0 : filter);
        ref float zero = ref Work(workLength);
        ref float work = ref Unsafe.Add(ref zero, cp);
        scoped ref float wt = ref Unsafe.Add(ref work, group * perTileRow);
        if (cached)
            wt = ref CachedFilter(ref weight, cin, cp);
        else
            FilterTransform(ref weight, cin, cp, ref wt);
        ConvSimd.Clear<V>(ref zero, cp);
        for (int r = 0; r < rows; r++)
        {
            ref float xs = ref Unsafe.Add(ref x, (nint)r * g.InputSampleStride);
            ref float yr = ref Unsafe.Add(ref y, r * (pool ? target.Sample : g.OutputSampleLength));
            ref float ys = ref transpose ? ref System.Runtime.InteropServices.MemoryMarshal.GetReference(flatBuffer) : ref yr;
            for (nint ty0 = 0; ty0 < th; ty0 += group)
            {
                nint count = Math.Min(group, th - ty0), tiles = count * tw;
                ref float u = ref work;
                ref float m = ref Unsafe.Add(ref u, E * tiles * cin);
                InputTransform(ref xs, g, ty0, count, tw, ref u, tiles);
                for (nint e = 0; e < E; e++)
                    DenseSimd.Forward<V512>(ref Unsafe.Add(ref u, e * tiles * cin), (int)tiles, (int)cin, (int)cin,
                        ref Unsafe.Add(ref wt, e * cin * cp), ref zero, ref Unsafe.Add(ref m, e * tiles * cp), (int)cp);
                Output(ref m, tiles, g, ty0, count, tw, ref bias, pool, pooled, ref ys);
            }
            if (transpose) FlattenTranspose.Store(ref ys, positions, cp, g.OutChannels, target.Channel, ref yr);
        }
    }

    /// <summary>The transformed filter, kept between calls while the weights stay the same bits.</summary>
    private static ref float CachedFilter(ref float weight, nint cin, nint cp) =>
        ref WinogradFilterCache.Get(ref weight, (int)(9 * cin * cp), 2400, (int)(E * cin * cp), &FilterTransform, cin, cp);

    // F(2, 3) down the rows: G₂ = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]. F(4, 3) along the row, points 0, 1, −1, 2, −½, ∞:
    private static readonly double[] G4 =
    {
        1, 0, 0,
        -1.0 / 3, -1.0 / 3, -1.0 / 3,
        1.0 / 3, -1.0 / 3, 1.0 / 3,
        1.0 / 15, 2.0 / 15, 4.0 / 15,
        -16.0 / 15, 8.0 / 15, -4.0 / 15,
        0, 0, 1,
    };

    /// <summary><c>U = (G₂ ⊗ G₄) g</c> for every (ci, co): <c>wt[e][ci][co]</c>, e = 6a + b; in double precision, eight
    /// output channels at a time (training transforms the changed weights on every call), each value rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FilterTransform(ref float weight, nint cin, nint cp, ref float wt)
    {
        nint tap = cin * cp;
        Span<Vector512<double>> r = stackalloc Vector512<double>[18]; // (G₄ g) of each kernel row ky: r[6 ky + b]
        Vector512<double> half = Vector512.Create(0.5);
        for (nint i = 0; i < tap; i += 8)
        {
            for (int ky = 0; ky < 3; ky++)
            {
                Vector512<double> k0 = Widen(ref Unsafe.Add(ref weight, (3 * ky) * tap + i));
                Vector512<double> k1 = Widen(ref Unsafe.Add(ref weight, (3 * ky + 1) * tap + i));
                Vector512<double> k2 = Widen(ref Unsafe.Add(ref weight, (3 * ky + 2) * tap + i));
                for (int b = 0; b < 6; b++)
                    r[6 * ky + b] = k0 * Vector512.Create(G4[3 * b]) + k1 * Vector512.Create(G4[3 * b + 1]) + k2 * Vector512.Create(G4[3 * b + 2]);
            }
            for (int b = 0; b < 6; b++)
            {
                Vector512<double> r0 = r[b], r1 = r[6 + b], r2 = r[12 + b];
                Narrow(r0, ref Unsafe.Add(ref wt, b * tap + i));
                Narrow((r0 + r1 + r2) * half, ref Unsafe.Add(ref wt, (6 + b) * tap + i));
                Narrow((r0 - r1 + r2) * half, ref Unsafe.Add(ref wt, (12 + b) * tap + i));
                Narrow(r2, ref Unsafe.Add(ref wt, (18 + b) * tap + i));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Widen(ref float source) =>
        Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Narrow(Vector512<double> value, ref float destination) =>
        Avx512F.ConvertToVector256Single(value).StoreUnsafe(ref destination);

    /// <summary><c>V = (B₂ᵀ ⊗ B₄ᵀ) d</c> for each tile: <c>u[e][t][ci]</c>; inputs outside the image are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputTransform(ref float x, in ConvGeometry g, nint ty0, nint count, nint tw, ref float u, nint tiles)
    {
        nint cin = g.InChannels, ps = g.InputPositionStride, h = g.InHeight, w = g.InWidth, plane = tiles * cin;
        for (nint ty = 0; ty < count; ty++)
        {
            nint ih0 = (ty0 + ty) * 2 - g.PadTop;
            for (nint tx = 0; tx < tw; tx++)
            {
                nint iw0 = tx * 4 - g.PadLeft;
                bool interior = ih0 >= 0 && ih0 + 3 < h && iw0 >= 0 && iw0 + 5 < w;
                ref float o = ref Unsafe.Add(ref u, (ty * tw + tx) * cin);
                for (nint c = 0; c < cin; c += 16)
                {
                    ref float oc = ref Unsafe.Add(ref o, c);
                    // Each column j of B₂ᵀ·d (four rows), then each of those rows through B₄ᵀ.
                    V512 r00, r01, r02, r03, r04, r05, r10, r11, r12, r13, r14, r15;
                    V512 r20, r21, r22, r23, r24, r25, r30, r31, r32, r33, r34, r35;
                    Column(ref x, ih0, iw0, h, w, ps, c, interior, out r00, out r10, out r20, out r30);
                    Column(ref x, ih0, iw0 + 1, h, w, ps, c, interior, out r01, out r11, out r21, out r31);
                    Column(ref x, ih0, iw0 + 2, h, w, ps, c, interior, out r02, out r12, out r22, out r32);
                    Column(ref x, ih0, iw0 + 3, h, w, ps, c, interior, out r03, out r13, out r23, out r33);
                    Column(ref x, ih0, iw0 + 4, h, w, ps, c, interior, out r04, out r14, out r24, out r34);
                    Column(ref x, ih0, iw0 + 5, h, w, ps, c, interior, out r05, out r15, out r25, out r35);
                    InputRow(r00, r01, r02, r03, r04, r05, ref oc, plane);
                    InputRow(r10, r11, r12, r13, r14, r15, ref Unsafe.Add(ref oc, 6 * plane), plane);
                    InputRow(r20, r21, r22, r23, r24, r25, ref Unsafe.Add(ref oc, 12 * plane), plane);
                    InputRow(r30, r31, r32, r33, r34, r35, ref Unsafe.Add(ref oc, 18 * plane), plane);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(ref float x, nint ih0, nint iw, nint h, nint w, nint ps, nint c, bool interior,
        out V512 r0, out V512 r1, out V512 r2, out V512 r3)
    {
        V512 d0 = Load(ref x, ih0, iw, h, w, ps, c, interior), d1 = Load(ref x, ih0 + 1, iw, h, w, ps, c, interior);
        V512 d2 = Load(ref x, ih0 + 2, iw, h, w, ps, c, interior), d3 = Load(ref x, ih0 + 3, iw, h, w, ps, c, interior);
        r0 = V512.Subtract(d0, d2);
        r1 = V512.Add(d1, d2);
        r2 = V512.Subtract(d2, d1);
        r3 = V512.Subtract(d1, d3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V512 Load(ref float x, nint ih, nint iw, nint h, nint w, nint ps, nint c, bool interior) =>
        interior || ((nuint)ih < (nuint)h && (nuint)iw < (nuint)w) ? V512.Load(ref Unsafe.Add(ref x, (ih * w + iw) * ps + c)) : V512.Zero;

    /// <summary>B₄ᵀ of one row (points 0, 1, −1, 2, −½, ∞).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRow(V512 x0, V512 x1, V512 x2, V512 x3, V512 x4, V512 x5, ref float o, nint plane)
    {
        V512 h = V512.Broadcast(0.5f), p15 = V512.Broadcast(1.5f), m2 = V512.Broadcast(-2f), m25 = V512.Broadcast(-2.5f);
        // r0 = x0 + 1.5x1 − 2x2 − 1.5x3 + x4
        V512.Store(ref o, V512.Add(V512.MultiplyAdd(V512.Subtract(x1, x3), p15, V512.MultiplyAdd(x2, m2, x0)), x4));
        // r1 = −x1 − 2.5x2 − 0.5x3 + x4
        V512.Store(ref Unsafe.Add(ref o, plane), V512.Subtract(V512.MultiplyAdd(x2, m25, x4), V512.MultiplyAdd(x3, h, x1)));
        // r2 = x1 + 0.5x2 − 2.5x3 + x4
        V512.Store(ref Unsafe.Add(ref o, 2 * plane), V512.Add(V512.MultiplyAdd(x3, m25, x4), V512.MultiplyAdd(x2, h, x1)));
        // r3 = −0.5x1 − x2 + 0.5x3 + x4
        V512.Store(ref Unsafe.Add(ref o, 3 * plane), V512.MultiplyAdd(V512.Subtract(x3, x1), h, V512.Subtract(x4, x2)));
        // r4 = 2x1 − x2 − 2x3 + x4
        V512.Store(ref Unsafe.Add(ref o, 4 * plane), V512.MultiplyAdd(V512.Subtract(x3, x1), m2, V512.Subtract(x4, x2)));
        // r5 = x1 + 1.5x2 − 2x3 − 1.5x4 + x5
        V512.Store(ref Unsafe.Add(ref o, 5 * plane), V512.Add(V512.MultiplyAdd(V512.Subtract(x2, x4), p15, V512.MultiplyAdd(x3, m2, x1)), x5));
    }

    /// <summary>The output transform + bias of each tile: stored channels last (the convolution) or, per 2 × 2 window,
    /// (ReLU and) the maximum in the pool's scan order at the pooled position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Output(ref float m, nint tiles, in ConvGeometry g, nint ty0, nint count, nint tw, ref float bias,
        bool pool, in PoolTarget target, ref float y)
    {
        nint cp = g.OutChannelsPadded, ho = g.OutHeight, wo = g.OutWidth, hp = ho / 2, wp = wo / 2, plane = tiles * cp;
        bool relu = target.ReLU;
        for (nint ty = 0; ty < count; ty++)
        {
            nint oh = (ty0 + ty) * 2;
            if (pool && ty0 + ty >= hp) break;
            for (nint tx = 0; tx < tw; tx++)
            {
                nint ow = tx * 4;
                ref float mt = ref Unsafe.Add(ref m, (ty * tw + tx) * cp);
                for (nint c = 0; c < cp; c += 16)
                {
                    ref float mc = ref Unsafe.Add(ref mt, c);
                    V512 b = V512.Load(ref Unsafe.Add(ref bias, c));
                    // A₂ᵀ over the rows a for each column, then A₄ᵀ along each of the two rows.
                    Rows(ref mc, plane, 0, out V512 s00, out V512 s10);
                    Rows(ref mc, plane, 1, out V512 s01, out V512 s11);
                    Rows(ref mc, plane, 2, out V512 s02, out V512 s12);
                    Rows(ref mc, plane, 3, out V512 s03, out V512 s13);
                    Rows(ref mc, plane, 4, out V512 s04, out V512 s14);
                    Rows(ref mc, plane, 5, out V512 s05, out V512 s15);
                    Row(s00, s01, s02, s03, s04, s05, b, out V512 y00, out V512 y01, out V512 y02, out V512 y03);
                    Row(s10, s11, s12, s13, s14, s15, b, out V512 y10, out V512 y11, out V512 y12, out V512 y13);
                    if (pool)
                    {
                        nint p = (ty0 + ty) * wp + 2 * tx;
                        if (2 * tx < wp)
                            ConvPoolSimd.Store(ConvPoolSimd.MaxReLU4(y00, y01, y10, y11, relu), target, ref y, p, c);
                        if (2 * tx + 1 < wp)
                            ConvPoolSimd.Store(ConvPoolSimd.MaxReLU4(y02, y03, y12, y13, relu), target, ref y, p + 1, c);
                        continue;
                    }
                    ref float yc = ref Unsafe.Add(ref y, (oh * wo + ow) * cp + c);
                    nint valid = Math.Min(4, wo - ow);
                    StoreRow(ref yc, cp, valid, y00, y01, y02, y03);
                    if (oh + 1 < ho) StoreRow(ref Unsafe.Add(ref yc, wo * cp), cp, valid, y10, y11, y12, y13);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ref float y, nint cp, nint valid, V512 a, V512 b, V512 c, V512 d)
    {
        V512.Store(ref y, a);
        if (valid > 1) V512.Store(ref Unsafe.Add(ref y, cp), b);
        if (valid > 2) V512.Store(ref Unsafe.Add(ref y, 2 * cp), c);
        if (valid > 3) V512.Store(ref Unsafe.Add(ref y, 3 * cp), d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows(ref float mc, nint plane, nint column, out V512 s0, out V512 s1)
    {
        V512 m0 = V512.Load(ref Unsafe.Add(ref mc, column * plane)), m1 = V512.Load(ref Unsafe.Add(ref mc, (6 + column) * plane));
        V512 m2 = V512.Load(ref Unsafe.Add(ref mc, (12 + column) * plane)), m3 = V512.Load(ref Unsafe.Add(ref mc, (18 + column) * plane));
        s0 = V512.Add(V512.Add(m0, m1), m2);
        s1 = V512.Subtract(V512.Subtract(m1, m2), m3);
    }

    /// <summary>A₄ᵀ (points 0, 1, −1, 2, −½, ∞) plus the bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(V512 x0, V512 x1, V512 x2, V512 x3, V512 x4, V512 x5, V512 bias, out V512 y0, out V512 y1, out V512 y2, out V512 y3)
    {
        V512 a1 = V512.Add(x1, x2), a2 = V512.Subtract(x1, x2);
        y0 = V512.Add(V512.Add(V512.Add(V512.Add(x0, a1), x3), x4), bias);
        y1 = V512.Add(V512.MultiplyAdd(x4, V512.Broadcast(-0.5f), V512.MultiplyAdd(x3, V512.Broadcast(2f), a2)), bias);
        y2 = V512.Add(V512.MultiplyAdd(x4, V512.Broadcast(0.25f), V512.MultiplyAdd(x3, V512.Broadcast(4f), a1)), bias);
        y3 = V512.Add(V512.Add(V512.MultiplyAdd(x4, V512.Broadcast(-0.125f), V512.MultiplyAdd(x3, V512.Broadcast(8f), a2)), x5), bias);
    }
}
#endif
