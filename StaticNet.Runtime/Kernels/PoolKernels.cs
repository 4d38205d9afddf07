using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// Pooling on the channels-last padded layout: one sample is <c>[H·W, channels]</c> with <c>channels</c> a multiple of
/// 16 (the padded channel count <c>cs</c>), vectorised over channels. MaxPool1D/AvgPool1D are the <c>H = 1</c>,
/// <c>poolHeight = strideHeight = 1</c> case. Windows fit inside the input (no padding, floor mode, as PyTorch's
/// defaults): the output is <c>[(H − poolHeight)/strideHeight + 1, (W − poolWidth)/strideWidth + 1]</c> positions.
/// </summary>
/// <remarks>Not for direct use: the generator guarantees the sizes, these methods only assert them.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PoolKernels
{
    /// <summary>The output size along one axis: <c>(input − pool)/stride + 1</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int OutputSize(int input, int pool, int stride) => (input - pool) / stride + 1;

    /// <summary><c>y[r, (oh, ow), c] = max over the window of x</c> (NaN propagates only as the hardware max does).</summary>
    /// <param name="x">The input, <c>rows·height·width·channels</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="height">Input height (1 for 1D).</param>
    /// <param name="width">Input width (the length for 1D).</param>
    /// <param name="channels">The padded channel count <c>cs</c>, a multiple of 16: the distance between positions.</param>
    /// <param name="poolHeight">Window height (1 for 1D).</param>
    /// <param name="poolWidth">Window width.</param>
    /// <param name="strideHeight">Vertical stride (1 for 1D).</param>
    /// <param name="strideWidth">Horizontal stride.</param>
    /// <param name="y">The output, <c>rows·Ho·Wo·channels</c> floats, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPool(ReadOnlySpan<float> x, int rows, int height, int width, int channels, int poolHeight,
        int poolWidth, int strideHeight, int strideWidth, Span<float> y) =>
        Pool(true, x, rows, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth, y);

    /// <summary><c>y = mean over the window of x</c> (the sum divided by <c>poolHeight·poolWidth</c>).</summary>
    /// <inheritdoc cref="MaxPool"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AvgPool(ReadOnlySpan<float> x, int rows, int height, int width, int channels, int poolHeight,
        int poolWidth, int strideHeight, int strideWidth, Span<float> y) =>
        Pool(false, x, rows, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth, y);

    /// <summary>
    /// <c>dx</c> = each output's gradient routed to the first maximum of its window in scan order (row by row), as
    /// PyTorch's CPU kernel; overlapping windows accumulate. The maxima are recomputed from <paramref name="x"/>.
    /// </summary>
    /// <param name="x">The forward input, <c>rows·height·width·channels</c> floats.</param>
    /// <param name="dy">The output gradient, <c>rows·Ho·Wo·channels</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="channels">The padded channel count.</param>
    /// <param name="poolHeight">Window height.</param>
    /// <param name="poolWidth">Window width.</param>
    /// <param name="strideHeight">Vertical stride.</param>
    /// <param name="strideWidth">Horizontal stride.</param>
    /// <param name="dx">The input gradient, <c>rows·height·width·channels</c> floats, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPoolBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rows, int height, int width,
        int channels, int poolHeight, int poolWidth, int strideHeight, int strideWidth, Span<float> dx) =>
        MaxPoolBackward(x, dy, rows, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth, dx, relu: false);

    /// <summary>
    /// <see cref="MaxPoolBackward(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, int, int, int, int, int, int, Span{float})"/>
    /// followed by the backward pass of the ReLU whose output <paramref name="x"/> is: <c>dx = x &gt; 0 ? dx : 0</c> on the
    /// first <paramref name="columns"/> channels of every position, the same bits as the two calls
    /// (<see cref="ActivationKernels.ReLUBackward"/> after it) but, for 2×2 windows at stride 2 that tile the input, in one
    /// trip over memory instead of three (issue 20, item 3: the CNN's training step).
    /// </summary>
    /// <param name="x">The forward input, a ReLU's output, <c>rows·height·width·channels</c> floats.</param>
    /// <param name="dy">The output gradient, <c>rows·Ho·Wo·channels</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="channels">The padded channel count.</param>
    /// <param name="columns">The real channel count (the ReLU's columns): the padding channels are left as the pool wrote them.</param>
    /// <param name="poolHeight">Window height.</param>
    /// <param name="poolWidth">Window width.</param>
    /// <param name="strideHeight">Vertical stride.</param>
    /// <param name="strideWidth">Horizontal stride.</param>
    /// <param name="dx">The gradient of the ReLU's input, <c>rows·height·width·channels</c> floats, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPoolReLUBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rows, int height, int width,
        int channels, int columns, int poolHeight, int poolWidth, int strideHeight, int strideWidth, Span<float> dx)
    {
        if (columns == channels)
        {
            MaxPoolBackward(x, dy, rows, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth, dx, relu: true);
            return;
        }
        MaxPoolBackward(x, dy, rows, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth, dx, relu: false);
        ActivationKernels.ReLUBackward(x, dx, rows * height * width, columns, channels);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPoolBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rows, int height, int width,
        int channels, int poolHeight, int poolWidth, int strideHeight, int strideWidth, Span<float> dx, bool relu)
    {
        int outLength = Check(rows, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth, x.Length, dy.Length);
        int inLength = height * width * channels;
        if (dx.Length < rows * inLength)
            throw new ArgumentException($"Pool kernel called with dx of {dx.Length} floats; expected {rows * inLength}.", nameof(dx));
#if NET8_0_OR_GREATER
        // 2×2 windows at stride 2 tiling the input: every dx element is written once, no clearing pass (the same bits).
        if (poolHeight == 2 && poolWidth == 2 && strideHeight == 2 && strideWidth == 2 && height % 2 == 0 && width % 2 == 0 &&
            KernelOptions.Path >= 128 && channels % (KernelOptions.Path / 32) == 0)
        {
            for (int r = 0; r < rows; r++)
            {
                ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), r * inLength);
                ref float dyr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dy), r * outLength);
                ref float dxr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dx), r * inLength);
                switch (KernelOptions.Path)
                {
                    case 512: PoolSimd.MaxBackward2x2<V512>(ref xr, ref dyr, ref dxr, height, width, channels, relu); break;
                    case 256: PoolSimd.MaxBackward2x2<V256>(ref xr, ref dyr, ref dxr, height, width, channels, relu); break;
                    default: PoolSimd.MaxBackward2x2<V128>(ref xr, ref dyr, ref dxr, height, width, channels, relu); break;
                }
            }
            return;
        }
