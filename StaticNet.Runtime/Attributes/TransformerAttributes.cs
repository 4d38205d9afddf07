using System;

namespace StaticNet;

/// <summary>
/// Layer normalisation over the last dimension, as <c>torch.nn.LayerNorm(features)</c> (with its default
/// <c>elementwise_affine=True</c>): each sample's vector, or each step of a <c>[steps, features]</c> sequence, is
/// normalised with its own mean and biased variance, then scaled and shifted. Training and inference compute the same
/// function. Its tensors are <c>{Name}.weight</c> (ones) and <c>{Name}.bias</c> (zeros), <c>[features]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormAttribute : LayerAttribute
{
    /// <summary>Added to the variance before its square root; 1e-5 by default, as PyTorch.</summary>
    public float Epsilon { get; set; } = 1e-5f;

    /// <summary>The PyTorch module name of the layer; the default is <c>layers.{index}</c>.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// Learned positions added to a <c>[steps, features]</c> sequence: <c>y[t] = x[t] + weight[t]</c>, as PyTorch code writes
/// <c>self.pos = nn.Embedding(max_positions, features)</c> and <c>x + self.pos(torch.arange(steps))</c>. Its tensor is
/// <c>{Name}.weight</c> <c>[MaxPositions, features]</c> (nn.Embedding's N(0, 1) initialisation); give the layer the
/// attribute name PyTorch's module has (<c>Name = "pos"</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PositionalEmbeddingAttribute : LayerAttribute
{
    /// <summary>
    /// The rows of the table (<c>nn.Embedding</c>'s <c>num_embeddings</c>); 0, the default, means the sequence's length.
    /// Rows past the sequence's length are loaded and saved but unused (and their gradient is zero).
    /// </summary>
    public int MaxPositions { get; set; }

    /// <summary>The PyTorch module name of the layer; the default is <c>layers.{index}</c>.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// The fixed sinusoidal positions of "Attention Is All You Need" added to a <c>[steps, features]</c> sequence, as
/// PyTorch's tutorial <c>PositionalEncoding</c> (batch first, without its dropout: add <c>[Dropout]</c> after):
/// <c>pe[t, 2i] = sin(t / 10000^(2i/d))</c>, <c>pe[t, 2i + 1] = cos(t / 10000^(2i/d))</c>. No tensors: register PyTorch's
/// <c>pe</c> buffer with <c>persistent=False</c> so that the state dict loads strictly. <c>features</c> must be even.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SinusoidalPositionsAttribute : LayerAttribute
{
    /// <summary>The PyTorch module name of the layer; the default is <c>layers.{index}</c>.</summary>
    public string? Name { get; set; }
}

/// <summary>How <see cref="SequencePoolAttribute"/> turns a sequence into a vector.</summary>
public enum SequencePooling
{
    /// <summary>The mean over the steps: <c>x.mean(dim=1)</c>.</summary>
    Mean = 0,

    /// <summary>The first step (a class token): <c>x[:, 0]</c>.</summary>
    First = 1,

    /// <summary>The last step: <c>x[:, -1]</c>.</summary>
    Last = 2,
}

/// <summary>
/// A <c>[steps, features]</c> sequence to a <c>[features]</c> vector: the mean over the steps, the first step or the last.
/// PyTorch writes it as an expression in <c>forward</c> (<c>x.mean(dim=1)</c>, <c>x[:, 0]</c>, <c>x[:, -1]</c>), or as a
/// small module in an <c>nn.Sequential</c>: like such a module it takes one index in the default numbering. No tensors.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SequencePoolAttribute : LayerAttribute
{
    /// <summary>Declares the pooling of a sequence.</summary>
    /// <param name="pooling">Mean over steps (the default), the first step or the last.</param>
    public SequencePoolAttribute(SequencePooling pooling = SequencePooling.Mean) => Pooling = pooling;

    /// <summary>How the steps are pooled.</summary>
    public SequencePooling Pooling { get; }

    /// <summary>A name for messages and the generated members; the layer has no tensors.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// Multi-head self-attention over a <c>[steps, embedDim]</c> sequence, as <c>torch.nn.MultiheadAttention(embedDim,
/// heads, batch_first=True)</c> called as <c>attn(x, x, x, need_weights=False)</c> (with <c>attn_mask</c> the causal mask
/// when <see cref="Causal"/>): <c>[steps, embedDim] → [steps, embedDim]</c>. Its tensors are PyTorch's:
/// <c>{Name}.in_proj_weight</c> <c>[3·embedDim, embedDim]</c> (q, k, v stacked), <c>{Name}.in_proj_bias</c>
/// <c>[3·embedDim]</c>, <c>{Name}.out_proj.weight</c> <c>[embedDim, embedDim]</c> and <c>{Name}.out_proj.bias</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MultiHeadAttentionAttribute : LayerAttribute
{
    /// <summary>Declares multi-head self-attention.</summary>
    /// <param name="embedDim">The model dimension, which the input's features must equal (PyTorch's <c>embed_dim</c>).</param>
    /// <param name="heads">The number of heads, dividing <paramref name="embedDim"/> (PyTorch's <c>num_heads</c>).</param>
    public MultiHeadAttentionAttribute(int embedDim, int heads)
    {
        EmbedDim = embedDim;
        Heads = heads;
    }

    /// <summary>The model dimension.</summary>
    public int EmbedDim { get; }

    /// <summary>The number of heads.</summary>
    public int Heads { get; }

    /// <summary>Whether a step attends only to itself and the steps before it (the causal mask).</summary>
    public bool Causal { get; set; }

    /// <summary>
    /// The attention dropout probability (PyTorch's <c>dropout</c>), in [0, 1): training steps drop attention
    /// probabilities after the softmax and scale the rest by 1/(1 − p); <c>Forward</c> uses them all. 0 by default.
    /// </summary>
    public float Dropout { get; set; }

    /// <summary>The PyTorch module name of the layer; the default is <c>layers.{index}</c>.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// One transformer encoder layer, as <c>torch.nn.TransformerEncoderLayer(dModel, heads, dimFeedforward,
/// batch_first=True)</c>: self-attention and a feed-forward block, each with a residual connection and a LayerNorm,
/// <c>[steps, dModel] → [steps, dModel]</c>. Post-norm (PyTorch's default): <c>x = norm1(x + sa(x))</c>,
/// <c>x = norm2(x + ff(x))</c>; with <see cref="NormFirst"/>: <c>x = x + sa(norm1(x))</c>, <c>x = x + ff(norm2(x))</c>;
/// <c>ff(x) = linear2(dropout(activation(linear1(x))))</c>. Its tensors are PyTorch's: <c>{Name}.self_attn.in_proj_weight</c>,
/// <c>.in_proj_bias</c>, <c>.out_proj.weight</c>, <c>.out_proj.bias</c>, <c>{Name}.linear1.weight</c> <c>[dimFeedforward,
/// dModel]</c>, <c>.bias</c>, <c>{Name}.linear2.weight</c> <c>[dModel, dimFeedforward]</c>, <c>.bias</c>, <c>{Name}.norm1.weight</c>,
/// <c>.bias</c>, <c>{Name}.norm2.weight</c>, <c>.bias</c>. A whole <c>nn.TransformerEncoder</c> of N layers is N of these
/// named as its layers are: <c>Name = "encoder.layers.0"</c>, <c>"encoder.layers.1"</c>, ….
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TransformerEncoderLayerAttribute : LayerAttribute
{
    /// <summary>Declares a transformer encoder layer.</summary>
    /// <param name="dModel">The model dimension, which the input's features must equal (PyTorch's <c>d_model</c>).</param>
    /// <param name="heads">The number of attention heads, dividing <paramref name="dModel"/> (PyTorch's <c>nhead</c>).</param>
    /// <param name="dimFeedforward">The feed-forward block's hidden size (PyTorch's <c>dim_feedforward</c>, 2048 by default there).</param>
    public TransformerEncoderLayerAttribute(int dModel, int heads, int dimFeedforward)
    {
        DModel = dModel;
        Heads = heads;
        DimFeedforward = dimFeedforward;
    }

    /// <summary>The model dimension.</summary>
    public int DModel { get; }

    /// <summary>The number of attention heads.</summary>
    public int Heads { get; }

    /// <summary>The feed-forward hidden size.</summary>
    public int DimFeedforward { get; }

    /// <summary>The feed-forward activation: <see cref="StaticNet.Activation.ReLU"/> (the default, as PyTorch) or <see cref="StaticNet.Activation.GELU"/>.</summary>
    public Activation Activation { get; set; } = Activation.ReLU;

    /// <summary>Whether each block normalises its input (pre-norm, PyTorch's <c>norm_first=True</c>) rather than its output.</summary>
    public bool NormFirst { get; set; }

    /// <summary>
    /// The dropout probability of PyTorch's four dropouts (attention, after the activation, after each block), training only;
    /// 0.1 by default, as PyTorch.
    /// </summary>
    public float Dropout { get; set; } = 0.1f;

    /// <summary>Whether the self-attention is causal (PyTorch's <c>src_mask</c> the square subsequent mask, or <c>is_causal=True</c>).</summary>
    public bool Causal { get; set; }

    /// <summary>PyTorch's <c>layer_norm_eps</c>, 1e-5 by default.</summary>
    public float Epsilon { get; set; } = 1e-5f;

    /// <summary>The PyTorch module name of the layer; the default is <c>layers.{index}</c>.</summary>
    public string? Name { get; set; }
}
