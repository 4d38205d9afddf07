using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of <c>[SimpleRNN]</c>, <c>[LSTM]</c> and <c>[GRU]</c> beyond the hidden size (and SimpleRNN's activation).</summary>
/// <param name="ReturnSequences">Whether the layer outputs every step ([T, D·H]) or only the last ([D·H]).</param>
/// <param name="NumLayers">The stacked layers (PyTorch's num_layers).</param>
/// <param name="Bidirectional">Whether each layer also runs from the last step to the first (PyTorch's bidirectional).</param>
/// <param name="Dropout">The training-only dropout rate on the output of every layer of the stack but the last.</param>
internal sealed record RecurrentOptions(bool ReturnSequences = false, int NumLayers = 1, bool Bidirectional = false, float Dropout = 0f) : LayerOptions
{
    /// <summary>D: 2 for a bidirectional layer, else 1.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>Whether the layer is more than PyTorch's default one layer, one direction (the single-layer code paths).</summary>
    public bool IsStack => NumLayers != 1 || Bidirectional;
}

/// <summary>
/// <c>[SimpleRNN(hidden[, activation])]</c>, <c>[LSTM(hidden)]</c>, <c>[GRU(hidden)]</c>, PyTorch's <c>nn.RNN</c>,
/// <c>nn.LSTM</c>, <c>nn.GRU</c> (batch_first): [T, F] → [T, D·H] (ReturnSequences) or [D·H]. The whole sequence
/// forward (saving every step's gates for backpropagation through time), the backward pass in reverse time order, and the
/// streaming step. Gate weights are stored transposed, <c>[features, gate width]</c> and <c>[hidden, gate width]</c>,
/// gate g's unit j in column g·hidden + j (PyTorch's row order); the lengths are <see cref="LayoutArithmetic"/>'s.
/// <para>A stack (<c>NumLayers</c> L, <c>Bidirectional</c>: D directions) is one layer spec: its shape rule gives the
/// tensors of every sub-layer l and direction, named as PyTorch's (<c>weight_ih_l1</c>, <c>weight_hh_l0_reverse</c>),
/// and its methods call the kernels' direction entry points (<c>ForwardDirection</c>, <c>BackwardDirection</c>) per
/// sub-layer and direction: sub-layer l reads sub-layer l − 1's output <c>[T, RoundUp(D·H)]</c> (region
/// <c>OutputL{l − 1}</c>, dropped out in training when <c>Dropout</c> is set), the forward direction writes columns
/// [0, H) and the reverse direction [H, 2H). Without ReturnSequences the reverse direction's output at the last step is
/// its first step, so the last sub-layer's reverse direction runs that one step. A causal stack streams: each sub-layer
/// keeps its state, stepping on the h of the one below.</para>
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
            new RecurrentOptions(
                ReturnSequences: AttributeArguments.NamedBool(attribute, "ReturnSequences", false),
                NumLayers: AttributeArguments.NamedInt(attribute, "NumLayers", 1),
                Bidirectional: AttributeArguments.NamedBool(attribute, "Bidirectional", false),
                Dropout: AttributeArguments.NamedFloat(attribute, "Dropout", 0f)));
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
        RecurrentOptions options = Options(layer);
        if (options.NumLayers < 1)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"{layer.Kind} '{c.Name}' has NumLayers = {options.NumLayers}; expected at least 1 (PyTorch's num_layers)"));
        if (!(options.Dropout >= 0f && options.Dropout < 1f))
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"{layer.Kind} '{c.Name}' has Dropout = {Text(options.Dropout)}; expected a probability in [0, 1)"));
        if (options.Dropout > 0f && options.NumLayers == 1)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"{layer.Kind} '{c.Name}' has Dropout = {Text(options.Dropout)} and one layer; its Dropout acts between stacked layers " +
                "(PyTorch's dropout with num_layers > 1), so with NumLayers = 1 it would do nothing. Set NumLayers, or put a [Dropout] layer after it"));
        int gates = LayoutArithmetic.RecurrentGates(_cell);
        if (!c.Fits(LayoutArithmetic.RecurrentGateWidth(_cell, hidden), $"one row of its {gates} gates × {hidden} units", perRow: true))
            return null;
        int steps = input.Positions, features = input.Channels, width = (int)LayoutArithmetic.RecurrentGateWidth(_cell, hidden);
        int directions = options.Directions;
        ActivationShape output = options.ReturnSequences
            ? ActivationShape.Padded(ShapeKind.Sequence, steps, directions * hidden)
            : ActivationShape.Padded(ShapeKind.Vector, directions * hidden);
        for (int sub = 0; sub < options.NumLayers; sub++)
        {
            int inputs = sub == 0 ? features : directions * hidden;
            for (int direction = 0; direction < directions; direction++)
            {
                string suffix = TensorSuffix(sub, direction == 1);
                c.Tensor("weight_ih" + suffix, new[] { gates * hidden, inputs }, new[] { 1, width }, (long)inputs * width, TensorInit.UniformFanIn, hidden, $"[{inputs}, {width}]");
                c.Tensor("weight_hh" + suffix, new[] { gates * hidden, hidden }, new[] { 1, width }, (long)hidden * width, TensorInit.UniformFanIn, hidden, $"[{hidden}, {width}]");
                c.Tensor("bias_ih" + suffix, new[] { gates * hidden }, new[] { 1 }, width, TensorInit.UniformFanIn, hidden, $"[{width}]");
                c.Tensor("bias_hh" + suffix, new[] { gates * hidden }, new[] { 1 }, width, TensorInit.UniformFanIn, hidden, $"[{width}]");
            }
        }
        c.OutputRegions(output, ActivationKind.None);
        // What backpropagation through time needs, per sub-layer and direction: every step's gates, the cell's state
        // planes and three rows of scratch (the last sub-layer's reverse direction without ReturnSequences runs one step).
        for (int sub = 0; sub < options.NumLayers; sub++)
            for (int direction = 0; direction < directions; direction++)
            {
                int runs = RunSteps(options, steps, sub, direction == 1);
                string what = options.IsStack ? $"layer {sub}{(direction == 1 ? " reverse" : "")}: " : "";
                c.Region(SavedRegion(sub, direction == 1), LayoutArithmetic.RecurrentSavedLength(_cell, hidden, runs),
                    $"{what}gates and states of {runs} step{(runs == 1 && options.IsStack ? "" : "s")}, for backpropagation through time");
            }
        // Between stacked layers: each sub-layer's output sequence (the next one's input), and the dropout mask.
        long between = LayoutArithmetic.PaddedRowsLength(steps, directions * hidden);
        for (int sub = 0; sub + 1 < options.NumLayers; sub++)
            c.Region($"OutputL{sub}", between, $"layer {sub}'s output [{steps}, {directions * hidden}], layer {sub + 1}'s input");
        if (options.Dropout > 0f)
            for (int sub = 0; sub + 1 < options.NumLayers; sub++)
                c.Region($"MaskL{sub}", between, $"layer {sub}'s dropout mask, 0 or 1/(1 − {Text(options.Dropout)}) per value");
        return (output, null);
    }

    /// <summary>The PyTorch suffix of sub-layer <paramref name="sub"/>'s tensors: <c>_l0</c>, <c>_l1_reverse</c>.</summary>
    private static string TensorSuffix(int sub, bool reverse) => $"_l{sub}" + (reverse ? "_reverse" : "");

    /// <summary>The C# constant suffix of those tensors: <c>L0</c>, <c>L1Reverse</c>.</summary>
    private static string ConstantSuffix(int sub, bool reverse) => $"L{sub}" + (reverse ? "Reverse" : "");

    /// <summary>The saved region of a sub-layer and direction: <c>Saved</c> for the first (as a one-layer layer's), else <c>SavedL1Reverse</c>, ….</summary>
    private static string SavedRegion(int sub, bool reverse) => sub == 0 && !reverse ? "Saved" : "Saved" + ConstantSuffix(sub, reverse);

    /// <summary>
    /// The steps a sub-layer's direction runs: all of them, except the last sub-layer's reverse direction without
    /// ReturnSequences, whose output (at the last time step) is its first step.
    /// </summary>
    private static int RunSteps(RecurrentOptions options, int steps, int sub, bool reverse) =>
        reverse && !options.ReturnSequences && sub == options.NumLayers - 1 ? 1 : steps;

    public override string TensorExample(string name) => $", e.g. '{name}.weight_ih_l0'";

    /// <summary>
    /// nn.RNN, nn.LSTM or nn.GRU; per step, direction and stacked layer, every gate's input and hidden projections:
    /// gates × hidden × (its inputs + hidden), its inputs being the features for the first layer and D × hidden above.
    /// </summary>
    public override LayerRow Row(ShapedLayer layer)
    {
        RecurrentOptions o = Options(layer.Spec);
        long hidden = layer.Spec.Units, gates = LayoutArithmetic.RecurrentGates(_cell), steps = layer.Input.Positions;
        long total = 0;
        for (int l = 0; l < o.NumLayers; l++)
        {
            long inputs = l == 0 ? layer.Input.Channels : o.Directions * hidden;
            total += o.Directions * steps * gates * hidden * (inputs + hidden);
        }
        string module = _cell == LayoutArithmetic.RnnCell ? "RNN" : _cell == LayoutArithmetic.LstmCell ? "LSTM" : "GRU";
        return new(module, total);
    }

    /// <summary>A SimpleRNN's activation is its recurrence's, not a module of its own, and the banner names it already.</summary>
    protected override bool BannerShowsActivation => _cell != LayoutArithmetic.RnnCell;

    // ── Streaming ──────────────────────────────────────────────────────────────────────────────────────────────────

    public override bool IsRecurrent => true;

    public override string? WhyNoStep(ShapedLayer layer)
    {
        RecurrentOptions options = Options(layer.Spec);
        if (options.Bidirectional)
            return $"{layer.Kind} '{layer.Name}' is bidirectional: its reverse direction runs from the last step back to the first, so its " +
                   "output at a step depends on the steps after it, which a stream has not seen yet; declare it without Bidirectional " +
                   "(a causal model) to stream, or call Forward on whole sequences";
        return !options.ReturnSequences
            ? $"{layer.Kind} '{layer.Name}' does not return sequences (its output is the last step's, {layer.Output.Text}); " +
              "declare it with ReturnSequences = true, and every layer after it per time step, to stream"
            : null;
    }

    /// <summary>The floats of one sub-layer's streaming state (h, c and scratch), as the kernels size it.</summary>
    private int SubStateLength(ShapedLayer layer) => (int)LayoutArithmetic.RecurrentStepStateLength(_cell, layer.Spec.Units);

    /// <summary>The floats of its streaming state: each sub-layer's h, c and scratch, one after another.</summary>
    public override int StepStateLength(ShapedLayer layer) => Options(layer.Spec).NumLayers * SubStateLength(layer);

    public override string StepStateText(ShapedLayer layer)
    {
        string one = "h in the first " + LayoutArithmetic.Padded(layer.Spec.Units) + " floats" + (_cell == LayoutArithmetic.LstmCell ? ", then c" : "") + ", then scratch";
        int layers = Options(layer.Spec).NumLayers;
        return layers == 1 ? one : $"{layers} layers of {SubStateLength(layer)} floats, each {one}";
    }

    public override void WriteStep(CodeWriter w, StepWriter s, ShapedLayer layer)
    {
        IReadOnlyList<ShapedLayer> layers = s.Layers;
        int features = layer.Input.Channels, last = Options(layer.Spec).NumLayers - 1;
        string x = s.CurrentStride == features ? s.Current : $"{s.Current}.Slice(0, {features})";
        // A stack: each sub-layer but the last steps on the h the one below just left in its state.
        for (int sub = 0; sub < last; sub++)
        {
            w.Line(CallHead(layer, "Step", x, sub));
            w.Line($"    {CallState(layer, sub)}); // {layer.Name}, layer {sub}");
            x = StateSlice(layer, sub, layer.Spec.Units);
        }
        w.Line(CallHead(layer, "Step", x, last));
        string arguments = CallState(layer, last);
        string name = last == 0 ? layer.Name : $"{layer.Name}, layer {last}";
        s.Advance(StateSlice(layer, last, layer.Output.PositionStride), layer.Output.PositionStride);
        // A Dense layer right after (Dropout aside) runs in the same call: the readout reads h where the step left it.
        int next = s.Index + 1;
        while (next < layers.Count && layers[next].Definition.IsIdentityAtInference) next++;
        ShapedLayer? readout = next < layers.Count && layers[next].Definition == DenseLayer.Instance ? layers[next] : null;
        if (readout is null)
        {
            w.Line($"    {arguments}); // {name}");
            return;
        }
        int width = readout.Output.PositionStride;
        string y = $"state.Slice({readout.Identifier}Step, {width})";
        w.Line($"    {arguments}, // {name}");
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

    /// <summary>Sub-layer <paramref name="sub"/>'s streaming state (or its first <paramref name="length"/> floats): <c>state.Slice(Layer0Step + 352, 352)</c>.</summary>
    private string StateSlice(ShapedLayer layer, int sub, int? length)
    {
        string offset = sub == 0 ? $"{layer.Identifier}Step" : $"{layer.Identifier}Step + {sub * SubStateLength(layer)}";
        return $"state.Slice({offset}, {length ?? SubStateLength(layer)})";
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
        bool fits = recurrent.Definition is RecurrentLayer && !Options(recurrent.Spec).IsStack && readout.Definition == DenseLayer.Instance &&
            DenseLayer.IsDot(readout) && readout.Activation == ActivationKind.None && readout == network.OutputLayer;
        return fits ? (recurrent, readout) : null;
    }

    /// <summary>The statements of <c>StepBlock</c> for a network that <see cref="BlockInOneCall"/> accepts.</summary>
    public static void WriteBlockCall(CodeWriter w, ShapedLayer recurrent, ShapedLayer readout)
    {
        var home = (RecurrentLayer)recurrent.Definition;
        w.Line(home.CallHead(recurrent, "StepBlock", "input", 0));
        w.Line($"    {home.CallState(recurrent, 0)}, // {recurrent.Name}");
        w.Line($"    {DenseLayer.Slices(readout, "parameters")}, readoutWidth: 1, output, steps); // {readout.Name}, fused");
    }

    /// <summary>The first line of a sub-layer's kernel call: the kernel, its input and its weight matrices.</summary>
    private string CallHead(ShapedLayer layer, string method, string x, int sub)
    {
        int features = sub == 0 ? layer.Input.Channels : layer.Spec.Units, gateWidth = GateWidth(layer);
        string l = TensorSuffix(sub, false);
        return $"{Kernels}{KernelClass}.{method}({x}, inputs: {features}, " +
            $"{MatrixSlice(layer, "weight_ih" + l, "parameters", gateWidth)}, {MatrixSlice(layer, "weight_hh" + l, "parameters", gateWidth)},";
    }

    /// <summary>The rest of a sub-layer's kernel call before any readout: biases, sizes and its state.</summary>
    private string CallState(ShapedLayer layer, int sub)
    {
        string l = TensorSuffix(sub, false);
        return $"{TensorSlice(layer, "bias_ih" + l, "parameters")}, {TensorSlice(layer, "bias_hh" + l, "parameters")}, hidden: {layer.Spec.Units}, " +
            $"{ActivationArgument(layer)}{StateSlice(layer, sub, null)}";
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>A stack with Dropout between its layers trains differently (and draws random numbers).</summary>
    public override bool TrainsDifferently(LayerSpec layer) => ((RecurrentOptions)layer.Options!).Dropout > 0f;

    public override bool DrawsRandom(LayerSpec layer) => ((RecurrentOptions)layer.Options!).Dropout > 0f;

    public override IEnumerable<(string Suffix, bool IsMethod)> ExtraMembers(LayerSpec layer, bool trainable)
    {
        if (trainable && TrainsDifferently(layer)) yield return ("TrainingForward", true);
    }

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>One ONNX <c>LSTM</c>/<c>GRU</c>/<c>RNN</c> per sub-layer, gates in ONNX's order (see <c>OnnxGraphBuilder.Recurrent</c>).</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer)
    {
        RecurrentOptions o = Options(layer.Spec);
        string cell = _cell == LayoutArithmetic.LstmCell ? "LSTM" : _cell == LayoutArithmetic.GruCell ? "GRU" : "RNN";
        string activation = layer.Activation == ActivationKind.ReLU ? "Relu" : "Tanh";
        w.Line($"x = onnx.Recurrent(x, \"{cell}\", {Quote(layer.Name)}, hidden: {layer.Spec.Units}, numLayers: {o.NumLayers}, " +
            $"bidirectional: {(o.Bidirectional ? "true" : "false")}, returnSequences: {(o.ReturnSequences ? "true" : "false")}, rnnActivation: \"{activation}\");");
    }

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        RecurrentOptions o = Options(layer.Spec);
        string cell = _cell == LayoutArithmetic.LstmCell ? "LSTM" : _cell == LayoutArithmetic.GruCell ? "GRU" : "RNN";
        string nonlinearity = _cell == LayoutArithmetic.RnnCell ? $", nonlinearity='{(layer.Activation == ActivationKind.ReLU ? "relu" : "tanh")}'" : "";
        yield return (PyTorchName(layer), $"{cell}({layer.Input.Channels}, {layer.Spec.Units}, num_layers={o.NumLayers}, bidirectional={(o.Bidirectional ? "True" : "False")}, " +
            $"dropout={Text(o.Dropout)}, return_sequences={(o.ReturnSequences ? "True" : "False")}{nonlinearity})");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training)
    {
        if (!Options(layer.Spec).IsStack)
            return $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, {wiring.RegionOf(layer, "Saved")}, {wiring.Output(layer)}, rows);";
        return training && TrainsDifferently(layer.Spec)
            ? $"{layer.Identifier}TrainingForward(parameters, {wiring.Input(layer)}, activations, {wiring.Output(layer)}, rows, ref random);"
            : $"{layer.Identifier}Forward(parameters, {wiring.Input(layer)}, activations, {wiring.Output(layer)}, rows);";
    }

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        string dx = wiring.InputDelta(layer) is { } delta ? ", " + delta : "";
        if (Options(layer.Spec).IsStack)
            return $"{layer.Identifier}Backward(parameters, gradients, {wiring.Input(layer)}, activations, deltas, {wiring.OutputDelta(layer)}{dx}, rows);";
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
        if (Options(layer.Spec).IsStack)
        {
            WriteStackMethods(w, wiring, layer);
            return;
        }
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

    // ── A stack (NumLayers, Bidirectional) ─────────────────────────────────────────────────────────────────────────

    /// <summary>One direction of one sub-layer as the kernel call's arguments see it.</summary>
    private readonly struct Run
    {
        public Run(string x, string y, string dy, string dx, int steps, int inputs, int positionStride, int sampleStride, bool sequences, bool reverse, int offset, int width, string saved, string tensors)
        {
            X = x; Y = y; Dy = dy; Dx = dx; Steps = steps; Inputs = inputs; PositionStride = positionStride; SampleStride = sampleStride;
            Sequences = sequences; Reverse = reverse; Offset = offset; Width = width; Saved = saved; Tensors = tensors;
        }

        public string X { get; }
        public string Y { get; }
        public string Dy { get; }
        public string Dx { get; }
        public int Steps { get; }
        public int Inputs { get; }
        public int PositionStride { get; }
        public int SampleStride { get; }
        public bool Sequences { get; }
        public bool Reverse { get; }
        public int Offset { get; }
        public int Width { get; }
        public string Saved { get; }
        public string Tensors { get; }
    }

    /// <summary>
    /// The runs of sub-layer <paramref name="sub"/>, forward direction first: their input (the layer's x, or the sub-layer
    /// below's output region), output (y, or this sub-layer's output region), gradients, and sizes. The last sub-layer's
    /// reverse direction without ReturnSequences runs one step, on the last time step's input, in forward order.
    /// </summary>
    private IEnumerable<Run> Runs(Wiring wiring, ShapedLayer layer, int sub, bool hasDx)
    {
        RecurrentOptions options = Options(layer.Spec);
        ActivationShape input = layer.Input, output = layer.Output;
        int steps = input.Positions, hidden = layer.Spec.Units, last = options.NumLayers - 1;
        int width = LayoutArithmetic.Padded(options.Directions * hidden), between = steps * width;
        string x = sub == 0 ? "x" : wiring.RegionOf(layer, $"OutputL{sub - 1}", "activations");
        string dx = sub == 0 ? (hasDx ? "dx" : "default") : wiring.RegionOf(layer, $"OutputL{sub - 1}", "deltas");
        string y = sub == last ? "y" : wiring.RegionOf(layer, $"OutputL{sub}", "activations");
        string dy = sub == last ? "dy" : wiring.RegionOf(layer, $"OutputL{sub}", "deltas");
        int inputs = sub == 0 ? input.Channels : options.Directions * hidden;
        int positionStride = sub == 0 ? input.PositionStride : width, sampleStride = sub == 0 ? input.RowLength : between;
        bool sequences = sub < last || options.ReturnSequences;
        for (int direction = 0; direction < options.Directions; direction++)
        {
            bool reverse = direction == 1;
            int runs = RunSteps(options, steps, sub, reverse);
            string runX = x, runDx = dx;
            if (runs != steps) // the reverse direction's first step: the last time step, in forward order
            {
                string skip = $".Slice({(steps - 1) * positionStride})";
                runX += skip;
                if (runDx != "default") runDx += skip;
                reverse = false;
            }
            yield return new Run(runX, y, dy, runDx, runs, inputs, positionStride, sampleStride, sequences, reverse, direction * hidden,
                sequences ? width : output.PositionStride, wiring.RegionOf(layer, SavedRegion(sub, direction == 1)), TensorSuffix(sub, direction == 1));
        }
    }

    private void WriteStackMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        RecurrentOptions options = Options(layer.Spec);
        ActivationShape input = layer.Input, output = layer.Output;
        int steps = input.Positions, features = input.Channels, hidden = layer.Spec.Units, gateWidth = GateWidth(layer);
        int width = LayoutArithmetic.Padded(options.Directions * hidden);
        bool sequences = options.ReturnSequences;
        string id = layer.Identifier, kernel = Kernels + KernelClass;
        string cell = _cell == LayoutArithmetic.RnnCell ? $"SimpleRNN ({layer.Activation})" : layer.Kind.ToString();
        string shape = (options.NumLayers > 1 ? $"{options.NumLayers} layers" : "") + (options.NumLayers > 1 && options.Bidirectional ? ", " : "") +
            (options.Bidirectional ? "bidirectional" : "");
        WriteBanner(w, layer, $"{cell} {input.Text} → {output.Text}, {shape}" + (sequences ? ", every step" : ", last step") +
            (options.Dropout > 0f ? $", dropout {Text(options.Dropout)} between layers" : ""));
        string outputText = sequences ? $"[rows, {steps}, {output.PositionStride}]" : $"[rows, {output.PositionStride}]";
        string layout = options.Bidirectional ? $" (forward h in columns [0, {hidden}), reverse h in [{hidden}, {2 * hidden}))" : "";

        foreach (bool training in options.Dropout > 0f && wiring.Trains ? new[] { false, true } : new[] { false })
        {
            string what = training ? "forward in training (dropout between layers)" : options.Dropout > 0f ? "forward in inference (no dropout)" : "forward";
            w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} {what}: x [rows, {steps}, {features}] → h {outputText}{layout}; each layer's output [rows, {steps}, {width}] feeds the next; saves each step's gates for backward.</summary>");
            w.Hot();
            w.Open($"private static void {id}{(training ? "TrainingForward" : "Forward")}({ReadOnlySpan} parameters, {ReadOnlySpan} x, {Span} activations, {Span} y, int rows{(training ? ", ref ulong random" : "")})");
            for (int sub = 0; sub < options.NumLayers; sub++)
            {
                foreach (Run run in Runs(wiring, layer, sub, hasDx: false))
                {
                    string t = run.Tensors;
                    w.Line($"{kernel}.ForwardDirection({run.X}, rows, steps: {run.Steps}, inputs: {run.Inputs}, positionStride: {run.PositionStride}, sampleStride: {run.SampleStride},");
                    w.Line($"    {MatrixSlice(layer, "weight_ih" + t, "parameters", gateWidth)}, {MatrixSlice(layer, "weight_hh" + t, "parameters", gateWidth)},");
                    w.Line($"    {TensorSlice(layer, "bias_ih" + t, "parameters")}, {TensorSlice(layer, "bias_hh" + t, "parameters")}, hidden: {hidden}, {ActivationArgument(layer)}{run.Saved},");
                    w.Line($"    {run.Y}, returnSequences: {Bool(run.Sequences)}, reverse: {Bool(run.Reverse)}, outputOffset: {run.Offset}, outputWidth: {run.Width}); // layer {sub}{(run.Offset > 0 ? ", reverse" : "")}");
                }
                if (training && sub < options.NumLayers - 1)
                {
                    string h = wiring.RegionOf(layer, $"OutputL{sub}");
                    w.Line($"{Kernels}DropoutKernels.Forward({h}, rows * {steps}, channels: {options.Directions * hidden}, channelStride: {width}, rate: {Literal(options.Dropout)}, ref random,");
                    w.Line($"    {wiring.RegionOf(layer, $"MaskL{sub}")}, {h}); // between layers {sub} and {sub + 1}");
                }
            }
            w.Close();
            w.Line();
        }
        if (!wiring.Trains) return;

        string dxText = layer.IsFirst ? "; the network's input needs no gradient" : $", dx in x's layout";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward through time, last layer first: dy {outputText} → dW, db (accumulated){dxText}. Uses the saved regions as scratch.</summary>");
        string dxParameter = layer.IsFirst ? "" : $"{Span} dx, ";
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} parameters, {Span} gradients, {ReadOnlySpan} x, {Span} activations, {Span} deltas, {ReadOnlySpan} dy, {dxParameter}int rows)");
        for (int sub = options.NumLayers - 1; sub >= 0; sub--)
        {
            bool accumulate = false;
            foreach (Run run in Runs(wiring, layer, sub, hasDx: !layer.IsFirst))
            {
                string t = run.Tensors;
                w.Line($"{kernel}.BackwardDirection({run.X}, rows, steps: {run.Steps}, inputs: {run.Inputs}, positionStride: {run.PositionStride}, sampleStride: {run.SampleStride},");
                w.Line($"    {MatrixSlice(layer, "weight_ih" + t, "parameters", gateWidth)}, {MatrixSlice(layer, "weight_hh" + t, "parameters", gateWidth)}, hidden: {hidden}, {ActivationArgument(layer)}{run.Saved},");
                w.Line($"    {run.Dy}, returnSequences: {Bool(run.Sequences)}, reverse: {Bool(run.Reverse)}, outputOffset: {run.Offset}, outputWidth: {run.Width},");
                w.Line($"    {MatrixSlice(layer, "weight_ih" + t, "gradients", gateWidth)}, {MatrixSlice(layer, "weight_hh" + t, "gradients", gateWidth)},");
                w.Line($"    {TensorSlice(layer, "bias_ih" + t, "gradients")}, {TensorSlice(layer, "bias_hh" + t, "gradients")}, {run.Dx}, accumulateDx: {Bool(accumulate)}); // layer {sub}{(run.Offset > 0 ? ", reverse" : "")}");
                accumulate = true; // the reverse direction adds its input gradient to the forward one's
            }
            if (sub > 0 && options.Dropout > 0f)
            {
                string d = wiring.RegionOf(layer, $"OutputL{sub - 1}", "deltas");
                w.Line($"{Kernels}DropoutKernels.Backward({d}, {wiring.RegionOf(layer, $"MaskL{sub - 1}")}, rows * {steps}, channelStride: {width}, {d}); // between layers {sub - 1} and {sub}");
            }
        }
        w.Close();
        w.Line();
    }

    private static string Bool(bool value) => value ? "true" : "false";
}
