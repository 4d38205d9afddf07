using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace StaticNet.IO.Onnx;

/// <summary>
/// Builds an ONNX graph (opset <see cref="Opset"/>) node by node, and writes it as a model file: what a generated
/// network's <c>SaveOnnx</c> uses, each layer adding its nodes through the operator methods here (its home under
/// StaticNet.Generator/Layers writes those calls). Values are named by the strings the methods return; weights are
/// initializers under their safetensors (PyTorch) names. Tensors follow PyTorch's layouts with the batch first:
/// <c>[N, features]</c>, <c>[N, steps, features]</c>, <c>[N, channels, length]</c>, <c>[N, channels, height, width]</c>.
/// </summary>
/// <remarks>
/// Opset 17: the first with <c>LayerNormalization</c>, the highest PyTorch 1.13's <c>torch.onnx</c> writes, and one ONNX
/// Runtime 1.32 runs; <c>ReduceMean</c> still takes its axes as an attribute there (an input from opset 18).
/// </remarks>
public sealed partial class OnnxGraphBuilder
{
    /// <summary>The operator set every exported model imports (the default ONNX domain).</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version of the file (8, the version that goes with opset 17).</summary>
    public const int IrVersion = 8;

    /// <summary>A dimension given as this value is the symbolic batch dimension <c>N</c>.</summary>
    public const long Batch = -1;

    private readonly string _graphName;
    private readonly List<NodeEntry> _nodes = new();
    private readonly List<InitializerEntry> _initializers = new();
    private readonly Dictionary<string, InitializerEntry> _byName = new(StringComparer.Ordinal);
    private readonly List<(string Name, int Type, long[] Dims)> _inputs = new();
    private readonly List<(string Name, int Type, long[] Dims)> _outputs = new();
    private int _next;
    private string _scope = "";

    /// <summary>Starts an empty graph.</summary>
    /// <param name="graphName">The graph's name (the network's class name).</param>
    public OnnxGraphBuilder(string graphName) => _graphName = graphName ?? throw new ArgumentNullException(nameof(graphName));

    /// <summary>The prefix of the nodes' names that follow, e.g. the layer's module name: nodes are called <c>scope/Op_k</c>.</summary>
    public void Scope(string layerName) => _scope = layerName ?? "";

    /// <summary>Throws the <see cref="NotSupportedException"/> of a layer that cannot be exported (a generated <c>SaveOnnx</c> calls it).</summary>
    /// <param name="kind">The layer's kind, e.g. <c>Conv2D</c>.</param>
    /// <param name="layer">The layer's name.</param>
    /// <param name="why">Why it has no ONNX form.</param>
    public static string Unsupported(string kind, string layer, string why) =>
        throw new NotSupportedException($"SaveOnnx cannot export {kind} '{layer}': {why}. Nothing was written.");

    // ── Graph inputs, outputs and initializers ────────────────────────────────────────────────────────────────────

