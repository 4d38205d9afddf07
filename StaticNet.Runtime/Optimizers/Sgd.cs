using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, with exactly the update
/// of <c>torch.optim.SGD</c> (dampening 0):
/// <code>
/// g   = gradient + weightDecay · p
/// buf = g                      on the first step
/// buf = momentum · buf + g     afterwards
/// d   = nesterov ? g + momentum · buf : buf     (d = g when momentum is 0)
/// p   = p − learningRate · d
/// </code>
/// </summary>
public sealed class Sgd : Optimizer
{
    // The momentum buffer, one float per parameter; null without momentum or before the first step.
    private float[]? _momentumBuffer;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The step size, a finite number ≥ 0.</param>
    /// <param name="momentum">The momentum factor, a finite number ≥ 0; 0 (the default) is plain SGD.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum; requires <paramref name="momentum"/> &gt; 0.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient as <c>weightDecay · p</c>, a finite number ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> is set without momentum.</exception>
    public Sgd(float learningRate, float momentum = 0f, bool nesterov = false, float weightDecay = 0f)
        : base(learningRate)
    {
        Momentum = Hyperparameter.NonNegative(momentum, nameof(momentum));
        WeightDecay = Hyperparameter.NonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && momentum == 0f)
            throw new ArgumentException($"Nesterov momentum needs a momentum > 0; found momentum {momentum}.", nameof(nesterov));
        Nesterov = nesterov;
    }

    /// <summary>The momentum factor; 0 for plain SGD.</summary>
    public float Momentum { get; }

    /// <summary>Whether the update uses Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <summary>The L2 penalty factor added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    protected override void InitializeState(int parameterCount)
    {
        // PyTorch starts the buffer as a copy of the first gradient; starting it at zero gives exactly the same
        // first update (0 · momentum + g = g), so every step can run the same loop.
        _momentumBuffer = Momentum > 0f ? new float[parameterCount] : null;
    }

    /// <inheritdoc/>
    protected override void ResetState() => _momentumBuffer = null;

    private static readonly string[] s_momentumNames = { "momentum_buffer" };

    private protected override string[] StateBufferNames => Momentum > 0f ? s_momentumNames : Array.Empty<string>();

    private protected override float[][]? StateBuffers => _momentumBuffer is null ? null : new[] { _momentumBuffer };

    private protected override void AdoptState(float[][] buffers) => _momentumBuffer = Momentum > 0f ? buffers[0] : null;

    private protected override System.Collections.Generic.IEnumerable<System.Collections.Generic.KeyValuePair<string, string>> Hyperparameters => new[]
    {
        Hyperparameter.Entry("momentum", Momentum), Hyperparameter.Entry("nesterov", Nesterov ? "true" : "false"),
        Hyperparameter.Entry("weight_decay", WeightDecay),
    };

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale)
    {
        if (_momentumBuffer is null)
            UpdatePlain(parameters, gradients, gradientScale, WeightDecay, LearningRate);
        else
            UpdateWithMomentum(parameters, gradients, _momentumBuffer, gradientScale, WeightDecay, LearningRate, Momentum, Nesterov,
                Kernels.SubnormalFlush.IsFlushStep(StepCount));
    }

    /// <inheritdoc/>
    protected override bool UpdatesRanges => true;

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale, int offset)
    {
        if (_momentumBuffer is null)
            UpdatePlain(parameters, gradients, gradientScale, WeightDecay, LearningRate);
        else
            UpdateWithMomentum(parameters, gradients, _momentumBuffer, gradientScale, WeightDecay, LearningRate, Momentum, Nesterov,
                Kernels.SubnormalFlush.IsFlushStep(StepCount), offset);
    }

    // p = p − lr · (scale · g + wd · p)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdatePlain(Span<float> parameters, ReadOnlySpan<float> gradients, float scale, float weightDecay, float learningRate)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        nuint n = (nuint)parameters.Length;
        nuint i = 0;
        float lr = -learningRate;

        // The widest accelerated vector width takes the bulk; the scalar loop finishes the tail.
#if NET8_0_OR_GREATER
        i = Kernels.KernelOptions.Path switch
        {
            512 => PlainVectors<Kernels.V512>(ref p, ref g, n, scale, weightDecay, lr),
            256 => PlainVectors<Kernels.V256>(ref p, ref g, n, scale, weightDecay, lr),
            128 => PlainVectors<Kernels.V128>(ref p, ref g, n, scale, weightDecay, lr),
            _ => 0,
        };
