using System.Collections.Generic;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Shapes;

// Applies a layer's shape rule, which lives in the layer kind's home (StaticNet.Generator.Layers), and the helpers the rules share.
internal static partial class ShapeInference
{
    private static ShapedLayer? Apply(LayerContext c, ActivationShape input, HashSet<string> identifiers)
    {
        LayerSpec layer = c.Layer;
        Layers.LayerDefinition definition = layer.Definition;
        if (!definition.CheckPlace(c, input))
            return null;
        (ActivationShape Output, Window? Window)? result = definition.Infer(c, input);
        if (result is null || c.IsTooLarge) return null;
        string identifier = UniqueIdentifier(c.LocalName, c.Index, identifiers);
        return new ShapedLayer(c.Index, layer.Kind, c.Name, identifier, input, result.Value.Output, layer, result.Value.Window,
            c.Tensors, c.Regions, (int)c.ParameterCount, c.Fusion);
    }

    /// <summary>The same PyTorch shape, as a padded layer output.</summary>
    public static ActivationShape Same(ActivationShape input) =>
        ActivationShape.Padded(input.Kind, input.Dims.AsSpan().ToArray());

    /// <summary>What a shape means, for messages: "a vector", "a sequence [steps, features]", …</summary>
    public static string Describe(ActivationShape shape) => shape.Kind switch
    {
        ShapeKind.Vector => "a vector",
        ShapeKind.Sequence => "a sequence [steps, features]",
        ShapeKind.Spatial1D => "[channels, length]",
        _ => "[channels, height, width]",
    };
}
