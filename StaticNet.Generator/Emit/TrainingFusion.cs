using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// Backward-pass fusion (issue 20, item 3): a MaxPool2D whose input is the output of a convolution with ReLU, read by the
/// pool alone, runs the ReLU's backward pass inside its own (<c>PoolKernels.MaxPoolReLUBackward</c>), and the
/// convolution's backward pass skips it: the same bits (the kernel's contract, tested), one trip over the convolution's
/// output gradient instead of two.
/// </summary>
internal static class TrainingFusion
{
    /// <summary>Whether <paramref name="pool"/>'s backward pass also runs the ReLU backward of the convolution it reads.</summary>
    public static bool PoolTakesReLU(ShapedNetwork network, ShapedLayer pool)
    {
        if (pool.Kind != LayerKind.MaxPool2D || pool.OperandCount != 1 || pool.Source(0) < 0) return false;
        ShapedLayer conv = network.Layers[pool.Source(0)];
        if (conv.Kind != LayerKind.Conv2D || conv.Activation != ActivationKind.ReLU || !conv.IsLive || !pool.IsLive ||
            conv.Index == network.Layers.Count - 1)
            return false;
        int readers = 0;
        foreach (ShapedLayer layer in network.Layers)
            for (int k = 0; k < layer.OperandCount; k++)
                if (layer.Source(k) == conv.Index) readers++;
        return readers == 1;
    }

    /// <summary>Whether <paramref name="conv"/>'s ReLU backward runs in the pool that reads it (see <see cref="PoolTakesReLU"/>).</summary>
    public static bool ReLUBackwardInPool(ShapedNetwork network, ShapedLayer conv)
    {
        foreach (ShapedLayer layer in network.Layers)
            if (layer.OperandCount == 1 && layer.Source(0) == conv.Index && PoolTakesReLU(network, layer)) return true;
        return false;
    }
}
