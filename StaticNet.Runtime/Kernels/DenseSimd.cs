using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// The SIMD dense kernels, one generic implementation over the vector width. The sizes have been checked by
/// <see cref="DenseKernels"/>; the width is a multiple of 16, hence of every vector's count, so there are no column
/// remainders. The register tiles themselves are in DenseTiles.g.cs.
/// </summary>
internal static partial class DenseSimd
{
    /// <summary>
    /// Whether the target has 32 vector registers (AVX-512, ARM64) rather than 16 (SSE, AVX2): with 16, the 4-row tiles
    /// would spill their accumulators, so the drivers use 2-row tiles. A JIT-time constant.
    /// </summary>
    private static bool ManyRegisters
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Avx512F.IsSupported || AdvSimd.Arm64.IsSupported;
    }

    /// <summary>
    /// See <see cref="DenseKernels.Forward"/>. The summation order depends on the layer's width only, never on the
    /// number of rows, so a sample's output is the same bits alone or in any batch (see tools/generate-dense-tiles.py).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<V>(ref float x, int rows, int inputs, int xStride, ref float weight, ref float bias,
        ref float y, int width) where V : struct, ISimdVector<V>
    {
        if (width >= 8 * V.Count)
            ForwardSequential<V>(ref x, rows, inputs, xStride, ref weight, ref bias, ref y, width);
        else
            ForwardInterleaved<V>(ref x, rows, inputs, xStride, ref weight, ref bias, ref y, width);
    }

    /// <summary>Forward with one accumulator set per output: bias + x₀w₀ + x₁w₁ + … (layers of 8 vectors or more).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardSequential<V>(ref float x, int rows, int inputs, int xStride, ref float weight, ref float bias,
        ref float y, int width) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, w = width, s = xStride, k = inputs;
        nint vectors = w / n;
        nint r = 0;
        if (ManyRegisters)
        {
            for (; r + 4 <= rows; r += 4)
            {
                ref float xr = ref Unsafe.Add(ref x, r * s);
                ref float yr = ref Unsafe.Add(ref y, r * w);
                nint v = 0;
                for (; v + 4 <= vectors; v += 4)
                    ForwardTile4x4<V>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
                if (v + 2 <= vectors)
                {
                    ForwardTile4x2<V>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
                    v += 2;
                }
                if (v < vectors)
                    ForwardTile4x1<V>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
            }
        }
        for (; r + 2 <= rows; r += 2)
        {
            ref float xr = ref Unsafe.Add(ref x, r * s);
            ref float yr = ref Unsafe.Add(ref y, r * w);
            nint v = 0;
            for (; v + 4 <= vectors; v += 4)
                ForwardTile2x4<V>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
            if (v + 2 <= vectors)
            {
                ForwardTile2x2<V>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
                v += 2;
            }
            if (v < vectors)
                ForwardTile2x1<V>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
        }
        for (; r < rows; r++)
        {
            ref float xr = ref Unsafe.Add(ref x, r * s);
            ref float yr = ref Unsafe.Add(ref y, r * w);
            if (Streams(k, w))
            {
                StreamRow<V>(ref xr, k, ref weight, ref bias, ref yr, w); // with its guard against 4K aliasing
                continue;
            }
            nint v = 0;
            {
                for (; v + 8 <= vectors; v += 8)
                    ForwardTile1x8<V, NoActivation>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
            }
            for (; v + 4 <= vectors; v += 4)
                ForwardTile1x4<V, NoActivation>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
            if (v + 2 <= vectors)
            {
                ForwardTile1x2<V, NoActivation>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
                v += 2;
            }
            if (v < vectors)
                ForwardTile1x1<V, NoActivation>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
        }
    }

    /// <summary>
    /// Whether a lone row of <see cref="ForwardSequential{V}"/> streams the weight matrix in address order
    /// (<see cref="ForwardStream{V}"/>) rather than column panel by column panel: when the matrix (at least 1 MB) is
    /// read from L2 or L3, where panels of 8 vectors down a column, rows 4·width bytes apart, leave the prefetchers
    /// behind (issue 20: batch-1 N → N at N ≥ 512). Tests and benchmarks switch it off with <see cref="StreamDisabled"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Streams(nint inputs, nint width) => inputs * width >= 256 * 1024 && !StreamDisabled;

    /// <summary>Tests and benchmarks switch <see cref="ForwardStream{V}"/> off to compare it with the column panels.</summary>
    [System.ThreadStatic] internal static bool StreamDisabled;

    /// <summary>
    /// One row of <see cref="ForwardSequential{V}"/> reading the weight matrix <c>[inputs, width]</c> in address
    /// order: <c>y = bias</c>, then for each block of eight (then four, then one) inputs one pass along the width adding the four products
    /// to <c>y</c> (kept in L1), blocks of eight inputs (eight sequential streams) first. Each output is the same chain <c>bias + x₀w₀ + x₁w₁ + …</c> in the same order as the
    /// register tiles', so the two agree bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardStream<V>(ref float x, nint inputs, ref float weight, ref float bias, ref float y, nint width)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        StreamBias<V>(ref bias, ref y, width);
        nint k = 0;
        for (; k + 8 <= inputs; k += 8)
        {
            V x0 = V.Broadcast(Unsafe.Add(ref x, k)), x1 = V.Broadcast(Unsafe.Add(ref x, k + 1));
            V x2 = V.Broadcast(Unsafe.Add(ref x, k + 2)), x3 = V.Broadcast(Unsafe.Add(ref x, k + 3));
            V x4 = V.Broadcast(Unsafe.Add(ref x, k + 4)), x5 = V.Broadcast(Unsafe.Add(ref x, k + 5));
            V x6 = V.Broadcast(Unsafe.Add(ref x, k + 6)), x7 = V.Broadcast(Unsafe.Add(ref x, k + 7));
            ref float w0 = ref Unsafe.Add(ref weight, k * width);
            for (nint j = 0; j < width; j += n)
                Stream8<V>(ref Unsafe.Add(ref w0, j), width, ref Unsafe.Add(ref y, j), x0, x1, x2, x3, x4, x5, x6, x7);
        }
        StreamRest<V>(ref x, k, inputs, ref weight, ref y, width);
    }

    /// <summary>Forward with two interleaved accumulator sets per output, even and odd inputs (narrower layers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardInterleaved<V>(ref float x, int rows, int inputs, int xStride, ref float weight, ref float bias,
        ref float y, int width) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, w = width, s = xStride, k = inputs;
        nint vectors = w / n;
        nint r = 0;
        if (ManyRegisters)
        {
            for (; r + 4 <= rows; r += 4)
            {
                ref float xr = ref Unsafe.Add(ref x, r * s);
                ref float yr = ref Unsafe.Add(ref y, r * w);
                nint v = 0;
                for (; v + 2 <= vectors; v += 2)
                    ForwardTile4x2S2<V>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
                if (v < vectors)
                    ForwardTile4x1S2<V>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
            }
        }
        for (; r + 2 <= rows; r += 2)
        {
            ref float xr = ref Unsafe.Add(ref x, r * s);
            ref float yr = ref Unsafe.Add(ref y, r * w);
            nint v = 0;
            if (ManyRegisters)
            {
                for (; v + 4 <= vectors; v += 4)
                    ForwardTile2x4S2<V>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
            }
            for (; v + 2 <= vectors; v += 2)
                ForwardTile2x2S2<V>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
            if (v < vectors)
                ForwardTile2x1S2<V>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
        }
        for (; r < rows; r++)
        {
            ref float xr = ref Unsafe.Add(ref x, r * s);
            ref float yr = ref Unsafe.Add(ref y, r * w);
            nint v = 0;
            for (; v + 4 <= vectors; v += 4)
                ForwardTile1x4S2<V, NoActivation>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
            if (v + 2 <= vectors)
            {
                ForwardTile1x2S2<V, NoActivation>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
                v += 2;
            }
            if (v < vectors)
                ForwardTile1x1S2<V, NoActivation>(ref xr, s, k, ref Unsafe.Add(ref weight, v * n), w, ref Unsafe.Add(ref bias, v * n), ref Unsafe.Add(ref yr, v * n));
        }
    }

    /// <summary>See <see cref="DenseKernels.ForwardStep"/>: per output vector, four accumulator sets (k mod 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ForwardStep<V>(ref float x, int inputs, ref float weight, ref float bias, ref float y, int width)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count, w = width, k = inputs;
        for (nint v = 0; v < w; v += n)
        {
            ref float wv = ref Unsafe.Add(ref weight, v);
            V a0 = V.Load(ref Unsafe.Add(ref bias, v)), a1 = V.Zero, a2 = V.Zero, a3 = V.Zero;
            nint i = 0;
            for (; i + 4 <= k; i += 4)
            {
                ref float wi = ref Unsafe.Add(ref wv, i * w);
                a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref x, i)), ref wi, a0);
                a1 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref x, i + 1)), ref Unsafe.Add(ref wi, w), a1);
                a2 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref x, i + 2)), ref Unsafe.Add(ref wi, 2 * w), a2);
                a3 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref x, i + 3)), ref Unsafe.Add(ref wi, 3 * w), a3);
            }
            for (; i < k; i++)
                a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref x, i)), ref Unsafe.Add(ref wv, i * w), a0);
            V.Store(ref Unsafe.Add(ref y, v), V.Add(V.Add(a0, a1), V.Add(a2, a3)));
        }
    }

    /// <summary>See <see cref="DenseKernels.ForwardDot"/>: per row, two accumulators over the inputs, then one horizontal sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ForwardDot<V>(ref float x, nint rows, nint inputs, nint xStride, ref float weight, float bias, ref float y, nint yStride)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (nint r = 0; r < rows; r++)
        {
            ref float xr = ref Unsafe.Add(ref x, r * xStride);
            V a = V.Zero, b = V.Zero;
            nint k = 0;
            for (; k + 2 * n <= inputs; k += 2 * n)
            {
                a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref xr, k)), ref Unsafe.Add(ref weight, k), a);
                b = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref xr, k + n)), ref Unsafe.Add(ref weight, k + n), b);
            }
            if (k + n <= inputs)
            {
                a = V.MultiplyAdd(V.Load(ref Unsafe.Add(ref xr, k)), ref Unsafe.Add(ref weight, k), a);
                k += n;
            }
            float sum = SimdReduce.Sum(V.Add(a, b));
            for (; k < inputs; k++)
                sum += Unsafe.Add(ref xr, k) * Unsafe.Add(ref weight, k);
            ref float yr = ref Unsafe.Add(ref y, r * yStride);
            yr = bias + sum;
            for (nint j = 1; j < yStride; j++)
                Unsafe.Add(ref yr, j) = 0f;
        }
    }

    /// <summary>See <see cref="DenseKernels.BackwardWeightsDot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeightsDot<V>(ref float x, nint rows, nint inputs, nint xStride, ref float dy, nint dyStride,
        ref float dWeight, ref float dBias) where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        float db = 0;
        for (nint r = 0; r < rows; r++)
        {
            float d = Unsafe.Add(ref dy, r * dyStride);
            db += d;
            V dv = V.Broadcast(d);
            ref float xr = ref Unsafe.Add(ref x, r * xStride);
            nint k = 0;
            for (; k + n <= inputs; k += n)
            {
                ref float dw = ref Unsafe.Add(ref dWeight, k);
                V.Store(ref dw, V.MultiplyAdd(dv, V.Load(ref Unsafe.Add(ref xr, k)), V.Load(ref dw)));
            }
            for (; k < inputs; k++)
                Unsafe.Add(ref dWeight, k) += d * Unsafe.Add(ref xr, k);
        }
        dBias += db;
    }

    /// <summary>See <see cref="DenseKernels.BackwardInputDot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInputDot<V>(ref float dy, nint rows, nint dyStride, ref float weight, nint inputs, ref float dx, nint dxStride)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (nint r = 0; r < rows; r++)
        {
            float d = Unsafe.Add(ref dy, r * dyStride);
            V dv = V.Broadcast(d);
            ref float dxr = ref Unsafe.Add(ref dx, r * dxStride);
            nint k = 0;
            for (; k + n <= inputs; k += n)
                V.Store(ref Unsafe.Add(ref dxr, k), V.Multiply(dv, V.Load(ref Unsafe.Add(ref weight, k))));
            for (; k < inputs; k++)
                Unsafe.Add(ref dxr, k) = d * Unsafe.Add(ref weight, k);
        }
    }

    /// <summary>See <see cref="DenseKernels.BackwardBias"/>; also the bias part of <see cref="BackwardWeights{V}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardBias<V>(ref float dy, int rows, int width, ref float dBias, bool fresh) where V : struct, ISimdVector<V>
    {
        // dBias += column sums of dy (from +0 when fresh, as a cleared gradient's: the same bits).
        nint n = V.Count, w = width, m = rows;
        for (nint v = 0; v < w / n; v++)
        {
            ref float b = ref Unsafe.Add(ref dBias, v * n);
            ref float d = ref Unsafe.Add(ref dy, v * n);
            V sum = fresh ? V.Zero : V.Load(ref b);
            for (nint r = 0; r < m; r++)
                sum = V.Add(sum, V.Load(ref Unsafe.Add(ref d, r * w)));
            V.Store(ref b, sum);
        }
    }

    /// <summary>See <see cref="DenseKernels.BackwardWeights(System.ReadOnlySpan{float}, int, int, int, System.ReadOnlySpan{float}, int, System.Span{float}, System.Span{float}, bool)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeights<V>(ref float x, int rows, int inputs, int xStride, ref float dy, int width,
        ref float dWeight, ref float dBias, bool fresh) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, w = width, s = xStride, m = rows, inputCount = inputs;
        nint vectors = w / n;

        BackwardBias<V>(ref dy, rows, width, ref dBias, fresh);

        // Mostly zero deltas (behind a ReLU): skip them, same bits (DenseSimdSparse.cs).
        if (fresh && TryBackwardWeightsSparse<V>(ref x, m, inputCount, s, ref dy, w, ref dWeight)) return;

        nint tileK = ManyRegisters ? 4 : 2;
        nint vb = 0;
        while (vb < vectors)
        {
            nint tileV = vectors - vb >= 4 ? 4 : vectors - vb >= 2 ? 2 : 1;
            ref float dyv = ref Unsafe.Add(ref dy, vb * n);
            nint k = 0;
            for (; k + tileK <= inputCount; k += tileK)
            {
                ref float xk = ref Unsafe.Add(ref x, k);
                ref float dw = ref Unsafe.Add(ref dWeight, k * w + vb * n);
                if (tileK == 4)
                {
                    if (tileV == 4) BackwardWeightsTile4x4<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
                    else if (tileV == 2) BackwardWeightsTile4x2<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
                    else BackwardWeightsTile4x1<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
                }
                else
                {
                    if (tileV == 4) BackwardWeightsTile2x4<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
                    else if (tileV == 2) BackwardWeightsTile2x2<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
                    else BackwardWeightsTile2x1<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
                }
            }
            for (; k + 2 <= inputCount; k += 2)
            {
                ref float xk = ref Unsafe.Add(ref x, k);
                ref float dw = ref Unsafe.Add(ref dWeight, k * w + vb * n);
                if (tileV == 4) BackwardWeightsTile2x4<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
                else if (tileV == 2) BackwardWeightsTile2x2<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
                else BackwardWeightsTile2x1<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
            }
            for (; k < inputCount; k++)
            {
                ref float xk = ref Unsafe.Add(ref x, k);
                ref float dw = ref Unsafe.Add(ref dWeight, k * w + vb * n);
                if (tileV == 4) BackwardWeightsTile1x4<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
                else if (tileV == 2) BackwardWeightsTile1x2<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
                else BackwardWeightsTile1x1<V>(ref xk, s, m, ref dyv, w, ref dw, fresh);
            }
            vb += tileV;
        }
    }

    /// <summary>See <see cref="DenseKernels.BackwardInput"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInput<V>(ref float dy, int rows, int width, ref float weight, int inputs, ref float dx,
        int dxStride) where V : struct, ISimdVector<V>
    {
        // k outer, rows inner: each block of weight rows is read from L2 once and stays in L1 while every row of dy
        // (small, L1-resident) is dotted with it.
        nint w = width, s = dxStride, m = rows, inputCount = inputs;
        nint tileR = ManyRegisters ? 4 : 2;
        nint k = 0;
        while (k < inputCount)
        {
            nint inputsLeft = inputCount - k;
            nint tk = inputsLeft >= 4 ? 4 : inputsLeft >= 2 ? 2 : 1;
            ref float wk = ref Unsafe.Add(ref weight, k * w);
            nint r = 0;
            for (; r + tileR <= m; r += tileR)
                BackwardInputTile<V>(tileR, tk, ref Unsafe.Add(ref dy, r * w), w, ref wk, ref Unsafe.Add(ref dx, r * s + k), s);
            for (; r + 2 <= m; r += 2)
                BackwardInputTile<V>(2, tk, ref Unsafe.Add(ref dy, r * w), w, ref wk, ref Unsafe.Add(ref dx, r * s + k), s);
            for (; r < m; r++)
                BackwardInputTile<V>(1, tk, ref Unsafe.Add(ref dy, r * w), w, ref wk, ref Unsafe.Add(ref dx, r * s + k), s);
            k += tk;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardInputTile<V>(nint tileRows, nint tileInputs, ref float dy, nint width, ref float weight,
        ref float dx, nint dxStride) where V : struct, ISimdVector<V>
    {
        switch (tileRows * 8 + tileInputs)
        {
            case 4 * 8 + 4: BackwardInputTile4x4<V>(ref dy, width, ref weight, ref dx, dxStride); break;
            case 4 * 8 + 2: BackwardInputTile4x2<V>(ref dy, width, ref weight, ref dx, dxStride); break;
            case 4 * 8 + 1: BackwardInputTile4x1<V>(ref dy, width, ref weight, ref dx, dxStride); break;
            case 2 * 8 + 4: BackwardInputTile2x4<V>(ref dy, width, ref weight, ref dx, dxStride); break;
            case 2 * 8 + 2: BackwardInputTile2x2<V>(ref dy, width, ref weight, ref dx, dxStride); break;
            case 2 * 8 + 1: BackwardInputTile2x1<V>(ref dy, width, ref weight, ref dx, dxStride); break;
            case 1 * 8 + 4: BackwardInputTile1x4<V>(ref dy, width, ref weight, ref dx, dxStride); break;
            case 1 * 8 + 2: BackwardInputTile1x2<V>(ref dy, width, ref weight, ref dx, dxStride); break;
            default: BackwardInputTile1x1<V>(ref dy, width, ref weight, ref dx, dxStride); break;
        }
    }
}
