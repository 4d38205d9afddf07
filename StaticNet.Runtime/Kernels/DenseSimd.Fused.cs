#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;
using StaticNet.Optimizers;

namespace StaticNet.Kernels;

internal static partial class DenseSimd
{
    /// <summary>
    /// <see cref="BackwardWeights{V}"/> with Adam's (or AdamW's) update of the weights fused in: as each register tile of
    /// dW is finished it is stored to <paramref name="dWeight"/>, and the tile's weights, m and v are updated from it at
    /// once (<see cref="AdamMoments.UpdateVector{V, F}"/>), so that out-of-order execution runs the update's square roots
    /// and divisions (one divider) under the next tile's multiply-adds. The tiles and their order are those of
    /// <see cref="BackwardWeights{V}"/>, so dW, db and the updated weights are the same bits as the kernel followed by the
    /// optimizer's step. <paramref name="weight"/>, <paramref name="m"/> and <paramref name="v"/> have dW's layout.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeightsAdam<V, F>(ref float x, int rows, int inputs, int xStride, ref float dy, int width,
        ref float dWeight, ref float dBias, ref float weight, ref float m, ref float v, in AdamMoments.Coefficients coefficients)
        where V : struct, ISimdVector<V>
        where F : struct, IFlushPolicy
    {
        nint n = V.Count, w = width, s = xStride, rowCount = rows, inputCount = inputs;
        nint vectors = w / n;

        // dBias += column sums of dy (as BackwardWeights).
        for (nint c = 0; c < vectors; c++)
        {
            ref float b = ref Unsafe.Add(ref dBias, c * n);
            ref float d = ref Unsafe.Add(ref dy, c * n);
            V sum = V.Load(ref b);
            for (nint r = 0; r < rowCount; r++)
                sum = V.Add(sum, V.Load(ref Unsafe.Add(ref d, r * w)));
            V.Store(ref b, sum);
        }

        var update = new AdamMoments.Broadcast<V>(coefficients);
        nint tileK = ManyRegisters ? 4 : 2;
        nint vb = 0;
        while (vb < vectors)
        {
            nint tileV = vectors - vb >= 4 ? 4 : vectors - vb >= 2 ? 2 : 1;
            ref float dyv = ref Unsafe.Add(ref dy, vb * n);
            nint k = 0;
            while (k < inputCount)
            {
                nint tk = inputCount - k >= tileK ? tileK : inputCount - k >= 2 ? 2 : 1;
                ref float xk = ref Unsafe.Add(ref x, k);
                nint offset = k * w + vb * n;
                ref float dw = ref Unsafe.Add(ref dWeight, offset);
                switch (tk * 8 + tileV)
                {
                    case 4 * 8 + 4: BackwardWeightsTile4x4<V>(ref xk, s, rowCount, ref dyv, w, ref dw); break;
                    case 4 * 8 + 2: BackwardWeightsTile4x2<V>(ref xk, s, rowCount, ref dyv, w, ref dw); break;
                    case 4 * 8 + 1: BackwardWeightsTile4x1<V>(ref xk, s, rowCount, ref dyv, w, ref dw); break;
                    case 2 * 8 + 4: BackwardWeightsTile2x4<V>(ref xk, s, rowCount, ref dyv, w, ref dw); break;
                    case 2 * 8 + 2: BackwardWeightsTile2x2<V>(ref xk, s, rowCount, ref dyv, w, ref dw); break;
                    case 2 * 8 + 1: BackwardWeightsTile2x1<V>(ref xk, s, rowCount, ref dyv, w, ref dw); break;
                    case 1 * 8 + 4: BackwardWeightsTile1x4<V>(ref xk, s, rowCount, ref dyv, w, ref dw); break;
                    case 1 * 8 + 2: BackwardWeightsTile1x2<V>(ref xk, s, rowCount, ref dyv, w, ref dw); break;
                    default: BackwardWeightsTile1x1<V>(ref xk, s, rowCount, ref dyv, w, ref dw); break;
                }
                // The tile's gradient is final: update its weights now, under the next tile's multiply-adds.
                for (nint i = 0; i < tk; i++)
                    for (nint j = 0; j < tileV; j++)
                        AdamMoments.UpdateVector<V, F>(ref weight, ref dWeight, ref m, ref v, offset + i * w + j * n, in update);
                k += tk;
            }
            vb += tileV;
        }
    }
}
#endif
