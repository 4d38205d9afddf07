using System;
using System.Collections.Generic;

namespace StaticNet;

/// <summary>
/// One layer of a generated network as the generator knows it: its PyTorch module name and type, its shapes, its
/// parameters and its cost. Every generated network lists its layers in a static <c>Layers</c> table (and through
/// <see cref="INetwork.Layers"/>), which <c>NetworkSummary</c> prints.
/// </summary>
public sealed class LayerInfo
{
    private readonly int[] _inputShape;
    private readonly int[] _outputShape;

    /// <summary>Describes a layer (the generated code calls this; the values are checked only for null).</summary>
    /// <param name="name">The PyTorch module name, e.g. <c>0</c>, <c>fc1</c> or <c>layers.3</c>.</param>
    /// <param name="kind">The StaticNet layer kind, e.g. <c>Dense</c>, <c>Conv2D</c>, <c>MaxPool2D</c>.</param>
    /// <param name="moduleType">The equivalent PyTorch module(s), e.g. <c>Linear</c>, <c>Conv2d + ReLU</c>.</param>
    /// <param name="inputShape">One sample's input shape, in PyTorch's order.</param>
    /// <param name="outputShape">One sample's output shape, in PyTorch's order.</param>
    /// <param name="parameterCount">Its parameters as PyTorch counts them (<c>numel</c> of each tensor, running statistics excluded).</param>
    /// <param name="multiplyAdds">The multiply-adds of one sample's forward pass (0 for layers without any, e.g. pools).</param>
    /// <param name="trainable">Whether it has parameters and was not declared <c>Trainable = false</c>.</param>
    public LayerInfo(string name, string kind, string moduleType, int[] inputShape, int[] outputShape, int parameterCount,
        long multiplyAdds, bool trainable)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Kind = kind ?? throw new ArgumentNullException(nameof(kind));
        ModuleType = moduleType ?? throw new ArgumentNullException(nameof(moduleType));
        _inputShape = (int[])(inputShape ?? throw new ArgumentNullException(nameof(inputShape))).Clone();
        _outputShape = (int[])(outputShape ?? throw new ArgumentNullException(nameof(outputShape))).Clone();
        ParameterCount = parameterCount;
        MultiplyAdds = multiplyAdds;
        Trainable = trainable;
    }

    /// <summary>The PyTorch module name, e.g. <c>0</c>, <c>fc1</c> or <c>layers.3</c>: what <c>Freeze</c> takes, and its tensors' prefix.</summary>
    public string Name { get; }

    /// <summary>The StaticNet layer kind, e.g. <c>Dense</c>, <c>Conv2D</c>, <c>ReLU</c>.</summary>
    public string Kind { get; }

    /// <summary>The equivalent PyTorch module(s), e.g. <c>Linear</c>, or <c>Conv2d + ReLU</c> for a fused activation.</summary>
    public string ModuleType { get; }

    /// <summary>One sample's input shape, in PyTorch's order (no batch dimension).</summary>
    public IReadOnlyList<int> InputShape => _inputShape;

    /// <summary>One sample's output shape, in PyTorch's order (no batch dimension).</summary>
    public IReadOnlyList<int> OutputShape => _outputShape;

    /// <summary>Its trainable parameters as PyTorch counts them (frozen or not; running statistics excluded).</summary>
    public int ParameterCount { get; }

    /// <summary>
    /// The multiply-adds of one sample's forward pass, as torchinfo counts them: a Dense layer's inputs × units (per
    /// step of a sequence), a convolution's output positions × filters × taps × input channels, a recurrent layer's
    /// steps × gates × hidden × (features + hidden), BatchNorm's and LayerNorm's one per value, a MultiheadAttention's
    /// in_proj 3·T·E² + out_proj T·E² + E per pair of steps for QKᵀ and again for P·V (T² pairs, or T(T+1)/2 when causal),
    /// a TransformerEncoderLayer's attention + linear1 and linear2 2·T·d·F + its two norms 2·T·d; 0 for pools, sequence
    /// pools, activations, dropout, flatten, embeddings and position encodings. One FLOP count is twice this.
    /// </summary>
    public long MultiplyAdds { get; }

    /// <summary>
    /// Whether the layer has parameters that train as declared: false without parameters or with <c>Trainable = false</c>.
    /// A layer frozen at run time (<see cref="ITrainableNetwork.Freeze"/>) keeps true here; ask <see cref="ITrainableNetwork.IsFrozen"/>.
    /// </summary>
    public bool Trainable { get; }

    /// <summary>The layer as one line, e.g. <c>0: Conv2d + ReLU [1, 28, 28] → [16, 28, 28], 160 parameters</c>.</summary>
    public override string ToString() =>
        $"{Name}: {ModuleType} [{string.Join(", ", _inputShape)}] → [{string.Join(", ", _outputShape)}], {ParameterCount} parameters";
}
