using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of <c>[MultiHeadAttention(embedDim, heads)]</c> beyond the embedding dimension.</summary>
/// <param name="Heads">The number of heads.</param>
/// <param name="Causal">Whether the causal mask hides later steps.</param>
/// <param name="Dropout">The attention dropout probability (training only).</param>
internal sealed record AttentionOptions(int Heads, bool Causal, float Dropout) : LayerOptions;

/// <summary>
/// <c>[MultiHeadAttention(embedDim, heads)]</c>, PyTorch's <c>nn.MultiheadAttention(batch_first=True)</c> as
/// self-attention: [T, E] → [T, E]. Three steps, each a kernel call with literal sizes: the input projection (the Dense
/// GEMM on all rows × T steps, <c>in_proj_weight</c> stored transposed <c>[E, 3E padded]</c>), the attention core per
/// sample and head (<c>AttentionKernels</c>: softmax(QKᵀ/√d)·V, the probabilities kept for backward), the output
/// projection (the Dense GEMM, <c>out_proj.weight</c> <c>[E, E padded]</c>).
/// </summary>
internal sealed class AttentionLayer : LayerDefinition
{
    public static readonly AttentionLayer Instance = new();

    private AttentionLayer() : base(LayerKind.MultiHeadAttention, "StaticNet.MultiHeadAttentionAttribute")
    {
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, AttributeArguments.Int(attribute, 0), ActivationKind.None, name,
            new AttentionOptions(AttributeArguments.Int(attribute, 1), AttributeArguments.NamedBool(attribute, "Causal", false),
                AttributeArguments.NamedFloat(attribute, "Dropout", 0f)));

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        int embed = c.Layer.Units, heads = ((AttentionOptions)c.Layer.Options!).Heads;
        if (input.Kind != ShapeKind.Sequence)
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"MultiHeadAttention '{c.Name}' follows an output of shape {input.Text} ({ShapeInference.Describe(input)}); expected a sequence [steps, {embed}]"));
        if (embed <= 0 || heads <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize, $"MultiHeadAttention '{c.Name}' needs embedDim and heads of at least 1; found {embed} and {heads}"));
        if (embed % heads != 0)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"MultiHeadAttention '{c.Name}' has embedDim {embed} and {heads} heads; expected heads to divide embedDim (each head has embedDim / heads features, as PyTorch requires)"));
        float dropout = ((AttentionOptions)c.Layer.Options!).Dropout;
        if (!(dropout >= 0f && dropout < 1f))
            return Fail(c.Error(DiagnosticIds.InvalidOption, $"MultiHeadAttention '{c.Name}' has Dropout {dropout}; expected a probability in [0, 1)"));
        if (input.Channels != embed)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"MultiHeadAttention '{c.Name}' has embedDim {embed} but follows {input.Channels} features ({input.Text}); expected them equal (the query's last dimension is embed_dim)"));
        int steps = input.Positions, width = LayoutArithmetic.Padded(embed), qkvWidth = LayoutArithmetic.Padded(3 * embed);
        ActivationShape output = ShapeInference.Same(input);
        c.Tensor("in_proj_weight", new[] { 3 * embed, embed }, new[] { 1, qkvWidth }, (long)embed * qkvWidth, TensorInit.UniformFanIn, embed,
            $"[{embed}, {qkvWidth}]");
        c.Tensor("in_proj_bias", new[] { 3 * embed }, new[] { 1 }, qkvWidth, TensorInit.Zeros, 0, $"[{qkvWidth}]");
        c.Tensor("out_proj.weight", new[] { embed, embed }, new[] { 1, width }, (long)embed * width, TensorInit.UniformFanIn, embed, $"[{embed}, {width}]");
        c.Tensor("out_proj.bias", new[] { embed }, new[] { 1 }, width, TensorInit.Zeros, 0, $"[{width}]");
        c.OutputRegions(output, ActivationKind.None);
        c.Region("Qkv", (long)steps * qkvWidth, $"q | k | v of each step, [{steps}, {qkvWidth}]");
        c.Region("Probabilities", LayoutArithmetic.Padded(heads * steps * steps), $"softmax(QKᵀ/√d) of each head, [{heads}, {steps}, {steps}]");
        c.Region("Context", (long)steps * width, $"P·V of every head, [{steps}, {width}]");
        if (dropout > 0f)
            c.Region("Mask", LayoutArithmetic.Padded(heads * steps * steps), $"the attention dropout mask, 0 or 1/(1 − p), [{heads}, {steps}, {steps}]");
        return (output, null);
    }

    public override bool NeedsChannelsLastInput => true;

    public override string TensorExample(string name) => $", e.g. '{name}.in_proj_weight'";

    public override bool ShowsInTopology => false;

    public override string DocumentationText(ShapedLayer layer) =>
        $"MultiHeadAttention({layer.Spec.Units}, {Options(layer).Heads}{(Options(layer).Causal ? ", causal" : "")}{(Options(layer).Dropout > 0f ? ", dropout " + Text(Options(layer).Dropout) : "")})";

    /// <summary>MultiheadAttention; see <see cref="MultiplyAdds"/>.</summary>
    public override LayerRow Row(ShapedLayer layer) =>
        new("MultiheadAttention", MultiplyAdds(layer.Output.Positions, layer.Spec.Units, Options(layer).Causal));

    /// <summary>
    /// The multiply-adds of one sample's self-attention over <paramref name="steps"/> T steps of <paramref name="embed"/>
    /// E features (whatever the heads, which split E): in_proj 3·T·E², the scores QKᵀ and the context P·V E per pair of
    /// steps each, out_proj T·E². Not causal: T² pairs; causal: the T(T+1)/2 pairs of the lower triangle, the only ones
    /// <c>AttentionKernels</c> computes. Scaling, softmax and biases are not multiply-adds here (as for Linear).
    /// </summary>
    internal static long MultiplyAdds(long steps, long embed, bool causal)
    {
        long pairs = causal ? steps * (steps + 1) / 2 : steps * steps;
        return 3 * steps * embed * embed + 2 * pairs * embed + steps * embed * embed;
    }

    public override bool TrainsDifferently(LayerSpec layer) => ((AttentionOptions)layer.Options!).Dropout > 0f;

    public override bool DrawsRandom(LayerSpec layer) => ((AttentionOptions)layer.Options!).Dropout > 0f;

    /// <summary>Reserves <c>TrainingForward</c> whatever the dropout (the member names do not depend on options).</summary>
    public override System.Collections.Generic.IEnumerable<(string Suffix, bool IsMethod)> ExtraMembers(bool trainable)
    {
        if (trainable) yield return ("TrainingForward", true);
    }

    // ── Streaming (Step with a key/value cache) ──────────────────────────────────────────────────────────────────

    /// <summary>A causal attention layer carries state between steps: the keys and values of the last T steps.</summary>
    public override bool IsRecurrent => true;

    public override string? WhyNoStep(ShapedLayer layer) => Options(layer).Causal
        ? null
        : $"MultiHeadAttention '{layer.Name}' is not causal: each step attends to the steps after it, which a stream has not seen yet (declare Causal = true to stream it with a key/value cache)";

    /// <summary>The step state's parts, in order: the steps seen (an int), q|k|v, the context, the output, the scores, the key and value caches.</summary>
    private static (int Qkv, int Context, int Output, int Scores, int Keys, int Values, int Length) StepLayout(ShapedLayer layer)
    {
        int embed = layer.Spec.Units, steps = layer.Output.Positions, width = layer.Output.PositionStride, qkvWidth = LayoutArithmetic.Padded(3 * embed);
        int qkv = LayoutArithmetic.WidthAlignment, context = qkv + qkvWidth, output = context + width, scores = output + width;
        int keys = scores + LayoutArithmetic.Padded(steps), values = keys + steps * width;
        return (qkv, context, output, scores, keys, values, values + steps * width);
    }

    public override int StepStateLength(ShapedLayer layer) => StepLayout(layer).Length;

    public override string StepStateText(ShapedLayer layer) =>
        $"the steps seen, q|k|v, context, output, scores and the key/value cache of the last {layer.Output.Positions} steps, [{StepLayout(layer).Length}]";

    public override void WriteStep(CodeWriter w, StepWriter s, ShapedLayer layer)
    {
        string id = layer.Identifier;
        var l = StepLayout(layer);
        int embed = layer.Spec.Units, steps = layer.Output.Positions, width = layer.Output.PositionStride, qkvWidth = LayoutArithmetic.Padded(3 * embed);
        string at(int offset, int length) => $"state.Slice({id}Step + {offset}, {length})";
        string x = s.CurrentStride == embed ? s.Current : $"{s.Current}.Slice(0, {embed})";
        w.Line($"// {layer.Name}: causal attention over the key/value cache of the last {steps} steps");
        w.Line($"{Kernels}DenseKernels.ForwardStep({x}, inputs: {embed}, {MatrixSlice(layer, "in_proj_weight", "parameters", qkvWidth)}, {TensorSlice(layer, "in_proj_bias", "parameters")}, {at(l.Qkv, qkvWidth)}, width: {qkvWidth});");
        w.Line($"{Kernels}AttentionKernels.Step({at(l.Qkv, qkvWidth)}, embed: {embed}, heads: {Options(layer).Heads}, window: {steps}, cacheStride: {width}, {at(l.Keys, steps * width)}, {at(l.Values, steps * width)},");
        w.Line($"    ref global::System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>({at(0, 1)})[0], {at(l.Scores, LayoutArithmetic.Padded(steps))}, {at(l.Context, width)});");
        w.Line($"{Kernels}DenseKernels.ForwardStep({at(l.Context, embed)}, inputs: {embed}, {MatrixSlice(layer, "out_proj.weight", "parameters", width)}, {TensorSlice(layer, "out_proj.bias", "parameters")}, {at(l.Output, width)}, width: {width});");
        s.Advance(at(l.Output, width), width);
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    private static AttentionOptions Options(ShapedLayer layer) => (AttentionOptions)layer.Spec.Options!;

    /// <summary>The padding token whose steps the layer hides as keys (from <c>[Embedding(…, PaddingIndex = p)]</c>), or null.</summary>
    internal static int? Padding(Wiring wiring, ShapedLayer layer) => EmbeddingLayer.PaddingIndex(wiring, layer, layer.Output.Positions);

    /// <summary>The token-id argument of a masked layer's forward call (<c>, x</c>: the network's token ids), or nothing.</summary>
    internal static string TokensArgument(Wiring wiring, ShapedLayer layer) => Padding(wiring, layer) is null ? "" : ", x";

    /// <summary>The token-id parameter of a masked layer's forward method, or nothing.</summary>
    internal static string TokensParameter(Wiring wiring, ShapedLayer layer) => Padding(wiring, layer) is null ? "" : ", global::System.ReadOnlySpan<int> tokens";

    /// <summary>The kernel's key padding mask arguments, or nothing.</summary>
    internal static string MaskArguments(Wiring wiring, ShapedLayer layer) => Padding(wiring, layer) is { } p ? $", tokens, paddingIndex: {p}" : "";

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Decomposed self-attention (opset 17 has no attention operator): see <c>OnnxGraphBuilder.SelfAttention</c>.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer)
    {
        AttentionOptions o = Options(layer);
        w.Line($"x = onnx.SelfAttention(x, {Quote(layer.Name + ".")}, steps: {layer.Input.Positions}, embed: {layer.Spec.Units}, heads: {o.Heads}, causal: {(o.Causal ? "true" : "false")});");
    }

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        AttentionOptions o = Options(layer);
        yield return (PyTorchName(layer), $"SelfAttention({layer.Spec.Units}, {o.Heads}, dropout={Text(o.Dropout)}, causal={(o.Causal ? "True" : "False")})");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) => training && Options(layer).Dropout > 0f
        ? $"{layer.Identifier}TrainingForward(parameters, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Qkv")}, {wiring.RegionOf(layer, "Probabilities")}, {wiring.RegionOf(layer, "Mask")}, {wiring.RegionOf(layer, "Context")}, {wiring.Output(layer)}, rows, ref random{TokensArgument(wiring, layer)});"
        : $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Qkv")}, {wiring.RegionOf(layer, "Probabilities")}, {wiring.RegionOf(layer, "Context")}, {wiring.Output(layer)}, rows{TokensArgument(wiring, layer)});";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        string dx = wiring.InputDelta(layer) ?? "default";
        return $"{layer.Identifier}Backward(parameters, gradients, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Qkv")}, {wiring.RegionOf(layer, "Probabilities")}, {wiring.RegionOf(layer, "Context")}, " +
               $"{wiring.OutputDelta(layer)}, {wiring.RegionOf(layer, "Qkv", "deltas")}, {wiring.RegionOf(layer, "Context", "deltas")}, {dx}, rows{(Options(layer).Dropout > 0f ? ", " + wiring.RegionOf(layer, "Mask") : "")});";
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        AttentionOptions o = Options(layer);
        int steps = layer.Output.Positions, embed = layer.Spec.Units, heads = o.Heads, width = layer.Output.PositionStride;
        int qkvWidth = LayoutArithmetic.Padded(3 * embed), probabilities = LayoutArithmetic.Padded(heads * steps * steps);
        string causal = o.Causal ? "true" : "false";
        string rows = $"rows * {steps}";
        WriteBanner(w, layer, $"MultiHeadAttention {layer.Output.Text}, {heads} heads of {embed / heads}{(o.Causal ? ", causal" : "")} (nn.MultiheadAttention(batch_first=True), self-attention)");
        string inProjection = $"{MatrixSlice(layer, "in_proj_weight", "parameters", qkvWidth)}, {TensorSlice(layer, "in_proj_bias", "parameters")}";
        string outProjection = $"{MatrixSlice(layer, "out_proj.weight", "parameters", width)}, {TensorSlice(layer, "out_proj.bias", "parameters")}";
        string core = $"rows, steps: {steps}, embed: {embed}, heads: {heads}, qkvStride: {qkvWidth}, causal: {causal}";

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x [rows, {steps}, {width}] → q|k|v [rows, {steps}, {qkvWidth}] → P [rows, {heads}, {steps}, {steps}], context [rows, {steps}, {width}] → y [rows, {steps}, {width}].</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} qkv, {Span} probabilities, {Span} context, {Span} y, int rows{TokensParameter(wiring, layer)})");
        w.Line($"{Kernels}DenseKernels.Forward(x, {rows}, inputs: {embed}, xStride: {width}, {inProjection}, qkv, width: {qkvWidth});");
        w.Line($"{Kernels}AttentionKernels.Forward(qkv, {core},");
        w.Line($"    probabilities, probabilityStride: {probabilities}, context, contextStride: {width}{MaskArguments(wiring, layer)});{(Padding(wiring, layer) is { } p ? $" // keys whose token is {p} hidden" : "")}");
        w.Line($"{Kernels}DenseKernels.Forward(context, {rows}, inputs: {embed}, xStride: {width}, {outProjection}, y, width: {width});");
        w.Close();
        w.Line();
        if (!wiring.Trains) return;
        bool dropout = o.Dropout > 0f;
        if (dropout)
        {
            w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward in training: as forward, each probability dropped with probability {Text(o.Dropout)} (the rest scaled by 1/(1 − {Text(o.Dropout)})), the mask drawn from <paramref name=\"random\"/>.</summary>");
            w.Hot();
            w.Open($"private static void {id}TrainingForward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} qkv, {Span} probabilities, {Span} mask, {Span} context, {Span} y, int rows, ref ulong random{TokensParameter(wiring, layer)})");
            w.Line($"{Kernels}DenseKernels.Forward(x, {rows}, inputs: {embed}, xStride: {width}, {inProjection}, qkv, width: {qkvWidth});");
            w.Line($"{Kernels}AttentionKernels.ForwardTraining(qkv, {core},");
            w.Line($"    probabilities, probabilityStride: {probabilities}, context, contextStride: {width}, rate: {Literal(o.Dropout)}, ref random, mask{MaskArguments(wiring, layer)});");
            w.Line($"{Kernels}DenseKernels.Forward(context, {rows}, inputs: {embed}, xStride: {width}, {outProjection}, y, width: {width});");
            w.Close();
            w.Line();
        }

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {steps}, {width}] → d out_proj, d context, d q|k|v (through P), d in_proj (accumulated), dx (unless the input needs none).</summary>");
        w.Hot();
        w.Line($"private static void {id}Backward({ReadOnlySpan} parameters, {Span} gradients, {ReadOnlySpan} x, {ReadOnlySpan} qkv, {ReadOnlySpan} probabilities, {ReadOnlySpan} context,");
        w.Open($"    {Span} dy, {Span} dQkv, {Span} dContext, {Span} dx, int rows{(dropout ? $", {ReadOnlySpan} mask" : "")})");
        w.Line($"{Kernels}DenseKernels.BackwardWeights(context, {rows}, inputs: {embed}, xStride: {width}, dy, width: {width},");
        w.Line($"    {MatrixSlice(layer, "out_proj.weight", "gradients", width)}, {TensorSlice(layer, "out_proj.bias", "gradients")});");
        w.Line($"{Kernels}DenseKernels.BackwardInput(dy, {rows}, width: {width}, {MatrixSlice(layer, "out_proj.weight", "parameters", width)}, inputs: {embed}, dContext, dxStride: {width});");
        w.Line($"{Kernels}AttentionKernels.Backward(qkv, probabilities, probabilityStride: {probabilities}, dContext, contextStride: {width},");
        w.Line($"    {core}, dQkv{(dropout ? ", mask" : "")});");
        w.Line($"{Kernels}DenseKernels.BackwardWeights(x, {rows}, inputs: {embed}, xStride: {width}, dQkv, width: {qkvWidth},");
        w.Line($"    {MatrixSlice(layer, "in_proj_weight", "gradients", qkvWidth)}, {TensorSlice(layer, "in_proj_bias", "gradients")});");
        w.Line("if (!dx.IsEmpty)");
        w.Line($"    {Kernels}DenseKernels.BackwardInput(dQkv, {rows}, width: {qkvWidth}, {MatrixSlice(layer, "in_proj_weight", "parameters", qkvWidth)}, inputs: {embed}, dx, dxStride: {width});");
        w.Close();
        w.Line();
    }
}
