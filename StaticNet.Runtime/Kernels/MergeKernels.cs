using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// The merge layers' element-wise work ([Add], [Multiply]) and the gradient sums of a graph: over whole padded rows
/// (the padding is zero in every operand, so it stays zero).
/// </summary>
/// <remarks>Not for direct use: called by generated code with literal sizes.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MergeKernels
{
    /// <summary><c>y = a + b</c> over the first <paramref name="length"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, int length) =>
        TensorPrimitives.Add(a.Slice(0, length), b.Slice(0, length), y.Slice(0, length));

    /// <summary><c>y += x</c> over the first <paramref name="length"/> floats: a further operand, or a gradient summed where a value feeds several layers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(ReadOnlySpan<float> x, Span<float> y, int length)
    {
        Span<float> target = y.Slice(0, length);
        TensorPrimitives.Add(target, x.Slice(0, length), target);
    }

    /// <summary><c>y = a ⊙ b</c> over the first <paramref name="length"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, int length) =>
        TensorPrimitives.Multiply(a.Slice(0, length), b.Slice(0, length), y.Slice(0, length));

    /// <summary><c>y ⊙= x</c> over the first <paramref name="length"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyInPlace(ReadOnlySpan<float> x, Span<float> y, int length)
    {
        Span<float> target = y.Slice(0, length);
        TensorPrimitives.Multiply(target, x.Slice(0, length), target);
    }

    /// <summary>
    /// Copies <paramref name="channels"/> floats of each of <paramref name="rows"/> positions from <paramref name="x"/>
    /// (positions <paramref name="xStride"/> apart, starting at <paramref name="xOffset"/>) to <paramref name="y"/>
    /// (positions <paramref name="yStride"/> apart, starting at <paramref name="yOffset"/>): one operand's part of a
    /// concatenation along the channels, or its part of the gradient.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyChannels(ReadOnlySpan<float> x, int xStride, int xOffset, Span<float> y, int yStride, int yOffset, int channels, int rows)
    {
        if (rows <= 0) return;
        if ((long)(rows - 1) * xStride + xOffset + channels > x.Length) throw new ArgumentException("x is too short for the rows", nameof(x));
        if ((long)(rows - 1) * yStride + yOffset + channels > y.Length) throw new ArgumentException("y is too short for the rows", nameof(y));
        for (int r = 0; r < rows; r++)
            x.Slice(r * xStride + xOffset, channels).CopyTo(y.Slice(r * yStride + yOffset, channels));
    }
}
