using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// Inverted dropout for training (inference is the identity): each real element is kept with probability
/// <c>1 − rate</c> and scaled by <c>1/(1 − rate)</c>, as <c>torch.nn.Dropout</c> (the random numbers differ from
/// PyTorch's). Works on <c>rows·positions</c> rows of <c>channels</c> real values padded to <c>channelStride</c>;
/// padding channels get mask 0, so they stay zero.
/// </summary>
/// <remarks>
/// <para>The generator is SplitMix64 (Steele, Lea, Flood 2014) over a caller-owned <c>ulong</c>: per element
/// <c>state += 0x9E3779B97F4A7C15</c>, then the SplitMix64 finaliser; the top 24 bits give <c>u</c> in [0, 1) and the
/// element is kept iff <c>u &lt; 1 − rate</c>. Elements draw in memory order (row, position, channel), real channels
/// only, so a seed gives the same mask on every path and target.</para>
/// <para>Not for direct use: the generator guarantees the sizes, these methods only assert them.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DropoutKernels
{
    /// <summary>
    /// <c>mask = keep ? 1/(1 − rate) : 0</c> per element (0 in the padding), <c>y = x · mask</c>.
    /// </summary>
    /// <param name="x">The input, <c>rows·channelStride</c> floats (rows here count every position of every sample).</param>
    /// <param name="rows">Samples × positions.</param>
    /// <param name="channels">Real values per row.</param>
    /// <param name="channelStride">Floats per row (the padded width).</param>
    /// <param name="rate">The drop probability <c>p</c>, in [0, 1]; 1 drops everything.</param>
    /// <param name="state">The generator state, advanced by one step per real element.</param>
    /// <param name="mask">Saved for backward: <c>rows·channelStride</c> floats (per-row region), overwritten.</param>
    /// <param name="y">The output, <c>rows·channelStride</c> floats; may be <paramref name="x"/> itself.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, int rows, int channels, int channelStride, float rate,
        ref ulong state, Span<float> mask, Span<float> y)
    {
        int length = Check(rows, channels, channelStride, x.Length, mask.Length, y.Length);
        if (!(rate >= 0f && rate <= 1f))
            throw new ArgumentException($"Dropout rate must be in [0, 1]; got {rate}.", nameof(rate));
        float keepBelow = 1f - rate, scale = rate < 1f ? 1f / (1f - rate) : 0f;
        ulong s = state;
        for (int r = 0; r < rows; r++)
        {
            Span<float> m = mask.Slice(r * channelStride, channelStride);
            int j = 0;
#if NET8_0_OR_GREATER
            if (KernelOptions.Path == 512 && System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported)
                j = Masks512(m, channels, keepBelow, scale, ref s);
#endif
            for (; j < channels; j++)
                m[j] = NextUniform(ref s) < keepBelow ? scale : 0f;
            m.Slice(channels).Clear();
        }
        state = s;
        TensorPrimitives.Multiply(x.Slice(0, length), mask.Slice(0, length), y.Slice(0, length));
    }

    /// <summary><c>dx = dy · mask</c>.</summary>
    /// <param name="dy">The output gradient, <c>rows·channelStride</c> floats.</param>
    /// <param name="mask">The mask <see cref="Forward"/> wrote.</param>
    /// <param name="rows">Samples × positions.</param>
    /// <param name="channelStride">Floats per row.</param>
    /// <param name="dx">The input gradient; may be <paramref name="dy"/> itself.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, int rows, int channelStride, Span<float> dx)
    {
        int length = Check(rows, channelStride, channelStride, dy.Length, mask.Length, dx.Length);
        TensorPrimitives.Multiply(dy.Slice(0, length), mask.Slice(0, length), dx.Slice(0, length));
    }

    /// <summary>
    /// The generator state of chunk <paramref name="chunk"/> of a training call whose state is <paramref name="callState"/>:
    /// each chunk draws from its own stream, a function of the call's state and the chunk's index only, so the masks do
    /// not depend on which thread runs the chunk or on how many threads there are.
    /// </summary>
    /// <param name="callState">The call's state (the network's generator, before <see cref="NextCallState"/>).</param>
    /// <param name="chunk">The chunk's index in the batch.</param>
    public static ulong ChunkState(ulong callState, int chunk) =>
        Finalise(callState ^ Finalise((ulong)(uint)chunk * 0xD1B54A32D192ED03UL + 0x8BB84B93962EACC9UL));

    /// <summary>The network's generator state after a training call (one SplitMix64 step, whatever the batch's size).</summary>
    /// <param name="state">The state before the call.</param>
    public static ulong NextCallState(ulong state) => Finalise(state + 0x9E3779B97F4A7C15UL);

    private static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

