using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

public static partial class DenseKernels
{
    /// <summary>
    /// <see cref="Forward"/> followed by <see cref="ActivationKernels.ReLU"/> on the first <paramref name="columns"/>
    /// floats of each output row, in one call (one size check, one dispatch): the same operations in the same order as
    /// the two calls, so the same bits (issue 20: at batch 1 the second call's fixed cost is a measurable part of a
    /// small layer's time).
    /// </summary>
    /// <param name="x">The layer's input, <c>rows</c> rows of <c>xStride</c> floats (the first <c>inputs</c> are used).</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="inputs">The number of inputs per sample.</param>
    /// <param name="xStride">The distance between two rows of <paramref name="x"/>.</param>
    /// <param name="weight">The transposed weight, <c>[inputs, width]</c>.</param>
    /// <param name="bias">The bias, <c>[width]</c>.</param>
    /// <param name="y">The output, <c>[rows, width]</c>, overwritten.</param>
    /// <param name="width">The padded output width, a multiple of <see cref="WidthAlignment"/>.</param>
    /// <param name="columns">The layer's output count (at most <paramref name="width"/>): the columns the ReLU applies to.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ForwardReLU(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int width, int columns)
    {
#if NET8_0_OR_GREATER
        // Batch 1 without padding columns, matrix below 1 MB: the register tile applies the ReLU before its stores
        // (DenseKernels.Row.cs).
        if (rows == 1 && columns == width && TryForwardRow<ReLUOp>(x, inputs, xStride, weight, bias, y, width)) return;
#endif
        ForwardReLURows(x, rows, inputs, xStride, weight, bias, y, width, columns);
    }

    /// <summary><see cref="ForwardReLU"/> without its batch-1 shortcut: the size checks, the path dispatch and the drivers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardReLURows(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int width, int columns)
    {
        CheckSizes(x.Length, rows, inputs, xStride, weight.Length, width, y.Length);
        if (bias.Length < width)
            throw new ArgumentException($"Dense kernel called with a bias of {bias.Length} floats; expected {width}.", nameof(bias));
        if (columns <= 0 || columns > width)
            throw new ArgumentException($"Dense kernel called with {columns} ReLU columns; expected 1 to the width, {width}.", nameof(columns));
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float yr = ref MemoryMarshal.GetReference(y);
        // ActivationKernels.ReLU's split into rows (one row when there is no padding), so the vector and scalar parts
        // of each row are the same as there.
        nint reluRows = columns == width ? 1 : rows, reluColumns = columns == width ? (nint)columns * rows : columns;
        switch (KernelOptions.Path)
        {
            case 512:
                DenseSimd.Forward<V512>(ref xr, rows, inputs, xStride, ref wr, ref br, ref yr, width);
                ActivationSimd.UnaryRows<ReLUOp, V512>(ref yr, ref yr, reluRows, reluColumns, width);
                break;
            case 256:
                DenseSimd.Forward<V256>(ref xr, rows, inputs, xStride, ref wr, ref br, ref yr, width);
                ActivationSimd.UnaryRows<ReLUOp, V256>(ref yr, ref yr, reluRows, reluColumns, width);
                break;
            case 128:
                DenseSimd.Forward<V128>(ref xr, rows, inputs, xStride, ref wr, ref br, ref yr, width);
                ActivationSimd.UnaryRows<ReLUOp, V128>(ref yr, ref yr, reluRows, reluColumns, width);
                break;
            default:
                ReferenceKernels.DenseForward(x, rows, inputs, xStride, weight, bias, y, width);
                ActivationSimd.UnaryScalar<ReLUOp>(ref yr, ref yr, reluRows, reluColumns, width);
                break;
        }
#else
        Forward(x, rows, inputs, xStride, weight, bias, y, width);
        ActivationKernels.ReLU(y, rows, columns, width);
#endif
    }
}
