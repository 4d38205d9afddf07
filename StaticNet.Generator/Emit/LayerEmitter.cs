using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// What one layer kind contributes to a network's class: the statements that run it in <c>ForwardRows</c> and
/// <c>BackwardRows</c>, and its own forward and backward methods. The buffer constants and tensors come from the layer's
/// <see cref="ShapedLayer.Tensors"/> and <see cref="ShapedLayer.Regions"/> and are written by <see cref="NetworkEmitter"/>.
/// </summary>
internal abstract class LayerEmitter
{
    protected const string Kernels = "global::StaticNet.Kernels.";
    protected const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    protected const string Span = "global::System.Span<float>";

    /// <summary>A float as a C# literal that reads back as the same float, e.g. <c>0.1f</c>, <c>1E-05f</c>.</summary>
    public static string Literal(float value) => Text(value) + "f";

    /// <summary>A float for a comment, e.g. <c>0.1</c>, <c>1E-05</c>.</summary>
    public static string Text(float value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The emitter of a layer kind.</summary>
    public static LayerEmitter For(LayerKind kind) => kind switch
    {
        LayerKind.Dense => DenseEmitter.Instance,
        LayerKind.Flatten => FlattenEmitter.Instance,
        LayerKind.SimpleRNN or LayerKind.LSTM or LayerKind.GRU => RecurrentEmitter.Instance,
        LayerKind.Embedding => EmbeddingEmitter.Instance,
        LayerKind.Conv2D or LayerKind.Conv1D => ConvolutionEmitter.Instance,
        LayerKind.MaxPool2D or LayerKind.AvgPool2D or LayerKind.MaxPool1D or LayerKind.AvgPool1D or LayerKind.GlobalAvgPool => PoolingEmitter.Instance,
        LayerKind.BatchNorm => BatchNormEmitter.Instance,
        LayerKind.Dropout => DropoutEmitter.Instance,
        LayerKind.Activation => ActivationEmitter.Instance,
        _ => throw new System.ArgumentOutOfRangeException(nameof(kind), kind, "not a layer kind"),
    };

    /// <summary>The statement that runs the layer forward; <paramref name="training"/> for the training pass (BatchNorm, Dropout).</summary>
    public abstract string ForwardCall(Wiring wiring, ShapedLayer layer, bool training);

    /// <summary>The statement that runs the layer backward, or null when it has nothing to do.</summary>
    public abstract string? BackwardCall(Wiring wiring, ShapedLayer layer);

    /// <summary>Writes the layer's methods (forward, and backward when the network trains).</summary>
    public abstract void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer);

    /// <summary>The banner line that opens a layer's methods: <c>// ── name: Kind [in] → [out], Activation ──</c>.</summary>
    protected static void WriteBanner(CodeWriter w, ShapedLayer layer, string description)
    {
        string activation = layer.Activation == ActivationKind.None || layer.Kind is LayerKind.SimpleRNN or LayerKind.Activation ? "" : ", " + layer.Activation;
        string text = $"{layer.Name}: {description}{activation} ";
        w.Line($"// ── {text}{new string('─', System.Math.Max(4, 110 - text.Length))}");
        w.Line();
    }
}

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

    /// <summary><c>rows</c>, or <c>rows * positions</c> for a layer that treats each position as a row (per-step Dense).</summary>
    public static string Rows(int positions) => positions == 1 ? "rows" : $"rows * {positions}";
}
