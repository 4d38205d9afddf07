using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>
/// <c>[Flatten]</c>, PyTorch's <c>nn.Flatten</c>: anything → [size] in PyTorch's order (channels first). The channels-last
/// layout the layers use, reordered into PyTorch's channels-first order, so that the Dense after it takes PyTorch's weight
/// as is. A reorder, not a view: a few thousand floats, cheap next to the layers around it.
/// </summary>
internal sealed class FlattenLayer : LayerDefinition
{
    public static readonly FlattenLayer Instance = new();

    private FlattenLayer() : base(LayerKind.Flatten, "StaticNet.FlattenAttribute")
    {
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, 0, ActivationKind.None, name);

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        ActivationShape output = ActivationShape.Padded(ShapeKind.Vector, input.Size);
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary><c>Flatten(axis = 1)</c>.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer) => w.Line("x = onnx.Flatten(x);");

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        yield return (PyTorchName(layer), "nn.Flatten()");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward({wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer) =>
        wiring.InputDelta(layer) is { } dx ? $"{layer.Identifier}Backward({wiring.OutputDelta(layer)}, {dx}, rows);" : null;

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        ActivationShape input = layer.Input, output = layer.Output;
        string id = layer.Identifier;
        WriteBanner(w, layer, $"Flatten {input.Text} → {output.Text}");
        string layout = input.ChannelStride == 1 ? $"[{input.Positions}, {input.PositionStride}] (channels last)" : $"{input.Text} (channels first)";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x {layout} → y [rows, {output.PositionStride}] in PyTorch's order (channel, then position).</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"{Kernels}LayoutKernels.Reorder(x, rows, positions: {input.Positions}, channels: {input.Channels},");
        w.Line($"    xSample: {input.RowLength}, xPosition: {input.PositionStride}, xChannel: {input.ChannelStride}, y, ySample: {output.RowLength}, yPosition: 1, yChannel: {input.Positions});");
        w.Close();
        w.Line();
        if (!wiring.Trains || layer.IsFirst) return;
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {output.PositionStride}] → dx in the input's layout.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Line($"{Kernels}LayoutKernels.Reorder(dy, rows, positions: {input.Positions}, channels: {input.Channels},");
        w.Line($"    xSample: {output.RowLength}, xPosition: 1, xChannel: {input.Positions}, dx, ySample: {input.RowLength}, yPosition: {input.PositionStride}, yChannel: {input.ChannelStride});");
        w.Close();
        w.Line();
    }
}
