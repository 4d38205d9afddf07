using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of <c>[SimpleRNN]</c>, <c>[LSTM]</c> and <c>[GRU]</c> beyond the hidden size (and SimpleRNN's activation).</summary>
/// <param name="ReturnSequences">Whether the layer outputs every step ([T, H]) or only the last ([H]).</param>
internal sealed record RecurrentOptions(bool ReturnSequences = false) : LayerOptions;

/// <summary>
/// <c>[SimpleRNN(hidden[, activation])]</c>, <c>[LSTM(hidden)]</c>, <c>[GRU(hidden)]</c>, PyTorch's <c>nn.RNN</c>,
/// <c>nn.LSTM</c>, <c>nn.GRU</c> (one layer, batch_first): [T, F] → [T, H] (ReturnSequences) or [H]. The whole sequence
/// forward (saving every step's gates for backpropagation through time), the backward pass in reverse time order, and the
/// streaming step. Gate weights are stored transposed, <c>[features, gate width]</c> and <c>[hidden, gate width]</c>,
/// gate g's unit j in column g·hidden + j (PyTorch's row order); the lengths are <see cref="LayoutArithmetic"/>'s.
/// </summary>
internal sealed class RecurrentLayer : LayerDefinition
{
    public static readonly RecurrentLayer SimpleRNN = new(LayerKind.SimpleRNN, "StaticNet.SimpleRNNAttribute", LayoutArithmetic.RnnCell, "RnnKernels");
    public static readonly RecurrentLayer LSTM = new(LayerKind.LSTM, "StaticNet.LSTMAttribute", LayoutArithmetic.LstmCell, "LstmKernels");
    public static readonly RecurrentLayer GRU = new(LayerKind.GRU, "StaticNet.GRUAttribute", LayoutArithmetic.GruCell, "GruKernels");

    private readonly int _cell;
    private readonly string _kernelClass;

    private RecurrentLayer(LayerKind kind, string attributeName, int cell, string kernelClass) : base(kind, attributeName)
    {
        _cell = cell;
        _kernelClass = kernelClass;
    }

    private static RecurrentOptions Options(LayerSpec layer) => (RecurrentOptions)layer.Options!;

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name)
    {
        // SimpleRNN's activation is its recurrence's (nn.RNN(nonlinearity=...)), tanh unless set; LSTM's and GRU's are fixed.
        var activation = _cell == LayoutArithmetic.RnnCell
            ? (ActivationKind)(attribute.ConstructorArguments.Length > 1 ? AttributeArguments.Int(attribute, 1) : (int)ActivationKind.Tanh)
            : ActivationKind.None;
        return new LayerSpec(Kind, attributeIndex, EquatableArray<int>.Empty, AttributeArguments.Int(attribute, 0), activation, name,
            new RecurrentOptions(ReturnSequences: AttributeArguments.NamedBool(attribute, "ReturnSequences", false)));
    }

    // ── Shape ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// [T, F] → [T, H] (ReturnSequences) or [H]. Gate weights stored transposed, [F, G·H padded] and [H, G·H padded].
    /// </summary>
    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        LayerSpec layer = c.Layer;
        int hidden = layer.Units;
        if (hidden <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize, $"{layer.Kind} '{c.Name}' needs a hidden size of at least 1; found {hidden}"));
        if (input.Kind != ShapeKind.Sequence)
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"{layer.Kind} '{c.Name}' expects a sequence [steps, features]; found {input.Text} ({ShapeInference.Describe(input)}). " +
                "A recurrent layer after another needs ReturnSequences = true on the one before"));
        if (_cell == LayoutArithmetic.RnnCell && layer.Activation is not (ActivationKind.Tanh or ActivationKind.ReLU))
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"SimpleRNN '{c.Name}' has activation {layer.Activation}; expected Tanh or ReLU, as torch.nn.RNN"));
        int gates = LayoutArithmetic.RecurrentGates(_cell);
        if (!c.Fits(LayoutArithmetic.RecurrentGateWidth(_cell, hidden), $"one row of its {gates} gates × {hidden} units", perRow: true))
            return null;
        int steps = input.Positions, features = input.Channels, width = (int)LayoutArithmetic.RecurrentGateWidth(_cell, hidden);
        ActivationShape output = Options(layer).ReturnSequences
            ? ActivationShape.Padded(ShapeKind.Sequence, steps, hidden)
            : ActivationShape.Padded(ShapeKind.Vector, hidden);
        c.Tensor("weight_ih_l0", new[] { gates * hidden, features }, new[] { 1, width }, (long)features * width, TensorInit.UniformFanIn, hidden, $"[{features}, {width}]");
        c.Tensor("weight_hh_l0", new[] { gates * hidden, hidden }, new[] { 1, width }, (long)hidden * width, TensorInit.UniformFanIn, hidden, $"[{hidden}, {width}]");
        c.Tensor("bias_ih_l0", new[] { gates * hidden }, new[] { 1 }, width, TensorInit.UniformFanIn, hidden, $"[{width}]");
        c.Tensor("bias_hh_l0", new[] { gates * hidden }, new[] { 1 }, width, TensorInit.UniformFanIn, hidden, $"[{width}]");
        c.OutputRegions(output, ActivationKind.None);
        // What backpropagation through time needs: every step's gates, the cell's state planes and three rows of scratch.
        c.Region("Saved", LayoutArithmetic.RecurrentSavedLength(_cell, hidden, steps), $"gates and states of {steps} steps, for backpropagation through time");
        return (output, null);
    }

    public override string TensorExample(string name) => $", e.g. '{name}.weight_ih_l0'";

    /// <summary>A SimpleRNN's activation is its recurrence's, not a module of its own, and the banner names it already.</summary>
    protected override bool BannerShowsActivation => _cell != LayoutArithmetic.RnnCell;

    // ── Streaming ──────────────────────────────────────────────────────────────────────────────────────────────────

    public override bool IsRecurrent => true;

    public override string? WhyNoStep(ShapedLayer layer) => !Options(layer.Spec).ReturnSequences
        ? $"{layer.Kind} '{layer.Name}' does not return sequences (its output is the last step's, {layer.Output.Text}); " +
          "declare it with ReturnSequences = true, and every layer after it per time step, to stream"
        : null;

    /// <summary>The floats of its streaming state (h, c and scratch), as the kernels size it.</summary>
    public override int StepStateLength(ShapedLayer layer) => (int)LayoutArithmetic.RecurrentStepStateLength(_cell, layer.Spec.Units);

    public override string StepStateText(ShapedLayer layer) =>
        "h in the first " + layer.Output.PositionStride + " floats" + (_cell == LayoutArithmetic.LstmCell ? ", then c" : "") + ", then scratch";

    public override void WriteStep(CodeWriter w, StepWriter s, ShapedLayer layer)
    {
        IReadOnlyList<ShapedLayer> layers = s.Layers;
        int features = layer.Input.Channels;
        string x = s.CurrentStride == features ? s.Current : $"{s.Current}.Slice(0, {features})";
        w.Line(CallHead(layer, "Step", x));
        string arguments = CallState(layer);
        s.Advance($"state.Slice({layer.Identifier}Step, {layer.Output.PositionStride})", layer.Output.PositionStride);
        // A Dense layer right after (Dropout aside) runs in the same call: the readout reads h where the step left it.
        int next = s.Index + 1;
        while (next < layers.Count && layers[next].Definition.IsIdentityAtInference) next++;
        ShapedLayer? readout = next < layers.Count && layers[next].Definition == DenseLayer.Instance ? layers[next] : null;
        if (readout is null)
        {
            w.Line($"    {arguments}); // {layer.Name}");
            return;
        }
        int width = readout.Output.PositionStride;
        string y = $"state.Slice({readout.Identifier}Step, {width})";
        w.Line($"    {arguments}, // {layer.Name}");
        bool dot = DenseLayer.IsDot(readout);
        // The last layer's one output goes straight to the caller's span (a dot readout writes y[0] only).
        if (dot && readout == s.Network.OutputLayer && readout.Activation == ActivationKind.None)
            y = "output";
        w.Line($"    {DenseLayer.Slices(readout, "parameters")}, readoutWidth: {(dot ? 1 : width)}, {y}); // {readout.Name}, fused");
        for (int skipped = s.Index + 1; skipped < next; skipped++)
            layers[skipped].Definition.WriteStep(w, s, layers[skipped]);
        DenseLayer.WriteStepActivation(w, readout, y);
        s.Advance(y, width);
        s.Index = next;
    }

    /// <summary>
    /// The networks whose whole block of steps runs in one kernel call: one recurrent layer on float input, then (Dropout
    /// aside) a one-unit Dense without activation as the last layer, the streaming regression head of an audio effect or
    /// a sensor filter. The kernel writes each step's output straight to the caller's span.
    /// </summary>
    public static (ShapedLayer Recurrent, ShapedLayer Readout)? BlockInOneCall(ShapedNetwork network)
    {
        if (network.TakesTokens) return null;
        var layers = new List<ShapedLayer>();
        foreach (ShapedLayer layer in network.Layers)
            if (!layer.Definition.IsIdentityAtInference) layers.Add(layer);
        if (layers.Count != 2) return null;
        ShapedLayer recurrent = layers[0], readout = layers[1];
        bool fits = recurrent.Definition is RecurrentLayer && readout.Definition == DenseLayer.Instance &&
            DenseLayer.IsDot(readout) && readout.Activation == ActivationKind.None && readout == network.OutputLayer;
        return fits ? (recurrent, readout) : null;
    }

    /// <summary>The statements of <c>StepBlock</c> for a network that <see cref="BlockInOneCall"/> accepts.</summary>
    public static void WriteBlockCall(CodeWriter w, ShapedLayer recurrent, ShapedLayer readout)
    {
        var home = (RecurrentLayer)recurrent.Definition;
        w.Line(home.CallHead(recurrent, "StepBlock", "input"));
        w.Line($"    {home.CallState(recurrent)}, // {recurrent.Name}");
        w.Line($"    {DenseLayer.Slices(readout, "parameters")}, readoutWidth: 1, output, steps); // {readout.Name}, fused");
    }

    /// <summary>The first line of the layer's kernel call: the kernel, its input and its weight matrices.</summary>
    private string CallHead(ShapedLayer layer, string method, string x)
    {
        int features = layer.Input.Channels, gateWidth = GateWidth(layer);
        return $"{Kernels}{KernelClass}.{method}({x}, inputs: {features}, " +
            $"{MatrixSlice(layer, "weight_ih_l0", "parameters", gateWidth)}, {MatrixSlice(layer, "weight_hh_l0", "parameters", gateWidth)},";
    }

    /// <summary>The rest of the layer's kernel call before any readout: biases, sizes and its state.</summary>
    private string CallState(ShapedLayer layer)
    {
        string id = layer.Identifier;
        return $"{TensorSlice(layer, "bias_ih_l0", "parameters")}, {TensorSlice(layer, "bias_hh_l0", "parameters")}, hidden: {layer.Spec.Units}, " +
            $"{ActivationArgument(layer)}state.Slice({id}Step, {StepStateLength(layer)})";
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Saved")}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        string dx = wiring.InputDelta(layer) is { } delta ? ", " + delta : "";
        return $"{layer.Identifier}Backward(parameters, gradients, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Saved")}, {wiring.OutputDelta(layer)}{dx}, rows);";
    }

    /// <summary>The kernel class of the layer's cell.</summary>
    private string KernelClass => _kernelClass;

    /// <summary>SimpleRNN's kernels take the recurrence's activation; LSTM's and GRU's are fixed.</summary>
    private string ActivationArgument(ShapedLayer layer) =>
        _cell == LayoutArithmetic.RnnCell ? $"global::StaticNet.Activation.{layer.Activation}, " : "";

    /// <summary>The padded width of the gate rows, as the model's bias tensor states it.</summary>
    private static int GateWidth(ShapedLayer layer) => layer.FindTensor("bias_ih_l0")!.Length;

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        ActivationShape input = layer.Input, output = layer.Output;
        int steps = input.Positions, features = input.Channels, hidden = layer.Spec.Units, gateWidth = GateWidth(layer);
        bool sequences = Options(layer.Spec).ReturnSequences;
        string id = layer.Identifier, kernel = Kernels + KernelClass;
        string cell = _cell == LayoutArithmetic.RnnCell ? $"SimpleRNN ({layer.Activation})" : layer.Kind.ToString();
        WriteBanner(w, layer, $"{cell} {input.Text} → {output.Text}" + (sequences ? ", every step" : ", last step"));
        string weights = $"{MatrixSlice(layer, "weight_ih_l0", "parameters", gateWidth)}, {MatrixSlice(layer, "weight_hh_l0", "parameters", gateWidth)}";
        string sequence = $"steps: {steps}, inputs: {features}, positionStride: {input.PositionStride}, sampleStride: {input.RowLength}";
        string outputText = sequences ? $"[rows, {steps}, {output.PositionStride}]" : $"[rows, {output.PositionStride}]";

        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x [rows, {steps}, {features}] → h {outputText}; saves each step's gates for backward.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} saved, {Span} y, int rows)");
        w.Line($"{kernel}.Forward(x, rows, {sequence},");
        w.Line($"    {weights},");
        w.Line($"    {TensorSlice(layer, "bias_ih_l0", "parameters")}, {TensorSlice(layer, "bias_hh_l0", "parameters")}, hidden: {hidden}, {ActivationArgument(layer)}saved, y, returnSequences: {(sequences ? "true" : "false")});");
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
        w.Line($"    {MatrixSlice(layer, "weight_ih_l0", "gradients", gateWidth)}, {MatrixSlice(layer, "weight_hh_l0", "gradients", gateWidth)},");
        w.Line($"    {TensorSlice(layer, "bias_ih_l0", "gradients")}, {TensorSlice(layer, "bias_hh_l0", "gradients")}, {(layer.IsFirst ? "default" : "dx")});");
        w.Close();
        w.Line();
    }
}
