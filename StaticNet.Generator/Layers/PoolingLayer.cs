using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of a windowed pool beyond its window size.</summary>
/// <param name="Stride">The stride; 0 means the window size.</param>
internal sealed record PoolOptions(int Stride = 0) : LayerOptions;

/// <summary>
/// <c>[MaxPool2D(size)]</c>, <c>[AvgPool2D(size)]</c>, <c>[MaxPool1D(size)]</c>, <c>[AvgPool1D(size)]</c> (a 2-D pool of
/// height 1), PyTorch's <c>nn.MaxPool2d</c> etc.: [C, H, W] → [C, H', W'] (or [C, L] → [C, L']) over size × size windows,
/// no padding. <c>PoolKernels</c> on the padded channels-last layout, every channel of a position at once (the padding
/// channels stay zero).
/// </summary>
internal sealed class PoolingLayer : LayerDefinition
{
    public static readonly PoolingLayer MaxPool2D = new(LayerKind.MaxPool2D, "StaticNet.MaxPool2DAttribute", max: true, is2D: true);
    public static readonly PoolingLayer AvgPool2D = new(LayerKind.AvgPool2D, "StaticNet.AvgPool2DAttribute", max: false, is2D: true);
    public static readonly PoolingLayer MaxPool1D = new(LayerKind.MaxPool1D, "StaticNet.MaxPool1DAttribute", max: true, is2D: false);
    public static readonly PoolingLayer AvgPool1D = new(LayerKind.AvgPool1D, "StaticNet.AvgPool1DAttribute", max: false, is2D: false);

    private readonly bool _max, _is2D;

    private PoolingLayer(LayerKind kind, string attributeName, bool max, bool is2D) : base(kind, attributeName)
    {
        _max = max;
        _is2D = is2D;
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, AttributeArguments.Int(attribute, 0), ActivationKind.None, name,
            new PoolOptions(Stride: AttributeArguments.NamedInt(attribute, "Stride", 0)));

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        LayerSpec layer = c.Layer;
        bool is2D = _is2D;
        int size = layer.Units, declared = ((PoolOptions)layer.Options!).Stride, stride = declared == 0 ? size : declared;
        if (size <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize, $"{layer.Kind} '{c.Name}' needs a window of at least 1; found {size}"));
        if (stride < 0)
            return Fail(c.Error(DiagnosticIds.InvalidOption, $"{layer.Kind} '{c.Name}' has Stride {stride}; expected at least 1 (or 0 for the window size)"));
        if (input.Kind != (is2D ? ShapeKind.Spatial2D : ShapeKind.Spatial1D))
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"{layer.Kind} '{c.Name}' expects {(is2D ? "a [channels, height, width]" : "a [channels, length]")} input; found {input.Text} ({ShapeInference.Describe(input)})"));
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

    public override bool NeedsChannelsLastInput => true;

    public override bool ReadsRank2InputAsChannels => !_is2D;

    public override LayerRow Row(ShapedLayer layer) => new((_max ? "MaxPool" : "AvgPool") + (_is2D ? "2d" : "1d"), 0);

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary><c>MaxPool</c> or <c>AveragePool</c>, no padding (PyTorch's defaults).</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer)
    {
        Window g = layer.Window!;
        string kernel = _is2D ? $"new long[] {{ {g.KernelHeight}, {g.KernelWidth} }}" : $"new long[] {{ {g.KernelWidth} }}";
        string stride = _is2D ? $"new long[] {{ {g.StrideHeight}, {g.StrideWidth} }}" : $"new long[] {{ {g.StrideWidth} }}";
        w.Line($"x = onnx.Pool(x, max: {(_max ? "true" : "false")}, {kernel}, {stride});");
    }

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        Window g = layer.Window!;
        yield return (PyTorchName(layer), $"nn.{(_max ? "Max" : "Avg")}Pool{(_is2D ? 2 : 1)}d({layer.Spec.Units}, stride={g.StrideWidth})");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward({wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        if (wiring.InputDelta(layer) is not { } dx) return null; // the network's input needs no gradient
        string x = _max ? wiring.Input(layer) + ", " : "";
        return $"{layer.Identifier}Backward({x}{wiring.OutputDelta(layer)}, {dx}, rows);";
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        Window g = layer.Window!;
        ActivationShape input = layer.Input, output = layer.Output;
        int channels = input.PositionStride;
        string window = _is2D ? $"{g.KernelHeight}×{g.KernelWidth} windows" : $"windows of {g.KernelWidth}";
        string operation = _max ? "maximum" : "mean";
        string kernel = _max ? "MaxPool" : "AvgPool";
        WriteBanner(w, layer, $"{layer.Kind} {input.Text} → {output.Text}, {window}, stride {g.StrideWidth}");
        string arguments = $"rows, height: {input.Height}, width: {input.Width}, channels: {channels}, " +
            $"poolHeight: {g.KernelHeight}, poolWidth: {g.KernelWidth}, strideHeight: {g.StrideHeight}, strideWidth: {g.StrideWidth}";

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x [rows, {input.Positions}, {channels}] → y [rows, {output.Positions}, {channels}], the {operation} of each window.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"{Kernels}PoolKernels.{kernel}(x, {arguments}, y);");
        w.Close();
        w.Line();
        if (!wiring.Trains || layer.IsFirst) return;

        // A convolution's ReLU whose output only this pool reads: its backward pass runs here, in the same trip (TrainingFusion).
        bool relu = _max && Emit.TrainingFusion.PoolTakesReLU(wiring.Network, layer);
        string route = _max ? "each window's gradient to its first maximum in x" : "each window's gradient spread evenly over it";
        if (relu) route += $", then through {Identifiers.Doc(wiring.Previous(layer)!.Name)}'s ReLU (dx = x > 0 ? dx : 0, x being its output)";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {output.Positions}, {channels}] → dx [rows, {input.Positions}, {channels}], {route}.</summary>");
        string x = _max ? $"{ReadOnlySpan} x, " : "";
        w.Hot();
        w.Open($"private static void {id}Backward({x}{ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Line(relu
            ? $"{Kernels}PoolKernels.MaxPoolReLUBackward(x, dy, rows, height: {input.Height}, width: {input.Width}, channels: {channels}, columns: {input.Channels}, " +
              $"poolHeight: {g.KernelHeight}, poolWidth: {g.KernelWidth}, strideHeight: {g.StrideHeight}, strideWidth: {g.StrideWidth}, dx);"
            : _max
            ? $"{Kernels}PoolKernels.MaxPoolBackward(x, dy, {arguments}, dx);"
            : $"{Kernels}PoolKernels.AvgPoolBackward(dy, {arguments}, dx);");
        w.Close();
        w.Line();
    }
}

