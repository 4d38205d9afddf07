using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>How a merge combines its operands.</summary>
internal enum MergeOperation
{
    /// <summary>Element-wise sum (a residual connection).</summary>
    Add,

    /// <summary>Element-wise product (gating).</summary>
    Multiply,

    /// <summary>Joined along the channels.</summary>
    Concatenate,
}

/// <summary>
/// <c>[Add]</c>, <c>[Multiply]</c> and <c>[Concatenate]</c>: layers without parameters that read two or more outputs —
/// the layer before them (or <c>From</c>'s) and the ones they name (<see cref="LayerSpec.Others"/>) — and write one.
/// Their operands are padded channels-last layer outputs (the network's input is copied into that layout first), so
/// Add and Multiply run over whole padded rows (zero padding stays zero) and Concatenate copies each operand's channels
/// to its columns. The backward pass gives each operand its gradient; where one value feeds several layers, the
/// gradients add up (<see cref="ShapeInference"/>'s <c>Gradient2</c> regions).
/// </summary>
internal sealed class MergeLayer : LayerDefinition
{
    public static readonly MergeLayer Add = new(LayerKind.Add, MergeOperation.Add, "StaticNet.AddAttribute");
    public static readonly MergeLayer Multiply = new(LayerKind.Multiply, MergeOperation.Multiply, "StaticNet.MultiplyAttribute");
    public static readonly MergeLayer Concatenate = new(LayerKind.Concatenate, MergeOperation.Concatenate, "StaticNet.ConcatenateAttribute");

    private readonly MergeOperation _operation;

