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
internal sealed record NetworkSpec(
    string? Namespace,
    string ClassName,
    EquatableArray<string> ContainingTypes,
    LossKind Loss,
    EquatableArray<LayerSpec> Layers,
    int NetworkAttributeIndex = -1,
    string? EmbeddedWeights = null,
    EquatableArray<string> UserMembers = default,
    string NamePrefix = "")
{
    /// <summary>The fully qualified name, for messages and hint names.</summary>
    public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;

    /// <summary>The class's name as a C# identifier (<c>@class</c> for a class called <c>class</c>).</summary>
    public string ClassIdentifier => Identifiers.Escape(ClassName);
}

/// <summary>One <c>[Input]</c> or layer attribute as written.</summary>
/// <param name="Kind">Which attribute.</param>
/// <param name="AttributeIndex">Its position among the class's StaticNet attributes, for locating diagnostics.</param>
/// <param name="Shape">For <c>[Input]</c>, the declared dimensions.</param>
/// <param name="Units">The layer's main size: Dense units, convolution filters, recurrent hidden size, pooling window,
/// embedding vocabulary.</param>
/// <param name="Activation">The fused activation (Dense, convolutions) or the recurrence's (SimpleRNN).</param>
/// <param name="Name">The explicit <c>Name</c>, or null for the default.</param>
/// <param name="Options">Everything else the attribute sets (kernel, stride, padding, rates, flags).</param>
internal sealed record LayerSpec(
    LayerKind Kind,
    int AttributeIndex,
    EquatableArray<int> Shape,
    int Units,
    ActivationKind Activation,
    string? Name,
    LayerOptions? Options = null)
{
    /// <summary>The options, or the defaults when the attribute sets none.</summary>
    public LayerOptions Settings => Options ?? LayerOptions.Default;
}

/// <summary>The settings of a layer attribute beyond its main size, with the attributes' defaults.</summary>
/// <param name="KernelHeight">Convolution kernel height (1 for Conv1D).</param>
/// <param name="KernelWidth">Convolution kernel width (or length).</param>
/// <param name="Stride">Convolution or pooling stride; 0 for pooling means the window size.</param>
/// <param name="Padding">Explicit padding per side.</param>
/// <param name="PaddingMode">Explicit, Valid or Same.</param>
/// <param name="Dilation">Convolution dilation.</param>
/// <param name="Bias">Whether a convolution has a bias.</param>
/// <param name="ReturnSequences">Whether a recurrent layer outputs every step.</param>
/// <param name="Momentum">BatchNorm momentum.</param>
/// <param name="Epsilon">BatchNorm epsilon.</param>
/// <param name="Rate">Dropout rate.</param>
/// <param name="Dimension">Embedding dimension.</param>
/// <param name="Parameter">A stand-alone activation's parameter: LeakyReLU's negative slope, ELU's alpha.</param>
internal sealed record LayerOptions(
    int KernelHeight = 0,
    int KernelWidth = 0,
    int Stride = 1,
    int Padding = 0,
    PaddingModeKind PaddingMode = PaddingModeKind.Explicit,
    int Dilation = 1,
    bool Bias = true,
    bool ReturnSequences = false,
    float Momentum = 0.1f,
    float Epsilon = 1e-5f,
    float Rate = 0f,
    int Dimension = 0,
    float Parameter = 0f)
{
    public static LayerOptions Default { get; } = new();
}
