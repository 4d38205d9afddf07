using System;

namespace StaticNet;

/// <summary>
/// Layer normalisation over the last dimension, as <c>torch.nn.LayerNorm(features)</c> (with its default
/// <c>elementwise_affine=True</c>): each sample's vector, or each step of a <c>[steps, features]</c> sequence, is
/// normalised with its own mean and biased variance, then scaled and shifted. Training and inference compute the same
/// function. Its tensors are <c>{Name}.weight</c> (ones) and <c>{Name}.bias</c> (zeros), <c>[features]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormAttribute : Attribute
{
    /// <summary>Added to the variance before its square root; 1e-5 by default, as PyTorch.</summary>
    public float Epsilon { get; set; } = 1e-5f;

    /// <summary>The PyTorch module name of the layer; the default is <c>layers.{index}</c>.</summary>
    public string? Name { get; set; }
}