#endif
        dx.Slice(0, rows * inLength).Clear();
        for (int r = 0; r < rows; r++)
        {
#if NET8_0_OR_GREATER
            ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), r * inLength);
            ref float dyr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dy), r * outLength);
            ref float dxr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dx), r * inLength);
            switch (KernelOptions.Path)
            {
                case 512: PoolSimd.MaxBackward<V512>(ref xr, ref dyr, ref dxr, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth); continue;
                case 256: PoolSimd.MaxBackward<V256>(ref xr, ref dyr, ref dxr, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth); continue;
                case 128: PoolSimd.MaxBackward<V128>(ref xr, ref dyr, ref dxr, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth); continue;
            }
#endif
            ReferenceKernels.MaxPoolBackward(x.Slice(r * inLength, inLength), dy.Slice(r * outLength, outLength),
                dx.Slice(r * inLength, inLength), height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth);
        }
        if (relu) ActivationKernels.ReLUBackward(x, dx, rows * height * width, channels, channels); // the unfused second pass
    }

    /// <summary><c>dx</c> = each output's gradient divided by <c>poolHeight·poolWidth</c>, added to every element of its
    /// window (overlapping windows accumulate).</summary>
    /// <param name="dy">The output gradient, <c>rows·Ho·Wo·channels</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="channels">The padded channel count.</param>
    /// <param name="poolHeight">Window height.</param>
    /// <param name="poolWidth">Window width.</param>
    /// <param name="strideHeight">Vertical stride.</param>
    /// <param name="strideWidth">Horizontal stride.</param>
    /// <param name="dx">The input gradient, <c>rows·height·width·channels</c> floats, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AvgPoolBackward(ReadOnlySpan<float> dy, int rows, int height, int width, int channels,
        int poolHeight, int poolWidth, int strideHeight, int strideWidth, Span<float> dx)
    {
        int inLength = height * width * channels;
        int outLength = Check(rows, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth, dx.Length, dy.Length);
        dx.Slice(0, rows * inLength).Clear();
        for (int r = 0; r < rows; r++)
        {
#if NET8_0_OR_GREATER
            ref float dyr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dy), r * outLength);
            ref float dxr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dx), r * inLength);
            switch (KernelOptions.Path)
            {
                case 512: PoolSimd.AvgBackward<V512>(ref dyr, ref dxr, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth); continue;
                case 256: PoolSimd.AvgBackward<V256>(ref dyr, ref dxr, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth); continue;
                case 128: PoolSimd.AvgBackward<V128>(ref dyr, ref dxr, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth); continue;
            }
