using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>
/// The one home of a layer kind (or of a family of kinds that share their code, e.g. the four windowed pools): how its
/// attribute is read, its shape rule, its traits, how it is emitted and how it steps. Everything the rest of the generator
/// knows about a kind it asks here; <see cref="LayerDefinitions"/> lists the homes. Instances are stateless singletons.
/// </summary>
internal abstract class LayerDefinition
{
    protected const string Kernels = "global::StaticNet.Kernels.";
    protected const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    protected const string Span = "global::System.Span<float>";

    protected LayerDefinition(LayerKind kind, params string[] attributeNames)
    {
        Kind = kind;
        AttributeNames = attributeNames;
    }

    /// <summary>The kind this home describes (an identifier: the homes hold the logic).</summary>
    public LayerKind Kind { get; }

    /// <summary>The full metadata names of the attributes that declare this kind, e.g. <c>StaticNet.DenseAttribute</c>.</summary>
    public IReadOnlyList<string> AttributeNames { get; }

    // ── Reading the attribute ─────────────────────────────────────────────────────────────────────────────────────

    /// <summary>The attribute as a <see cref="LayerSpec"/>: numbers, strings and enums only, equatable for caching.</summary>
    public abstract LayerSpec Read(AttributeData attribute, int attributeIndex, string? name);

    /// <summary>Reports enum values the attribute holds that are not defined (a cast number), which cannot be generated.</summary>
    public virtual void CheckValues(LayerSpec layer, List<ShapeError> errors)
    {
    }

    // ── Shape ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// The layer's output shape (and convolution or pooling geometry) for <paramref name="input"/>, its tensors and
    /// regions added to <paramref name="c"/>; null after reporting a broken rule through <paramref name="c"/>.
    /// </summary>
    public abstract (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input);

    /// <summary>
    /// Whether the layer may stand where it is, checked before its shape rule (Embedding: only first); false after
    /// reporting why through <paramref name="c"/>.
    /// </summary>
    public virtual bool CheckPlace(LayerContext c, ActivationShape input) => true;

    /// <summary>Ends a shape rule after <see cref="LayerContext.Error"/> reported why: <c>return Fail(c.Error(...))</c>.</summary>
    protected static (ActivationShape Output, Window? Window)? Fail(ShapedLayer? reported) => null;

    /// <summary>
    /// Whether, as the first layer, it reads only the padded channels-last layout, so that the network's input is copied
    /// into that layout first (pools, BatchNorm, Dropout, stand-alone activations).
    /// </summary>
    public virtual bool NeedsChannelsLastInput => false;

    /// <summary>Whether, as the first layer, it reads a rank-2 input as <c>[channels, length]</c> rather than a <c>[steps, features]</c> sequence.</summary>
    public virtual bool ReadsRank2InputAsChannels => false;

    /// <summary>
    /// How many modules of the equivalent <c>nn.Sequential</c> the layer is, which is how far it moves the default
    /// numbering: one, and one more for a fused activation (<c>Linear</c> at i, <c>ReLU</c> at i + 1).
    /// </summary>
    public virtual int ModuleCount(LayerSpec layer) => 1;

    /// <summary>
    /// Whether its kernels can apply <paramref name="function"/>, a stand-alone activation declared right after it, as
    /// their fused activation with the same result as the stand-alone layer (asked by that layer's
    /// <see cref="FusesInto"/>). False by default; Dense and the convolutions take one when they declare none.
    /// </summary>
    public virtual bool TakesActivation(LayerSpec layer, ActivationKind function) => false;

    /// <summary>
    /// Whether this layer is fused into <paramref name="previous"/>, the layer declared before it: shape inference then
    /// shapes <paramref name="previous"/> with this layer's activation (<see cref="LayerFusion.TakesNext"/>) and this
    /// layer's rule aliases its output (<see cref="LayerContext.AliasOutput"/>). False by default (stand-alone activations decide).
    /// </summary>
    public virtual bool FusesInto(LayerSpec layer, LayerSpec previous) => false;

    /// <summary>", e.g. 'fc.weight'": one tensor this kind names after itself, for messages; empty for a layer without tensors.</summary>
    public virtual string TensorExample(string name) => "";

