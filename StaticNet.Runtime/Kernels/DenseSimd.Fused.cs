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
        // The tile whose gradient is final but whose weights are not updated yet: its offset and shape (0 vectors: none).
        nint pending = 0, pendingK = 0, pendingV = 0;
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
                if (tk * 8 + tileV == 4 * 8 + 4 && pendingK * 8 + pendingV == 4 * 8 + 4)
                {
                    // The common case: the previous 4 × 4 tile's update, a vector every other row of this tile's multiply-adds,
                    // so that the divider works alongside the FMA pipes and the schedulers never fill with waiting updates.
                    BackwardWeightsTile4x4Updating<V, F>(ref xk, s, rowCount, ref dyv, w, ref dw, ref weight, ref dWeight, ref m, ref v, pending, in update);
                }
                else
                {
                    UpdateTile<V, F>(ref weight, ref dWeight, ref m, ref v, pending, pendingK, pendingV, w, in update);
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
                }
                pending = offset; pendingK = tk; pendingV = tileV;
                k += tk;
            }
            vb += tileV;
        }
        UpdateTile<V, F>(ref weight, ref dWeight, ref m, ref v, pending, pendingK, pendingV, w, in update);
    }

    /// <summary>Updates the weights of a finished tile of <paramref name="tileK"/> rows × <paramref name="tileV"/> vectors at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateTile<V, F>(ref float weight, ref float dWeight, ref float m, ref float v, nint offset, nint tileK, nint tileV,
        nint width, in AdamMoments.Broadcast<V> update)
        where V : struct, ISimdVector<V>
        where F : struct, IFlushPolicy
    {
        for (nint i = 0; i < tileK; i++)
            for (nint j = 0; j < tileV; j++)
                AdamMoments.UpdateVector<V, F>(ref weight, ref dWeight, ref m, ref v, offset + i * width + j * V.Count, in update);
    }

    /// <summary>
    /// <c>BackwardWeightsTile4x4</c> (dW += xᵀ·dy for 4 inputs × 4 vectors over all rows, the same chains of multiply-adds)
    /// with the update of the previous 4 × 4 tile, at <paramref name="pending"/>, spread over its rows: one vector after
    /// every second row, the rest after the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardWeightsTile4x4Updating<V, F>(ref float x, nint xStride, nint rows, ref float dy, nint width,
        ref float dWeight, ref float weight, ref float gradient, ref float m, ref float v, nint pending, in AdamMoments.Broadcast<V> update)
        where V : struct, ISimdVector<V>
        where F : struct, IFlushPolicy
    {
        nint n = V.Count;
        V a00 = V.Load(ref dWeight); V a01 = V.Load(ref Unsafe.Add(ref dWeight, n)); V a02 = V.Load(ref Unsafe.Add(ref dWeight, 2 * n)); V a03 = V.Load(ref Unsafe.Add(ref dWeight, 3 * n));
        V a10 = V.Load(ref Unsafe.Add(ref dWeight, width)); V a11 = V.Load(ref Unsafe.Add(ref dWeight, width + n)); V a12 = V.Load(ref Unsafe.Add(ref dWeight, width + 2 * n)); V a13 = V.Load(ref Unsafe.Add(ref dWeight, width + 3 * n));
        V a20 = V.Load(ref Unsafe.Add(ref dWeight, 2 * width)); V a21 = V.Load(ref Unsafe.Add(ref dWeight, 2 * width + n)); V a22 = V.Load(ref Unsafe.Add(ref dWeight, 2 * width + 2 * n)); V a23 = V.Load(ref Unsafe.Add(ref dWeight, 2 * width + 3 * n));
        V a30 = V.Load(ref Unsafe.Add(ref dWeight, 3 * width)); V a31 = V.Load(ref Unsafe.Add(ref dWeight, 3 * width + n)); V a32 = V.Load(ref Unsafe.Add(ref dWeight, 3 * width + 2 * n)); V a33 = V.Load(ref Unsafe.Add(ref dWeight, 3 * width + 3 * n));
        ref float xr = ref x;
        ref float dyr = ref dy;
        nint u = 0; // the previous tile's vectors updated so far
        for (nint r = 0; r < rows; r++)
        {
            V d0 = V.Load(ref dyr);
            V d1 = V.Load(ref Unsafe.Add(ref dyr, n));
            V d2 = V.Load(ref Unsafe.Add(ref dyr, 2 * n));
            V d3 = V.Load(ref Unsafe.Add(ref dyr, 3 * n));
            V s0 = V.Broadcast(Unsafe.Add(ref xr, 0));
            a00 = V.MultiplyAdd(d0, s0, a00); a01 = V.MultiplyAdd(d1, s0, a01); a02 = V.MultiplyAdd(d2, s0, a02); a03 = V.MultiplyAdd(d3, s0, a03);
            V s1 = V.Broadcast(Unsafe.Add(ref xr, 1));
            a10 = V.MultiplyAdd(d0, s1, a10); a11 = V.MultiplyAdd(d1, s1, a11); a12 = V.MultiplyAdd(d2, s1, a12); a13 = V.MultiplyAdd(d3, s1, a13);
            V s2 = V.Broadcast(Unsafe.Add(ref xr, 2));
            a20 = V.MultiplyAdd(d0, s2, a20); a21 = V.MultiplyAdd(d1, s2, a21); a22 = V.MultiplyAdd(d2, s2, a22); a23 = V.MultiplyAdd(d3, s2, a23);
            V s3 = V.Broadcast(Unsafe.Add(ref xr, 3));
            a30 = V.MultiplyAdd(d0, s3, a30); a31 = V.MultiplyAdd(d1, s3, a31); a32 = V.MultiplyAdd(d2, s3, a32); a33 = V.MultiplyAdd(d3, s3, a33);
            xr = ref Unsafe.Add(ref xr, xStride);
            dyr = ref Unsafe.Add(ref dyr, width);
            if ((r & 1) != 0 && u < 16)
            {
                AdamMoments.UpdateVector<V, F>(ref weight, ref gradient, ref m, ref v, pending + (u >> 2) * width + (u & 3) * n, in update);
                u++;
            }
        }
        for (; u < 16; u++)
            AdamMoments.UpdateVector<V, F>(ref weight, ref gradient, ref m, ref v, pending + (u >> 2) * width + (u & 3) * n, in update);
        V.Store(ref dWeight, a00);
        V.Store(ref Unsafe.Add(ref dWeight, n), a01);
        V.Store(ref Unsafe.Add(ref dWeight, 2 * n), a02);
        V.Store(ref Unsafe.Add(ref dWeight, 3 * n), a03);
        V.Store(ref Unsafe.Add(ref dWeight, width), a10);
        V.Store(ref Unsafe.Add(ref dWeight, width + n), a11);
        V.Store(ref Unsafe.Add(ref dWeight, width + 2 * n), a12);
        V.Store(ref Unsafe.Add(ref dWeight, width + 3 * n), a13);
        V.Store(ref Unsafe.Add(ref dWeight, 2 * width), a20);
        V.Store(ref Unsafe.Add(ref dWeight, 2 * width + n), a21);
        V.Store(ref Unsafe.Add(ref dWeight, 2 * width + 2 * n), a22);
        V.Store(ref Unsafe.Add(ref dWeight, 2 * width + 3 * n), a23);
        V.Store(ref Unsafe.Add(ref dWeight, 3 * width), a30);
        V.Store(ref Unsafe.Add(ref dWeight, 3 * width + n), a31);
        V.Store(ref Unsafe.Add(ref dWeight, 3 * width + 2 * n), a32);
        V.Store(ref Unsafe.Add(ref dWeight, 3 * width + 3 * n), a33);
    }
}
#endif
