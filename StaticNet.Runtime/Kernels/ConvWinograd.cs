#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// The forward 3×3, stride-1 convolution of a channels-last input as Winograd's F(2×2, 3×3) (Lavin and Gray, 2015):
/// each 2×2 block of outputs is <c>Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A</c> over a 4×4 input tile <c>d</c>, so the 36 multiply-adds
/// per channel pair of four outputs become 16, done as sixteen small GEMMs (one per tile element) with the dense
/// kernel. The transforms use only additions and halvings, so the result differs from the direct sum by rounding only
/// (a few units in the last place of the largest partial sums). Used by <see cref="ConvKernels.Forward"/> when
/// <see cref="Applies"/> and the caller's scratch holds <see cref="ScratchNeeded"/> floats; the backward passes are
/// unchanged (im2col). Issue 20: the Fashion-MNIST CNN's second convolution, 1.8 MFLOP direct, about 0.8 here.
/// With exactly 16 input channels on 512-bit vectors every entry point hands over to <see cref="ConvWinograd24"/>'s
/// F(2×4, 3×3) (issue 21: three quarters of the multiply-adds, about twice the rounding error).
/// </summary>
internal static class ConvWinograd
{
    /// <summary>
    /// A 3×3 kernel, stride 1, dilation 1, channels-last input of at least 2 channels (the input transform takes the
    /// channels in chunks of the vector, then of 8 and 4, then one at a time, see <see cref="InputTransform{V}"/>; even 2
    /// or 3 channels, transformed one at a time, beat im2col: <c>--small-cnn-parts</c>; one channel has its own kernel).
    /// </summary>
    public static bool Applies<V>(in ConvGeometry g) where V : struct, ISimdVector<V> =>
        g.KernelHeight == 3 && g.KernelWidth == 3 && g.Stride == 1 && g.Dilation == 1 && g.InputChannelStride == 1 &&
        g.InChannels >= 2 && g.OutChannelsPadded % V.Count == 0 && g.OutHeight >= 2 && g.OutWidth >= 2;

    /// <summary>The scratch floats for one row of tiles at a time: the transformed filter, a zero bias and one tile row's
    /// transformed inputs and products. More scratch lets <c>Forward</c> do several tile rows per GEMM.</summary>
    public static int ScratchNeeded(in ConvGeometry g) =>
        16 * g.InChannels * g.OutChannelsPadded + g.OutChannelsPadded + 16 * ((g.OutWidth + 1) / 2) * (g.InChannels + g.OutChannelsPadded);

