using System.Collections.Generic;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Shapes;

// The shape rule of every layer kind: what input it accepts, what it outputs, its tensors and activation regions.
internal static partial class ShapeInference
{
    /// <summary>What a rule needs: the declaration, the layer, its name and position, and where to report and allocate.</summary>
    private sealed class LayerContext
    {
        private readonly BufferPlan _buffers;
        private readonly List<TensorSpec> _tensors = new();
        private readonly List<Region> _regions = new();

        public LayerContext(NetworkSpec network, LayerSpec layer, string name, string localName, int index, List<ShapeError> errors, BufferPlan buffers)
        {
            Network = network;
            Layer = layer;
            Name = name;
            LocalName = localName;
            Index = index;
            Errors = errors;
            _buffers = buffers;
        }

        public NetworkSpec Network { get; }
        public LayerSpec Layer { get; }
        /// <summary>The full module path: the network's NamePrefix, then the layer's Name or its nn.Sequential index.</summary>
        public string Name { get; }
        /// <summary>The name without the prefix, which the layer's C# identifier is made from.</summary>
        public string LocalName { get; }
        public int Index { get; }
        public List<ShapeError> Errors { get; }
        public long ParameterCount { get; private set; }

        /// <summary>Whether a size check failed (SNET013 reported): the layer cannot be generated.</summary>
        public bool IsTooLarge { get; private set; }

        public EquatableArray<TensorSpec> Tensors => new(_tensors.ToArray());
        public EquatableArray<Region> Regions => new(_regions.ToArray());

        /// <summary>
        /// Checks a size that the generated code or the kernels compute in int (a span's length or an index into it):
        /// <paramref name="floats"/> per sample (times the chunk's rows when <paramref name="perRow"/>) or once. A size past
        /// <see cref="MaxBufferLength"/> is an SNET013 error that names it; the first one per layer is reported.
        /// </summary>
        public bool Fits(long floats, string what, bool perRow)
        {
            long total = perRow ? Product(floats, ChunkRowsBound) : floats;
            if (total <= MaxBufferLength) return true;
            if (!IsTooLarge)
                Errors.Add(new ShapeError(DiagnosticIds.TooLarge, Layer.AttributeIndex, perRow
                    ? $"{Layer.Kind} '{Name}' needs {Count(floats)} floats per sample for {what}, {Count(total)} for a chunk of {ChunkRowsBound} samples; expected at most {Count(MaxBufferLength)} (the runtime's spans index with int)"
                    : $"{Layer.Kind} '{Name}' needs {Count(floats)} floats for {what}; expected at most {Count(MaxBufferLength)} (the runtime's spans index with int)"));
            IsTooLarge = true;
            return false;
        }

        /// <summary>Reports a broken rule on this layer's attribute; returns null so rules can <c>return Error(...)</c>.</summary>
        public ShapedLayer? Error(string id, string message)
        {
            Errors.Add(new ShapeError(id, Layer.AttributeIndex, message));
            return null;
        }

        /// <summary>A trainable tensor (or, with <paramref name="state"/>, a buffer the optimizer never sees).</summary>
        public void Tensor(string suffix, int[] shape, int[] strides, long length, TensorInit init, int fanIn, string stored,
            bool state = false, bool integer = false)
        {
            if (!Fits(length, $"its tensor '{Name}.{suffix}' (stored as {stored})", perRow: false)) return;
            long offset;
            if (state)
            {
                offset = _buffers.StateLength; // relative to the state area; moved after the trainable area at the end
                _buffers.StateLength += length;
            }
            else
            {
                offset = _buffers.TrainableLength;
                _buffers.TrainableLength += length;
                long count = 1;
                foreach (int d in shape) count *= d;
                ParameterCount += count;
                _buffers.ParameterCount += count;
            }
            if (_buffers.Overflowed) return;
            _tensors.Add(new TensorSpec(suffix, new EquatableArray<int>(shape), (int)offset, new EquatableArray<int>(strides),
                (int)length, state, init, fanIn, stored, integer));
        }

