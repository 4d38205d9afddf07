using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// The fully connected layer: <c>DenseKernels</c> on a weight stored transposed, <c>[inputs, width]</c>, or, with one
/// unit, as its PyTorch row <c>[inputs]</c> (the <c>…Dot</c> kernels). After a sequence it runs at every step, each step a row.
/// </summary>
internal sealed class DenseEmitter : LayerEmitter
{
    public static readonly DenseEmitter Instance = new();

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training)
    {
        string pre = KeepsPreActivation(layer) ? wiring.RegionOf(layer, "PreActivation") + ", " : "";
        return $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, {pre}{wiring.Output(layer)}, rows);";
    }

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        string arguments = layer.IsFirst ? "gradients, x" : $"parameters, gradients, {wiring.Input(layer)}";
        if (KeepsPreActivation(layer))
            arguments += ", " + wiring.RegionOf(layer, "PreActivation");
        else if (layer.Activation != ActivationKind.None)
            arguments += ", " + wiring.Output(layer);
        arguments += ", " + wiring.OutputDelta(layer);
        if (wiring.InputDelta(layer) is { } dx)
            arguments += ", " + dx;
        return $"{layer.Identifier}Backward({arguments}, rows);";
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        WriteBanner(w, layer, $"Dense {layer.Input.Channels} → {layer.Output.Channels}" + (layer.Output.Positions > 1 ? $" at each of {layer.Output.Positions} steps" : ""));
        WriteForward(w, layer);
        if (wiring.Trains)
            WriteBackward(w, layer);
    }

    /// <summary>A one-unit layer is a dot product: its weight is a row, <c>[inputs]</c>, and it runs the <c>…Dot</c> kernels.</summary>
    public static bool IsDot(ShapedLayer layer) => ShapeInference.IsDotProductDense(layer.Spec.Units);

    /// <summary>
    /// The weight and bias slices of <paramref name="buffer"/> (<c>parameters</c> or <c>gradients</c>): <c>[inputs, width]</c>
    /// and <c>[width]</c>, or a dot product's row <c>[inputs]</c> and its one bias.
    /// </summary>
    public static string Slices(ShapedLayer layer, string buffer)
    {
        string id = layer.Identifier;
        int inputs = layer.Input.Channels, width = layer.Output.PositionStride;
        return IsDot(layer)
            ? $"{buffer}.Slice({id}Weight, {inputs}), {buffer}.Slice({id}Bias, 1)"
            : $"{buffer}.Slice({id}Weight, {inputs} * {width}), {buffer}.Slice({id}Bias, {width})";
    }

    /// <summary>GELU's and SiLU's derivatives need their input; every other activation's derivative is a function of its output.</summary>
    public static bool KeepsPreActivation(ShapedLayer layer) => KeepsPreActivation(layer.Activation);

    /// <summary>GELU's and SiLU's derivatives need their input; every other activation's derivative is a function of its output.</summary>
    public static bool KeepsPreActivation(ActivationKind activation) => activation is ActivationKind.GELU or ActivationKind.SiLU;

    /// <summary>The ActivationKernels method of an activation that keeps its input: <c>Gelu</c> or <c>SiLU</c> (z → y).</summary>
    public static string PreActivationKernel(ActivationKind activation) => activation == ActivationKind.GELU ? "Gelu" : "SiLU";

    private static void WriteForward(CodeWriter w, ShapedLayer layer)
    {
        string id = layer.Identifier;
        int inputs = layer.Input.Channels, stride = layer.Input.PositionStride, units = layer.Output.Channels, width = layer.Output.PositionStride;
        string rows = Wiring.Rows(layer.Output.Positions);
        string rowText = layer.Output.Positions == 1 ? "rows" : $"rows × {layer.Output.Positions}";
        string formula = layer.Activation switch
        {
            ActivationKind.None => "x · W + b",
            ActivationKind.GELU or ActivationKind.SiLU => $"{layer.Activation}(z), z = x · W + b",
            _ => $"{layer.Activation}(x · W + b)",
        };
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x [{rowText}, {inputs}] → y [{rowText}, {width}] = {formula}.</summary>");
        string pre = KeepsPreActivation(layer) ? $"{Span} z, " : "";
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {pre}{Span} y, int rows)");
        string denseOutput = KeepsPreActivation(layer) ? "z" : "y";
        if (IsDot(layer))
        {
            w.Line($"{Kernels}DenseKernels.ForwardDot(x, {rows}, inputs: {inputs}, xStride: {stride},");
            w.Line($"    {Slices(layer, "parameters")}, {denseOutput}, yStride: {width});");
        }
        else
        {
            w.Line($"{Kernels}DenseKernels.Forward(x, {rows}, inputs: {inputs}, xStride: {stride},");
            w.Line($"    {Slices(layer, "parameters")}, {denseOutput}, width: {width});");
        }
        if (KeepsPreActivation(layer))
            w.Line($"{Kernels}ActivationKernels.{PreActivationKernel(layer.Activation)}(z, y, {rows}, columns: {units}, stride: {width});");
        else if (layer.Activation != ActivationKind.None)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}(y, {rows}, columns: {units}, stride: {width});");
        w.Close();
        w.Line();
    }

    private static void WriteBackward(CodeWriter w, ShapedLayer layer)
    {
        string id = layer.Identifier;
        int inputs = layer.Input.Channels, stride = layer.Input.PositionStride, units = layer.Output.Channels, width = layer.Output.PositionStride;
        string rows = Wiring.Rows(layer.Output.Positions);
        string rowText = layer.Output.Positions == 1 ? "rows" : $"rows × {layer.Output.Positions}";
        string dx = layer.IsFirst ? "; the network's input needs no gradient" : $", dx [{rowText}, {stride}]";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [{rowText}, {width}] (the gradient of y; overwritten) → dW, db (accumulated){dx}.</summary>");
        string parameters = layer.IsFirst ? "" : $"{ReadOnlySpan} parameters, ";
        string saved = KeepsPreActivation(layer) ? $"{ReadOnlySpan} z, " : layer.Activation != ActivationKind.None ? $"{ReadOnlySpan} y, " : "";
        string dxParameter = layer.IsFirst ? "" : $"{Span} dx, ";
        w.Hot();
        w.Open($"private static void {id}Backward({parameters}{Span} gradients, {ReadOnlySpan} x, {saved}{Span} dy, {dxParameter}int rows)");
        if (KeepsPreActivation(layer))
            w.Line($"{Kernels}ActivationKernels.{PreActivationKernel(layer.Activation)}Backward(z, dy, {rows}, columns: {units}, stride: {width});");
        else if (layer.Activation != ActivationKind.None)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}Backward(y, dy, {rows}, columns: {units}, stride: {width});");
        if (IsDot(layer))
        {
            w.Line($"{Kernels}DenseKernels.BackwardWeightsDot(x, {rows}, inputs: {inputs}, xStride: {stride}, dy, dyStride: {width},");
            w.Line($"    {Slices(layer, "gradients")});");
            if (!layer.IsFirst)
                w.Line($"{Kernels}DenseKernels.BackwardInputDot(dy, {rows}, dyStride: {width}, parameters.Slice({id}Weight, {inputs}), inputs: {inputs}, dx, dxStride: {stride});");
        }
        else
        {
            w.Line($"{Kernels}DenseKernels.BackwardWeights(x, {rows}, inputs: {inputs}, xStride: {stride}, dy, width: {width},");
            w.Line($"    {Slices(layer, "gradients")});");
            if (!layer.IsFirst)
                w.Line($"{Kernels}DenseKernels.BackwardInput(dy, {rows}, width: {width}, parameters.Slice({id}Weight, {inputs} * {width}), inputs: {inputs}, dx, dxStride: {stride});");
        }
        w.Close();
        w.Line();
    }
}