    /// <summary>See <see cref="ConvKernels.Forward"/>; sizes checked by the caller, scratch at least <see cref="ScratchNeeded"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<V>(ref float x, int rows, in ConvGeometry g, ref float weight, ref float bias, ref float scratch,
        nint scratchLength, ref float y) where V : struct, ISimdVector<V> =>
        Forward<V>(ref x, rows, g, ref weight, ref bias, ref scratch, scratchLength, ref y, pool: false, default);

    /// <summary>
    /// As <see cref="Forward{V}(ref float, int, in ConvGeometry, ref float, ref float, ref float, nint, ref float)"/>, then
    /// (ReLU and) the 2×2 max pool of <see cref="ConvPoolKernels.ForwardMaxPool"/>: each Winograd tile is exactly one
    /// pooling window, so the output transform computes a tile's four outputs (the same sums as the unfused transform),
    /// takes their maximum in the pool's scan order and stores only that.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<V>(ref float x, int rows, in ConvGeometry g, ref float weight, ref float bias, ref float scratch,
        nint scratchLength, ref float y, in PoolTarget target) where V : struct, ISimdVector<V> =>
        Forward<V>(ref x, rows, g, ref weight, ref bias, ref scratch, scratchLength, ref y, pool: true, target);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit] // the transposed store's buffer is written before it is read
    private static void Forward<V>(ref float x, int rows, in ConvGeometry g, ref float weight, ref float bias, ref float scratch,
        nint scratchLength, ref float y, bool pool, in PoolTarget target) where V : struct, ISimdVector<V>
    {
        // PyTorch's flattened order on 512-bit vectors: channels last into a buffer, then a transposed store.
        nint positions = (g.OutHeight / 2) * (g.OutWidth / 2);
        bool transpose = pool && FlattenTranspose.Applies<V>(target, positions, g.OutChannelsPadded);
        System.Span<float> buffer = transpose ? stackalloc float[FlattenTranspose.BufferLength] : default;
        PoolTarget pooled = transpose ? new PoolTarget(target.ReLU, 0, g.OutChannelsPadded, 1, g.OutChannels) : target;
        if (ConvWinograd24.Applies<V>(g))
        {
            ConvWinograd24.Forward<V>(ref x, rows, g, ref weight, ref bias, ref y, pool, target, pooled, buffer, transpose, positions);
            return;
        }
        nint cin = g.InChannels, cp = g.OutChannelsPadded, ho = g.OutHeight, wo = g.OutWidth;
        nint th = (ho + 1) / 2, tw = (wo + 1) / 2;
        ref float wt = ref scratch;
        nint filterScratch = 16 * cin * cp; // the cached filter (inference) leaves this scratch to the tiles
        if (pool && !WinogradFilterCache.Disabled && 16 * cin * cp <= WinogradFilterCache.MaxTransformedLength)
        {
            wt = ref CachedFilter<V>(ref weight, cin, cp);
            filterScratch = 0;
        }
        else
            FilterTransform<V>(ref weight, cin, cp, ref wt);
        ref float zero = ref Unsafe.Add(ref scratch, filterScratch);
        ConvSimd.Clear<V>(ref zero, cp);
        ref float work = ref Unsafe.Add(ref zero, cp);
        nint perTileRow = 16 * tw * (cin + cp);
        nint group = System.Math.Min(th, (scratchLength - filterScratch - cp) / perTileRow);
        for (int r = 0; r < rows; r++)
        {
            ref float xs = ref Unsafe.Add(ref x, (nint)r * g.InputSampleStride);
            ref float yr = ref Unsafe.Add(ref y, r * (pool ? target.Sample : g.OutputSampleLength));
            ref float ys = ref transpose ? ref System.Runtime.InteropServices.MemoryMarshal.GetReference(buffer) : ref yr;
            for (nint ty0 = 0; ty0 < th; ty0 += group)
            {
                nint count = System.Math.Min(group, th - ty0), tiles = count * tw;
                ref float u = ref work;
                ref float m = ref Unsafe.Add(ref u, 16 * tiles * cin);
                InputTransform<V>(ref xs, g, ty0, count, tw, ref u, tiles);
                for (nint e = 0; e < 16; e++)
                    DenseSimd.Forward<V>(ref Unsafe.Add(ref u, e * tiles * cin), (int)tiles, (int)cin, (int)cin,
                        ref Unsafe.Add(ref wt, e * cin * cp), ref zero, ref Unsafe.Add(ref m, e * tiles * cp), (int)cp);
                if (pool) OutputMaxPool<V>(ref m, tiles, g, ty0, count, tw, ref bias, pooled, ref ys);
                else OutputTransform<V>(ref m, tiles, g, ty0, count, tw, ref bias, ref ys);
            }
            if (transpose) FlattenTranspose.Store(ref ys, positions, g.OutChannelsPadded, g.OutChannels, target.Channel, ref yr);
        }
    }

    /// <summary>The inference path's transformed filter, kept between calls while the weights stay the same bits.</summary>
    private static unsafe ref float CachedFilter<V>(ref float weight, nint cin, nint cp) where V : struct, ISimdVector<V> =>
        ref WinogradFilterCache.Get(ref weight, (int)(9 * cin * cp), 2200 + V.Count, (int)(16 * cin * cp), &FilterTransform<V>, cin, cp);

    /// <summary><c>U = G g Gᵀ</c> for every (ci, co): <c>wt[e][ci][co]</c>, e = 4a + b, vectorised over co.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FilterTransform<V>(ref float weight, nint cin, nint cp, ref float wt) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, tap = cin * cp, plane = cin * cp;
        V half = V.Broadcast(0.5f);
        for (nint ci = 0; ci < cin; ci++)
            for (nint co = 0; co < cp; co += n)
            {
                ref float w = ref Unsafe.Add(ref weight, ci * cp + co);
                // Rows ky of G·g (4 × 3), then columns kx.
                V g00 = V.Load(ref w), g01 = V.Load(ref Unsafe.Add(ref w, tap)), g02 = V.Load(ref Unsafe.Add(ref w, 2 * tap));
                V g10 = V.Load(ref Unsafe.Add(ref w, 3 * tap)), g11 = V.Load(ref Unsafe.Add(ref w, 4 * tap)), g12 = V.Load(ref Unsafe.Add(ref w, 5 * tap));
                V g20 = V.Load(ref Unsafe.Add(ref w, 6 * tap)), g21 = V.Load(ref Unsafe.Add(ref w, 7 * tap)), g22 = V.Load(ref Unsafe.Add(ref w, 8 * tap));
                ref float o = ref Unsafe.Add(ref wt, ci * cp + co);
                FilterRow<V>(g00, g01, g02, half, ref o, plane);
                FilterRow<V>(V.Multiply(V.Add(V.Add(g00, g10), g20), half), V.Multiply(V.Add(V.Add(g01, g11), g21), half),
                    V.Multiply(V.Add(V.Add(g02, g12), g22), half), half, ref Unsafe.Add(ref o, 4 * plane), plane);
                FilterRow<V>(V.Multiply(V.Add(V.Subtract(g00, g10), g20), half), V.Multiply(V.Add(V.Subtract(g01, g11), g21), half),
                    V.Multiply(V.Add(V.Subtract(g02, g12), g22), half), half, ref Unsafe.Add(ref o, 8 * plane), plane);
                FilterRow<V>(g20, g21, g22, half, ref Unsafe.Add(ref o, 12 * plane), plane);
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterRow<V>(V a, V b, V c, V half, ref float o, nint plane) where V : struct, ISimdVector<V>
    {
        V.Store(ref o, a);
        V.Store(ref Unsafe.Add(ref o, plane), V.Multiply(V.Add(V.Add(a, b), c), half));
        V.Store(ref Unsafe.Add(ref o, 2 * plane), V.Multiply(V.Add(V.Subtract(a, b), c), half));
        V.Store(ref Unsafe.Add(ref o, 3 * plane), c);
    }

    /// <summary><c>V = Bᵀ d B</c> for each tile of <paramref name="count"/> tile rows from <paramref name="ty0"/>:
    /// <c>u[e][t][ci]</c>, vectorised over ci (chunks of <typeparamref name="V"/>, then of 8 and 4 channels, then single
    /// channels, so that a narrow layer, e.g. 8 channels on 512-bit vectors, takes this path too: the transform's
    /// arithmetic is per channel, so the chunking changes no result); inputs outside the image are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputTransform<V>(ref float x, in ConvGeometry g, nint ty0, nint count, nint tw, ref float u, nint tiles)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count, cin = g.InChannels, ps = g.InputPositionStride, h = g.InHeight, w = g.InWidth, plane = tiles * cin;
        for (nint ty = 0; ty < count; ty++)
        {
            nint ih0 = (ty0 + ty) * 2 - g.PadTop;
            for (nint tx = 0; tx < tw; tx++)
            {
                nint iw0 = tx * 2 - g.PadLeft;
                bool interior = ih0 >= 0 && ih0 + 3 < h && iw0 >= 0 && iw0 + 3 < w;
                ref float o = ref Unsafe.Add(ref u, (ty * tw + tx) * cin);
                nint c = 0;
                for (; c + n <= cin; c += n)
                    InputTile<V>(ref x, ih0, iw0, h, w, ps, c, interior, ref o, plane);
                if (n > 8)
                    for (; c + 8 <= cin; c += 8)
                        InputTile<V256>(ref x, ih0, iw0, h, w, ps, c, interior, ref o, plane);
                if (n > 4)
                    for (; c + 4 <= cin; c += 4)
                        InputTile<V128>(ref x, ih0, iw0, h, w, ps, c, interior, ref o, plane);
                for (; c < cin; c++)
                    InputTileScalar(ref x, ih0, iw0, h, w, ps, c, interior, ref o, plane);
            }
        }
    }

    /// <summary>One tile's transform for the channels <c>c … c + Count − 1</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTile<V>(ref float x, nint ih0, nint iw0, nint h, nint w, nint ps, nint c, bool interior, ref float o, nint plane)
        where V : struct, ISimdVector<V>
    {
        // Rows of Bᵀ·d (over i), each a row of four columns j.
        V r00, r01, r02, r03, r10, r11, r12, r13, r20, r21, r22, r23, r30, r31, r32, r33;
        {
            V d00 = Load<V>(ref x, ih0, iw0, h, w, ps, c, interior), d01 = Load<V>(ref x, ih0, iw0 + 1, h, w, ps, c, interior);
            V d02 = Load<V>(ref x, ih0, iw0 + 2, h, w, ps, c, interior), d03 = Load<V>(ref x, ih0, iw0 + 3, h, w, ps, c, interior);
            V d10 = Load<V>(ref x, ih0 + 1, iw0, h, w, ps, c, interior), d11 = Load<V>(ref x, ih0 + 1, iw0 + 1, h, w, ps, c, interior);
            V d12 = Load<V>(ref x, ih0 + 1, iw0 + 2, h, w, ps, c, interior), d13 = Load<V>(ref x, ih0 + 1, iw0 + 3, h, w, ps, c, interior);
            V d20 = Load<V>(ref x, ih0 + 2, iw0, h, w, ps, c, interior), d21 = Load<V>(ref x, ih0 + 2, iw0 + 1, h, w, ps, c, interior);
            V d22 = Load<V>(ref x, ih0 + 2, iw0 + 2, h, w, ps, c, interior), d23 = Load<V>(ref x, ih0 + 2, iw0 + 3, h, w, ps, c, interior);
            V d30 = Load<V>(ref x, ih0 + 3, iw0, h, w, ps, c, interior), d31 = Load<V>(ref x, ih0 + 3, iw0 + 1, h, w, ps, c, interior);
            V d32 = Load<V>(ref x, ih0 + 3, iw0 + 2, h, w, ps, c, interior), d33 = Load<V>(ref x, ih0 + 3, iw0 + 3, h, w, ps, c, interior);
            r00 = V.Subtract(d00, d20); r01 = V.Subtract(d01, d21); r02 = V.Subtract(d02, d22); r03 = V.Subtract(d03, d23);
            r10 = V.Add(d10, d20); r11 = V.Add(d11, d21); r12 = V.Add(d12, d22); r13 = V.Add(d13, d23);
            r20 = V.Subtract(d20, d10); r21 = V.Subtract(d21, d11); r22 = V.Subtract(d22, d12); r23 = V.Subtract(d23, d13);
            r30 = V.Subtract(d10, d30); r31 = V.Subtract(d11, d31); r32 = V.Subtract(d12, d32); r33 = V.Subtract(d13, d33);
        }
        ref float oc = ref Unsafe.Add(ref o, c);
        InputRow<V>(r00, r01, r02, r03, ref oc, plane);
        InputRow<V>(r10, r11, r12, r13, ref Unsafe.Add(ref oc, 4 * plane), plane);
        InputRow<V>(r20, r21, r22, r23, ref Unsafe.Add(ref oc, 8 * plane), plane);
        InputRow<V>(r30, r31, r32, r33, ref Unsafe.Add(ref oc, 12 * plane), plane);
    }

    /// <summary><see cref="InputTile{V}"/> for the single channel <paramref name="c"/> (the same operations on floats).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTileScalar(ref float x, nint ih0, nint iw0, nint h, nint w, nint ps, nint c, bool interior, ref float o, nint plane)
    {
        ref float xc = ref Unsafe.Add(ref x, c);
        ref float oc = ref Unsafe.Add(ref o, c);
        // Column j of Bᵀ·d (the four sums of InputTile's rows r0j … r3j), then each row i of (Bᵀ·d)·B.
        Column(ref xc, ih0, iw0, h, w, ps, interior, out float r00, out float r10, out float r20, out float r30);
        Column(ref xc, ih0, iw0 + 1, h, w, ps, interior, out float r01, out float r11, out float r21, out float r31);
        Column(ref xc, ih0, iw0 + 2, h, w, ps, interior, out float r02, out float r12, out float r22, out float r32);
        Column(ref xc, ih0, iw0 + 3, h, w, ps, interior, out float r03, out float r13, out float r23, out float r33);
        InputRowScalar(r00, r01, r02, r03, ref oc, plane);
        InputRowScalar(r10, r11, r12, r13, ref Unsafe.Add(ref oc, 4 * plane), plane);
        InputRowScalar(r20, r21, r22, r23, ref Unsafe.Add(ref oc, 8 * plane), plane);
        InputRowScalar(r30, r31, r32, r33, ref Unsafe.Add(ref oc, 12 * plane), plane);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(ref float x, nint ih0, nint iw, nint h, nint w, nint ps, bool interior, out float r0, out float r1, out float r2, out float r3)
    {
        float d0 = LoadScalar(ref x, ih0, iw, h, w, ps, interior), d1 = LoadScalar(ref x, ih0 + 1, iw, h, w, ps, interior);
        float d2 = LoadScalar(ref x, ih0 + 2, iw, h, w, ps, interior), d3 = LoadScalar(ref x, ih0 + 3, iw, h, w, ps, interior);
        r0 = d0 - d2;
        r1 = d1 + d2;
        r2 = d2 - d1;
        r3 = d1 - d3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LoadScalar(ref float x, nint ih, nint iw, nint h, nint w, nint ps, bool interior) =>
        interior || ((nuint)ih < (nuint)h && (nuint)iw < (nuint)w) ? Unsafe.Add(ref x, (ih * w + iw) * ps) : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRowScalar(float a, float b, float c, float d, ref float o, nint plane)
    {
        o = a - c;
        Unsafe.Add(ref o, plane) = b + c;
        Unsafe.Add(ref o, 2 * plane) = c - b;
        Unsafe.Add(ref o, 3 * plane) = b - d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Load<V>(ref float x, nint ih, nint iw, nint h, nint w, nint ps, nint c, bool interior) where V : struct, ISimdVector<V> =>
        interior || ((nuint)ih < (nuint)h && (nuint)iw < (nuint)w) ? V.Load(ref Unsafe.Add(ref x, (ih * w + iw) * ps + c)) : V.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRow<V>(V a, V b, V c, V d, ref float o, nint plane) where V : struct, ISimdVector<V>
    {
        V.Store(ref o, V.Subtract(a, c));
        V.Store(ref Unsafe.Add(ref o, plane), V.Add(b, c));
        V.Store(ref Unsafe.Add(ref o, 2 * plane), V.Subtract(c, b));
        V.Store(ref Unsafe.Add(ref o, 3 * plane), V.Subtract(b, d));
    }

    /// <summary><c>Y = Aᵀ M A</c> + bias for each tile, the 2×2 outputs inside the image stored channels last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OutputTransform<V>(ref float m, nint tiles, in ConvGeometry g, nint ty0, nint count, nint tw, ref float bias, ref float y)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count, cp = g.OutChannelsPadded, ho = g.OutHeight, wo = g.OutWidth, plane = tiles * cp;
        for (nint ty = 0; ty < count; ty++)
        {
            nint oh = (ty0 + ty) * 2;
            for (nint tx = 0; tx < tw; tx++)
            {
                nint ow = tx * 2;
                ref float mt = ref Unsafe.Add(ref m, (ty * tw + tx) * cp);
                ref float yt = ref Unsafe.Add(ref y, (oh * wo + ow) * cp);
                bool right = ow + 1 < wo, below = oh + 1 < ho;
                for (nint c = 0; c < cp; c += n)
                {
                    ref float mc = ref Unsafe.Add(ref mt, c);
                    // Column sums over the rows a: s0 = m0 + m1 + m2, s1 = m1 − m2 − m3, for each column b.
                    V s00, s01, s02, s03, s10, s11, s12, s13;
                    Rows<V>(ref mc, plane, 0, out s00, out s10);
                    Rows<V>(ref mc, plane, 1, out s01, out s11);
                    Rows<V>(ref mc, plane, 2, out s02, out s12);
                    Rows<V>(ref mc, plane, 3, out s03, out s13);
                    V b = V.Load(ref Unsafe.Add(ref bias, c));
                    ref float yc = ref Unsafe.Add(ref yt, c);
                    V.Store(ref yc, V.Add(V.Add(V.Add(s00, s01), s02), b));
                    if (right) V.Store(ref Unsafe.Add(ref yc, cp), V.Add(V.Subtract(V.Subtract(s01, s02), s03), b));
                    if (below)
                    {
                        ref float yb = ref Unsafe.Add(ref yc, wo * cp);
                        V.Store(ref yb, V.Add(V.Add(V.Add(s10, s11), s12), b));
                        if (right) V.Store(ref Unsafe.Add(ref yb, cp), V.Add(V.Subtract(V.Subtract(s11, s12), s13), b));
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="OutputTransform{V}"/>'s four outputs of each whole tile (a pooling window), (ReLU and) their maximum in
    /// the pool's scan order, stored at the tile's pooled position; a last, partial tile row or column has no window.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OutputMaxPool<V>(ref float m, nint tiles, in ConvGeometry g, nint ty0, nint count, nint tw, ref float bias,
        in PoolTarget target, ref float y) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, cp = g.OutChannelsPadded, hp = g.OutHeight / 2, wp = g.OutWidth / 2, plane = tiles * cp;
        bool relu = target.ReLU;
        for (nint ty = 0; ty < count && ty0 + ty < hp; ty++)
            for (nint tx = 0; tx < wp; tx++)
            {
                ref float mt = ref Unsafe.Add(ref m, (ty * tw + tx) * cp);
                for (nint c = 0; c < cp; c += n)
                {
                    ref float mc = ref Unsafe.Add(ref mt, c);
                    V s00, s01, s02, s03, s10, s11, s12, s13;
                    Rows<V>(ref mc, plane, 0, out s00, out s10);
                    Rows<V>(ref mc, plane, 1, out s01, out s11);
                    Rows<V>(ref mc, plane, 2, out s02, out s12);
                    Rows<V>(ref mc, plane, 3, out s03, out s13);
                    V b = V.Load(ref Unsafe.Add(ref bias, c));
                    V top = ConvPoolSimd.MaxReLU4(V.Add(V.Add(V.Add(s00, s01), s02), b), V.Add(V.Subtract(V.Subtract(s01, s02), s03), b),
                        V.Add(V.Add(V.Add(s10, s11), s12), b), V.Add(V.Subtract(V.Subtract(s11, s12), s13), b), relu);
                    ConvPoolSimd.Store(top, target, ref y, (ty0 + ty) * wp + tx, c);
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows<V>(ref float mc, nint plane, nint column, out V s0, out V s1) where V : struct, ISimdVector<V>
    {
        V m0 = V.Load(ref Unsafe.Add(ref mc, column * plane)), m1 = V.Load(ref Unsafe.Add(ref mc, (4 + column) * plane));
        V m2 = V.Load(ref Unsafe.Add(ref mc, (8 + column) * plane)), m3 = V.Load(ref Unsafe.Add(ref mc, (12 + column) * plane));
        s0 = V.Add(V.Add(m0, m1), m2);
        s1 = V.Subtract(V.Subtract(m1, m2), m3);
    }
}
#endif
