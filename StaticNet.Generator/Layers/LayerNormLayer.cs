using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of <c>[LayerNorm]</c>.</summary>
/// <param name="Epsilon">Added to the variance.</param>
internal sealed record LayerNormOptions(float Epsilon = 1e-5f) : LayerOptions;

/// <summary>
/// <c>[LayerNorm]</c>, PyTorch's <c>nn.LayerNorm(features)</c>: a vector [N] or each step of a sequence [T, N] normalised
/// over its N values, then γ·x̂ + β; shape unchanged. The same function in training and inference; the forward pass
/// keeps x̂ and each row's 1/σ for the backward pass. Runs per step, so a streaming network may contain it.
/// </summary>
internal sealed class LayerNormLayer : LayerDefinition
{
    public static readonly LayerNormLayer Instance = new();

    private LayerNormLayer() : base(LayerKind.LayerNorm, "StaticNet.LayerNormAttribute")
    {
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, 0, ActivationKind.None, name,
            new LayerNormOptions(AttributeArguments.NamedFloat(attribute, "Epsilon", 1e-5f)));

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        float epsilon = ((LayerNormOptions)c.Layer.Options!).Epsilon;
        if (input.Kind is not (ShapeKind.Vector or ShapeKind.Sequence))
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"LayerNorm '{c.Name}' follows an output of shape {input.Text} ({ShapeInference.Describe(input)}); expected a vector [features] or a sequence [steps, features] (LayerNorm normalises the last dimension)"));
        if (!(epsilon > 0f) || float.IsInfinity(epsilon))
            return Fail(c.Error(DiagnosticIds.InvalidOption, $"LayerNorm '{c.Name}' has Epsilon {epsilon}; expected a finite Epsilon > 0"));
        int features = input.Channels, width = LayoutArithmetic.Padded(features);
        ActivationShape output = ShapeInference.Same(input);
        c.Tensor("weight", new[] { features }, new[] { 1 }, width, TensorInit.Ones, 0, $"[{width}]");
        c.Tensor("bias", new[] { features }, new[] { 1 }, width, TensorInit.Zeros, 0, $"[{width}]");
        c.OutputRegions(output, ActivationKind.None);
        c.Region("Normalized", output.RowLength, "x̂, the normalised input");
        c.Region("InverseStd", LayoutArithmetic.Padded(output.Positions), $"1/√(σ² + ε) of each of the {output.Positions} position(s)");
        return (output, null);
    }

    public override string TensorExample(string name) => $", e.g. '{name}.weight'";

    public override bool ShowsInTopology => false;

    /// <summary>LayerNorm; one multiply-add per value (γ·x̂ + β), the convention of BatchNorm's row.</summary>
    public override LayerRow Row(ShapedLayer layer) => new("LayerNorm", layer.Output.Size);

    /// <summary>As the first layer it reads the padded channels-last copy of the input (its kernel works on padded rows).</summary>
    public override bool NeedsChannelsLastInput => true;

    // ── Streaming ──────────────────────────────────────────────────────────────────────────────────────────────────

    public override string? WhyNoStep(ShapedLayer layer) => layer.Output.Kind != ShapeKind.Sequence
        ? $"{layer.Kind} '{layer.Name}' normalises whole samples ({layer.Input.Text}), not one time step at a time"
        : null;

    public override void WriteStep(CodeWriter w, StepWriter s, ShapedLayer layer)
    {
        int features = layer.Output.Channels, width = layer.Output.PositionStride;
        string y = $"state.Slice({layer.Identifier}Step, {width})";
        w.Line($"{s.Current}.Slice(0, {features}).CopyTo({y}); // {layer.Name}: LayerNorm");
        w.Line($"{Kernels}LayerNormKernels.Forward({y}, 1, features: {features}, stride: {width}, {Parameters(layer, "parameters")}, epsilon: {Literal(Epsilon(layer))}, {y});");
        s.Advance(y, width);
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    private static float Epsilon(ShapedLayer layer) => ((LayerNormOptions)layer.Spec.Options!).Epsilon;

    private static string Parameters(ShapedLayer layer, string buffer) =>
        $"{TensorSlice(layer, "weight", buffer)}, {TensorSlice(layer, "bias", buffer)}";

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary><c>LayerNormalization</c> over the last axis (opset 17).</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer) =>
        w.Line($"x = onnx.LayerNormalization(x, {Quote(layer.Name + ".weight")}, {Quote(layer.Name + ".bias")}, {Literal(((LayerNormOptions)layer.Spec.Options!).Epsilon)});");

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        yield return (PyTorchName(layer), $"nn.LayerNorm({layer.Input.Channels}, eps={Text(((LayerNormOptions)layer.Spec.Options!).Epsilon)})");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Normalized")}, {wiring.RegionOf(layer, "InverseStd")}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        string dy = wiring.OutputDelta(layer);
        string dx = wiring.InputDelta(layer) ?? dy; // a first layer: the input's gradient is not needed, so it overwrites dy
        return $"{layer.Identifier}Backward(parameters, gradients, {wiring.RegionOf(layer, "Normalized")}, {wiring.RegionOf(layer, "InverseStd")}, {dy}, {dx}, rows);";
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        ActivationShape shape = layer.Output;
        int positions = shape.Positions, features = shape.Channels, width = shape.PositionStride;
        float epsilon = Epsilon(layer);
        WriteBanner(w, layer, $"LayerNorm {shape.Text} (nn.LayerNorm({features}) over the last dimension), ε {Text(epsilon)}");
        string rows = Wiring.Rows(positions), rowText = RowText(shape);
        string arguments = $"{rows}, features: {features}, stride: {width}";

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x {rowText} → y = γ·x̂ + β, x̂ = (x − μ)/√(σ² + ε) over each row's {features} values; keeps x̂ and 1/√(σ² + ε).</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} normalized, {Span} inverseStd, {Span} y, int rows)");
        w.Line($"{Kernels}LayerNormKernels.ForwardTraining(x, {arguments}, {Parameters(layer, "parameters")},");
        w.Line($"    epsilon: {Literal(epsilon)}, normalized, inverseStd, y);");
        w.Close();
        w.Line();
        if (!wiring.Trains) return;

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy {rowText} → dγ, dβ (accumulated), dx (may be dy itself).</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} parameters, {Span} gradients, {ReadOnlySpan} normalized, {ReadOnlySpan} inverseStd, {ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Line($"{Kernels}LayerNormKernels.Backward(dy, {arguments}, {TensorSlice(layer, "weight", "parameters")}, normalized, inverseStd,");
        w.Line($"    {Parameters(layer, "gradients")}, dx);");
        w.Close();
        w.Line();
    }
}
