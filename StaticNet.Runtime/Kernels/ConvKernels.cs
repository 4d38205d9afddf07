using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// The shape of one convolutional layer (Conv2D, or Conv1D as Conv2D with <c>InHeight = 1</c>, <c>KernelHeight = 1</c>,
/// <c>PadTop = 0</c>), as the generator resolves it: explicit top/left padding (bottom/right padding is whatever makes
/// the given output size; 'same' padding of an even kernel is asymmetric this way), one stride and one dilation for
/// both axes, and the layout the input is read in. The bottom (right) padding the output size implies may exceed the
/// top (left) padding by at most one, as PyTorch's explicit and 'same' paddings do.
/// </summary>
/// <remarks>
/// The input of one sample is read at <c>(ih·InWidth + iw)·InputPositionStride + ci·InputChannelStride</c>, samples
/// <see cref="InputSampleStride"/> apart: <c>(1, H·W)</c> and <c>C·H·W</c> for the network's own CHW input,
/// <c>(F, 1)</c> and <c>T·F</c> for a <c>[T, F]</c> input, <c>(cs, 1)</c> and <c>H·W·cs</c> for a previous layer's
/// channels-last output padded to <c>cs</c> channels. The output is always channels last:
/// <c>[OutHeight·OutWidth, OutChannelsPadded]</c> per sample.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ConvGeometry
{
    /// <summary>Checks and stores a layer's shape; see the properties for each argument.</summary>
    public ConvGeometry(int inChannels, int inHeight, int inWidth, int inputSampleStride, int inputPositionStride,
        int inputChannelStride, int outChannels, int kernelHeight, int kernelWidth, int stride, int dilation,
        int padTop, int padLeft, int outHeight, int outWidth)
    {
        InChannels = inChannels;
        InHeight = inHeight;
        InWidth = inWidth;
        InputSampleStride = inputSampleStride;
        InputPositionStride = inputPositionStride;
        InputChannelStride = inputChannelStride;
        OutChannels = outChannels;
        OutChannelsPadded = LayoutArithmetic.Padded(outChannels);
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Stride = stride;
        Dilation = dilation;
        PadTop = padTop;
        PadLeft = padLeft;
        OutHeight = outHeight;
        OutWidth = outWidth;
        if (inChannels <= 0 || inHeight <= 0 || inWidth <= 0 || outChannels <= 0 || kernelHeight <= 0 || kernelWidth <= 0 ||
            stride <= 0 || dilation <= 0 || padTop < 0 || padLeft < 0 || outHeight <= 0 || outWidth <= 0 ||
            inputPositionStride <= 0 || inputChannelStride <= 0 || inputSampleStride < InputExtent ||
            padTop >= (kernelHeight - 1) * dilation + 1 || padLeft >= (kernelWidth - 1) * dilation + 1 ||
            (outHeight - 1) * stride + (kernelHeight - 1) * dilation + 1 - inHeight - padTop > padTop + 1 ||
            (outWidth - 1) * stride + (kernelWidth - 1) * dilation + 1 - inWidth - padLeft > padLeft + 1)
            throw new ArgumentException(
                $"Inconsistent convolution: input [{inChannels}, {inHeight}, {inWidth}] (strides sample {inputSampleStride}, " +
                $"position {inputPositionStride}, channel {inputChannelStride}), {outChannels} filters {kernelHeight}x{kernelWidth}, " +
                $"stride {stride}, dilation {dilation}, padding top {padTop} left {padLeft}, output {outHeight}x{outWidth}.");
    }

    /// <summary>Input channels, <c>Cin</c>.</summary>
    public int InChannels { get; }

    /// <summary>Input height (1 for Conv1D).</summary>
    public int InHeight { get; }

    /// <summary>Input width (the length for Conv1D).</summary>
    public int InWidth { get; }

    /// <summary>The distance between two samples of the input.</summary>
    public int InputSampleStride { get; }

    /// <summary>The distance between two input positions (h, w) and (h, w + 1).</summary>
    public int InputPositionStride { get; }

    /// <summary>The distance between two input channels at one position.</summary>
    public int InputChannelStride { get; }

    /// <summary>Output channels (filters), <c>Cout</c>.</summary>
    public int OutChannels { get; }

    /// <summary><c>Cout</c> rounded up to 16: the output's channel stride and the weight matrix's width.</summary>
    public int OutChannelsPadded { get; }

    /// <summary>Kernel height (1 for Conv1D).</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }

    /// <summary>The stride along both axes.</summary>
    public int Stride { get; }

    /// <summary>The dilation along both axes.</summary>
    public int Dilation { get; }

    /// <summary>Zero rows above the input (0 for Conv1D).</summary>
    public int PadTop { get; }

    /// <summary>Zero columns left of the input.</summary>
    public int PadLeft { get; }

    /// <summary>Output height.</summary>
    public int OutHeight { get; }

    /// <summary>Output width.</summary>
    public int OutWidth { get; }

    /// <summary>Output positions per sample, <c>OutHeight·OutWidth</c>.</summary>
    public int OutPositions => OutHeight * OutWidth;

    /// <summary>Rows of the weight matrix and columns of the im2col matrix: <c>KernelHeight·KernelWidth·InChannels</c>.</summary>
    public int Taps => (int)LayoutArithmetic.ConvolutionTaps(KernelHeight, KernelWidth, InChannels);

    /// <summary>One sample's im2col scratch (the <c>columns</c> argument): <c>OutPositions·Taps</c> floats.</summary>
    public int ColumnsLength => (int)LayoutArithmetic.Im2ColLength(OutPositions, Taps);

    /// <summary>One output sample: <c>OutPositions·OutChannelsPadded</c> floats.</summary>
    public int OutputSampleLength => OutPositions * OutChannelsPadded;

    /// <summary>The floats of one input sample that are read: the last element's offset plus one.</summary>
    public int InputExtent => (InHeight * InWidth - 1) * InputPositionStride + (InChannels - 1) * InputChannelStride + 1;
}

