using System;

namespace StaticNet;

/// <summary>Declares the shape of one input sample, e.g. <c>[Input(784)]</c>. It must come before every layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Declares an input of the given shape (one dimension for a feature vector).</summary>
    /// <param name="shape">The sizes of the sample's dimensions; each must be positive.</param>
    public InputAttribute(params int[] shape) => Shape = shape;

    /// <summary>The sizes of the sample's dimensions.</summary>
    public int[] Shape { get; }

    /// <summary>
    /// The input's name, which layers name in <c>From</c> and merges name among their operands (<c>"input"</c> when not
    /// set): <c>[Concatenate("input")]</c> after a recurrent layer joins its output to the network's input.
    /// </summary>
    public string? Name { get; set; }
}
