using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// Conv2D and Conv1D (a Conv2D of height 1): <c>ConvKernels</c> (im2col and a GEMM on a weight stored as
/// <c>[taps, filters padded]</c>) with the layer's geometry in a <c>static readonly ConvGeometry</c>, then the fused
/// activation over every output position. The first layer reads the user's channels-first input directly.
/// </summary>
internal sealed class ConvolutionEmitter : LayerEmitter
{
    public static readonly ConvolutionEmitter Instance = new();

    private const string Geometry = "global::StaticNet.Kernels.ConvGeometry";

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training)
    {
        string pre = DenseEmitter.KeepsPreActivation(layer) ? wiring.RegionOf(layer, "PreActivation") + ", " : "";
        return $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Columns")}, {pre}{wiring.Output(layer)}, rows);";
    }

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        string arguments = $"parameters, gradients, {wiring.Input(layer)}";
        if (DenseEmitter.KeepsPreActivation(layer))
            arguments += ", " + wiring.RegionOf(layer, "PreActivation");
        else if (layer.Activation != ActivationKind.None)
            arguments += ", " + wiring.Output(layer);
        arguments += $", {wiring.OutputDelta(layer)}, {wiring.RegionOf(layer, "Columns", "deltas")}";
        if (wiring.InputDelta(layer) is { } dx)
            arguments += ", " + dx;
        return $"{layer.Identifier}Backward({arguments}, rows);";
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        Window g = layer.Window!;
        bool is2D = layer.Kind == LayerKind.Conv2D;
        string kernel = is2D ? $"{g.KernelHeight}×{g.KernelWidth} kernel" : $"kernel size {g.KernelWidth}";
        WriteBanner(w, layer, $"{layer.Kind} {layer.Input.Text} → {layer.Output.Text}, {kernel}{Options(g, is2D)}");
        WriteGeometry(w, layer, is2D);
        WriteForward(w, layer);
        if (wiring.Trains)
            WriteBackward(w, layer);
    }

    /// <summary>Stride, padding and dilation when they are not the defaults, e.g. <c>, stride 2, padding 1</c>.</summary>
    private static string Options(Window g, bool is2D)
    {
        string text = "";
        if (g.StrideWidth != 1) text += $", stride {g.StrideWidth}";
        if (g.PadLeft != 0 || g.PadRight != 0 || g.PadTop != 0 || g.PadBottom != 0)
        {
            bool symmetric = g.PadTop == g.PadBottom && g.PadLeft == g.PadRight && (!is2D || g.PadTop == g.PadLeft);
            text += symmetric ? $", padding {g.PadLeft}"
                : is2D ? $", padding top {g.PadTop} bottom {g.PadBottom} left {g.PadLeft} right {g.PadRight}"
                : $", padding left {g.PadLeft} right {g.PadRight}";
        }
        if (g.DilationWidth != 1) text += $", dilation {g.DilationWidth}";
        return text;
    }

    /// <summary>The input as the kernel reads it: <c>[rows, C, H, W]</c> channels first, or <c>[rows, positions, cs]</c>.</summary>
    private static string InputText(ActivationShape input) => input.IsPaddedChannelsLast
        ? $"[rows, {input.Positions}, {input.PositionStride}]"
        : $"[rows, {string.Join(", ", input.Dims)}] (channels first)";

    private static int Taps(ShapedLayer layer) => layer.Window!.KernelHeight * layer.Window.KernelWidth * layer.Input.Channels;

    private static void WriteGeometry(CodeWriter w, ShapedLayer layer, bool is2D)
    {
        Window g = layer.Window!;
        ActivationShape input = layer.Input, output = layer.Output;
        string layout = input.IsPaddedChannelsLast ? $"channels last, padded to {input.PositionStride}" : "the network's input, channels first";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)}'s shape: input {input.Text} ({layout}), {output.Channels} filters, output {output.Text} (channels last).</summary>");
        w.Line($"private static readonly {Geometry} {layer.Identifier}Geometry = new(");
        w.Line($"    inChannels: {input.Channels}, inHeight: {input.Height}, inWidth: {input.Width},");
        w.Line($"    inputSampleStride: {input.RowLength}, inputPositionStride: {input.PositionStride}, inputChannelStride: {input.ChannelStride},");
        w.Line($"    outChannels: {output.Channels}, kernelHeight: {g.KernelHeight}, kernelWidth: {g.KernelWidth}, stride: {g.StrideWidth}, dilation: {g.DilationWidth},");
        w.Line($"    padTop: {g.PadTop}, padLeft: {g.PadLeft}, outHeight: {output.Height}, outWidth: {output.Width});");
        w.Line();
    }

    private static void WriteForward(CodeWriter w, ShapedLayer layer)
    {
        string id = layer.Identifier;
        ActivationShape input = layer.Input, output = layer.Output;
        int taps = Taps(layer), width = output.PositionStride, positions = output.Positions;
        bool bias = layer.FindTensor("bias") is not null, gelu = DenseEmitter.KeepsPreActivation(layer);
        string conv = bias ? "conv(x, W) + b" : "conv(x, W)";
        string formula = layer.Activation switch
        {
            ActivationKind.None => conv,
            ActivationKind.GELU or ActivationKind.SiLU => $"{layer.Activation}(z), z = {conv}",
            _ => $"{layer.Activation}({conv})",
        };
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x {InputText(input)} → y [rows, {positions}, {width}] = {formula}; columns is scratch for one sample's im2col.</summary>");
        string pre = gelu ? $"{Span} z, " : "";
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} columns, {pre}{Span} y, int rows)");
        if (!bias)
        {
            w.Line($"{Span} zeros = stackalloc float[{width}]; // no bias: the kernel adds zeros");
            w.Line("zeros.Clear(); // in case the assembly skips locals initialisation");
        }
        string biasSpan = bias ? $"parameters.Slice({id}Bias, {width})" : "zeros";
        w.Line($"{Kernels}ConvKernels.Forward(x, rows, {id}Geometry, parameters.Slice({id}Weight, {taps} * {width}), {biasSpan}, columns, {(gelu ? "z" : "y")});");
        if (gelu)
            w.Line($"{Kernels}ActivationKernels.{DenseEmitter.PreActivationKernel(layer.Activation)}(z, y, rows * {positions}, columns: {output.Channels}, stride: {width});");
        else if (layer.Activation != ActivationKind.None)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}(y, rows * {positions}, columns: {output.Channels}, stride: {width});");
        w.Close();
        w.Line();
    }

    private static void WriteBackward(CodeWriter w, ShapedLayer layer)
    {
        string id = layer.Identifier;
        ActivationShape input = layer.Input, output = layer.Output;
        int taps = Taps(layer), width = output.PositionStride, positions = output.Positions;
        bool bias = layer.FindTensor("bias") is not null, gelu = DenseEmitter.KeepsPreActivation(layer);
        string dxText = layer.IsFirst ? "; the network's input needs no gradient" : $", dx {InputText(input)}";
        string gradients = bias ? "dW, db (accumulated)" : "dW (accumulated)";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {positions}, {width}] (the gradient of y; overwritten) → {gradients}{dxText}. im2col is recomputed into columns.</summary>");
        string saved = gelu ? $"{ReadOnlySpan} z, " : layer.Activation != ActivationKind.None ? $"{ReadOnlySpan} y, " : "";
        string dxParameter = layer.IsFirst ? "" : $"{Span} dx, ";
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} parameters, {Span} gradients, {ReadOnlySpan} x, {saved}{Span} dy, {Span} columns, {dxParameter}int rows)");
        if (gelu)
            w.Line($"{Kernels}ActivationKernels.{DenseEmitter.PreActivationKernel(layer.Activation)}Backward(z, dy, rows * {positions}, columns: {output.Channels}, stride: {width});");
        else if (layer.Activation != ActivationKind.None)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}Backward(y, dy, rows * {positions}, columns: {output.Channels}, stride: {width});");
        if (!bias)
        {
            w.Line($"{Span} discarded = stackalloc float[{width}]; // no bias: its gradient is thrown away");
        }
        string dBias = bias ? $"gradients.Slice({id}Bias, {width})" : "discarded";
        w.Line($"{Kernels}ConvKernels.Backward(x, dy, rows, {id}Geometry, parameters.Slice({id}Weight, {taps} * {width}), columns,");
        w.Line($"    gradients.Slice({id}Weight, {taps} * {width}), {dBias}, {(layer.IsFirst ? "default" : "dx")});");
        w.Close();
        w.Line();
    }
}