/// <summary>
/// <c>[GlobalAvgPool]</c>, PyTorch's <c>nn.AdaptiveAvgPool2d(1)</c> + flatten: [C, H, W] or [C, L] → [C], the mean over
/// every position (<c>PoolKernels.GlobalAvgPool</c> on the padded channels-last layout).
/// </summary>
internal sealed class GlobalAvgPoolLayer : LayerDefinition
{
    public static readonly GlobalAvgPoolLayer Instance = new();

    private GlobalAvgPoolLayer() : base(LayerKind.GlobalAvgPool, "StaticNet.GlobalAvgPoolAttribute")
    {
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, 0, ActivationKind.None, name);

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        if (input.Kind is not (ShapeKind.Spatial1D or ShapeKind.Spatial2D))
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"GlobalAvgPool '{c.Name}' expects a [channels, height, width] or [channels, length] input; found {input.Text} ({ShapeInference.Describe(input)})"));
        ActivationShape output = ActivationShape.Padded(ShapeKind.Vector, input.Channels);
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    public override bool NeedsChannelsLastInput => true;

    public override bool ReadsRank2InputAsChannels => true;

    public override LayerRow Row(ShapedLayer layer) =>
        new((layer.Input.Kind == ShapeKind.Spatial2D ? "AdaptiveAvgPool2d" : "AdaptiveAvgPool1d") + " + Flatten", 0);

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary><c>GlobalAveragePool</c> then <c>Flatten</c>.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer) => w.Line("x = onnx.GlobalAveragePool(x);");

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        yield return (PyTorchName(layer), "GlobalAvgPool()");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward({wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer) =>
        wiring.InputDelta(layer) is { } dx ? $"{layer.Identifier}Backward({wiring.OutputDelta(layer)}, {dx}, rows);" : null;

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        ActivationShape input = layer.Input, output = layer.Output;
        int channels = input.PositionStride;
        WriteBanner(w, layer, $"GlobalAvgPool {input.Text} → {output.Text}");
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x [rows, {input.Positions}, {channels}] → y [rows, {channels}], each channel's mean over the {input.Positions} positions.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"{Kernels}PoolKernels.GlobalAvgPool(x, rows, positions: {input.Positions}, channels: {channels}, y);");
        w.Close();
        w.Line();
        if (!wiring.Trains || layer.IsFirst) return;
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {channels}] → dx [rows, {input.Positions}, {channels}] = dy / {input.Positions} at every position.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Line($"{Kernels}PoolKernels.GlobalAvgPoolBackward(dy, rows, positions: {input.Positions}, channels: {channels}, dx);");
        w.Close();
        w.Line();
    }
}
