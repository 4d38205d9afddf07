#if NET8_0_OR_GREATER // the vector kernels exist only there
using System;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

internal static partial class DenseSimd
{
    /// <summary>Inputs per block of <see cref="BackwardWeightsInChunks{V}"/>: one cache line of each row of <c>x</c>.</summary>
    private const int ChunkedInputBlock = 16;

    /// <summary>The most bytes of <c>dy</c> that <see cref="BackwardWeightsInChunks{V}"/> passes over per block of inputs.</summary>
    private const int ChunkedDyBytes = 256 * 1024;

    /// <summary>
    /// See <see cref="DenseKernels.BackwardWeightsInChunks"/>. For each group of chunks (in order), each block of 16 inputs
    /// and each tile of output vectors, the group's chunks in order: each chunk's own gradient of the tile (the chains of <see cref="BackwardWeights{V}"/>'s tiles,
    /// which do not depend on the tile's shape) is written (chunk 0) or added to the tile, which stays in L1, so nothing
    /// of the matrix's size is written per chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeightsInChunks<V>(ref float x, int count, int xStride, ref float dy, int width,
        ref float dWeight, int from, int to, int chunkRows) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, w = width, s = xStride, total = count, step = chunkRows;
        nint vectors = w / n;
        nint tileK = ManyRegisters ? 4 : 2;
        // Chunks in groups whose dy (read once per block of inputs) stays in L2: all of them for the MLP 784-128-10 at
        // batch 256 (128 KB); a wide layer at a large batch passes over the gradient once per group instead.
        nint group = Math.Max(1, ChunkedDyBytes / (step * w * sizeof(float))) * step;
        for (nint first = 0; first < total; first += group)
        {
            nint last = Math.Min(first + group, total);
            for (nint block = from; block < to; block += ChunkedInputBlock)
            {
                nint end = Math.Min(block + ChunkedInputBlock, to);
                nint vb = 0;
                while (vb < vectors)
                {
                    nint tileV = vectors - vb >= 4 ? 4 : vectors - vb >= 2 ? 2 : 1;
                    for (nint start = first; start < last; start += step)
                    {
                        nint rows = Math.Min(step, total - start);
                        bool firstChunk = start == 0;
                        ref float xc = ref Unsafe.Add(ref x, start * s);
                        ref float dyc = ref Unsafe.Add(ref dy, start * w + vb * n);
                        nint k = block;
                        for (; k + tileK <= end; k += tileK)
                            ChunkedWeightsTile<V>(tileK, tileV, ref Unsafe.Add(ref xc, k), s, rows, ref dyc, w, ref Unsafe.Add(ref dWeight, k * w + vb * n), firstChunk);
                        for (; k + 2 <= end; k += 2)
                            ChunkedWeightsTile<V>(2, tileV, ref Unsafe.Add(ref xc, k), s, rows, ref dyc, w, ref Unsafe.Add(ref dWeight, k * w + vb * n), firstChunk);
                        for (; k < end; k++)
                            ChunkedWeightsTile<V>(1, tileV, ref Unsafe.Add(ref xc, k), s, rows, ref dyc, w, ref Unsafe.Add(ref dWeight, k * w + vb * n), firstChunk);
                    }
                    vb += tileV;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ChunkedWeightsTile<V>(nint tileInputs, nint tileVectors, ref float x, nint xStride, nint rows, ref float dy,
        nint width, ref float dWeight, bool first) where V : struct, ISimdVector<V>
    {
        switch (tileInputs * 8 + tileVectors)
        {
            case 4 * 8 + 4: ChunkedWeightsTile4x4<V>(ref x, xStride, rows, ref dy, width, ref dWeight, first); break;
            case 4 * 8 + 2: ChunkedWeightsTile4x2<V>(ref x, xStride, rows, ref dy, width, ref dWeight, first); break;
            case 4 * 8 + 1: ChunkedWeightsTile4x1<V>(ref x, xStride, rows, ref dy, width, ref dWeight, first); break;
            case 2 * 8 + 4: ChunkedWeightsTile2x4<V>(ref x, xStride, rows, ref dy, width, ref dWeight, first); break;
            case 2 * 8 + 2: ChunkedWeightsTile2x2<V>(ref x, xStride, rows, ref dy, width, ref dWeight, first); break;
            case 2 * 8 + 1: ChunkedWeightsTile2x1<V>(ref x, xStride, rows, ref dy, width, ref dWeight, first); break;
            case 1 * 8 + 4: ChunkedWeightsTile1x4<V>(ref x, xStride, rows, ref dy, width, ref dWeight, first); break;
            case 1 * 8 + 2: ChunkedWeightsTile1x2<V>(ref x, xStride, rows, ref dy, width, ref dWeight, first); break;
            default: ChunkedWeightsTile1x1<V>(ref x, xStride, rows, ref dy, width, ref dWeight, first); break;
        }
    }
}
#endif