    /// <summary>Declares a float graph input; <see cref="Batch"/> in <paramref name="dims"/> is the symbolic <c>N</c>.</summary>
    /// <exception cref="ArgumentException">Another input or an initializer already has the name.</exception>
    public string Input(string name, params long[] dims)
    {
        if (_inputs.Exists(i => i.Name == name) || _byName.ContainsKey(name))
            throw new ArgumentException($"The ONNX graph already has an input or initializer named '{name}'; each input needs a name of its own.", nameof(name));
        _inputs.Add((name, OnnxDataType.Float, (long[])dims.Clone()));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> as the float graph output <paramref name="name"/> (through an Identity when the names differ).</summary>
    /// <exception cref="NotSupportedException">An input has the name <paramref name="name"/>.</exception>
    public void Output(string value, string name, params long[] dims)
    {
        if (_inputs.Exists(i => i.Name == name))
            throw new NotSupportedException($"SaveOnnx cannot name the graph's output '{name}': an input has that name. Rename the input. Nothing was written.");
        if (value != name) AddNode("Identity", new[] { value }, new[] { name }, Array.Empty<OnnxAttribute>());
        _outputs.Add((name, OnnxDataType.Float, (long[])dims.Clone()));
    }

    /// <summary>Adds a float initializer (a weight) under <paramref name="name"/> with the given PyTorch shape.</summary>
    /// <exception cref="ArgumentException">The name is taken, or the shape does not hold <paramref name="data"/>'s length.</exception>
    public void Initializer(string name, int[] shape, float[] data)
    {
        long count = 1;
        foreach (int d in shape) count *= d;
        if (count != data.Length)
            throw new ArgumentException($"ONNX initializer '{name}' has shape [{string.Join(", ", shape)}] ({count} values) but {data.Length} values were given.", nameof(data));
        Add(new InitializerEntry(name, Array.ConvertAll(shape, d => (long)d), data, null));
    }

    /// <summary>Whether an initializer of this name exists.</summary>
    public bool HasInitializer(string name) => _byName.ContainsKey(name);

    /// <summary>A float initializer's values (a copy), to derive another one (recurrent weights in ONNX's gate order).</summary>
    /// <exception cref="KeyNotFoundException">No float initializer has that name.</exception>
    public float[] InitializerData(string name) =>
        _byName.TryGetValue(name, out InitializerEntry? found) && found.Floats is not null ? (float[])found.Floats.Clone()
            : throw new KeyNotFoundException($"The ONNX graph has no float initializer '{name}'; the layers' exports expect their weights under the safetensors names.");

    /// <summary>An int64 constant (an initializer with a fresh name): shapes, axes, indices.</summary>
    public string Int64s(params long[] values) => Add(new InitializerEntry(Fresh("const"), new long[] { values.Length }, null, (long[])values.Clone())).Name;

    /// <summary>A float constant of the given shape (an initializer with a fresh name): masks, tables.</summary>
    public string Floats(int[] shape, float[] values)
    {
        string name = Fresh("const");
        Initializer(name, shape, values);
        return name;
    }

    /// <summary>A float scalar constant.</summary>
    public string Scalar(float value) => Add(new InitializerEntry(Fresh("const"), Array.Empty<long>(), new[] { value }, null)).Name;

    private InitializerEntry Add(InitializerEntry initializer)
    {
        if (_byName.ContainsKey(initializer.Name))
            throw new ArgumentException($"The ONNX graph already has an initializer named '{initializer.Name}'.");
        _byName.Add(initializer.Name, initializer);
        _initializers.Add(initializer);
        return initializer;
    }

    // ── Nodes ──────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Adds a node of any operator with one output and returns the output's name.</summary>
    public string Node(string opType, string[] inputs, params OnnxAttribute[] attributes) => Node(opType, inputs, 1, attributes)[0];

    /// <summary>Adds a node of any operator with <paramref name="outputs"/> outputs (an empty input name: an omitted optional input).</summary>
    public string[] Node(string opType, string[] inputs, int outputs, params OnnxAttribute[] attributes)
    {
        var names = new string[outputs];
        for (int i = 0; i < outputs; i++) names[i] = Fresh(opType);
        AddNode(opType, inputs, names, attributes);
        return names;
    }

    private void AddNode(string opType, string[] inputs, string[] outputs, OnnxAttribute[] attributes) =>
        _nodes.Add(new NodeEntry(opType, (string[])inputs.Clone(), outputs, Fresh(opType + "_node"), attributes));

    private string Fresh(string what) =>
        (_scope.Length == 0 ? "" : _scope + "/") + what + "_" + (_next++).ToString(CultureInfo.InvariantCulture);

    /// <summary><c>Gemm(x, weight, bias, transB = 1)</c>: <c>nn.Linear</c> on <c>[N, in]</c> with PyTorch's <c>[out, in]</c> weight.</summary>
    public string Gemm(string x, string weight, string? bias) =>
        Node("Gemm", bias is null ? new[] { x, weight } : new[] { x, weight, bias }, OnnxAttribute.Int("transB", 1));

    /// <summary><c>nn.Linear</c> on any rank (<c>[N, T, in]</c>): <c>MatMul(x, Transpose(weight)) + bias</c>.</summary>
    public string Linear(string x, string weight, string? bias)
    {
        string y = MatMul(x, Transpose(weight, 1, 0));
        return bias is null ? y : Add(y, bias);
    }

    /// <summary><c>MatMul</c>.</summary>
    public string MatMul(string a, string b) => Node("MatMul", new[] { a, b });

    /// <summary><c>Add</c> (broadcasting).</summary>
    public string Add(string a, string b) => Node("Add", new[] { a, b });

    /// <summary><c>Mul</c> (broadcasting).</summary>
    public string Mul(string a, string b) => Node("Mul", new[] { a, b });

    /// <summary><c>Transpose</c> with the permutation <paramref name="perm"/>.</summary>
    public string Transpose(string x, params long[] perm) => Node("Transpose", new[] { x }, OnnxAttribute.Ints("perm", perm));

    /// <summary><c>Reshape</c> to <paramref name="shape"/> (0 copies the input's dimension, -1 is inferred).</summary>
    public string Reshape(string x, params long[] shape) => Node("Reshape", new[] { x, Int64s(shape) });

    /// <summary><c>Flatten(axis = 1)</c>: <c>[N, ...]</c> → <c>[N, product]</c>, as <c>nn.Flatten</c>.</summary>
    public string Flatten(string x) => Node("Flatten", new[] { x }, OnnxAttribute.Int("axis", 1));

    /// <summary><c>Cast</c> to int64 (token ids given as floats).</summary>
    public string CastToInt64(string x) => Node("Cast", new[] { x }, OnnxAttribute.Int("to", OnnxDataType.Int64));

    /// <summary><c>Gather(table, indices, axis)</c>.</summary>
    public string Gather(string table, string indices, long axis = 0) => Node("Gather", new[] { table, indices }, OnnxAttribute.Int("axis", axis));

    /// <summary><c>Slice(x, starts, ends, axes)</c> with constant bounds.</summary>
    public string Slice(string x, long[] starts, long[] ends, long[] axes) => Node("Slice", new[] { x, Int64s(starts), Int64s(ends), Int64s(axes) });

    /// <summary><c>Squeeze</c> of the given axes.</summary>
    public string Squeeze(string x, params long[] axes) => Node("Squeeze", new[] { x, Int64s(axes) });

    /// <summary><c>ReduceMean</c> over <paramref name="axes"/> (keepdims = 0).</summary>
    public string ReduceMean(string x, params long[] axes) =>
        Node("ReduceMean", new[] { x }, OnnxAttribute.Ints("axes", axes), OnnxAttribute.Int("keepdims", 0));

    /// <summary><c>Softmax</c> along <paramref name="axis"/>.</summary>
    public string Softmax(string x, long axis = -1) => Node("Softmax", new[] { x }, OnnxAttribute.Int("axis", axis));

    /// <summary>
    /// <c>Conv</c> with explicit pads (<c>[begin..., end...]</c>); <paramref name="kernel"/>, <paramref name="strides"/> and
    /// <paramref name="dilations"/> have one entry per spatial axis (one for Conv1d, two for Conv2d).
    /// </summary>
    public string Conv(string x, string weight, string? bias, long[] kernel, long[] strides, long[] pads, long[] dilations) =>
        Node("Conv", bias is null ? new[] { x, weight } : new[] { x, weight, bias },
            OnnxAttribute.Ints("kernel_shape", kernel), OnnxAttribute.Ints("strides", strides),
            OnnxAttribute.Ints("pads", pads), OnnxAttribute.Ints("dilations", dilations));

    /// <summary><c>MaxPool</c> or <c>AveragePool</c> without padding (PyTorch's defaults: floor, no padding).</summary>
    public string Pool(string x, bool max, long[] kernel, long[] strides) =>
        Node(max ? "MaxPool" : "AveragePool", new[] { x }, OnnxAttribute.Ints("kernel_shape", kernel), OnnxAttribute.Ints("strides", strides));

    /// <summary><c>GlobalAveragePool</c> then <c>Flatten</c>: <c>AdaptiveAvgPool(1)</c> + <c>nn.Flatten</c>.</summary>
    public string GlobalAveragePool(string x) => Flatten(Node("GlobalAveragePool", new[] { x }));

    /// <summary><c>BatchNormalization</c> in inference form (running statistics), channels on axis 1.</summary>
    public string BatchNormalization(string x, string scale, string bias, string mean, string variance, float epsilon) =>
        Node("BatchNormalization", new[] { x, scale, bias, mean, variance }, OnnxAttribute.Float("epsilon", epsilon));

    /// <summary><c>LayerNormalization</c> over the last axis (opset 17).</summary>
    public string LayerNormalization(string x, string scale, string bias, float epsilon) =>
        Node("LayerNormalization", new[] { x, scale, bias }, OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", epsilon));

    /// <summary>
    /// An activation by the name of StaticNet's <c>Activation</c> value: <c>ReLU</c>, <c>LeakyReLU</c> (slope
    /// <paramref name="parameter"/>), <c>Sigmoid</c>, <c>Tanh</c>, <c>Softmax</c> (last axis), <c>GELU</c> (exact, as
    /// <c>0.5·x·(1 + erf(x/√2))</c>: opset 17 has no Gelu), <c>SiLU</c> (<c>x·σ(x)</c>), <c>ELU</c> (α <paramref name="parameter"/>);
    /// <c>None</c> returns <paramref name="x"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">An unknown activation name.</exception>
    public string Activation(string x, string function, float parameter = 0f)
    {
        switch (function)
        {
            case "None": return x;
            case "ReLU": return Node("Relu", new[] { x });
            case "LeakyReLU": return Node("LeakyRelu", new[] { x }, OnnxAttribute.Float("alpha", parameter));
            case "Sigmoid": return Node("Sigmoid", new[] { x });
            case "Tanh": return Node("Tanh", new[] { x });
            case "Softmax": return Softmax(x);
            case "ELU": return Node("Elu", new[] { x }, OnnxAttribute.Float("alpha", parameter));
            case "SiLU": return Mul(x, Node("Sigmoid", new[] { x }));
            case "GELU":
            {
                string erf = Node("Erf", new[] { Node("Div", new[] { x, Scalar((float)Math.Sqrt(2.0)) }) });
                return Mul(Mul(x, Scalar(0.5f)), Add(erf, Scalar(1f)));
            }
            default: throw new NotSupportedException($"ONNX export has no mapping for the activation '{function}'.");
        }
    }

    // ── Writing ────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Writes the model (a <c>ModelProto</c>) to <paramref name="stream"/>. The whole file is encoded before the first byte is written.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="producerVersion">The producer version recorded in the file.</param>
    public void WriteTo(Stream stream, string producerVersion = "0.1.0")
    {
        if (stream is null) throw new ArgumentNullException(nameof(stream));
        if (!stream.CanWrite) throw new ArgumentException("SaveOnnx needs a writable stream; this one cannot be written.", nameof(stream));
        if (_outputs.Count == 0) throw new InvalidOperationException("The ONNX graph has no output; call Output first.");
        var graph = new OnnxProtoWriter();
        foreach (NodeEntry node in _nodes) graph.Message(1, node.Encode());
        graph.String(2, _graphName);
        foreach (InitializerEntry initializer in _initializers) graph.Message(5, initializer.Encode());
        foreach (var input in _inputs) graph.Message(11, ValueInfo(input.Name, input.Type, input.Dims));
        foreach (var output in _outputs) graph.Message(12, ValueInfo(output.Name, output.Type, output.Dims));

        var model = new OnnxProtoWriter();
        model.Int(1, IrVersion);
        model.String(2, "StaticNet");
        model.String(3, producerVersion);
        model.Message(7, graph);
        var opset = new OnnxProtoWriter();
        opset.String(1, "");
        opset.Int(2, Opset);
        model.Message(8, opset);
        model.CopyTo(stream);
        stream.Flush();
    }

    private static OnnxProtoWriter ValueInfo(string name, int type, long[] dims)
    {
        var shape = new OnnxProtoWriter();
        foreach (long d in dims)
        {
            var dim = new OnnxProtoWriter();
            if (d == Batch) dim.String(2, "N");
            else dim.Int(1, d);
            shape.Message(1, dim);
        }
        var tensor = new OnnxProtoWriter();
        tensor.Int(1, type);
        tensor.Message(2, shape);
        var typeProto = new OnnxProtoWriter();
        typeProto.Message(1, tensor);
        var info = new OnnxProtoWriter();
        info.String(1, name);
        info.Message(2, typeProto);
        return info;
    }

    private sealed record NodeEntry(string OpType, string[] Inputs, string[] Outputs, string Name, OnnxAttribute[] Attributes)
    {
        public OnnxProtoWriter Encode()
        {
            var w = new OnnxProtoWriter();
            foreach (string input in Inputs) w.String(1, input);
            foreach (string output in Outputs) w.String(2, output);
            w.String(3, Name);
            w.String(4, OpType);
            foreach (OnnxAttribute attribute in Attributes) w.Message(5, attribute.Encode());
            return w;
        }
    }

    private sealed record InitializerEntry(string Name, long[] Dims, float[]? Floats, long[]? Longs)
    {
        public OnnxProtoWriter Encode()
        {
            var w = new OnnxProtoWriter();
            w.PackedInts(1, Dims);
            w.Int(2, Floats is not null ? OnnxDataType.Float : OnnxDataType.Int64);
            w.String(8, Name);
            if (Floats is not null) w.RawFloats(9, Floats);
            else w.PackedInts(7, Longs!);
            return w;
        }
    }
}

/// <summary>The ONNX <c>TensorProto.DataType</c> values the exporter writes.</summary>
internal static class OnnxDataType
{
    public const int Float = 1;
    public const int Int64 = 7;
}

/// <summary>One attribute of an ONNX node: a float, an int, a string, or a list of ints, floats or strings.</summary>
public sealed class OnnxAttribute
{
    private readonly int _type;
    private readonly float _float;
    private readonly long _int;
    private readonly string? _string;
    private readonly long[]? _ints;
    private readonly float[]? _floats;
    private readonly string[]? _strings;

    private OnnxAttribute(string name, int type, float f = 0, long i = 0, string? s = null, long[]? ints = null, float[]? floats = null, string[]? strings = null)
    {
        Name = name;
        _type = type;
        _float = f;
        _int = i;
        _string = s;
        _ints = ints;
        _floats = floats;
        _strings = strings;
    }

    /// <summary>The attribute's name, e.g. <c>kernel_shape</c>.</summary>
    public string Name { get; }

    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, 1, f: value);

    /// <summary>An int attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, 2, i: value);

    /// <summary>A string attribute.</summary>
    public static OnnxAttribute String(string name, string value) => new(name, 3, s: value);

    /// <summary>A list of floats.</summary>
    public static OnnxAttribute Floats(string name, params float[] values) => new(name, 6, floats: (float[])values.Clone());

    /// <summary>A list of ints.</summary>
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, 7, ints: (long[])values.Clone());

    /// <summary>A list of strings.</summary>
    public static OnnxAttribute Strings(string name, params string[] values) => new(name, 8, strings: (string[])values.Clone());

    internal OnnxProtoWriter Encode()
    {
        var w = new OnnxProtoWriter();
        w.String(1, Name);
        switch (_type)
        {
            case 1: w.Float(2, _float); break;
            case 2: w.Int(3, _int); break;
            case 3: w.String(4, _string!); break;
            case 6: foreach (float f in _floats!) w.Float(7, f); break;
            case 7: foreach (long i in _ints!) w.Int(8, i); break;
            case 8: foreach (string s in _strings!) w.String(9, s); break;
        }
        w.Int(20, _type);
        return w;
    }
}
