using System;

namespace StaticNet.IO;

/// <summary>A named tensor read from or written to a safetensors file, as row-major floats.</summary>
public sealed class SafetensorsTensor
{
    private readonly int[] _shape;

    /// <summary>Creates a float32 tensor to write with <see cref="Safetensors.Write(System.IO.Stream, System.Collections.Generic.IReadOnlyList{SafetensorsTensor}, System.Collections.Generic.IReadOnlyDictionary{string, string})"/>.</summary>
    /// <param name="name">The tensor's name, e.g. <c>fc1.weight</c>.</param>
    /// <param name="shape">The shape; every dimension non-negative. An empty shape is a scalar.</param>
    /// <param name="data">The elements in row-major order, exactly the product of <paramref name="shape"/>; kept, not copied.</param>
    public SafetensorsTensor(string name, int[] shape, float[] data)
        : this(name, shape, data, "F32")
    {
    }

    internal SafetensorsTensor(string name, int[] shape, float[] data, string dtype)
    {
        Throw.IfNullOrEmpty(name);
        Throw.IfNull(shape);
        Throw.IfNull(data);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"Tensor '{name}': shape {SafetensorsHeader.ShapeText(shape)} has a negative dimension.", nameof(shape));
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException($"Tensor '{name}' {SafetensorsHeader.ShapeText(shape)} has {count} elements; the data has {data.Length}.", nameof(data));
        Name = name;
        _shape = (int[])shape.Clone();
        Data = data;
        DType = dtype;
    }

    /// <summary>The tensor's name, e.g. <c>fc1.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The shape, outermost dimension first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The shape as text, e.g. <c>[128, 784]</c>.</summary>
    public string ShapeText => SafetensorsHeader.ShapeText(_shape);

    /// <summary>The number of elements, the product of <see cref="Shape"/>.</summary>
    public int ElementCount => Data.Length;

    /// <summary>The elements in row-major order (PyTorch's layout), converted to float.</summary>
    public float[] Data { get; }

    /// <summary>The dtype the tensor had in the file, e.g. <c>F32</c> or <c>BF16</c>; <c>F32</c> for a tensor created in code.</summary>
    public string DType { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} {DType} {ShapeText}";
}