    // ── Traits ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Whether its training forward pass differs from inference (BatchNorm statistics, Dropout masks).</summary>
    public virtual bool HasTrainingMode => false;

    /// <summary>Whether it draws random numbers while training (Dropout).</summary>
    public virtual bool UsesRandom => false;

    /// <summary>
    /// Whether this layer's training forward pass differs from inference: <see cref="HasTrainingMode"/>, unless its options
    /// decide (a stacked recurrent layer with Dropout between its layers, attention dropout).
    /// </summary>
    public virtual bool TrainsDifferently(LayerSpec layer) => HasTrainingMode;

    /// <summary>Whether this layer draws random numbers while training: <see cref="UsesRandom"/>, unless its options decide (the same dropouts).</summary>
    public virtual bool DrawsRandom(LayerSpec layer) => UsesRandom;

    /// <summary>Whether it reads token ids (the network's input is then ids, one per step).</summary>
    public virtual bool TakesTokens => false;

    /// <summary>Whether it changes the shape, so that the one-line topology shows its output.</summary>
    public virtual bool ShowsInTopology => true;

    /// <summary>The header's Kind column (<c>Dense</c>; a stand-alone activation's module, <c>ReLU</c>).</summary>
    public virtual string KindText(ShapedLayer layer) => Kind.ToString();

    /// <summary>The header's Activation column: the fused activation, or empty.</summary>
    public virtual string ActivationText(ShapedLayer layer) => layer.DeclaredActivation == ActivationKind.None ? "" : layer.DeclaredActivation.ToString();

    /// <summary>The class documentation's term for the layer: <c>Dense, ReLU</c>, <c>LeakyReLU(negative_slope=0.2)</c>.</summary>
    public virtual string DocumentationText(ShapedLayer layer) =>
        layer.Kind + (layer.DeclaredActivation == ActivationKind.None ? "" : ", " + layer.DeclaredActivation);

    /// <summary>Whether the methods' banner names the layer's activation (not when the activation is the kind itself).</summary>
    protected virtual bool BannerShowsActivation => true;

    /// <summary>A statement the constructor runs after drawing the layer's tensors (Embedding: zero the padding row), or null.</summary>
    public virtual string? AfterInitialization(ShapedLayer layer) => null;

    /// <summary>
    /// Its generated members other than its tensors', regions' and <c>Forward</c>/<c>Backward</c>/<c>Step</c>, as suffixes
    /// of its identifier (a field such as <c>Geometry</c>, or a method such as <c>TrainingForward</c>).
    /// </summary>
    public virtual IEnumerable<(string Suffix, bool IsMethod)> ExtraMembers(bool trainable)
    {
        if (trainable && HasTrainingMode) yield return ("TrainingForward", true);
    }

    /// <summary>Its extra members for this layer's options: <see cref="ExtraMembers(bool)"/>, unless its options decide.</summary>
    public virtual IEnumerable<(string Suffix, bool IsMethod)> ExtraMembers(LayerSpec layer, bool trainable) => ExtraMembers(trainable);

    // ── Metadata ───────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// The layer's row of the generated <c>Layers</c> table (<c>StaticNet.LayerInfo</c>) beyond what every layer has (name,
    /// kind, shapes, parameters): the equivalent PyTorch module(s) and the multiply-adds of one sample's forward pass.
    /// The default: the Kind column, no multiply-adds.
    /// </summary>
    public virtual LayerRow Row(ShapedLayer layer) => new(KindText(layer), 0);

    /// <summary>A module type with the fused activation's module after it: <c>Linear + ReLU</c>.</summary>
    protected static string WithActivation(string module, ShapedLayer layer) =>
        layer.DeclaredActivation == ActivationKind.None ? module : module + " + " + layer.DeclaredActivation;

    // ── Freezing ───────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// Whether its backward method takes the flags of <see cref="Wiring.BackwardFlags"/> (<c>weights</c> unless the layer
    /// is declared <c>Trainable = false</c>, when it has no code for its parameters' gradients; <c>input</c> unless it is
    /// the first layer) and skips the work they turn off. A layer with parameters that does not (the default) computes
    /// its gradients anyway and <c>BackwardRows</c> clears them while it is frozen, which is right but not faster.
    /// </summary>
    public virtual bool SkipsFrozenWork => false;