#endif
            ReferenceKernels.AvgPoolBackward(dy.Slice(r * outLength, outLength), dx.Slice(r * inLength, inLength),
                height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth);
        }
    }

    /// <summary><c>y[r, c] = mean over positions of x[r, p, c]</c>: <c>[positions, channels]</c> → <c>[channels]</c>.</summary>
    /// <param name="x">The input, <c>rows·positions·channels</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="positions">Positions per sample (H·W, or L).</param>
    /// <param name="channels">The padded channel count, a multiple of 16.</param>
    /// <param name="y">The output, <c>rows·channels</c> floats, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalAvgPool(ReadOnlySpan<float> x, int rows, int positions, int channels, Span<float> y)
    {
        Check(rows, 1, positions, channels, 1, positions, 1, 1, x.Length, y.Length);
        float inverse = 1f / positions;
        for (int r = 0; r < rows; r++)
        {
            Span<float> yr = y.Slice(r * channels, channels);
            x.Slice(r * positions * channels, channels).CopyTo(yr);
            for (int p = 1; p < positions; p++)
                Add(x.Slice((r * positions + p) * channels, channels), yr);
            Scale(yr, inverse);
        }
    }

    /// <summary><c>dx[r, p, c] = dy[r, c] / positions</c>.</summary>
    /// <param name="dy">The output gradient, <c>rows·channels</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="positions">Positions per sample.</param>
    /// <param name="channels">The padded channel count.</param>
    /// <param name="dx">The input gradient, <c>rows·positions·channels</c> floats, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalAvgPoolBackward(ReadOnlySpan<float> dy, int rows, int positions, int channels, Span<float> dx)
    {
        Check(rows, 1, positions, channels, 1, positions, 1, 1, dx.Length, dy.Length);
        float inverse = 1f / positions;
        for (int r = 0; r < rows; r++)
        {
            Span<float> first = dx.Slice(r * positions * channels, channels);
            dy.Slice(r * channels, channels).CopyTo(first);
            Scale(first, inverse);
            for (int p = 1; p < positions; p++)
                first.CopyTo(dx.Slice((r * positions + p) * channels, channels));
        }
    }

    private static void Pool(bool max, ReadOnlySpan<float> x, int rows, int height, int width, int channels,
        int poolHeight, int poolWidth, int strideHeight, int strideWidth, Span<float> y)
    {
        int outLength = Check(rows, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth, x.Length, y.Length);
        int inLength = height * width * channels;
        for (int r = 0; r < rows; r++)
        {
#if NET8_0_OR_GREATER
            ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), r * inLength);
            ref float yr = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), r * outLength);
            switch (KernelOptions.Path)
            {
                case 512: PoolSimd.Forward<V512>(max, ref xr, ref yr, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth); continue;
                case 256: PoolSimd.Forward<V256>(max, ref xr, ref yr, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth); continue;
                case 128: PoolSimd.Forward<V128>(max, ref xr, ref yr, height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth); continue;
            }
#endif
            ReferenceKernels.Pool(max, x.Slice(r * inLength, inLength), y.Slice(r * outLength, outLength),
                height, width, channels, poolHeight, poolWidth, strideHeight, strideWidth);
        }
    }

    private static void Add(ReadOnlySpan<float> source, Span<float> destination)
    {
#if NET8_0_OR_GREATER
        if (KernelOptions.Path != 0)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(source, destination, destination);
            return;
        }
#endif
        for (int i = 0; i < destination.Length; i++) destination[i] += source[i];
    }

    private static void Scale(Span<float> values, float factor)
    {
        for (int i = 0; i < values.Length; i++) values[i] *= factor;
    }

    /// <summary>Checks the sizes; returns one output sample's length.</summary>
    private static int Check(int rows, int height, int width, int channels, int poolHeight, int poolWidth,
        int strideHeight, int strideWidth, int inputLength, int outputLength)
    {
        if (rows <= 0 || height <= 0 || width <= 0 || channels <= 0 || channels % DenseKernels.WidthAlignment != 0 ||
            poolHeight <= 0 || poolWidth <= 0 || strideHeight <= 0 || strideWidth <= 0 || poolHeight > height || poolWidth > width)
            throw new ArgumentException(
                $"Pool kernel called with inconsistent sizes: input {height}x{width}x{channels}, window {poolHeight}x{poolWidth}, stride {strideHeight}x{strideWidth}.");
        int outLength = OutputSize(height, poolHeight, strideHeight) * OutputSize(width, poolWidth, strideWidth) * channels;
        if (inputLength < rows * height * width * channels || outputLength < rows * outLength)
            throw new ArgumentException(
                $"Pool kernel called with buffers of {inputLength} (input side) and {outputLength} (output side) floats; expected " +
                $"{rows * height * width * channels} and {rows * outLength}.");
        return outLength;
    }
}
