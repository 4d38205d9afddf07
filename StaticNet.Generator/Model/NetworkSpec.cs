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
internal sealed record NetworkSpec(
    string? Namespace,
    string ClassName,
    EquatableArray<string> ContainingTypes,
    LossKind Loss,
    EquatableArray<LayerSpec> Layers,
    int NetworkAttributeIndex = -1,
    string? EmbeddedWeights = null)
{
    /// <summary>The fully qualified name, for messages and hint names.</summary>
    public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;
}

/// <summary>One <c>[Input]</c> or layer attribute as written.</summary>
/// <param name="Kind">Which attribute.</param>
/// <param name="AttributeIndex">Its position among the class's StaticNet attributes, for locating diagnostics.</param>
/// <param name="Shape">For <c>[Input]</c>, the declared dimensions.</param>
/// <param name="Units">For <c>[Dense]</c>, the number of outputs.</param>
/// <param name="Activation">For <c>[Dense]</c>, the activation.</param>
/// <param name="Name">The explicit <c>Name</c>, or null for the default.</param>
internal sealed record LayerSpec(
    LayerKind Kind,
    int AttributeIndex,
    EquatableArray<int> Shape,
    int Units,
    ActivationKind Activation,
    string? Name);
