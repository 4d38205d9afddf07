using System;

namespace StaticNet;

/// <summary>What the recurrent layers share: the hidden size and whether every step's output is returned.</summary>
public abstract class RecurrentAttribute : LayerAttribute
{
    private protected RecurrentAttribute(int hidden) => Hidden = hidden;

    /// <summary>The size of the hidden state (PyTorch's <c>hidden_size</c>).</summary>
    public int Hidden { get; }

    /// <summary>
    /// Whether the layer outputs its hidden state at every step (<c>[steps, hidden]</c>) or only at the last
    /// (<c>[hidden]</c>, the default).
    /// </summary>
    public bool ReturnSequences { get; set; }

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

    /// <summary>The PyTorch module name of the layer; the default is <c>layers.{index}</c>.</summary>
    public string? Name { get; set; }
}
