using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>Writes what a fully connected layer contributes: its buffer offsets, its tensors, and its forward and backward methods.</summary>
internal static class DenseEmitter
{
    private const string Kernels = "global::StaticNet.Kernels.";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    private const string Span = "global::System.Span<float>";

    public static void WriteParameterOffsets(CodeWriter w, DenseLayer layer)
    {
        string padding = layer.Width == layer.Units ? "" : $" ({layer.Units} + {layer.Width - layer.Units} padding)";
        w.Line($"private const int {layer.Identifier}Weight = {layer.WeightOffset}; // {layer.Name}.weight, PyTorch [{layer.Units}, {layer.Inputs}], stored as [{layer.Inputs}, {layer.Width}{padding}]");
        w.Line($"private const int {layer.Identifier}Bias = {layer.BiasOffset}; // {layer.Name}.bias, [{layer.Units}], stored as [{layer.Width}]");
    }

    public static void WriteActivationOffsets(CodeWriter w, DenseLayer layer)
    {
        w.Line($"private const int {layer.Identifier}Output = {layer.OutputOffset} * ChunkRows; // [ChunkRows, {layer.Width}]");
        if (layer.KeepsPreActivation)
            w.Line($"private const int {layer.Identifier}PreActivation = {layer.PreActivationOffset} * ChunkRows; // [ChunkRows, {layer.Width}], GELU's input");
    }

    public static void WriteTensors(CodeWriter w, DenseLayer layer)
    {
        w.Line($"new global::StaticNet.ParameterTensor(\"{layer.Name}.weight\", new[] {{ {layer.Units}, {layer.Inputs} }}, {layer.Identifier}Weight, global::StaticNet.TensorLayout.TransposedMatrix, stride: {layer.Width}),");
        w.Line($"new global::StaticNet.ParameterTensor(\"{layer.Name}.bias\", new[] {{ {layer.Units} }}, {layer.Identifier}Bias),");
    }

    /// <summary>The statement in <c>ForwardRows</c> that runs this layer.</summary>
    public static string ForwardCall(ShapedNetwork network, DenseLayer layer)
    {
        string pre = layer.KeepsPreActivation ? Region("activations", layer.Identifier + "PreActivation", layer.Width) + ", " : "";
        return $"{layer.Identifier}Forward(parameters, {Input(network, layer)}, {pre}{Region("activations", layer.Identifier + "Output", layer.Width)}, rows);";
    }

    /// <summary>The statement in <c>BackwardRows</c> that runs this layer's backward pass.</summary>
    public static string BackwardCall(ShapedNetwork network, DenseLayer layer)
    {
        string arguments = layer.IsFirst ? "gradients, x" : $"parameters, gradients, {Input(network, layer)}";
        if (layer.KeepsPreActivation)
            arguments += ", " + Region("activations", layer.Identifier + "PreActivation", layer.Width);
        else if (layer.Activation != ActivationKind.None)
            arguments += ", " + Region("activations", layer.Identifier + "Output", layer.Width);
        arguments += ", " + Region("deltas", layer.Identifier + "Output", layer.Width);
        if (!layer.IsFirst)
        {
            DenseLayer previous = network.Layers[layer.Index - 1];
            arguments += ", " + Region("deltas", previous.Identifier + "Output", previous.Width);
        }
        return $"{layer.Identifier}Backward({arguments}, rows);";
    }

    public static void WriteMethods(CodeWriter w, ShapedNetwork network, DenseLayer layer)
    {
        string id = layer.Identifier;
        string activation = layer.Activation == ActivationKind.None ? "" : ", " + layer.Activation;
        string rule = new string('─', System.Math.Max(4, 100 - layer.Name.Length - activation.Length));
        w.Line($"// ── {layer.Name}: Dense {layer.Inputs} → {layer.Units}{activation} {rule}");
        w.Line();
        WriteForward(w, layer, id);
        if (network.Spec.Loss != LossKind.None)
            WriteBackward(w, layer, id);
    }

    private static void WriteForward(CodeWriter w, DenseLayer layer, string id)
    {
        string formula = layer.Activation switch
        {
            ActivationKind.None => "x · W + b",
            ActivationKind.GELU => "GELU(z), z = x · W + b",
            _ => $"{layer.Activation}(x · W + b)",
        };
        w.Line($"/// <summary>{layer.Name} forward: x [rows, {layer.Inputs}] → y [rows, {layer.Width}] = {formula}.</summary>");
        string pre = layer.KeepsPreActivation ? $"{Span} z, " : "";
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {pre}{Span} y, int rows)");
        string denseOutput = layer.KeepsPreActivation ? "z" : "y";
        w.Line($"{Kernels}DenseKernels.Forward(x, rows, inputs: {layer.Inputs}, xStride: {layer.InputStride},");
        w.Line($"    parameters.Slice({id}Weight, {layer.Inputs} * {layer.Width}), parameters.Slice({id}Bias, {layer.Width}), {denseOutput}, width: {layer.Width});");
        if (layer.KeepsPreActivation)
            w.Line($"{Kernels}ActivationKernels.Gelu(z, y, rows, columns: {layer.Units}, stride: {layer.Width});");
        else if (layer.Activation != ActivationKind.None)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}(y, rows, columns: {layer.Units}, stride: {layer.Width});");
        w.Close();
        w.Line();
    }

    private static void WriteBackward(CodeWriter w, DenseLayer layer, string id)
    {
        string dx = layer.IsFirst ? "; the network's input needs no gradient" : $", dx [rows, {layer.InputStride}]";
        w.Line($"/// <summary>{layer.Name} backward: dy [rows, {layer.Width}] (the gradient of y; overwritten) → dW, db (accumulated){dx}.</summary>");
        string parameters = layer.IsFirst ? "" : $"{ReadOnlySpan} parameters, ";
        string saved = layer.KeepsPreActivation ? $"{ReadOnlySpan} z, " : layer.Activation != ActivationKind.None ? $"{ReadOnlySpan} y, " : "";
        string dxParameter = layer.IsFirst ? "" : $"{Span} dx, ";
        w.Open($"private static void {id}Backward({parameters}{Span} gradients, {ReadOnlySpan} x, {saved}{Span} dy, {dxParameter}int rows)");
        if (layer.KeepsPreActivation)
            w.Line($"{Kernels}ActivationKernels.GeluBackward(z, dy, rows, columns: {layer.Units}, stride: {layer.Width});");
        else if (layer.Activation != ActivationKind.None)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}Backward(y, dy, rows, columns: {layer.Units}, stride: {layer.Width});");
        w.Line($"{Kernels}DenseKernels.BackwardWeights(x, rows, inputs: {layer.Inputs}, xStride: {layer.InputStride}, dy, width: {layer.Width},");
        w.Line($"    gradients.Slice({id}Weight, {layer.Inputs} * {layer.Width}), gradients.Slice({id}Bias, {layer.Width}));");
        if (!layer.IsFirst)
            w.Line($"{Kernels}DenseKernels.BackwardInput(dy, rows, width: {layer.Width}, parameters.Slice({id}Weight, {layer.Inputs} * {layer.Width}), inputs: {layer.Inputs}, dx, dxStride: {layer.InputStride});");
        w.Close();
        w.Line();
    }

    private static string Input(ShapedNetwork network, DenseLayer layer)
    {
        if (layer.IsFirst) return "x";
        DenseLayer previous = network.Layers[layer.Index - 1];
        return Region("activations", previous.Identifier + "Output", previous.Width);
    }

    private static string Region(string buffer, string offset, int width) => $"{buffer}.Slice({offset}, rows * {width})";
}
