using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Onnx;

/// <summary>
/// Maps a sequential ONNX graph (as <c>torch.onnx.export</c> writes it) to the layer specs that the equivalent attributes
/// would give, so that the generator emits the same code. Follows the data path from the graph's one input to its one
/// output; every operator, attribute or shape it cannot honour is an error naming the node.
/// </summary>
internal sealed partial class OnnxImporter
{
    /// <summary>The operators import maps, for messages.</summary>
    public const string Supported = "Gemm, MatMul (+ Add), Conv, BatchNormalization, Relu, LeakyRelu, Sigmoid, Tanh, Elu, Gelu, Softmax, " +
        "MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape (static), LSTM, GRU, RNN (batch-first, stacked, bidirectional, as torch.onnx.export writes them), " +
        "LayerNormalization (last axis; or decomposed as torch.onnx.export writes it below opset 17), " +
        "nn.MultiheadAttention as torch.onnx.export writes it (self-attention without masks: Transpose, MatMul, Slice, Reshape, Div, Softmax, Gemm, …), " +
        "Identity, Dropout, Pad (zero), Add / Mul / Concat of two or more activations (skips: [Add], [Multiply], [Concatenate])";

    private const long Batch = long.MinValue; // the batch dimension in evaluated shapes
    private const long BatchMultiple = long.MinValue + 1; // a multiple of the batch (batch × heads) in evaluated shapes

    private readonly byte[] _file;
    private readonly OnnxGraph _graph;
    private readonly Dictionary<string, OnnxTensor> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxTensor> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxNode> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<OnnxNode>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _dataShapes = new(StringComparer.Ordinal); // full shapes (batch first) of the data path's tensors
    private readonly long _opset;
    private readonly List<LayerSpec> _layers = new();
    private readonly List<string> _layerNodes = new();
    private readonly List<OnnxSourceSpec> _sources = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly List<string> _errors = new();

    private OnnxImporter(byte[] file, OnnxModel model)
    {
        _file = file;
        _graph = model.Graph;
        _opset = model.DefaultOpset;
        foreach (OnnxTensor t in _graph.Initializers) _initializers[t.Name] = t;
        foreach (OnnxNode node in _graph.Nodes)
        {
            foreach (string output in node.Outputs) if (output.Length > 0) _producers[output] = node;
            if (node.OpType == "Constant" && node.Attribute("value")?.T is { } value && node.Outputs.Count == 1)
                _constants[node.Outputs[0]] = value;
            foreach (string input in node.Inputs)
            {
                if (input.Length == 0) continue;
                if (!_consumers.TryGetValue(input, out List<OnnxNode>? list)) _consumers[input] = list = new List<OnnxNode>();
                list.Add(node);
            }
        }
    }

