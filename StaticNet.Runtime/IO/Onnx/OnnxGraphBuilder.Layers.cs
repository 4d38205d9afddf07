using System;
using System.Collections.Generic;

namespace StaticNet.IO.Onnx;

// The composite exports: one call per layer for the kinds that are several ONNX nodes (recurrent stacks in ONNX's gate
// order, attention and the Transformer encoder layer decomposed into MatMul/Softmax, sequence pools, positions).
public sealed partial class OnnxGraphBuilder
{
    /// <summary>
    /// <c>nn.LSTM</c>, <c>nn.GRU</c> or <c>nn.RNN</c> (batch_first) on <c>[N, T, F]</c>: one ONNX <c>LSTM</c>/<c>GRU</c>/<c>RNN</c>
    /// node per sub-layer of the stack (both directions in one node), its weights derived from the PyTorch initializers
    /// <c>{prefix}.weight_ih_l{k}[_reverse]</c> etc. with the gates reordered (PyTorch's LSTM i,f,g,o → ONNX's i,o,f,c; GRU r,z,n →
    /// z,r,h, with <c>linear_before_reset = 1</c>, PyTorch's form). The dropout between sub-layers is training-only and absent.
    /// Returns <c>[N, T, D·H]</c>, or with <paramref name="returnSequences"/> false the last step, <c>[N, D·H]</c>
    /// (PyTorch's <c>output[:, -1]</c>).
    /// </summary>
    /// <param name="x">The input sequence, <c>[N, T, F]</c>.</param>
    /// <param name="cell"><c>LSTM</c>, <c>GRU</c> or <c>RNN</c>.</param>
    /// <param name="prefix">The module name whose tensors these are (e.g. <c>0</c> for <c>0.weight_ih_l0</c>).</param>
    /// <param name="hidden">H.</param>
    /// <param name="numLayers">The stacked layers.</param>
    /// <param name="bidirectional">Whether each layer runs both ways.</param>
    /// <param name="returnSequences">Whether to return every step.</param>
    /// <param name="rnnActivation">For <c>RNN</c>: <c>Tanh</c> or <c>Relu</c>.</param>
    public string Recurrent(string x, string cell, string prefix, int hidden, int numLayers, bool bidirectional, bool returnSequences, string rnnActivation = "Tanh")
    {
        int[] order = cell switch
        {
            "LSTM" => new[] { 0, 3, 1, 2 }, // ONNX gate k is PyTorch gate order[k]: i, o, f, c from i, f, g, o
            "GRU" => new[] { 1, 0, 2 },     // z, r, h from r, z, n
            "RNN" => new[] { 0 },
            _ => throw new NotSupportedException($"ONNX export has no recurrent cell '{cell}'; expected LSTM, GRU or RNN."),
        };
        int gates = order.Length, directions = bidirectional ? 2 : 1;
        string sequence = Transpose(x, 1, 0, 2); // [T, N, F]: ONNX's layout 0, which every runtime supports
        for (int l = 0; l < numLayers; l++)
        {
            float[][] w = new float[directions][], r = new float[directions][], b = new float[directions][];
            int inputs = 0;
            for (int d = 0; d < directions; d++)
            {
                string suffix = "_l" + l + (d == 1 ? "_reverse" : "");
                float[] wih = InitializerData(prefix + ".weight_ih" + suffix), whh = InitializerData(prefix + ".weight_hh" + suffix);
                float[] bih = InitializerData(prefix + ".bias_ih" + suffix), bhh = InitializerData(prefix + ".bias_hh" + suffix);
                inputs = wih.Length / (gates * hidden);
                w[d] = Reorder(wih, order, hidden * inputs);
                r[d] = Reorder(whh, order, hidden * hidden);
                var bias = new float[2 * gates * hidden];
                Reorder(bih, order, hidden).CopyTo(bias, 0);
                Reorder(bhh, order, hidden).CopyTo(bias, gates * hidden);
                b[d] = bias;
            }
            string wName = Floats(new[] { directions, gates * hidden, inputs }, Concat(w));
            string rName = Floats(new[] { directions, gates * hidden, hidden }, Concat(r));
            string bName = Floats(new[] { directions, 2 * gates * hidden }, Concat(b));
            var attributes = new List<OnnxAttribute>
            {
                OnnxAttribute.Int("hidden_size", hidden),
                OnnxAttribute.String("direction", bidirectional ? "bidirectional" : "forward"),
            };
            if (cell == "GRU") attributes.Add(OnnxAttribute.Int("linear_before_reset", 1));
            if (cell == "RNN")
                attributes.Add(OnnxAttribute.Strings("activations", bidirectional ? new[] { rnnActivation, rnnActivation } : new[] { rnnActivation }));
            string y = Node(cell, new[] { sequence, wName, rName, bName }, cell == "LSTM" ? 3 : 2, attributes.ToArray())[0]; // [T, D, N, H]
            sequence = Reshape(Transpose(y, 0, 2, 1, 3), 0, 0, -1); // [T, N, D·H]
        }
        return returnSequences
            ? Transpose(sequence, 1, 0, 2)
            : Squeeze(Slice(sequence, new long[] { -1 }, new long[] { long.MaxValue }, new long[] { 0 }), 0);
    }

    private static float[] Reorder(float[] pytorch, int[] order, int block)
    {
        var onnx = new float[pytorch.Length];
        for (int k = 0; k < order.Length; k++) Array.Copy(pytorch, order[k] * block, onnx, k * block, block);
        return onnx;
    }

