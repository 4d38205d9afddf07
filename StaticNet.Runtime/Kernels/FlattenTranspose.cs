#if NET8_0_OR_GREATER
using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// The fused Winograd convolution + max pool's store in PyTorch's flattened order (channel, then position) on 512-bit
/// vectors: the pooled vectors go channels last into a small buffer (one vector store each), then 16 × 16 blocks are
/// transposed in registers (64 shuffles) and stored sixteen positions at a time. Issue 21: the Fashion-MNIST CNN's
/// second convolution spent about 0.5 µs of its 10 on the flattened store, sixteen scalar stores per pooled vector.
/// Only values move, so the result is the same bits as the scalar stores.
/// </summary>
internal static class FlattenTranspose
{
    /// <summary>The buffer's floats (8 KB on the stack): pooled positions × padded channels must fit.</summary>
    public const int BufferLength = 2048;

    /// <summary>
    /// Whether the transposed store applies: 512-bit vectors, positions contiguous (<c>Position == 1</c>), each channel's
    /// positions apart from the next channel's (<c>Channel ≥ positions</c>) and the pooled sample fits the buffer.
    /// </summary>
    public static bool Applies<V>(in PoolTarget target, nint positions, nint cp) where V : struct, ISimdVector<V> =>
        typeof(V) == typeof(V512) && Avx512F.IsSupported && !Disabled && target.Position == 1 && target.Channel >= positions &&
        positions * cp <= BufferLength;

    /// <summary>For tests and benchmarks: the scalar stores instead.</summary>
    [ThreadStatic] internal static bool Disabled;

    /// <summary>
    /// <c>y[c · channelStride + p] = buffer[p · cp + c]</c> for the <paramref name="channels"/> real channels and the
    /// <paramref name="positions"/> pooled positions (the buffer channels last, <paramref name="cp"/> a multiple of 16).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Store(ref float buffer, nint positions, nint cp, nint channels, nint channelStride, ref float y)
    {
        nint full = positions & ~(nint)15;
        for (nint c0 = 0; c0 < channels; c0 += 16)
        {
            nint count = System.Math.Min(16, channels - c0);
            for (nint p0 = 0; p0 < full; p0 += 16)
            {
                Transpose(ref Unsafe.Add(ref buffer, p0 * cp + c0), cp, ref Unsafe.Add(ref y, c0 * channelStride + p0), channelStride, count);
            }
            for (nint p = full; p < positions; p++) // the last, partial block: one float at a time
            {
                ref float src = ref Unsafe.Add(ref buffer, p * cp + c0);
                ref float dst = ref Unsafe.Add(ref y, c0 * channelStride + p);
                for (nint j = 0; j < count; j++)
                    Unsafe.Add(ref dst, j * channelStride) = Unsafe.Add(ref src, j);
            }
        }
    }

    /// <summary>
    /// The 16 × 16 block at <paramref name="source"/> (rows <paramref name="stride"/> floats apart) transposed, its first
    /// <paramref name="count"/> columns stored at <paramref name="destination"/>, <paramref name="columnStride"/> floats
    /// apart. After unpacking pairs of rows and shuffling within 128-bit lanes, vector <c>u[4k + m]</c> holds, in lane L,
    /// column <c>4L + m</c> of rows <c>4k … 4k + 3</c>; two 128-bit-lane shuffles then gather each column's four lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref float source, nint stride, ref float destination, nint columnStride, nint count)
    {
        Quad(ref source, stride, out var u0, out var u1, out var u2, out var u3);
        Quad(ref Unsafe.Add(ref source, 4 * stride), stride, out var u4, out var u5, out var u6, out var u7);
        Quad(ref Unsafe.Add(ref source, 8 * stride), stride, out var u8, out var u9, out var u10, out var u11);
        Quad(ref Unsafe.Add(ref source, 12 * stride), stride, out var u12, out var u13, out var u14, out var u15);
        Columns(u0, u4, u8, u12, ref destination, columnStride, count, 0);
        Columns(u1, u5, u9, u13, ref destination, columnStride, count, 1);
        Columns(u2, u6, u10, u14, ref destination, columnStride, count, 2);
        Columns(u3, u7, u11, u15, ref destination, columnStride, count, 3);
    }

    /// <summary>Rows 4k … 4k + 3 of a block: <c>u[m]</c> holds, in lane L, their column <c>4L + m</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(ref float s, nint stride, out Vector512<float> u0, out Vector512<float> u1, out Vector512<float> u2, out Vector512<float> u3)
    {
        Vector512<float> a = Vector512.LoadUnsafe(ref s), b = Vector512.LoadUnsafe(ref Unsafe.Add(ref s, stride));
        Vector512<float> c = Vector512.LoadUnsafe(ref Unsafe.Add(ref s, 2 * stride)), d = Vector512.LoadUnsafe(ref Unsafe.Add(ref s, 3 * stride));
        Vector512<float> ab0 = Avx512F.UnpackLow(a, b), ab1 = Avx512F.UnpackHigh(a, b);
        Vector512<float> cd0 = Avx512F.UnpackLow(c, d), cd1 = Avx512F.UnpackHigh(c, d);
        u0 = Avx512F.Shuffle(ab0, cd0, 0x44);
        u1 = Avx512F.Shuffle(ab0, cd0, 0xEE);
        u2 = Avx512F.Shuffle(ab1, cd1, 0x44);
        u3 = Avx512F.Shuffle(ab1, cd1, 0xEE);
    }

    /// <summary>Columns m, 4 + m, 8 + m and 12 + m of a block from its four quads' <c>u[m]</c>, the first <paramref name="count"/> stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3,
        ref float destination, nint columnStride, nint count, nint m)
    {
        Vector512<float> x = Avx512F.Shuffle4x128(q0, q1, 0x44), y = Avx512F.Shuffle4x128(q0, q1, 0xEE);
        Vector512<float> x2 = Avx512F.Shuffle4x128(q2, q3, 0x44), y2 = Avx512F.Shuffle4x128(q2, q3, 0xEE);
        if (m < count) Avx512F.Shuffle4x128(x, x2, 0x88).StoreUnsafe(ref Unsafe.Add(ref destination, m * columnStride));
        if (4 + m < count) Avx512F.Shuffle4x128(x, x2, 0xDD).StoreUnsafe(ref Unsafe.Add(ref destination, (4 + m) * columnStride));
        if (8 + m < count) Avx512F.Shuffle4x128(y, y2, 0x88).StoreUnsafe(ref Unsafe.Add(ref destination, (8 + m) * columnStride));
        if (12 + m < count) Avx512F.Shuffle4x128(y, y2, 0xDD).StoreUnsafe(ref Unsafe.Add(ref destination, (12 + m) * columnStride));
    }
}
#endif
