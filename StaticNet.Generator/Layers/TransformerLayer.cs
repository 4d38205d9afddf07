using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of <c>[TransformerEncoderLayer(dModel, heads, dimFeedforward)]</c> beyond the model dimension.</summary>
internal sealed record TransformerOptions(int Heads, int DimFeedforward, ActivationKind Activation, bool NormFirst, float Dropout,
    bool Causal, float Epsilon) : LayerOptions;

/// <summary>
/// <c>[TransformerEncoderLayer(dModel, heads, dimFeedforward)]</c>, PyTorch's <c>nn.TransformerEncoderLayer(batch_first=True)</c>:
/// [T, d] → [T, d]. Built from the kernels of its parts, every call a line of the generated methods: the attention of
/// <see cref="AttentionLayer"/>, residual sums, <c>LayerNormKernels</c>, the Dense GEMM for linear1 and linear2 and the
/// dropout kernels. Post-norm <c>norm1(x + sa(x))</c>, <c>norm2(h + ff(h))</c>, or pre-norm <c>x + sa(norm1(x))</c>,
/// <c>h + ff(norm2(h))</c>. Its methods take the whole activation (and delta) buffer and slice their regions by name.
/// </summary>
internal sealed class TransformerLayer : LayerDefinition
{
    public static readonly TransformerLayer Instance = new();

    private TransformerLayer() : base(LayerKind.TransformerEncoderLayer, "StaticNet.TransformerEncoderLayerAttribute")
    {
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, AttributeArguments.Int(attribute, 0), ActivationKind.None, name,
            new TransformerOptions(AttributeArguments.Int(attribute, 1), AttributeArguments.Int(attribute, 2),
                (ActivationKind)AttributeArguments.NamedInt(attribute, "Activation", (int)ActivationKind.ReLU),
                AttributeArguments.NamedBool(attribute, "NormFirst", false), AttributeArguments.NamedFloat(attribute, "Dropout", 0.1f),
                AttributeArguments.NamedBool(attribute, "Causal", false), AttributeArguments.NamedFloat(attribute, "Epsilon", 1e-5f)));

