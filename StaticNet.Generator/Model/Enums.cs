namespace StaticNet.Generator.Model;

// Mirrors of the runtime's StaticNet.Activation and StaticNet.Loss: the generator cannot reference the runtime, so the
// numeric values are the contract (attribute arguments arrive as those numbers).

/// <summary>Mirror of <c>StaticNet.Activation</c>.</summary>
internal enum ActivationKind
{
    None = 0,
    ReLU = 1,
    LeakyReLU = 2,
    Sigmoid = 3,
    Tanh = 4,
    Softmax = 5,
    GELU = 6,
    SiLU = 7,
    ELU = 8,
}

/// <summary>Mirror of <c>StaticNet.Loss</c>.</summary>
internal enum LossKind
{
    None = 0,
    MeanSquaredError = 1,
    BinaryCrossEntropy = 2,
    SoftmaxCrossEntropy = 3,
    Huber = 4,
    L1 = 5,
}

/// <summary>
/// The attributes that describe a network, one per kind: an identifier (and the kind's name in messages). Each layer
/// kind's logic is in its home, <c>Layers.LayerDefinitions.Of(kind)</c>; nothing else switches over this enum.
/// </summary>
internal enum LayerKind
{
    Input,
    Dense,
    Conv2D,
    Conv1D,
    MaxPool2D,
    AvgPool2D,
    MaxPool1D,
    AvgPool1D,
    GlobalAvgPool,
    Flatten,
    BatchNorm,
    Dropout,
    Embedding,
    SimpleRNN,
    LSTM,
    GRU,
    /// <summary>A stand-alone activation ([ReLU], [LeakyReLU(slope)], …, [Softmax]): the function in LayerSpec.Activation, its parameter in ActivationOptions.Parameter.</summary>
    Activation,
    LayerNorm,
    PositionalEmbedding,
    SinusoidalPositions,
    SequencePool,
    MultiHeadAttention,
    TransformerEncoderLayer,
    /// <summary>[Reparameterize]: the VAE's sampling step (mean and log-variance in, a sample out).</summary>
    Reparameterize,
    /// <summary>[Add(...)]: the element-wise sum of two or more outputs (a residual connection).</summary>
    Add,
    /// <summary>[Multiply(...)]: the element-wise product of two or more outputs.</summary>
    Multiply,
    /// <summary>[Concatenate(...)]: two or more outputs joined along the channels.</summary>
    Concatenate,
    /// <summary>One of several named vector <c>[Input]</c>s: its columns of the packed input (no attribute of its own; the parser makes it).</summary>
    InputSlice,
    /// <summary>The network's outputs when <c>[Output(...)]</c> declares several heads: the heads' outputs packed one after the other (the parser makes it).</summary>
    Heads,
}

/// <summary>Mirror of <c>StaticNet.PaddingMode</c>.</summary>
internal enum PaddingModeKind
{
    Explicit = 0,
    Valid = 1,
    Same = 2,
}
