using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// A stand-alone activation layer ([ReLU], [LeakyReLU(slope)], [Sigmoid], [Tanh], [GELU], [SiLU], [ELU(alpha)],
/// [Softmax]): y = f(x) over each position's channels of the padded channels-last layout (the padding columns are copied,
/// zero, and never touched by the kernels). Not fused into the previous layer: it is a copy and one pass of the kernel.
/// The backward pass reads the layer's output (GELU and SiLU: its input, the previous layer's output, which is kept).
/// </summary>
internal sealed class ActivationEmitter : LayerEmitter
{
    public static readonly ActivationEmitter Instance = new();

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward({wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        if (wiring.InputDelta(layer) is not { } dx) return null; // the network's input needs no gradient
        string saved = DenseEmitter.KeepsPreActivation(layer.Activation) ? wiring.Input(layer) : wiring.Output(layer);
        return $"{layer.Identifier}Backward({saved}, {wiring.OutputDelta(layer)}, {dx}, rows);";
    }

    /// <summary>The module as PyTorch prints it: <c>LeakyReLU(negative_slope=0.2)</c>, <c>ELU(alpha=0.5)</c>, <c>Softmax(dim=-1)</c>.</summary>
    public static string Module(ShapedLayer layer) => layer.Activation switch
    {
        ActivationKind.LeakyReLU => $"LeakyReLU(negative_slope={Text(layer.Spec.Settings.Parameter)})",
        ActivationKind.ELU => $"ELU(alpha={Text(layer.Spec.Settings.Parameter)})",
        ActivationKind.Softmax => "Softmax(dim=-1)",
        _ => layer.Activation + "()",
    };

    /// <summary>The kernel call that applies the function in place to <paramref name="y"/> (or from <paramref name="x"/> for GELU, SiLU).</summary>
    public static string ForwardKernel(ShapedLayer layer, string x, string y, string rows)
    {
        int columns = layer.Output.Channels, stride = layer.Output.PositionStride;
        string sizes = $"{rows}, columns: {columns}, stride: {stride}";
        float parameter = layer.Spec.Settings.Parameter;
        return layer.Activation switch
        {
            ActivationKind.GELU or ActivationKind.SiLU => $"{Kernels}ActivationKernels.{DenseEmitter.PreActivationKernel(layer.Activation)}({x}, {y}, {sizes});",
            ActivationKind.LeakyReLU when parameter != 0.01f => $"{Kernels}ActivationKernels.LeakyReLU({y}, {Literal(parameter)}, {sizes});",
            ActivationKind.ELU when parameter != 1f => $"{Kernels}ActivationKernels.ELU({y}, {Literal(parameter)}, {sizes});",
            _ => $"{Kernels}ActivationKernels.{layer.Activation}({y}, {sizes});",
        };
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        ActivationShape shape = layer.Output;
        int positions = shape.Positions, width = shape.PositionStride, columns = shape.Channels;
        string rows = Wiring.Rows(positions);
        string rowText = positions == 1 ? $"[rows, {width}]" : $"[rows, {positions}, {width}]";
        bool keepsInput = DenseEmitter.KeepsPreActivation(layer.Activation);
        string module = Module(layer);
        WriteBanner(w, layer, $"{module} {shape.Text}, stand-alone");

        string p = Text(layer.Spec.Settings.Parameter);
        string applied = layer.Activation switch
        {
            ActivationKind.LeakyReLU => $"LeakyReLU(x), negative slope {p}",
            ActivationKind.ELU => $"ELU(x), alpha {p}",
            _ => $"{layer.Activation}(x)",
        };
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: y = {applied} {rowText}{(layer.Activation == ActivationKind.Softmax ? ", over each position's " + columns + " channels" : "")}.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"x.Slice(0, {rows} * {width}).CopyTo(y);");
        w.Line(ForwardKernel(layer, "y", "y", rows));
        w.Close();
        w.Line();
        if (!wiring.Trains || layer.IsFirst) return;

        float parameter = layer.Spec.Settings.Parameter;
        string savedName = keepsInput ? "x" : "y";
        string sizes = $"{rows}, columns: {columns}, stride: {width}";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dx = dy · {layer.Activation}′(x) {rowText}, from the saved {(keepsInput ? "input" : "output")}.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} {savedName}, {ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Line($"dy.Slice(0, {rows} * {width}).CopyTo(dx);");
        w.Line(layer.Activation switch
        {
            ActivationKind.GELU or ActivationKind.SiLU => $"{Kernels}ActivationKernels.{DenseEmitter.PreActivationKernel(layer.Activation)}Backward(x, dx, {sizes});",
            ActivationKind.LeakyReLU when parameter != 0.01f => $"{Kernels}ActivationKernels.LeakyReLUBackward(y, dx, {Literal(parameter)}, {sizes});",
            ActivationKind.ELU when parameter != 1f => $"{Kernels}ActivationKernels.ELUBackward(y, dx, {Literal(parameter)}, {sizes});",
            _ => $"{Kernels}ActivationKernels.{layer.Activation}Backward(y, dx, {sizes});",
        });
        w.Close();
        w.Line();
    }
}
