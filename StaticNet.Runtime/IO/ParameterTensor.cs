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

    /// <summary>
    /// Any arrangement given by one internal stride per PyTorch dimension: element <c>(i0, i1, ...)</c> lives at
    /// <c>Offset + Σ ik·Strides[k]</c>. Convolution weights (stored for an im2col GEMM) and recurrent gate weights use it.
    /// </summary>
    Strided = 2,
}

/// <summary>One named tensor of a network: its PyTorch name and shape, and where it lives in the parameter buffer.</summary>
public sealed class ParameterTensor
{
    private readonly int[] _shape;
    private readonly int[] _strides;

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
        _strides = layout == TensorLayout.TransposedMatrix ? new[] { 1, stride } : RowMajorStrides(shape);
        ElementCount = Product(shape);
        Extent = ComputeExtent(_shape, _strides);
    }

    /// <summary>Describes a tensor stored with one internal stride per dimension (<see cref="TensorLayout.Strided"/>).</summary>
    /// <param name="name">The PyTorch name, e.g. <c>conv1.weight</c>.</param>
    /// <param name="shape">The PyTorch shape, e.g. <c>[16, 1, 3, 3]</c>; empty for a scalar.</param>
    /// <param name="offset">The index of element (0, 0, ...) in the parameter buffer.</param>
    /// <param name="strides">The internal distance between consecutive indices of each dimension.</param>
    /// <param name="isInteger">Whether PyTorch keeps the tensor as int64 (e.g. <c>num_batches_tracked</c>); it is written as I64.</param>
    public ParameterTensor(string name, int[] shape, int offset, int[] strides, bool isInteger = false)
    {
        Throw.IfNull(name);
        Throw.IfNull(shape);
        Throw.IfNull(strides);
        if (strides.Length != shape.Length)
            throw new ArgumentException($"Tensor '{name}' has {shape.Length} dimensions but {strides.Length} strides; expected one stride per dimension.", nameof(strides));
        foreach (int d in shape)
            if (d < 1) throw new ArgumentException($"Tensor '{name}' has shape [{string.Join(", ", shape)}]; expected positive dimensions.", nameof(shape));
        foreach (int st in strides)
            if (st < 0) throw new ArgumentException($"Tensor '{name}' has strides [{string.Join(", ", strides)}]; expected non-negative strides.", nameof(strides));
        Name = name;
        _shape = (int[])shape.Clone();
        _strides = (int[])strides.Clone();
        Offset = offset;
        Layout = TensorLayout.Strided;
        IsInteger = isInteger;
        ElementCount = Product(shape);
        Extent = ComputeExtent(_shape, _strides);
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

    /// <summary>The internal stride of each dimension (for every layout: row-major for <see cref="TensorLayout.Contiguous"/>).</summary>
    public ReadOnlySpan<int> Strides => _strides;

    /// <summary>Whether PyTorch keeps the tensor as an integer (int64); it is stored as a float and saved as I64.</summary>
    public bool IsInteger { get; }

    /// <summary>One past the last buffer element the tensor touches, relative to <see cref="Offset"/>.</summary>
    public long Extent { get; }

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
        Span<float> target = parameters.Slice(Offset, (int)Extent);
        for (int i = 0; i < source.Length; i++)
            target[InternalPosition(i)] = source[i];
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
        ReadOnlySpan<float> source = parameters.Slice(Offset, (int)Extent);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = source[InternalPosition(i)];
    }

    /// <summary>Returns the tensor in PyTorch's layout as a new array.</summary>
    public float[] Export(ReadOnlySpan<float> parameters)
    {
        var result = new float[ElementCount];
        ExportTo(parameters, result);
        return result;
    }

    /// <summary>Where the element at row-major index <paramref name="flat"/> of the PyTorch tensor lives, relative to <see cref="Offset"/>.</summary>
    private int InternalPosition(int flat)
    {
        int position = 0;
        for (int k = _shape.Length - 1; k >= 0; k--)
        {
            position += flat % _shape[k] * _strides[k];
            flat /= _shape[k];
        }
        return position;
    }

    private static int Product(int[] shape)
    {
        int count = 1;
        foreach (int d in shape) count *= d;
        return count;
    }

    private static int[] RowMajorStrides(int[] shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            strides[k] = stride;
            stride *= shape[k];
        }
        return strides;
    }

    private static long ComputeExtent(int[] shape, int[] strides)
    {
        long last = 0;
        for (int k = 0; k < shape.Length; k++)
            last += (long)(shape[k] - 1) * strides[k];
        return last + 1;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} {ShapeText}";
}
