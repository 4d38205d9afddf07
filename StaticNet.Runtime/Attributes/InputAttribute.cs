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
}
