using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
#if NET8_0_OR_GREATER
using System.Runtime.Intrinsics;
#endif

namespace StaticNet.Optimizers;

/// <summary>
/// The first and second moment estimates of <see cref="Adam"/> and <see cref="AdamW"/>, and the fused update both
/// share. One pass reads each parameter, gradient and moment once and writes each once.
/// </summary>
internal sealed class AdamMoments
{
    private readonly float[] _first;   // m, the running mean of the gradient
    private readonly float[] _second;  // v, the running mean of the squared gradient

    public AdamMoments(int parameterCount)
    {
        _first = new float[parameterCount];
        _second = new float[parameterCount];
    }

    /// <summary>
    /// One Adam step, as <c>torch.optim.Adam</c>/<c>AdamW</c> (single-tensor, amsgrad off):
    /// <code>
    /// g = scale · gradient + l2Decay · p
    /// p = decayFactor · p
    /// m = β1 · m + (1 − β1) · g
    /// v = β2 · v + (1 − β2) · g²
    /// p = p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
    /// </code>
    /// Adam passes its weight decay as <paramref name="l2Decay"/> and 1 as <paramref name="decayFactor"/>; AdamW passes
    /// 0 and <c>1 − lr · weightDecay</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float scale, long step,
        float learningRate, float beta1, float beta2, float epsilon, float l2Decay, float decayFactor)
    {
        // As PyTorch, the bias corrections are computed in double precision, then used as float scalars.
        double biasCorrection1 = 1.0 - Math.Pow(beta1, step);
        double biasCorrection2 = 1.0 - Math.Pow(beta2, step);
        float negativeStepSize = (float)(-learningRate / biasCorrection1);
        float inverseCorrection2Sqrt = (float)(1.0 / Math.Sqrt(biasCorrection2));
        float oneMinusBeta1 = (float)(1.0 - beta1);
        float oneMinusBeta2 = (float)(1.0 - beta2);

        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref Compat.GetArrayDataReference(_first);
        ref float v = ref Compat.GetArrayDataReference(_second);
        nuint n = (nuint)parameters.Length;
        nuint i = 0;

        // The JIT keeps only the widest accelerated branch; the scalar loop finishes the tail.
#if NET8_0_OR_GREATER
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
            {
                Vector512<float> pv = Vector512.LoadUnsafe(ref p, i);
                Vector512<float> gv = Vector512.LoadUnsafe(ref g, i) * scale + pv * l2Decay;
                Vector512<float> mv = Vector512.LoadUnsafe(ref m, i) * beta1 + gv * oneMinusBeta1;
                Vector512<float> vv = Vector512.LoadUnsafe(ref v, i) * beta2 + gv * oneMinusBeta2 * gv;
                mv.StoreUnsafe(ref m, i);
                vv.StoreUnsafe(ref v, i);
                Vector512<float> denominator = Vector512.Sqrt(vv) * inverseCorrection2Sqrt + Vector512.Create(epsilon);
                (pv * decayFactor + mv * negativeStepSize / denominator).StoreUnsafe(ref p, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
            {
                Vector256<float> pv = Vector256.LoadUnsafe(ref p, i);
                Vector256<float> gv = Vector256.LoadUnsafe(ref g, i) * scale + pv * l2Decay;
                Vector256<float> mv = Vector256.LoadUnsafe(ref m, i) * beta1 + gv * oneMinusBeta1;
                Vector256<float> vv = Vector256.LoadUnsafe(ref v, i) * beta2 + gv * oneMinusBeta2 * gv;
                mv.StoreUnsafe(ref m, i);
                vv.StoreUnsafe(ref v, i);
                Vector256<float> denominator = Vector256.Sqrt(vv) * inverseCorrection2Sqrt + Vector256.Create(epsilon);
                (pv * decayFactor + mv * negativeStepSize / denominator).StoreUnsafe(ref p, i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count)
            {
                Vector128<float> pv = Vector128.LoadUnsafe(ref p, i);
                Vector128<float> gv = Vector128.LoadUnsafe(ref g, i) * scale + pv * l2Decay;
                Vector128<float> mv = Vector128.LoadUnsafe(ref m, i) * beta1 + gv * oneMinusBeta1;
                Vector128<float> vv = Vector128.LoadUnsafe(ref v, i) * beta2 + gv * oneMinusBeta2 * gv;
                mv.StoreUnsafe(ref m, i);
                vv.StoreUnsafe(ref v, i);
                Vector128<float> denominator = Vector128.Sqrt(vv) * inverseCorrection2Sqrt + Vector128.Create(epsilon);
                (pv * decayFactor + mv * negativeStepSize / denominator).StoreUnsafe(ref p, i);
            }
        }
#endif

        for (; i < n; i++)
        {
            ref float pi = ref Unsafe.Add(ref p, i);
            ref float mi = ref Unsafe.Add(ref m, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            float gi = Unsafe.Add(ref g, i) * scale + pi * l2Decay;
            mi = mi * beta1 + gi * oneMinusBeta1;
            vi = vi * beta2 + gi * oneMinusBeta2 * gi;
            float denominator = MathF.Sqrt(vi) * inverseCorrection2Sqrt + epsilon;
            pi = pi * decayFactor + mi * negativeStepSize / denominator;
        }
    }
}
