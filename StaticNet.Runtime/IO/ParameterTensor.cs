using System;

namespace StaticNet;

/// <summary>How a tensor's PyTorch elements are arranged in a network's internal parameter buffer.</summary>
public enum TensorLayout
{
    /// <summary>Row-major, as in PyTorch, at <see cref="ParameterTensor.Offset"/>.</summary>
    Contiguous = 0,

    /// <summary>
    /// A PyTorch matrix <c>[rows, columns]</c> stored transposed: element <c>(r, c)</c> lives at
    /// <c>Offset + c·Stride + r</c>, where <see cref="ParameterTensor.Stride"/> ≥ rows (the tail of each internal
    /// row is padding that stays zero). Dense weights use it so that a forward pass streams the weights in order.
    /// </summary>
    TransposedMatrix = 1,
}

/// <summary>One named tensor of a network: its PyTorch name and shape, and where it lives in the parameter buffer.</summary>
public sealed class ParameterTensor
{
    private readonly int[] _shape;

    /// <summary>Describes a tensor.</summary>
    /// <param name="name">The PyTorch name, e.g. <c>fc1.weight</c>.</param>
    /// <param name="shape">The PyTorch shape, e.g. <c>[128, 784]</c>.</param>
    /// <param name="offset">The index of the tensor's first element in the parameter buffer.</param>
    /// <param name="layout">How the elements are arranged there.</param>
    /// <param name="stride">For <see cref="TensorLayout.TransposedMatrix"/>, the internal row length; otherwise 0.</param>
    public ParameterTensor(string name, int[] shape, int offset, TensorLayout layout = TensorLayout.Contiguous, int stride = 0)
    {
        Throw.IfNull(name);
        Throw.IfNull(shape);
        if (layout == TensorLayout.TransposedMatrix && (shape.Length != 2 || stride < shape[0]))
            throw new ArgumentException($"A transposed matrix needs a 2-D shape and a stride of at least its row count; found shape [{string.Join(", ", shape)}] and stride {stride}.", nameof(stride));
        Name = name;
        _shape = (int[])shape.Clone();
        Offset = offset;
        Layout = layout;
        Stride = stride;
        int count = 1;
        foreach (int d in shape) count *= d;
        ElementCount = count;
    }

    /// <summary>The PyTorch name, e.g. <c>fc1.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The PyTorch shape.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of elements, the product of <see cref="Shape"/>.</summary>
    public int ElementCount { get; }

    /// <summary>The index of the first element in the parameter buffer.</summary>
    public int Offset { get; }

    /// <summary>How the elements are arranged in the parameter buffer.</summary>
    public TensorLayout Layout { get; }

    /// <summary>For <see cref="TensorLayout.TransposedMatrix"/>, the internal row length; otherwise 0.</summary>
    public int Stride { get; }

    /// <summary>The shape as text, e.g. <c>[128, 784]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", _shape) + "]";

    /// <summary>Copies the tensor from PyTorch's row-major layout into the parameter buffer.</summary>
    /// <param name="source">Exactly <see cref="ElementCount"/> floats, row-major.</param>
    /// <param name="parameters">The network's whole parameter buffer.</param>
    public void ImportFrom(ReadOnlySpan<float> source, Span<float> parameters)
    {
        if (source.Length != ElementCount)
            throw new ArgumentException($"Tensor '{Name}' {ShapeText} has {ElementCount} elements; found {source.Length}.", nameof(source));
        if (Layout == TensorLayout.Contiguous)
        {
            source.CopyTo(parameters.Slice(Offset, ElementCount));
            return;
        }
        int rows = _shape[0], columns = _shape[1];
        Span<float> target = parameters.Slice(Offset, columns * Stride);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                target[c * Stride + r] = source[r * columns + c];
    }

    /// <summary>Copies the tensor out of the parameter buffer into PyTorch's row-major layout.</summary>
    /// <param name="parameters">The network's whole parameter buffer (or a gradient buffer of the same layout).</param>
    /// <param name="destination">Exactly <see cref="ElementCount"/> floats, written row-major.</param>
    public void ExportTo(ReadOnlySpan<float> parameters, Span<float> destination)
    {
        if (destination.Length != ElementCount)
            throw new ArgumentException($"Tensor '{Name}' {ShapeText} has {ElementCount} elements; the destination has {destination.Length}.", nameof(destination));
        if (Layout == TensorLayout.Contiguous)
        {
            parameters.Slice(Offset, ElementCount).CopyTo(destination);
            return;
        }
        int rows = _shape[0], columns = _shape[1];
        ReadOnlySpan<float> source = parameters.Slice(Offset, columns * Stride);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                destination[r * columns + c] = source[c * Stride + r];
    }

    /// <summary>Returns the tensor in PyTorch's layout as a new array.</summary>
    public float[] Export(ReadOnlySpan<float> parameters)
    {
        var result = new float[ElementCount];
        ExportTo(parameters, result);
        return result;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} {ShapeText}";
}
