using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of <c>[BatchNorm]</c>.</summary>
/// <param name="Momentum">The running statistics' momentum.</param>
/// <param name="Epsilon">Added to the variance.</param>
internal sealed record BatchNormOptions(float Momentum = 0.1f, float Epsilon = 1e-5f) : LayerOptions;

/// <summary>
/// <c>[BatchNorm]</c>, PyTorch's BatchNorm1d/2d: per channel over the batch (and positions) of [N], [C, L] or [C, H, W],
/// shape unchanged, over the padded channels-last layout, every position of every sample of the chunk counting toward a
/// channel's statistics. Inference normalises with the running statistics; training with the chunk's own, updating the
/// running ones and <c>num_batches_tracked</c> in the state area of the parameter buffer.
/// </summary>
internal sealed class BatchNormLayer : LayerDefinition
{
    public static readonly BatchNormLayer Instance = new();

    private BatchNormLayer() : base(LayerKind.BatchNorm, "StaticNet.BatchNormAttribute")
    {
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, 0, ActivationKind.None, name,
            new BatchNormOptions(Momentum: AttributeArguments.NamedFloat(attribute, "Momentum", 0.1f), Epsilon: AttributeArguments.NamedFloat(attribute, "Epsilon", 1e-5f)));

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        BatchNormOptions o = (BatchNormOptions)c.Layer.Options!;
        if (input.Kind == ShapeKind.Sequence)
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"BatchNorm '{c.Name}' follows a sequence {input.Text}; expected a vector [features] (BatchNorm1d), [channels, length] (BatchNorm1d) or [channels, height, width] (BatchNorm2d)"));
        if (!(o.Momentum >= 0f && o.Momentum <= 1f) || !(o.Epsilon > 0f))
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"BatchNorm '{c.Name}' has Momentum {o.Momentum} and Epsilon {o.Epsilon}; expected Momentum in [0, 1] and Epsilon > 0"));
        int channels = input.Channels, width = LayoutArithmetic.Padded(channels);
        ActivationShape output = ShapeInference.Same(input);
        c.Tensor("weight", new[] { channels }, new[] { 1 }, width, TensorInit.Ones, 0, $"[{width}]");
        c.Tensor("bias", new[] { channels }, new[] { 1 }, width, TensorInit.Zeros, 0, $"[{width}]");
        c.Tensor("running_mean", new[] { channels }, new[] { 1 }, width, TensorInit.Zeros, 0, $"[{width}]", state: true);
        c.Tensor("running_var", new[] { channels }, new[] { 1 }, width, TensorInit.Ones, 0, $"[{width}]", state: true);
        c.Tensor("num_batches_tracked", new int[0], new int[0], LayoutArithmetic.WidthAlignment, TensorInit.Zeros, 0, "a float", state: true, integer: true);
        c.OutputRegions(output, ActivationKind.None);
        c.Region("Normalized", output.RowLength, "x̂, the normalised input");
        c.Region("InverseStd", width, $"the chunk's 1/√(var + ε), [{width}]", perChunk: true);
        return (output, null);
    }

    /// <summary>
    /// A stand-alone activation after it whose derivative reads the output (ReLU, LeakyReLU, Sigmoid, Tanh, ELU) runs in
    /// place on its output (<c>Conv2d → BatchNorm2d → ReLU</c>): its backward pass reads x̂, not y, so y is free to change.
    /// </summary>
    public override bool TakesActivation(LayerSpec layer, ActivationKind function) =>
        layer.Activation == ActivationKind.None && function is ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.Sigmoid
            or ActivationKind.Tanh or ActivationKind.ELU;

    public override bool NeedsChannelsLastInput => true;

    public override bool ReadsRank2InputAsChannels => true;

    public override string TensorExample(string name) => $", e.g. '{name}.weight'";

    public override bool HasTrainingMode => true;

    public override bool ShowsInTopology => false;

    /// <summary>BatchNorm1d or BatchNorm2d; one multiply-add per value in inference (γ/σ and β − μγ/σ folded).</summary>
    public override LayerRow Row(ShapedLayer layer) =>
        new(layer.Output.Kind == ShapeKind.Spatial2D ? "BatchNorm2d" : "BatchNorm1d", layer.Output.Size);

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary><c>BatchNormalization</c> in inference form, with the running statistics.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer)
    {
        string n = layer.Name;
        w.Line($"x = onnx.BatchNormalization(x, {Quote(n + ".weight")}, {Quote(n + ".bias")}, {Quote(n + ".running_mean")}, {Quote(n + ".running_var")}, {Literal(((BatchNormOptions)layer.Spec.Options!).Epsilon)});");
        WriteOnnxActivation(w, layer);
    }

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        var o = (BatchNormOptions)layer.Spec.Options!;
        string module = layer.Output.Kind == ShapeKind.Spatial2D ? "BatchNorm2d" : "BatchNorm1d";
        return WithPyTorchActivation(layer, $"nn.{module}({layer.Input.Channels}, eps={Text(o.Epsilon)}, momentum={Text(o.Momentum)})");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) => training
        ? $"{layer.Identifier}TrainingForward(parameters, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Normalized")}, {wiring.RegionOf(layer, "InverseStd")}, {wiring.Output(layer)}, rows, statistics);"
        : $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? CommitStatisticsCall(ShapedLayer layer) => $"{layer.Identifier}CommitStatistics(parameters, statistics);";

    public override IEnumerable<(string Suffix, bool IsMethod)> ExtraMembers(bool trainable)
    {
        foreach ((string Suffix, bool IsMethod) member in base.ExtraMembers(trainable)) yield return member;
        if (trainable) yield return ("CommitStatistics", true);
    }

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        string dy = wiring.OutputDelta(layer);
        string dx = wiring.InputDelta(layer) ?? dy; // a first layer: the input's gradient is not needed, so it overwrites dy
        string y = layer.Activation == ActivationKind.None ? "" : wiring.Output(layer) + ", ";
        return $"{layer.Identifier}Backward(parameters, gradients, {wiring.RegionOf(layer, "Normalized")}, {wiring.RegionOf(layer, "InverseStd")}, {y}{dy}, {dx}, rows);";
    }

    /// <summary>A state tensor's place in a chunk's copy of the state area, which starts at <c>TrainableLength</c>.</summary>
    private static string StatisticsSlice(ShapedLayer layer, string suffix)
    {
        TensorSpec tensor = Tensor(layer, suffix);
        return $"statistics.Slice({layer.Identifier}{tensor.ConstantSuffix} - TrainableLength, {tensor.Length})";
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        ActivationShape shape = layer.Output;
        int positions = shape.Positions, width = shape.PositionStride;
        string module = shape.Kind == ShapeKind.Spatial2D ? "BatchNorm2d" : "BatchNorm1d";
        BatchNormOptions o = (BatchNormOptions)layer.Spec.Options!;
        string momentum = Literal(o.Momentum), epsilon = Literal(o.Epsilon);
        WriteBanner(w, layer, $"BatchNorm {shape.Text} ({module} over {shape.Channels} channels), momentum {Text(o.Momentum)}, ε {Text(o.Epsilon)}");
        string rowText = positions == 1 ? $"[rows, {width}]" : $"[rows, {positions}, {width}]";
        string arguments = $"rows, positions: {positions}, channels: {width}";
        string weight = TensorSlice(layer, "weight", "parameters"), bias = TensorSlice(layer, "bias", "parameters");
        ActivationKind activation = layer.Activation; // the stand-alone activation after it, fused: in place on y
        string activationSizes = $"{Wiring.Rows(positions)}, columns: {shape.Channels}, stride: {width}";
        string applied = activation == ActivationKind.None ? "" : $", then {activation}(y) in place";
        string mean = TensorSlice(layer, "running_mean", "parameters"), variance = TensorSlice(layer, "running_var", "parameters");

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward in inference: x {rowText} → y = γ·(x − running_mean)/√(running_var + ε) + β{applied}.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"{Kernels}BatchNormKernels.ForwardInference(x, {arguments}, {weight}, {bias},");
        w.Line($"    {mean}, {variance}, epsilon: {epsilon}, y);");
        if (activation != ActivationKind.None) w.Line($"{Kernels}ActivationKernels.{activation}(y, {activationSizes});");
        w.Close();
        w.Line();
        if (!wiring.Trains) return;

        string over = positions == 1 ? "the chunk's rows" : $"the chunk's rows × {positions} positions";
        // The chunk's statistics go to its copy of the state area (the same offsets, less TrainableLength).
        string batchMean = StatisticsSlice(layer, "running_mean"), batchVariance = StatisticsSlice(layer, "running_var");
        w.Line("/// <summary>");
        w.Line($"/// {Identifiers.Doc(layer.Name)} forward in training: x {rowText} → y = γ·x̂ + β, x̂ normalised with the mean and variance over {over}{applied};");
        w.Line("/// writes that mean and the unbiased variance to the chunk's <paramref name=\"statistics\"/> for <c>" + id + "CommitStatistics</c>.");
        w.Line("/// </summary>");
        w.Hot();
        w.Open($"private static void {id}TrainingForward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} normalized, {Span} inverseStd, {Span} y, int rows, {Span} statistics)");
        w.Line($"{Kernels}BatchNormKernels.ForwardTrainingChunk(x, {arguments}, {weight}, {bias},");
        w.Line($"    {batchMean}, {batchVariance}, epsilon: {epsilon}, normalized, inverseStd, y);");
        if (activation != ActivationKind.None) w.Line($"{Kernels}ActivationKernels.{activation}(y, {activationSizes});");
        w.Close();
        w.Line();

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)}: folds one chunk's statistics into the running ones (momentum {Text(o.Momentum)}) and counts the chunk, as PyTorch's train() mode.</summary>");
        w.Open($"private static void {id}CommitStatistics({Span} parameters, {ReadOnlySpan} statistics)");
        w.Line($"{Kernels}BatchNormKernels.UpdateRunningStatistics({width}, {mean}, {variance},");
        w.Line($"    {batchMean}, {batchVariance}, momentum: {momentum});");
        w.Line($"parameters[{id}NumBatchesTracked] += 1f;");
        w.Close();
        w.Line();

        string through = activation == ActivationKind.None ? "" : $" (first through {activation}, from y: dy overwritten)";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy {rowText}{through} → dγ, dβ (accumulated), dx (may be dy itself) through the batch statistics.</summary>");
        w.Hot();
        string dyParameter = activation == ActivationKind.None ? $"{ReadOnlySpan} dy" : $"{ReadOnlySpan} y, {Span} dy";
        w.Open($"private static void {id}Backward({ReadOnlySpan} parameters, {Span} gradients, {ReadOnlySpan} normalized, {ReadOnlySpan} inverseStd, {dyParameter}, {Span} dx, int rows)");
        if (activation != ActivationKind.None) w.Line($"{Kernels}ActivationKernels.{activation}Backward(y, dy, {activationSizes});");
        w.Line($"{Kernels}BatchNormKernels.Backward(dy, {arguments}, {weight}, normalized, inverseStd,");
        w.Line($"    {TensorSlice(layer, "weight", "gradients")}, {TensorSlice(layer, "bias", "gradients")}, dx);");
        w.Close();
        w.Line();
    }
}