    /// <summary>The backward method's flag parameters for <see cref="SkipsFrozenWork"/>: <c>, bool weights, bool input</c>, as they apply.</summary>
    protected static string BackwardFlagParameters(ShapedLayer layer) =>
        (layer.IsTrainable ? ", bool weights" : "") + (layer.IsFirst ? "" : ", bool input");

    /// <summary>
    /// The statement that folds one chunk's training statistics (written by its training forward into <c>statistics</c>,
    /// the chunk's copy of the state area) into the state in <c>parameters</c>, or null when it keeps none. The training
    /// call runs it for each chunk in chunk order after every chunk ran, so the state does not depend on the threads.
    /// </summary>
    public virtual string? CommitStatisticsCall(ShapedLayer layer) => null;

    // ── Streaming (Step) ───────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Whether it carries state from one time step to the next (the recurrent layers).</summary>
    public virtual bool IsRecurrent => false;

    /// <summary>Whether it is the identity at inference (Dropout): <c>Step</c> skips it and it needs no step state.</summary>
    public virtual bool IsIdentityAtInference => false;

    /// <summary>Why this layer prevents a streaming <c>Step</c>, or null when it can run one time step at a time.</summary>
    public virtual string? WhyNoStep(ShapedLayer layer) => $"{layer.Kind} '{layer.Name}' cannot run one time step at a time";

    /// <summary>The floats of the streaming state it needs: one step's output, or a recurrent layer's h, c and scratch.</summary>
    public virtual int StepStateLength(ShapedLayer layer) => layer.Output.PositionStride;

    /// <summary>What its streaming state holds, for the generated comment.</summary>
    public virtual string StepStateText(ShapedLayer layer) => "one step's output, [" + layer.Output.PositionStride + "]";

    /// <summary>Writes the layer's part of <c>Step</c>, advancing <paramref name="s"/> (its current value, the next layer).</summary>
    public virtual void WriteStep(CodeWriter w, StepWriter s, ShapedLayer layer) =>
        throw new System.InvalidOperationException($"{layer.Kind} cannot step");

    // ── Loss terms ─────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// An expression adding the layer's own term to the chunk's summed loss (the KL divergence of <c>Reparameterize</c>),
    /// or null (the default) for a layer without one. It reads the chunk's <c>activations</c>, <c>rows</c>, <c>start</c>,
    /// <c>scale</c> (the loss's 1/divisor) and <c>weights</c> (the samples' weights, possibly empty); with
    /// <paramref name="gradient"/> (a training chunk, after the training forward pass) it also writes the term's gradient
    /// times <c>scale</c> where its backward pass reads it.
    /// </summary>
    public virtual string? PenaltyCall(Wiring wiring, ShapedLayer layer, bool gradient) => null;

    /// <summary>The layer's term for the loss's documentation (<c>the KL divergence …</c>), or null without one.</summary>
    public virtual string? PenaltyText(ShapedLayer layer) => null;

    // ── Export (SaveOnnx, PyTorchSource) ───────────────────────────────────────────────────────────────────────────

    /// <summary>The runtime's ONNX graph builder type, for the statements <see cref="WriteOnnx"/> writes.</summary>
    protected const string Onnx = "global::StaticNet.IO.Onnx.OnnxGraphBuilder";

    /// <summary>
    /// Writes the layer's part of the generated <c>SaveOnnx</c>: statements that add its ONNX nodes through <c>onnx</c> (an
    /// <c>OnnxGraphBuilder</c>), reading the name of its input value from the local <c>x</c> and assigning its output's name to
    /// it. Tensors are PyTorch's (<c>[N, ...]</c>, channels first), the weights initializers under their safetensors names
    /// (<c>layer.Name + "." + suffix</c>). The default writes a call that throws <see cref="System.NotSupportedException"/>
    /// naming the layer and <see cref="WhyNoOnnx"/>.
    /// </summary>
    public virtual void WriteOnnx(CodeWriter w, ShapedLayer layer) =>
        w.Line($"x = {Onnx}.Unsupported(\"{layer.Kind}\", {Quote(layer.Name)}, {Quote(WhyNoOnnx(layer))});");

