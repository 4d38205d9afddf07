using System;

namespace StaticNet;

/// <summary>What every layer attribute shares: whether the layer's parameters train.</summary>
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
}
