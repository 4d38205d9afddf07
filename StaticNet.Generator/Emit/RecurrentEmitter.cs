using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// SimpleRNN, LSTM and GRU: the whole sequence forward (saving every step's gates for backpropagation through time),
/// the backward pass in reverse time order, and the streaming step. Gate weights are stored transposed,
/// <c>[features, gate width]</c> and <c>[hidden, gate width]</c>, gate g's unit j in column g·hidden + j (PyTorch's row order).
/// </summary>
internal sealed class RecurrentEmitter : LayerEmitter
{
    public static readonly RecurrentEmitter Instance = new();

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Saved")}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        string dx = wiring.InputDelta(layer) is { } delta ? ", " + delta : "";
        return $"{layer.Identifier}Backward(parameters, gradients, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Saved")}, {wiring.OutputDelta(layer)}{dx}, rows);";
    }

    /// <summary>The kernel class of the layer's cell.</summary>
    public static string KernelClass(ShapedLayer layer) => layer.Kind switch
    {
        LayerKind.LSTM => "LstmKernels",
        LayerKind.GRU => "GruKernels",
        _ => "RnnKernels",
    };

    /// <summary>SimpleRNN's kernels take the recurrence's activation; LSTM's and GRU's are fixed.</summary>
    public static string ActivationArgument(ShapedLayer layer) =>
        layer.Kind == LayerKind.SimpleRNN ? $"global::StaticNet.Activation.{layer.Activation}, " : "";

    public static int GateWidth(ShapedLayer layer) => layer.FindTensor("bias_ih_l0")!.Length;

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        ActivationShape input = layer.Input, output = layer.Output;
        int steps = input.Positions, features = input.Channels, hidden = layer.Spec.Units, gateWidth = GateWidth(layer);
        bool sequences = layer.Spec.Settings.ReturnSequences;
        string id = layer.Identifier, kernel = Kernels + KernelClass(layer);
        string cell = layer.Kind == LayerKind.SimpleRNN ? $"SimpleRNN ({layer.Activation})" : layer.Kind.ToString();
        WriteBanner(w, layer, $"{cell} {input.Text} → {output.Text}" + (sequences ? ", every step" : ", last step"));
        string weights = $"parameters.Slice({id}WeightIhL0, {features} * {gateWidth}), parameters.Slice({id}WeightHhL0, {hidden} * {gateWidth})";
        string sequence = $"steps: {steps}, inputs: {features}, positionStride: {input.PositionStride}, sampleStride: {input.RowLength}";
        string outputText = sequences ? $"[rows, {steps}, {output.PositionStride}]" : $"[rows, {output.PositionStride}]";

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x [rows, {steps}, {features}] → h {outputText}; saves each step's gates for backward.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} saved, {Span} y, int rows)");
        w.Line($"{kernel}.Forward(x, rows, {sequence},");
        w.Line($"    {weights},");
        w.Line($"    parameters.Slice({id}BiasIhL0, {gateWidth}), parameters.Slice({id}BiasHhL0, {gateWidth}), hidden: {hidden}, {ActivationArgument(layer)}saved, y, returnSequences: {(sequences ? "true" : "false")});");
        w.Close();
        w.Line();
        if (!wiring.Trains) return;
        string dxText = layer.IsFirst ? "; the network's input needs no gradient" : $", dx in x's layout";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward through time: dy {outputText} → dW, db (accumulated){dxText}. Uses <paramref name=\"saved\"/> as scratch.</summary>");
        string dxParameter = layer.IsFirst ? "" : $"{Span} dx, ";
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} parameters, {Span} gradients, {ReadOnlySpan} x, {Span} saved, {ReadOnlySpan} dy, {dxParameter}int rows)");
        w.Line($"{kernel}.Backward(x, rows, {sequence},");
        w.Line($"    {weights}, hidden: {hidden}, {ActivationArgument(layer)}saved, dy, returnSequences: {(sequences ? "true" : "false")},");
        w.Line($"    gradients.Slice({id}WeightIhL0, {features} * {gateWidth}), gradients.Slice({id}WeightHhL0, {hidden} * {gateWidth}),");
        w.Line($"    gradients.Slice({id}BiasIhL0, {gateWidth}), gradients.Slice({id}BiasHhL0, {gateWidth}), {(layer.IsFirst ? "default" : "dx")});");
        w.Close();
        w.Line();
    }
}

/// <summary>Embedding: token ids to rows of the weight table; its gradient adds each step's gradient into its token's row.</summary>
internal sealed class EmbeddingEmitter : LayerEmitter
{
    public static readonly EmbeddingEmitter Instance = new();

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward(parameters, x, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer) =>
        $"{layer.Identifier}Backward(gradients, x, {wiring.OutputDelta(layer)}, rows);";

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        int steps = layer.Output.Positions, vocabulary = layer.Spec.Units, dimension = layer.Output.Channels, width = layer.Output.PositionStride;
        string id = layer.Identifier;
        WriteBanner(w, layer, $"Embedding {vocabulary} × {dimension}, {steps} tokens → {layer.Output.Text}");
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: token ids [rows, {steps}] → y [rows, {steps}, {width}], row t = weight[tokens[t]].</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, global::System.ReadOnlySpan<int> x, {Span} y, int rows)");
        w.Line($"{Kernels}EmbeddingKernels.Forward(x, rows * {steps}, parameters.Slice({id}Weight, {vocabulary} * {width}), vocabulary: {vocabulary}, dimension: {dimension}, y);");
        w.Close();
        w.Line();
        if (!wiring.Trains) return;
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {steps}, {width}] added into the rows of dW that the tokens picked.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({Span} gradients, global::System.ReadOnlySpan<int> x, {ReadOnlySpan} dy, int rows)");
        w.Line($"{Kernels}EmbeddingKernels.Backward(x, rows * {steps}, dy, vocabulary: {vocabulary}, dimension: {dimension}, gradients.Slice({id}Weight, {vocabulary} * {width}));");
        w.Close();
        w.Line();
    }
}
