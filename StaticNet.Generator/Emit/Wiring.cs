using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// How layers connect: the span expression of each layer's input, output, regions, tensors and their gradients, as the
/// statements in <c>ForwardRows</c>/<c>BackwardRows</c> and the layer methods' bodies name them.
/// </summary>
internal sealed class Wiring
{
    public Wiring(ShapedNetwork network) => Network = network;

    public ShapedNetwork Network { get; }

    public bool Trains => Network.Spec.Loss != LossKind.None;

    public ShapedLayer? Previous(ShapedLayer layer) => layer.IsFirst ? null : Network.Layers[layer.Index - 1];

    /// <summary>The layer's input: the network's <c>x</c>, its channels-last copy, or the previous layer's output region.</summary>
    public string Input(ShapedLayer layer)
    {
        ShapedLayer? previous = Previous(layer);
        if (previous is not null) return Output(previous);
        return Network.InputCopyOffset >= 0 ? $"activations.Slice(InputCopy, rows * {layer.Input.RowLength})" : "x";
    }

    /// <summary>The layer's output region in <c>activations</c>.</summary>
    public string Output(ShapedLayer layer) => RegionOf(layer, "Output", "activations");

    /// <summary>The gradient of the layer's output, in <c>deltas</c>.</summary>
    public string OutputDelta(ShapedLayer layer) => RegionOf(layer, "Output", "deltas");

    /// <summary>The gradient of the layer's input, or null for the first layer (the network's input needs none).</summary>
    public string? InputDelta(ShapedLayer layer) => Previous(layer) is { } previous ? OutputDelta(previous) : null;

    /// <summary>One of the layer's regions of <paramref name="buffer"/> (<c>activations</c> or <c>deltas</c>).</summary>
    public string RegionOf(ShapedLayer layer, string name, string buffer = "activations")
    {
        Region region = layer.FindRegion(name) ?? throw new System.InvalidOperationException($"{layer.Name} has no region {name}");
        return region.PerChunk
            ? $"{buffer}.Slice({layer.Identifier}{name}, {region.Length})"
            : $"{buffer}.Slice({layer.Identifier}{name}, rows * {region.Length})";
    }

    /// <summary>A tensor of the layer in <paramref name="buffer"/> (<c>parameters</c> or <c>gradients</c>).</summary>
    public string Tensor(ShapedLayer layer, string suffix, string buffer = "parameters")
    {
        TensorSpec tensor = layer.FindTensor(suffix) ?? throw new System.InvalidOperationException($"{layer.Name} has no tensor {suffix}");
        return $"{buffer}.Slice({layer.Identifier}{tensor.ConstantSuffix}, {tensor.Length})";
    }

    /// <summary>
    /// The flags a backward call passes to a layer that skips frozen work (<see cref="Layers.LayerDefinition.SkipsFrozenWork"/>):
    /// <c>weights: !frozen[i]</c> (whether to compute its parameters' gradients; none for a layer declared
    /// <c>Trainable = false</c>) and <c>input: first &lt; i</c> (whether a layer before it trains, so that it needs dx;
    /// <c>false</c> for the first layer that can train, none for the first layer).
    /// </summary>
    public string BackwardFlags(ShapedLayer layer)
    {
        string flags = layer.IsTrainable ? $", weights: !frozen[{layer.Index}]" : "";
        if (!layer.IsFirst)
            flags += layer.Index <= Network.FirstTrainableLayer ? ", input: false" : $", input: first < {layer.Index}";
        return flags;
    }

    /// <summary><c>rows</c>, or <c>rows * positions</c> for a layer that treats each position as a row (per-step Dense).</summary>
    public static string Rows(int positions) => positions == 1 ? "rows" : $"rows * {positions}";
}