#endif

        for (; i < n; i++)
        {
            ref float pi = ref Unsafe.Add(ref p, i);
            float d = Unsafe.Add(ref g, i) * scale + pi * weightDecay;
            pi += d * lr;
        }
    }

    // g = scale · g + wd · p;  buf = momentum · buf + g;  p = p − lr · (nesterov ? g + momentum · buf : buf)
    // Unlike PyTorch, on every SubnormalFlush.Period-th step buf is flushed to zero where it is below 1.18e-38 in magnitude
    // (Kernels.SubnormalFlush): with a gradient that stays zero it would otherwise decay into subnormals and stay there,
    // and every step would take microcode assists on it. A step's update differs from PyTorch's by at most lr · 1.18e-38
    // per parameter (lr · momentum · 1.18e-38 with Nesterov), all later steps together by lr · 1.18e-38 / (1 − momentum):
    // below the float spacing of any parameter above about 1e-30.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateWithMomentum(Span<float> parameters, ReadOnlySpan<float> gradients, float[] buffer,
        float scale, float weightDecay, float learningRate, float momentum, bool nesterov, bool flush, int offset = 0)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        if ((uint)offset > (uint)buffer.Length || buffer.Length - offset < parameters.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Expected {parameters.Length} parameters at {offset} to fit in {buffer.Length} momentum values.");
        ref float b = ref Unsafe.Add(ref Compat.GetArrayDataReference(buffer), offset); // offset: a trainable range's place in the whole buffer
        nuint n = (nuint)parameters.Length;
        nuint i = 0;
        float lr = -learningRate;
        // d = gradientWeight · g + bufferWeight · buf covers both forms without a branch in the loop.
        float gradientWeight = nesterov ? 1f : 0f;
        float bufferWeight = nesterov ? momentum : 1f;

#if NET8_0_OR_GREATER
        i = (Kernels.KernelOptions.Path, flush) switch
        {
            (512, true) => MomentumVectors<Kernels.V512, Kernels.FlushSubnormals>(ref p, ref g, ref b, n, scale, weightDecay, lr, momentum, gradientWeight, bufferWeight),
            (512, false) => MomentumVectors<Kernels.V512, Kernels.KeepSubnormals>(ref p, ref g, ref b, n, scale, weightDecay, lr, momentum, gradientWeight, bufferWeight),
            (256, true) => MomentumVectors<Kernels.V256, Kernels.FlushSubnormals>(ref p, ref g, ref b, n, scale, weightDecay, lr, momentum, gradientWeight, bufferWeight),
            (256, false) => MomentumVectors<Kernels.V256, Kernels.KeepSubnormals>(ref p, ref g, ref b, n, scale, weightDecay, lr, momentum, gradientWeight, bufferWeight),
            (128, true) => MomentumVectors<Kernels.V128, Kernels.FlushSubnormals>(ref p, ref g, ref b, n, scale, weightDecay, lr, momentum, gradientWeight, bufferWeight),
            (128, false) => MomentumVectors<Kernels.V128, Kernels.KeepSubnormals>(ref p, ref g, ref b, n, scale, weightDecay, lr, momentum, gradientWeight, bufferWeight),
            _ => 0,
        };
#endif

        for (; i < n; i++)
        {
            ref float pi = ref Unsafe.Add(ref p, i);
            ref float bi = ref Unsafe.Add(ref b, i);
            float gi = Unsafe.Add(ref g, i) * scale + pi * weightDecay;
            bi = bi * momentum + gi;
            if (flush) bi = Kernels.SubnormalFlush.Flush(bi);
            pi += (gi * gradientWeight + bi * bufferWeight) * lr;
        }
    }

#if NET8_0_OR_GREATER
    // The vector forms of the two updates: the scalar loops' operations in the same order (no fused multiply-add), so
    // every width gives the scalar bits. Each returns how many elements it did.

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nuint PlainVectors<V>(ref float p, ref float g, nuint n, float scale, float weightDecay, float lr)
        where V : struct, Kernels.ISimdVector<V>
    {
        V scaleV = V.Broadcast(scale), weightDecayV = V.Broadcast(weightDecay), lrV = V.Broadcast(lr);
        nuint i = 0;
        for (; i + (nuint)V.Count <= n; i += (nuint)V.Count)
        {
            V pv = V.Load(ref Unsafe.Add(ref p, i));
            V d = V.Add(V.Multiply(V.Load(ref Unsafe.Add(ref g, i)), scaleV), V.Multiply(pv, weightDecayV));
            V.Store(ref Unsafe.Add(ref p, i), V.Add(pv, V.Multiply(d, lrV)));
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nuint MomentumVectors<V, F>(ref float p, ref float g, ref float b, nuint n, float scale, float weightDecay,
        float lr, float momentum, float gradientWeight, float bufferWeight)
        where V : struct, Kernels.ISimdVector<V>
        where F : struct, Kernels.IFlushPolicy
    {
        V scaleV = V.Broadcast(scale), weightDecayV = V.Broadcast(weightDecay), lrV = V.Broadcast(lr), momentumV = V.Broadcast(momentum);
        V gradientWeightV = V.Broadcast(gradientWeight), bufferWeightV = V.Broadcast(bufferWeight);
        nuint i = 0;
        for (; i + (nuint)V.Count <= n; i += (nuint)V.Count)
        {
            V pv = V.Load(ref Unsafe.Add(ref p, i));
            V gv = V.Add(V.Multiply(V.Load(ref Unsafe.Add(ref g, i)), scaleV), V.Multiply(pv, weightDecayV));
            V bv = F.Apply(V.Add(V.Multiply(V.Load(ref Unsafe.Add(ref b, i)), momentumV), gv));
            V.Store(ref Unsafe.Add(ref b, i), bv);
            V d = V.Add(V.Multiply(gv, gradientWeightV), V.Multiply(bv, bufferWeightV));
            V.Store(ref Unsafe.Add(ref p, i), V.Add(pv, V.Multiply(d, lrV)));
        }
        return i;
    }
#endif
}
