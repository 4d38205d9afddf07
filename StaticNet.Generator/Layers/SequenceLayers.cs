using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of <c>[PositionalEmbedding]</c>.</summary>
/// <param name="MaxPositions">The rows of the table; 0 means the sequence's length.</param>
internal sealed record PositionalOptions(int MaxPositions) : LayerOptions;

/// <summary>The settings of <c>[SequencePool]</c>.</summary>
/// <param name="Pooling">The runtime's <c>SequencePooling</c>: 0 mean, 1 first, 2 last.</param>
internal sealed record SequencePoolOptions(int Pooling) : LayerOptions;

/// <summary>
/// The position encodings added to a [T, F] sequence, shape unchanged: <c>[PositionalEmbedding]</c> (learned, an
/// <c>nn.Embedding</c> of positions: <c>weight [MaxPositions, F]</c> stored with rows padded to 16, its first T rows
/// added) and <c>[SinusoidalPositions]</c> (fixed: a table computed once per type, a static field of the generated class).
/// </summary>
internal sealed class PositionalLayer : LayerDefinition
{
    public static readonly PositionalLayer Learned = new(LayerKind.PositionalEmbedding, "StaticNet.PositionalEmbeddingAttribute", learned: true);
    public static readonly PositionalLayer Sinusoidal = new(LayerKind.SinusoidalPositions, "StaticNet.SinusoidalPositionsAttribute", learned: false);

    private readonly bool _learned;

