namespace StaticNet.Generator.Model;

/// <summary>
/// A network as the user declared it: the attributes on one partial class, as strings, numbers and enums.
/// This is the incremental cache boundary: no symbols, syntax or locations, so equal declarations compare equal.
/// </summary>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="ClassName">The class's name.</param>
/// <param name="ContainingTypes">Declarations of the types that contain the class, outermost first (e.g. <c>partial class Outer</c>).</param>
/// <param name="Loss">The <c>[Network(Loss = ...)]</c> value.</param>
/// <param name="Layers">The <c>[Input]</c> and layer attributes in source order.</param>
/// <param name="NetworkAttributeIndex">The position of <c>[Network]</c> among the class's attributes, or -1 without one.</param>
/// <param name="EmbeddedWeights">The manifest resource with the trained weights (<c>[Network(EmbeddedWeights = ...)]</c>), or null.</param>
/// <param name="UserMembers">
/// The keys (<see cref="Shapes.GeneratedMembers.Key"/>) of the members the user wrote that could clash with generated
/// ones: a network with a clash generates nothing, and the analyzer reports SNET015 on the user's member.
/// </param>
/// <param name="NamePrefix">
/// <c>[Network(NamePrefix = ...)]</c>: the module path put before every layer name (<c>"layers."</c>), or empty for the
/// names of a bare <c>nn.Sequential</c>.
/// </param>
/// <param name="Onnx">For <c>[Network(Onnx = ...)]</c>, the embedded model and where each tensor comes from; null for attribute networks.</param>
/// <param name="HuberBeta"><c>[Network(HuberBeta = ...)]</c>: the β of <c>Loss.Huber</c> (1 by default, as PyTorch's).</param>
/// <param name="GradientsFromCaller"><c>[Network(GradientsFromCaller = true)]</c>: ForwardTraining, Backward(outputGradients, inputGradients) and ApplyGradients.</param>
internal sealed record NetworkSpec(
    string? Namespace,
    string ClassName,
    EquatableArray<string> ContainingTypes,
    LossKind Loss,
    EquatableArray<LayerSpec> Layers,
    int NetworkAttributeIndex = -1,
    string? EmbeddedWeights = null,
    EquatableArray<string> UserMembers = default,
    string NamePrefix = "",
    OnnxImport? Onnx = null,
    float HuberBeta = 1f,
    bool GradientsFromCaller = false)
{
    /// <summary>The fully qualified name, for messages and hint names.</summary>
    public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;

    /// <summary>The class's name as a C# identifier (<c>@class</c> for a class called <c>class</c>).</summary>
    public string ClassIdentifier => Identifiers.Escape(ClassName);
}

/// <summary>One <c>[Input]</c> or layer attribute as written.</summary>
/// <param name="Kind">Which attribute (an identifier: the kind's home, <see cref="Definition"/>, holds its logic).</param>
/// <param name="AttributeIndex">Its position among the class's StaticNet attributes, for locating diagnostics.</param>
/// <param name="Shape">For <c>[Input]</c>, the declared dimensions.</param>
/// <param name="Units">The layer's main size: Dense units, convolution filters, recurrent hidden size, pooling window,
/// embedding vocabulary.</param>
/// <param name="Activation">The fused activation (Dense, convolutions), the recurrence's (SimpleRNN) or a stand-alone activation's function.</param>
/// <param name="Name">The explicit <c>Name</c>, or null for the default.</param>
/// <param name="Options">Everything else the attribute sets, as its kind's own record (e.g. <c>ConvolutionOptions</c>), or null.</param>
/// <param name="Trainable">
/// The attribute's <c>Trainable</c> (every layer attribute has it, read once by the parser for all kinds): false freezes
/// the layer's parameters for good, and its backward pass is generated without their gradients.
/// </param>
/// <param name="From">
/// The attribute's <c>From</c>: the name of the earlier layer (or input) it reads instead of the layer declared before
/// it, or null for that one (every layer attribute has it, read once by the parser for all kinds).
/// </param>
/// <param name="Others">A merge's further operands (<c>[Add("a", "b")]</c>), by name; empty for every other kind.</param>
internal sealed record LayerSpec(
    LayerKind Kind,
    int AttributeIndex,
    EquatableArray<int> Shape,
    int Units,
    ActivationKind Activation,
    string? Name,
    LayerOptions? Options = null,
    bool Trainable = true,
    string? From = null,
    EquatableArray<string> Others = default)
{
    /// <summary>The home of the layer's kind (not for <c>[Input]</c>, which is not a layer).</summary>
    public Layers.LayerDefinition Definition => Layers.LayerDefinitions.Of(Kind);
}

/// <summary>
/// The settings of a layer attribute beyond its main size and activation: each kind's home declares its own sealed
/// record (<c>ConvolutionOptions</c>, <c>DropoutOptions</c>, …). Records compare by value, so specs stay equatable for
/// the incremental pipeline's caching.
/// </summary>
internal abstract record LayerOptions;
