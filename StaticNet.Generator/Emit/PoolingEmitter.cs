using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// MaxPool2D, AvgPool2D, MaxPool1D, AvgPool1D (a 2-D pool of height 1) and GlobalAvgPool: <c>PoolKernels</c> on the
/// padded channels-last layout, every channel of a position at once (the padding channels stay zero).
/// </summary>
internal sealed class PoolingEmitter : LayerEmitter
{
    public static readonly PoolingEmitter Instance = new();

    private static bool IsMax(ShapedLayer layer) => layer.Kind is LayerKind.MaxPool2D or LayerKind.MaxPool1D;

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward({wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        if (wiring.InputDelta(layer) is not { } dx) return null; // the network's input needs no gradient
        string x = IsMax(layer) ? wiring.Input(layer) + ", " : "";
        return $"{layer.Identifier}Backward({x}{wiring.OutputDelta(layer)}, {dx}, rows);";
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        if (layer.Kind == LayerKind.GlobalAvgPool)
            WriteGlobal(w, wiring, layer);
        else
            WriteWindowed(w, wiring, layer);
    }

    private static void WriteWindowed(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        Window g = layer.Window!;
        ActivationShape input = layer.Input, output = layer.Output;
        int channels = input.PositionStride;
        bool is2D = layer.Kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D;
        string window = is2D ? $"{g.KernelHeight}×{g.KernelWidth} windows" : $"windows of {g.KernelWidth}";
        string operation = IsMax(layer) ? "maximum" : "mean";
        string kernel = IsMax(layer) ? "MaxPool" : "AvgPool";
        WriteBanner(w, layer, $"{layer.Kind} {input.Text} → {output.Text}, {window}, stride {g.StrideWidth}");
        string arguments = $"rows, height: {input.Height}, width: {input.Width}, channels: {channels}, " +
            $"poolHeight: {g.KernelHeight}, poolWidth: {g.KernelWidth}, strideHeight: {g.StrideHeight}, strideWidth: {g.StrideWidth}";

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x [rows, {input.Positions}, {channels}] → y [rows, {output.Positions}, {channels}], the {operation} of each window.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"{Kernels}PoolKernels.{kernel}(x, {arguments}, y);");
        w.Close();
        w.Line();
        if (!wiring.Trains || layer.IsFirst) return;

        string route = IsMax(layer) ? "each window's gradient to its first maximum in x" : "each window's gradient spread evenly over it";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {output.Positions}, {channels}] → dx [rows, {input.Positions}, {channels}], {route}.</summary>");
        string x = IsMax(layer) ? $"{ReadOnlySpan} x, " : "";
        w.Hot();
        w.Open($"private static void {id}Backward({x}{ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Line(IsMax(layer)
            ? $"{Kernels}PoolKernels.MaxPoolBackward(x, dy, {arguments}, dx);"
            : $"{Kernels}PoolKernels.AvgPoolBackward(dy, {arguments}, dx);");
        w.Close();
        w.Line();
    }

    private static void WriteGlobal(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        ActivationShape input = layer.Input, output = layer.Output;
        int channels = input.PositionStride;
        WriteBanner(w, layer, $"GlobalAvgPool {input.Text} → {output.Text}");
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x [rows, {input.Positions}, {channels}] → y [rows, {channels}], each channel's mean over the {input.Positions} positions.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"{Kernels}PoolKernels.GlobalAvgPool(x, rows, positions: {input.Positions}, channels: {channels}, y);");
        w.Close();
        w.Line();
        if (!wiring.Trains || layer.IsFirst) return;
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {channels}] → dx [rows, {input.Positions}, {channels}] = dy / {input.Positions} at every position.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Line($"{Kernels}PoolKernels.GlobalAvgPoolBackward(dy, rows, positions: {input.Positions}, channels: {channels}, dx);");
        w.Close();
        w.Line();
    }
}
