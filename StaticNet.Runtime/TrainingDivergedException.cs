using System;

namespace StaticNet;

/// <summary>
/// Thrown when a training step produces a loss or gradient that is NaN or infinite, or when the <c>Trainer</c>'s
/// validation loss is. The step that diverged has not been applied: the weights, running statistics and optimizer
/// state are those from before it.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception with the loss value that was found.</summary>
    public TrainingDivergedException(float loss)
        : base($"Training diverged: the mean loss is {loss} (expected a finite number). The step was not applied; " +
               "the weights are those from before it. Lower the learning rate, scale the inputs, or clip gradients.")
    {
        Loss = loss;
    }

    /// <summary>Creates the exception with a message of the caller's.</summary>
    public TrainingDivergedException(string message, float loss) : base(message) => Loss = loss;

    /// <summary>
    /// Creates the exception with a message of the caller's that wraps another divergence, e.g. to add where in a
    /// training run it happened; <see cref="Loss"/> is the inner exception's.
    /// </summary>
    public TrainingDivergedException(string message, TrainingDivergedException innerException)
        : base(message, innerException) => Loss = (innerException ?? throw new ArgumentNullException(nameof(innerException))).Loss;

    /// <summary>The non-finite value: the loss, or the gradient's L2 norm when the gradient was not finite.</summary>
    public float Loss { get; }
}
