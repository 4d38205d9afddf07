using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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

    /// <summary>Takes ownership of existing moments (from a checkpoint).</summary>
    public AdamMoments(float[] first, float[] second)
    {
        _first = first;
        _second = second;
    }

    /// <summary>PyTorch's names of m and v in an optimizer's state.</summary>
    public static readonly string[] Names = { "exp_avg", "exp_avg_sq" };

    /// <summary>m, for tests and diagnostics.</summary>
    internal float[] First => _first;

    /// <summary>v, for tests and diagnostics.</summary>
    internal float[] Second => _second;

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
    /// <para>
    /// Unlike PyTorch, on every <see cref="Kernels.SubnormalFlush.Period"/>-th step m and v are flushed to zero where they
    /// are below <see cref="Kernels.SubnormalFlush.MinNormal"/> (1.18e-38) in magnitude, before they are stored and used:
    /// a parameter whose gradient stays zero would otherwise keep subnormal moments for ever, and every step would pay
    /// microcode assists on them. The update differs from PyTorch's only where |m| or v is below 1.18e-38, by at most
    /// <c>lr · 1.18e-38 / (ε · (1 − β1^t))</c> in a step (1.2e-33 with the defaults once t ≥ 16), and by ten times that
    /// over all later steps together (the difference in m decays by β1 a step): far below the float spacing of any
    /// parameter above about 1e-25. See docs/reliability.md.
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float scale, long step,
        float learningRate, float beta1, float beta2, float epsilon, float l2Decay, float decayFactor, int offset = 0)
    {
        // offset: where the parameters start in the whole buffer, and so their moments (a trainable range of a network with frozen layers).
        if ((uint)offset > (uint)_first.Length || _first.Length - offset < parameters.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Expected {parameters.Length} parameters at {offset} to fit in {_first.Length} moments.");
        // As PyTorch, the bias corrections are computed in double precision, then used as float scalars.
        double biasCorrection1 = 1.0 - Math.Pow(beta1, step);
        double biasCorrection2 = 1.0 - Math.Pow(beta2, step);
        float negativeStepSize = (float)(-learningRate / biasCorrection1);
        float inverseCorrection2Sqrt = (float)(1.0 / Math.Sqrt(biasCorrection2));
        float oneMinusBeta1 = (float)(1.0 - beta1);
        float oneMinusBeta2 = (float)(1.0 - beta2);

        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref Unsafe.Add(ref Compat.GetArrayDataReference(_first), offset);
        ref float v = ref Unsafe.Add(ref Compat.GetArrayDataReference(_second), offset);
        nuint n = (nuint)parameters.Length;
        nuint i = 0;
        bool flush = Kernels.SubnormalFlush.IsFlushStep(step);

        // The JIT keeps only the widest accelerated branch; the scalar loop finishes the tail.
#if NET8_0_OR_GREATER
        // The widest accelerated vector width takes the bulk; the scalar loop below finishes the tail.
        var c = new Coefficients(scale, l2Decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2, inverseCorrection2Sqrt, epsilon,
            decayFactor, negativeStepSize);
        i = (Kernels.KernelOptions.Path, flush) switch
        {
            (512, true) => UpdateVectors<Kernels.V512, Kernels.FlushSubnormals>(ref p, ref g, ref m, ref v, n, c),
            (512, false) => UpdateVectors<Kernels.V512, Kernels.KeepSubnormals>(ref p, ref g, ref m, ref v, n, c),
            (256, true) => UpdateVectors<Kernels.V256, Kernels.FlushSubnormals>(ref p, ref g, ref m, ref v, n, c),
            (256, false) => UpdateVectors<Kernels.V256, Kernels.KeepSubnormals>(ref p, ref g, ref m, ref v, n, c),
            (128, true) => UpdateVectors<Kernels.V128, Kernels.FlushSubnormals>(ref p, ref g, ref m, ref v, n, c),
            (128, false) => UpdateVectors<Kernels.V128, Kernels.KeepSubnormals>(ref p, ref g, ref m, ref v, n, c),
            _ => 0,
        };
#endif

        for (; i < n; i++)
        {
            ref float pi = ref Unsafe.Add(ref p, i);
            ref float mi = ref Unsafe.Add(ref m, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            float gi = Unsafe.Add(ref g, i) * scale + pi * l2Decay;
            mi = mi * beta1 + gi * oneMinusBeta1;
            vi = vi * beta2 + gi * oneMinusBeta2 * gi;
            if (flush)
            {
                mi = Kernels.SubnormalFlush.Flush(mi);
                vi = Kernels.SubnormalFlush.Flush(vi);
            }
            float denominator = MathF.Sqrt(vi) * inverseCorrection2Sqrt + epsilon;
            pi = pi * decayFactor + mi * negativeStepSize / denominator;
        }
    }

#if NET8_0_OR_GREATER
    /// <summary>The step's scalars, broadcast once per call of <see cref="UpdateVectors{V, F}"/>.</summary>
    private readonly record struct Coefficients(float Scale, float L2Decay, float Beta1, float OneMinusBeta1, float Beta2,
        float OneMinusBeta2, float InverseCorrection2Sqrt, float Epsilon, float DecayFactor, float NegativeStepSize);

    /// <summary>
    /// The same update as the scalar loop, a vector at a time, with the same operations in the same order (no fused
    /// multiply-add), so every width gives the scalar loop's bits. Returns how many elements it did.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nuint UpdateVectors<V, F>(ref float p, ref float g, ref float m, ref float v, nuint n, in Coefficients c)
        where V : struct, Kernels.ISimdVector<V>
        where F : struct, Kernels.IFlushPolicy
    {
        V scale = V.Broadcast(c.Scale), l2Decay = V.Broadcast(c.L2Decay), beta1 = V.Broadcast(c.Beta1);
        V oneMinusBeta1 = V.Broadcast(c.OneMinusBeta1), beta2 = V.Broadcast(c.Beta2), oneMinusBeta2 = V.Broadcast(c.OneMinusBeta2);
        V inverseCorrection2Sqrt = V.Broadcast(c.InverseCorrection2Sqrt), epsilon = V.Broadcast(c.Epsilon);
        V decayFactor = V.Broadcast(c.DecayFactor), negativeStepSize = V.Broadcast(c.NegativeStepSize);
        nuint i = 0;
        for (; i + (nuint)V.Count <= n; i += (nuint)V.Count)
        {
            V pv = V.Load(ref Unsafe.Add(ref p, i));
            V gv = V.Add(V.Multiply(V.Load(ref Unsafe.Add(ref g, i)), scale), V.Multiply(pv, l2Decay));
            V mv = F.Apply(V.Add(V.Multiply(V.Load(ref Unsafe.Add(ref m, i)), beta1), V.Multiply(gv, oneMinusBeta1)));
            V vv = F.Apply(V.Add(V.Multiply(V.Load(ref Unsafe.Add(ref v, i)), beta2), V.Multiply(V.Multiply(gv, oneMinusBeta2), gv)));
            V.Store(ref Unsafe.Add(ref m, i), mv);
            V.Store(ref Unsafe.Add(ref v, i), vv);
            V denominator = V.Add(V.Multiply(V.Sqrt(vv), inverseCorrection2Sqrt), epsilon);
            V.Store(ref Unsafe.Add(ref p, i), V.Add(V.Multiply(pv, decayFactor), V.Divide(V.Multiply(mv, negativeStepSize), denominator)));
        }
        return i;
    }
#endif
}
