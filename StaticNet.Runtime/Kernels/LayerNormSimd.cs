#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// The vector layer-norm kernels: one row of <c>stride</c> floats at a time. The last vector of a row may hold padding,
/// which a 0/1 mask keeps out of the variance and out of x̂ and dx.
/// </summary>
internal static class LayerNormSimd
{
    /// <summary>1 for the first 64 lanes, 0 for the next 64: the mask of a vector starting <c>k</c> lanes before the end is at <c>64 − k</c>.</summary>
    private static readonly float[] s_mask = CreateMask();

    private static float[] CreateMask()
    {
        var mask = new float[128];
        for (int i = 0; i < 64; i++) mask[i] = 1f;
        return mask;
    }

    /// <summary>The mask of the vector at <paramref name="c"/>: 1 for lanes below <paramref name="features"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Mask<V>(nint c, nint features) where V : struct, ISimdVector<V>
    {
        nint real = features - c; // lanes of this vector that hold features: ≥ 1, < V.Count
        return V.Load(ref s_mask[64 - (int)real]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<V>(ref float x, nint count, nint features, nint stride, ref float weight, ref float bias,
        float epsilon, ref float normalized, ref float inverseStd, ref float y, bool save) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, full = features / n * n;
        float inverseFeatures = 1f / features;
        for (nint r = 0; r < count; r++)
        {
            ref float xr = ref Unsafe.Add(ref x, r * stride);
            V s0 = V.Zero, s1 = V.Zero;
            nint c = 0;
            for (; c + 2 * n <= stride; c += 2 * n)
            {
                s0 = V.Add(s0, V.Load(ref Unsafe.Add(ref xr, c)));
                s1 = V.Add(s1, V.Load(ref Unsafe.Add(ref xr, c + n)));
            }
            for (; c < stride; c += n)
                s0 = V.Add(s0, V.Load(ref Unsafe.Add(ref xr, c)));
            float meanValue = SimdReduce.Sum(V.Add(s0, s1)) * inverseFeatures;
            V mean = V.Broadcast(meanValue);
            s0 = V.Zero;
            s1 = V.Zero;
            for (c = 0; c < full; c += n)
            {
                V d = V.Subtract(V.Load(ref Unsafe.Add(ref xr, c)), mean);
                s0 = V.MultiplyAdd(d, d, s0);
            }
            if (full < features)
            {
                V d = V.Multiply(V.Subtract(V.Load(ref Unsafe.Add(ref xr, full)), mean), Mask<V>(full, features));
                s1 = V.MultiplyAdd(d, d, s1);
            }
            float variance = SimdReduce.Sum(V.Add(s0, s1)) * inverseFeatures;
            float invStdValue = 1f / System.MathF.Sqrt(variance + epsilon);
            if (save) Unsafe.Add(ref inverseStd, r) = invStdValue;
            V invStd = V.Broadcast(invStdValue);
            ref float yr = ref Unsafe.Add(ref y, r * stride);
            ref float nr = ref Unsafe.Add(ref normalized, r * stride);
            for (c = 0; c < stride; c += n)
            {
                V xhat = V.Multiply(V.Subtract(V.Load(ref Unsafe.Add(ref xr, c)), mean), invStd);
                if (c >= full) xhat = V.Multiply(xhat, c < features ? Mask<V>(c, features) : V.Zero);
                if (save) V.Store(ref Unsafe.Add(ref nr, c), xhat);
                V.Store(ref Unsafe.Add(ref yr, c), V.MultiplyAdd(V.Load(ref Unsafe.Add(ref weight, c)), xhat, V.Load(ref Unsafe.Add(ref bias, c))));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<V>(ref float dy, nint count, nint features, nint stride, ref float weight, ref float normalized,
        ref float inverseStd, ref float dWeight, ref float dBias, ref float dx) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, full = features / n * n;
        float inverseFeatures = 1f / features;
        for (nint r = 0; r < count; r++)
        {
            ref float dyr = ref Unsafe.Add(ref dy, r * stride);
            ref float nr = ref Unsafe.Add(ref normalized, r * stride);
            ref float dxr = ref Unsafe.Add(ref dx, r * stride);
            V sumG = V.Zero, sumGx = V.Zero;
            for (nint c = 0; c < stride; c += n)
            {
                V d = V.Load(ref Unsafe.Add(ref dyr, c)), xhat = V.Load(ref Unsafe.Add(ref nr, c));
                V g = V.Multiply(V.Load(ref Unsafe.Add(ref weight, c)), d);
                sumG = V.Add(sumG, g);
                sumGx = V.MultiplyAdd(g, xhat, sumGx);
                ref float dw = ref Unsafe.Add(ref dWeight, c);
                ref float db = ref Unsafe.Add(ref dBias, c);
                V.Store(ref dw, V.MultiplyAdd(d, xhat, V.Load(ref dw)));
                V.Store(ref db, V.Add(V.Load(ref db), d));
            }
            V meanG = V.Broadcast(SimdReduce.Sum(sumG) * inverseFeatures), meanGx = V.Broadcast(SimdReduce.Sum(sumGx) * inverseFeatures);
            V invStd = V.Broadcast(Unsafe.Add(ref inverseStd, r));
            for (nint c = 0; c < stride; c += n)
            {
                V g = V.Multiply(V.Load(ref Unsafe.Add(ref weight, c)), V.Load(ref Unsafe.Add(ref dyr, c)));
                V xhat = V.Load(ref Unsafe.Add(ref nr, c));
                V result = V.Multiply(V.Subtract(V.Subtract(g, meanG), V.Multiply(xhat, meanGx)), invStd);
                if (c >= full) result = V.Multiply(result, c < features ? Mask<V>(c, features) : V.Zero);
                V.Store(ref Unsafe.Add(ref dxr, c), result);
            }
        }
    }
}
#endif
