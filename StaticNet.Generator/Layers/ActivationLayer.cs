using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The parameter of a stand-alone activation.</summary>
/// <param name="Parameter">LeakyReLU's negative slope, ELU's alpha; 0 for the others.</param>
internal sealed record ActivationOptions(float Parameter = 0f) : LayerOptions;

/// <summary>
/// A stand-alone activation layer, named as PyTorch's modules: <c>[ReLU]</c>, <c>[LeakyReLU(negativeSlope)]</c>,
/// <c>[Sigmoid]</c>, <c>[Tanh]</c>, <c>[GELU]</c>, <c>[SiLU]</c>, <c>[ELU(alpha)]</c>, <c>[Softmax]</c>: y = f(x) over each
/// position's channels of the padded channels-last layout (the padding columns are copied, zero, and never touched by the
/// kernels), shape unchanged. The function is the spec's <see cref="LayerSpec.Activation"/>, its parameter in
/// <see cref="ActivationOptions"/>. After a Dense or a convolution that declares no activation, when the fused form is
/// exact (every function; LeakyReLU with slope 0.01 and ELU with alpha 1; Softmax not after a convolution), it is fused
/// into that layer's kernel (<see cref="FusesInto"/>): the layer applies it as its own <c>Activation</c> would, and this
/// layer keeps its name and index but has no code, its output aliasing the layer's. Otherwise it is a copy and one pass of
/// the kernel; the backward pass reads the layer's output (GELU and SiLU: its input, the previous layer's output, which is kept).
/// </summary>
internal sealed class ActivationLayer : LayerDefinition
{
    public static readonly ActivationLayer Instance = new();

    private ActivationLayer() : base(LayerKind.Activation,
        "StaticNet.ReLUAttribute", "StaticNet.LeakyReLUAttribute", "StaticNet.SigmoidAttribute", "StaticNet.TanhAttribute",
        "StaticNet.GELUAttribute", "StaticNet.SiLUAttribute", "StaticNet.ELUAttribute", "StaticNet.SoftmaxAttribute")
    {
    }