    private PositionalLayer(LayerKind kind, string attribute, bool learned) : base(kind, attribute) => _learned = learned;

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, 0, ActivationKind.None, name,
            _learned ? new PositionalOptions(AttributeArguments.NamedInt(attribute, "MaxPositions", 0)) : null);

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        if (input.Kind != ShapeKind.Sequence)
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"{c.Layer.Kind} '{c.Name}' follows an output of shape {input.Text} ({ShapeInference.Describe(input)}); expected a sequence [steps, features] to add positions to"));
        int steps = input.Positions, features = input.Channels, width = LayoutArithmetic.Padded(features);
        if (_learned)
        {
            int rows = ((PositionalOptions)c.Layer.Options!).MaxPositions;
            if (rows == 0) rows = steps;
            if (rows < steps)
                return Fail(c.Error(DiagnosticIds.InvalidOption,
                    $"PositionalEmbedding '{c.Name}' has MaxPositions {rows} for a sequence of {steps} steps; expected at least {steps} (or 0, the sequence's length)"));
            c.Tensor("weight", new[] { rows, features }, new[] { width, 1 }, (long)rows * width, TensorInit.Normal, 0, $"[{rows}, {width}]");
        }
        else if (features % 2 != 0)
        {
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"SinusoidalPositions '{c.Name}' follows {features} features; expected an even number (sine and cosine pairs, as PyTorch's PositionalEncoding)"));
        }
        ActivationShape output = ShapeInference.Same(input);
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    public override bool NeedsChannelsLastInput => true;

    public override string TensorExample(string name) => _learned ? $", e.g. '{name}.weight'" : "";

    /// <summary>
    /// A learned table is an <c>nn.Embedding</c> of the positions; the fixed one the sinusoidal <c>PositionalEncoding</c> of
    /// PyTorch's tutorial. Both only add a row to each step: no multiply-adds (as Embedding's row).
    /// </summary>
    public override LayerRow Row(ShapedLayer layer) => new(_learned ? "Embedding (positions)" : "PositionalEncoding (sinusoidal)", 0);

    public override bool ShowsInTopology => false;

    public override IEnumerable<(string Suffix, bool IsMethod)> ExtraMembers(bool trainable)
    {
        if (!_learned) yield return ("Table", false);
    }

    // ── Streaming ──────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Positions stream: the layer counts the steps since <c>ResetState</c> and adds that position's row.</summary>
    public override string? WhyNoStep(ShapedLayer layer) => null;

    /// <summary>The step state: the steps seen (an int, at most T), then one step's output.</summary>
    public override int StepStateLength(ShapedLayer layer) => LayoutArithmetic.WidthAlignment + layer.Output.PositionStride;

    public override string StepStateText(ShapedLayer layer) => $"the steps seen (at most {layer.Output.Positions}) and one step's output, [{StepStateLength(layer)}]";

    /// <summary>
    /// Adds the row of the step's position in the window: the steps since <c>ResetState</c>, and T − 1 once the window
    /// is full (a stream's newest step is the last of the window <c>Forward</c> would see), so the first T steps give
    /// <c>Forward</c>'s outputs and every later step is encoded as the window's last.
    /// </summary>
    public override void WriteStep(CodeWriter w, StepWriter s, ShapedLayer layer)
    {
        string id = layer.Identifier;
        int steps = layer.Output.Positions, features = layer.Output.Channels, width = layer.Output.PositionStride;
        string y = $"state.Slice({id}Step + {LayoutArithmetic.WidthAlignment}, {width})";
        string row = _learned
            ? $"parameters.Slice({id}Weight + {id}Position * {width}, {features})"
            : $"new global::System.ReadOnlySpan<float>({id}Table, {id}Position * {width}, {features})";
        w.Line($"// {layer.Name}: adds the encoding of the step's position in the window (the steps since ResetState, at most {steps - 1})");
        w.Line($"ref int {id}Seen = ref global::System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(state.Slice({id}Step, 1))[0];");
        w.Line($"int {id}Position = {id}Seen < {steps - 1} ? {id}Seen : {steps - 1};");
        w.Line($"{id}Seen = {id}Position + 1;");
        w.Line($"{Kernels}SequenceKernels.Add({s.Current}.Slice(0, {features}), {row}, {y}.Slice(0, {features}));");
        s.Advance(y, width);
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    private static int Length(ShapedLayer layer) => layer.Output.Positions * layer.Output.PositionStride;

    private string Table(ShapedLayer layer, string buffer) => _learned
        ? $"{buffer}.Slice({layer.Identifier}Weight, {layer.Output.Positions} * {layer.Output.PositionStride})"
        : $"{layer.Identifier}Table";

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>The learned table's first T rows (a <c>Slice</c>), or the sinusoidal table as a constant, added.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer)
    {
        int steps = layer.Input.Positions, features = layer.Input.Channels;
        w.Line(_learned
            ? $"x = onnx.AddLearnedPositions(x, {Quote(layer.Name + ".weight")}, steps: {steps});"
            : $"x = onnx.AddTable(x, {Kernels}SequenceKernels.SinusoidalTable({steps}, {features}, {features}), {steps}, {features}, {features});");
    }

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        int features = layer.Input.Channels;
        yield return (PyTorchName(layer), _learned
            ? $"PositionalEmbedding({Tensor(layer, "weight").Shape[0]}, {features})"
            : $"SinusoidalPositions({layer.Input.Positions}, {features})");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward({(_learned ? "parameters, " : "")}{wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        string? dx = wiring.InputDelta(layer);
        if (!_learned)
            return dx is null ? null : $"{wiring.OutputDelta(layer)}.CopyTo({dx}); // {layer.Name}: the gradient passes through";
        return $"{layer.Identifier}Backward(gradients, {wiring.OutputDelta(layer)}, {dx ?? "default"}, rows);";
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        int steps = layer.Output.Positions, features = layer.Output.Channels, width = layer.Output.PositionStride;
        string rowText = RowText(layer.Output);
        if (_learned)
        {
            int rows = layer.FindTensor("weight")!.Shape[0];
            WriteBanner(w, layer, $"PositionalEmbedding (nn.Embedding({rows}, {features}) of positions 0…{steps - 1}) added to {layer.Output.Text}");
        }
        else
        {
            WriteBanner(w, layer, $"SinusoidalPositions (sin/cos, d {features}) added to {layer.Output.Text}");
            w.Line($"/// <summary>The sinusoidal encoding of positions 0…{steps - 1}, [{steps}, {width}], computed once.</summary>");
            w.Line($"private static readonly float[] {id}Table = {Kernels}SequenceKernels.SinusoidalTable(steps: {steps}, features: {features}, stride: {width});");
            w.Line();
        }
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x {rowText} → y = x + the position's encoding at every step.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({(_learned ? ReadOnlySpan + " parameters, " : "")}{ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"{Kernels}SequenceKernels.AddToEachRow(x, rows, length: {steps} * {width}, {Table(layer, "parameters")}, y);");
        w.Close();
        w.Line();
        if (!wiring.Trains || !_learned) return;
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy {rowText} summed over the rows into dW's first {steps} rows; dx = dy (unless the input needs none).</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({Span} gradients, {ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Line($"{Kernels}SequenceKernels.AccumulateRows(dy, rows, length: {steps} * {width}, {Table(layer, "gradients")});");
        w.Line("if (!dx.IsEmpty) dy.CopyTo(dx);");
        w.Close();
        w.Line();
    }
}

/// <summary>
/// <c>[SequencePool(pooling)]</c>: a [T, F] sequence → [F], the mean over the steps, the first step or the last. In
/// PyTorch an expression in <c>forward</c>, or a small module in an <c>nn.Sequential</c>, whose index it takes.
/// </summary>
internal sealed class SequencePoolLayer : LayerDefinition
{
    public static readonly SequencePoolLayer Instance = new();

    private static readonly string[] s_names = { "Mean", "First", "Last" };
    private static readonly string[] s_expressions = { "x.mean(dim=1)", "x[:, 0]", "x[:, -1]" };

    private SequencePoolLayer() : base(LayerKind.SequencePool, "StaticNet.SequencePoolAttribute")
    {
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, 0, ActivationKind.None, name,
            new SequencePoolOptions(AttributeArguments.Int(attribute, 0)));

    public override void CheckValues(LayerSpec layer, List<ShapeError> errors)
    {
        int pooling = ((SequencePoolOptions)layer.Options!).Pooling;
        if (pooling is < 0 or > 2)
            errors.Add(new ShapeError(DiagnosticIds.UndefinedValue, layer.AttributeIndex,
                $"SequencePool has pooling {pooling}, which is not a SequencePooling value; expected Mean, First or Last"));
    }

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        if (input.Kind != ShapeKind.Sequence)
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"SequencePool '{c.Name}' follows an output of shape {input.Text} ({ShapeInference.Describe(input)}); expected a sequence [steps, features]"));
        ActivationShape output = ActivationShape.Padded(ShapeKind.Vector, input.Channels);
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    public override bool NeedsChannelsLastInput => true;

    public override string KindText(ShapedLayer layer) => "SequencePool";

    /// <summary>SequencePool with its PyTorch expression: <c>SequencePool (x.mean(dim=1))</c>; no multiply-adds, as a pool's row.</summary>
    public override LayerRow Row(ShapedLayer layer) => new($"SequencePool ({s_expressions[Mode(layer)]})", 0);

    public override string DocumentationText(ShapedLayer layer) => $"SequencePool({Name(layer)})";

    public override string? WhyNoStep(ShapedLayer layer) =>
        $"SequencePool '{layer.Name}' reads a whole sequence ({layer.Input.Text}), not one time step at a time";

    private static int Mode(ShapedLayer layer) => ((SequencePoolOptions)layer.Spec.Options!).Pooling;

    private static string Name(ShapedLayer layer) => s_names[Mode(layer)];

    /// <summary>The padding token whose steps a mean leaves out (from <c>[Embedding(…, PaddingIndex = p)]</c>), or null.</summary>
    private static int? Padding(Wiring wiring, ShapedLayer layer) => Mode(layer) == 0 ? EmbeddingLayer.PaddingIndex(wiring, layer, layer.Input.Positions) : null;

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary><c>ReduceMean</c> over the steps, or a <c>Slice</c> of the first or last step.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer) => w.Line($"x = onnx.SequencePool(x, {Mode(layer)});");

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        yield return (PyTorchName(layer), $"SequencePool({Mode(layer)})");
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward({wiring.Input(layer)}, {wiring.Output(layer)}, rows{(Padding(wiring, layer) is null ? "" : ", x")});";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer) => wiring.InputDelta(layer) is { } dx
        ? $"{layer.Identifier}Backward({wiring.OutputDelta(layer)}, {dx}, rows{(Padding(wiring, layer) is null ? "" : ", x")});"
        : null;

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier;
        int steps = layer.Input.Positions, width = layer.Input.PositionStride, mode = Mode(layer);
        WriteBanner(w, layer, $"SequencePool {Name(layer)} ({s_expressions[mode]}), {layer.Input.Text} → {layer.Output.Text}");
        if (Padding(wiring, layer) is { } padding)
        {
            string tokens = "global::System.ReadOnlySpan<int> tokens";
            w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x [rows, {steps}, {width}] → y [rows, {width}], the mean over the steps whose token is not {padding} (the padding).</summary>");
            w.Hot();
            w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows, {tokens})");
            w.Line($"{Kernels}SequenceKernels.PoolMeanUnpadded(x, rows, steps: {steps}, stride: {width}, tokens, paddingIndex: {padding}, y);");
            w.Close();
            w.Line();
            if (!wiring.Trains || layer.IsFirst) return;
            w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {width}] → dx [rows, {steps}, {width}], zero at the padding steps.</summary>");
            w.Hot();
            w.Open($"private static void {id}Backward({ReadOnlySpan} dy, {Span} dx, int rows, {tokens})");
            w.Line($"{Kernels}SequenceKernels.PoolMeanUnpaddedBackward(dy, rows, steps: {steps}, stride: {width}, tokens, paddingIndex: {padding}, dx);");
            w.Close();
            w.Line();
            return;
        }
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} forward: x [rows, {steps}, {width}] → y [rows, {width}], {s_expressions[mode]}.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"{Kernels}SequenceKernels.Pool(x, rows, steps: {steps}, stride: {width}, mode: {mode}, y); // {Name(layer)}");
        w.Close();
        w.Line();
        if (!wiring.Trains || layer.IsFirst) return;
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [rows, {width}] → dx [rows, {steps}, {width}].</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Line($"{Kernels}SequenceKernels.PoolBackward(dy, rows, steps: {steps}, stride: {width}, mode: {mode}, dx);");
        w.Close();
        w.Line();
    }
}
