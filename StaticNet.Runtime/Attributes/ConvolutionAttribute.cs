using System;

namespace StaticNet;

/// <summary>What <see cref="Conv2DAttribute"/> and <see cref="Conv1DAttribute"/> share: filters, kernel, stride, padding, dilation, bias.</summary>
public abstract class ConvolutionAttribute : LayerAttribute
{
    private protected ConvolutionAttribute(int filters, int kernelHeight, int kernelWidth, Activation activation)
    {
        Filters = filters;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Activation = activation;
    }

    /// <summary>The number of output channels (PyTorch's <c>out_channels</c>).</summary>
    public int Filters { get; }

    /// <summary>The kernel's height (1 for <see cref="Conv1DAttribute"/>).</summary>
    public int KernelHeight { get; }

    /// <summary>The kernel's width (its length for <see cref="Conv1DAttribute"/>).</summary>
    public int KernelWidth { get; }

    /// <summary>The non-linearity applied to the outputs.</summary>
    public Activation Activation { get; }

    /// <summary>The step between two windows, in both directions; 1 by default.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>The zeros added on each side of the input when <see cref="PaddingMode"/> is <see cref="StaticNet.PaddingMode.Explicit"/>; 0 by default.</summary>
    public int Padding { get; set; }

    /// <summary>Explicit padding (<see cref="Padding"/>), none, or the padding that keeps the input's size.</summary>
    public PaddingMode PaddingMode { get; set; } = PaddingMode.Explicit;

    /// <summary>The spacing between kernel taps (PyTorch's <c>dilation</c>); 1 by default.</summary>
    public int Dilation { get; set; } = 1;

    /// <summary>Whether the layer has a bias (PyTorch's <c>bias</c>); true by default.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>The PyTorch module name of the layer; the default is <c>layers.{index}</c>.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// A 2-D convolution over a <c>[channels, height, width]</c> input, as <c>torch.nn.Conv2d</c> followed by the activation.
/// Its tensors are <c>{Name}.weight</c> <c>[filters, channels, kernelHeight, kernelWidth]</c> and <c>{Name}.bias</c> <c>[filters]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : ConvolutionAttribute
{
    /// <summary>Declares a convolution with a square kernel.</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelSize">The kernel's height and width.</param>
    /// <param name="activation">The non-linearity applied to the outputs.</param>
    public Conv2DAttribute(int filters, int kernelSize, Activation activation = Activation.None)
        : base(filters, kernelSize, kernelSize, activation)
    {
    }

    /// <summary>Declares a convolution with a rectangular kernel.</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelHeight">The kernel's height.</param>
    /// <param name="kernelWidth">The kernel's width.</param>
    /// <param name="activation">The non-linearity applied to the outputs.</param>
    public Conv2DAttribute(int filters, int kernelHeight, int kernelWidth, Activation activation = Activation.None)
        : base(filters, kernelHeight, kernelWidth, activation)
    {
    }
}

/// <summary>
/// A 1-D convolution over a <c>[channels, length]</c> input, as <c>torch.nn.Conv1d</c> followed by the activation.
/// Its tensors are <c>{Name}.weight</c> <c>[filters, channels, kernelSize]</c> and <c>{Name}.bias</c> <c>[filters]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv1DAttribute : ConvolutionAttribute
{
    /// <summary>Declares a 1-D convolution.</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelSize">The kernel's length.</param>
    /// <param name="activation">The non-linearity applied to the outputs.</param>
    public Conv1DAttribute(int filters, int kernelSize, Activation activation = Activation.None)
        : base(filters, 1, kernelSize, activation)
    {
    }
}
