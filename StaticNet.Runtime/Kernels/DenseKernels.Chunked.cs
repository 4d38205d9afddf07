using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

public static partial class DenseKernels
{
    /// <summary>
    /// The bias gradient alone, <c>dBias[j] += Σᵣ dy[r, j]</c> (row order; from +0 when <paramref name="overwrite"/>):
    /// the bits of <see cref="BackwardWeights(ReadOnlySpan{float}, int, int, int, ReadOnlySpan{float}, int, Span{float}, Span{float}, bool)"/>'s
    /// bias gradient on every path (element-wise additions in the same order), for a layer whose weight gradient is
    /// computed later (<see cref="BackwardWeightsInChunks"/>).
    /// </summary>
    /// <param name="dy">The gradient with respect to the pre-activation output, <c>[rows, width]</c>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="width">The padded output width, a multiple of <see cref="WidthAlignment"/>.</param>
    /// <param name="dBias">The bias gradient, <c>[width]</c>, accumulated into or overwritten.</param>
    /// <param name="overwrite">Whether to overwrite it (what it held is not read) rather than add to it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardBias(ReadOnlySpan<float> dy, int rows, int width, Span<float> dBias, bool overwrite)
    {
        if (rows <= 0 || width < 0 || width % WidthAlignment != 0 || dy.Length < rows * width || dBias.Length < width)
            throw new ArgumentException(
                $"Dense bias gradient called with inconsistent sizes: rows {rows}, width {width}; buffers dy {dy.Length}, bias {dBias.Length}.");
        ref float d = ref MemoryMarshal.GetReference(dy);
        ref float b = ref MemoryMarshal.GetReference(dBias);
#if NET8_0_OR_GREATER
        switch (KernelOptions.Path) // BackwardWeights' own bias loop
        {
            case 512: DenseSimd.BackwardBias<V512>(ref d, rows, width, ref b, overwrite); return;
            case 256: DenseSimd.BackwardBias<V256>(ref d, rows, width, ref b, overwrite); return;
            case 128: DenseSimd.BackwardBias<V128>(ref d, rows, width, ref b, overwrite); return;
        }
#endif
        for (int j = 0; j < width; j++)
        {
            float sum = overwrite ? 0f : Unsafe.Add(ref b, j);
            for (int r = 0; r < rows; r++) sum += Unsafe.Add(ref d, r * width + j);
            Unsafe.Add(ref b, j) = sum;
        }
    }

    /// <summary>
    /// A weight gradient over several chunks of <paramref name="chunkRows"/> rows, for inputs <paramref name="from"/> to
    /// <paramref name="to"/> − 1 only: <c>dWeight[k, j] = ((t₀ + t₁) + t₂) + …</c> (overwritten), where <c>tᶜ</c> is
    /// chunk <c>c</c>'s own gradient exactly as <see cref="BackwardWeights(ReadOnlySpan{float}, int, int, int, ReadOnlySpan{float}, int, Span{float}, Span{float}, bool)"/>
    /// with <c>overwrite</c> computes it for the chunk's rows alone (on every path). So the result is, bit for bit, that of
    /// running the kernel on each chunk and adding the chunks' gradients in chunk order, as <see cref="ParallelBatch"/> does,
    /// without a matrix-sized buffer per chunk: each tile of the gradient stays in registers and L1 while the chunks are added.
    /// </summary>
    /// <param name="x">The layer's input, <paramref name="count"/> rows of <paramref name="xStride"/> floats.</param>
    /// <param name="count">The number of rows, of every chunk.</param>
    /// <param name="inputs">The number of inputs per row.</param>
    /// <param name="xStride">The distance between two rows of <paramref name="x"/>.</param>
    /// <param name="dy">The gradient with respect to the pre-activation output, <c>[count, width]</c>.</param>
    /// <param name="width">The padded output width, a multiple of <see cref="WidthAlignment"/>.</param>
    /// <param name="dWeight">The weight gradient, <c>[inputs, width]</c>; rows <paramref name="from"/> to <paramref name="to"/> − 1 are overwritten.</param>
    /// <param name="from">The first input to compute.</param>
    /// <param name="to">The end of the inputs to compute.</param>
    /// <param name="chunkRows">Rows per chunk (the last may have fewer).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeightsInChunks(ReadOnlySpan<float> x, int count, int inputs, int xStride, ReadOnlySpan<float> dy,
        int width, Span<float> dWeight, int from, int to, int chunkRows)
    {
        CheckSizes(x.Length, count, inputs, xStride, dWeight.Length, width, dy.Length);
        if (from < 0 || to > inputs || from > to || chunkRows <= 0)
            throw new ArgumentException($"Chunked weight gradient called with inputs {from} to {to} of {inputs} and {chunkRows} rows per chunk.");
        if (from == to) return;
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dyr = ref MemoryMarshal.GetReference(dy);
        ref float dwr = ref MemoryMarshal.GetReference(dWeight);
        switch (KernelOptions.Path)
        {
            case 512: DenseSimd.BackwardWeightsInChunks<V512>(ref xr, count, xStride, ref dyr, width, ref dwr, from, to, chunkRows); return;
            case 256: DenseSimd.BackwardWeightsInChunks<V256>(ref xr, count, xStride, ref dyr, width, ref dwr, from, to, chunkRows); return;
            case 128: DenseSimd.BackwardWeightsInChunks<V128>(ref xr, count, xStride, ref dyr, width, ref dwr, from, to, chunkRows); return;
        }
#endif
        // ReferenceKernels.DenseBackwardWeights' chains, from +0: t = (0 + x₀·dy₀) + x₁·dy₁ + … (products rounded).
        for (int k = from; k < to; k++)
        {
            Span<float> dwRow = dWeight.Slice(k * width, width);
            for (int start = 0; start < count; start += chunkRows)
            {
                int end = Math.Min(start + chunkRows, count);
                for (int j = 0; j < width; j++)
                {
                    float t = 0f;
                    for (int r = start; r < end; r++)
                        t += x[r * xStride + k] * dy[r * width + j];
                    dwRow[j] = start == 0 ? t : dwRow[j] + t;
                }
            }
        }
    }
}
