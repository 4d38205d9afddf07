using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// Moves one layout of a [positions, channels] sample into another: the network input (channels first, unpadded) into the
/// padded channels-last layout the layers use, and Flatten's reordering into PyTorch's channels-first order.
/// </summary>
/// <remarks>Not for direct use: the generator guarantees the sizes, these methods only assert them.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LayoutKernels
{
    /// <summary>
    /// <c>y[r·ySample + p·yPosition + c·yChannel] = x[r·xSample + p·xPosition + c·xChannel]</c> for every row, position
    /// and channel; nothing else of <paramref name="y"/> is written (padding stays as it is).
    /// </summary>
    /// <param name="x">The source, <c>rows × xSample</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="positions">Positions per sample.</param>
    /// <param name="channels">Channels per position.</param>
    /// <param name="xSample">The distance between two source samples.</param>
    /// <param name="xPosition">The distance between two source positions.</param>
    /// <param name="xChannel">The distance between two source channels.</param>
    /// <param name="y">The destination, <c>rows × ySample</c> floats.</param>
    /// <param name="ySample">The distance between two destination samples.</param>
    /// <param name="yPosition">The distance between two destination positions.</param>
    /// <param name="yChannel">The distance between two destination channels.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Reorder(ReadOnlySpan<float> x, int rows, int positions, int channels, int xSample, int xPosition, int xChannel,
        Span<float> y, int ySample, int yPosition, int yChannel)
    {
        Check(x.Length, rows, positions, channels, xSample, xPosition, xChannel, nameof(x));
        Check(y.Length, rows, positions, channels, ySample, yPosition, yChannel, nameof(y));
#if NET8_0_OR_GREATER
        if (!(xChannel == 1 && yChannel == 1))
        {
            // A transposition (Flatten's, either way): the inner loop runs along the destination's unit stride if it has
            // one, so that the writes are contiguous; the bounds were checked above. Only copies: the same values.
            bool positionsInner = yPosition == 1 || (yChannel != 1 && xPosition == 1);
            int inner = positionsInner ? positions : channels, outer = positionsInner ? channels : positions;
            nint xInner = positionsInner ? xPosition : xChannel, yInner = positionsInner ? yPosition : yChannel;
            nint xOuter = positionsInner ? xChannel : xPosition, yOuter = positionsInner ? yChannel : yPosition;
            ref float xs = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            ref float ys = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
            for (nint r = 0; r < rows; r++)
            {
                ref float xr = ref Unsafe.Add(ref xs, r * xSample);
                ref float yr = ref Unsafe.Add(ref ys, r * ySample);
                for (nint o = 0; o < outer; o++)
                {
                    ref float xo = ref Unsafe.Add(ref xr, o * xOuter);
                    ref float yo = ref Unsafe.Add(ref yr, o * yOuter);
                    nint i = 0;
                    for (; i + 4 <= inner; i += 4)
                    {
                        float a = Unsafe.Add(ref xo, i * xInner), b = Unsafe.Add(ref xo, (i + 1) * xInner);
                        float c = Unsafe.Add(ref xo, (i + 2) * xInner), d = Unsafe.Add(ref xo, (i + 3) * xInner);
                        Unsafe.Add(ref yo, i * yInner) = a; Unsafe.Add(ref yo, (i + 1) * yInner) = b;
                        Unsafe.Add(ref yo, (i + 2) * yInner) = c; Unsafe.Add(ref yo, (i + 3) * yInner) = d;
                    }
                    for (; i < inner; i++) Unsafe.Add(ref yo, i * yInner) = Unsafe.Add(ref xo, i * xInner);
                }
            }
            return;
        }
#endif
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> source = x.Slice(r * xSample);
            Span<float> destination = y.Slice(r * ySample);
            if (xChannel == 1 && yChannel == 1)
            {
                for (int p = 0; p < positions; p++)
                    source.Slice(p * xPosition, channels).CopyTo(destination.Slice(p * yPosition, channels));
                continue;
            }
            if (xChannel == 1)
            {
                // channels last to channels first: read each position's channels in order, write with a stride
                for (int p = 0; p < positions; p++)
                {
                    ReadOnlySpan<float> row = source.Slice(p * xPosition, channels);
                    for (int c = 0; c < row.Length; c++)
                        destination[p * yPosition + c * yChannel] = row[c];
                }
                continue;
            }
            for (int c = 0; c < channels; c++)
                for (int p = 0; p < positions; p++)
                    destination[p * yPosition + c * yChannel] = source[p * xPosition + c * xChannel];
        }
    }

    private static void Check(int length, int rows, int positions, int channels, int sample, int position, int channel, string name)
    {
        if (rows < 0 || positions < 1 || channels < 1 || position < 1 || channel < 1)
            throw new ArgumentException($"Layout kernel called with rows {rows}, positions {positions}, channels {channels}, strides {position}/{channel}; expected positive sizes.", name);
        long needed = rows == 0 ? 0 : (long)(rows - 1) * sample + (long)(positions - 1) * position + (long)(channels - 1) * channel + 1;
        if (length < needed)
            throw new ArgumentException($"Layout kernel called with {length} floats for {rows} rows of {positions}×{channels}; expected at least {needed}.", name);
    }
}
