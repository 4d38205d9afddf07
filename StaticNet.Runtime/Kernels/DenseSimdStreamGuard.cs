#if NET8_0_OR_GREATER // like DenseSimd.cs (removed from the netstandard2.1 build by the project file)
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

internal static partial class DenseSimd
{
    /// <summary>
    /// The outputs of a streamed row (<see cref="StreamRow{V}"/>) are moved to a scratch buffer when they start this many
    /// bytes or fewer after the weights' start, modulo 4 KB (but not at the same offset): see <see cref="StreamRow{V}"/>.
    /// </summary>
    internal const int StreamAliasWindow = 448;

    /// <summary>
    /// The widest row <see cref="StreamRow{V}"/> moves to a scratch buffer on the stack: 4,096 outputs, 20 KB of stack
    /// with the half page it may skip (the call can run on a worker thread or a user's thread with a small stack).
    /// </summary>
    private const int StreamScratchMaxWidth = 4 * 1024;

    /// <summary>Tests and benchmarks switch <see cref="StreamRow{V}"/>'s scratch buffer off, to compare.</summary>
    [System.ThreadStatic] internal static bool StreamAliasGuardDisabled;

    /// <summary>The rows <see cref="StreamRow{V}"/> moved to its scratch buffer on this thread (tests).</summary>
    [System.ThreadStatic] internal static int StreamRowsGuarded;

    /// <summary>
    /// One lone row streamed through a matrix of 1 MB or more (<see cref="ForwardStreamPrefetch{V}"/>,
    /// <see cref="ForwardStream4{V}"/> or <see cref="ForwardStream{V}"/>), with a guard against 4K aliasing. The stream
    /// adds into <c>y</c> a vector at a time along the width — load <c>y[j]</c>, load the rows' <c>w[·, j]</c>, store
    /// <c>y[j]</c> — and a load whose address agrees with a store still in flight in its low 12 bits waits for that store
    /// on x86 cores, whatever its full address. When <c>y</c> starts one to a few cache lines after the weights modulo
    /// 4 KB, the store to <c>y[j]</c> agrees with the loads of <c>w[·, j + 1]</c> that come right after it, and every
    /// vector waits: measured on Zen 4 (AMD EPYC, 2026-12-07), N = 1,024 → 1,024 took 139.6 µs with <c>y</c> 64 bytes
    /// after <c>w</c> modulo 4 KB, 107.6 µs at 128 bytes and 92.5–95 µs at 0, 256 bytes and beyond. Generated networks
    /// hit it: their activation and parameter buffers are separate pinned arrays, and a batch-1 N = 1,024 network read
    /// 0.71–0.76× RTNeural's speed with the kernel alone at 1.09×. So when <c>y</c> starts within
    /// <see cref="StreamAliasWindow"/> bytes after the weights (modulo 4 KB), the row is accumulated in a scratch buffer
    /// on the stack placed half a page away from them and copied to <c>y</c>: the same operations in the same order on
    /// other addresses, so the same bits, for one extra pass over the <c>width</c> outputs (4 KB at N = 1,024).
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void StreamRow<V>(ref float x, nint inputs, ref float weight, ref float bias, ref float y, nint width)
        where V : struct, ISimdVector<V>
    {
        // Only the addresses' low bits are used, as a hint: a moved array (the caller's spans need not be pinned) can
        // only make the guard miss or fire for nothing, never change a result.
        nint ahead = ((nint)Unsafe.AsPointer(ref y) - (nint)Unsafe.AsPointer(ref weight)) & 4095;
        if (ahead == 0 || ahead > StreamAliasWindow || width > StreamScratchMaxWidth || StreamAliasGuardDisabled)
        {
            StreamRowAt<V>(ref x, inputs, ref weight, ref bias, ref y, width);
            return;
        }
        StreamRowsGuarded++;
        float* buffer = stackalloc float[(int)width + 1024];
        // The scratch row starts 2 KB after the weights modulo 4 KB (a float boundary: both are floats).
        nint skip = (((nint)Unsafe.AsPointer(ref weight) + 2048 - (nint)buffer) & 4095) / sizeof(float);
        ref float scratch = ref *(buffer + skip);
        StreamRowAt<V>(ref x, inputs, ref weight, ref bias, ref scratch, width);
        new System.ReadOnlySpan<float>(buffer + skip, (int)width).CopyTo(new System.Span<float>(Unsafe.AsPointer(ref y), (int)width));
    }

    /// <summary>The streamed row into <paramref name="y"/> as it is (see <see cref="StreamRow{V}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StreamRowAt<V>(ref float x, nint inputs, ref float weight, ref float bias, ref float y, nint width)
        where V : struct, ISimdVector<V>
    {
        if (StreamPrefetches(inputs, width))
            ForwardStreamPrefetch<V>(ref x, inputs, ref weight, ref bias, ref y, width);
        else if (StreamInFours(width))
            ForwardStream4<V>(ref x, inputs, ref weight, ref bias, ref y, width);
        else
            ForwardStream<V>(ref x, inputs, ref weight, ref bias, ref y, width);
    }
}
#endif