    private MergeLayer(LayerKind kind, MergeOperation operation, string attributeName) : base(kind, attributeName) => _operation = operation;

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name)
    {
        var others = new List<string>();
        if (attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0] is { Kind: TypedConstantKind.Array } array)
            foreach (TypedConstant value in array.Values)
                others.Add(value.Value as string ?? "");
        return new LayerSpec(Kind, attributeIndex, EquatableArray<int>.Empty, 0, ActivationKind.None, name, Others: new EquatableArray<string>(others.ToArray()));
    }

    // ── Shape ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>The index of the channel dimension in a shape's PyTorch dims (features of a vector or sequence step, else channels).</summary>
    private static int ChannelDimension(ShapeKind kind) => kind == ShapeKind.Sequence ? 1 : 0;

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        IReadOnlyList<(string Name, ActivationShape Shape)> operands = c.Operands;
        if (operands.Count < 2)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"{Kind} '{c.Name}' reads only '{(operands.Count == 1 ? operands[0].Name : "?")}'; expected at least one more operand, named in the attribute: " +
                $"[{Kind}(\"other_layer\")] {Verb} the previous layer's output and other_layer's"));
        (string firstName, ActivationShape first) = operands[0];
        int channelDimension = ChannelDimension(first.Kind);
        int channels = first.Channels;
        for (int k = 1; k < operands.Count; k++)
        {
            (string name, ActivationShape shape) = operands[k];
            bool matches = _operation == MergeOperation.Concatenate
                ? shape.Kind == first.Kind && shape.Dims.Count == first.Dims.Count &&
                  Enumerable.Range(0, shape.Dims.Count).All(d => d == channelDimension || shape.Dims[d] == first.Dims[d])
                : shape.Kind == first.Kind && shape.Dims.Equals(first.Dims);
            if (!matches && _operation != MergeOperation.Concatenate && first.Kind == ShapeKind.Spatial2D && shape.Kind == ShapeKind.Spatial2D)
            {
                c.Errors.Add(new ShapeError(DiagnosticIds.ShortcutMismatch, c.Layer.AttributeIndex, MismatchMessage(c.Name, firstName, first, name, shape),
                    Properties: ProjectionProperties(first, k, shape)));
                return null;
            }
            if (!matches)
                return Fail(c.Error(DiagnosticIds.MergeShapeMismatch, MismatchMessage(c.Name, firstName, first, name, shape)));
            channels += shape.Channels;
        }
        ActivationShape output;
        if (_operation == MergeOperation.Concatenate)
        {
            int[] dims = first.Dims.AsSpan().ToArray();
            dims[channelDimension] = channels;
            if (!c.Fits(ActivationShape.ExactRowLength(first.Kind, dims), $"its output", perRow: true)) return null;
            output = ActivationShape.Padded(first.Kind, dims);
        }
        else
        {
            output = ShapeInference.Same(first);
        }
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    private string Verb => _operation switch
    {
        MergeOperation.Add => "adds",
        MergeOperation.Multiply => "multiplies",
        _ => "joins",
    };

    private string MismatchMessage(string self, string firstName, ActivationShape first, string name, ActivationShape shape)
    {
        string what = _operation == MergeOperation.Concatenate
            ? "operands of the same kind whose dimensions other than the channels are equal"
            : "operands of equal shape";
        string hint = _operation != MergeOperation.Concatenate ? ShortcutHint(first, shape) : "";
        return $"{Kind} '{self}' {Verb} '{firstName}' {first.Text} ({first.Kind}) and '{name}' {shape.Text} ({shape.Kind}); expected {what}{hint}";
    }

    /// <summary>For a residual sum whose shortcut does not match the block (a stride-2 or wider block): the projection to add.</summary>
    private static string ShortcutHint(ActivationShape a, ActivationShape b)
    {
        if (a.Kind != ShapeKind.Spatial2D || b.Kind != ShapeKind.Spatial2D) return "";
        (ActivationShape big, ActivationShape small) = a.Height >= b.Height ? (a, b) : (b, a);
        // The stride whose 1×1 convolution gives the smaller size (7 → 4 is stride 2, as ⌈7 / 2⌉ = 4), as the code fix uses.
        int stride = Projection(big, small) is { } projection ? int.Parse(projection.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
        string strideText = stride > 1 ? $", Stride = {stride}" : "";
        return $". A block that changes the shape needs a projected shortcut: a 1×1 convolution on the shortcut, e.g. [Conv2D({small.Channels}, 1{strideText}, From = \"<the block's input>\")] " +
            "(and a [BatchNorm]), then the sum";
    }

    /// <summary>
    /// For SNET045's code fix: operand <paramref name="k"/> disagrees with operand 0; for each of the two that a 1×1
    /// convolution can turn into the other's shape, <c>Project0</c> or <c>ProjectK</c> = "filters,stride".
    /// </summary>
    private static EquatableArray<string> ProjectionProperties(ActivationShape first, int k, ActivationShape other)
    {
        var properties = new List<string> { "Operand", k.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (Projection(first, other) is { } p0) properties.AddRange(new[] { "Project0", p0 });
        if (Projection(other, first) is { } pk) properties.AddRange(new[] { "ProjectK", pk });
        return new EquatableArray<string>(properties.ToArray());
    }

    /// <summary>The 1×1 convolution (filters, stride) whose output from <paramref name="from"/> has <paramref name="to"/>'s shape, or null.</summary>
    private static string? Projection(ActivationShape from, ActivationShape to)
    {
        for (int stride = 1; stride <= from.Height && stride <= from.Width; stride++)
            if ((from.Height - 1) / stride + 1 == to.Height && (from.Width - 1) / stride + 1 == to.Width)
                return to.Channels.ToString(System.Globalization.CultureInfo.InvariantCulture) + "," + stride.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return null;
    }

    public override bool NeedsChannelsLastInput => true;

    // ── Traits ─────────────────────────────────────────────────────────────────────────────────────────────────────

    public override bool ShowsInTopology => _operation == MergeOperation.Concatenate;

    public override LayerRow Row(ShapedLayer layer) => new(_operation switch
    {
        MergeOperation.Add => "add",
        MergeOperation.Multiply => "mul",
        _ => "cat",
    }, _operation == MergeOperation.Multiply ? (long)layer.Output.Size * (layer.OperandCount - 1) : 0);

    // ── Export ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>The axis the operands are joined along in PyTorch's layout: the features (last) of a vector or sequence, else the channels (1).</summary>
    private static int ExportAxis(ActivationShape output) => ChannelDimension(output.Kind) + 1;

    /// <summary>
    /// An ONNX <c>Add</c>/<c>Mul</c> chain over the operands, or one <c>Concat</c> along <see cref="ExportAxis"/>; the first operand
    /// is <c>x</c> (set from its source), the others the graph's values (<see cref="ExportEmitter.OnnxValue"/>).
    /// </summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer)
    {
        string[] others = Enumerable.Range(1, layer.OperandCount - 1).Select(k => ExportEmitter.OnnxValue(layer, k)).ToArray();
        switch (_operation)
        {
            case MergeOperation.Add:
                foreach (string other in others) w.Line($"x = onnx.Add(x, {other});");
                break;
            case MergeOperation.Multiply:
                foreach (string other in others) w.Line($"x = onnx.Mul(x, {other});");
                break;
            default:
                w.Line($"x = onnx.Node(\"Concat\", new[] {{ x, {string.Join(", ", others)} }}, global::StaticNet.IO.Onnx.OnnxAttribute.Int(\"axis\", {ExportAxis(layer.Output)}));");
                break;
        }
    }

    /// <summary>The helper module <c>Add()</c>, <c>Multiply()</c> or <c>Concatenate(dim)</c>, which takes all the operands.</summary>
    public override IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        yield return (PyTorchName(layer), _operation switch
        {
            MergeOperation.Add => "Add()",
            MergeOperation.Multiply => "Multiply()",
            _ => $"Concatenate({ExportAxis(layer.Output)})",
        });
    }

    public override string? WhyNoStep(ShapedLayer layer) => $"{layer.Kind} '{layer.Name}' merges several outputs; Step streams only stacks";

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    private static IEnumerable<int> Range(ShapedLayer layer) => Enumerable.Range(0, layer.OperandCount);

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) =>
        $"{layer.Identifier}Forward({string.Join(", ", Range(layer).Select(k => wiring.Operand(layer, k)))}, {wiring.Output(layer)}, rows);";

    /// <summary>The operands that need a gradient: those that are a layer's output (the network's input needs none).</summary>
    private static int[] Differentiated(Wiring wiring, ShapedLayer layer) => Range(layer).Where(k => wiring.OperandDelta(layer, k) is not null).ToArray();

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer)
    {
        int[] needed = Differentiated(wiring, layer);
        if (needed.Length == 0) return null;
        IEnumerable<string> arguments = _operation == MergeOperation.Multiply ? Range(layer).Select(k => wiring.Operand(layer, k)) : Enumerable.Empty<string>();
        arguments = arguments.Concat(new[] { wiring.OutputDelta(layer) }).Concat(needed.Select(k => wiring.OperandDelta(layer, k)!));
        return $"{layer.Identifier}Backward({string.Join(", ", arguments)}, rows);";
    }

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        ShapedNetwork network = wiring.Network;
        string id = layer.Identifier;
        ActivationShape output = layer.Output;
        int count = layer.OperandCount;
        string[] names = Range(layer).Select(k => network.OperandName(layer, k)).ToArray();
        string symbol = _operation switch { MergeOperation.Add => " + ", MergeOperation.Multiply => " ⊙ ", _ => " ‖ " };
        WriteBanner(w, layer, $"{Kind} {string.Join(symbol, names)} → {output.Text}");
        string xs = string.Join(", ", Range(layer).Select(k => $"{ReadOnlySpan} x{k}"));
        string rowText = RowText(output);
        string length = $"rows * {output.RowLength}";
        string legend = string.Join(", ", Range(layer).Select(k => $"x{k} = {Identifiers.Doc(names[k])}"));
        w.Line(_operation switch
        {
            MergeOperation.Add => $"/// <summary>{Identifiers.Doc(layer.Name)} forward: y = {string.Join(" + ", Range(layer).Select(k => "x" + k))} {rowText} ({legend}).</summary>",
            MergeOperation.Multiply => $"/// <summary>{Identifiers.Doc(layer.Name)} forward: y = {string.Join(" ⊙ ", Range(layer).Select(k => "x" + k))} {rowText} ({legend}).</summary>",
            _ => $"/// <summary>{Identifiers.Doc(layer.Name)} forward: y = [{string.Join(", ", Range(layer).Select(k => "x" + k))}] along the channels, {rowText} ({legend}).</summary>",
        });
        w.Hot();
        w.Open($"private static void {id}Forward({xs}, {Span} y, int rows)");
        switch (_operation)
        {
            case MergeOperation.Add:
                w.Line($"{Kernels}MergeKernels.Add(x0, x1, y, {length});");
                for (int k = 2; k < count; k++) w.Line($"{Kernels}MergeKernels.Accumulate(x{k}, y, {length});");
                break;
            case MergeOperation.Multiply:
                w.Line($"{Kernels}MergeKernels.Multiply(x0, x1, y, {length});");
                for (int k = 2; k < count; k++) w.Line($"{Kernels}MergeKernels.MultiplyInPlace(x{k}, y, {length});");
                break;
            default:
                int offset = 0;
                string positions = Wiring.Rows(output.Positions);
                for (int k = 0; k < count; k++)
                {
                    ActivationShape operand = network.OperandShape(layer, k);
                    w.Line($"{Kernels}MergeKernels.CopyChannels(x{k}, {operand.PositionStride}, 0, y, {output.PositionStride}, {offset}, channels: {operand.Channels}, {positions}); // {Identifiers.Doc(names[k])}: channels [{offset}, {offset + operand.Channels})");
                    offset += operand.Channels;
                }
                break;
        }
        w.Close();
        w.Line();
        if (!wiring.Trains) return;
        int[] needed = Differentiated(wiring, layer);
        if (needed.Length == 0) return;
        string dxs = string.Join(", ", needed.Select(k => $"{Span} dx{k}"));
        string inputs = _operation == MergeOperation.Multiply ? xs + ", " : "";
        string without = needed.Length == count ? "" : "; the network's input needs no gradient";
        w.Line(_operation switch
        {
            MergeOperation.Add => $"/// <summary>{Identifiers.Doc(layer.Name)} backward: each dx = dy {rowText}{without}.</summary>",
            MergeOperation.Multiply => $"/// <summary>{Identifiers.Doc(layer.Name)} backward: dxk = dy ⊙ the other operands {rowText}{without}.</summary>",
            _ => $"/// <summary>{Identifiers.Doc(layer.Name)} backward: each dx = its channels of dy{without}.</summary>",
        });
        w.Hot();
        w.Open($"private static void {id}Backward({inputs}{ReadOnlySpan} dy, {dxs}, int rows)");
        switch (_operation)
        {
            case MergeOperation.Add:
                foreach (int k in needed) w.Line($"dy.Slice(0, {length}).CopyTo(dx{k});");
                break;
            case MergeOperation.Multiply:
                foreach (int k in needed)
                {
                    int[] others = Range(layer).Where(j => j != k).ToArray();
                    w.Line($"{Kernels}MergeKernels.Multiply(dy, x{others[0]}, dx{k}, {length});");
                    for (int j = 1; j < others.Length; j++) w.Line($"{Kernels}MergeKernels.MultiplyInPlace(x{others[j]}, dx{k}, {length});");
                }
                break;
            default:
                int offset = 0;
                string positions = Wiring.Rows(output.Positions);
                for (int k = 0; k < count; k++)
                {
                    ActivationShape operand = network.OperandShape(layer, k);
                    if (needed.Contains(k))
                        w.Line($"{Kernels}MergeKernels.CopyChannels(dy, {output.PositionStride}, {offset}, dx{k}, {operand.PositionStride}, 0, channels: {operand.Channels}, {positions}); // {Identifiers.Doc(names[k])}");
                    offset += operand.Channels;
                }
                break;
        }
        w.Close();
        w.Line();
    }
}
