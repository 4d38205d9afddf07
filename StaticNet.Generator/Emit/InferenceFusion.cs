using System.Linq;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// Inference-only fusion of consecutive layers into one kernel call in <c>ForwardRows</c> (issue 20): a Conv2D with bias
/// and no activation or ReLU, followed by MaxPool2D(2) (2×2 windows, stride 2), and optionally by a Flatten, runs as
/// one <c>ConvPoolKernels.ForwardMaxPool</c> that writes only the pooled values (flattened straight into the Flatten's
/// output), so the convolution's output never goes to memory and the separate ReLU, pool and reorder passes disappear.
/// The result is bit for bit the unfused layers' (the kernel's contract, tested).
/// </summary>
/// <remarks>
/// Only where <c>ForwardRows</c> is never followed by a backward pass, which reads the skipped layers' outputs: networks
/// with a separate training forward pass (Dropout, BatchNorm), and networks without a loss or caller gradients. Only
/// when the convolution's output is read by the pool alone (and the pool's by the Flatten alone), and neither is the
/// network's output.
/// </remarks>
internal static class InferenceFusion
{
    /// <summary>Whether <c>ForwardRows</c> serves inference only, so that it may skip intermediate outputs.</summary>
    public static bool Allowed(ShapedNetwork network) =>
        network.HasTrainingMode || (network.Spec.Loss == LossKind.None && !network.HasInputGradient);

    /// <summary>
    /// The fused call for the run of layers starting at <paramref name="index"/>, and the last layer it covers; false when
    /// no fusion starts there.
    /// </summary>
    public static bool TryConvPool(Wiring wiring, int index, out string call, out int last)
    {
        call = "";
        last = index;
        ShapedNetwork network = wiring.Network;
        var layers = network.Layers;
        ShapedLayer conv = layers[index];
        if (conv.Kind != LayerKind.Conv2D || !conv.IsLive || conv.Window is null ||
            (conv.Activation != ActivationKind.None && conv.Activation != ActivationKind.ReLU) ||
            conv.FindTensor("weight") is not { } weight || conv.FindTensor("bias") is not { } bias)
            return false;
        // Stand-alone activations fused into the convolution (their output regions alias its output) may sit in between.
        int j = index + 1;
        var aliases = new System.Collections.Generic.List<int> { index };
        while (j < layers.Count && layers[j].Fusion == LayerFusion.IntoPrevious && layers[j].Source(0) == j - 1)
            aliases.Add(j++);
        if (j >= layers.Count) return false;
        ShapedLayer pool = layers[j];
        Window? p = pool.Window;
        if (pool.Kind != LayerKind.MaxPool2D || !pool.IsLive || p is null || p.KernelHeight != 2 || p.KernelWidth != 2 ||
            p.StrideHeight != 2 || p.StrideWidth != 2 || p.PadTop != 0 || p.PadLeft != 0 || p.PadBottom != 0 || p.PadRight != 0 ||
            !aliases.Contains(pool.Source(0)) || pool.Output.PositionStride != conv.Output.PositionStride ||
            pool.Output.Height != conv.Output.Height / 2 || pool.Output.Width != conv.Output.Width / 2)
            return false;
        if (aliases.Sum(a => Readers(network, a, aliases)) != 1 || aliases.Contains(layers.Count - 1) || j == layers.Count - 1) return false;

        string id = conv.Identifier;
        string parameters = $"parameters.Slice({id}{weight.ConstantSuffix}, {weight.Length}), parameters.Slice({id}{bias.ConstantSuffix}, {bias.Length})";
        string head = $"global::StaticNet.Kernels.ConvPoolKernels.ForwardMaxPool({wiring.Input(conv)}, rows, {id}Geometry, {parameters}, " +
            $"{wiring.RegionOf(conv, "Columns")}, relu: {(conv.Activation == ActivationKind.ReLU ? "true" : "false")}, {wiring.Output(conv)}, ";
        int k = j + 1;
        if (k < layers.Count && layers[k] is { Kind: LayerKind.Flatten, IsLive: true } flatten && flatten.Source(0) == j &&
            Readers(network, j, null) == 1 && flatten.Input.ChannelStride == 1)
        {
            call = head + $"{wiring.Output(flatten)}, ySample: {flatten.Output.RowLength}, yPosition: 1, yChannel: {pool.Output.Positions}); " +
                $"// {conv.Name} + {pool.Name} + {flatten.Name}, fused: only the pooled values, in the flattened order";
            last = k;
            return true;
        }
        call = head + $"{wiring.Output(pool)}, ySample: {pool.Output.RowLength}, yPosition: {pool.Output.PositionStride}, yChannel: 1); " +
            $"// {conv.Name} + {pool.Name}, fused: only the pooled values";
        last = j;
        return true;
    }

    /// <summary>How many layers other than <paramref name="except"/> read layer <paramref name="index"/>'s output (a merge
    /// reading it twice counts twice).</summary>
    private static int Readers(ShapedNetwork network, int index, System.Collections.Generic.List<int>? except)
    {
        int count = 0;
        foreach (ShapedLayer layer in network.Layers)
            for (int k = 0; k < layer.OperandCount; k++)
                if (layer.Source(k) == index && (except is null || !except.Contains(layer.Index)))
                    count++;
        return count;
    }
}
