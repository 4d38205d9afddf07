using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// BatchNorm (PyTorch's BatchNorm1d/2d) over the padded channels-last layout, every position of every sample of the
/// chunk counting toward a channel's statistics. Inference normalises with the running statistics; training with the
/// chunk's own, updating the running ones and <c>num_batches_tracked</c> in the state area of the parameter buffer.
/// </summary>
internal sealed class BatchNormEmitter : LayerEmitter
{
    public static readonly BatchNormEmitter Instance = new();

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) => training
        ? $"{layer.Identifier}TrainingForward(parameters, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Normalized")}, {wiring.RegionOf(layer, "InverseStd")}, {wiring.Output(layer)}, rows);"
        : $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        string dy = wiring.OutputDelta(layer);
        string dx = wiring.InputDelta(layer) ?? dy; // a first layer: the input's gradient is not needed, so it overwrites dy
        return $"{layer.Identifier}Backward(parameters, gradients, {wiring.RegionOf(layer, "Normalized")}, {wiring.RegionOf(layer, "InverseStd")}, {dy}, {dx}, rows);";
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        ActivationShape shape = layer.Output;
        int positions = shape.Positions, width = shape.PositionStride;
        string module = shape.Kind == ShapeKind.Spatial2D ? "BatchNorm2d" : "BatchNorm1d";
        LayerOptions o = layer.Spec.Settings;
        string momentum = Literal(o.Momentum), epsilon = Literal(o.Epsilon);
        WriteBanner(w, layer, $"BatchNorm {shape.Text} ({module} over {shape.Channels} channels), momentum {Text(o.Momentum)}, ε {Text(o.Epsilon)}");
        string rowText = positions == 1 ? $"[rows, {width}]" : $"[rows, {positions}, {width}]";
        string arguments = $"rows, positions: {positions}, channels: {width}";
        string weight = $"parameters.Slice({id}Weight, {width})", bias = $"parameters.Slice({id}Bias, {width})";
        string mean = $"parameters.Slice({id}RunningMean, {width})", variance = $"parameters.Slice({id}RunningVar, {width})";

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward in inference: x {rowText} → y = γ·(x − running_mean)/√(running_var + ε) + β.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"{Kernels}BatchNormKernels.ForwardInference(x, {arguments}, {weight}, {bias},");
        w.Line($"    {mean}, {variance}, epsilon: {epsilon}, y);");
        w.Close();
        w.Line();
        if (!wiring.Trains) return;

        string over = positions == 1 ? "the chunk's rows" : $"the chunk's rows × {positions} positions";
        w.Line("/// <summary>");
        w.Line($"/// {Identifiers.Doc(layer.Name)} forward in training: x {rowText} → y = γ·x̂ + β, x̂ normalised with the mean and variance over {over};");
        w.Line("/// updates the running statistics (momentum, unbiased variance) and counts the batch, as PyTorch's train() mode.");
        w.Line("/// </summary>");
        w.Hot();
        w.Open($"private static void {id}TrainingForward({Span} parameters, {ReadOnlySpan} x, {Span} normalized, {Span} inverseStd, {Span} y, int rows)");
        w.Line($"{Kernels}BatchNormKernels.ForwardTraining(x, {arguments}, {weight}, {bias},");
        w.Line($"    {mean}, {variance}, momentum: {momentum}, epsilon: {epsilon}, normalized, inverseStd, y);");
        w.Line($"parameters[{id}NumBatchesTracked] += 1f;");
        w.Close();
        w.Line();

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy {rowText} → dγ, dβ (accumulated), dx (may be dy itself) through the batch statistics.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} parameters, {Span} gradients, {ReadOnlySpan} normalized, {ReadOnlySpan} inverseStd, {ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Line($"{Kernels}BatchNormKernels.Backward(dy, {arguments}, {weight}, normalized, inverseStd,");
        w.Line($"    gradients.Slice({id}Weight, {width}), gradients.Slice({id}Bias, {width}), dx);");
        w.Close();
        w.Line();
    }
}

/// <summary>
/// Inverted dropout. In training each value is kept with probability 1 − rate and scaled by 1/(1 − rate), the mask drawn
/// from the network's generator (<c>_random</c>) and kept for the backward pass; in inference the layer is the identity.
/// </summary>
internal sealed class DropoutEmitter : LayerEmitter
{
    public static readonly DropoutEmitter Instance = new();

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) => training
        ? $"{layer.Identifier}TrainingForward({wiring.Input(layer)}, {wiring.RegionOf(layer, "Mask")}, {wiring.Output(layer)}, rows, ref _random);"
        : $"{layer.Identifier}Forward({wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer) =>
        wiring.InputDelta(layer) is { } dx
            ? $"{layer.Identifier}Backward({wiring.OutputDelta(layer)}, {wiring.RegionOf(layer, "Mask")}, {dx}, rows);"
            : null; // the network's input needs no gradient

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        ActivationShape shape = layer.Output;
        int positions = shape.Positions, width = shape.PositionStride;
        string rate = Literal(layer.Spec.Settings.Rate), p = Text(layer.Spec.Settings.Rate);
        WriteBanner(w, layer, $"Dropout {shape.Text}, rate {p}");
        string rowText = positions == 1 ? $"[rows, {width}]" : $"[rows, {positions}, {width}]";
        string rows = Wiring.Rows(positions);

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward in inference: the identity, y = x {rowText}.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows)");
        w.Line("x.CopyTo(y);");
        w.Close();
        w.Line();
        if (!wiring.Trains) return;

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward in training: y = x · mask {rowText}, mask 0 with probability {p} and 1/(1 − {p}) otherwise, drawn from <paramref name=\"random\"/>.</summary>");
        w.Hot();
        w.Open($"private static void {id}TrainingForward({ReadOnlySpan} x, {Span} mask, {Span} y, int rows, ref ulong random)");
        w.Line($"{Kernels}DropoutKernels.Forward(x, {rows}, channels: {shape.Channels}, channelStride: {width}, rate: {rate}, ref random, mask, y);");
        w.Close();
        w.Line();
        if (layer.IsFirst) return;

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dx = dy · mask {rowText}.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} dy, {ReadOnlySpan} mask, {Span} dx, int rows)");
        w.Line($"{Kernels}DropoutKernels.Backward(dy, mask, {rows}, channelStride: {width}, dx);");
        w.Close();
        w.Line();
    }
}
