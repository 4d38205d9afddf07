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

    /// <summary>The layer whose output this layer reads first (the one before it, or From's), or null for the network's input.</summary>
    public ShapedLayer? Previous(ShapedLayer layer) => layer.Source(0) is var source && source >= 0 ? Network.Layers[source] : null;

    /// <summary>The layer's input: the network's <c>x</c>, its channels-last copy, or the output region it reads.</summary>
    public string Input(ShapedLayer layer) => Operand(layer, 0);

    /// <summary>Operand <paramref name="k"/> of the layer (a merge reads several): as <see cref="Input"/>.</summary>
    public string Operand(ShapedLayer layer, int k)
    {
        int source = layer.Source(k);
        if (source >= 0) return Output(Network.Layers[source]);
        return Network.ReadsInputCopy(layer) ? $"activations.Slice(InputCopy, rows * {Network.PaddedInput.RowLength})" : "x";
    }

    /// <summary>The layer's output region in <c>activations</c>.</summary>
    public string Output(ShapedLayer layer) => RegionOf(layer, "Output", "activations");

    /// <summary>The gradient of the layer's output, in <c>deltas</c>.</summary>
    public string OutputDelta(ShapedLayer layer) => RegionOf(layer, "Output", "deltas");

    /// <summary>The gradient of the layer's input, or null when it reads the network's input (which needs none).</summary>
    public string? InputDelta(ShapedLayer layer) => OperandDelta(layer, 0);

    /// <summary>
    /// Where the gradient of operand <paramref name="k"/> goes, or null for the network's input: the source's <c>Output</c>
    /// gradient, or, when another layer also reads the source, one of its <c>Gradient2</c>… regions (summed before its backward pass).
    /// </summary>
    public string? OperandDelta(ShapedLayer layer, int k) => layer.Source(k) switch
    {
        >= 0 and var source => RegionOf(Network.Layers[source], layer.DeltaRegion(k), "deltas"),
        ShapedNetwork.DifferentiatedInputSource => InputGradientRegion(layer.DeltaRegion(k)),
        _ => null,
    };

    /// <summary>One of the input gradient regions (<c>GradientsFromCaller</c>) in <c>deltas</c>.</summary>
    public string InputGradientRegion(string name)
    {
        foreach (Region region in Network.InputGradientRegions)
            if (region.Name == name)
                return $"deltas.Slice({name}, rows * {region.Length})";
        throw new System.InvalidOperationException($"no input gradient region {name}");
    }

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
        if (layer.Source(0) == ShapedNetwork.DifferentiatedInputSource)
            flags += ", input: inputGradient"; // the network's input: only Backward asks for its gradient
        else if (!layer.IsFirst && Network.HasInputGradient)
            flags += $", input: inputGradient || first < {layer.Index}"; // Backward's input gradient runs through frozen layers too
        else if (!layer.IsFirst)
            flags += layer.Index <= Network.FirstTrainableLayer ? ", input: false" : $", input: first < {layer.Index}";
        return flags;
    }

    /// <summary><c>rows</c>, or <c>rows * positions</c> for a layer that treats each position as a row (per-step Dense).</summary>
    public static string Rows(int positions) => positions == 1 ? "rows" : $"rows * {positions}";
}
