using System;

namespace StaticNet;

/// <summary>What the pooling layers share: the window and the step between windows.</summary>
public abstract class PoolingAttribute : LayerAttribute
{
    private protected PoolingAttribute(int size) => Size = size;

    /// <summary>The window's height and width (its length for 1-D pooling).</summary>
    public int Size { get; }

    /// <summary>The step between two windows; 0 (the default) means <see cref="Size"/>, as PyTorch's <c>stride=None</c>.</summary>
    public int Stride { get; set; }

    /// <summary>The PyTorch module name of the layer (pooling has no tensors; the name numbers the layers as <c>nn.Sequential</c> does).</summary>
    public string? Name { get; set; }
}

/// <summary>The maximum of each window of a <c>[channels, height, width]</c> input, as <c>torch.nn.MaxPool2d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2DAttribute : PoolingAttribute
{
    /// <summary>Declares max pooling over <paramref name="size"/> × <paramref name="size"/> windows.</summary>
    /// <param name="size">The window's height and width.</param>
    public MaxPool2DAttribute(int size) : base(size)
    {
    }
}

/// <summary>The mean of each window of a <c>[channels, height, width]</c> input, as <c>torch.nn.AvgPool2d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2DAttribute : PoolingAttribute
{
    /// <summary>Declares average pooling over <paramref name="size"/> × <paramref name="size"/> windows.</summary>
    /// <param name="size">The window's height and width.</param>
    public AvgPool2DAttribute(int size) : base(size)
    {
    }
}

/// <summary>The maximum of each window of a <c>[channels, length]</c> input, as <c>torch.nn.MaxPool1d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool1DAttribute : PoolingAttribute
{
    /// <summary>Declares max pooling over windows of <paramref name="size"/>.</summary>
    /// <param name="size">The window's length.</param>
    public MaxPool1DAttribute(int size) : base(size)
    {
    }
}

/// <summary>The mean of each window of a <c>[channels, length]</c> input, as <c>torch.nn.AvgPool1d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool1DAttribute : PoolingAttribute
{
    /// <summary>Declares average pooling over windows of <paramref name="size"/>.</summary>
    /// <param name="size">The window's length.</param>
    public AvgPool1DAttribute(int size) : base(size)
    {
    }
}

/// <summary>
/// The mean of each channel over every position: <c>[channels, height, width]</c> or <c>[channels, length]</c> to
/// <c>[channels]</c>, as <c>torch.nn.AdaptiveAvgPool2d(1)</c> followed by a flatten.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAvgPoolAttribute : LayerAttribute
{
    /// <summary>The PyTorch module name of the layer.</summary>
    public string? Name { get; set; }
}

/// <summary>Flattens a multi-dimensional output into one vector in PyTorch's order, as <c>torch.nn.Flatten</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : LayerAttribute
{
    /// <summary>The PyTorch module name of the layer.</summary>
    public string? Name { get; set; }
}
