using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// The fully connected layer's kernels, called by generated code with literal sizes. Matrices are row-major; a layer's
/// weight is stored transposed, <c>[inputs, width]</c>, where <c>width</c> is the layer's output count rounded up to a
/// multiple of 16 (the padding columns are zero and stay zero), so that a forward pass streams the weights in order.
/// </summary>
/// <remarks>Not for direct use: the generator guarantees the sizes, these methods only assert them.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class DenseKernels
{
    /// <summary>The multiple that every padded width is rounded up to.</summary>
    public const int WidthAlignment = LayoutArithmetic.WidthAlignment;

    /// <summary>
    /// <c>y[r, j] = bias[j] + Σₖ x[r·xStride + k] · weight[k·width + j]</c> for <c>r &lt; rows</c>, <c>j &lt; width</c>.
    /// </summary>
    /// <param name="x">The layer's input, <c>rows</c> rows of <c>xStride</c> floats (the first <c>inputs</c> are used).</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="inputs">The number of inputs per sample.</param>
    /// <param name="xStride">The distance between two rows of <paramref name="x"/>.</param>
    /// <param name="weight">The transposed weight, <c>[inputs, width]</c>.</param>
    /// <param name="bias">The bias, <c>[width]</c>.</param>
    /// <param name="y">The output, <c>[rows, width]</c>, overwritten.</param>
    /// <param name="width">The padded output width, a multiple of <see cref="WidthAlignment"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int width)
    {
#if NET8_0_OR_GREATER
        // Batch 1 of a layer whose matrix is below 1 MB: straight to its register tile (DenseKernels.Row.cs).
        if (rows == 1 && TryForwardRow<NoActivation>(x, inputs, xStride, weight, bias, y, width)) return;
#endif
        ForwardRows(x, rows, inputs, xStride, weight, bias, y, width);
    }

    /// <summary><see cref="Forward"/> without its batch-1 shortcut: the size checks, the path dispatch and the drivers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardRows(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int width)
    {
        CheckSizes(x.Length, rows, inputs, xStride, weight.Length, width, y.Length);
        if (bias.Length < width)
            throw new ArgumentException($"Dense kernel called with a bias of {bias.Length} floats; expected {width}.", nameof(bias));
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float yr = ref MemoryMarshal.GetReference(y);
        switch (KernelOptions.Path)
        {
            case 512: DenseSimd.Forward<V512>(ref xr, rows, inputs, xStride, ref wr, ref br, ref yr, width); break;
            case 256: DenseSimd.Forward<V256>(ref xr, rows, inputs, xStride, ref wr, ref br, ref yr, width); break;
            case 128: DenseSimd.Forward<V128>(ref xr, rows, inputs, xStride, ref wr, ref br, ref yr, width); break;
            default: ReferenceKernels.DenseForward(x, rows, inputs, xStride, weight, bias, y, width); break;
        }
#else
        if (KernelOptions.UseVector)
            DenseVector.Forward(x, rows, inputs, xStride, weight, bias, y, width);
        else
            ReferenceKernels.DenseForward(x, rows, inputs, xStride, weight, bias, y, width);
#endif
    }

    /// <summary>
    /// One sample of <see cref="Forward"/> for the streaming <c>Step</c>, summed for latency rather than in
    /// <see cref="Forward"/>'s order (four accumulator sets over the inputs, k mod 4; agrees to rounding):
    /// <c>y[j] = bias[j] + Σₖ x[k] · weight[k·width + j]</c> for <c>j &lt; width</c>.
    /// </summary>
    /// <param name="x">The layer's input, <c>inputs</c> floats.</param>
    /// <param name="inputs">The number of inputs.</param>
    /// <param name="weight">The transposed weight, <c>[inputs, width]</c>.</param>
    /// <param name="bias">The bias, <c>[width]</c>.</param>
    /// <param name="y">The output, <c>[width]</c>, overwritten.</param>
    /// <param name="width">The padded output width, a multiple of <see cref="WidthAlignment"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardStep(ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int width)
    {
        CheckSizes(x.Length, 1, inputs, inputs, weight.Length, width, y.Length);
        if (bias.Length < width)
            throw new ArgumentException($"Dense kernel called with a bias of {bias.Length} floats; expected {width}.", nameof(bias));
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float yr = ref MemoryMarshal.GetReference(y);
        switch (KernelOptions.Path)
        {
            case 512: DenseSimd.ForwardStep<V512>(ref xr, inputs, ref wr, ref br, ref yr, width); return;
            case 256: DenseSimd.ForwardStep<V256>(ref xr, inputs, ref wr, ref br, ref yr, width); return;
            case 128: DenseSimd.ForwardStep<V128>(ref xr, inputs, ref wr, ref br, ref yr, width); return;
        }
#endif
        Forward(x, 1, inputs, inputs, weight, bias, y, width);
    }

    /// <summary>
    /// The one-unit layer (a Dense with one output is a dot product, so its weight is stored as PyTorch's own row,
    /// <c>[inputs]</c>, instead of a column padded to 16): <c>y[r·yStride] = bias + Σₖ x[r·xStride + k] · weight[k]</c>,
    /// and the rest of each output row, <c>y[r·yStride + 1 .. (r + 1)·yStride)</c>, set to zero (the padding of a
    /// 16-wide output row, as <see cref="Forward"/> leaves it).
    /// </summary>
    /// <param name="x">The layer's input, <c>rows</c> rows of <c>xStride</c> floats (the first <c>inputs</c> are used).</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="inputs">The number of inputs per sample.</param>
    /// <param name="xStride">The distance between two rows of <paramref name="x"/>.</param>
    /// <param name="weight">The weight, <c>[inputs]</c>.</param>
    /// <param name="bias">The bias: its first float.</param>
    /// <param name="y">The output, <c>rows</c> rows of <c>yStride</c> floats, overwritten.</param>
    /// <param name="yStride">The distance between two rows of <paramref name="y"/> (at least 1).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardDot(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int yStride)
    {
        CheckDotSizes(x.Length, rows, inputs, xStride, weight.Length, bias.Length, y.Length, yStride, wholeRows: true);
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float yr = ref MemoryMarshal.GetReference(y);
        switch (KernelOptions.Path)
        {
            case 512: DenseSimd.ForwardDot<V512>(ref xr, rows, inputs, xStride, ref wr, bias[0], ref yr, yStride); return;
            case 256: DenseSimd.ForwardDot<V256>(ref xr, rows, inputs, xStride, ref wr, bias[0], ref yr, yStride); return;
            case 128: DenseSimd.ForwardDot<V128>(ref xr, rows, inputs, xStride, ref wr, bias[0], ref yr, yStride); return;
        }
#endif
        ReferenceKernels.DenseForwardDot(x, rows, inputs, xStride, weight, bias[0], y, yStride);
    }

    /// <summary>
    /// The parameter gradients of <see cref="ForwardDot"/>: <c>dWeight[k] += Σᵣ x[r·xStride + k] · dy[r·dyStride]</c>,
    /// <c>dBias[0] += Σᵣ dy[r·dyStride]</c>.
    /// </summary>
    /// <param name="x">The layer's input as in <see cref="ForwardDot"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="inputs">The number of inputs per sample.</param>
    /// <param name="xStride">The distance between two rows of <paramref name="x"/>.</param>
    /// <param name="dy">The gradient of the loss with respect to the output, its first float in each row of <paramref name="dyStride"/>.</param>
    /// <param name="dyStride">The distance between two rows of <paramref name="dy"/>.</param>
    /// <param name="dWeight">The weight gradient, <c>[inputs]</c>, accumulated into.</param>
    /// <param name="dBias">The bias gradient: its first float, accumulated into.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeightsDot(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> dy, int dyStride, Span<float> dWeight, Span<float> dBias)
    {
        CheckDotSizes(x.Length, rows, inputs, xStride, dWeight.Length, dBias.Length, dy.Length, dyStride, wholeRows: false);
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dyr = ref MemoryMarshal.GetReference(dy);
        ref float dwr = ref MemoryMarshal.GetReference(dWeight);
        ref float dbr = ref MemoryMarshal.GetReference(dBias);
        switch (KernelOptions.Path)
        {
            case 512: DenseSimd.BackwardWeightsDot<V512>(ref xr, rows, inputs, xStride, ref dyr, dyStride, ref dwr, ref dbr); return;
            case 256: DenseSimd.BackwardWeightsDot<V256>(ref xr, rows, inputs, xStride, ref dyr, dyStride, ref dwr, ref dbr); return;
            case 128: DenseSimd.BackwardWeightsDot<V128>(ref xr, rows, inputs, xStride, ref dyr, dyStride, ref dwr, ref dbr); return;
        }
#endif
        ReferenceKernels.DenseBackwardWeightsDot(x, rows, inputs, xStride, dy, dyStride, dWeight, dBias);
    }

    /// <summary>The input gradient of <see cref="ForwardDot"/>: <c>dx[r·dxStride + k] = dy[r·dyStride] · weight[k]</c> for <c>k &lt; inputs</c>.</summary>
    /// <param name="dy">The gradient with respect to the output, its first float in each row of <paramref name="dyStride"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="dyStride">The distance between two rows of <paramref name="dy"/>.</param>
    /// <param name="weight">The weight, <c>[inputs]</c>.</param>
    /// <param name="inputs">The number of inputs per sample.</param>
    /// <param name="dx">The input gradient, <c>rows</c> rows of <c>dxStride</c> floats (the first <c>inputs</c> written).</param>
    /// <param name="dxStride">The distance between two rows of <paramref name="dx"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInputDot(ReadOnlySpan<float> dy, int rows, int dyStride, ReadOnlySpan<float> weight,
        int inputs, Span<float> dx, int dxStride)
    {
        CheckDotSizes(dx.Length, rows, inputs, dxStride, weight.Length, 1, dy.Length, dyStride, wholeRows: false);
#if NET8_0_OR_GREATER
        ref float dyr = ref MemoryMarshal.GetReference(dy);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float dxr = ref MemoryMarshal.GetReference(dx);
        switch (KernelOptions.Path)
        {
            case 512: DenseSimd.BackwardInputDot<V512>(ref dyr, rows, dyStride, ref wr, inputs, ref dxr, dxStride); return;
            case 256: DenseSimd.BackwardInputDot<V256>(ref dyr, rows, dyStride, ref wr, inputs, ref dxr, dxStride); return;
            case 128: DenseSimd.BackwardInputDot<V128>(ref dyr, rows, dyStride, ref wr, inputs, ref dxr, dxStride); return;
        }
#endif
        ReferenceKernels.DenseBackwardInputDot(dy, rows, dyStride, weight, inputs, dx, dxStride);
    }

    /// <summary>x (or dx) rows of <paramref name="inputs"/>; y (or dy) rows of one float (<paramref name="wholeRows"/>: of <paramref name="yStride"/> floats, all written).</summary>
    private static void CheckDotSizes(int xLength, int rows, int inputs, int xStride, int weightLength, int biasLength, int yLength, int yStride,
        bool wholeRows)
    {
        if (rows <= 0 || inputs <= 0 || xStride < inputs || yStride < 1 || xLength < (long)(rows - 1) * xStride + inputs ||
            weightLength < inputs || biasLength < 1 || yLength < (long)(rows - 1) * yStride + (wholeRows ? yStride : 1))
            throw new ArgumentException(
                $"One-unit Dense kernel called with inconsistent sizes: rows {rows}, inputs {inputs}, stride {xStride}, output stride {yStride}; " +
                $"buffers x {xLength}, weight {weightLength} (expected {inputs}), bias {biasLength} (expected 1), y {yLength}.");
    }

    /// <summary>
    /// Accumulates the parameter gradients: <c>dWeight[k, j] += Σᵣ x[r, k] · dy[r, j]</c> and
    /// <c>dBias[j] += Σᵣ dy[r, j]</c>.
    /// </summary>
    /// <param name="x">The layer's input as in <see cref="Forward"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="inputs">The number of inputs per sample.</param>
    /// <param name="xStride">The distance between two rows of <paramref name="x"/>.</param>
    /// <param name="dy">The gradient of the loss with respect to the layer's pre-activation output, <c>[rows, width]</c>.</param>
    /// <param name="width">The padded output width.</param>
    /// <param name="dWeight">The weight gradient, <c>[inputs, width]</c>, accumulated into.</param>
    /// <param name="dBias">The bias gradient, <c>[width]</c>, accumulated into.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeights(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> dy, int width, Span<float> dWeight, Span<float> dBias) =>
        BackwardWeights(x, rows, inputs, xStride, dy, width, dWeight, dBias, overwrite: false);

    /// <summary>
    /// As <see cref="BackwardWeights(ReadOnlySpan{float}, int, int, int, ReadOnlySpan{float}, int, Span{float}, Span{float})"/>,
    /// or, when <paramref name="overwrite"/>, writes the gradients instead of adding to them: <c>dWeight[k, j] = 0 + Σᵣ …</c>
    /// for every <c>k &lt; inputs</c>, <c>j &lt; width</c> and <c>dBias[j] = 0 + Σᵣ dy[r, j]</c> for every <c>j &lt; width</c>,
    /// the same bits as accumulating into cleared gradients (the sums start at +0 either way), without the clear.
    /// </summary>
    /// <param name="x">The layer's input as in <see cref="Forward"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="inputs">The number of inputs per sample.</param>
    /// <param name="xStride">The distance between two rows of <paramref name="x"/>.</param>
    /// <param name="dy">The gradient of the loss with respect to the layer's pre-activation output, <c>[rows, width]</c>.</param>
    /// <param name="width">The padded output width.</param>
    /// <param name="dWeight">The weight gradient, <c>[inputs, width]</c>, accumulated into or overwritten.</param>
    /// <param name="dBias">The bias gradient, <c>[width]</c>, accumulated into or overwritten.</param>
    /// <param name="overwrite">Whether to overwrite the gradients (what they held is not read) rather than add to them.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeights(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> dy, int width, Span<float> dWeight, Span<float> dBias, bool overwrite)
    {
        CheckSizes(x.Length, rows, inputs, xStride, dWeight.Length, width, dy.Length);
        if (dBias.Length < width)
            throw new ArgumentException($"Dense kernel called with a bias gradient of {dBias.Length} floats; expected {width}.", nameof(dBias));
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dyr = ref MemoryMarshal.GetReference(dy);
        ref float dwr = ref MemoryMarshal.GetReference(dWeight);
        ref float dbr = ref MemoryMarshal.GetReference(dBias);
        switch (KernelOptions.Path)
        {
            case 512: DenseSimd.BackwardWeights<V512>(ref xr, rows, inputs, xStride, ref dyr, width, ref dwr, ref dbr, overwrite); return;
            case 256: DenseSimd.BackwardWeights<V256>(ref xr, rows, inputs, xStride, ref dyr, width, ref dwr, ref dbr, overwrite); return;
            case 128: DenseSimd.BackwardWeights<V128>(ref xr, rows, inputs, xStride, ref dyr, width, ref dwr, ref dbr, overwrite); return;
        }
#endif
        if (overwrite)
        {
            dWeight.Slice(0, inputs * width).Clear();
            dBias.Slice(0, width).Clear();
        }
        ReferenceKernels.DenseBackwardWeights(x, rows, inputs, xStride, dy, width, dWeight, dBias);
    }

    /// <summary>
    /// The gradient with respect to the layer's input: <c>dx[r·dxStride + k] = Σⱼ dy[r, j] · weight[k, j]</c> for
    /// <c>k &lt; inputs</c> (the rest of each row of <paramref name="dx"/> is not written).
    /// </summary>
    /// <param name="dy">The gradient with respect to the pre-activation output, <c>[rows, width]</c>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="width">The padded output width.</param>
    /// <param name="weight">The transposed weight, <c>[inputs, width]</c>.</param>
    /// <param name="inputs">The number of inputs per sample.</param>
    /// <param name="dx">The input gradient, <c>rows</c> rows of <c>dxStride</c> floats, overwritten.</param>
    /// <param name="dxStride">The distance between two rows of <paramref name="dx"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInput(ReadOnlySpan<float> dy, int rows, int width, ReadOnlySpan<float> weight,
        int inputs, Span<float> dx, int dxStride)
    {
        CheckSizes(dx.Length, rows, inputs, dxStride, weight.Length, width, dy.Length);
#if NET8_0_OR_GREATER
        ref float dyr = ref MemoryMarshal.GetReference(dy);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float dxr = ref MemoryMarshal.GetReference(dx);
        switch (KernelOptions.Path)
        {
            case 512: DenseSimd.BackwardInput<V512>(ref dyr, rows, width, ref wr, inputs, ref dxr, dxStride); break;
            case 256: DenseSimd.BackwardInput<V256>(ref dyr, rows, width, ref wr, inputs, ref dxr, dxStride); break;
            case 128: DenseSimd.BackwardInput<V128>(ref dyr, rows, width, ref wr, inputs, ref dxr, dxStride); break;
            default: ReferenceKernels.DenseBackwardInput(dy, rows, width, weight, inputs, dx, dxStride); break;
        }
#else
        ReferenceKernels.DenseBackwardInput(dy, rows, width, weight, inputs, dx, dxStride);
#endif
    }

    private static void CheckSizes(int xLength, int rows, int inputs, int xStride, int weightLength, int width, int yLength)
    {
        if (rows <= 0 || inputs <= 0 || xStride < inputs || width < 0 || width % WidthAlignment != 0 ||
            xLength < (rows - 1) * xStride + inputs || weightLength < inputs * width || yLength < rows * width)
            throw new ArgumentException(
                $"Dense kernel called with inconsistent sizes: rows {rows}, inputs {inputs}, stride {xStride}, width {width}; " +
                $"buffers x {xLength}, weight {weightLength}, y {yLength}.");
    }
}