    public override void CheckValues(LayerSpec layer, List<ShapeError> errors)
    {
        ActivationKind activation = ((TransformerOptions)layer.Options!).Activation;
        if (!System.Enum.IsDefined(typeof(ActivationKind), activation))
            errors.Add(new ShapeError(DiagnosticIds.UndefinedValue, layer.AttributeIndex,
                $"TransformerEncoderLayer has activation {(int)activation}, which is not an Activation value; expected Activation.ReLU or Activation.GELU"));
    }

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        TransformerOptions o = (TransformerOptions)c.Layer.Options!;
        int d = c.Layer.Units, heads = o.Heads, ff = o.DimFeedforward;
        if (input.Kind != ShapeKind.Sequence)
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"TransformerEncoderLayer '{c.Name}' follows an output of shape {input.Text} ({ShapeInference.Describe(input)}); expected a sequence [steps, {d}]"));
        if (d <= 0 || heads <= 0 || ff <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize,
                $"TransformerEncoderLayer '{c.Name}' needs dModel, heads and dimFeedforward of at least 1; found {d}, {heads} and {ff}"));
        if (d % heads != 0)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"TransformerEncoderLayer '{c.Name}' has dModel {d} and {heads} heads; expected heads to divide dModel (each head has dModel / heads features, as PyTorch requires)"));
        if (input.Channels != d)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"TransformerEncoderLayer '{c.Name}' has dModel {d} but follows {input.Channels} features ({input.Text}); expected them equal"));
        if (!System.Enum.IsDefined(typeof(ActivationKind), o.Activation))
            return null; // CheckValues reported it (SNET014)
        if (o.Activation is not (ActivationKind.ReLU or ActivationKind.GELU) || !(o.Dropout >= 0f && o.Dropout < 1f) || !(o.Epsilon > 0f) || float.IsInfinity(o.Epsilon))
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"TransformerEncoderLayer '{c.Name}' has Activation {o.Activation}, Dropout {o.Dropout} and Epsilon {o.Epsilon}; expected ReLU or GELU, a Dropout in [0, 1) and a finite Epsilon > 0"));
        int steps = input.Positions, width = LayoutArithmetic.Padded(d), qkvWidth = LayoutArithmetic.Padded(3 * d), hidden = LayoutArithmetic.Padded(ff);
        int probabilities = LayoutArithmetic.Padded(heads * steps * steps), perStep = LayoutArithmetic.Padded(steps);
        ActivationShape output = ShapeInference.Same(input);
        c.Tensor("self_attn.in_proj_weight", new[] { 3 * d, d }, new[] { 1, qkvWidth }, (long)d * qkvWidth, TensorInit.UniformFanIn, d, $"[{d}, {qkvWidth}]");
        c.Tensor("self_attn.in_proj_bias", new[] { 3 * d }, new[] { 1 }, qkvWidth, TensorInit.Zeros, 0, $"[{qkvWidth}]");
        c.Tensor("self_attn.out_proj.weight", new[] { d, d }, new[] { 1, width }, (long)d * width, TensorInit.UniformFanIn, d, $"[{d}, {width}]");
        c.Tensor("self_attn.out_proj.bias", new[] { d }, new[] { 1 }, width, TensorInit.Zeros, 0, $"[{width}]");
        c.Tensor("linear1.weight", new[] { ff, d }, new[] { 1, hidden }, (long)d * hidden, TensorInit.UniformFanIn, d, $"[{d}, {hidden}]");
        c.Tensor("linear1.bias", new[] { ff }, new[] { 1 }, hidden, TensorInit.UniformFanIn, d, $"[{hidden}]");
        c.Tensor("linear2.weight", new[] { d, ff }, new[] { 1, width }, (long)ff * width, TensorInit.UniformFanIn, ff, $"[{ff}, {width}]");
        c.Tensor("linear2.bias", new[] { d }, new[] { 1 }, width, TensorInit.UniformFanIn, ff, $"[{width}]");
        c.Tensor("norm1.weight", new[] { d }, new[] { 1 }, width, TensorInit.Ones, 0, $"[{width}]");
        c.Tensor("norm1.bias", new[] { d }, new[] { 1 }, width, TensorInit.Zeros, 0, $"[{width}]");
        c.Tensor("norm2.weight", new[] { d }, new[] { 1 }, width, TensorInit.Ones, 0, $"[{width}]");
        c.Tensor("norm2.bias", new[] { d }, new[] { 1 }, width, TensorInit.Zeros, 0, $"[{width}]");
        c.OutputRegions(output, ActivationKind.None);
        long td = (long)steps * width, tf = (long)steps * hidden;
        if (o.NormFirst) c.Region("Norm1", td, "norm1(x)");
        c.Region("Qkv", (long)steps * qkvWidth, $"q | k | v of each step, [{steps}, {qkvWidth}]");
        c.Region("Probabilities", probabilities, $"softmax(QKᵀ/√d) of each head, [{heads}, {steps}, {steps}]");
        c.Region("Context", td, "P·V of every head");
        c.Region("Attention", td, "the attention block's output (after dropout1)");
        if (!o.NormFirst) c.Region("Sum1", td, "x + sa(x)");
        c.Region("Norm1Normalized", td, "norm1's x̂");
        c.Region("Norm1InverseStd", perStep, "norm1's 1/σ per step");
        c.Region("Residual1", td, o.NormFirst ? "h = x + sa(norm1(x))" : "h = norm1(x + sa(x))");
        if (o.NormFirst) c.Region("Norm2", td, "norm2(h)");
        if (o.Activation == ActivationKind.GELU) c.Region("Hidden", tf, "linear1's output, GELU's input");
        c.Region("Activated", tf, $"{o.Activation}(linear1(…)) (after dropout)");
        c.Region("FeedForward", td, "linear2's output (after dropout2)");
        if (!o.NormFirst) c.Region("Sum2", td, "h + ff(h)");
        c.Region("Norm2Normalized", td, "norm2's x̂");
        c.Region("Norm2InverseStd", perStep, "norm2's 1/σ per step");
        if (o.Dropout > 0f)
        {
            c.Region("AttentionMask", probabilities, "the attention dropout mask");
            c.Region("Dropout1Mask", td, "dropout1's mask");
            c.Region("DropoutMask", tf, "the feed-forward dropout's mask");
            c.Region("Dropout2Mask", td, "dropout2's mask");
        }
        return (output, null);
    }

    public override bool NeedsChannelsLastInput => true;

    public override string TensorExample(string name) => $", e.g. '{name}.self_attn.in_proj_weight'";

    public override bool ShowsInTopology => false;

    public override string DocumentationText(ShapedLayer layer)
    {
        TransformerOptions o = Options(layer);
        return $"TransformerEncoderLayer({layer.Spec.Units}, {o.Heads}, {o.DimFeedforward}, {o.Activation}{(o.NormFirst ? ", norm first" : "")}{(o.Causal ? ", causal" : "")})";
    }

    /// <summary>
    /// TransformerEncoderLayer: its self-attention (<see cref="AttentionLayer.MultiplyAdds"/>, causal or not), linear1
    /// T·d·F and linear2 T·F·d, and norm1 and norm2 one per value each (2·T·d, as LayerNorm's and BatchNorm's rows); the
    /// residual sums, the activation and dropout none.
    /// </summary>
    public override LayerRow Row(ShapedLayer layer)
    {
        TransformerOptions o = Options(layer);
        long steps = layer.Output.Positions, d = layer.Spec.Units, ff = o.DimFeedforward;
        return new("TransformerEncoderLayer", AttentionLayer.MultiplyAdds(steps, d, o.Causal) + 2 * steps * d * ff + 2 * steps * d);
    }

    public override bool TrainsDifferently(LayerSpec layer) => ((TransformerOptions)layer.Options!).Dropout > 0f;

    public override bool DrawsRandom(LayerSpec layer) => ((TransformerOptions)layer.Options!).Dropout > 0f;

    /// <summary>Reserves <c>TrainingForward</c> whatever the dropout (the member names do not depend on options).</summary>
    public override IEnumerable<(string Suffix, bool IsMethod)> ExtraMembers(bool trainable)
    {
        if (trainable) yield return ("TrainingForward", true);
    }

    // ── Streaming (Step with a key/value cache) ──────────────────────────────────────────────────────────────────

    /// <summary>A causal encoder layer carries state between steps: its attention's keys and values of the last T steps.</summary>
    public override bool IsRecurrent => true;

    public override string? WhyNoStep(ShapedLayer layer) => Options(layer).Causal
        ? null
        : $"TransformerEncoderLayer '{layer.Name}' is not causal: each step attends to the steps after it, which a stream has not seen yet (declare Causal = true to stream it with a key/value cache)";

    /// <summary>The step state: the steps seen (an int), then q|k|v, context, norm1(x), attention, h, norm2(h), hidden, ff, output, scores, keys, values.</summary>
    private static int[] StepLayout(ShapedLayer layer, out int length)
    {
        TransformerOptions o = Options(layer);
        int d = layer.Spec.Units, steps = layer.Output.Positions, width = layer.Output.PositionStride;
        int[] lengths = { LayoutArithmetic.WidthAlignment, LayoutArithmetic.Padded(3 * d), width, width, width, width, width, LayoutArithmetic.Padded(o.DimFeedforward),
            width, width, LayoutArithmetic.Padded(steps), steps * width, steps * width };
        var offsets = new int[lengths.Length];
        length = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            offsets[i] = length;
            length += lengths[i];
        }
        return offsets;
    }

    public override int StepStateLength(ShapedLayer layer)
    {
        StepLayout(layer, out int length);
        return length;
    }

    public override string StepStateText(ShapedLayer layer) =>
        $"the steps seen, one step's intermediates and the key/value cache of the last {layer.Output.Positions} steps, [{StepStateLength(layer)}]";

    public override void WriteStep(CodeWriter w, StepWriter s, ShapedLayer layer)
    {
        TransformerOptions o = Options(layer);
        string id = layer.Identifier;
        int[] at = StepLayout(layer, out _);
        int d = layer.Spec.Units, steps = layer.Output.Positions, width = layer.Output.PositionStride, qkvWidth = LayoutArithmetic.Padded(3 * d);
        int ff = o.DimFeedforward, hidden = LayoutArithmetic.Padded(ff);
        string S(int part, int length) => $"state.Slice({id}Step + {at[part]}, {length})";
        string qkv = S(1, qkvWidth), context = S(2, width), norm1 = S(3, width), attention = S(4, width), h = S(5, width), norm2 = S(6, width);
        string hiddenState = S(7, hidden), feed = S(8, width), output = S(9, width), scores = S(10, LayoutArithmetic.Padded(steps));
        string x = s.CurrentStride == d ? s.Current : $"{s.Current}.Slice(0, {d})";
        string Real(string span) => d == width ? span : $"{span}.Slice(0, {d})";
        string Dense(string input, string prefix, int inputs, int outWidth, string y) =>
            $"{Kernels}DenseKernels.ForwardStep({input}, inputs: {inputs}, {MatrixSlice(layer, prefix + "weight", "parameters", outWidth)}, {TensorSlice(layer, prefix + "bias", "parameters")}, {y}, width: {outWidth});";
        string Norm(string norm, string y) =>
            $"{Kernels}LayerNormKernels.Forward({y}, 1, features: {d}, stride: {width}, {TensorSlice(layer, norm + ".weight", "parameters")}, {TensorSlice(layer, norm + ".bias", "parameters")}, epsilon: {Literal(o.Epsilon)}, {y});";
        w.Line($"// {layer.Name}: a causal encoder layer, its attention over the key/value cache of the last {steps} steps");
        string attentionInput = x;
        if (o.NormFirst)
        {
            w.Line($"{x}.CopyTo({norm1});");
            w.Line(Norm("norm1", norm1));
            attentionInput = Real(norm1);
        }
        w.Line(Dense(attentionInput, "self_attn.in_proj_", d, qkvWidth, qkv));
        w.Line($"{Kernels}AttentionKernels.Step({qkv}, embed: {d}, heads: {o.Heads}, window: {steps}, cacheStride: {width}, {S(11, steps * width)}, {S(12, steps * width)},");
        w.Line($"    ref global::System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>({S(0, 1)})[0], {scores}, {context});");
        w.Line(Dense(Real(context), "self_attn.out_proj.", d, width, attention));
        w.Line($"{Kernels}SequenceKernels.Add({x}, {Real(attention)}, {Real(h)});");
        string feedInput = Real(h);
        if (o.NormFirst)
        {
            w.Line($"{h}.CopyTo({norm2});");
            w.Line(Norm("norm2", norm2));
            feedInput = Real(norm2);
        }
        else
            w.Line(Norm("norm1", h));
        w.Line(Dense(feedInput, "linear1.", d, hidden, hiddenState));
        w.Line(o.Activation == ActivationKind.GELU
            ? $"{Kernels}ActivationKernels.Gelu({hiddenState}, {hiddenState}, 1, columns: {ff}, stride: {hidden});"
            : $"{Kernels}ActivationKernels.ReLU({hiddenState}, 1, columns: {ff}, stride: {hidden});");
        w.Line(Dense(ff == hidden ? hiddenState : $"{hiddenState}.Slice(0, {ff})", "linear2.", ff, width, feed));
        w.Line($"{Kernels}SequenceKernels.Add({Real(h)}, {Real(feed)}, {Real(output)});");
        if (!o.NormFirst) w.Line(Norm("norm2", output));
        s.Advance(output, width);
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    private static TransformerOptions Options(ShapedLayer layer) => (TransformerOptions)layer.Spec.Options!;

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Decomposed attention, residual sums, <c>LayerNormalization</c> and the feed-forward: see <c>OnnxGraphBuilder.TransformerEncoderLayer</c>.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer)
    {
        TransformerOptions o = Options(layer);
        w.Line($"x = onnx.TransformerEncoderLayer(x, {Quote(layer.Name + ".")}, steps: {layer.Input.Positions}, model: {layer.Spec.Units}, heads: {o.Heads}, " +
            $"activation: \"{o.Activation}\", normFirst: {(o.NormFirst ? "true" : "false")}, causal: {(o.Causal ? "true" : "false")}, epsilon: {Literal(o.Epsilon)});");
    }

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        TransformerOptions o = Options(layer);
        yield return (PyTorchName(layer), $"TransformerEncoderLayer({layer.Spec.Units}, {o.Heads}, {o.DimFeedforward}, dropout={Text(o.Dropout)}, " +
            $"activation='{(o.Activation == ActivationKind.GELU ? "gelu" : "relu")}', layer_norm_eps={Text(o.Epsilon)}, norm_first={(o.NormFirst ? "True" : "False")}, causal={(o.Causal ? "True" : "False")})");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) => training && Options(layer).Dropout > 0f
        ? $"{layer.Identifier}TrainingForward(parameters, {wiring.Input(layer)}, activations, rows, ref random{AttentionLayer.TokensArgument(wiring, layer)});"
        : $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, activations, rows{AttentionLayer.TokensArgument(wiring, layer)});";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer) =>
        $"{layer.Identifier}Backward(parameters, gradients, {wiring.Input(layer)}, activations, deltas, {wiring.InputDelta(layer) ?? "default"}, rows);";

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        TransformerOptions o = Options(layer);
        int steps = layer.Output.Positions, d = layer.Spec.Units;
        WriteBanner(w, layer, $"TransformerEncoderLayer {layer.Output.Text}, {o.Heads} heads, feed-forward {o.DimFeedforward}, {o.Activation}, " +
            (o.NormFirst ? "norm first" : "norm after") + (o.Causal ? ", causal" : "") + $", dropout {Text(o.Dropout)} (nn.TransformerEncoderLayer(batch_first=True))");
        WriteForward(w, wiring, layer, training: false);
        if (!wiring.Trains) return;
        if (o.Dropout > 0f) WriteForward(w, wiring, layer, training: true);
        WriteBackward(w, wiring, layer);
    }

    private sealed class Names
    {
        public Names(Wiring wiring, ShapedLayer layer)
        {
            TransformerOptions o = Options(layer);
            Layer = layer;
            Wiring = wiring;
            D = layer.Spec.Units;
            Steps = layer.Output.Positions;
            Width = layer.Output.PositionStride;
            Ff = o.DimFeedforward;
            Hidden = LayoutArithmetic.Padded(Ff);
            Qkv = LayoutArithmetic.Padded(3 * D);
            Probabilities = LayoutArithmetic.Padded(o.Heads * Steps * Steps);
            Rows = $"rows * {Steps}";
            Core = $"rows, steps: {Steps}, embed: {D}, heads: {o.Heads}, qkvStride: {Qkv}, causal: {(o.Causal ? "true" : "false")}";
        }

        public ShapedLayer Layer { get; }
        public Wiring Wiring { get; }
        public int D { get; }
        public int Steps { get; }
        public int Width { get; }
        public int Ff { get; }
        public int Hidden { get; }
        public int Qkv { get; }
        public int Probabilities { get; }
        public string Rows { get; }
        public string Core { get; }

        public string A(string region) => region == "Output" ? Wiring.Output(Layer) : Wiring.RegionOf(Layer, region);

        public string G(string region) => region == "Output" ? Wiring.OutputDelta(Layer) : Wiring.RegionOf(Layer, region, "deltas");

        public string Matrix(string suffix, string buffer, int width) => MatrixSlice(Layer, suffix, buffer, width);

        public string Vector(string suffix, string buffer) => TensorSlice(Layer, suffix, buffer);

        public string Dense(string x, string prefix, int inputs, int xStride, int width, string y) =>
            $"{Kernels}DenseKernels.Forward({x}, {Rows}, inputs: {inputs}, xStride: {xStride}, {Matrix(prefix + "weight", "parameters", width)}, {Vector(prefix + "bias", "parameters")}, {y}, width: {width});";

        public string Norm(string x, string norm, string y) =>
            $"{Kernels}LayerNormKernels.ForwardTraining({x}, {Rows}, features: {D}, stride: {Width}, {Vector(norm + ".weight", "parameters")}, {Vector(norm + ".bias", "parameters")}, " +
            $"epsilon: {Literal(Options(Layer).Epsilon)}, {A(Cap(norm) + "Normalized")}, {A(Cap(norm) + "InverseStd")}, {y});";

        public string NormBackward(string dy, string norm, string dx) =>
            $"{Kernels}LayerNormKernels.Backward({dy}, {Rows}, features: {D}, stride: {Width}, {Vector(norm + ".weight", "parameters")}, {A(Cap(norm) + "Normalized")}, {A(Cap(norm) + "InverseStd")}, " +
            $"{Vector(norm + ".weight", "gradients")}, {Vector(norm + ".bias", "gradients")}, {dx});";

        public string Dropout(string values, int channels, int stride, string mask) =>
            $"{Kernels}DropoutKernels.Forward({values}, {Rows}, channels: {channels}, channelStride: {stride}, rate: {Literal(Options(Layer).Dropout)}, ref random, {A(mask)}, {values});";

        public string DropoutBackward(string dy, int stride, string mask, string dx) =>
            $"{Kernels}DropoutKernels.Backward({dy}, {A(mask)}, {Rows}, channelStride: {stride}, {dx});";

        public string[] DenseBackward(string x, string dy, string prefix, int inputs, int xStride, int width, string? dx) => dx is null
            ? new[] { $"{Kernels}DenseKernels.BackwardWeights({x}, {Rows}, inputs: {inputs}, xStride: {xStride}, {dy}, width: {width}, {Matrix(prefix + "weight", "gradients", width)}, {Vector(prefix + "bias", "gradients")});" }
            : new[]
            {
                $"{Kernels}DenseKernels.BackwardWeights({x}, {Rows}, inputs: {inputs}, xStride: {xStride}, {dy}, width: {width}, {Matrix(prefix + "weight", "gradients", width)}, {Vector(prefix + "bias", "gradients")});",
                $"{Kernels}DenseKernels.BackwardInput({dy}, {Rows}, width: {width}, {Matrix(prefix + "weight", "parameters", width)}, inputs: {inputs}, {dx}, dxStride: {xStride});",
            };

        private static string Cap(string norm) => norm == "norm1" ? "Norm1" : "Norm2";
    }

    private static void WriteForward(CodeWriter w, Wiring wiring, ShapedLayer layer, bool training)
    {
        TransformerOptions o = Options(layer);
        var n = new Names(wiring, layer);
        bool drop = training;
        string id = layer.Identifier, text = RowText(layer.Output);
        w.Line(training
            ? $"/// <summary>{Identifiers.Doc(layer.Name)} forward in training: as forward, with the four dropouts (rate {Text(o.Dropout)}) drawn from <paramref name=\"random\"/>.</summary>"
            : $"/// <summary>{Identifiers.Doc(layer.Name)} forward: x {text} → y {text}; every intermediate kept in its region of <paramref name=\"activations\"/> for backward.</summary>");
        w.Hot();
        w.Open($"private static void {id}{(training ? "TrainingForward" : "Forward")}({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} activations, int rows{(training ? ", ref ulong random" : "")}{AttentionLayer.TokensParameter(wiring, layer)})");
        string attentionInput = "x";
        if (o.NormFirst)
        {
            w.Line($"{n.Norm("x", "norm1", n.A("Norm1"))} // norm1");
            attentionInput = n.A("Norm1");
        }
        w.Line($"{n.Dense(attentionInput, "self_attn.in_proj_", n.D, n.Width, n.Qkv, n.A("Qkv"))} // self_attn: q | k | v");
        w.Line(drop
            ? $"{Kernels}AttentionKernels.ForwardTraining({n.A("Qkv")}, {n.Core}, {n.A("Probabilities")}, probabilityStride: {n.Probabilities}, {n.A("Context")}, contextStride: {n.Width}, rate: {Literal(o.Dropout)}, ref random, {n.A("AttentionMask")}{AttentionLayer.MaskArguments(wiring, layer)});"
            : $"{Kernels}AttentionKernels.Forward({n.A("Qkv")}, {n.Core}, {n.A("Probabilities")}, probabilityStride: {n.Probabilities}, {n.A("Context")}, contextStride: {n.Width}{AttentionLayer.MaskArguments(wiring, layer)});");
        w.Line($"{n.Dense(n.A("Context"), "self_attn.out_proj.", n.D, n.Width, n.Width, n.A("Attention"))} // self_attn.out_proj");
        if (drop) w.Line($"{n.Dropout(n.A("Attention"), n.D, n.Width, "Dropout1Mask")} // dropout1");
        string feedInput;
        if (o.NormFirst)
        {
            w.Line($"{Kernels}SequenceKernels.Add(x, {n.A("Attention")}, {n.A("Residual1")}); // h = x + sa(norm1(x))");
            w.Line($"{n.Norm(n.A("Residual1"), "norm2", n.A("Norm2"))} // norm2");
            feedInput = n.A("Norm2");
        }
        else
        {
            w.Line($"{Kernels}SequenceKernels.Add(x, {n.A("Attention")}, {n.A("Sum1")}); // x + sa(x)");
            w.Line($"{n.Norm(n.A("Sum1"), "norm1", n.A("Residual1"))} // h = norm1(x + sa(x))");
            feedInput = n.A("Residual1");
        }
        if (o.Activation == ActivationKind.GELU)
        {
            w.Line($"{n.Dense(feedInput, "linear1.", n.D, n.Width, n.Hidden, n.A("Hidden"))} // linear1");
            w.Line($"{Kernels}ActivationKernels.Gelu({n.A("Hidden")}, {n.A("Activated")}, {n.Rows}, columns: {n.Ff}, stride: {n.Hidden});");
        }
        else
        {
            w.Line($"{n.Dense(feedInput, "linear1.", n.D, n.Width, n.Hidden, n.A("Activated"))} // linear1");
            w.Line($"{Kernels}ActivationKernels.ReLU({n.A("Activated")}, {n.Rows}, columns: {n.Ff}, stride: {n.Hidden});");
        }
        if (drop) w.Line($"{n.Dropout(n.A("Activated"), n.Ff, n.Hidden, "DropoutMask")} // dropout");
        w.Line($"{n.Dense(n.A("Activated"), "linear2.", n.Ff, n.Hidden, n.Width, n.A("FeedForward"))} // linear2");
        if (drop) w.Line($"{n.Dropout(n.A("FeedForward"), n.D, n.Width, "Dropout2Mask")} // dropout2");
        if (o.NormFirst)
            w.Line($"{Kernels}SequenceKernels.Add({n.A("Residual1")}, {n.A("FeedForward")}, {n.A("Output")}); // y = h + ff(norm2(h))");
        else
        {
            w.Line($"{Kernels}SequenceKernels.Add({n.A("Residual1")}, {n.A("FeedForward")}, {n.A("Sum2")}); // h + ff(h)");
            w.Line($"{n.Norm(n.A("Sum2"), "norm2", n.A("Output"))} // y = norm2(h + ff(h))");
        }
        w.Close();
        w.Line();
    }

    private static void WriteBackward(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        TransformerOptions o = Options(layer);
        var n = new Names(wiring, layer);
        bool drop = o.Dropout > 0f;
        string id = layer.Identifier, text = RowText(layer.Output);
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy {text} → every tensor's gradient (accumulated), dx (unless the input needs none), through the regions forward kept.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} parameters, {Span} gradients, {ReadOnlySpan} x, {ReadOnlySpan} activations, {Span} deltas, {Span} dx, int rows)");
        string residualGradient; // the gradient reaching h through the residual connection
        if (o.NormFirst)
            residualGradient = n.G("Output");
        else
        {
            w.Line($"{n.NormBackward(n.G("Output"), "norm2", n.G("Sum2"))} // norm2");
            residualGradient = n.G("Sum2");
        }
        string feedGradient = residualGradient;
        if (drop)
        {
            w.Line($"{n.DropoutBackward(residualGradient, n.Width, "Dropout2Mask", n.G("FeedForward"))} // dropout2");
            feedGradient = n.G("FeedForward");
        }
        foreach (string line in n.DenseBackward(n.A("Activated"), feedGradient, "linear2.", n.Ff, n.Hidden, n.Width, n.G("Activated")))
            w.Line(line);
        if (drop) w.Line($"{n.DropoutBackward(n.G("Activated"), n.Hidden, "DropoutMask", n.G("Activated"))} // dropout");
        w.Line(o.Activation == ActivationKind.GELU
            ? $"{Kernels}ActivationKernels.GeluBackward({n.A("Hidden")}, {n.G("Activated")}, {n.Rows}, columns: {n.Ff}, stride: {n.Hidden});"
            : $"{Kernels}ActivationKernels.ReLUBackward({n.A("Activated")}, {n.G("Activated")}, {n.Rows}, columns: {n.Ff}, stride: {n.Hidden});");
        string feedInput = o.NormFirst ? "Norm2" : "Residual1";
        foreach (string line in n.DenseBackward(n.A(feedInput), n.G("Activated"), "linear1.", n.D, n.Width, n.Hidden, n.G(feedInput)))
            w.Line(line);
        if (o.NormFirst)
            w.Line($"{n.NormBackward(n.G("Norm2"), "norm2", n.G("Residual1"))} // norm2");
        w.Line($"{Kernels}SequenceKernels.Add({n.G("Residual1")}, {residualGradient}, {n.G("Residual1")}); // h also reaches the output directly");
        string blockGradient; // the gradient of x + sa(…)
        if (o.NormFirst)
            blockGradient = n.G("Residual1");
        else
        {
            w.Line($"{n.NormBackward(n.G("Residual1"), "norm1", n.G("Sum1"))} // norm1");
            blockGradient = n.G("Sum1");
        }
        string attentionGradient = blockGradient;
        if (drop)
        {
            w.Line($"{n.DropoutBackward(blockGradient, n.Width, "Dropout1Mask", n.G("Attention"))} // dropout1");
            attentionGradient = n.G("Attention");
        }
        foreach (string line in n.DenseBackward(n.A("Context"), attentionGradient, "self_attn.out_proj.", n.D, n.Width, n.Width, n.G("Context")))
            w.Line(line);
        w.Line($"{Kernels}AttentionKernels.Backward({n.A("Qkv")}, {n.A("Probabilities")}, probabilityStride: {n.Probabilities}, {n.G("Context")}, contextStride: {n.Width},");
        w.Line($"    {n.Core}, {n.G("Qkv")}{(drop ? ", " + n.A("AttentionMask") : "")});");
        if (o.NormFirst)
        {
            foreach (string line in n.DenseBackward(n.A("Norm1"), n.G("Qkv"), "self_attn.in_proj_", n.D, n.Width, n.Qkv, n.G("Norm1")))
                w.Line(line);
            w.Line($"{n.NormBackward(n.G("Norm1"), "norm1", $"dx.IsEmpty ? {n.G("Norm1")} : dx")} // norm1");
            w.Line($"if (!dx.IsEmpty) {Kernels}SequenceKernels.Add(dx, {blockGradient}, dx); // x also reaches h directly");
        }
        else
        {
            w.Line(n.DenseBackward("x", n.G("Qkv"), "self_attn.in_proj_", n.D, n.Width, n.Qkv, null)[0]);
            w.Open("if (!dx.IsEmpty)");
            w.Line($"{Kernels}DenseKernels.BackwardInput({n.G("Qkv")}, {n.Rows}, width: {n.Qkv}, {n.Matrix("self_attn.in_proj_weight", "parameters", n.Qkv)}, inputs: {n.D}, dx, dxStride: {n.Width});");
            w.Line($"{Kernels}SequenceKernels.Add(dx, {blockGradient}, dx); // x also reaches the sum directly");
            w.Close();
        }
        w.Close();
        w.Line();
    }
}