/// <summary>
/// Convolution (Conv2D; Conv1D is its <c>H = 1</c> case) as im2col + the dense GEMM, one sample at a time so that the
/// im2col matrix of a sample (<see cref="ScratchLength"/> floats) stays in cache. For a first layer with one input
/// channel, a direct convolution (no im2col matrix) is used in the forward pass when it is faster.
/// </summary>
/// <remarks>
/// <para>Weight: PyTorch's <c>[Cout, Cin, kh, kw]</c> stored as the matrix <c>[kh·kw·Cin, CoutPad]</c>: element
/// <c>(co, ci, ky, kx)</c> at <c>((ky·kw + kx)·Cin + ci)·CoutPad + co</c>, i.e. PyTorch strides
/// <c>(1, CoutPad, kw·Cin·CoutPad, Cin·CoutPad)</c>; the columns from <c>Cout</c> on are zero. Bias <c>[Cout]</c> at
/// stride 1 in a region of <c>CoutPad</c> floats (zero padding). The im2col row of output position <c>p</c> holds
/// input taps in the order <c>(ky, kx, ci)</c>, zero where the window reaches into the padding.</para>
/// <para>Not for direct use: the generator guarantees the sizes, these methods only assert them.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ConvKernels
{
    /// <summary>The scratch floats <see cref="Forward"/> and <see cref="Backward"/> need: one sample's im2col matrix,
    /// <c>OutPositions·Taps</c>. Nothing in it is kept between calls, so layers (and forward/backward) may share one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ScratchLength(in ConvGeometry g) => g.OutPositions * g.Taps;

    /// <summary>
    /// <c>y[r, p, co] = bias[co] + Σ_(ky,kx,ci) x[r, window(p) + (ky, kx), ci] · W[co, ci, ky, kx]</c>.
    /// </summary>
    /// <param name="x">The input, <c>rows</c> samples laid out as <paramref name="g"/> says.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="g">The layer's shape.</param>
    /// <param name="weight">The weight matrix <c>[Taps, OutChannelsPadded]</c>.</param>
    /// <param name="bias">The bias, <c>OutChannelsPadded</c> floats.</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/> floats, overwritten.</param>
    /// <param name="y">The output, <c>rows·OutputSampleLength</c> floats (channels last, padded), overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, int rows, in ConvGeometry g, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> scratch, Span<float> y)
    {
        Check(x.Length, rows, g, weight.Length, y.Length);
        if (bias.Length < g.OutChannelsPadded)
            throw new ArgumentException($"Conv kernel called with a bias of {bias.Length} floats; expected {g.OutChannelsPadded}.", nameof(bias));
        int positions = g.OutPositions, taps = g.Taps, width = g.OutChannelsPadded, outLength = g.OutputSampleLength;
#if NET8_0_OR_GREATER
        if (UseDirect(g) && KernelOptions.Path != 0)
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float wr = ref MemoryMarshal.GetReference(weight);
            ref float br = ref MemoryMarshal.GetReference(bias);
            ref float yr = ref MemoryMarshal.GetReference(y);
            bool threeByThree = ConvSimd.Direct3x3Applies(g) && scratch.Length >= ConvSimd.Padded3x3Length(g);
            ref float sr = ref MemoryMarshal.GetReference(scratch);
            for (int r = 0; r < rows; r++)
            {
                ref float xs = ref Unsafe.Add(ref xr, (nint)r * g.InputSampleStride);
                ref float ys = ref Unsafe.Add(ref yr, (nint)r * outLength);
                if (threeByThree)
                {
                    switch (ConvSimd.Direct3x3Vector(g, KernelOptions.Path))
                    {
                        case 512: ConvSimd.Direct3x3Forward<V512>(ref xs, g, ref wr, ref br, ref sr, ref ys); break;
                        case 256: ConvSimd.Direct3x3Forward<V256>(ref xs, g, ref wr, ref br, ref sr, ref ys); break;
                        default: ConvSimd.Direct3x3Forward<V128>(ref xs, g, ref wr, ref br, ref sr, ref ys); break;
                    }
                    continue;
                }
                switch (KernelOptions.Path)
                {
                    case 512: ConvSimd.DirectForward<V512>(ref xs, g, ref wr, ref br, ref ys); break;
                    case 256: ConvSimd.DirectForward<V256>(ref xs, g, ref wr, ref br, ref ys); break;
                    default: ConvSimd.DirectForward<V128>(ref xs, g, ref wr, ref br, ref ys); break;
                }
            }
            return;
        }
        if (!WinogradDisabled && KernelOptions.Path >= 256 && scratch.Length >= ConvWinograd.ScratchNeeded(g) &&
            (KernelOptions.Path == 512 ? ConvWinograd.Applies<V512>(g) : ConvWinograd.Applies<V256>(g)))
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float sr = ref MemoryMarshal.GetReference(scratch);
            if (KernelOptions.Path == 512)
                ConvWinograd.Forward<V512>(ref xr, rows, g, ref MemoryMarshal.GetReference(weight), ref MemoryMarshal.GetReference(bias), ref sr, scratch.Length, ref MemoryMarshal.GetReference(y));
            else
                ConvWinograd.Forward<V256>(ref xr, rows, g, ref MemoryMarshal.GetReference(weight), ref MemoryMarshal.GetReference(bias), ref sr, scratch.Length, ref MemoryMarshal.GetReference(y));
            return;
        }