#if NET8_0_OR_GREATER
    /// <summary>
    /// The mask values of the first whole multiples of 16 channels, 16 at a time: SplitMix64's k-th step from
    /// <paramref name="state"/> is the finaliser of <c>state + k·γ</c>, so sixteen steps are sixteen independent lanes of
    /// 64-bit integer arithmetic (the same bits as <see cref="NextUniform"/> one after another; about 1 ns per value
    /// instead of a branch per value). Returns how many channels it did; <paramref name="state"/> is advanced past them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Masks512(Span<float> m, int channels, float keepBelow, float scale, ref ulong state)
    {
        const ulong Gamma = 0x9E3779B97F4A7C15UL;
        var low = System.Runtime.Intrinsics.Vector512.Create(1UL, 2, 3, 4, 5, 6, 7, 8) * Gamma; // wraps, as the scalar steps do
        var high = System.Runtime.Intrinsics.Vector512.Create(9UL, 10, 11, 12, 13, 14, 15, 16) * Gamma;
        var keep = System.Runtime.Intrinsics.Vector512.Create(keepBelow);
        var kept = System.Runtime.Intrinsics.Vector512.Create(scale);
        var unit = System.Runtime.Intrinsics.Vector512.Create(1f / (1 << 24));
        ulong s = state;
        int j = 0;
        ref float mr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(m);
        for (; j + 16 <= channels; j += 16)
        {
            var start = System.Runtime.Intrinsics.Vector512.Create(s);
            var bits = System.Runtime.Intrinsics.Vector512.Narrow(Mix(start + low), Mix(start + high)); // 24 bits each
            var uniform = System.Runtime.Intrinsics.Vector512.ConvertToSingle(System.Runtime.Intrinsics.Vector512.AsInt32(bits)) * unit;
            var value = System.Runtime.Intrinsics.Vector512.ConditionalSelect(
                System.Runtime.Intrinsics.Vector512.LessThan(uniform, keep), kept, System.Runtime.Intrinsics.Vector512<float>.Zero);
            System.Runtime.Intrinsics.Vector512.StoreUnsafe(value, ref mr, (nuint)j);
            s += unchecked(16 * Gamma);
        }
        state = s;
        return j;
    }

    /// <summary>SplitMix64's finaliser on eight lanes, shifted to its top 24 bits (as <see cref="NextUniform"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector512<ulong> Mix(System.Runtime.Intrinsics.Vector512<ulong> z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return z >> 40;
    }
#endif

    /// <summary>One SplitMix64 step, as a float in [0, 1) with 24 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float NextUniform(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 40) * (1f / (1 << 24));
    }

    private static int Check(int rows, int channels, int channelStride, int a, int b, int c)
    {
        int length = rows * channelStride;
        if (rows <= 0 || channels <= 0 || channelStride < channels || a < length || b < length || c < length)
            throw new ArgumentException(
                $"Dropout kernel called with inconsistent sizes: rows {rows}, channels {channels}, stride {channelStride}; " +
                $"buffers {a}, {b}, {c} floats (expected {length}).");
        return length;
    }
}
