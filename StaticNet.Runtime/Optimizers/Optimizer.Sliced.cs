using System;

namespace StaticNet.Optimizers;

public abstract partial class Optimizer
{
    /// <summary>
    /// Whether this optimizer's update can be applied in slices (<see cref="UpdateSlice"/>): each parameter's update
    /// reads and writes only its own parameter, gradient and state, so slices may be updated in any order, by several
    /// threads at once or fused into the kernel that computes their gradients, and give the same bits as one
    /// <see cref="Step(Span{float}, ReadOnlySpan{float}, object)"/>. Adam, AdamW and Sgd can.
    /// </summary>
    internal bool UpdatesSlices => UpdatesRanges;

    /// <summary>Whether clipping is on: a step's gradient scale then depends on the whole gradient's norm.</summary>
    internal bool ClipsGradients => _maxGradientNorm > 0f && !float.IsPositiveInfinity(_maxGradientNorm);

    /// <summary>
    /// Begins a step whose update the caller applies itself, slice by slice (<see cref="UpdateSlice"/>), then ends
    /// with <see cref="EndSlicedStep"/> (in a <c>finally</c>). Makes every check of
    /// <see cref="Step(Span{float}, ReadOnlySpan{float}, object)"/> — another thread stepping, the state's length, the
    /// owner, a <paramref name="norm"/> that is not finite — before changing anything, then counts the step and returns
    /// the scale to apply to every gradient (1 unless clipping is on). If it throws, the step is not begun (and needs no
    /// <see cref="EndSlicedStep"/>). <paramref name="norm"/> is the L2 norm of the whole gradient as
    /// <see cref="GradientNorm.Norm"/> computes it (or, when <see cref="ClipsGradients"/> is false, any finite value
    /// that the caller has proven the gradient's norm to be finite with).
    /// </summary>
    /// <exception cref="NotSupportedException">The optimizer cannot update slices (<see cref="UpdatesSlices"/> is false).</exception>
    internal float BeginSlicedStep(int parameterCount, object? owner, float norm)
    {
        if (!UpdatesSlices)
            throw new NotSupportedException($"{GetType().Name} cannot update part of the parameters: it does not override UpdatesRanges and Update(parameters, gradients, gradientScale, offset).");
        Enter();
        try
        {
            CheckLengthAndOwner(parameterCount, owner);
            return Commit(parameterCount, owner, norm);
        }
        catch
        {
            Exit();
            throw;
        }
    }

    /// <summary>
    /// Updates the parameters <paramref name="parameters"/>, which start at <paramref name="offset"/> in the whole buffer,
    /// from their <paramref name="gradients"/>, within a step begun by <see cref="BeginSlicedStep"/>. Disjoint slices may
    /// be updated concurrently.
    /// </summary>
    internal void UpdateSlice(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale, int offset) =>
        Update(parameters, gradients, gradientScale, offset);

    /// <summary>Ends a step begun by <see cref="BeginSlicedStep"/>.</summary>
    internal void EndSlicedStep() => Exit();
}
