using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of <c>[Conv2D]</c> and <c>[Conv1D]</c> beyond the filters and the activation.</summary>
/// <param name="KernelHeight">Kernel height (1 for Conv1D).</param>
/// <param name="KernelWidth">Kernel width (or length).</param>
/// <param name="Stride">Stride.</param>
/// <param name="Padding">Explicit padding per side.</param>
/// <param name="PaddingMode">Explicit, Valid or Same.</param>
/// <param name="Dilation">Dilation.</param>
/// <param name="Bias">Whether the layer has a bias.</param>
internal sealed record ConvolutionOptions(
    int KernelHeight,
    int KernelWidth,
    int Stride = 1,
    int Padding = 0,
    PaddingModeKind PaddingMode = PaddingModeKind.Explicit,
    int Dilation = 1,
    bool Bias = true) : LayerOptions;

/// <summary>
/// <c>[Conv2D(filters, size[, activation])]</c>, <c>[Conv2D(filters, height, width[, activation])]</c> and
/// <c>[Conv1D(filters, size[, activation])]</c> (a Conv2D of height 1), PyTorch's <c>nn.Conv2d</c>/<c>nn.Conv1d</c>:
/// [C, H, W] → [filters, H', W'] or [C, L] → [filters, L']. Weight [filters, C, kh, kw] stored as [kh·kw·C, filters
/// padded], row (ky·kw + kx)·C + c, so that the convolution is an im2col and a GEMM (<c>ConvKernels</c>), with the
/// layer's geometry in a <c>static readonly ConvGeometry</c>, then the fused activation over every output position.
/// The first layer reads the user's channels-first input directly.
/// </summary>
internal sealed class ConvolutionLayer : LayerDefinition
{
    public static readonly ConvolutionLayer Conv2D = new(LayerKind.Conv2D, "StaticNet.Conv2DAttribute", is2D: true);
    public static readonly ConvolutionLayer Conv1D = new(LayerKind.Conv1D, "StaticNet.Conv1DAttribute", is2D: false);

    private readonly bool _is2D;

    private ConvolutionLayer(LayerKind kind, string attributeName, bool is2D) : base(kind, attributeName) => _is2D = is2D;