    /// <summary>
    /// The spec of the network the model describes (the header's class, loss and prefix, the model's layers), or null with
    /// the errors; each error is a whole sentence that names the node.
    /// </summary>
    public static (NetworkSpec? Spec, List<string> Errors) Import(NetworkSpec header, byte[] file, string path, string resource)
    {
        OnnxModel model;
        try { model = OnnxModel.Read(file); }
        catch (OnnxFormatException e) { return (null, new List<string> { $"ONNX file '{path}' is not a readable ONNX model: {e.Message}" }); }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException) { return (null, new List<string> { $"ONNX file '{path}' is not a readable ONNX model ({e.Message})" }); }
        var importer = new OnnxImporter(file, model);
        try { importer.Run(path); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A graph shaped in a way the mapping did not foresee: still a build error on the attribute, not a generator crash.
            return (null, new List<string> { $"ONNX file '{path}' could not be mapped ({e.GetType().Name}: {e.Message}); supported operators: {Supported}" });
        }
        if (importer._errors.Count > 0) return (null, importer._errors);
        var layers = new List<LayerSpec>(importer._layers);
        NetworkSpec spec = header with
        {
            Layers = new EquatableArray<LayerSpec>(layers.ToArray()),
            NetworkAttributeIndex = -1,
            Onnx = new OnnxImport(resource, new EquatableArray<OnnxSourceSpec>(importer._sources.ToArray()), new EquatableArray<string>(importer._layerNodes.ToArray())),
        };
        return (spec, importer._errors);
    }

    private void Error(OnnxNode node, string message) =>
        _errors.Add($"ONNX node '{NodeName(node)}' ({node.OpType}): " + (AttentionScope(node) is { } scope ? $"{AttentionMessage(scope)} (here: {message})" : message));

    private static string NodeName(OnnxNode node) => node.Name.Length > 0 ? node.Name : node.OpType + " → " + string.Join(", ", node.Outputs);

    private void Run(string path)
    {
        var inputs = _graph.Inputs.Where(i => !_initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            _errors.Add($"ONNX file '{path}' has {inputs.Count} graph inputs ({string.Join(", ", inputs.Select(i => i.Name))}); expected exactly one (the batch of samples)");
            return;
        }
        if (_graph.Outputs.Count != 1)
        {
            _errors.Add($"ONNX file '{path}' has {_graph.Outputs.Count} graph outputs; expected exactly one");
            return;
        }
        OnnxValueInfo input = inputs[0];
        if (input.ElementType != OnnxTensor.Float)
            _errors.Add($"ONNX input '{input.Name}' has element type {input.ElementType}; expected FLOAT (1)");
        if (!input.HasShape || input.Dims.Count < 2)
        {
            _errors.Add($"ONNX input '{input.Name}' has shape {(input.HasShape ? input.ShapeText : "(none)")}; expected [batch, features...] with fixed sizes after the batch dimension");
            return;
        }
        var sample = new List<int>();
        for (int k = 1; k < input.Dims.Count; k++)
        {
            if (input.Dims[k] <= 0)
            {
                _errors.Add($"ONNX input '{input.Name}' {input.ShapeText} has a dynamic dimension '{input.DimParams[k] ?? "?"}' at axis {k}; expected fixed sizes after the batch dimension (StaticNet's shapes are fixed at compile time: export with a fixed size there)");
                return;
            }
            sample.Add((int)input.Dims[k]);
        }
        if (sample.Count > 3)
        {
            _errors.Add($"ONNX input '{input.Name}' {input.ShapeText} has {sample.Count} dimensions per sample; expected 1 to 3 ([features], [T, features] or [C, L], [C, H, W])");
            return;
        }
        _layers.Add(new LayerSpec(LayerKind.Input, 0, new EquatableArray<int>(sample.ToArray()), 0, ActivationKind.None, null));
        _layerNodes.Add("input '" + input.Name + "'");

        // The data path as a graph: each ONNX tensor on it is a StaticNet value (the input's, or a layer's output). A node
        // that reads a tensor other than the last layer's output gets From; Add / Mul / Concat of two or more data tensors
        // become merge layers, emitted once all their operands are; every other node (or pattern) runs as before.
        string current = input.Name;
        var dims = sample.Select(d => (long)d).ToList();
        _dataShapes[current] = new[] { Batch }.Concat(dims).ToArray();
        _names.Add(InputValue);
        _valueOf[current] = InputValue;
        _lastValue = InputValue;
        var valueDims = new Dictionary<string, List<long>>(StringComparer.Ordinal) { [current] = dims };
        string output = _graph.Outputs[0].Name;
        var pending = new Stack<string>();
        var applied = new HashSet<OnnxNode>();
        pending.Push(current);
        int guard = 0;
        while (pending.Count > 0 && _errors.Count == 0 && guard++ < 100000)
        {
            string tensor = pending.Pop();
            List<OnnxNode> consumers = DataConsumers(tensor);
            if (tensor == output && consumers.Count == 0) continue;
            if (consumers.Count == 0)
            {
                _errors.Add($"ONNX tensor '{tensor}' is read by no supported node and is not the graph's output '{output}'");
                return;
            }
            if (consumers.Count > 1) _forked.Add(_valueOf[tensor]);
            var next = new List<string>();
            foreach (OnnxNode node in consumers)
            {
                if (applied.Contains(node) || _absorbed.Contains(node)) continue;
                string? produced;
                List<long> branch;
                if (IsMerge(node))
                {
                    if (!node.Inputs.All(_valueOf.ContainsKey)) continue; // its other operands come later
                    applied.Add(node);
                    branch = new List<long>(valueDims[node.Inputs[0]]);
                    produced = Merge(node, valueDims, branch);
                }
                else
                {
                    applied.Add(node);
                    branch = new List<long>(valueDims[tensor]);
                    int start = _layers.Count;
                    string from = _valueOf[tensor];
                    bool fromLast = from == _lastValue;
                    _fusable = fromLast && !_forked.Contains(from);
                    produced = Apply(node, tensor, branch);
                    if (produced is not null && _layers.Count > start && !fromLast)
                        _layers[start] = _layers[start] with { From = from };
                    if (produced is not null) _valueOf[produced] = _layers.Count > start ? LastValue() : from;
                }
                if (produced is null) return;
                _dataShapes[produced] = new[] { Batch }.Concat(branch).ToArray();
                valueDims[produced] = branch;
                next.Add(produced);
            }
            for (int k = next.Count - 1; k >= 0; k--) pending.Push(next[k]);
        }
        if (_errors.Count > 0) return;
        if (!_valueOf.TryGetValue(output, out string? outputValue))
        {
            _errors.Add($"ONNX file '{path}': the graph's output '{output}' is not reached from its input through supported nodes (a merge whose operands are not all on the data path?)");
            return;
        }
        if (_layers.Count == 1)
        {
            _errors.Add($"ONNX file '{path}' maps to no layer; expected at least one operator between its input and output");
            return;
        }
        if (outputValue != _lastValue)
            _errors.Add($"ONNX file '{path}': the graph's output '{output}' is layer '{outputValue}', not the last one mapped ('{_lastValue}'); expected the output last");
    }

    private const string InputValue = "input";
    private readonly Dictionary<string, string> _valueOf = new(StringComparer.Ordinal); // data tensor → the StaticNet value (layer name or input)
    private readonly HashSet<string> _forked = new(StringComparer.Ordinal); // values read by several nodes
    private string _lastValue = InputValue;
    private bool _fusable = true; // whether the node being applied may fuse into the last layer (it reads that layer's only use)

    /// <summary>The name of the last layer mapped, given one if it has none (an operand named by From or a merge).</summary>
    private string LastValue()
    {
        LayerSpec last = _layers[_layers.Count - 1];
        if (last.Name is null)
        {
            string name = last.Kind + "_" + (_layers.Count - 1).ToString(CultureInfo.InvariantCulture);
            for (int k = 1; !_names.Add(name); k++) name = last.Kind + "_" + (_layers.Count - 1).ToString(CultureInfo.InvariantCulture) + "_" + k.ToString(CultureInfo.InvariantCulture);
            _layers[_layers.Count - 1] = last = last with { Name = name };
        }
        _lastValue = last.Name!;
        return _lastValue;
    }

    /// <summary>Whether the node is Add, Mul or Concat of two or more data tensors (not a bias or a constant).</summary>
    private bool IsMerge(OnnxNode node) =>
        node.OpType is "Add" or "Mul" or "Concat" && node.Inputs.Count(i => i.Length > 0 && !_initializers.ContainsKey(i) && Constant(i) is null) >= 2;

    /// <summary>A merge node as <c>[Add]</c>, <c>[Multiply]</c> or <c>[Concatenate]</c> with its operands by name; returns its output.</summary>
    private string? Merge(OnnxNode node, Dictionary<string, List<long>> valueDims, List<long> dims)
    {
        if (node.Inputs.Any(i => i.Length == 0 || !_valueOf.ContainsKey(i)))
        {
            Error(node, $"{node.OpType} of an activation and a constant is not supported; expected {node.OpType} of two or more activations (a skip)");
            return null;
        }
        List<long> first = valueDims[node.Inputs[0]];
        LayerKind kind = node.OpType switch { "Add" => LayerKind.Add, "Mul" => LayerKind.Multiply, _ => LayerKind.Concatenate };
        if (kind == LayerKind.Concatenate)
        {
            long axis = Int(node, "axis", 1);
            long rank = first.Count + 1;
            if (axis < 0) axis += rank;
            bool channels = first.Count == 1 ? axis == 1 : first.Count == 3 && axis == 1;
            if (!channels)
            {
                Error(node, $"axis {Int(node, "axis", 1)} of [batch, {string.Join(", ", first)}] is not supported; expected the features of [batch, F] or the channels (axis 1) of [batch, C, H, W]");
                return null;
            }
            foreach (string operand in node.Inputs.Skip(1))
            {
                List<long> other = valueDims[operand];
                if (other.Count != first.Count || Enumerable.Range(0, other.Count).Any(d => d != axis - 1 && other[d] != first[d]))
                {
                    Error(node, $"joins [batch, {string.Join(", ", first)}] and [batch, {string.Join(", ", other)}]; expected equal sizes other than axis {axis}");
                    return null;
                }
                dims[(int)axis - 1] += other[(int)axis - 1];
            }
        }
        else
        {
            foreach (string operand in node.Inputs.Skip(1))
                if (!valueDims[operand].SequenceEqual(first))
                {
                    Error(node, $"{node.OpType} of [batch, {string.Join(", ", first)}] and [batch, {string.Join(", ", valueDims[operand])}] (broadcasting) is not supported; expected operands of equal shape");
                    return null;
                }
        }
        string from = _valueOf[node.Inputs[0]];
        var others = node.Inputs.Skip(1).Select(i => _valueOf[i]).ToArray();
        AddLayer(node, new LayerSpec(kind, 0, EquatableArray<int>.Empty, 0, ActivationKind.None, LayerName(node, null),
            From: from == _lastValue ? null : from, Others: new EquatableArray<string>(others)));
        _valueOf[node.Outputs[0]] = LastValue();
        return node.Outputs[0];
    }

    /// <summary>The nodes that read a data tensor as data (Shape reads only its shape).</summary>
    private List<OnnxNode> DataConsumers(string tensor) =>
        _consumers.TryGetValue(tensor, out List<OnnxNode>? list) ? list.Where(n => n.OpType != "Shape").Distinct().ToList() : new List<OnnxNode>();

    private OnnxNode? SingleConsumer(string tensor)
    {
        List<OnnxNode> list = DataConsumers(tensor);
        return list.Count == 1 ? list[0] : null;
    }

    // ── Operators ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Maps one node (and the nodes of its pattern); returns the data path's next tensor, or null after an error.</summary>
    private string? Apply(OnnxNode node, string current, List<long> dims)
    {
        if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
        {
            Error(node, $"operator domain '{node.Domain}' is not supported; expected ONNX's default domain. Supported operators: {Supported}");
            return null;
        }
        if (node.Inputs.Count == 0 || node.Inputs[0] != current && node.OpType != "MatMul" && node.OpType != "Add")
        {
            Error(node, $"reads the data tensor '{current}' as an input other than its first; expected it as the first input");
            return null;
        }
        switch (node.OpType)
        {
            case "Gemm": return Gemm(node, dims);
            case "MatMul": return MatMul(node, current, dims);
            case "Conv": return Conv(node, dims);
            case "BatchNormalization": return BatchNormalization(node, dims);
            case "Relu": return Activation(node, ActivationKind.ReLU, 0f, dims);
            case "Sigmoid": return Activation(node, ActivationKind.Sigmoid, 0f, dims);
            case "Tanh": return Activation(node, ActivationKind.Tanh, 0f, dims);
            case "LeakyRelu": return Activation(node, ActivationKind.LeakyReLU, node.Attribute("alpha")?.F ?? 0.01f, dims);
            case "Elu": return Activation(node, ActivationKind.ELU, node.Attribute("alpha")?.F ?? 1f, dims);
            case "Gelu":
                if (node.Attribute("approximate")?.S is { } approximate && approximate != "none")
                {
                    Error(node, $"approximate = \"{approximate}\" is not supported; expected \"none\" (the exact GELU)");
                    return null;
                }
                return Activation(node, ActivationKind.GELU, 0f, dims);
            case "Softmax": return Softmax(node, dims);
            case "MaxPool": return Pool(node, dims, max: true);
            case "AveragePool": return Pool(node, dims, max: false);
            case "GlobalAveragePool": return GlobalAveragePool(node, dims);
            case "Flatten": return Flatten(node, dims);
            case "Reshape": return Reshape(node, dims);
            case "Identity":
            case "Dropout":
                if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0 && DataConsumers(node.Outputs[1]).Count > 0)
                {
                    Error(node, "its mask output is used; expected an inference graph (Dropout exported in eval mode)");
                    return null;
                }
                return node.Outputs[0];
            case "Pad": return Pad(node, dims);
            case "Transpose": return Transpose(node, dims);
            case "LSTM": return Recurrent(node, dims, LayerKind.LSTM, gates: 4, order: "0,2,3,1");
            case "GRU": return Recurrent(node, dims, LayerKind.GRU, gates: 3, order: "1,0,2");
            case "RNN": return Recurrent(node, dims, LayerKind.SimpleRNN, gates: 1, order: "");
            case "LayerNormalization": return LayerNormalization(node, dims);
            case "ReduceMean":
            case "Sub":
                return DecomposedLayerNorm(node, current, dims);
            default:
                Error(node, $"operator '{node.OpType}' is not supported; supported operators: {Supported}");
                return null;
        }
    }

    private string? Gemm(OnnxNode node, List<long> dims)
    {
        if (!Floats(node, 1, out OnnxTensor? b) || b is null) return null;
        OnnxTensor? c = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0 && !Floats(node, 2, out c)) return null;
        if (Int(node, "transA", 0) != 0) { Error(node, "transA = 1 is not supported; expected transA = 0 (the batch as rows)"); return null; }
        float alpha = node.Attribute("alpha")?.F ?? 1f, beta = node.Attribute("beta")?.F ?? 1f;
        if (node.Attribute("alpha") is not null && alpha != 1f || node.Attribute("beta") is not null && beta != 1f)
        {
            Error(node, $"alpha = {alpha}, beta = {beta} are not supported; expected 1 and 1 (a Linear layer)");
            return null;
        }
        bool transB = Int(node, "transB", 0) != 0;
        if (b.Dims.Length != 2) { Error(node, $"weight '{b.Name}' has shape {b.ShapeText}; expected 2 dimensions"); return null; }
        long outputs = transB ? b.Dims[0] : b.Dims[1], inputs = transB ? b.Dims[1] : b.Dims[0];
        if (dims.Count != 1 || dims[0] != inputs)
        {
            Error(node, $"its input has shape [batch, {string.Join(", ", dims)}] but weight '{b.Name}' {b.ShapeText} takes {inputs} features; expected [batch, {inputs}]");
            return null;
        }
        if (c is not null && c.ElementCount != outputs)
        {
            Error(node, $"bias '{c.Name}' {c.ShapeText} has {c.ElementCount} elements; expected {outputs} (one per output, no broadcasting over the batch)");
            return null;
        }
        string name = LayerName(node, b.Name);
        AddLayer(node, new LayerSpec(LayerKind.Dense, 0, EquatableArray<int>.Empty, (int)outputs, ActivationKind.None, name));
        AddSource(new OnnxSourceSpec(name + ".weight", b.Name, Transpose: !transB));
        AddSource(new OnnxSourceSpec(name + ".bias", c?.Name));
        dims[0] = outputs;
        return node.Outputs[0];
    }

    private string? MatMul(OnnxNode node, string current, List<long> dims)
    {
        if (node.Inputs.Count != 2 || node.Inputs[0] != current)
        {
            Error(node, "expected the data as its first input and a constant weight [in, out] as its second");
            return null;
        }
        if (!Floats(node, 1, out OnnxTensor? w) || w is null) return null;
        if (w.Dims.Length != 2 || dims.Count is < 1 or > 2 || dims[dims.Count - 1] != w.Dims[0])
        {
            Error(node, $"weight '{w.Name}' {w.ShapeText} does not multiply an input of shape [batch, {string.Join(", ", dims)}]; expected a 2-D weight [in, out] with in = the input's last dimension");
            return null;
        }
        long outputs = w.Dims[1];
        string result = node.Outputs[0];
        string? bias = null;
        if (SingleConsumer(result) is { OpType: "Add" } add && add.Inputs.Count == 2)
        {
            int other = add.Inputs[0] == result ? 1 : 0;
            string name0 = add.Inputs[other];
            OnnxTensor? constant = Constant(name0);
            if (constant is not null && constant.DataType == OnnxTensor.Float && constant.ElementCount == outputs)
            {
                bias = constant.Name;
                result = add.Outputs[0];
                if (!TryInitializer(name0, out _))
                {
                    Error(add, $"bias '{name0}' is a Constant node; expected an initializer (export with weights as initializers)");
                    return null;
                }
            }
        }
        string layer = LayerName(node, w.Name);
        AddLayer(node, new LayerSpec(LayerKind.Dense, 0, EquatableArray<int>.Empty, (int)outputs, ActivationKind.None, layer));
        AddSource(new OnnxSourceSpec(layer + ".weight", w.Name, Transpose: true));
        AddSource(new OnnxSourceSpec(layer + ".bias", bias));
        dims[dims.Count - 1] = outputs;
        return result;
    }

    private string? Conv(OnnxNode node, List<long> dims)
    {
        if (!Floats(node, 1, out OnnxTensor? w) || w is null) return null;
        OnnxTensor? b = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0 && !Floats(node, 2, out b)) return null;
        int spatial = dims.Count - 1;
        if (spatial is not (1 or 2) || w.Dims.Length != spatial + 2 || w.Dims[1] != dims[0])
        {
            Error(node, $"weight '{w.Name}' {w.ShapeText} does not convolve an input of shape [batch, {string.Join(", ", dims)}]; expected [batch, C, L] or [batch, C, H, W] with weight [filters, C, kernel...]");
            return null;
        }
        if (Int(node, "group", 1) != 1) { Error(node, $"group = {Int(node, "group", 1)} is not supported; expected 1 (no grouped or depthwise convolutions)"); return null; }
        long kh = spatial == 2 ? w.Dims[2] : 1, kw = w.Dims[spatial + 1];
        if (!Uniform(node, "strides", spatial, 1, out long stride) || !Uniform(node, "dilations", spatial, 1, out long dilation)) return null;
        if (!Uniform(node, "pads", 2 * spatial, 0, out long pad)) return null;
        string autoPad = node.Attribute("auto_pad")?.S ?? "NOTSET";
        PaddingModeKind mode = PaddingModeKind.Explicit;
        if (autoPad == "VALID") mode = PaddingModeKind.Valid;
        else if (autoPad is "SAME_UPPER" or "SAME_LOWER" && stride == 1) mode = PaddingModeKind.Same;
        else if (autoPad != "NOTSET") { Error(node, $"auto_pad = \"{autoPad}\" with stride {stride} is not supported; expected NOTSET (explicit pads), VALID, or SAME_* with stride 1"); return null; }
        long filters = w.Dims[0];
        if (b is not null && b.ElementCount != filters) { Error(node, $"bias '{b.Name}' {b.ShapeText} has {b.ElementCount} elements; expected {filters}"); return null; }
        string name = LayerName(node, w.Name);
        var options = new ConvolutionOptions((int)kh, (int)kw, (int)stride, (int)pad, mode, (int)dilation, Bias: b is not null);
        AddLayer(node, new LayerSpec(spatial == 2 ? LayerKind.Conv2D : LayerKind.Conv1D, 0, EquatableArray<int>.Empty, (int)filters, ActivationKind.None, name, options));
        AddSource(new OnnxSourceSpec(name + ".weight", w.Name));
        if (b is not null) AddSource(new OnnxSourceSpec(name + ".bias", b.Name));
        dims[0] = filters;
        long[] kernel = spatial == 2 ? new[] { kh, kw } : new[] { kw };
        for (int k = 0; k < spatial; k++)
        {
            long size = dims[k + 1];
            long effective = dilation * (kernel[k] - 1) + 1;
            dims[k + 1] = mode switch
            {
                PaddingModeKind.Same => size,
                PaddingModeKind.Valid => (size - effective) / stride + 1,
                _ => (size + 2 * pad - effective) / stride + 1,
            };
        }
        return node.Outputs[0];
    }

    private string? BatchNormalization(OnnxNode node, List<long> dims)
    {
        if (node.Inputs.Count < 5) { Error(node, "expected 5 inputs (X, scale, B, mean, var)"); return null; }
        var tensors = new OnnxTensor[4];
        for (int i = 0; i < 4; i++)
        {
            if (!Floats(node, i + 1, out OnnxTensor? t) || t is null) return null;
            if (t.ElementCount != dims[0]) { Error(node, $"'{t.Name}' {t.ShapeText} has {t.ElementCount} elements; expected {dims[0]} (one per channel)"); return null; }
            tensors[i] = t;
        }
        if (Int(node, "training_mode", 0) != 0 || node.Outputs.Skip(1).Any(o => o.Length > 0 && DataConsumers(o).Count > 0))
        {
            Error(node, "training mode is not supported; expected an inference BatchNormalization (export the model in eval mode)");
            return null;
        }
        float epsilon = node.Attribute("epsilon")?.F ?? 1e-5f;
        float momentum = node.Attribute("momentum") is { } m ? 1f - m.F : 0.1f; // ONNX keeps the old statistics' share
        string name = LayerName(node, tensors[0].Name);
        AddLayer(node, new LayerSpec(LayerKind.BatchNorm, 0, EquatableArray<int>.Empty, 0, ActivationKind.None, name, new BatchNormOptions(momentum, epsilon)));
        AddSource(new OnnxSourceSpec(name + ".weight", tensors[0].Name));
        AddSource(new OnnxSourceSpec(name + ".bias", tensors[1].Name));
        AddSource(new OnnxSourceSpec(name + ".running_mean", tensors[2].Name));
        AddSource(new OnnxSourceSpec(name + ".running_var", tensors[3].Name));
        return node.Outputs[0];
    }

    private string? Activation(OnnxNode node, ActivationKind kind, float parameter, List<long> dims)
    {
        _ = dims;
        // Fused into the Dense or convolution before it where the attribute DSL would write it so: the plain functions.
        if (_fusable && _layers.Count > 1 && _layers[_layers.Count - 1] is { Kind: LayerKind.Dense or LayerKind.Conv2D or LayerKind.Conv1D, Activation: ActivationKind.None } previous
            && kind is ActivationKind.ReLU or ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.GELU)
        {
            _layers[_layers.Count - 1] = previous with { Activation = kind };
            _layerNodes[_layerNodes.Count - 1] += ", '" + NodeName(node) + "'";
            return node.Outputs[0];
        }
        AddLayer(node, new LayerSpec(LayerKind.Activation, 0, EquatableArray<int>.Empty, 0, kind, LayerName(node, null), new ActivationOptions(parameter)));
        return node.Outputs[0];
    }

    private string? Softmax(OnnxNode node, List<long> dims)
    {
        long axis = Int(node, "axis", _opset >= 13 ? -1 : 1);
        int rank = dims.Count + 1;
        if (axis < 0) axis += rank;
        if (axis != rank - 1 || _opset < 13 && rank != 2)
        {
            Error(node, $"axis = {Int(node, "axis", -1)} over a tensor of rank {rank} is not supported; expected the last axis (the features of each sample or step)");
            return null;
        }
        return Activation(node, ActivationKind.Softmax, 0f, dims);
    }

    private string? Pool(OnnxNode node, List<long> dims, bool max)
    {
        int spatial = dims.Count - 1;
        OnnxAttribute? kernel = node.Attribute("kernel_shape");
        if (spatial is not (1 or 2) || kernel is null || kernel.Ints.Count != spatial)
        {
            Error(node, $"pooling over an input of shape [batch, {string.Join(", ", dims)}] with kernel_shape {kernel?.ToString() ?? "(none)"}; expected [batch, C, L] or [batch, C, H, W] and one kernel size per spatial axis");
            return null;
        }
        if (kernel.Ints.Distinct().Count() != 1) { Error(node, $"kernel_shape = {kernel} is not supported; expected a square window"); return null; }
        long size = kernel.Ints[0];
        if (!Uniform(node, "strides", spatial, 1, out long stride) || !Uniform(node, "dilations", spatial, 1, out long dilation)) return null;
        if (!Uniform(node, "pads", 2 * spatial, 0, out long pad)) return null;
        if (pad != 0 || dilation != 1 || Int(node, "ceil_mode", 0) != 0 || (node.Attribute("auto_pad")?.S ?? "NOTSET") is not ("NOTSET" or "VALID"))
        {
            Error(node, $"pads = {pad}, dilations = {dilation}, ceil_mode = {Int(node, "ceil_mode", 0)}, auto_pad = \"{node.Attribute("auto_pad")?.S ?? "NOTSET"}\" are not supported; expected no padding, dilation 1 and ceil_mode 0");
            return null;
        }
        if (max && node.Outputs.Count > 1 && node.Outputs[1].Length > 0 && DataConsumers(node.Outputs[1]).Count > 0)
        {
            Error(node, "its Indices output is used; expected only the pooled values");
            return null;
        }
        LayerKind kind = (max, spatial) switch { (true, 2) => LayerKind.MaxPool2D, (true, _) => LayerKind.MaxPool1D, (false, 2) => LayerKind.AvgPool2D, _ => LayerKind.AvgPool1D };
        AddLayer(node, new LayerSpec(kind, 0, EquatableArray<int>.Empty, (int)size, ActivationKind.None, LayerName(node, null), new PoolOptions((int)stride)));
        for (int k = 1; k < dims.Count; k++) dims[k] = (dims[k] - size) / stride + 1;
        return node.Outputs[0];
    }

    private string? GlobalAveragePool(OnnxNode node, List<long> dims)
    {
        if (dims.Count is not (2 or 3)) { Error(node, $"input of shape [batch, {string.Join(", ", dims)}]; expected [batch, C, L] or [batch, C, H, W]"); return null; }
        AddLayer(node, new LayerSpec(LayerKind.GlobalAvgPool, 0, EquatableArray<int>.Empty, 0, ActivationKind.None, LayerName(node, null)));
        long channels = dims[0];
        dims.Clear();
        dims.Add(channels); // ONNX keeps [C, 1, 1]; StaticNet's pool gives the vector [C], which the Flatten after it leaves as it is
        return node.Outputs[0];
    }

    private string? Flatten(OnnxNode node, List<long> dims)
    {
        if (Int(node, "axis", 1) != 1) { Error(node, $"axis = {Int(node, "axis", 1)} is not supported; expected 1 (keep the batch, flatten each sample)"); return null; }
        FlattenTo(node, dims);
        return node.Outputs[0];
    }

    private void FlattenTo(OnnxNode node, List<long> dims)
    {
        if (dims.Count > 1)
            AddLayer(node, new LayerSpec(LayerKind.Flatten, 0, EquatableArray<int>.Empty, 0, ActivationKind.None, LayerName(node, null)));
        long size = 1;
        foreach (long d in dims) size *= d;
        dims.Clear();
        dims.Add(size);
    }

    private string? Reshape(OnnxNode node, List<long> dims)
    {
        long[]? shape = node.Inputs.Count > 1 ? Evaluate(node.Inputs[1]) : null;
        if (shape is null)
        {
            Error(node, "its target shape is computed at run time from something other than the input's shape and constants; expected a static shape");
            return null;
        }
        long size = 1;
        foreach (long d in dims) size *= d;
        // The first axis must stay the batch: Batch (from Shape), 0 (copy) or -1 (with the rest fixed).
        bool batchFirst = shape.Length >= 1 && (shape[0] == Batch || shape[0] == 0 || shape[0] == -1 && shape.Skip(1).All(d => d > 0));
        var rest = shape.Skip(1).ToList();
        if (batchFirst && rest.Count(d => d == -1) <= 1 && rest.All(d => d == -1 || d > 0))
        {
            long known = 1;
            foreach (long d in rest) if (d > 0) known *= d;
            if (rest.Contains(-1) && known > 0 && size % known == 0) rest[rest.IndexOf(-1)] = size / known;
            long product = 1;
            foreach (long d in rest) product *= d;
            if (product == size)
            {
                if (rest.SequenceEqual(dims)) return node.Outputs[0];
                if (rest.Count == 1) { FlattenTo(node, dims); return node.Outputs[0]; }
            }
        }
        string text = "[" + string.Join(", ", shape.Select(d => d == Batch ? "batch" : d == BatchMultiple ? "batch × k" : d.ToString(CultureInfo.InvariantCulture))) + "]";
        Error(node, $"reshaping [batch, {string.Join(", ", dims)}] to {text} is not supported; expected a flatten to [batch, {size}] (or a reshape that keeps the shape)");
        return null;
    }

    private string? Pad(OnnxNode node, List<long> dims)
    {
        long[]? pads = node.Inputs.Count > 1 ? Evaluate(node.Inputs[1]) : node.Attribute("pads")?.Ints.ToArray();
        if (pads is null || pads.Any(p => p != 0))
        {
            Error(node, $"padding {(pads is null ? "computed at run time" : "[" + string.Join(", ", pads) + "]")} is not supported as a node; expected zero padding (use the convolution's own padding)");
            return null;
        }
        _ = dims;
        return node.Outputs[0];
    }

    private string? Transpose(OnnxNode node, List<long> dims)
    {
        // Only torch.onnx.export's batch-first recurrent pattern, Transpose(perm [1, 0, 2]) → LSTM/GRU/RNN, and its attention's first node.
        List<long>? perm = node.Attribute("perm")?.Ints;
        OnnxNode? next = SingleConsumer(node.Outputs[0]);
        if (dims.Count == 2 && perm is not null && perm.SequenceEqual(new long[] { 1, 0, 2 }) && next is { OpType: "LSTM" or "GRU" or "RNN" } && next.Inputs[0] == node.Outputs[0])
        {
            _timeMajor = true;
            return node.Outputs[0];
        }
        if (AttentionScope(node) is not null) return Attention(node, dims);
        string reader = next is null ? "read by several nodes" : $"read by '{NodeName(next)}' ({next.OpType})";
        Error(node, $"perm = {node.Attribute("perm")?.ToString() ?? "(reverse)"} of [batch, {string.Join(", ", dims)}], {reader}, is not supported; expected only the [1, 0, 2] transpose of [batch, T, features] that torch.onnx.export puts before a batch-first LSTM, GRU or RNN (and after it, which import maps with the layer)");
        return null;
    }

    private bool _timeMajor;

    private static bool OneAxis(List<long>? axes, long axis) => axes is { Count: 1 } && axes[0] == axis;

    private List<long>? SqueezeAxes(OnnxNode squeeze)
    {
        if (squeeze.Attribute("axes") is { } axes) return axes.Ints;
        return squeeze.Inputs.Count > 1 && Evaluate(squeeze.Inputs[1]) is { } values ? values.ToList() : null;
    }

    private static List<string> ReadStrings(OnnxAttribute attribute) => attribute.S is { } s ? new List<string> { s } : attribute.Strings;

    // ── Helpers ───────────────────────────────────────────────────────────────────────────────────────────────────────

    private void AddSource(OnnxSourceSpec source) =>
        _sources.Add(source.Initializer is { } name && _initializers.TryGetValue(name, out OnnxTensor? t) ? source with { Elements = t.ElementCount } : source);

    private void AddLayer(OnnxNode node, LayerSpec layer)
    {
        _layers.Add(layer with { AttributeIndex = _layers.Count });
        _layerNodes.Add("'" + NodeName(node) + "'");
    }

    /// <summary>
    /// The layer's name: the PyTorch module of its weight (<c>fc1.weight</c> → <c>fc1</c>), else the node's scope
    /// (<c>/lstm/LSTM</c> → <c>lstm</c>, <c>/Relu_1</c> → <c>Relu_1</c>); unique, a valid module name.
    /// </summary>
    private string LayerName(OnnxNode node, string? weight)
    {
        string? name = null;
        if (weight is not null && weight.EndsWith(".weight", StringComparison.Ordinal) && !weight.Contains("::"))
            name = weight.Substring(0, weight.Length - ".weight".Length);
        else if (weight is not null && weight.EndsWith(".scale", StringComparison.Ordinal) && !weight.Contains("::"))
            name = weight.Substring(0, weight.Length - ".scale".Length);
        if (name is null || !ShapeInference.IsValidModuleName(name))
        {
            string[] parts = node.Name.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
            name = parts.Length >= 2 ? string.Join(".", parts.Take(parts.Length - 1)) : parts.Length == 1 ? parts[0] : node.OpType;
            name = name.Replace("::", "_").Replace(":", "_");
            if (!ShapeInference.IsValidModuleName(name)) name = node.OpType;
        }
        string unique = name;
        for (int k = 1; !_names.Add(unique); k++) unique = name + "_" + k.ToString(CultureInfo.InvariantCulture);
        return unique;
    }

    private bool Floats(OnnxNode node, int index, out OnnxTensor? tensor)
    {
        tensor = null;
        if (node.Inputs.Count <= index || node.Inputs[index].Length == 0) { Error(node, $"input {index} is missing; expected a constant weight"); return false; }
        string name = node.Inputs[index];
        if (!TryInitializer(name, out tensor))
        {
            Error(node, $"input {index} '{name}' is not an initializer; expected a constant weight (weights computed at run time, or given as graph inputs, are not supported)");
            return false;
        }
        if (tensor.FloatDataProblem() is { } problem) { Error(node, $"initializer '{name}' has {problem}"); return false; }
        return true;
    }

    /// <summary>
    /// The initializer named so, or the one an Identity node passes on under that name (torch.onnx.export writes equal
    /// initializers, such as fresh LayerNorms' ones and zeros, once and aliases the others: <c>Identity(norm1.weight) → norm2.weight</c>).
    /// </summary>
    private bool TryInitializer(string name, out OnnxTensor tensor)
    {
        for (int depth = 0; depth < 8; depth++)
        {
            if (_initializers.TryGetValue(name, out tensor!)) return true;
            if (!_producers.TryGetValue(name, out OnnxNode? node) || node.OpType != "Identity" || node.Inputs.Count != 1) break;
            name = node.Inputs[0];
        }
        tensor = null!;
        return false;
    }

    private static long Int(OnnxNode node, string attribute, long fallback) => node.Attribute(attribute) is { Type: OnnxAttribute.IntType } a ? a.I : fallback;

    /// <summary>An ints attribute whose values are all the same (strides [2, 2], pads [1, 1, 1, 1]), or its default.</summary>
    private bool Uniform(OnnxNode node, string attribute, int count, long fallback, out long value)
    {
        value = fallback;
        if (node.Attribute(attribute) is not { } a) return true;
        if (a.Ints.Count != count || a.Ints.Distinct().Count() != 1)
        {
            Error(node, $"{attribute} = {a} is not supported; expected {count} equal values (StaticNet's layers take one {attribute.TrimEnd('s')} for every axis and side)");
            return false;
        }
        value = a.Ints[0];
        return true;
    }

    private OnnxTensor? Constant(string name) =>
        TryInitializer(name, out OnnxTensor t) ? t : _constants.TryGetValue(name, out OnnxTensor? c) ? c : null;

    private bool IsZero(string name, int depth = 0)
    {
        if (depth > 32) return false;
        if (Constant(name) is { } t && t.DataType == OnnxTensor.Float && t.FloatDataProblem() is null)
        {
            for (long i = 0; i < t.ElementCount; i++) if (t.FloatAt(_file, i) != 0f) return false;
            return true;
        }
        if (_producers.TryGetValue(name, out OnnxNode? node) && node.OpType == "ConstantOfShape")
        {
            OnnxTensor? value = node.Attribute("value")?.T;
            return value is null || value.DataType == OnnxTensor.Float && value.FloatDataProblem() is null && value.FloatAt(_file, 0) == 0f;
        }
        // A zero broadcast to a shape (torch.onnx.export writes Expand(zeros, [1, batch, hidden]) for nn.LSTM's initial state at a fixed
        // batch), or a part of one (a stacked layer's initial state is a Slice of one ConstantOfShape for all layers).
        if (node is { OpType: "Expand" or "Identity" or "Slice" or "Unsqueeze" or "Squeeze" or "Reshape" } && node.Inputs.Count >= 1) return IsZero(node.Inputs[0], depth + 1);
        return false;
    }

    /// <summary>
    /// The value of a small integer tensor computed from constants and the data path's shapes (Shape, Gather, Unsqueeze,
    /// Squeeze, Concat, Cast, Constant): the batch dimension as <see cref="Batch"/>. Null when it depends on anything else.
    /// </summary>
    private long[]? Evaluate(string name, int depth = 0)
    {
        if (depth > 32) return null;
        if (Constant(name) is { } t)
        {
            try { return t.Integers(_file); } catch (OnnxFormatException) { return null; }
        }
        if (!_producers.TryGetValue(name, out OnnxNode? node)) return null;
        switch (node.OpType)
        {
            case "Shape":
                return _dataShapes.TryGetValue(node.Inputs[0], out long[]? shape) ? shape : null;
            case "Cast":
            case "Identity":
                return Evaluate(node.Inputs[0], depth + 1);
            case "Gather":
                {
                    long[]? data = Evaluate(node.Inputs[0], depth + 1), index = Evaluate(node.Inputs[1], depth + 1);
                    if (data is null || index is null || Int(node, "axis", 0) != 0) return null;
                    var result = new long[index.Length];
                    for (int i = 0; i < index.Length; i++)
                    {
                        long k = index[i] < 0 ? index[i] + data.Length : index[i];
                        if (k < 0 || k >= data.Length) return null;
                        result[i] = data[k];
                    }
                    return result;
                }
            case "Unsqueeze":
            case "Squeeze":
                return Evaluate(node.Inputs[0], depth + 1); // 0-D ↔ 1-D of the same values
            case "Add":
            case "Sub":
            case "Mul":
            case "Div":
                {
                    // Integer arithmetic on shapes (attention's head size, Slice bounds). A product with the batch is a multiple
                    // of it, not the batch itself: BatchMultiple, which no check takes for a fixed size or for the batch.
                    long[]? a = Evaluate(node.Inputs[0], depth + 1), b = node.Inputs.Count > 1 ? Evaluate(node.Inputs[1], depth + 1) : null;
                    if (a is null || b is null || a.Length != b.Length && a.Length != 1 && b.Length != 1) return null;
                    var result = new long[Math.Max(a.Length, b.Length)];
                    for (int i = 0; i < result.Length; i++)
                    {
                        long x = a[a.Length == 1 ? 0 : i], y = b[b.Length == 1 ? 0 : i];
                        if (x is Batch or BatchMultiple || y is Batch or BatchMultiple)
                        {
                            if (node.OpType != "Mul") return null;
                            result[i] = BatchMultiple;
                            continue;
                        }
                        if (node.OpType == "Div" && y == 0) return null;
                        result[i] = node.OpType switch { "Add" => x + y, "Sub" => x - y, "Mul" => x * y, _ => x / y };
                    }
                    return result;
                }
            case "Concat":
                {
                    var all = new List<long>();
                    foreach (string input in node.Inputs)
                    {
                        long[]? part = Evaluate(input, depth + 1);
                        if (part is null) return null;
                        all.AddRange(part);
                    }
                    return all.ToArray();
                }
            default:
                return null;
        }
    }
}