        /// <summary>A region of the activation buffer: <paramref name="length"/> floats per row (or per chunk).</summary>
        public void Region(string name, long length, string description, bool perChunk = false)
        {
            if (!Fits(length, $"its {name} region ({description})", perRow: !perChunk)) return;
            long offset;
            if (perChunk)
            {
                offset = _buffers.ChunkLength;
                _buffers.ChunkLength += length;
            }
            else
            {
                offset = _buffers.RowLength;
                _buffers.RowLength += length;
            }
            if (_buffers.Overflowed) return;
            _regions.Add(new Region(name, (int)offset, (int)length, perChunk, description));
        }

        /// <summary>The output region (every layer has one) and, for GELU and SiLU, the pre-activation its derivative needs.</summary>
        public void OutputRegions(ActivationShape output, ActivationKind activation)
        {
            long exact = ActivationShape.ExactRowLength(output.Kind, output.Dims.AsSpan().ToArray());
            if (!Fits(exact, $"its output {output.Text}", perRow: true)) return;
            Region("Output", output.RowLength, output.Positions == 1
                ? (output.PositionStride == output.Channels ? $"[ChunkRows, {output.Channels}]" : $"[ChunkRows, {output.PositionStride}] ({output.Channels} + padding)")
                : $"{output.Text} as [ChunkRows, {output.Positions}, {output.PositionStride}] (channels last)");
            if (activation is ActivationKind.GELU or ActivationKind.SiLU)
                Region("PreActivation", output.RowLength, $"{activation}'s input");
        }
    }

    private static ShapedLayer? Apply(LayerContext c, ActivationShape input, HashSet<string> identifiers)
    {
        LayerSpec layer = c.Layer;
        if (layer.Kind == LayerKind.Embedding && (c.Index != 0 || input.Kind != ShapeKind.Sequence && input.Kind != ShapeKind.Vector || input.Dims.Count != 1))
            return c.Error(DiagnosticIds.EmbeddingNotFirst,
                $"Embedding '{c.Name}' reads token ids, so it must be the first layer after an [Input(steps)] of rank 1; found it " +
                (c.Index != 0 ? $"at position {c.Index} after an output of shape {input.Text}" : $"after an input of shape {input.Text}"));

        (ActivationShape Output, Window? Window)? result = layer.Kind switch
        {
            LayerKind.Dense => Dense(c, input),
            LayerKind.Conv2D or LayerKind.Conv1D => Convolution(c, input),
            LayerKind.MaxPool2D or LayerKind.AvgPool2D or LayerKind.MaxPool1D or LayerKind.AvgPool1D => Pool(c, input),
            LayerKind.GlobalAvgPool => GlobalAvgPool(c, input),
            LayerKind.Flatten => Flatten(c, input),
            LayerKind.BatchNorm => BatchNorm(c, input),
            LayerKind.Dropout => Dropout(c, input),
            LayerKind.Activation => StandAloneActivation(c, input),
            LayerKind.Embedding => Embedding(c, input),
            LayerKind.SimpleRNN or LayerKind.LSTM or LayerKind.GRU => Recurrent(c, input),
            _ => null,
        };
        if (result is null || c.IsTooLarge) return null;
        string identifier = UniqueIdentifier(c.LocalName, c.Index, identifiers);
        return new ShapedLayer(c.Index, layer.Kind, c.Name, identifier, input, result.Value.Output, layer, result.Value.Window,
            c.Tensors, c.Regions, (int)c.ParameterCount);
    }

    // ── Dense ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// [N] → [units]; a [T, F] sequence → [T, units], applied at every step. Weight stored transposed, [in, width]; with one
    /// unit, as PyTorch's row [in] (DenseKernels.ForwardDot).
    /// </summary>
    /// <summary>
    /// Whether a Dense layer of this many units is a dot product: its weight is then PyTorch's own row, [in], not a column
    /// padded to 16 floats, and its kernels are DenseKernels' …Dot ones. The one rule the layout and the emitters share.
    /// </summary>
    public static bool IsDotProductDense(int units) => units == 1;

