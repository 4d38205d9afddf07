#if NET8_0_OR_GREATER // like DenseSimd.cs (removed from the netstandard2.1 build by the project file)
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

internal static partial class DenseSimd
{
    /// <summary>
    /// Whether a streamed row (<see cref="Streams"/>) also prefetches the weights ahead into L2
    /// (<see cref="ForwardStreamPrefetch{V}"/>): on x86, for matrices of 8 MB and more, which are read from memory
    /// or a far L3 rather than from a core's share of it (issue 20: batch-1 N → N at N = 2048, 16 MB per layer).
    /// Below that the prefetches measured slower (they take load slots the L2- or L3-resident stream needs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool StreamPrefetches(nint inputs, nint width) =>
        Sse.IsSupported && inputs * width >= 2 * 1024 * 1024 && !PlainStream;

    /// <summary>
    /// Tests and benchmarks switch <see cref="ForwardStreamPrefetch{V}"/> and <see cref="ForwardStream4{V}"/> off, to
    /// compare them with the plain stream in blocks of eight (<see cref="ForwardStream{V}"/>, the kernel before them).
    /// </summary>
    [System.ThreadStatic] internal static bool PlainStream;

    /// <summary>
    /// <see cref="ForwardStream{V}"/> with software prefetch: while a block of eight inputs passes along the width, the
    /// eight rows about 256 KB further on (at least 8, at most 64 rows) are prefetched into L2, one prefetch per cache
    /// line, so each row starts in L2 when its block is reached instead of waiting for the hardware prefetchers to
    /// train on it (they stop at page boundaries; at N = 2048 each row is two pages). Loads, multiply-adds and their order are exactly
    /// <see cref="ForwardStream{V}"/>'s (each output is <c>bias + x₀w₀ + x₁w₁ + …</c>), so the result is bit-identical.
    /// The last rows, within the prefetch distance of the end, are not prefetched. x86 only (<see cref="StreamPrefetches"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardStreamPrefetch<V>(ref float x, nint inputs, ref float weight, ref float bias, ref float y, nint width)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        nint rowBytes = width * sizeof(float);
        nint ahead = System.Math.Clamp(256 * 1024 / rowBytes, 8, 64) & ~(nint)7;
        StreamBias<V>(ref bias, ref y, width);
        nint k = 0;
        for (; k + 8 <= inputs; k += 8)
        {
            V x0 = V.Broadcast(Unsafe.Add(ref x, k)), x1 = V.Broadcast(Unsafe.Add(ref x, k + 1));
            V x2 = V.Broadcast(Unsafe.Add(ref x, k + 2)), x3 = V.Broadcast(Unsafe.Add(ref x, k + 3));
            V x4 = V.Broadcast(Unsafe.Add(ref x, k + 4)), x5 = V.Broadcast(Unsafe.Add(ref x, k + 5));
            V x6 = V.Broadcast(Unsafe.Add(ref x, k + 6)), x7 = V.Broadcast(Unsafe.Add(ref x, k + 7));
            ref float w0 = ref Unsafe.Add(ref weight, k * width);
            if (k + ahead + 8 > inputs)
            {
                for (nint j = 0; j < width; j += n)
                    Stream8<V>(ref Unsafe.Add(ref w0, j), width, ref Unsafe.Add(ref y, j), x0, x1, x2, x3, x4, x5, x6, x7);
                continue;
            }
            // The rows prefetched are inside the matrix; a raw pointer, since a prefetch never faults (even if the
            // garbage collector moves the array meanwhile, which only wastes the prefetch).
            byte* p = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref w0, ahead * width));
            for (nint line = 0; line < width; line += 16) // width is a multiple of 16 floats: one 64-byte line
            {
                byte* q = p + line * sizeof(float);
                Sse.Prefetch1(q); Sse.Prefetch1(q + rowBytes); Sse.Prefetch1(q + 2 * rowBytes); Sse.Prefetch1(q + 3 * rowBytes);
                Sse.Prefetch1(q + 4 * rowBytes); Sse.Prefetch1(q + 5 * rowBytes); Sse.Prefetch1(q + 6 * rowBytes); Sse.Prefetch1(q + 7 * rowBytes);
                for (nint j = line; j < line + 16; j += n)
                    Stream8<V>(ref Unsafe.Add(ref w0, j), width, ref Unsafe.Add(ref y, j), x0, x1, x2, x3, x4, x5, x6, x7);
            }
        }
        StreamRest<V>(ref x, k, inputs, ref weight, ref y, width);
    }

    /// <summary><c>y += x₀w₀ + … + x₇w₇</c> for one vector of outputs, in that order; the eight rows are <c>width</c> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Stream8<V>(ref float wj, nint width, ref float yj, V x0, V x1, V x2, V x3, V x4, V x5, V x6, V x7)
        where V : struct, ISimdVector<V>
    {
        V a = V.MultiplyAdd(V.Load(ref wj), x0, V.Load(ref yj));
        a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref wj, width)), x1, a);
        a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref wj, 2 * width)), x2, a);
        a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref wj, 3 * width)), x3, a);
        a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref wj, 4 * width)), x4, a);
        a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref wj, 5 * width)), x5, a);
        a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref wj, 6 * width)), x6, a);
        a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref wj, 7 * width)), x7, a);
        V.Store(ref yj, a);
    }
    /// <summary>
    /// Whether a streamed row without prefetch (<see cref="Streams"/>, not <see cref="StreamPrefetches"/>) takes blocks
    /// of four inputs (<see cref="ForwardStream4{V}"/>) instead of eight: when a weight row is a multiple of 4 KB, the
    /// eight rows of a block map to the same set of a 32 KB 8-way L1 and, with <c>y</c>'s line and the prefetched
    /// lines, evict each other (measured: a 1024 × 1024 matrix 11 % faster in blocks of four; 512, 768 and 1536 wide,
    /// 1–4 % slower, 1280 wide 1.5 % faster).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool StreamInFours(nint width) => (width * sizeof(float)) % 4096 == 0 && !PlainStream;

    /// <summary>
    /// <see cref="ForwardStream{V}"/> in blocks of four inputs (four rows in flight, four multiply-adds per <c>y</c>
    /// load and store), then single inputs: each output is the same chain <c>bias + x₀w₀ + x₁w₁ + …</c>, so the result
    /// is bit-identical to the blocks of eight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardStream4<V>(ref float x, nint inputs, ref float weight, ref float bias, ref float y, nint width)
        where V : struct, ISimdVector<V>
    {
        StreamBias<V>(ref bias, ref y, width);
        StreamRest<V>(ref x, 0, inputs, ref weight, ref y, width);
    }

    /// <summary><c>y = bias</c>, where every stream starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StreamBias<V>(ref float bias, ref float y, nint width) where V : struct, ISimdVector<V>
    {
        for (nint j = 0; j < width; j += V.Count)
            V.Store(ref Unsafe.Add(ref y, j), V.Load(ref Unsafe.Add(ref bias, j)));
    }

    /// <summary>
    /// <c>y += x_k w_k + x_{k+1} w_{k+1} + …</c> for the inputs from <paramref name="k"/> on, in that order: in blocks of
    /// four (four rows in flight, four multiply-adds per <c>y</c> load and store), then one at a time. Every stream ends
    /// with it, so each output stays the one chain <c>bias + x₀w₀ + x₁w₁ + …</c> however the inputs were blocked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StreamRest<V>(ref float x, nint k, nint inputs, ref float weight, ref float y, nint width)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (; k + 4 <= inputs; k += 4)
        {
            V x0 = V.Broadcast(Unsafe.Add(ref x, k)), x1 = V.Broadcast(Unsafe.Add(ref x, k + 1));
            V x2 = V.Broadcast(Unsafe.Add(ref x, k + 2)), x3 = V.Broadcast(Unsafe.Add(ref x, k + 3));
            ref float w0 = ref Unsafe.Add(ref weight, k * width);
            for (nint j = 0; j < width; j += n)
            {
                ref float yj = ref Unsafe.Add(ref y, j);
                ref float wj = ref Unsafe.Add(ref w0, j);
                V a = V.MultiplyAdd(V.Load(ref wj), x0, V.Load(ref yj));
                a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref wj, width)), x1, a);
                a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref wj, 2 * width)), x2, a);
                a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref wj, 3 * width)), x3, a);
                V.Store(ref yj, a);
            }
        }
        for (; k < inputs; k++)
        {
            V x0 = V.Broadcast(Unsafe.Add(ref x, k));
            ref float w0 = ref Unsafe.Add(ref weight, k * width);
            for (nint j = 0; j < width; j += n)
            {
                ref float yj = ref Unsafe.Add(ref y, j);
                V.Store(ref yj, V.MultiplyAdd(V.Load(ref Unsafe.Add(ref w0, j)), x0, V.Load(ref yj)));
            }
        }
    }
}
#endif