    /// <summary>A string as a C# literal.</summary>
    public static string Quote(string text) => Identifiers.Literal(text);

    /// <summary>Why the default <see cref="WriteOnnx"/> cannot export the layer (every home that exports overrides it).</summary>
    public virtual string WhyNoOnnx(ShapedLayer layer) => "its kind has no ONNX export";

    /// <summary>
    /// The layer as PyTorch modules for the generated <c>PyTorchSource</c>: each a module name (a key of the
    /// <c>nn.Sequential</c>'s <c>OrderedDict</c>, so that the state_dict's names are the safetensors names) and its constructor
    /// expression, using the helper modules of <c>PyTorchSource</c>'s preamble. Null when the kind has none (the source then
    /// raises <c>NotImplementedError</c> naming the layer).
    /// </summary>
    public virtual IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer) => null;

    /// <summary>The fused activation the layer declared as an ONNX node after its own: <c>x = onnx.Activation(x, "ReLU", 0f);</c>.</summary>
    protected static void WriteOnnxActivation(CodeWriter w, ShapedLayer layer)
    {
        if (layer.DeclaredActivation == ActivationKind.None) return;
        w.Line($"x = onnx.Activation(x, \"{layer.DeclaredActivation}\", {Literal(FusedParameter(layer.DeclaredActivation))});");
    }

    /// <summary>The parameter of a fused activation: LeakyReLU's slope 0.01, ELU's alpha 1, as the kernels apply them.</summary>
    protected static float FusedParameter(ActivationKind function) =>
        function switch { ActivationKind.LeakyReLU => 0.01f, ActivationKind.ELU => 1f, _ => 0f };

    /// <summary>The PyTorch module of a fused activation (<c>nn.ReLU()</c>), or null for none.</summary>
    protected static string? PyTorchActivation(ActivationKind function, float parameter) => function switch
    {
        ActivationKind.None => null,
        ActivationKind.ReLU => "nn.ReLU()",
        ActivationKind.LeakyReLU => $"nn.LeakyReLU({Text(parameter)})",
        ActivationKind.Sigmoid => "nn.Sigmoid()",
        ActivationKind.Tanh => "nn.Tanh()",
        ActivationKind.Softmax => "nn.Softmax(dim=-1)",
        ActivationKind.GELU => "nn.GELU()",
        ActivationKind.SiLU => "nn.SiLU()",
        ActivationKind.ELU => $"nn.ELU({Text(parameter)})",
        _ => null,
    };

    /// <summary>
    /// The module name that follows <paramref name="layer"/> for its fused activation: the next index of a numbered
    /// <c>nn.Sequential</c> (<c>Linear</c> at 3, <c>ReLU</c> at 4), or the name with <c>_act</c> for a named layer.
    /// </summary>
    protected static string NextModuleName(ShapedLayer layer)
    {
        string name = PyTorchName(layer);
        int dot = name.LastIndexOf('.');
        return int.TryParse(name.Substring(dot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
            ? name.Substring(0, dot + 1) + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : name + "_act";
    }

    /// <summary>The layer's module path in the PyTorch module: its name, dotted names nested (<c>layers.0</c>).</summary>
    protected static string PyTorchName(ShapedLayer layer) => layer.Name;

    /// <summary>The layer's module then its declared activation's, as <see cref="PyTorchModules"/> lists them.</summary>
    protected static IEnumerable<(string Name, string Module)> WithPyTorchActivation(ShapedLayer layer, string module)
    {
        yield return (PyTorchName(layer), module);
        if (PyTorchActivation(layer.DeclaredActivation, FusedParameter(layer.DeclaredActivation)) is { } activation)
            yield return (NextModuleName(layer), activation);
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>The statement that runs the layer forward; <paramref name="training"/> for the training pass (BatchNorm, Dropout).</summary>
    public abstract string ForwardCall(Wiring wiring, ShapedLayer layer, bool training);

    /// <summary>The statement that runs the layer backward, or null when it has nothing to do.</summary>
    public abstract string? BackwardCall(Wiring wiring, ShapedLayer layer);

    /// <summary>
    /// The ranges of the gradient buffer, <c>(start, length)</c>, that the layer's backward call writes rather than adds to
    /// when <c>BackwardRows</c>' <c>overwrite</c> is set and the layer trains (not frozen, at or after <c>first</c>): its
    /// <see cref="BackwardCall"/> then passes <c>overwrite</c> on, and <c>BackwardRows</c> clears every other range first,
    /// so a chunk's gradient buffer needs no clearing pass (issue 20). None by default: the layer accumulates.
    /// </summary>
    public virtual (int Start, int Length)[] OverwrittenGradients(ShapedLayer layer) => System.Array.Empty<(int, int)>();

    /// <summary>Writes the layer's methods (forward, and backward when the network trains).</summary>
    public abstract void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer);

    /// <summary>A float as a C# literal that reads back as the same float, e.g. <c>0.1f</c>, <c>1E-05f</c>.</summary>
    public static string Literal(float value) => Text(value) + "f";

    /// <summary>A float for a comment, e.g. <c>0.1</c>, <c>1E-05</c>.</summary>
    public static string Text(float value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The banner line that opens a layer's methods: <c>// ── name: Kind [in] → [out], Activation ──</c>.</summary>
    protected void WriteBanner(CodeWriter w, ShapedLayer layer, string description)
    {
        string activation = layer.Activation == ActivationKind.None || !BannerShowsActivation ? ""
            : ", " + layer.Activation + (layer.Fusion == LayerFusion.TakesNext ? " (the next layer's, fused)" : "");
        string text = $"{layer.Name}: {description}{activation} ";
        w.Line($"// ── {text}{new string('─', System.Math.Max(4, 110 - text.Length))}");
        w.Line();
    }

    /// <summary>A tensor's slice of <paramref name="buffer"/>, its length the model's (<see cref="TensorSpec.Length"/>): <c>parameters.Slice(Fc1Bias, 16)</c>.</summary>
    protected static string TensorSlice(ShapedLayer layer, string suffix, string buffer)
    {
        TensorSpec tensor = Tensor(layer, suffix);
        return $"{buffer}.Slice({layer.Identifier}{tensor.ConstantSuffix}, {tensor.Length})";
    }

    /// <summary>
    /// A tensor stored as a matrix of rows <paramref name="width"/> floats wide: its slice of <paramref name="buffer"/>, the
    /// model's length written as rows × width (<c>parameters.Slice(Fc1Weight, 784 * 128)</c>).
    /// </summary>
    protected static string MatrixSlice(ShapedLayer layer, string suffix, string buffer, int width)
    {
        TensorSpec tensor = Tensor(layer, suffix);
        if (width <= 0 || tensor.Length % width != 0)
            throw new System.InvalidOperationException($"{layer.Name}.{suffix} holds {tensor.Length} floats, not rows of {width}");
        return $"{buffer}.Slice({layer.Identifier}{tensor.ConstantSuffix}, {tensor.Length / width} * {width})";
    }

    protected static TensorSpec Tensor(ShapedLayer layer, string suffix) =>
        layer.FindTensor(suffix) ?? throw new System.InvalidOperationException($"{layer.Name} has no tensor {suffix}");

    /// <summary><c>[rows, width]</c> or <c>[rows, positions, width]</c>: a padded channels-last region in doc comments.</summary>
    protected static string RowText(ActivationShape shape) =>
        shape.Positions == 1 ? $"[rows, {shape.PositionStride}]" : $"[rows, {shape.Positions}, {shape.PositionStride}]";
}

/// <summary>What a home adds to its layer's row of the generated <c>Layers</c> table (see <see cref="LayerDefinition.Row"/>).</summary>
/// <param name="ModuleType">The equivalent PyTorch module(s), e.g. <c>Linear + ReLU</c>.</param>
/// <param name="MultiplyAdds">The multiply-adds of one sample's forward pass.</param>
internal sealed record LayerRow(string ModuleType, long MultiplyAdds);
