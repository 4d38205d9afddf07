using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// Where a network's <c>TrainStep</c> may fuse the optimizer's update into a backward kernel (runtime
/// <c>StaticNet.Kernels.FusedStep</c>): the weight gradient of the first layer, when it is a trainable Dense layer of
/// one position (not a dot product) reading the network's input. Its backward pass runs last and computes no input
/// gradient, so every other gradient is final before it and nothing reads its weights after it. Not with an input
/// gradient for the caller (<c>Backward</c>), whose first layer computes dx from the weights.
/// </summary>
internal static class FusedStepEmission
{
    /// <summary>The layer whose weight gradient takes the fused step, or null.</summary>
    public static ShapedLayer? Layer(ShapedNetwork network)
    {
        if (network.Layers.Count == 0 || network.HasInputGradient || network.Spec.Loss == LossKind.None) return null;
        ShapedLayer layer = network.Layers[0];
        return layer.Definition is DenseLayer && layer.IsFirst && layer.IsTrainable && layer.IsLive &&
            layer.Output.Positions == 1 && !DenseLayer.IsDot(layer) ? layer : null;
    }

    /// <summary>Whether the network fuses its optimizer step into a backward kernel.</summary>
    public static bool Applies(ShapedNetwork network) => Layer(network) is not null;

    /// <summary>Whether <paramref name="layer"/> is the one that takes the fused step.</summary>
    public static bool Takes(ShapedNetwork network, ShapedLayer layer) => Layer(network)?.Index == layer.Index;
}
