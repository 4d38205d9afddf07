#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// The vector batch-norm kernels: one block of <c>V.Count</c> channels at a time, over the <c>count</c> elements of
/// each channel (<c>channels</c> floats apart). Sums run in four interleaved float accumulators.
/// </summary>
internal static class BatchNormSimd
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardTraining<V>(ref float x, nint count, nint channels, ref float weight, ref float bias,
        ref float runningMean, ref float runningVar, float momentum, float epsilon, ref float normalized,
        ref float inverseStd, ref float y, bool deferred = false) where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        V inverseCount = V.Broadcast(1f / count);
        V keep = V.Broadcast(1f - momentum), take = V.Broadcast(momentum), unbias = V.Broadcast((float)count / (count - 1));
        V eps = V.Broadcast(epsilon), one = V.Broadcast(1f);
        for (nint c = 0; c < channels; c += n)
        {
            ref float xc = ref Unsafe.Add(ref x, c);
            V s0 = V.Zero, s1 = V.Zero, s2 = V.Zero, s3 = V.Zero;
            nint i = 0;
            for (; i + 4 <= count; i += 4)
            {
                s0 = V.Add(s0, V.Load(ref Unsafe.Add(ref xc, i * channels)));
                s1 = V.Add(s1, V.Load(ref Unsafe.Add(ref xc, (i + 1) * channels)));
                s2 = V.Add(s2, V.Load(ref Unsafe.Add(ref xc, (i + 2) * channels)));
                s3 = V.Add(s3, V.Load(ref Unsafe.Add(ref xc, (i + 3) * channels)));
            }
            for (; i < count; i++)
                s0 = V.Add(s0, V.Load(ref Unsafe.Add(ref xc, i * channels)));
            V mean = V.Multiply(V.Add(V.Add(s0, s1), V.Add(s2, s3)), inverseCount);
            s0 = s1 = s2 = s3 = V.Zero;
            i = 0;
            for (; i + 4 <= count; i += 4)
            {
                V d0 = V.Subtract(V.Load(ref Unsafe.Add(ref xc, i * channels)), mean);
                V d1 = V.Subtract(V.Load(ref Unsafe.Add(ref xc, (i + 1) * channels)), mean);
                V d2 = V.Subtract(V.Load(ref Unsafe.Add(ref xc, (i + 2) * channels)), mean);
                V d3 = V.Subtract(V.Load(ref Unsafe.Add(ref xc, (i + 3) * channels)), mean);
                s0 = V.MultiplyAdd(d0, d0, s0); s1 = V.MultiplyAdd(d1, d1, s1); s2 = V.MultiplyAdd(d2, d2, s2); s3 = V.MultiplyAdd(d3, d3, s3);
            }
            for (; i < count; i++)
            {
                V d = V.Subtract(V.Load(ref Unsafe.Add(ref xc, i * channels)), mean);
                s0 = V.MultiplyAdd(d, d, s0);
            }
            V variance = V.Multiply(V.Add(V.Add(s0, s1), V.Add(s2, s3)), inverseCount);
            V invStd = V.Divide(one, V.Sqrt(V.Add(variance, eps)));
            V.Store(ref Unsafe.Add(ref inverseStd, c), invStd);
            ref float rm = ref Unsafe.Add(ref runningMean, c);
            ref float rv = ref Unsafe.Add(ref runningVar, c);
            if (deferred)
            {
                V.Store(ref rm, mean); // the batch's statistics, for UpdateRunning later
                V.Store(ref rv, V.Multiply(variance, unbias));
            }
            else
            {
                V.Store(ref rm, V.Add(V.Multiply(keep, V.Load(ref rm)), V.Multiply(take, mean)));
                V.Store(ref rv, V.Add(V.Multiply(keep, V.Load(ref rv)), V.Multiply(take, V.Multiply(variance, unbias))));
            }
            V gamma = V.Load(ref Unsafe.Add(ref weight, c)), beta = V.Load(ref Unsafe.Add(ref bias, c));
            ref float nc = ref Unsafe.Add(ref normalized, c);
            ref float yc = ref Unsafe.Add(ref y, c);
            for (i = 0; i < count; i++)
            {
                V xhat = V.Multiply(V.Subtract(V.Load(ref Unsafe.Add(ref xc, i * channels)), mean), invStd);
                V.Store(ref Unsafe.Add(ref nc, i * channels), xhat);
                V.Store(ref Unsafe.Add(ref yc, i * channels), V.MultiplyAdd(gamma, xhat, beta));
            }
        }
    }

    /// <summary>The running statistics' update from a batch's mean and unbiased variance, as <see cref="ForwardTraining{V}"/> does it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UpdateRunning<V>(nint channels, ref float runningMean, ref float runningVar, ref float batchMean,
        ref float batchVariance, float momentum) where V : struct, ISimdVector<V>
    {
        V keep = V.Broadcast(1f - momentum), take = V.Broadcast(momentum);
        for (nint c = 0; c < channels; c += V.Count)
        {
            ref float rm = ref Unsafe.Add(ref runningMean, c);
            ref float rv = ref Unsafe.Add(ref runningVar, c);
            V.Store(ref rm, V.Add(V.Multiply(keep, V.Load(ref rm)), V.Multiply(take, V.Load(ref Unsafe.Add(ref batchMean, c)))));
            V.Store(ref rv, V.Add(V.Multiply(keep, V.Load(ref rv)), V.Multiply(take, V.Load(ref Unsafe.Add(ref batchVariance, c)))));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardInference<V>(ref float x, nint count, nint channels, ref float weight, ref float bias,
        ref float runningMean, ref float runningVar, float epsilon, ref float y) where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        V eps = V.Broadcast(epsilon);
        for (nint c = 0; c < channels; c += n)
        {
            V scale = V.Divide(V.Load(ref Unsafe.Add(ref weight, c)), V.Sqrt(V.Add(V.Load(ref Unsafe.Add(ref runningVar, c)), eps)));
            V shift = V.Subtract(V.Load(ref Unsafe.Add(ref bias, c)), V.Multiply(V.Load(ref Unsafe.Add(ref runningMean, c)), scale));
            ref float xc = ref Unsafe.Add(ref x, c);
            ref float yc = ref Unsafe.Add(ref y, c);
            for (nint i = 0; i < count; i++)
                V.Store(ref Unsafe.Add(ref yc, i * channels), V.MultiplyAdd(V.Load(ref Unsafe.Add(ref xc, i * channels)), scale, shift));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<V>(ref float dy, nint count, nint channels, ref float weight, ref float normalized,
        ref float inverseStd, ref float dWeight, ref float dBias, ref float dx) where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        V inverseCount = V.Broadcast(1f / count);
        for (nint c = 0; c < channels; c += n)
        {
            ref float dyc = ref Unsafe.Add(ref dy, c);
            ref float nc = ref Unsafe.Add(ref normalized, c);
            V g0 = V.Zero, g1 = V.Zero, h0 = V.Zero, h1 = V.Zero;
            nint i = 0;
            for (; i + 2 <= count; i += 2)
            {
                V d0 = V.Load(ref Unsafe.Add(ref dyc, i * channels)), d1 = V.Load(ref Unsafe.Add(ref dyc, (i + 1) * channels));
                g0 = V.Add(g0, d0); g1 = V.Add(g1, d1);
                h0 = V.MultiplyAdd(d0, V.Load(ref Unsafe.Add(ref nc, i * channels)), h0);
                h1 = V.MultiplyAdd(d1, V.Load(ref Unsafe.Add(ref nc, (i + 1) * channels)), h1);
            }
            for (; i < count; i++)
            {
                V d = V.Load(ref Unsafe.Add(ref dyc, i * channels));
                g0 = V.Add(g0, d);
                h0 = V.MultiplyAdd(d, V.Load(ref Unsafe.Add(ref nc, i * channels)), h0);
            }
            V sumDy = V.Add(g0, g1), sumDyXhat = V.Add(h0, h1);
            ref float db = ref Unsafe.Add(ref dBias, c);
            ref float dw = ref Unsafe.Add(ref dWeight, c);
            V.Store(ref db, V.Add(V.Load(ref db), sumDy));
            V.Store(ref dw, V.Add(V.Load(ref dw), sumDyXhat));
            V scale = V.Multiply(V.Load(ref Unsafe.Add(ref weight, c)), V.Load(ref Unsafe.Add(ref inverseStd, c)));
            V meanDy = V.Multiply(sumDy, inverseCount), meanDyXhat = V.Multiply(sumDyXhat, inverseCount);
            ref float dxc = ref Unsafe.Add(ref dx, c);
            for (i = 0; i < count; i++)
            {
                V d = V.Load(ref Unsafe.Add(ref dyc, i * channels));
                V xhat = V.Load(ref Unsafe.Add(ref nc, i * channels));
                V.Store(ref Unsafe.Add(ref dxc, i * channels),
                    V.Multiply(scale, V.Subtract(V.Subtract(d, meanDy), V.Multiply(xhat, meanDyXhat))));
            }
        }
    }
}
#endif
