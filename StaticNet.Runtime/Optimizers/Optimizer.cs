using System;

namespace StaticNet.Optimizers;

/// <summary>
/// Updates one flat parameter buffer from its gradient. An optimizer keeps per-parameter state (momentum, moments)
/// sized on its first step, so use one optimizer per network. Steps allocate nothing after the first.
/// </summary>
public abstract class Optimizer
{
    /// <summary>Creates an optimizer with the given learning rate.</summary>
    protected Optimizer(float learningRate)
    {
        if (!(learningRate >= 0f) || float.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a finite number ≥ 0.");
        LearningRate = learningRate;
    }

    /// <summary>The learning rate of the next step; may be changed between steps (schedules).</summary>
    public float LearningRate { get; set; }

    /// <summary>
    /// When positive, gradients are scaled down so that their global L2 norm is at most this value before the update,
    /// as <c>torch.nn.utils.clip_grad_norm_</c>. Zero (the default) disables clipping.
    /// </summary>
    public float MaxGradientNorm { get; set; }

    /// <summary>The number of steps taken so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>The number of parameters this optimizer's state was sized for, or 0 before the first step.</summary>
    public int ParameterCount { get; private set; }

    /// <summary>Applies one update to <paramref name="parameters"/> from <paramref name="gradients"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length, or differ from the first step's length.</exception>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != gradients.Length)
            throw new ArgumentException($"Expected as many gradients as parameters ({parameters.Length}); found {gradients.Length}.", nameof(gradients));
        if (ParameterCount == 0)
        {
            ParameterCount = parameters.Length;
            InitializeState(parameters.Length);
        }
        else if (ParameterCount != parameters.Length)
        {
            throw new ArgumentException($"This optimizer's state was sized for {ParameterCount} parameters; found {parameters.Length}. Use one optimizer per network.", nameof(parameters));
        }

        float gradientScale = 1f;
        if (MaxGradientNorm > 0f)
        {
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(gradients);
            if (norm > MaxGradientNorm) gradientScale = MaxGradientNorm / (norm + 1e-6f);
        }

        StepCount++;
        Update(parameters, gradients, gradientScale);
    }

    /// <summary>Forgets all state (moments, step count), as if the optimizer were new.</summary>
    public void Reset()
    {
        StepCount = 0;
        ParameterCount = 0;
        ResetState();
    }

    /// <summary>Allocates the per-parameter state for <paramref name="parameterCount"/> parameters.</summary>
    protected abstract void InitializeState(int parameterCount);

    /// <summary>Releases the per-parameter state.</summary>
    protected abstract void ResetState();

    /// <summary>
    /// Applies the update; <see cref="StepCount"/> already counts this step. Each gradient is to be multiplied by
    /// <paramref name="gradientScale"/> (1 unless clipping is on).
    /// </summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale);
}
