using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>
/// <c>[Dense(units[, activation])]</c>, PyTorch's <c>nn.Linear</c> (and the activation module after it): [N] → [units], or
/// a [T, F] sequence → [T, units] applied at every step, each step a row. <c>DenseKernels</c> on a weight stored
/// transposed, <c>[inputs, width]</c>, or, with one unit, as its PyTorch row <c>[inputs]</c> (the <c>…Dot</c> kernels).
/// The main size and the activation are the spec's own; Dense has no other options.
/// </summary>
internal sealed partial class DenseLayer : LayerDefinition
{
    public static readonly DenseLayer Instance = new();

    private DenseLayer() : base(LayerKind.Dense, "StaticNet.DenseAttribute")
    {
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, AttributeArguments.Int(attribute, 0), (ActivationKind)AttributeArguments.Int(attribute, 1), name);

    // ── Shape ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// Whether a Dense layer of this many units is a dot product: its weight is then PyTorch's own row, [in], not a column
    /// padded to 16 floats, and its kernels are DenseKernels' …Dot ones. The one rule the layout and the emitters share.
    /// </summary>
    public static bool IsDotProduct(int units) => units == 1;

    /// <summary>A one-unit layer is a dot product: its weight is a row, <c>[inputs]</c>, and it runs the <c>…Dot</c> kernels.</summary>
    public static bool IsDot(ShapedLayer layer) => IsDotProduct(layer.Spec.Units);

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        int units = c.Layer.Units;
        if (units <= 0)
            return Fail(c.Error(DiagnosticIds.NonPositiveSize, $"Dense '{c.Name}' must have at least 1 unit; found {units}"));
        if (input.Kind is ShapeKind.Spatial1D or ShapeKind.Spatial2D)
            return Fail(c.Error(DiagnosticIds.MissingFlatten,
                $"Dense '{c.Name}' follows an output of shape {input.Text} ({ShapeInference.Describe(input)}); expected a vector. Add [Flatten] before it (Dense would otherwise apply to the last dimension only)"));
        if (units > ShapeInference.MaxBufferLength / LayoutArithmetic.WidthAlignment)
            return Fail(c.Error(DiagnosticIds.TooLarge, $"Dense '{c.Name}' has {units:N0} units; expected at most {ShapeInference.MaxBufferLength / LayoutArithmetic.WidthAlignment:N0}"));
        int inputs = input.Channels, width = LayoutArithmetic.Padded(units);
        ActivationShape output = input.Kind == ShapeKind.Sequence
            ? ActivationShape.Padded(ShapeKind.Sequence, input.Positions, units)
            : ActivationShape.Padded(ShapeKind.Vector, units);
        if (IsDotProduct(units))
            c.Tensor("weight", new[] { 1, inputs }, new[] { inputs, 1 }, LayoutArithmetic.Padded(inputs), TensorInit.UniformFanIn, inputs,
                $"[{inputs}] (a dot product)"); // the next tensor stays 64-byte aligned
        else
            c.Tensor("weight", new[] { units, inputs }, new[] { 1, width }, (long)inputs * width, TensorInit.UniformFanIn, inputs,
                $"[{inputs}, {width}]" + (width == units ? "" : $" ({units} + {width - units} padding)"));
        c.Tensor("bias", new[] { units }, new[] { 1 }, width, TensorInit.UniformFanIn, inputs, $"[{width}]");
        c.OutputRegions(output, c.Layer.Activation);
        return (output, null);
    }

    public override int ModuleCount(LayerSpec layer) => layer.Activation != ActivationKind.None ? 2 : 1;

    /// <summary>A stand-alone activation after it runs in its kernel when it declares none (vectors and sequences: Softmax too).</summary>
    public override bool TakesActivation(LayerSpec layer, ActivationKind function) => layer.Activation == ActivationKind.None;

    public override LayerRow Row(ShapedLayer layer) =>
        new(WithActivation("Linear", layer), (long)layer.Output.Positions * layer.Input.Channels * layer.Output.Channels);

    public override bool SkipsFrozenWork => true;

    public override string TensorExample(string name) => $", e.g. '{name}.weight'";

    // ── Streaming ──────────────────────────────────────────────────────────────────────────────────────────────────

    public override string? WhyNoStep(ShapedLayer layer) => layer.Output.Kind != ShapeKind.Sequence
        ? $"{layer.Kind} '{layer.Name}' reads whole samples ({layer.Input.Text}), not one time step at a time"
        : null;

    public override void WriteStep(CodeWriter w, StepWriter s, ShapedLayer layer)
    {
        int inputs = layer.Input.Channels, width = layer.Output.PositionStride;
        string y = $"state.Slice({layer.Identifier}Step, {width})";
        // One sample: ForwardStep sums for latency (the order differs from Forward's in the last bits).
        string x = s.CurrentStride == inputs ? s.Current : $"{s.Current}.Slice(0, {inputs})";
        if (IsDot(layer))
            w.Line($"{Kernels}DenseKernels.ForwardDot({x}, 1, inputs: {inputs}, xStride: {inputs}, {Slices(layer, "parameters")}, {y}, yStride: {width}); // {layer.Name}");
        else
        {
            w.Line($"{Kernels}DenseKernels.ForwardStep({x}, inputs: {inputs},");
            w.Line($"    {Slices(layer, "parameters")}, {y}, width: {width}); // {layer.Name}");
        }
        WriteStepActivation(w, layer, y);
        s.Advance(y, width);
    }

    /// <summary>The fused activation of one step's output, in place.</summary>
    public static void WriteStepActivation(CodeWriter w, ShapedLayer layer, string y)
    {
        int units = layer.Output.Channels, width = layer.Output.PositionStride;
        if (KeepsPreActivation(layer))
            w.Line($"{Kernels}ActivationKernels.{PreActivationKernel(layer.Activation)}({y}, {y}, 1, columns: {units}, stride: {width});");
        else if (layer.Activation != ActivationKind.None)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}({y}, 1, columns: {units}, stride: {width});");
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary><c>Gemm</c> (a sequence: <c>MatMul</c> + <c>Add</c>, per step), then the declared activation as its own node.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer)
    {
        string method = layer.Input.Kind == ShapeKind.Sequence ? "Linear" : "Gemm";
        w.Line($"x = onnx.{method}(x, {Quote(layer.Name + ".weight")}, {Quote(layer.Name + ".bias")});");
        WriteOnnxActivation(w, layer);
    }

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer) =>
        WithPyTorchActivation(layer, $"nn.Linear({layer.Input.Channels}, {layer.Spec.Units})");

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
        string fresh = (Overwrites(layer) ? ", fresh: overwrite" : "") + (IsDeferred(wiring, layer) ? $", {DeferredParameter}" : "");
        return $"{layer.Identifier}Backward({arguments}, rows{wiring.BackwardFlags(layer)}{fresh});";
    }

    /// <summary>
    /// Whether its weight gradient kernel overwrites the gradients when <c>BackwardRows</c> asks (the matrix kernel, trainable,
    /// the weight <c>[inputs, width]</c> and bias <c>[width]</c> exactly the floats the kernel writes).
    /// </summary>
    private static bool Overwrites(ShapedLayer layer) =>
        !IsDot(layer) && layer.IsTrainable && layer.IsLive &&
        layer.FindTensor("weight") is { } weight && layer.FindTensor("bias") is { } bias &&
        weight.Length == layer.Input.Channels * layer.Output.PositionStride && bias.Length == layer.Output.PositionStride;

    public override (int Start, int Length)[] OverwrittenGradients(ShapedLayer layer) =>
        Overwrites(layer)
            ? new[] { (layer.FindTensor("weight")!.Offset, layer.FindTensor("weight")!.Length), (layer.FindTensor("bias")!.Offset, layer.FindTensor("bias")!.Length) }
            : System.Array.Empty<(int, int)>();

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        WriteBanner(w, layer, $"Dense {layer.Input.Channels} → {layer.Output.Channels}" + (layer.Output.Positions > 1 ? $" at each of {layer.Output.Positions} steps" : ""));
        WriteForward(w, layer);
        if (wiring.Trains)
            WriteBackward(w, layer, IsDeferred(wiring, layer));
    }

    /// <summary>
    /// The weight and bias slices of <paramref name="buffer"/> (<c>parameters</c> or <c>gradients</c>): <c>[inputs, width]</c>
    /// and <c>[width]</c>, or a dot product's row <c>[inputs]</c> and its one bias. Lengths as the model states them.
    /// </summary>
    public static string Slices(ShapedLayer layer, string buffer)
    {
        string id = layer.Identifier;
        int inputs = layer.Input.Channels, width = layer.Output.PositionStride;
        return IsDot(layer)
            ? $"{buffer}.Slice({id}Weight, {inputs}), {buffer}.Slice({id}Bias, 1)"
            : $"{MatrixSlice(layer, "weight", buffer, width)}, {TensorSlice(layer, "bias", buffer)}";
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
        // Dense + ReLU is one call (issue 20: at batch 1 a second call's fixed cost shows); the same bits as the two.
        bool reluFused = !IsDot(layer) && layer.Activation == ActivationKind.ReLU;
        if (IsDot(layer))
        {
            w.Line($"{Kernels}DenseKernels.ForwardDot(x, {rows}, inputs: {inputs}, xStride: {stride},");
            w.Line($"    {Slices(layer, "parameters")}, {denseOutput}, yStride: {width});");
        }
        else if (reluFused)
        {
            w.Line($"{Kernels}DenseKernels.ForwardReLU(x, {rows}, inputs: {inputs}, xStride: {stride},");
            w.Line($"    {Slices(layer, "parameters")}, y, width: {width}, columns: {units});");
        }
        else
        {
            w.Line($"{Kernels}DenseKernels.Forward(x, {rows}, inputs: {inputs}, xStride: {stride},");
            w.Line($"    {Slices(layer, "parameters")}, {denseOutput}, width: {width});");
        }
        if (KeepsPreActivation(layer))
            w.Line($"{Kernels}ActivationKernels.{PreActivationKernel(layer.Activation)}(z, y, {rows}, columns: {units}, stride: {width});");
        else if (layer.Activation != ActivationKind.None && !reluFused)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}(y, {rows}, columns: {units}, stride: {width});");
        w.Close();
        w.Line();
    }

    private static void WriteBackward(CodeWriter w, ShapedLayer layer, bool deferred)
    {
        string id = layer.Identifier;
        int inputs = layer.Input.Channels, stride = layer.Input.PositionStride, units = layer.Output.Channels, width = layer.Output.PositionStride;
        string rows = Wiring.Rows(layer.Output.Positions);
        string rowText = layer.Output.Positions == 1 ? "rows" : $"rows × {layer.Output.Positions}";
        string dx = layer.IsFirst ? "; the network's input needs no gradient" : $", dx [{rowText}, {stride}] (when input)";
        string dW = layer.IsTrainable ? "dW, db (accumulated, when weights)" : "no dW, db (Trainable = false)";
        if (Overwrites(layer)) dW = "dW, db (when weights: accumulated, or overwritten when fresh)";
        if (deferred) dW += $"; or, when {DeferredParameter} is not empty, db and a copy of dy in {DeferredParameter} (ParallelBatch computes dW after the chunks)";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dy [{rowText}, {width}] (the gradient of y; overwritten) → {dW}{dx}.</summary>");
        string parameters = layer.IsFirst ? "" : $"{ReadOnlySpan} parameters, ";
        string saved = KeepsPreActivation(layer) ? $"{ReadOnlySpan} z, " : layer.Activation != ActivationKind.None ? $"{ReadOnlySpan} y, " : "";
        string dxParameter = layer.IsFirst ? "" : $"{Span} dx, ";
        w.Hot();
        string freshParameter = (Overwrites(layer) ? ", bool fresh" : "") + (deferred ? $", {Span} {DeferredParameter}" : "");
        w.Open($"private static void {id}Backward({parameters}{Span} gradients, {ReadOnlySpan} x, {saved}{Span} dy, {dxParameter}int rows{BackwardFlagParameters(layer)}{freshParameter})");
        if (KeepsPreActivation(layer))
            w.Line($"{Kernels}ActivationKernels.{PreActivationKernel(layer.Activation)}Backward(z, dy, {rows}, columns: {units}, stride: {width});");
        else if (layer.Activation != ActivationKind.None)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}Backward(y, dy, {rows}, columns: {units}, stride: {width});");
        string weightsIf = layer.IsTrainable ? "if (weights) " : "";
        if (IsDot(layer))
        {
            if (layer.IsTrainable)
            {
                w.Line($"{weightsIf}{Kernels}DenseKernels.BackwardWeightsDot(x, {rows}, inputs: {inputs}, xStride: {stride}, dy, dyStride: {width},");
                w.Line($"    {Slices(layer, "gradients")});");
            }
            if (!layer.IsFirst)
                w.Line($"if (input) {Kernels}DenseKernels.BackwardInputDot(dy, {rows}, dyStride: {width}, parameters.Slice({id}Weight, {inputs}), inputs: {inputs}, dx, dxStride: {stride});");
        }
        else
        {
            if (deferred)
            {
                w.Open($"if (weights && !{DeferredParameter}.IsEmpty)");
                w.Line("// A training call of several chunks: the weight gradient waits for every chunk (the same bits); the bias's is the chunk's.");
                w.Line($"dy.Slice(0, {rows} * {width}).CopyTo({DeferredParameter});");
                w.Line($"{Kernels}DenseKernels.BackwardBias(dy, {rows}, width: {width}, {TensorSlice(layer, "bias", "gradients")}, overwrite: fresh);");
                w.Close();
                weightsIf = "else if (weights) ";
            }
            if (layer.IsTrainable)
            {
                w.Line($"{weightsIf}{Kernels}DenseKernels.BackwardWeights(x, {rows}, inputs: {inputs}, xStride: {stride}, dy, width: {width},");
                w.Line($"    {Slices(layer, "gradients")}{(Overwrites(layer) ? ", overwrite: fresh" : "")});");
            }
            if (!layer.IsFirst)
                w.Line($"if (input) {Kernels}DenseKernels.BackwardInput(dy, {rows}, width: {width}, {MatrixSlice(layer, "weight", "parameters", width)}, inputs: {inputs}, dx, dxStride: {stride});");
        }
        w.Close();
        w.Line();
    }
}
