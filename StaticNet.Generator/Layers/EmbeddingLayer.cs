using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of <c>[Embedding(vocabulary, dimension)]</c> beyond the vocabulary.</summary>
/// <param name="Dimension">The embedding dimension.</param>
/// <param name="PaddingIndex">The padding token id (<c>padding_idx</c>), −1 for none.</param>
internal sealed record EmbeddingOptions(int Dimension, int PaddingIndex = -1) : LayerOptions;

/// <summary>
/// <c>[Embedding(vocabulary, dimension)]</c>, PyTorch's <c>nn.Embedding</c>: [T] token ids → [T, dimension], token ids to
/// rows of the weight table (stored row-major, rows padded to 16); its gradient adds each step's gradient into its
/// token's row. Only ever the first layer: the network's input is then token ids.
/// </summary>
internal sealed class EmbeddingLayer : LayerDefinition
{
    public static readonly EmbeddingLayer Instance = new();

    private EmbeddingLayer() : base(LayerKind.Embedding, "StaticNet.EmbeddingAttribute")
    {
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, AttributeArguments.Int(attribute, 0), ActivationKind.None, name,
            new EmbeddingOptions(AttributeArguments.Int(attribute, 1), AttributeArguments.NamedInt(attribute, "PaddingIndex", -1)));

    /// <summary>
    /// The padding token id that masks <paramref name="layer"/>'s steps, or null: set when the network's first layer is an
    /// <c>[Embedding(…, PaddingIndex = p)]</c> and the layer's sequence has the tokens' steps (the generated methods then
    /// pass the token ids <c>x</c> to it).
    /// </summary>
    internal static int? PaddingIndex(Emit.Wiring wiring, ShapedLayer layer, int steps)
    {
        ShapedLayer first = wiring.Network.Layers[0];
        return first.Spec.Options is EmbeddingOptions { PaddingIndex: >= 0 } o && first.Output.Positions == steps ? o.PaddingIndex : null;
    }

    /// <summary>[T] token ids → [T, dimension]. Weight [vocabulary, dimension] stored row-major with rows padded to 16.</summary>
    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        int vocabulary = c.Layer.Units, dimension = ((EmbeddingOptions)c.Layer.Options!).Dimension;
        if (vocabulary <= 0 || dimension <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize,
                $"Embedding '{c.Name}' needs a vocabulary and a dimension of at least 1; found {vocabulary} and {dimension}"));
        int padding = ((EmbeddingOptions)c.Layer.Options!).PaddingIndex;
        if (padding < -1 || padding >= vocabulary)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"Embedding '{c.Name}' has PaddingIndex {padding}; expected a token id from 0 to {vocabulary - 1}, or -1 for none"));
        int steps = input.Dims[0], width = LayoutArithmetic.Padded(dimension);
        ActivationShape output = ActivationShape.Padded(ShapeKind.Sequence, steps, dimension);
        c.Tensor("weight", new[] { vocabulary, dimension }, new[] { width, 1 }, (long)vocabulary * width, TensorInit.Normal, 0,
            $"[{vocabulary}, {width}]");
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    /// <summary>Embedding reads token ids: only as the first layer, after an <c>[Input(steps)]</c> of rank 1.</summary>
    public override bool CheckPlace(LayerContext c, ActivationShape input)
    {
        if (c.Index == 0 && (input.Kind == ShapeKind.Sequence || input.Kind == ShapeKind.Vector) && input.Dims.Count == 1) return true;
        c.Error(DiagnosticIds.EmbeddingNotFirst,
            $"Embedding '{c.Name}' reads token ids, so it must be the first layer after an [Input(steps)] of rank 1; found it " +
            (c.Index != 0 ? $"at position {c.Index} after an output of shape {input.Text}" : $"after an input of shape {input.Text}"));
        return false;
    }

    public override string TensorExample(string name) => $", e.g. '{name}.weight'";

    public override bool TakesTokens => true;

    /// <summary>With a padding index, its row starts at zero, as <c>nn.Embedding(padding_idx=…)</c>'s.</summary>
    public override string? AfterInitialization(ShapedLayer layer) =>
        ((EmbeddingOptions)layer.Spec.Options!).PaddingIndex is var p and >= 0
            ? $"parameters.Slice({layer.Identifier}Weight + {p} * {layer.Output.PositionStride}, {layer.Output.Channels}).Clear(); // padding_idx {p}: a zero row"
            : null;

    public override LayerRow Row(ShapedLayer layer) => new("Embedding", 0);

    // ── Streaming ──────────────────────────────────────────────────────────────────────────────────────────────────

    public override string? WhyNoStep(ShapedLayer layer) => layer.Output.Kind != ShapeKind.Sequence
        ? $"{layer.Kind} '{layer.Name}' reads whole samples ({layer.Input.Text}), not one time step at a time"
        : null;

    public override void WriteStep(CodeWriter w, StepWriter s, ShapedLayer layer)
    {
        string id = layer.Identifier;
        int vocabulary = layer.Spec.Units, width = layer.Output.PositionStride;
        string y = $"state.Slice({id}Step, {width})";
        w.Line($"{Kernels}EmbeddingKernels.Forward(global::System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref token, 1), 1,");
        w.Line($"    {MatrixSlice(layer, "weight", "parameters", width)}, vocabulary: {vocabulary}, dimension: {layer.Output.Channels}, {y});");
        s.Advance(y, width);
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary><c>Gather</c> of the table's rows, the ids (floats, as <c>Forward</c> takes them) cast to int64 first.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer) =>
        w.Line($"x = onnx.Gather({Quote(layer.Name + ".weight")}, onnx.CastToInt64(x));");

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        TensorSpec weight = Tensor(layer, "weight");
        yield return (PyTorchName(layer), $"Embedding({weight.Shape[0]}, {weight.Shape[1]})");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward(parameters, x, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer) =>
        $"{layer.Identifier}Backward(gradients, x, {wiring.OutputDelta(layer)}, rows);";

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        int steps = layer.Output.Positions, vocabulary = layer.Spec.Units, dimension = layer.Output.Channels, width = layer.Output.PositionStride;
        string id = layer.Identifier;
        WriteBanner(w, layer, $"Embedding {vocabulary} × {dimension}, {steps} tokens → {layer.Output.Text}");
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: token ids [rows, {steps}] → y [rows, {steps}, {width}], row t = weight[tokens[t]].</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, global::System.ReadOnlySpan<int> x, {Span} y, int rows)");
        w.Line($"{Kernels}EmbeddingKernels.Forward(x, rows * {steps}, {MatrixSlice(layer, "weight", "parameters", width)}, vocabulary: {vocabulary}, dimension: {dimension}, y);");
        w.Close();
        w.Line();
        if (!wiring.Trains) return;
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {steps}, {width}] added into the rows of dW that the tokens picked{(((EmbeddingOptions)layer.Spec.Options!).PaddingIndex >= 0 ? " (but the padding token's)" : "")}.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({Span} gradients, global::System.ReadOnlySpan<int> x, {ReadOnlySpan} dy, int rows)");
        int padding = ((EmbeddingOptions)layer.Spec.Options!).PaddingIndex;
        w.Line($"{Kernels}EmbeddingKernels.Backward(x, rows * {steps}, dy, vocabulary: {vocabulary}, dimension: {dimension}, {MatrixSlice(layer, "weight", "gradients", width)}{(padding >= 0 ? $", paddingIndex: {padding}" : "")});");
        w.Close();
        w.Line();
    }
}
