using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of <c>[Dropout(rate)]</c>.</summary>
/// <param name="Rate">The probability of zeroing a value while training.</param>
internal sealed record DropoutOptions(float Rate) : LayerOptions;

/// <summary>
/// <c>[Dropout(rate)]</c>, PyTorch's <c>nn.Dropout</c>: inverted dropout, shape unchanged. In training each value is kept
/// with probability 1 − rate and scaled by 1/(1 − rate), the mask drawn from the network's generator (<c>_random</c>) and
/// kept for the backward pass; in inference the layer is the identity (and <c>Step</c> skips it).
/// </summary>
internal sealed class DropoutLayer : LayerDefinition
{
    public static readonly DropoutLayer Instance = new();

    private DropoutLayer() : base(LayerKind.Dropout, "StaticNet.DropoutAttribute")
    {
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, 0, ActivationKind.None, name,
            new DropoutOptions(attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is float rate ? rate : 0f));

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        float rate = ((DropoutOptions)c.Layer.Options!).Rate;
        if (!(rate >= 0f && rate < 1f))
            return Fail(c.Error(DiagnosticIds.InvalidOption, $"Dropout '{c.Name}' has rate {rate}; expected a probability in [0, 1)"));
        ActivationShape output = ShapeInference.Same(input);
        c.OutputRegions(output, ActivationKind.None);
        c.Region("Mask", output.RowLength, "0 or 1/(1 − rate) per value");
        return (output, null);
    }

    public override bool NeedsChannelsLastInput => true;

    public override bool HasTrainingMode => true;

    public override bool UsesRandom => true;

    public override bool ShowsInTopology => false;

    public override LayerRow Row(ShapedLayer layer) => new("Dropout", 0);

    // ── Streaming ──────────────────────────────────────────────────────────────────────────────────────────────────

    public override bool IsIdentityAtInference => true;

    public override string? WhyNoStep(ShapedLayer layer) => layer.Output.Kind != ShapeKind.Sequence
        ? $"{layer.Kind} '{layer.Name}' reads whole samples ({layer.Input.Text}), not one time step at a time"
        : null;

    public override void WriteStep(CodeWriter w, StepWriter s, ShapedLayer layer) =>
        w.Line($"// {layer.Name}: Dropout is inactive at inference");

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Nothing: dropout is the identity at inference, and an exported model is for inference.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer) => w.Line("// dropout: the identity at inference");

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        yield return (PyTorchName(layer), $"nn.Dropout({Text(((DropoutOptions)layer.Spec.Options!).Rate)})");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) => training
        ? $"{layer.Identifier}TrainingForward({wiring.Input(layer)}, {wiring.RegionOf(layer, "Mask")}, {wiring.Output(layer)}, rows, ref random);"
        : $"{layer.Identifier}Forward({wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer) =>
        wiring.InputDelta(layer) is { } dx
            ? $"{layer.Identifier}Backward({wiring.OutputDelta(layer)}, {wiring.RegionOf(layer, "Mask")}, {dx}, rows);"
            : null; // the network's input needs no gradient

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        ActivationShape shape = layer.Output;
        int positions = shape.Positions, width = shape.PositionStride;
        string rate = Literal(((DropoutOptions)layer.Spec.Options!).Rate), p = Text(((DropoutOptions)layer.Spec.Options!).Rate);
        WriteBanner(w, layer, $"Dropout {shape.Text}, rate {p}");
        string rowText = positions == 1 ? $"[rows, {width}]" : $"[rows, {positions}, {width}]";
        string rows = Wiring.Rows(positions);

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward in inference: the identity, y = x {rowText}.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows)");
        w.Line("x.CopyTo(y);");
        w.Close();
        w.Line();
        if (!wiring.Trains) return;

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward in training: y = x · mask {rowText}, mask 0 with probability {p} and 1/(1 − {p}) otherwise, drawn from <paramref name=\"random\"/>.</summary>");
        w.Hot();
        w.Open($"private static void {id}TrainingForward({ReadOnlySpan} x, {Span} mask, {Span} y, int rows, ref ulong random)");
        w.Line($"{Kernels}DropoutKernels.Forward(x, {rows}, channels: {shape.Channels}, channelStride: {width}, rate: {rate}, ref random, mask, y);");
        w.Close();
        w.Line();
        if (layer.IsFirst) return;

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dx = dy · mask {rowText}.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} dy, {ReadOnlySpan} mask, {Span} dx, int rows)");
        w.Line($"{Kernels}DropoutKernels.Backward(dy, mask, {rows}, channelStride: {width}, dx);");
        w.Close();
        w.Line();
    }
}
