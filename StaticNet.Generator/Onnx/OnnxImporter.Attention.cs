using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Onnx;

/// <summary>
/// <c>nn.MultiheadAttention(E, heads, batch_first=True)</c> called as self-attention without masks, as torch.onnx.export
/// writes it (opset 17 has no attention operator): Transpose to time-major, MatMul + Add with <c>in_proj</c>, three Slices
/// into Q, K and V, a Reshape to [T, batch·heads, d] and a Transpose per part, Q / √d, MatMul with Kᵀ, Softmax, MatMul
/// with V, Transpose, Reshape, Gemm with <c>out_proj</c>, Reshape and Transpose back. Matched node by node (every
/// connection, permutation, slice bound, head size and the scale) and mapped to <c>[MultiHeadAttention(E, heads)]</c>;
/// <c>nn.TransformerEncoderLayer</c> then imports as its parts (attention, Add, LayerNorm, Dense, Dense, Add, LayerNorm).
/// </summary>
internal sealed partial class OnnxImporter
{
    private static readonly long[] s_swapFirstTwo = { 1, 0, 2 };

    private static bool Perm(OnnxNode node, long[] perm) => node.OpType == "Transpose" && node.Attribute("perm")?.Ints.SequenceEqual(perm) == true;

    private string? Attention(OnnxNode t0, List<long> dims)
    {
        const string Expected = "expected self-attention without masks as torch.onnx.export writes nn.MultiheadAttention(batch_first=True): Transpose, MatMul + Add (in_proj), " +
            "three Slices (Q, K, V), Reshape + Transpose of each, Q / √d, MatMul, Softmax, MatMul, Transpose, Reshape, Gemm (out_proj), Reshape, Transpose";
        string? Fail(OnnxNode at, string why)
        {
            Error(at, why + "; " + Expected);
            return null;
        }
        if (dims.Count != 2 || !Perm(t0, s_swapFirstTwo)) return Fail(t0, $"transposes [batch, {string.Join(", ", dims)}] with perm {t0.Attribute("perm")?.ToString() ?? "(reverse)"}, not a sequence [batch, T, E] with [1, 0, 2]");
        long steps = dims[0], embed = dims[1];
        string x = t0.Outputs[0];
        _dataShapes[x] = new[] { steps, Batch, embed };

        // The input projection: MatMul with in_proj_weightᵀ [E, 3E], Add of in_proj_bias [3E].
        if (SingleConsumer(x) is not { OpType: "MatMul" } inProj || inProj.Inputs.Count != 2 || inProj.Inputs[0] != x
            || !TryInitializer(inProj.Inputs[1], out OnnxTensor w) || w.Dims.Length != 2 || w.Dims[0] != embed || w.Dims[1] != 3 * embed || w.FloatDataProblem() is not null)
            return Fail(t0, $"its output is not projected by one MatMul with a constant [{embed}, {3 * embed}] weight");
        if (SingleConsumer(inProj.Outputs[0]) is not { OpType: "Add" } addIn || AffineOperand(addIn, inProj.Outputs[0], 3 * embed) is not { } inBias)
            return Fail(inProj, $"the input projection is not followed by an Add of a constant [{3 * embed}] bias");
        string qkv = addIn.Outputs[0];
        _dataShapes[qkv] = new[] { steps, Batch, 3 * embed };

        // Q, K, V: the thirds of the last axis.
        List<OnnxNode> slices = DataConsumers(qkv);
        if (slices.Count != 3) return Fail(addIn, $"its output is read by {slices.Count} nodes; expected three Slices (Q, K, V)");
        var parts = new string?[3];
        foreach (OnnxNode slice in slices)
        {
            long[]? starts = slice.Inputs.Count > 2 ? Evaluate(slice.Inputs[1]) : null, ends = slice.Inputs.Count > 2 ? Evaluate(slice.Inputs[2]) : null;
            long[]? axes = slice.Inputs.Count > 3 && slice.Inputs[3].Length > 0 ? Evaluate(slice.Inputs[3]) : null;
            long[]? step = slice.Inputs.Count > 4 && slice.Inputs[4].Length > 0 ? Evaluate(slice.Inputs[4]) : new long[] { 1 };
            if (slice.OpType != "Slice" || slice.Inputs[0] != qkv || starts is not { Length: 1 } || ends is not { Length: 1 } || axes is not { Length: 1 } || axes[0] is not (-1 or 2)
                || step is not { Length: 1 } || step[0] != 1 || starts[0] < 0 || starts[0] > 2 * embed || starts[0] % embed != 0 || ends[0] != starts[0] + embed || parts[starts[0] / embed] is not null)
                return Fail(slice, $"does not take one of the thirds [0, {embed}), [{embed}, {2 * embed}), [{2 * embed}, {3 * embed}) of the projection's last axis");
            parts[starts[0] / embed] = slice.Outputs[0];
            _dataShapes[slice.Outputs[0]] = new[] { steps, Batch, embed };
        }

        // Each part per head: Reshape to [T, batch·heads, d], then Transpose: Q and V [1, 0, 2], K [1, 2, 0].
        long[][] perms = { s_swapFirstTwo, new long[] { 1, 2, 0 }, s_swapFirstTwo };
        var perHead = new OnnxNode[3];
        long headSize = 0;
        for (int k = 0; k < 3; k++)
        {
            OnnxNode slice = _producers[parts[k]!];
            if (SingleConsumer(parts[k]!) is not { OpType: "Reshape" } reshape || reshape.Inputs.Count < 2 || reshape.Inputs[0] != parts[k]
                || Evaluate(reshape.Inputs[1]) is not { Length: 3 } shape || shape[0] != 0 && shape[0] != steps || shape[2] <= 0 || embed % shape[2] != 0 || headSize != 0 && shape[2] != headSize)
                return Fail(slice, $"{"QKV"[k]} is not reshaped to [T, batch·heads, d] with the same head size d as the other parts");
            headSize = shape[2];
            if (SingleConsumer(reshape.Outputs[0]) is not { } t || !Perm(t, perms[k]))
                return Fail(reshape, $"{"QKV"[k]} per head is not transposed with perm [{string.Join(", ", perms[k])}]");
            perHead[k] = t;
        }
        long heads = embed / headSize;

        // softmax(Q/√d · Kᵀ) · V
        string q = perHead[0].Outputs[0], kT = perHead[1].Outputs[0], v = perHead[2].Outputs[0];
        if (SingleConsumer(q) is not { OpType: "Div" } scale || scale.Inputs.Count != 2 || scale.Inputs[0] != q || ScalarConstant(scale.Inputs[1]) is not { } root
            || Math.Abs(root - Math.Sqrt(headSize)) > 1e-5 * Math.Sqrt(headSize))
            return Fail(perHead[0], $"the queries are not divided by √{headSize} (the head size {headSize} of {heads} heads)");
        if (SingleConsumer(scale.Outputs[0]) is not { OpType: "MatMul" } scores || scores.Inputs.Count != 2 || scores.Inputs[0] != scale.Outputs[0] || scores.Inputs[1] != kT
            || SingleConsumer(kT) != scores)
            return Fail(scale, "the scaled queries are not multiplied by the transposed keys alone");
        if (SingleConsumer(scores.Outputs[0]) is not { OpType: "Softmax" } softmax || Int(softmax, "axis", _opset >= 13 ? -1 : 1) is not (-1 or 2))
            return Fail(scores, "the scores are not followed by a Softmax over the keys (a mask, attn_mask or key_padding_mask, is not imported: declare [MultiHeadAttention(…, Causal = true)] or [Embedding(…, PaddingIndex = …)] with attributes)");
        if (SingleConsumer(softmax.Outputs[0]) is not { OpType: "MatMul" } mix || mix.Inputs.Count != 2 || mix.Inputs[0] != softmax.Outputs[0] || mix.Inputs[1] != v || SingleConsumer(v) != mix)
            return Fail(softmax, "the probabilities are not multiplied by the values alone (are the attention weights also returned? call it with need_weights=False)");

        // Heads merged: Transpose, Reshape to [T·batch, E], Gemm with out_proj, Reshape to [T, batch, E], Transpose back.
        if (SingleConsumer(mix.Outputs[0]) is not { } merge || !Perm(merge, s_swapFirstTwo))
            return Fail(mix, "the heads' outputs are not transposed back with perm [1, 0, 2]");
        if (SingleConsumer(merge.Outputs[0]) is not { OpType: "Reshape" } rows || rows.Inputs.Count < 2 || rows.Inputs[0] != merge.Outputs[0]
            || Evaluate(rows.Inputs[1]) is not { Length: 2 } rowShape || rowShape[1] != embed || rowShape[0] != BatchMultiple && rowShape[0] != -1)
            return Fail(merge, $"the heads are not merged by a Reshape to [T·batch, {embed}]");
        if (SingleConsumer(rows.Outputs[0]) is not { OpType: "Gemm" } outProj || outProj.Inputs[0] != rows.Outputs[0])
            return Fail(rows, "the merged heads are not projected by a Gemm (out_proj)");
        if (!Floats(outProj, 1, out OnnxTensor? ow) || ow is null) return null;
        OnnxTensor? ob = null;
        if (outProj.Inputs.Count > 2 && outProj.Inputs[2].Length > 0 && !Floats(outProj, 2, out ob)) return null;
        bool transB = Int(outProj, "transB", 0) != 0;
        if (Int(outProj, "transA", 0) != 0 || (outProj.Attribute("alpha")?.F ?? 1f) != 1f || (outProj.Attribute("beta")?.F ?? 1f) != 1f
            || ow.Dims.Length != 2 || ow.Dims[0] != embed || ow.Dims[1] != embed || ob is not null && ob.ElementCount != embed)
            return Fail(outProj, $"out_proj is not a Linear({embed}, {embed}): weight '{ow.Name}' {ow.ShapeText}, transA = {Int(outProj, "transA", 0)}, alpha and beta 1");
        _dataShapes[outProj.Outputs[0]] = new[] { BatchMultiple, embed };
        if (SingleConsumer(outProj.Outputs[0]) is not { OpType: "Reshape" } back || back.Inputs.Count < 2 || back.Inputs[0] != outProj.Outputs[0]
            || Evaluate(back.Inputs[1]) is not { Length: 3 } backShape || backShape[0] != 0 && backShape[0] != steps || backShape[1] != Batch && backShape[1] != 0 && backShape[1] != -1 || backShape[2] != embed)
            return Fail(outProj, $"the projection is not reshaped to [T, batch, {embed}]");
        if (SingleConsumer(back.Outputs[0]) is not { } end || !Perm(end, s_swapFirstTwo))
            return Fail(back, "the output is not transposed back to batch-first with perm [1, 0, 2]");

        string name = LayerName(t0, null);
        AddLayer(t0, new LayerSpec(LayerKind.MultiHeadAttention, 0, EquatableArray<int>.Empty, (int)embed, ActivationKind.None, name, new AttentionOptions((int)heads, Causal: false, Dropout: 0f)));
        _layerNodes[_layerNodes.Count - 1] += $" … '{NodeName(softmax)}' … '{NodeName(outProj)}' … '{NodeName(end)}'";
        AddSource(new OnnxSourceSpec(name + ".in_proj_weight", w.Name, Transpose: true));
        AddSource(new OnnxSourceSpec(name + ".in_proj_bias", inBias));
        AddSource(new OnnxSourceSpec(name + ".out_proj.weight", ow.Name, Transpose: !transB));
        AddSource(new OnnxSourceSpec(name + ".out_proj.bias", ob?.Name));
        return end.Outputs[0];
    }
}