    private static (ActivationShape, Window?)? Dense(LayerContext c, ActivationShape input)
    {
        int units = c.Layer.Units;
        if (units <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize, $"Dense '{c.Name}' must have at least 1 unit; found {units}"));
        if (input.Kind is ShapeKind.Spatial1D or ShapeKind.Spatial2D)
            return Fail(c.Error(DiagnosticIds.MissingFlatten,
                $"Dense '{c.Name}' follows an output of shape {input.Text} ({Describe(input)}); expected a vector. Add [Flatten] before it (Dense would otherwise apply to the last dimension only)"));
        if (units > MaxBufferLength / WidthAlignment)
            return Fail(c.Error(DiagnosticIds.TooLarge, $"Dense '{c.Name}' has {units:N0} units; expected at most {MaxBufferLength / WidthAlignment:N0}"));
        int inputs = input.Channels, width = RoundUp(units, WidthAlignment);
        ActivationShape output = input.Kind == ShapeKind.Sequence
            ? ActivationShape.Padded(ShapeKind.Sequence, input.Positions, units)
            : ActivationShape.Padded(ShapeKind.Vector, units);
        if (IsDotProductDense(units))
            c.Tensor("weight", new[] { 1, inputs }, new[] { inputs, 1 }, RoundUp(inputs, WidthAlignment), TensorInit.UniformFanIn, inputs,
                $"[{inputs}] (a dot product)"); // the next tensor stays 64-byte aligned
        else
            c.Tensor("weight", new[] { units, inputs }, new[] { 1, width }, (long)inputs * width, TensorInit.UniformFanIn, inputs,
                $"[{inputs}, {width}]" + (width == units ? "" : $" ({units} + {width - units} padding)"));
        c.Tensor("bias", new[] { units }, new[] { 1 }, width, TensorInit.UniformFanIn, inputs, $"[{width}]");
        c.OutputRegions(output, c.Layer.Activation);
        return (output, null);
    }

    // ── Convolutions and pooling ────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// [C, H, W] → [filters, H', W'] (Conv2D) or [C, L] → [filters, L'] (Conv1D). Weight [filters, C, kh, kw] stored as
    /// [kh·kw·C, filtersPadded], row (ky·kw + kx)·C + c, so that the convolution is an im2col and a GEMM.
    /// </summary>
    private static (ActivationShape, Window?)? Convolution(LayerContext c, ActivationShape input)
    {
        LayerSpec layer = c.Layer;
        LayerOptions o = layer.Settings;
        bool is2D = layer.Kind == LayerKind.Conv2D;
        string kind = layer.Kind.ToString();
        ShapeKind expected = is2D ? ShapeKind.Spatial2D : ShapeKind.Spatial1D;
        if (layer.Units <= 0 || o.KernelHeight <= 0 || o.KernelWidth <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize,
                $"{kind} '{c.Name}' needs at least 1 filter and a kernel of at least 1; found {layer.Units} filters and a {KernelText(o, is2D)} kernel"));
        if (input.Kind != expected)
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"{kind} '{c.Name}' expects {(is2D ? "a [channels, height, width]" : "a [channels, length]")} input; found {input.Text} ({Describe(input)})"));
        if (o.Stride < 1 || o.Dilation < 1 || o.Padding < 0)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"{kind} '{c.Name}' has Stride {o.Stride}, Dilation {o.Dilation}, Padding {o.Padding}; expected Stride ≥ 1, Dilation ≥ 1, Padding ≥ 0"));
        if (o.PaddingMode == PaddingModeKind.Same && o.Stride != 1)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"{kind} '{c.Name}' uses PaddingMode.Same with Stride {o.Stride}; 'same' padding needs Stride 1, as in PyTorch"));
        if (o.PaddingMode != PaddingModeKind.Explicit && o.Padding != 0)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"{kind} '{c.Name}' sets both Padding {o.Padding} and PaddingMode.{o.PaddingMode}; expected one of them"));

        // In 64 bits: a dilation or padding near int.MaxValue must fail a check, not wrap.
        long extentH = (long)o.Dilation * (o.KernelHeight - 1) + 1, extentW = (long)o.Dilation * (o.KernelWidth - 1) + 1;
        (long top, long bottom) = Pads(o, extentH, is2D);
        (long left, long right) = Pads(o, extentW, true);
        if (top >= extentH || left >= extentW)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"{kind} '{c.Name}' has Padding {o.Padding}, as large as its kernel's extent {(is2D ? extentH + "×" : "")}{extentW}: the outermost outputs would see nothing but padding; expected Padding < {System.Math.Min(extentH, extentW)}"));
        long paddedH = input.Height + top + bottom, paddedW = input.Width + left + right;
        if (extentH > paddedH || extentW > paddedW)
            return Fail(c.Error(DiagnosticIds.WindowDoesNotFit,
                $"{kind} '{c.Name}' has a {KernelText(o, is2D)} kernel" + (o.Dilation > 1 ? $" with dilation {o.Dilation} (extent {(is2D ? extentH + "×" : "")}{extentW})" : "") +
                $", larger than its padded input {(is2D ? paddedH + "×" + paddedW : paddedW.ToString())} (input {input.Text}, padding {(is2D ? top + "/" + left : left.ToString())}); expected a kernel that fits"));
        // The kernels index the padded input and the kernel's extent in int; the im2col rows have kh·kw·C columns.
        if (!c.Fits(System.Math.Max(paddedH, paddedW), $"its padded input {(is2D ? paddedH + "×" + paddedW : paddedW.ToString())}", perRow: false) ||
            !c.Fits(System.Math.Max(extentH, extentW), $"its kernel's extent {(is2D ? extentH + "×" : "")}{extentW}", perRow: false) ||
            !c.Fits(Product(o.KernelHeight, o.KernelWidth, input.Channels), $"one im2col row ({KernelText(o, is2D)} kernel × {input.Channels} channels)", perRow: false))
            return null;
        int outH = (int)((paddedH - extentH) / o.Stride + 1), outW = (int)((paddedW - extentW) / o.Stride + 1);
        int filters = layer.Units, channels = input.Channels, kernel = o.KernelHeight * o.KernelWidth * channels;
        int width = RoundUp(filters, WidthAlignment);
        ActivationShape output = is2D
            ? ActivationShape.Padded(ShapeKind.Spatial2D, filters, outH, outW)
            : ActivationShape.Padded(ShapeKind.Spatial1D, filters, outW);
        int[] shape = is2D ? new[] { filters, channels, o.KernelHeight, o.KernelWidth } : new[] { filters, channels, o.KernelWidth };
        int[] strides = is2D
            ? new[] { 1, width, o.KernelWidth * channels * width, channels * width }
            : new[] { 1, width, channels * width };
        if (!c.Fits(ActivationShape.ExactRowLength(output.Kind, output.Dims.AsSpan().ToArray()), $"its output {output.Text}", perRow: true) ||
            !c.Fits(Product(output.Positions, kernel), $"one sample's im2col columns [{output.Positions}, {kernel}]", perRow: false))
            return null;
        c.Tensor("weight", shape, strides, (long)kernel * width, TensorInit.UniformFanIn, kernel,
            $"[{(is2D ? "kh·kw" : "k")}·{channels} = {kernel}, {width}]");
        if (o.Bias)
            c.Tensor("bias", new[] { filters }, new[] { 1 }, width, TensorInit.UniformFanIn, kernel, $"[{width}]");
        c.OutputRegions(output, layer.Activation);
        c.Region("Columns", (long)output.Positions * kernel, $"one sample's im2col scratch, [{output.Positions}, {kernel}]", perChunk: true);
        return (output, new Window(o.KernelHeight, o.KernelWidth, is2D ? o.Stride : 1, o.Stride, is2D ? o.Dilation : 1, o.Dilation,
            (int)top, (int)left, (int)bottom, (int)right));
    }

    /// <summary>The padding before and after one axis: explicit, none, or PyTorch's 'same' (the odd one after).</summary>
    private static (long Before, long After) Pads(LayerOptions o, long extent, bool applies)
    {
        if (!applies) return (0, 0);
        return o.PaddingMode switch
        {
            PaddingModeKind.Valid => (0, 0),
            PaddingModeKind.Same => ((extent - 1) / 2, extent - 1 - (extent - 1) / 2),
            _ => (o.Padding, o.Padding),
        };
    }

    private static string KernelText(LayerOptions o, bool is2D) => is2D ? $"{o.KernelHeight}×{o.KernelWidth}" : o.KernelWidth.ToString();

    /// <summary>[C, H, W] → [C, H', W'] (or [C, L] → [C, L']) over size × size windows, no padding.</summary>
    private static (ActivationShape, Window?)? Pool(LayerContext c, ActivationShape input)
    {
        LayerSpec layer = c.Layer;
        bool is2D = layer.Kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D;
        int size = layer.Units, stride = layer.Settings.Stride == 0 ? size : layer.Settings.Stride;
        if (size <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize, $"{layer.Kind} '{c.Name}' needs a window of at least 1; found {size}"));
        if (stride < 0)
            return Fail(c.Error(DiagnosticIds.InvalidOption, $"{layer.Kind} '{c.Name}' has Stride {stride}; expected at least 1 (or 0 for the window size)"));
        if (input.Kind != (is2D ? ShapeKind.Spatial2D : ShapeKind.Spatial1D))
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"{layer.Kind} '{c.Name}' expects {(is2D ? "a [channels, height, width]" : "a [channels, length]")} input; found {input.Text} ({Describe(input)})"));
        int windowH = is2D ? size : 1;
        if (windowH > input.Height || size > input.Width)
            return Fail(c.Error(DiagnosticIds.WindowDoesNotFit,
                $"{layer.Kind} '{c.Name}' has a {(is2D ? size + "×" + size : size.ToString())} window, larger than its input {input.Text}; expected a window that fits"));
        int outH = is2D ? (input.Height - size) / stride + 1 : 1, outW = (input.Width - size) / stride + 1;
        ActivationShape output = is2D
            ? ActivationShape.Padded(ShapeKind.Spatial2D, input.Channels, outH, outW)
            : ActivationShape.Padded(ShapeKind.Spatial1D, input.Channels, outW);
        c.OutputRegions(output, ActivationKind.None);
        return (output, new Window(windowH, size, is2D ? stride : 1, stride, 1, 1, 0, 0, 0, 0));
    }

    /// <summary>[C, H, W] or [C, L] → [C]: the mean over every position.</summary>
    private static (ActivationShape, Window?)? GlobalAvgPool(LayerContext c, ActivationShape input)
    {
        if (input.Kind is not (ShapeKind.Spatial1D or ShapeKind.Spatial2D))
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"GlobalAvgPool '{c.Name}' expects a [channels, height, width] or [channels, length] input; found {input.Text} ({Describe(input)})"));
        ActivationShape output = ActivationShape.Padded(ShapeKind.Vector, input.Channels);
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    /// <summary>Anything → [size] in PyTorch's order (channels first).</summary>
    private static (ActivationShape, Window?)? Flatten(LayerContext c, ActivationShape input)
    {
        ActivationShape output = ActivationShape.Padded(ShapeKind.Vector, input.Size);
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    // ── Normalisation and regularisation ───────────────────────────────────────────────────────────────────────

    /// <summary>Per channel over the batch (and positions): [N], [C, L] or [C, H, W], shape unchanged.</summary>
    private static (ActivationShape, Window?)? BatchNorm(LayerContext c, ActivationShape input)
    {
        LayerOptions o = c.Layer.Settings;
        if (input.Kind == ShapeKind.Sequence)
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"BatchNorm '{c.Name}' follows a sequence {input.Text}; expected a vector [features] (BatchNorm1d), [channels, length] (BatchNorm1d) or [channels, height, width] (BatchNorm2d)"));
        if (!(o.Momentum >= 0f && o.Momentum <= 1f) || !(o.Epsilon > 0f))
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"BatchNorm '{c.Name}' has Momentum {o.Momentum} and Epsilon {o.Epsilon}; expected Momentum in [0, 1] and Epsilon > 0"));
        int channels = input.Channels, width = RoundUp(channels, WidthAlignment);
        ActivationShape output = Same(input);
        c.Tensor("weight", new[] { channels }, new[] { 1 }, width, TensorInit.Ones, 0, $"[{width}]");
        c.Tensor("bias", new[] { channels }, new[] { 1 }, width, TensorInit.Zeros, 0, $"[{width}]");
        c.Tensor("running_mean", new[] { channels }, new[] { 1 }, width, TensorInit.Zeros, 0, $"[{width}]", state: true);
        c.Tensor("running_var", new[] { channels }, new[] { 1 }, width, TensorInit.Ones, 0, $"[{width}]", state: true);
        c.Tensor("num_batches_tracked", new int[0], new int[0], WidthAlignment, TensorInit.Zeros, 0, "a float", state: true, integer: true);
        c.OutputRegions(output, ActivationKind.None);
        c.Region("Normalized", output.RowLength, "x̂, the normalised input");
        c.Region("InverseStd", width, $"the chunk's 1/√(var + ε), [{width}]", perChunk: true);
        return (output, null);
    }

    /// <summary>Inverted dropout; shape unchanged.</summary>
    private static (ActivationShape, Window?)? Dropout(LayerContext c, ActivationShape input)
    {
        float rate = c.Layer.Settings.Rate;
        if (!(rate >= 0f && rate < 1f))
            return Fail(c.Error(DiagnosticIds.InvalidOption, $"Dropout '{c.Name}' has rate {rate}; expected a probability in [0, 1)"));
        ActivationShape output = Same(input);
        c.OutputRegions(output, ActivationKind.None);
        c.Region("Mask", output.RowLength, "0 or 1/(1 − rate) per value");
        return (output, null);
    }

    /// <summary>
    /// A stand-alone activation ([ReLU], [LeakyReLU(slope)], …): shape unchanged, applied to the padded channels-last
    /// layout's channels (the padding stays zero). Softmax is over the last dimension, so vectors and sequences only.
    /// </summary>
    private static (ActivationShape, Window?)? StandAloneActivation(LayerContext c, ActivationShape input)
    {
        ActivationKind function = c.Layer.Activation;
        float parameter = c.Layer.Settings.Parameter;
        if (function == ActivationKind.Softmax && input.Kind is not (ShapeKind.Vector or ShapeKind.Sequence))
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"Softmax '{c.Name}' is over the last dimension (nn.Softmax(dim=-1)), so it needs a vector or a sequence; found {input.Text} ({input.Kind}). " +
                "For class scores per position, [Flatten] first; for a softmax over channels, PyTorch's nn.Softmax2d is not supported"));
        if (function == ActivationKind.LeakyReLU && !(parameter >= 0f && !float.IsInfinity(parameter)))
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"LeakyReLU '{c.Name}' has negative slope {parameter}; expected a finite slope of at least 0 (the backward pass reads the sign of the output)"));
        if (function == ActivationKind.ELU && !(parameter > 0f && !float.IsInfinity(parameter)))
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"ELU '{c.Name}' has alpha {parameter}; expected a finite alpha greater than 0 (the backward pass reads the sign of the output)"));
        ActivationShape output = Same(input);
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    // ── Sequences ────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>[T] token ids → [T, dimension]. Weight [vocabulary, dimension] stored row-major with rows padded to 16.</summary>
    private static (ActivationShape, Window?)? Embedding(LayerContext c, ActivationShape input)
    {
        int vocabulary = c.Layer.Units, dimension = c.Layer.Settings.Dimension;
        if (vocabulary <= 0 || dimension <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize,
                $"Embedding '{c.Name}' needs a vocabulary and a dimension of at least 1; found {vocabulary} and {dimension}"));
        int steps = input.Dims[0], width = RoundUp(dimension, WidthAlignment);
        ActivationShape output = ActivationShape.Padded(ShapeKind.Sequence, steps, dimension);
        c.Tensor("weight", new[] { vocabulary, dimension }, new[] { width, 1 }, (long)vocabulary * width, TensorInit.Normal, 0,
            $"[{vocabulary}, {width}]");
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    /// <summary>
    /// [T, F] → [T, H] (ReturnSequences) or [H]. Gate weights stored transposed, [F, G·H padded] and [H, G·H padded].
    /// </summary>
    private static (ActivationShape, Window?)? Recurrent(LayerContext c, ActivationShape input)
    {
        LayerSpec layer = c.Layer;
        int hidden = layer.Units;
        if (hidden <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize, $"{layer.Kind} '{c.Name}' needs a hidden size of at least 1; found {hidden}"));
        if (input.Kind != ShapeKind.Sequence)
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"{layer.Kind} '{c.Name}' expects a sequence [steps, features]; found {input.Text} ({Describe(input)}). " +
                "A recurrent layer after another needs ReturnSequences = true on the one before"));
        if (layer.Kind == LayerKind.SimpleRNN && layer.Activation is not (ActivationKind.Tanh or ActivationKind.ReLU))
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"SimpleRNN '{c.Name}' has activation {layer.Activation}; expected Tanh or ReLU, as torch.nn.RNN"));
        int gates = layer.Kind switch { LayerKind.LSTM => 4, LayerKind.GRU => 3, _ => 1 };
        if (!c.Fits(RoundUp(Product(gates, hidden), WidthAlignment), $"one row of its {gates} gates × {hidden} units", perRow: true))
            return null;
        int steps = input.Positions, features = input.Channels, width = RoundUp(gates * hidden, WidthAlignment);
        ActivationShape output = layer.Settings.ReturnSequences
            ? ActivationShape.Padded(ShapeKind.Sequence, steps, hidden)
            : ActivationShape.Padded(ShapeKind.Vector, hidden);
        c.Tensor("weight_ih_l0", new[] { gates * hidden, features }, new[] { 1, width }, (long)features * width, TensorInit.UniformFanIn, hidden, $"[{features}, {width}]");
        c.Tensor("weight_hh_l0", new[] { gates * hidden, hidden }, new[] { 1, width }, (long)hidden * width, TensorInit.UniformFanIn, hidden, $"[{hidden}, {width}]");
        c.Tensor("bias_ih_l0", new[] { gates * hidden }, new[] { 1 }, width, TensorInit.UniformFanIn, hidden, $"[{width}]");
        c.Tensor("bias_hh_l0", new[] { gates * hidden }, new[] { 1 }, width, TensorInit.UniformFanIn, hidden, $"[{width}]");
        c.OutputRegions(output, ActivationKind.None);
        // What backpropagation through time needs (RecurrentCore.SavedLength): every step's gates, the cell's state planes
        // (LSTM c, tanh c, h; GRU W_hn·h + b_hn, h; SimpleRNN none), and three rows of scratch.
        long hp = RoundUp((long)hidden, WidthAlignment), planes = layer.Kind switch { LayerKind.LSTM => 3, LayerKind.GRU => 2, _ => 0 };
        c.Region("Saved", Product(steps, width + planes * hp) + width + 2 * hp, $"gates and states of {steps} steps, for backpropagation through time");
        return (output, null);
    }

    // ── helpers ──────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>The same PyTorch shape, as a padded layer output.</summary>
    private static ActivationShape Same(ActivationShape input) =>
        ActivationShape.Padded(input.Kind, input.Dims.AsSpan().ToArray());

    private static string Describe(ActivationShape shape) => shape.Kind switch
    {
        ShapeKind.Vector => "a vector",
        ShapeKind.Sequence => "a sequence [steps, features]",
        ShapeKind.Spatial1D => "[channels, length]",
        _ => "[channels, height, width]",
    };

    private static (ActivationShape, Window?)? Fail(ShapedLayer? _) => null;
}