    private static float Parameter(LayerSpec layer) => ((ActivationOptions)layer.Options!).Parameter;

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name)
    {
        // [ReLU], [LeakyReLU(negativeSlope)], …: the function from the attribute's name, its one parameter if any.
        string function = attribute.AttributeClass?.Name ?? "";
        function = function.EndsWith("Attribute", System.StringComparison.Ordinal) ? function.Substring(0, function.Length - "Attribute".Length) : function;
        var activation = function switch
        {
            "ReLU" => ActivationKind.ReLU,
            "LeakyReLU" => ActivationKind.LeakyReLU,
            "Sigmoid" => ActivationKind.Sigmoid,
            "Tanh" => ActivationKind.Tanh,
            "GELU" => ActivationKind.GELU,
            "SiLU" => ActivationKind.SiLU,
            "ELU" => ActivationKind.ELU,
            _ => ActivationKind.Softmax,
        };
        float parameter = activation switch
        {
            ActivationKind.LeakyReLU => attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is float slope ? slope : 0.01f,
            ActivationKind.ELU => attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is float alpha ? alpha : 1f,
            _ => 0f,
        };
        return new LayerSpec(Kind, attributeIndex, EquatableArray<int>.Empty, 0, activation, name, new ActivationOptions(parameter));
    }

    /// <summary>
    /// Whether the fused form is exact: the previous layer's kernel takes the function (<see cref="LayerDefinition.TakesActivation"/>)
    /// and the parameter is the one the fused <c>Activation</c> has (LeakyReLU 0.01, ELU 1), so that the same kernels run
    /// on the same values and the results are bit-for-bit those of the stand-alone layer, without its copy.
    /// </summary>
    public override bool FusesInto(LayerSpec layer, LayerSpec previous)
    {
        float parameter = Parameter(layer);
        bool fusedParameter = layer.Activation switch
        {
            ActivationKind.LeakyReLU => parameter == 0.01f,
            ActivationKind.ELU => parameter == 1f,
            _ => true,
        };
        return fusedParameter && previous.Kind != LayerKind.Input && previous.Definition.TakesActivation(previous, layer.Activation);
    }

    /// <summary>Whether the layer is run by the previous layer's kernel, and has no code of its own.</summary>
    private static bool IsFused(ShapedLayer layer) => layer.Fusion == LayerFusion.IntoPrevious;

    // ── Shape ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// Shape unchanged, applied to the padded channels-last layout's channels (the padding stays zero). Softmax is over
    /// the last dimension, so vectors and sequences only.
    /// </summary>
    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        ActivationKind function = c.Layer.Activation;
        float parameter = Parameter(c.Layer);
        if (function == ActivationKind.Softmax && input.Kind is not (ShapeKind.Vector or ShapeKind.Sequence))
            return Fail(c.Error(DiagnosticIds.WrongInputKind,
                $"Softmax '{c.Name}' is over the last dimension (nn.Softmax(dim=-1)), so it needs a vector or a sequence; found {input.Text} ({input.Kind}). " +
                "For class scores per position, [Flatten] first; for a softmax over channels, PyTorch's nn.Softmax2d is not supported"));
        if (function == ActivationKind.LeakyReLU && !(parameter >= 0f && !float.IsInfinity(parameter)))
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"LeakyReLU '{c.Name}' has negative slope {parameter}; expected a finite slope of at least 0 (the backward pass reads the sign of the output)"));
        if (function == ActivationKind.ELU && !(parameter > 0f && !float.IsInfinity(parameter)))
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"ELU '{c.Name}' has alpha {parameter}; expected a finite alpha greater than 0 (the backward pass reads the sign of the output)"));
        ActivationShape output = ShapeInference.Same(input);
        if (c.Previous is { Fusion: LayerFusion.TakesNext })
            c.AliasOutput(); // the previous layer's kernel applies the function: its output is this layer's
        else
            c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    public override bool NeedsChannelsLastInput => true;

    // ── Traits ─────────────────────────────────────────────────────────────────────────────────────────────────────

    public override bool ShowsInTopology => false;

    /// <summary>The Kind column shows the module (<c>ReLU</c>, <c>LeakyReLU</c>).</summary>
    public override string KindText(ShapedLayer layer) => layer.Activation.ToString();

    public override LayerRow Row(ShapedLayer layer) => new(layer.Activation.ToString(), 0);

    /// <summary>The Activation column shows the parameter (<c>slope 0.2</c>, <c>alpha 0.5</c>, <c>dim=-1</c>).</summary>
    public override string ActivationText(ShapedLayer layer) => layer.Activation switch
    {
        ActivationKind.LeakyReLU => "slope " + Text(Parameter(layer.Spec)),
        ActivationKind.ELU => "alpha " + Text(Parameter(layer.Spec)),
        ActivationKind.Softmax => "dim=-1",
        _ => "",
    };

    public override string DocumentationText(ShapedLayer layer) => Identifiers.Doc(Module(layer));

    protected override bool BannerShowsActivation => false;

    // ── Streaming ──────────────────────────────────────────────────────────────────────────────────────────────────

    public override string? WhyNoStep(ShapedLayer layer) => layer.Output.Kind != ShapeKind.Sequence
        ? $"{layer.Kind} '{layer.Name}' reads whole samples ({layer.Input.Text}), not one time step at a time"
        : null;

    public override int StepStateLength(ShapedLayer layer) => IsFused(layer) ? 0 : base.StepStateLength(layer);

    public override string StepStateText(ShapedLayer layer) => IsFused(layer) ? "none: fused into the previous layer" : base.StepStateText(layer);

    public override void WriteStep(CodeWriter w, StepWriter s, ShapedLayer layer)
    {
        if (IsFused(layer))
        {
            w.Line($"// {layer.Name}: {Module(layer)}, fused into the previous layer's step");
            return;
        }
        // A stand-alone activation is per step: copy the step's channels, then the kernel on one row.
        int channels = layer.Output.Channels, width = layer.Output.PositionStride;
        string y = $"state.Slice({layer.Identifier}Step, {width})";
        w.Line($"{s.Current}.Slice(0, {channels}).CopyTo({y}); // {layer.Name}: {Module(layer)}");
        w.Line(ForwardKernel(layer, y, y, "1"));
        s.Advance(y, width);
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    // ── Export ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>The activation as its own node, also when its kernel is fused into the layer before (that layer then writes none).</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer) =>
        w.Line($"x = onnx.Activation(x, \"{layer.Activation}\", {Literal(Parameter(layer.Spec))});");

    public override System.Collections.Generic.IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        yield return (PyTorchName(layer), PyTorchActivation(layer.Activation, Parameter(layer.Spec))!);
    }

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) => IsFused(layer)
        ? $"// {layer.Name}: {Module(layer)}, fused into {wiring.Previous(layer)!.Name}'s kernel"
        : $"{layer.Identifier}Forward({wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        if (IsFused(layer)) return null; // the previous layer's backward pass applies the derivative
        if (wiring.InputDelta(layer) is not { } dx) return null; // the network's input needs no gradient
        string saved = DenseLayer.KeepsPreActivation(layer.Activation) ? wiring.Input(layer) : wiring.Output(layer);
        return $"{layer.Identifier}Backward({saved}, {wiring.OutputDelta(layer)}, {dx}, rows);";
    }

    /// <summary>The module as PyTorch prints it: <c>LeakyReLU(negative_slope=0.2)</c>, <c>ELU(alpha=0.5)</c>, <c>Softmax(dim=-1)</c>.</summary>
    public static string Module(ShapedLayer layer) => layer.Activation switch
    {
        ActivationKind.LeakyReLU => $"LeakyReLU(negative_slope={Text(Parameter(layer.Spec))})",
        ActivationKind.ELU => $"ELU(alpha={Text(Parameter(layer.Spec))})",
        ActivationKind.Softmax => "Softmax(dim=-1)",
        _ => layer.Activation + "()",
    };

    /// <summary>The kernel call that applies the function in place to <paramref name="y"/> (or from <paramref name="x"/> for GELU, SiLU).</summary>
    public static string ForwardKernel(ShapedLayer layer, string x, string y, string rows)
    {
        int columns = layer.Output.Channels, stride = layer.Output.PositionStride;
        string sizes = $"{rows}, columns: {columns}, stride: {stride}";
        float parameter = Parameter(layer.Spec);
        return layer.Activation switch
        {
            ActivationKind.GELU or ActivationKind.SiLU => $"{Kernels}ActivationKernels.{DenseLayer.PreActivationKernel(layer.Activation)}({x}, {y}, {sizes});",
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
        bool keepsInput = DenseLayer.KeepsPreActivation(layer.Activation);
        string module = Module(layer);
        if (IsFused(layer))
        {
            WriteBanner(w, layer, $"{module} {shape.Text}, fused into {wiring.Previous(layer)!.Name}'s kernel (no code of its own)");
            return;
        }
        WriteBanner(w, layer, $"{module} {shape.Text}, stand-alone");

        string p = Text(Parameter(layer.Spec));
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

        float parameter = Parameter(layer.Spec);
        string savedName = keepsInput ? "x" : "y";
        string sizes = $"{rows}, columns: {columns}, stride: {width}";
        w.Line($"/// <summary>{Identifiers.Doc(layer.Name)} backward: dx = dy · {layer.Activation}′(x) {rowText}, from the saved {(keepsInput ? "input" : "output")}.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} {savedName}, {ReadOnlySpan} dy, {Span} dx, int rows)");
        w.Line($"dy.Slice(0, {rows} * {width}).CopyTo(dx);");
        w.Line(layer.Activation switch
        {
            ActivationKind.GELU or ActivationKind.SiLU => $"{Kernels}ActivationKernels.{DenseLayer.PreActivationKernel(layer.Activation)}Backward(x, dx, {sizes});",
            ActivationKind.LeakyReLU when parameter != 0.01f => $"{Kernels}ActivationKernels.LeakyReLUBackward(y, dx, {Literal(parameter)}, {sizes});",
            ActivationKind.ELU when parameter != 1f => $"{Kernels}ActivationKernels.ELUBackward(y, dx, {Literal(parameter)}, {sizes});",
            _ => $"{Kernels}ActivationKernels.{layer.Activation}Backward(y, dx, {sizes});",
        });
        w.Close();
        w.Line();
    }
}
