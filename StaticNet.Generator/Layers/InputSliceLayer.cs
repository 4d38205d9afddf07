using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>
/// One of several named vector inputs (<c>[Input(6, Name = "state")] [Input(2, Name = "action")]</c>). The parser packs
/// the inputs into one input, each sample the inputs' values one after the other in declaration order, and puts one
/// InputSlice per input where its <c>[Input]</c> was, named after it: it copies its columns of the packed input into a
/// region of its own, so that layers read it by name (<c>From = "state"</c>) like any other output. Its shape is
/// <c>[offset, size]</c> in <see cref="LayerSpec.Shape"/>. No parameters, no module: the exports take the inputs
/// separately, as ONNX graph inputs named after them (<c>[N, size]</c>) and as arguments of PyTorch's <c>forward</c>.
/// </summary>
internal sealed class InputSliceLayer : LayerDefinition
{
    public static readonly InputSliceLayer Instance = new();

    private InputSliceLayer() : base(LayerKind.InputSlice)
    {
    }

    /// <summary>Never called: no attribute declares an InputSlice (the parser makes them from several named inputs).</summary>
    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        throw new System.InvalidOperationException("InputSlice has no attribute");

    /// <summary>The column where the input starts in a packed sample.</summary>
    public static int Offset(LayerSpec layer) => layer.Shape[0];

    /// <summary>The input's size.</summary>
    public static int Size(LayerSpec layer) => layer.Shape[1];

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        ActivationShape output = ActivationShape.Padded(ShapeKind.Vector, Size(c.Layer));
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    public override int ModuleCount(LayerSpec layer) => 0; // not a module: the default numbering of the layers after it is unchanged

    public override bool ShowsInTopology => false;

    public override LayerRow Row(ShapedLayer layer) => new("input", 0);

    public override string DocumentationText(ShapedLayer layer) => $"input '{layer.Name}'";

    public override string? WhyNoStep(ShapedLayer layer) => "a network with several inputs cannot run one time step at a time";

    /// <summary>A graph input of its own, named as declared, <c>[N, size]</c>: ONNX runs on the inputs unpacked.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer) =>
        w.Line($"x = onnx.Input({Quote(layer.Name)}, {Onnx}.Batch, {Size(layer.Spec)});");

    /// <summary>No module: the input is an argument of the generated <c>forward</c>.</summary>
    public override IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer) =>
        System.Array.Empty<(string Name, string Module)>();

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward({wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer) =>
        wiring.InputDelta(layer) is { } dx ? $"{layer.Identifier}Backward({wiring.OutputDelta(layer)}, {dx}, rows);" : null;

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        ActivationShape input = layer.Input, output = layer.Output;
        string id = layer.Identifier;
        int offset = Offset(layer.Spec), size = Size(layer.Spec);
        WriteBanner(w, layer, $"input '{layer.Name}': columns {offset}..{offset + size - 1} of the packed input → [{size}]");
        w.Line($"/// <summary>Input {Identifiers.Doc(layer.Name)}: x [rows, {input.RowLength}] (the packed inputs) → y [rows, {output.RowLength}].</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"for (int r = 0; r < rows; r++) x.Slice(r * {input.RowLength} + {offset}, {size}).CopyTo(y.Slice(r * {output.RowLength}, {size}));");
        w.Close();
        w.Line();
        if (!wiring.Trains || !wiring.Network.HasInputGradient) return;
        w.Line($"/// <summary>Input {Identifiers.Doc(layer.Name)} backward: dy [rows, {output.RowLength}] → dx [rows, {input.RowLength}], zero outside its columns.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Open("for (int r = 0; r < rows; r++)");
        w.Line($"{Span} row = dx.Slice(r * {input.RowLength}, {input.RowLength});");
        w.Line("row.Clear();");
        w.Line($"dy.Slice(r * {output.RowLength}, {size}).CopyTo(row.Slice({offset}, {size}));");
        w.Close();
        w.Close();
        w.Line();
    }
}
