using System;

namespace StaticNet;

/// <summary>
/// Declares one output (head) of a network with several: the named layer's output, trained with its own loss and weight.
/// <c>[Output("policy", Loss = Loss.SoftmaxCrossEntropy)] [Output("value", Loss = Loss.MeanSquaredError, Weight = 0.5f)]</c>
/// on an actor-critic's class gives <c>Forward(input, policy, value)</c>, one span per head in declaration order, and
/// trains Σ weight·loss over the heads, as PyTorch's <c>1 * ce(policy, p) + 0.5 * mse(value, v)</c>.
/// </summary>
/// <remarks>
/// Without any <c>[Output]</c> the network has one output, its last layer. With them, the heads are the only outputs: a
/// layer that is neither a head nor read by another layer is an unused branch (SNET043). Each head is a vector (a Dense
/// layer, typically); a head without a loss in a network that trains is SNET044.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class OutputAttribute : Attribute
{
    /// <summary>Declares the named layer's output as one of the network's outputs.</summary>
    /// <param name="layer">The layer's name (its <c>Name</c>, or its default index).</param>
    public OutputAttribute(string layer) => Layer = layer;

    /// <summary>The name of the layer whose output this head is.</summary>
    public string Layer { get; }

    /// <summary>
    /// The head's loss, on the head's logits as for a network's <see cref="NetworkAttribute.Loss"/>; <see cref="Loss.None"/>
    /// (the default) takes <c>[Network(Loss = ...)]</c>'s.
    /// </summary>
    public Loss Loss { get; set; }

    /// <summary>The head's weight in the network's loss, Σ weight·loss over the heads: finite and not negative; 1 by default.</summary>
    public float Weight { get; set; } = 1f;
}