    private static float[] Concat(float[][] parts)
    {
        int length = 0;
        foreach (float[] part in parts) length += part.Length;
        var all = new float[length];
        int at = 0;
        foreach (float[] part in parts)
        {
            part.CopyTo(all, at);
            at += part.Length;
        }
        return all;
    }

    /// <summary>
    /// <c>nn.MultiheadAttention(batch_first=True)</c> as self-attention on <c>[N, T, E]</c>, decomposed (opset 17 has no
    /// attention operator): <c>x·in_proj_weightᵀ + in_proj_bias</c> split into Q, K, V, per head
    /// <c>softmax(QKᵀ/√d [+ causal mask])·V</c>, heads concatenated, then <c>out_proj</c>. The tensors are
    /// <c>{prefix}in_proj_weight</c>, <c>{prefix}in_proj_bias</c>, <c>{prefix}out_proj.weight</c>, <c>{prefix}out_proj.bias</c>.
    /// </summary>
    /// <param name="x">The input, <c>[N, T, E]</c>.</param>
    /// <param name="prefix">The tensors' name prefix with its dot, e.g. <c>1.</c> or <c>0.self_attn.</c>.</param>
    /// <param name="steps">T.</param>
    /// <param name="embed">E.</param>
    /// <param name="heads">The heads (dividing E).</param>
    /// <param name="causal">Whether step t sees only steps ≤ t.</param>
    public string SelfAttention(string x, string prefix, int steps, int embed, int heads, bool causal)
    {
        int d = embed / heads;
        string qkv = Linear(x, prefix + "in_proj_weight", prefix + "in_proj_bias"); // [N, T, 3E]
        string[] parts = Node("Split", new[] { qkv, Int64s(embed, embed, embed) }, 3, OnnxAttribute.Int("axis", 2));
        string Heads(string v) => Transpose(Reshape(v, 0, steps, heads, d), 0, 2, 1, 3); // [N, heads, T, d]
        string q = Heads(parts[0]), k = Heads(parts[1]), v = Heads(parts[2]);
        string scores = Mul(MatMul(q, Transpose(k, 0, 1, 3, 2)), Scalar((float)(1.0 / Math.Sqrt(d))));
        if (causal)
        {
            var mask = new float[steps * steps];
            for (int i = 0; i < steps; i++)
                for (int j = i + 1; j < steps; j++)
                    mask[i * steps + j] = float.NegativeInfinity;
            scores = Add(scores, Floats(new[] { steps, steps }, mask));
        }
        string context = MatMul(Softmax(scores, -1), v);                           // [N, heads, T, d]
        string merged = Reshape(Transpose(context, 0, 2, 1, 3), 0, steps, embed); // [N, T, E]
        return Linear(merged, prefix + "out_proj.weight", prefix + "out_proj.bias");
    }

    /// <summary>
    /// <c>nn.TransformerEncoderLayer(batch_first=True)</c> at inference (dropout absent) on <c>[N, T, d]</c>: post-norm
    /// <c>norm1(x + sa(x))</c>, <c>norm2(h + ff(h))</c> or pre-norm <c>x + sa(norm1(x))</c>, <c>h + ff(norm2(h))</c>, with
    /// <c>ff(h) = linear2(activation(linear1(h)))</c>; tensors under PyTorch's names (<c>{prefix}self_attn.in_proj_weight</c>, …).
    /// </summary>
    public string TransformerEncoderLayer(string x, string prefix, int steps, int model, int heads, string activation, bool normFirst, bool causal, float epsilon)
    {
        string Attention(string h) => SelfAttention(h, prefix + "self_attn.", steps, model, heads, causal);
        string FeedForward(string h) =>
            Linear(Activation(Linear(h, prefix + "linear1.weight", prefix + "linear1.bias"), activation), prefix + "linear2.weight", prefix + "linear2.bias");
        string Norm(string h, int i) => LayerNormalization(h, prefix + "norm" + i + ".weight", prefix + "norm" + i + ".bias", epsilon);
        if (normFirst)
        {
            string h = Add(x, Attention(Norm(x, 1)));
            return Add(h, FeedForward(Norm(h, 2)));
        }
        string post = Norm(Add(x, Attention(x)), 1);
        return Norm(Add(post, FeedForward(post)), 2);
    }

    /// <summary><c>[N, T, F]</c> → <c>[N, F]</c>: the mean over the steps (0), the first step (1) or the last (2).</summary>
    public string SequencePool(string x, int pooling) => pooling switch
    {
        0 => ReduceMean(x, 1),
        1 => Squeeze(Slice(x, new long[] { 0 }, new long[] { 1 }, new long[] { 1 }), 1),
        2 => Squeeze(Slice(x, new long[] { -1 }, new long[] { long.MaxValue }, new long[] { 1 }), 1),
        _ => throw new NotSupportedException($"ONNX export has no sequence pooling {pooling}; expected 0 (mean), 1 (first) or 2 (last)."),
    };

    /// <summary>Adds the first <paramref name="steps"/> rows of the learned position table <paramref name="weight"/> (<c>[rows, F]</c>) to <c>[N, T, F]</c>.</summary>
    public string AddLearnedPositions(string x, string weight, int steps) =>
        Add(x, Slice(weight, new long[] { 0 }, new long[] { steps }, new long[] { 0 }));

    /// <summary>Adds a fixed <c>[T, F]</c> table (given padded to <paramref name="stride"/> floats per row) to <c>[N, T, F]</c>.</summary>
    public string AddTable(string x, float[] table, int steps, int features, int stride)
    {
        var packed = new float[steps * features];
        for (int t = 0; t < steps; t++) Array.Copy(table, t * stride, packed, t * features, features);
        return Add(x, Floats(new[] { steps, features }, packed));
    }
}
