#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>The vector loops of <see cref="SequenceKernels"/>: whole vectors only (every length is a multiple of 16).</summary>
internal static class SequenceSimd
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddToEachRow<V>(ref float x, nint rows, nint length, ref float table, ref float y) where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (nint r = 0; r < rows; r++)
        {
            ref float xr = ref Unsafe.Add(ref x, r * length);
            ref float yr = ref Unsafe.Add(ref y, r * length);
            for (nint i = 0; i < length; i += n)
                V.Store(ref Unsafe.Add(ref yr, i), V.Add(V.Load(ref Unsafe.Add(ref xr, i)), V.Load(ref Unsafe.Add(ref table, i))));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateRows<V>(ref float dy, nint rows, nint length, ref float sum) where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (nint i = 0; i < length; i += n)
        {
            V s = V.Load(ref Unsafe.Add(ref sum, i));
            for (nint r = 0; r < rows; r++)
                s = V.Add(s, V.Load(ref Unsafe.Add(ref dy, r * length + i)));
            V.Store(ref Unsafe.Add(ref sum, i), s);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MeanOverSteps<V>(ref float x, nint rows, nint steps, nint stride, ref float y) where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        V scale = V.Broadcast(1f / steps);
        for (nint r = 0; r < rows; r++)
        {
            ref float xr = ref Unsafe.Add(ref x, r * steps * stride);
            for (nint c = 0; c < stride; c += n)
            {
                V s = V.Zero;
                for (nint t = 0; t < steps; t++)
                    s = V.Add(s, V.Load(ref Unsafe.Add(ref xr, t * stride + c)));
                V.Store(ref Unsafe.Add(ref y, r * stride + c), V.Multiply(s, scale));
            }
        }
    }
}
#endif
