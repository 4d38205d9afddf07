using System;

namespace StaticNet;

/// <summary>
/// What the recurrent layers share: the hidden size, whether every step's output is returned, and PyTorch's
/// <c>num_layers</c>, <c>bidirectional</c> and <c>dropout</c>.
/// </summary>
public abstract class RecurrentAttribute : LayerAttribute
{
    private protected RecurrentAttribute(int hidden) => Hidden = hidden;

    /// <summary>The size of the hidden state (PyTorch's <c>hidden_size</c>).</summary>
    public int Hidden { get; }

    /// <summary>
    /// Whether the layer outputs its hidden state at every step (<c>[steps, hidden]</c>) or only at the last
    /// (<c>[hidden]</c>, the default). For a bidirectional layer the output is <c>[steps, 2·hidden]</c> or
    /// <c>[2·hidden]</c>; without ReturnSequences it is PyTorch's <c>output[:, -1]</c>: the forward direction's state
    /// after the last step, then the reverse direction's state at the last step (after its first step, not its final
    /// state <c>h_n</c>).
    /// </summary>
    public bool ReturnSequences { get; set; }

    /// <summary>
    /// The number of stacked layers (PyTorch's <c>num_layers</c>, default 1): layer k &gt; 0 reads layer k − 1's every
    /// step. Layer k's tensors are <c>{Name}.weight_ih_l{k}</c> (<c>[gates·hidden, features]</c> for k = 0,
    /// <c>[gates·hidden, directions·hidden]</c> after), <c>{Name}.weight_hh_l{k}</c>, <c>{Name}.bias_ih_l{k}</c> and
    /// <c>{Name}.bias_hh_l{k}</c>. A causal stack (not bidirectional) streams with <c>Step</c>, each layer keeping its state.
    /// </summary>
    public int NumLayers { get; set; } = 1;

    /// <summary>
    /// Whether each layer also runs from the last step to the first (PyTorch's <c>bidirectional=True</c>), its tensors
    /// named with a <c>_reverse</c> suffix (<c>{Name}.weight_ih_l0_reverse</c>, …). Each step's output is the forward
    /// direction's hidden state then the reverse direction's, <c>[steps, 2·hidden]</c>. Such a network has no streaming
    /// <c>Step</c>: the reverse direction needs the whole sequence before its first output.
    /// </summary>
    public bool Bidirectional { get; set; }

    /// <summary>
    /// The dropout rate applied to the output of every layer of the stack but the last while training (PyTorch's
    /// <c>dropout=</c>, default 0); inference is unaffected. Needs <see cref="NumLayers"/> &gt; 1 to have any effect.
    /// </summary>
    public float Dropout { get; set; }

    /// <summary>The PyTorch module name of the layer; the default is <c>layers.{index}</c>.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// An Elman recurrent layer over a <c>[steps, features]</c> sequence, as a one-layer <c>torch.nn.RNN</c> with
/// <c>batch_first=True</c>. Its tensors are <c>{Name}.weight_ih_l0</c> <c>[hidden, features]</c>,
/// <c>{Name}.weight_hh_l0</c> <c>[hidden, hidden]</c>, <c>{Name}.bias_ih_l0</c> and <c>{Name}.bias_hh_l0</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SimpleRNNAttribute : RecurrentAttribute
{
    /// <summary>Declares an Elman recurrent layer.</summary>
    /// <param name="hidden">The size of the hidden state.</param>
    /// <param name="activation"><see cref="Activation.Tanh"/> (the default) or <see cref="Activation.ReLU"/>.</param>
    public SimpleRNNAttribute(int hidden, Activation activation = Activation.Tanh) : base(hidden) => Activation = activation;

    /// <summary>The non-linearity of the recurrence.</summary>
    public Activation Activation { get; }
}

/// <summary>
/// A long short-term memory layer over a <c>[steps, features]</c> sequence, as a one-layer <c>torch.nn.LSTM</c> with
/// <c>batch_first=True</c> (gates in PyTorch's order i, f, g, o). Its tensors are <c>{Name}.weight_ih_l0</c>
/// <c>[4·hidden, features]</c>, <c>{Name}.weight_hh_l0</c> <c>[4·hidden, hidden]</c>, <c>{Name}.bias_ih_l0</c> and
/// <c>{Name}.bias_hh_l0</c> <c>[4·hidden]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LSTMAttribute : RecurrentAttribute
{
    /// <summary>Declares an LSTM layer.</summary>
    /// <param name="hidden">The size of the hidden and cell states.</param>
    public LSTMAttribute(int hidden) : base(hidden)
    {
    }
}

/// <summary>
/// A gated recurrent unit layer over a <c>[steps, features]</c> sequence, as a one-layer <c>torch.nn.GRU</c> with
/// <c>batch_first=True</c> (gates in PyTorch's order r, z, n). Its tensors are <c>{Name}.weight_ih_l0</c>
/// <c>[3·hidden, features]</c>, <c>{Name}.weight_hh_l0</c> <c>[3·hidden, hidden]</c>, <c>{Name}.bias_ih_l0</c> and
/// <c>{Name}.bias_hh_l0</c> <c>[3·hidden]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GRUAttribute : RecurrentAttribute
{
    /// <summary>Declares a GRU layer.</summary>
    /// <param name="hidden">The size of the hidden state.</param>
    public GRUAttribute(int hidden) : base(hidden)
    {
    }
}

/// <summary>
/// A lookup table from token ids to vectors, as <c>torch.nn.Embedding</c>: the first layer of a network whose input is
/// <c>[steps]</c> token ids (the generated methods then take <c>ReadOnlySpan&lt;int&gt;</c>), giving
/// <c>[steps, dimension]</c>. Its tensor is <c>{Name}.weight</c> <c>[vocabulary, dimension]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EmbeddingAttribute : LayerAttribute
{
    /// <summary>Declares an embedding.</summary>
    /// <param name="vocabulary">The number of distinct token ids, 0 to vocabulary − 1.</param>
    /// <param name="dimension">The size of each token's vector.</param>
    public EmbeddingAttribute(int vocabulary, int dimension)
    {
        Vocabulary = vocabulary;
        Dimension = dimension;
    }

    /// <summary>The number of distinct token ids.</summary>
    public int Vocabulary { get; }

    /// <summary>The size of each token's vector.</summary>
    public int Dimension { get; }

    /// <summary>
    /// The token id that pads a short sequence to the declared length, as <c>nn.Embedding(padding_idx=…)</c>; −1 (the
    /// default) for none. Its row gets no gradient (so it never trains), and the layers after it ignore padded steps as
    /// PyTorch's <c>src_key_padding_mask = tokens == padding_idx</c> does: <c>[MultiHeadAttention]</c> and
    /// <c>[TransformerEncoderLayer]</c> mask them as keys, and <c>[SequencePool]</c>'s mean averages the other steps.
    /// </summary>
    public int PaddingIndex { get; set; } = -1;

    /// <summary>The PyTorch module name of the layer; the default is <c>layers.{index}</c>.</summary>
    public string? Name { get; set; }
}
