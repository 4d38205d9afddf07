using System;

namespace StaticNet;

/// <summary>
/// A fully connected layer, <c>y = activation(W·x + b)</c>, as <c>torch.nn.Linear</c> followed by the activation.
/// Its tensors are <c>{Name}.weight</c> <c>[units, inputs]</c> and <c>{Name}.bias</c> <c>[units]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : LayerAttribute
{
    /// <summary>Declares a fully connected layer.</summary>
    /// <param name="units">The number of outputs; must be positive.</param>
    /// <param name="activation">The non-linearity applied to the outputs.</param>
    public DenseAttribute(int units, Activation activation = Activation.None)
    {
        Units = units;
        Activation = activation;
    }

    /// <summary>The number of outputs.</summary>
    public int Units { get; }

    /// <summary>The non-linearity applied to the outputs.</summary>
    public Activation Activation { get; }

    /// <summary>
    /// The PyTorch module name of the layer, used for its tensor names (<c>{Name}.weight</c>); the default is
    /// <c>layers.{index}</c>, where index counts layers from 0.
    /// </summary>
    public string? Name { get; set; }
}
