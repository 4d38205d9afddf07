using System;

namespace StaticNet.Optimizers;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter, 2019), with exactly the update of <c>torch.optim.AdamW</c>
/// (amsgrad off): the weights shrink by <c>1 − lr · weightDecay</c>, then take an <see cref="Adam"/> step without
/// weight decay:
/// <code>
/// p = (1 − lr · weightDecay) · p
/// m = β1 · m + (1 − β1) · g
/// v = β2 · v + (1 − β2) · g²
/// p = p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
/// </code>
/// </summary>
public sealed class AdamW : Optimizer
{
    private AdamMoments? _moments;

    /// <summary>Creates the optimizer; the defaults are PyTorch's.</summary>
    /// <param name="learningRate">The step size, a finite number ≥ 0.</param>
    /// <param name="beta1">The decay rate of the first moment estimate, in [0, 1).</param>
    /// <param name="beta2">The decay rate of the second moment estimate, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator for numerical stability, a finite number ≥ 0.</param>
    /// <param name="weightDecay">The decoupled weight decay factor, a finite number ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    public AdamW(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 1e-2f)
        : base(learningRate)
    {
        Beta1 = Hyperparameter.Beta(beta1, nameof(beta1));
        Beta2 = Hyperparameter.Beta(beta2, nameof(beta2));
        Epsilon = Hyperparameter.NonNegative(epsilon, nameof(epsilon));
        WeightDecay = Hyperparameter.NonNegative(weightDecay, nameof(weightDecay));
    }

    /// <summary>The decay rate of the first moment estimate.</summary>
    public float Beta1 { get; }

    /// <summary>The decay rate of the second moment estimate.</summary>
    public float Beta2 { get; }

    /// <summary>The term added to the denominator for numerical stability.</summary>
    public float Epsilon { get; }

    /// <summary>The decoupled weight decay factor: each step multiplies the weights by <c>1 − lr · WeightDecay</c>.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    protected override void InitializeState(int parameterCount) => _moments = new AdamMoments(parameterCount);

    /// <inheritdoc/>
    protected override void ResetState() => _moments = null;

    private protected override string[] StateBufferNames => AdamMoments.Names;

    private protected override float[][]? StateBuffers => _moments is null ? null : new[] { _moments.First, _moments.Second };

    private protected override void AdoptState(float[][] buffers) => _moments = new AdamMoments(buffers[0], buffers[1]);

    private protected override System.Collections.Generic.IEnumerable<System.Collections.Generic.KeyValuePair<string, string>> Hyperparameters => new[]
    {
        Hyperparameter.Entry("beta1", Beta1), Hyperparameter.Entry("beta2", Beta2),
        Hyperparameter.Entry("eps", Epsilon), Hyperparameter.Entry("weight_decay", WeightDecay),
    };

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale) =>
        _moments!.Update(parameters, gradients, gradientScale, StepCount, LearningRate, Beta1, Beta2, Epsilon,
            l2Decay: 0f, decayFactor: (float)(1.0 - (double)LearningRate * WeightDecay));

    /// <inheritdoc/>
    protected override bool UpdatesRanges => true;

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale, int offset) =>
        _moments!.Update(parameters, gradients, gradientScale, StepCount, LearningRate, Beta1, Beta2, Epsilon,
            l2Decay: 0f, decayFactor: (float)(1.0 - (double)LearningRate * WeightDecay), offset: offset);
}
