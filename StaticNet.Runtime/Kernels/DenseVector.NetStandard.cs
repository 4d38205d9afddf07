// netstandard2.1 only: DenseKernels.Forward on System.Numerics.Vector<float> (see KernelOptions.NetStandard.cs).
using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

internal static class DenseVector
{
    /// <summary>
    /// <see cref="ReferenceKernels.DenseForward"/> with the output row in <see cref="Vector{T}"/> chunks: each input
    /// broadcasts over a row of the transposed weight. Every width is a multiple of 16, so of any vector length.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int width)
    {
        int count = Vector<float>.Count;
        ReadOnlySpan<Vector<float>> w = MemoryMarshal.Cast<float, Vector<float>>(weight.Slice(0, inputs * width));
        ReadOnlySpan<Vector<float>> b = MemoryMarshal.Cast<float, Vector<float>>(bias.Slice(0, width));
        int vectors = width / count;
        for (int r = 0; r < rows; r++)
        {
            Span<Vector<float>> yRow = MemoryMarshal.Cast<float, Vector<float>>(y.Slice(r * width, width));
            b.CopyTo(yRow);
            ReadOnlySpan<float> xRow = x.Slice(r * xStride, inputs);
            for (int k = 0; k < inputs; k++)
            {
                var xk = new Vector<float>(xRow[k]);
                ReadOnlySpan<Vector<float>> wRow = w.Slice(k * vectors, vectors);
                for (int j = 0; j < vectors; j++)
                    yRow[j] += xk * wRow[j];
            }
        }
    }
}