    private static ConvolutionOptions Options(LayerSpec layer) => (ConvolutionOptions)layer.Options!;

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name)
    {
        // Conv2D(filters, size[, activation]), Conv2D(filters, height, width[, activation]), Conv1D(filters, size[, activation])
        bool rectangular = attribute.ConstructorArguments.Length >= 3 && attribute.ConstructorArguments[2].Type?.SpecialType == SpecialType.System_Int32;
        int height = _is2D ? AttributeArguments.Int(attribute, 1) : 1;
        int width = rectangular ? AttributeArguments.Int(attribute, 2) : AttributeArguments.Int(attribute, 1);
        var activation = (ActivationKind)AttributeArguments.Int(attribute, rectangular ? 3 : 2);
        var options = new ConvolutionOptions(
            KernelHeight: height,
            KernelWidth: width,
            Stride: AttributeArguments.NamedInt(attribute, "Stride", 1),
            Padding: AttributeArguments.NamedInt(attribute, "Padding", 0),
            PaddingMode: (PaddingModeKind)AttributeArguments.NamedInt(attribute, "PaddingMode", 0),
            Dilation: AttributeArguments.NamedInt(attribute, "Dilation", 1),
            Bias: AttributeArguments.NamedBool(attribute, "Bias", true));
        return new LayerSpec(Kind, attributeIndex, EquatableArray<int>.Empty, AttributeArguments.Int(attribute, 0), activation, name, options);
    }

    public override void CheckValues(LayerSpec layer, List<ShapeError> errors)
    {
        PaddingModeKind mode = Options(layer).PaddingMode;
        if (mode < PaddingModeKind.Explicit || mode > PaddingModeKind.Same)
            errors.Add(new ShapeError(DiagnosticIds.UndefinedValue, layer.AttributeIndex,
                $"PaddingMode value {(int)mode} is not a defined StaticNet.PaddingMode; expected one of Explicit, Valid, Same"));
    }

    // ── Shape ──────────────────────────────────────────────────────────────────────────────────────────────────────

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        LayerSpec layer = c.Layer;
        ConvolutionOptions o = Options(layer);
        bool is2D = _is2D;
        string kind = layer.Kind.ToString();
        ShapeKind expected = is2D ? ShapeKind.Spatial2D : ShapeKind.Spatial1D;
        if (layer.Units <= 0 || o.KernelHeight <= 0 || o.KernelWidth <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize,
                $"{kind} '{c.Name}' needs at least 1 filter and a kernel of at least 1; found {layer.Units} filters and a {KernelText(o, is2D)} kernel"));
        if (input.Kind != expected)
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"{kind} '{c.Name}' expects {(is2D ? "a [channels, height, width]" : "a [channels, length]")} input; found {input.Text} ({ShapeInference.Describe(input)})"));
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
            !c.Fits(ShapeInference.Product(o.KernelHeight, o.KernelWidth, input.Channels), $"one im2col row ({KernelText(o, is2D)} kernel × {input.Channels} channels)", perRow: false))
            return null;
        int outH = (int)((paddedH - extentH) / o.Stride + 1), outW = (int)((paddedW - extentW) / o.Stride + 1);
        int filters = layer.Units, channels = input.Channels, kernel = (int)LayoutArithmetic.ConvolutionTaps(o.KernelHeight, o.KernelWidth, channels);
        int width = LayoutArithmetic.Padded(filters);
        ActivationShape output = is2D
            ? ActivationShape.Padded(ShapeKind.Spatial2D, filters, outH, outW)
            : ActivationShape.Padded(ShapeKind.Spatial1D, filters, outW);
        int[] shape = is2D ? new[] { filters, channels, o.KernelHeight, o.KernelWidth } : new[] { filters, channels, o.KernelWidth };
        int[] strides = is2D
            ? new[] { 1, width, o.KernelWidth * channels * width, channels * width }
            : new[] { 1, width, channels * width };
        if (!c.Fits(ActivationShape.ExactRowLength(output.Kind, output.Dims.AsSpan().ToArray()), $"its output {output.Text}", perRow: true) ||
            !c.Fits(LayoutArithmetic.Im2ColLength(output.Positions, kernel), $"one sample's im2col columns [{output.Positions}, {kernel}]", perRow: false))
            return null;
        c.Tensor("weight", shape, strides, (long)kernel * width, TensorInit.UniformFanIn, kernel,
            $"[{(is2D ? "kh·kw" : "k")}·{channels} = {kernel}, {width}]");
        if (o.Bias)
            c.Tensor("bias", new[] { filters }, new[] { 1 }, width, TensorInit.UniformFanIn, kernel, $"[{width}]");
        c.OutputRegions(output, layer.Activation);
        c.Region("Columns", LayoutArithmetic.Im2ColLength(output.Positions, kernel), $"one sample's im2col scratch, [{output.Positions}, {kernel}]", perChunk: true);
        return (output, new Window(o.KernelHeight, o.KernelWidth, is2D ? o.Stride : 1, o.Stride, is2D ? o.Dilation : 1, o.Dilation,
            (int)top, (int)left, (int)bottom, (int)right));
    }

    /// <summary>The padding before and after one axis: explicit, none, or PyTorch's 'same' (the odd one after).</summary>
    private static (long Before, long After) Pads(ConvolutionOptions o, long extent, bool applies)
    {
        if (!applies) return (0, 0);
        return o.PaddingMode switch
        {
            PaddingModeKind.Valid => (0, 0),
            PaddingModeKind.Same => ((extent - 1) / 2, extent - 1 - (extent - 1) / 2),
            _ => (o.Padding, o.Padding),
        };
    }

    private static string KernelText(ConvolutionOptions o, bool is2D) => is2D ? $"{o.KernelHeight}×{o.KernelWidth}" : o.KernelWidth.ToString();


    public override bool ReadsRank2InputAsChannels => !_is2D;

    public override int ModuleCount(LayerSpec layer) => layer.Activation != ActivationKind.None ? 2 : 1;

    /// <summary>A stand-alone activation after it runs in its kernel when it declares none (Softmax, over channels, never follows one).</summary>
    public override bool TakesActivation(LayerSpec layer, ActivationKind function) => layer.Activation == ActivationKind.None && function != ActivationKind.Softmax;

    public override string TensorExample(string name) => $", e.g. '{name}.weight'";

    public override LayerRow Row(ShapedLayer layer)
    {
        Window g = layer.Window!;
        long taps = (long)g.KernelHeight * g.KernelWidth * layer.Input.Channels;
        return new(WithActivation(_is2D ? "Conv2d" : "Conv1d", layer), (long)layer.Output.Positions * layer.Output.Channels * taps);
    }

    public override bool SkipsFrozenWork => true;

    public override IEnumerable<(string Suffix, bool IsMethod)> ExtraMembers(bool trainable)
    {
        yield return ("Geometry", false);
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    private const string Geometry = "global::StaticNet.Kernels.ConvGeometry";

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary><c>Conv</c> with the resolved geometry (explicit pads), then the declared activation as its own node.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer)
    {
        Window g = layer.Window!;
        string bias = layer.FindTensor("bias") is null ? "null" : Quote(layer.Name + ".bias");
        string Longs(params int[] values) => "new long[] { " + string.Join(", ", values) + " }";
        string arguments = _is2D
            ? $"{Longs(g.KernelHeight, g.KernelWidth)}, {Longs(g.StrideHeight, g.StrideWidth)}, {Longs(g.PadTop, g.PadLeft, g.PadBottom, g.PadRight)}, {Longs(g.DilationHeight, g.DilationWidth)}"
            : $"{Longs(g.KernelWidth)}, {Longs(g.StrideWidth)}, {Longs(g.PadLeft, g.PadRight)}, {Longs(g.DilationWidth)}";
        w.Line($"x = onnx.Conv(x, {Quote(layer.Name + ".weight")}, {bias}, {arguments});");
        WriteOnnxActivation(w, layer);
    }

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        Window g = layer.Window!;
        ConvolutionOptions o = Options(layer.Spec);
        string padding = o.PaddingMode == PaddingModeKind.Same ? "'same'" : _is2D ? $"({g.PadTop}, {g.PadLeft})" : g.PadLeft.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string kernel = _is2D ? $"({g.KernelHeight}, {g.KernelWidth})" : $"{g.KernelWidth}";
        string stride = _is2D ? $"({g.StrideHeight}, {g.StrideWidth})" : $"{g.StrideWidth}";
        string dilation = _is2D ? $"({g.DilationHeight}, {g.DilationWidth})" : $"{g.DilationWidth}";
        string module = $"nn.Conv{(_is2D ? 2 : 1)}d({layer.Input.Channels}, {layer.Spec.Units}, {kernel}, stride={stride}, padding={padding}, dilation={dilation}, bias={(o.Bias ? "True" : "False")})";
        return WithPyTorchActivation(layer, module);
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training)
    {
        string pre = DenseLayer.KeepsPreActivation(layer) ? wiring.RegionOf(layer, "PreActivation") + ", " : "";
        return $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Columns")}, {pre}{wiring.Output(layer)}, rows);";
    }

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        string arguments = $"parameters, gradients, {wiring.Input(layer)}";
        if (DenseLayer.KeepsPreActivation(layer))
            arguments += ", " + wiring.RegionOf(layer, "PreActivation");
        else if (layer.Activation != ActivationKind.None)
            arguments += ", " + wiring.Output(layer);
        arguments += $", {wiring.OutputDelta(layer)}, {wiring.RegionOf(layer, "Columns", "deltas")}";
        if (wiring.InputDelta(layer) is { } dx)
            arguments += ", " + dx;
        return $"{layer.Identifier}Backward({arguments}, rows{wiring.BackwardFlags(layer)});";
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        Window g = layer.Window!;
        bool is2D = _is2D;
        string kernel = is2D ? $"{g.KernelHeight}×{g.KernelWidth} kernel" : $"kernel size {g.KernelWidth}";
        WriteBanner(w, layer, $"{layer.Kind} {layer.Input.Text} → {layer.Output.Text}, {kernel}{OptionsText(g, is2D)}");
        WriteGeometry(w, layer, is2D);
        WriteForward(w, layer);
        if (wiring.Trains)
            WriteBackward(w, layer, Emit.TrainingFusion.ReLUBackwardInPool(wiring.Network, layer));
    }

    /// <summary>Stride, padding and dilation when they are not the defaults, e.g. <c>, stride 2, padding 1</c>.</summary>
    private static string OptionsText(Window g, bool is2D)
    {
        string text = "";
        if (g.StrideWidth != 1) text += $", stride {g.StrideWidth}";
        if (g.PadLeft != 0 || g.PadRight != 0 || g.PadTop != 0 || g.PadBottom != 0)
        {
            bool symmetric = g.PadTop == g.PadBottom && g.PadLeft == g.PadRight && (!is2D || g.PadTop == g.PadLeft);
            text += symmetric ? $", padding {g.PadLeft}"
                : is2D ? $", padding top {g.PadTop} bottom {g.PadBottom} left {g.PadLeft} right {g.PadRight}"
                : $", padding left {g.PadLeft} right {g.PadRight}";
        }
        if (g.DilationWidth != 1) text += $", dilation {g.DilationWidth}";
        return text;
    }

    /// <summary>The input as the kernel reads it: <c>[rows, C, H, W]</c> channels first, or <c>[rows, positions, cs]</c>.</summary>
    private static string InputText(ActivationShape input) => input.IsPaddedChannelsLast
        ? $"[rows, {input.Positions}, {input.PositionStride}]"
        : $"[rows, {string.Join(", ", input.Dims)}] (channels first)";

    private static void WriteGeometry(CodeWriter w, ShapedLayer layer, bool is2D)
    {
        Window g = layer.Window!;
        ActivationShape input = layer.Input, output = layer.Output;
        string layout = input.IsPaddedChannelsLast ? $"channels last, padded to {input.PositionStride}" : "the network's input, channels first";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)}'s shape: input {input.Text} ({layout}), {output.Channels} filters, output {output.Text} (channels last).</summary>");
        w.Line($"private static readonly {Geometry} {layer.Identifier}Geometry = new(");
        w.Line($"    inChannels: {input.Channels}, inHeight: {input.Height}, inWidth: {input.Width},");
        w.Line($"    inputSampleStride: {input.RowLength}, inputPositionStride: {input.PositionStride}, inputChannelStride: {input.ChannelStride},");
        w.Line($"    outChannels: {output.Channels}, kernelHeight: {g.KernelHeight}, kernelWidth: {g.KernelWidth}, stride: {g.StrideWidth}, dilation: {g.DilationWidth},");
        w.Line($"    padTop: {g.PadTop}, padLeft: {g.PadLeft}, outHeight: {output.Height}, outWidth: {output.Width});");
        w.Line();
    }

    private static void WriteForward(CodeWriter w, ShapedLayer layer)
    {
        string id = layer.Identifier;
        ActivationShape input = layer.Input, output = layer.Output;
        int width = output.PositionStride, positions = output.Positions;
        bool bias = layer.FindTensor("bias") is not null, gelu = DenseLayer.KeepsPreActivation(layer);
        string conv = bias ? "conv(x, W) + b" : "conv(x, W)";
        string formula = layer.Activation switch
        {
            ActivationKind.None => conv,
            ActivationKind.GELU or ActivationKind.SiLU => $"{layer.Activation}(z), z = {conv}",
            _ => $"{layer.Activation}({conv})",
        };
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x {InputText(input)} → y [rows, {positions}, {width}] = {formula}; columns is scratch for one sample's im2col.</summary>");
        string pre = gelu ? $"{Span} z, " : "";
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} columns, {pre}{Span} y, int rows)");
        if (!bias)
        {
            w.Line($"{Span} zeros = stackalloc float[{width}]; // no bias: the kernel adds zeros");
            w.Line("zeros.Clear(); // in case the assembly skips locals initialisation");
        }
        string biasSpan = bias ? TensorSlice(layer, "bias", "parameters") : "zeros";
        w.Line($"{Kernels}ConvKernels.Forward(x, rows, {id}Geometry, {MatrixSlice(layer, "weight", "parameters", width)}, {biasSpan}, columns, {(gelu ? "z" : "y")});");
        if (gelu)
            w.Line($"{Kernels}ActivationKernels.{DenseLayer.PreActivationKernel(layer.Activation)}(z, y, rows * {positions}, columns: {output.Channels}, stride: {width});");
        else if (layer.Activation != ActivationKind.None)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}(y, rows * {positions}, columns: {output.Channels}, stride: {width});");
        w.Close();
        w.Line();
    }

    /// <param name="w">The writer.</param>
    /// <param name="layer">The convolution.</param>
    /// <param name="reluInPool">Whether the pool that reads it already ran its ReLU's backward pass (<see cref="Emit.TrainingFusion"/>).</param>
    private static void WriteBackward(CodeWriter w, ShapedLayer layer, bool reluInPool)
    {
        string id = layer.Identifier;
        ActivationShape input = layer.Input, output = layer.Output;
        int width = output.PositionStride, positions = output.Positions;
        bool bias = layer.FindTensor("bias") is not null, gelu = DenseLayer.KeepsPreActivation(layer);
        string dxText = layer.IsFirst ? "; the network's input needs no gradient" : $", dx {InputText(input)} (when input)";
        string gradients = !layer.IsTrainable ? "no dW (Trainable = false)" : bias ? "dW, db (accumulated, when weights)" : "dW (accumulated, when weights)";
        string dyText = reluInPool ? "the gradient of the convolution before the ReLU, which the pool's backward pass applied" : "the gradient of y; overwritten";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {positions}, {width}] ({dyText}) → {gradients}{dxText}. im2col is recomputed into columns.</summary>");
        string saved = gelu ? $"{ReadOnlySpan} z, " : layer.Activation != ActivationKind.None ? $"{ReadOnlySpan} y, " : "";
        string dxParameter = layer.IsFirst ? "" : $"{Span} dx, ";
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} parameters, {Span} gradients, {ReadOnlySpan} x, {saved}{Span} dy, {Span} columns, {dxParameter}int rows{BackwardFlagParameters(layer)})");
        if (gelu)
            w.Line($"{Kernels}ActivationKernels.{DenseLayer.PreActivationKernel(layer.Activation)}Backward(z, dy, rows * {positions}, columns: {output.Channels}, stride: {width});");
        else if (layer.Activation != ActivationKind.None && !reluInPool)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}Backward(y, dy, rows * {positions}, columns: {output.Channels}, stride: {width});");
        if (!bias && layer.IsTrainable)
        {
            w.Line($"{Span} discarded = stackalloc float[{width}]; // no bias: its gradient is thrown away");
        }
        string dBias = bias ? TensorSlice(layer, "bias", "gradients") : "discarded";
        // Empty gradient spans skip the weight gradient (and its im2col); an empty dx skips the input gradient.
        string dWeight = layer.IsTrainable ? $"weights ? {MatrixSlice(layer, "weight", "gradients", width)} : default" : "default";
        string dBiasArgument = layer.IsTrainable ? $"weights ? {dBias} : default" : "default";
        w.Line($"{Kernels}ConvKernels.Backward(x, dy, rows, {id}Geometry, {MatrixSlice(layer, "weight", "parameters", width)}, columns,");
        w.Line($"    {dWeight}, {dBiasArgument}, {(layer.IsFirst ? "default" : "input ? dx : default")});");
        w.Close();
        w.Line();
    }
}
