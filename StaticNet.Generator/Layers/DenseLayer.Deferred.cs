using StaticNet.Generator.Emit;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>
/// Issue 20, the deferred weight gradient: in a training call of several chunks, the first Dense layer that reads the
/// network's own float input (every chunk's <c>x</c> is then a slice of the call's inputs) leaves its weight gradient to
/// <c>ParallelBatch</c>, which computes it once after the chunks, in chunk order (the same bits); its chunks copy their
/// <c>dy</c> to <c>ParallelBatch.DeferredRows</c> and compute the bias gradient only.
/// </summary>
internal sealed partial class DenseLayer
{
    /// <summary>The name of <c>BackwardRows</c>' and the layer backward's parameter: where the chunk's dy goes (empty: not deferred).</summary>
    public const string DeferredParameter = "deferredDy";

    /// <summary>
    /// The layer whose weight gradient <paramref name="network"/>'s training calls defer, or null: the first Dense matrix
    /// layer that overwrites its gradients (trainable, live) and reads the network's float input itself, one row per sample.
    /// </summary>
    public static ShapedLayer? DeferredLayer(ShapedNetwork network)
    {
        if (network.TakesTokens || network.InputCopyOffset >= 0 || network.Input.Kind != ShapeKind.Vector) return null;
        var wiring = new Wiring(network);
        foreach (ShapedLayer layer in network.Layers)
        {
            if (layer.Definition is not DenseLayer || !Overwrites(layer) || layer.Output.Positions != 1 ||
                layer.Input.Kind != ShapeKind.Vector || wiring.Input(layer) != "x")
                continue;
            return layer.Input.PositionStride == network.InputSize && layer.Input.Channels <= layer.Input.PositionStride ? layer : null;
        }
        return null;
    }

    private static bool IsDeferred(Wiring wiring, ShapedLayer layer) => DeferredLayer(wiring.Network) is { } deferred && deferred.Index == layer.Index;

    /// <summary>
    /// The line of <c>Evaluate</c> that asks the training call to defer the layer's weight gradient (before <c>RunTraining</c>),
    /// or null when the network defers none.
    /// </summary>
    public static string? DeferralRequest(ShapedNetwork network)
    {
        if (DeferredLayer(network) is not { } layer) return null;
        return $"batch.DeferWeightGradient({layer.Identifier}{Tensor(layer, "weight").ConstantSuffix}, inputs: {layer.Input.Channels}, " +
            $"width: {layer.Output.PositionStride}, xStride: {layer.Input.PositionStride}, trains: !_frozen[{layer.Index}]); " +
            $"// {layer.Name}'s weight gradient: once after the chunks, in chunk order (see {layer.Identifier}Backward)";
    }
}
