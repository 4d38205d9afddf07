#if NET8_0_OR_GREATER // like DenseSimd.cs (removed from the netstandard2.1 build by the project file)
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>The activation of a plain Dense layer: none (the 1-row tiles' <c>TOp</c> when nothing is fused).</summary>
internal struct NoActivation : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V value) where V : struct, ISimdVector<V> => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float value) => value;
}

internal static partial class DenseSimd
{
    /// <summary>
    /// Whether a lone row of an <paramref name="inputs"/> → <paramref name="width"/> layer takes
    /// <see cref="ForwardRow{V, TOp}"/> (issue 20: small batch-1 layers, whose time is a few hundred cycles, so a few
    /// calls and checks are a measurable part of it): when the matrix is below <see cref="Streams"/>' 1 MB, so that the
    /// row is computed by the register tiles. With the sizes the generated code passes as literals this is a JIT-time
    /// constant.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool RowInTiles(int inputs, int width) =>
        inputs > 0 && width > 0 && width % LayoutArithmetic.WidthAlignment == 0 && (long)inputs * width < 256 * 1024;

    /// <summary>
    /// One row of <see cref="Forward{V}"/> for a matrix that <see cref="RowInTiles"/> accepts, then
    /// <typeparamref name="TOp"/> on every output (<see cref="NoActivation"/> or <see cref="ReLUOp"/>, applied to each
    /// accumulator before its store): the same tiles in the same order as <see cref="ForwardSequential{V}"/>'s and
    /// <see cref="ForwardInterleaved{V}"/>'s lone rows, so the same bits. Inlined, with the layer's sizes as
    /// constants, a width of 1, 2, 4 or 8 vectors is one call to its tile, the whole width in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ForwardRow<V, TOp>(ref float x, nint inputs, ref float weight, ref float bias, ref float y, nint width)
        where V : struct, ISimdVector<V> where TOp : IUnaryOp
    {
        nint vectors = width / V.Count;
        if (vectors >= 8)
        {
            if (vectors == 8)
                ForwardTile1x8<V, TOp>(ref x, inputs, inputs, ref weight, width, ref bias, ref y);
            else
                ForwardRowSequential<V, TOp>(ref x, inputs, ref weight, ref bias, ref y, width);
        }
        else if (vectors == 4)
            ForwardTile1x4S2<V, TOp>(ref x, inputs, inputs, ref weight, width, ref bias, ref y);
        else if (vectors == 2)
            ForwardTile1x2S2<V, TOp>(ref x, inputs, inputs, ref weight, width, ref bias, ref y);
        else if (vectors == 1)
            ForwardTile1x1S2<V, TOp>(ref x, inputs, inputs, ref weight, width, ref bias, ref y);
        else
            ForwardRowInterleaved<V, TOp>(ref x, inputs, ref weight, ref bias, ref y, width);
    }

    /// <summary><see cref="ForwardSequential{V}"/>'s lone row in tiles (8, then 4, 2 and 1 vectors), then <typeparamref name="TOp"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRowSequential<V, TOp>(ref float x, nint inputs, ref float weight, ref float bias, ref float y, nint width)
        where V : struct, ISimdVector<V> where TOp : IUnaryOp
    {
        nint n = V.Count, vectors = width / n, v = 0;
        for (; v + 8 <= vectors; v += 8)
            ForwardTile1x8<V, TOp>(ref x, inputs, inputs, ref Unsafe.Add(ref weight, v * n), width, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref y, v * n));
        for (; v + 4 <= vectors; v += 4)
            ForwardTile1x4<V, TOp>(ref x, inputs, inputs, ref Unsafe.Add(ref weight, v * n), width, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref y, v * n));
        if (v + 2 <= vectors)
        {
            ForwardTile1x2<V, TOp>(ref x, inputs, inputs, ref Unsafe.Add(ref weight, v * n), width, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref y, v * n));
            v += 2;
        }
        if (v < vectors)
            ForwardTile1x1<V, TOp>(ref x, inputs, inputs, ref Unsafe.Add(ref weight, v * n), width, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref y, v * n));
    }

    /// <summary><see cref="ForwardInterleaved{V}"/>'s lone row in tiles (4, then 2 and 1 vectors), then <typeparamref name="TOp"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRowInterleaved<V, TOp>(ref float x, nint inputs, ref float weight, ref float bias, ref float y, nint width)
        where V : struct, ISimdVector<V> where TOp : IUnaryOp
    {
        nint n = V.Count, vectors = width / n, v = 0;
        for (; v + 4 <= vectors; v += 4)
            ForwardTile1x4S2<V, TOp>(ref x, inputs, inputs, ref Unsafe.Add(ref weight, v * n), width, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref y, v * n));
        if (v + 2 <= vectors)
        {
            ForwardTile1x2S2<V, TOp>(ref x, inputs, inputs, ref Unsafe.Add(ref weight, v * n), width, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref y, v * n));
            v += 2;
        }
        if (v < vectors)
            ForwardTile1x1S2<V, TOp>(ref x, inputs, inputs, ref Unsafe.Add(ref weight, v * n), width, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref y, v * n));
    }
}
#endif