#endif
        if (scratch.Length < positions * taps)
            throw new ArgumentException($"Conv kernel called with {scratch.Length} floats of scratch; expected {positions * taps}.", nameof(scratch));
        Span<float> columns = scratch.Slice(0, positions * taps);
        for (int r = 0; r < rows; r++)
        {
            Im2Col(x.Slice(r * g.InputSampleStride), g, columns);
            DenseKernels.Forward(columns, positions, taps, taps, weight, bias, y.Slice(r * outLength, outLength), width);
        }
    }

    /// <summary>
    /// The backward pass: <c>dWeight += Σ_r columns(x_r)ᵀ · dy_r</c>, <c>dBias += Σ dy</c>, and, unless
    /// <paramref name="dx"/> is empty (a first layer), <c>dx = col2im(dy · Wᵀ)</c> written in the input's layout.
    /// </summary>
    /// <param name="x">The layer's input as in <see cref="Forward"/> (im2col is recomputed from it).</param>
    /// <param name="dy">The gradient with respect to the pre-activation output, <c>rows·OutputSampleLength</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="g">The layer's shape.</param>
    /// <param name="weight">The weight matrix <c>[Taps, OutChannelsPadded]</c>.</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/> floats, overwritten.</param>
    /// <param name="dWeight">The weight gradient <c>[Taps, OutChannelsPadded]</c>, accumulated into; empty (with <paramref name="dBias"/>) for a frozen layer, whose weight gradient is then not computed.</param>
    /// <param name="dBias">The bias gradient, <c>OutChannelsPadded</c> floats, accumulated into; empty with <paramref name="dWeight"/>.</param>
    /// <param name="dx">The input gradient in the input's layout (<c>rows</c> samples of
    /// <see cref="ConvGeometry.InputSampleStride"/>), overwritten over each sample's <see cref="ConvGeometry.InputExtent"/>
    /// (padding channels between positions become zero); empty to skip.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rows, in ConvGeometry g,
        ReadOnlySpan<float> weight, Span<float> scratch, Span<float> dWeight, Span<float> dBias, Span<float> dx)
    {
        Check(x.Length, rows, g, weight.Length, dy.Length);
        int positions = g.OutPositions, taps = g.Taps, width = g.OutChannelsPadded, outLength = g.OutputSampleLength;
        bool weights = !dWeight.IsEmpty || !dBias.IsEmpty; // both empty: a frozen layer, whose weight gradient is not computed
        if (weights && (dWeight.Length < taps * width || dBias.Length < width))
            throw new ArgumentException($"Conv kernel called with gradients of {dWeight.Length} and {dBias.Length} floats; expected {taps * width} and {width} (or both empty).");
        if (!dx.IsEmpty && dx.Length < (rows - 1) * g.InputSampleStride + g.InputExtent)
            throw new ArgumentException($"Conv kernel called with dx of {dx.Length} floats; expected {(rows - 1) * g.InputSampleStride + g.InputExtent}.", nameof(dx));
        if (scratch.Length < positions * taps)
            throw new ArgumentException($"Conv kernel called with {scratch.Length} floats of scratch; expected {positions * taps}.", nameof(scratch));
#if NET8_0_OR_GREATER
        // 3×3 stride-1 layers skip im2col (ConvBackwardSimd): the input gradient first, as it uses the scratch for its own buffers.
        if (!dx.IsEmpty && ConvBackwardSimd.TryInput(dy, rows, g, weight, scratch, dx)) dx = default;
        if (weights && ConvBackwardSimd.TryWeights(x, dy, rows, g, scratch, dWeight, dBias)) weights = false;
#endif
        Span<float> columns = scratch.Slice(0, positions * taps);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> dyr = dy.Slice(r * outLength, outLength);
            if (weights)
            {
                Im2Col(x.Slice(r * g.InputSampleStride), g, columns);
                DenseKernels.BackwardWeights(columns, positions, taps, taps, dyr, width, dWeight, dBias);
            }
            if (dx.IsEmpty) continue;
            DenseKernels.BackwardInput(dyr, positions, width, weight, taps, columns, taps);
            Span<float> dxr = dx.Slice(r * g.InputSampleStride, g.InputExtent);
            dxr.Clear();
            Col2Im(columns, g, dxr);
        }
    }

    /// <summary>
    /// Writes one sample's im2col matrix <c>[OutPositions, Taps]</c>: row <c>p</c> holds the window of output position
    /// <c>p</c> in <c>(ky, kx, ci)</c> order, zero outside the input.
    /// </summary>
    /// <param name="x">One sample of input, starting at its first element.</param>
    /// <param name="g">The layer's shape.</param>
    /// <param name="columns">At least <see cref="ScratchLength"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Im2Col(ReadOnlySpan<float> x, in ConvGeometry g, Span<float> columns)
    {
        if (x.Length < g.InputExtent || columns.Length < g.ColumnsLength)
            throw new ArgumentException($"im2col called with {x.Length} input and {columns.Length} column floats; expected {g.InputExtent} and {g.ColumnsLength}.");
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float cr = ref MemoryMarshal.GetReference(columns);
        switch (KernelOptions.Path)
        {
            case 512: ConvSimd.Im2Col<V512>(ref xr, g, ref cr); break;
            case 256: ConvSimd.Im2Col<V256>(ref xr, g, ref cr); break;
            case 128: ConvSimd.Im2Col<V128>(ref xr, g, ref cr); break;
            default: ReferenceKernels.Im2Col(x, g, columns); break;
        }
#else
        ReferenceKernels.Im2Col(x, g, columns);
#endif
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: adds each column-matrix entry into the input element it was read from.</summary>
    /// <param name="columns">One sample's column-matrix gradient <c>[OutPositions, Taps]</c>.</param>
    /// <param name="g">The layer's shape.</param>
    /// <param name="dx">One sample of input gradient in the input's layout, accumulated into.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Col2Im(ReadOnlySpan<float> columns, in ConvGeometry g, Span<float> dx)
    {
        if (dx.Length < g.InputExtent || columns.Length < g.ColumnsLength)
            throw new ArgumentException($"col2im called with {dx.Length} input and {columns.Length} column floats; expected {g.InputExtent} and {g.ColumnsLength}.");
#if NET8_0_OR_GREATER
        ref float cr = ref MemoryMarshal.GetReference(columns);
        ref float dr = ref MemoryMarshal.GetReference(dx);
        switch (KernelOptions.Path)
        {
            case 512: ConvSimd.Col2Im<V512>(ref cr, g, ref dr); break;
            case 256: ConvSimd.Col2Im<V256>(ref cr, g, ref dr); break;
            case 128: ConvSimd.Col2Im<V128>(ref cr, g, ref dr); break;
            default: ReferenceKernels.Col2Im(columns, g, dx); break;
        }
#else
        ReferenceKernels.Col2Im(columns, g, dx);
#endif
    }

    /// <summary>
    /// Whether <see cref="Forward"/> convolves directly instead of through im2col: for one input channel (a first
    /// layer on an image), where the im2col matrix would be as large as the work (see ConvKernelBenchmarks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool UseDirect(in ConvGeometry g) => g.InChannels == 1 && DirectEnabled;

    /// <summary>Tests and benchmarks switch the direct path off to compare it with im2col.</summary>
    [ThreadStatic] internal static bool DirectDisabled;

    private static bool DirectEnabled => !DirectDisabled;

    /// <summary>Tests and benchmarks switch the Winograd path (ConvWinograd) off to compare it with im2col.</summary>
    [ThreadStatic] internal static bool WinogradDisabled;

    private static void Check(int xLength, int rows, in ConvGeometry g, int weightLength, int yLength)
    {
        if (rows <= 0 || xLength < (rows - 1) * g.InputSampleStride + g.InputExtent ||
            weightLength < g.Taps * g.OutChannelsPadded || yLength < rows * g.OutputSampleLength)
            throw new ArgumentException(
                $"Conv kernel called with inconsistent sizes: rows {rows}, input extent {g.InputExtent} (stride {g.InputSampleStride}), " +
                $"weight [{g.Taps}, {g.OutChannelsPadded}], output {g.OutputSampleLength} per sample; buffers x {xLength}, " +
                $"weight {weightLength}, y/dy {yLength}.");
    }
}
