using System;

namespace StaticNet;

/// <summary>What every layer attribute shares: whether the layer's parameters train, and where it reads from.</summary>
public abstract class LayerAttribute : Attribute
{
    private protected LayerAttribute()
    {
    }

    /// <summary>
    /// Whether training updates the layer's parameters (the default, <see langword="true"/>). With <see langword="false"/>
    /// the layer is frozen for good, as PyTorch's <c>requires_grad_(False)</c> on its module: the optimizer never
    /// changes its tensors or their state, the generated backward pass has no code for their gradients (which stay zero),
    /// and nothing before the first trainable layer is backpropagated. Use <c>Freeze(name)</c> on the network to freeze a
    /// layer for a while instead (<c>Unfreeze</c> undoes it; a layer declared <c>Trainable = false</c> cannot be unfrozen).
    /// No effect on a layer without parameters.
    /// </summary>
    public bool Trainable { get; set; } = true;

    /// <summary>
    /// The name of an earlier layer (its <c>Name</c>, or its default index) or of an <c>[Input(Name = ...)]</c> whose output
    /// this layer reads, instead of the layer declared just before it (the default, <see langword="null"/>). This is how a
    /// network branches: <c>[Conv2D(16, 1, Stride = 2, From = "stem_relu", Name = "shortcut")]</c> starts a shortcut from
    /// <c>stem_relu</c>. A merge (<see cref="AddAttribute"/>, <see cref="MultiplyAttribute"/>,
    /// <see cref="ConcatenateAttribute"/>) takes it as its first operand. The name must be declared before this layer.
    /// </summary>
    public string? From { get; set; }
}
