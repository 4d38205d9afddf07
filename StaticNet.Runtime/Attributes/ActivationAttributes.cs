using System;

namespace StaticNet;

// Stand-alone activation layers, named as PyTorch's modules: each is one module of the equivalent nn.Sequential, with no
// tensors, applied to every value of the previous layer's output (Softmax: over its last dimension, the channels), so
// that Conv2D → BatchNorm → ReLU and Linear → BatchNorm1d → SiLU can be declared as PyTorch writes them.

/// <summary>A stand-alone <c>max(0, x)</c> layer, as <c>torch.nn.ReLU()</c>; any shape, unchanged.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReLUAttribute : LayerAttribute
{
    /// <summary>The PyTorch module name of the layer (it has no tensors; the name only takes its place).</summary>
    public string? Name { get; set; }
}

/// <summary>A stand-alone <c>x &gt; 0 ? x : negativeSlope·x</c> layer, as <c>torch.nn.LeakyReLU(negative_slope)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LeakyReLUAttribute : LayerAttribute
{
    /// <summary>Declares the layer.</summary>
    /// <param name="negativeSlope">The slope for negative inputs; 0.01 by default, as PyTorch.</param>
    public LeakyReLUAttribute(float negativeSlope = 0.01f) => NegativeSlope = negativeSlope;

    /// <summary>The slope for negative inputs.</summary>
    public float NegativeSlope { get; }

    /// <summary>The PyTorch module name of the layer.</summary>
    public string? Name { get; set; }
}

/// <summary>A stand-alone <c>1 / (1 + e⁻ˣ)</c> layer, as <c>torch.nn.Sigmoid()</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SigmoidAttribute : LayerAttribute
{
    /// <summary>The PyTorch module name of the layer.</summary>
    public string? Name { get; set; }
}

/// <summary>A stand-alone hyperbolic tangent layer, as <c>torch.nn.Tanh()</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TanhAttribute : LayerAttribute
{
    /// <summary>The PyTorch module name of the layer.</summary>
    public string? Name { get; set; }
}

/// <summary>A stand-alone exact (erf) GELU layer, as <c>torch.nn.GELU()</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GELUAttribute : LayerAttribute
{
    /// <summary>The PyTorch module name of the layer.</summary>
    public string? Name { get; set; }
}

/// <summary>A stand-alone <c>x · σ(x)</c> layer, as <c>torch.nn.SiLU()</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SiLUAttribute : LayerAttribute
{
    /// <summary>The PyTorch module name of the layer.</summary>
    public string? Name { get; set; }
}

/// <summary>A stand-alone <c>x &gt; 0 ? x : alpha·(eˣ − 1)</c> layer, as <c>torch.nn.ELU(alpha)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ELUAttribute : LayerAttribute
{
    /// <summary>Declares the layer.</summary>
    /// <param name="alpha">The scale of the negative part; 1 by default, as PyTorch.</param>
    public ELUAttribute(float alpha = 1f) => Alpha = alpha;

    /// <summary>The scale of the negative part.</summary>
    public float Alpha { get; }

    /// <summary>The PyTorch module name of the layer.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// A stand-alone softmax over the last dimension, as <c>torch.nn.Softmax(dim=-1)</c>: over a vector, or over each step's
/// features of a sequence. Not for spatial outputs (PyTorch's <c>dim=-1</c> would be the width there).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftmaxAttribute : LayerAttribute
{
    /// <summary>The PyTorch module name of the layer.</summary>
    public string? Name { get; set; }
}
