using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Onnx;

/// <summary>
/// <c>nn.LayerNorm(features)</c> as torch.onnx.export writes it: one LayerNormalization node (opset 17 and later), or,
/// below opset 17, decomposed into ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add over the last axis; both
/// become <c>[LayerNorm]</c>. Also recognises attention blocks, which import does not map, to say so.
/// </summary>
internal sealed partial class OnnxImporter
{
    private readonly HashSet<OnnxNode> _absorbed = new(); // nodes mapped as part of another node's pattern (the decomposed LayerNorm's)
    private readonly Dictionary<string, bool> _attentionScopes = new(StringComparer.Ordinal);

    private string? LayerNormalization(OnnxNode node, List<long> dims)
    {
        if (!NormalizableShape(node, dims)) return null;
        long axis = Int(node, "axis", -1);
        int rank = dims.Count + 1;
        if ((axis < 0 ? axis + rank : axis) != rank - 1)
        {
            Error(node, $"axis = {axis} normalises [batch, {string.Join(", ", dims)}] over its last {rank - (axis < 0 ? axis + rank : axis)} dimensions; expected the last axis only (nn.LayerNorm(features), which [LayerNorm] is)");
            return null;
        }
        if (!Floats(node, 1, out OnnxTensor? scale) || scale is null) return null;
        OnnxTensor? bias = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0 && !Floats(node, 2, out bias)) return null;
        long features = dims[dims.Count - 1];
        foreach (OnnxTensor? t in new[] { scale, bias })
            if (t is not null && t.ElementCount != features)
            {
                Error(node, $"'{t.Name}' {t.ShapeText} has {t.ElementCount} elements; expected {features} (one per feature of the last axis)");
                return null;
            }
        if (Int(node, "stash_type", 1) != 1) { Error(node, $"stash_type = {Int(node, "stash_type", 1)} is not supported; expected 1 (float statistics)"); return null; }
        if (node.Outputs.Skip(1).Any(o => o.Length > 0 && DataConsumers(o).Count > 0))
        {
            Error(node, "its Mean or InvStdDev output is used; expected only the normalised output Y");
            return null;
        }
        AddLayerNorm(node, node.Inputs[1], scale.Name, bias?.Name, node.Attribute("epsilon")?.F ?? 1e-5f);
        return node.Outputs[0];
    }

    private bool NormalizableShape(OnnxNode node, List<long> dims)
    {
        if (dims.Count is 1 or 2) return true;
        Error(node, $"normalises an input of shape [batch, {string.Join(", ", dims)}]; expected [batch, features] or a sequence [batch, T, features] (StaticNet's [LayerNorm] normalises the last dimension of a vector or of each step)");
        return false;
    }

    /// <summary>Adds the layer, named after <paramref name="weightName"/> (the graph's name for the weight, maybe an Identity alias of <paramref name="weight"/>).</summary>
    private void AddLayerNorm(OnnxNode node, string? weightName, string? weight, string? bias, float epsilon)
    {
        string name = LayerName(node, weightName);
        AddLayer(node, new LayerSpec(LayerKind.LayerNorm, 0, EquatableArray<int>.Empty, 0, ActivationKind.None, name, new LayerNormOptions(epsilon)));
        AddSource(new OnnxSourceSpec(name + ".weight", weight));
        AddSource(new OnnxSourceSpec(name + ".bias", bias));
    }

    /// <summary>
    /// torch.onnx.export's LayerNorm below opset 17, from its input <paramref name="x"/>: mean = ReduceMean(x), d = x − mean,
    /// ReduceMean(d²) + ε, d / Sqrt(…), then · weight + bias. Maps it (reached from its ReduceMean or its Sub) and returns the
    /// pattern's output, or reports the node.
    /// </summary>
    private string? DecomposedLayerNorm(OnnxNode node, string x, List<long> dims)
    {
        const string Expected = "expected it only as part of nn.LayerNorm as torch.onnx.export writes it below opset 17 (ReduceMean(axes [-1]), Sub, Pow(2), ReduceMean, Add(ε), Sqrt, Div, then Mul(weight), Add(bias)) or the operators listed";
        List<OnnxNode> readers = DataConsumers(x);
        OnnxNode? mean = readers.FirstOrDefault(n => n.OpType == "ReduceMean");
        OnnxNode? sub = readers.FirstOrDefault(n => n.OpType == "Sub");
        if (readers.Count != 2 || mean is null || sub is null || !LastAxisMean(mean, dims) || sub.Inputs.Count != 2 || sub.Inputs[0] != x || sub.Inputs[1] != mean.Outputs[0]
            || DataConsumers(mean.Outputs[0]).Count != 1)
        {
            Error(node, $"{node.OpType} of the data is not supported here; {Expected}. Supported operators: {Supported}");
            return null;
        }
        if (!NormalizableShape(node, dims)) return null;
        string d = sub.Outputs[0];
        List<OnnxNode> dReaders = DataConsumers(d);
        OnnxNode? pow = dReaders.FirstOrDefault(n => n.OpType == "Pow");
        OnnxNode? div = dReaders.FirstOrDefault(n => n.OpType == "Div");
        OnnxNode? variance = pow is null ? null : SingleConsumer(pow.Outputs[0]);
        OnnxNode? addEpsilon = variance is null ? null : SingleConsumer(variance.Outputs[0]);
        OnnxNode? sqrt = addEpsilon is null ? null : SingleConsumer(addEpsilon.Outputs[0]);
        float epsilon = 0f;
        bool matched = dReaders.Count == 2 && pow is not null && div is not null && pow.Inputs.Count == 2 && pow.Inputs[0] == d && ScalarConstant(pow.Inputs[1]) == 2f
            && variance is { OpType: "ReduceMean" } && variance.Inputs[0] == pow.Outputs[0] && LastAxisMean(variance, dims)
            && addEpsilon is { OpType: "Add" } && addEpsilon.Inputs.Count == 2 && addEpsilon.Inputs.Contains(variance.Outputs[0])
            && ScalarConstant(addEpsilon.Inputs[addEpsilon.Inputs[0] == variance.Outputs[0] ? 1 : 0]) is { } e && (epsilon = e) > 0f
            && sqrt is { OpType: "Sqrt" } && SingleConsumer(sqrt.Outputs[0]) == div && div.Inputs.Count == 2 && div.Inputs[0] == d && div.Inputs[1] == sqrt.Outputs[0];
        if (!matched)
        {
            Error(node, $"{node.OpType} of the data is not supported here: the nodes after it are not LayerNorm's; {Expected}. Supported operators: {Supported}");
            return null;
        }
        var pattern = new List<OnnxNode> { mean, sub, pow!, variance!, addEpsilon!, sqrt!, div! };
        string result = div!.Outputs[0];
        long features = dims[dims.Count - 1];
        string? weight = null, bias = null;
        string? weightName = null;
        if (SingleConsumer(result) is { OpType: "Mul" } mul && AffineOperand(mul, result, features) is { } w)
        {
            weightName = mul.Inputs[mul.Inputs[0] == result ? 1 : 0];
            weight = w;
            pattern.Add(mul);
            result = mul.Outputs[0];
            if (SingleConsumer(result) is { OpType: "Add" } add && AffineOperand(add, result, features) is { } b)
            {
                bias = b;
                pattern.Add(add);
                result = add.Outputs[0];
            }
        }
        foreach (OnnxNode n in pattern) _absorbed.Add(n);
        AddLayerNorm(mean, weightName, weight, bias, epsilon);
        _layerNodes[_layerNodes.Count - 1] += ", " + string.Join(", ", pattern.Skip(1).Select(n => "'" + NodeName(n) + "'"));
        return result;
    }

    /// <summary>The initializer (its own name, past Identity aliases) of [features] floats that a Mul or Add applies to <paramref name="value"/>, or null.</summary>
    private string? AffineOperand(OnnxNode node, string value, long features)
    {
        if (node.Inputs.Count != 2 || !node.Inputs.Contains(value)) return null;
        string other = node.Inputs[node.Inputs[0] == value ? 1 : 0];
        return TryInitializer(other, out OnnxTensor t) && t.DataType == OnnxTensor.Float && t.FloatDataProblem() is null && t.ElementCount == features
            && t.Dims.Length == 1 ? t.Name : null;
    }

    private bool LastAxisMean(OnnxNode node, List<long> dims)
    {
        List<long>? axes = node.Attribute("axes")?.Ints ?? (node.Inputs.Count > 1 && Evaluate(node.Inputs[1]) is { } values ? values.ToList() : null);
        return Int(node, "keepdims", 1) == 1 && axes is { Count: 1 } && (axes[0] == -1 || axes[0] == dims.Count);
    }

    private float? ScalarConstant(string name) =>
        Constant(name) is { DataType: OnnxTensor.Float, ElementCount: 1 } t && t.FloatDataProblem() is null ? t.FloatAt(_file, 0) : null;

    /// <summary>
    /// The scope (<c>/encoder/self_attn</c>) of an attention block the node belongs to: a scope whose nodes include a MatMul
    /// of two activations and a Softmax, as torch.onnx.export writes nn.MultiheadAttention; null otherwise.
    /// </summary>
    private string? AttentionScope(OnnxNode node)
    {
        string[] parts = node.Name.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
        for (int depth = parts.Length - 1; depth >= 1; depth--) // the innermost scope first
        {
            string scope = "/" + string.Join("/", parts.Take(depth)) + "/";
            if (!_attentionScopes.TryGetValue(scope, out bool attention))
            {
                bool softmax = false, product = false;
                foreach (OnnxNode n in _graph.Nodes)
                {
                    if (!n.Name.StartsWith(scope, StringComparison.Ordinal)) continue;
                    if (n.OpType == "Softmax") softmax = true;
                    else if (n.OpType == "MatMul" && n.Inputs.Count == 2 && n.Inputs.All(i => i.Length > 0 && Constant(i) is null)) product = true;
                }
                _attentionScopes[scope] = attention = softmax && product;
            }
            if (attention) return scope.TrimEnd('/');
        }
        return null;
    }

    private static string AttentionMessage(string scope) =>
        $"is part of an attention block (scope '{scope}': a MatMul of two activations and a Softmax) that import cannot map to [MultiHeadAttention]; " +
        "import maps nn.MultiheadAttention(batch_first=True) used as self-attention without masks, as torch.onnx.export writes it (nn.TransformerEncoderLayer too, as its parts). " +
        "Otherwise declare the network with attributes ([MultiHeadAttention(embedDim, heads, Causal = …)], [TransformerEncoderLayer(dModel, heads, dimFeedforward)], " +
        "named as the PyTorch modules) and load the weights with LoadSafetensors";
}
