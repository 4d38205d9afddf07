using System;

namespace StaticNet;

/// <summary>
/// The element-wise sum of two or more outputs of the same shape, as <c>a + b</c> in a PyTorch module's
/// <c>forward</c> (a residual connection): the output of the layer declared before it (or of <c>From</c>) plus the
/// outputs named in the constructor. No parameters. <c>[Add("stem_relu")]</c> after a block adds the block's input back.
/// </summary>
/// <remarks>
/// The first operand is implicit, as for every layer, so a chain reads top to bottom; the others are named, because
/// they come from elsewhere in the graph. Shapes must be equal (SNET042 names both otherwise).
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AddAttribute : LayerAttribute
{
    /// <summary>Declares a sum of the previous layer's output and the named ones.</summary>
    /// <param name="others">The names of the other operands (layer names or the input's); at least one.</param>
    public AddAttribute(params string[] others) => Others = others;

    /// <summary>The names of the operands after the first (the previous layer's output, or <c>From</c>'s).</summary>
    public string[] Others { get; }

    /// <summary>The layer's name, which later layers can read from; the default is its index.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// The element-wise product of two or more outputs of the same shape, as <c>a * b</c> in a PyTorch module's
/// <c>forward</c> (gating): the output of the layer declared before it (or of <c>From</c>) times the outputs named in the
/// constructor. No parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MultiplyAttribute : LayerAttribute
{
    /// <summary>Declares a product of the previous layer's output and the named ones.</summary>
    /// <param name="others">The names of the other operands (layer names or the input's); at least one.</param>
    public MultiplyAttribute(params string[] others) => Others = others;

    /// <summary>The names of the operands after the first (the previous layer's output, or <c>From</c>'s).</summary>
    public string[] Others { get; }

    /// <summary>The layer's name, which later layers can read from; the default is its index.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// Joins two or more outputs along the channel (feature) axis, as <c>torch.cat(..., dim=1)</c> on <c>[N, C, H, W]</c>
/// or <c>[N, C, L]</c> and <c>torch.cat(..., dim=-1)</c> on vectors and <c>[N, T, F]</c> sequences: the output of the
/// layer declared before it (or of <c>From</c>) first, then the outputs named in the constructor, in that order. Every
/// other dimension must be equal. No parameters.
/// </summary>
/// <remarks>
/// Only the channel axis: it is the one skip connections join on (U-Net, DenseNet, a recurrent layer's output next to
/// its input), and in StaticNet's channels-last layout it is a strided copy per position.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConcatenateAttribute : LayerAttribute
{
    /// <summary>Declares a concatenation of the previous layer's output and the named ones, along the channels.</summary>
    /// <param name="others">The names of the other operands (layer names or the input's), in order; at least one.</param>
    public ConcatenateAttribute(params string[] others) => Others = others;

    /// <summary>The names of the operands after the first (the previous layer's output, or <c>From</c>'s), in order.</summary>
    public string[] Others { get; }

    /// <summary>The layer's name, which later layers can read from; the default is its index.</summary>
    public string? Name { get; set; }
}
