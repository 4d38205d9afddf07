using System;
using System.Collections.Generic;
using System.Threading;

namespace StaticNet.Optimizers;

/// <summary>
/// Updates one flat parameter buffer from its gradient. An optimizer keeps per-parameter state (momentum, moments)
/// sized on its first step and is bound to the network it first steps, so use one optimizer per network
/// (<see cref="Reset"/> frees it for another). Steps allocate nothing after the first.
/// </summary>
/// <remarks>
/// A step is all or nothing: every check (lengths, the network it is bound to, a gradient that is NaN or infinite,
/// a call from a second thread) comes before the first change, so a step that throws leaves the parameters, the
/// moments and <see cref="StepCount"/> as they were. An optimizer is not thread-safe; a step that overlaps another
/// step of the same optimizer throws <see cref="InvalidOperationException"/>.
/// </remarks>
public abstract partial class Optimizer
{
    private float _learningRate;
    private float _maxGradientNorm;
    private WeakReference<object>? _owner; // the network this optimizer is bound to (weak: a stale optimizer keeps no network alive)
    private bool _bound;                   // whether _owner's target is the binding (false: no owner-bearing step yet)
    private int _stepping;                 // 1 while a step runs, to refuse overlapping steps from other threads

    /// <summary>Creates an optimizer with the given learning rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is NaN, infinite or negative.</exception>
    protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>The learning rate of the next step, a finite number ≥ 0; may be changed between steps (schedules).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN, infinite or negative (checked on every set).</exception>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value >= 0f) || float.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(LearningRate), value, $"Expected the learning rate to be a finite number ≥ 0; found {value}.");
            _learningRate = value;
        }
    }

    /// <summary>
    /// When positive and finite, gradients are scaled down so that their global L2 norm is at most this value before
    /// the update, as <c>torch.nn.utils.clip_grad_norm_</c>. Zero (the default) and positive infinity disable clipping.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or negative (checked on every set).</exception>
    public float MaxGradientNorm
    {
        get => _maxGradientNorm;
        set
        {
            if (!(value >= 0f))
                throw new ArgumentOutOfRangeException(nameof(MaxGradientNorm), value,
                    $"Expected the maximum gradient norm to be ≥ 0 (0 or +∞ turns clipping off); found {value}.");
            _maxGradientNorm = value;
        }
    }

    /// <summary>The number of steps taken so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>The number of parameters this optimizer's state was sized for, or 0 before the first step.</summary>
    public int ParameterCount { get; private set; }

    /// <summary>
    /// Applies one update to <paramref name="parameters"/> from <paramref name="gradients"/>. This overload cannot tell
    /// which network the buffer belongs to, so it checks only the length; a loop of your own that steps a network
    /// should pass the network as the owner, with <see cref="Step(Span{float}, ReadOnlySpan{float}, object)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length, or differ from the first step's length.</exception>
    /// <exception cref="TrainingDivergedException">A gradient is NaN or infinite (its L2 norm is not finite); nothing changed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is stepping this optimizer.</exception>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => StepCore(parameters, gradients, owner: null);

    /// <summary>
    /// Applies one update to the parameters of <paramref name="owner"/> (a network, or whatever object owns the
    /// buffer). The first such step binds the optimizer to <paramref name="owner"/>; a step for another owner throws
    /// until <see cref="Reset"/>, since the optimizer's moments describe the first one's parameters. Generated
    /// networks' <c>TrainStep</c> passes the network itself.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="owner"/> is null.</exception>
    /// <exception cref="ArgumentException">The spans differ in length, or differ from the first step's length.</exception>
    /// <exception cref="InvalidOperationException">
    /// The optimizer is bound to another owner, or another thread is stepping this optimizer.
    /// </exception>
    /// <exception cref="TrainingDivergedException">A gradient is NaN or infinite (its L2 norm is not finite); nothing changed.</exception>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, object owner)
    {
        if (owner is null) throw new ArgumentNullException(nameof(owner));
        StepCore(parameters, gradients, owner);
    }

    /// <summary>
    /// As <see cref="Step(Span{float}, ReadOnlySpan{float}, object)"/>, but updates only the parameters in
    /// <paramref name="trainable"/> (and only their state: moments, momentum): the others, frozen, keep their values and
    /// their state, and their gradients count neither in the norm that clipping and the divergence check use. The step
    /// count advances as for any step. Generated networks pass the ranges of their unfrozen layers (see
    /// <c>Freeze</c>). Allocates nothing after the first step.
    /// </summary>
    /// <param name="parameters">The whole parameter buffer (its length fixes the state's).</param>
    /// <param name="gradients">The gradient of the whole buffer.</param>
    /// <param name="owner">The network the buffer belongs to.</param>
    /// <param name="trainable">Ranges of <paramref name="parameters"/>, in ascending order and not overlapping; may be empty.</param>
    /// <exception cref="ArgumentNullException"><paramref name="owner"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The spans differ in length, or from the first step's, or a range is out of the buffer, descending or overlapping.
    /// </exception>
    /// <exception cref="NotSupportedException">The optimizer does not implement <see cref="UpdatesRanges"/> (an optimizer of your own).</exception>
    /// <exception cref="InvalidOperationException">The optimizer is bound to another owner, or another thread is stepping it.</exception>
    /// <exception cref="TrainingDivergedException">A trainable gradient is NaN or infinite; nothing changed.</exception>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, object owner, ReadOnlySpan<Range> trainable)
    {
        if (owner is null) throw new ArgumentNullException(nameof(owner));
        if (!UpdatesRanges)
            throw new NotSupportedException(
                $"{GetType().Name} cannot update part of the parameters (frozen layers): it does not override UpdatesRanges and Update(parameters, gradients, gradientScale, offset).");
        int end = 0;
        foreach (Range range in trainable)
        {
            int start = range.Start.GetOffset(parameters.Length), stop = range.End.GetOffset(parameters.Length);
            if (start < end || stop < start || stop > parameters.Length)
                throw new ArgumentException(
                    $"Expected trainable ranges in ascending order, not overlapping, within the {parameters.Length} parameters; found {range} after one that ends at {end}.", nameof(trainable));
            end = stop;
        }
        StepCore(parameters, gradients, owner, trainable, all: false);
    }

    private void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, object? owner) =>
        StepCore(parameters, gradients, owner, default, all: true);

    private void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, object? owner, ReadOnlySpan<Range> trainable, bool all)
    {
        Enter();
        try
        {
            // Every check first; nothing changes until all have passed.
            if (parameters.Length != gradients.Length)
                throw new ArgumentException($"Expected as many gradients as parameters ({parameters.Length}); found {gradients.Length}.", nameof(gradients));
            CheckLengthAndOwner(parameters.Length, owner);

            // One reduction pass over the gradient: the L2 norm, for clipping and to refuse a NaN or infinite gradient (as
            // clip_grad_norm_ with error_if_nonfinite=True), which would otherwise turn every weight into NaN. Then one
            // fused pass (Update) reads each parameter, gradient and moment once, the clipping scale applied as it goes.
            float norm = all ? GradientNorm.Norm(gradients) : RangesNorm(gradients, trainable);
            float gradientScale = Commit(parameters.Length, owner, norm);
            if (all)
                Update(parameters, gradients, gradientScale);
            else
                foreach (Range range in trainable)
                {
                    (int offset, int length) = range.GetOffsetAndLength(parameters.Length);
                    if (length > 0)
                        Update(parameters.Slice(offset, length), gradients.Slice(offset, length), gradientScale, offset);
                }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Marks a step as running; throws if another thread's step is.</summary>
    private void Enter()
    {
        if (Interlocked.CompareExchange(ref _stepping, 1, 0) != 0)
            throw new InvalidOperationException(
                $"This {GetType().Name} is already taking a step on another thread. An optimizer is not thread-safe: use one optimizer per network, and train a network from one thread at a time.");
    }

    private void Exit() => Volatile.Write(ref _stepping, 0);

    /// <summary>The checks of a step that do not depend on the gradient's values: the state's length and the binding.</summary>
    private void CheckLengthAndOwner(int parameterCount, object? owner)
    {
        if (ParameterCount != 0 && ParameterCount != parameterCount)
            throw new ArgumentException($"This optimizer's state was sized for {ParameterCount} parameters; found {parameterCount}. Use one optimizer per network, or call Reset() to reuse it for another.", "parameters");
        if (owner is not null && _bound && !(_owner!.TryGetTarget(out object? bound) && ReferenceEquals(bound, owner)))
            throw new InvalidOperationException(
                $"This {GetType().Name} is bound to another network (the first one it stepped, {StepCount} step(s) ago); its moments describe that network's parameters. " +
                $"Use one optimizer per network, or call Reset() to forget its state and bind it to the next network it steps.");
    }

    /// <summary>
    /// The last check (a finite <paramref name="norm"/>) and the step's bookkeeping: sizes the state on the first step,
    /// binds the owner, counts the step. Returns the scale clipping applies to every gradient (1 without clipping).
    /// </summary>
    private float Commit(int parameterCount, object? owner, float norm)
    {
        if (!float.IsFinite(norm))
            throw new TrainingDivergedException(
                $"Training diverged: the gradient's L2 norm is {norm} (a gradient is NaN or infinite, or too large for a float), although the loss may be finite. " +
                "The step was not applied; the weights and the optimizer's state are those from before it. Lower the learning rate, scale the inputs, or clip gradients.", norm);
        float gradientScale = 1f;
        float maxNorm = _maxGradientNorm;
        if (maxNorm > 0f && norm > maxNorm) gradientScale = maxNorm / (norm + 1e-6f);

        if (ParameterCount == 0)
        {
            InitializeState(parameterCount);
            ParameterCount = parameterCount;
        }
        if (owner is not null && !_bound)
        {
            if (_owner is null) _owner = new WeakReference<object>(owner);
            else _owner.SetTarget(owner);
            _bound = true;
        }
        StepCount++;
        return gradientScale;
    }

    /// <summary>The L2 norm of the gradients in <paramref name="ranges"/>, summed in double precision.</summary>
    private static float RangesNorm(ReadOnlySpan<float> gradients, ReadOnlySpan<Range> ranges)
    {
        double sum = 0;
        foreach (Range range in ranges)
        {
            (int offset, int length) = range.GetOffsetAndLength(gradients.Length);
            sum += GradientNorm.SumOfSquares(gradients.Slice(offset, length));
        }
        return (float)Math.Sqrt(sum);
    }

    /// <summary>
    /// Forgets all state (moments, step count) and the network it is bound to, as if the optimizer were new; its
    /// settings (learning rate, clipping, betas...) are kept.
    /// </summary>
    public void Reset()
    {
        StepCount = 0;
        ParameterCount = 0;
        _bound = false;
        _owner?.SetTarget(null!);
        ResetState();
    }

    /// <summary>
    /// The names of this optimizer's per-parameter state buffers, as PyTorch names them in
    /// <c>optimizer.state_dict()["state"][i]</c> (<c>exp_avg</c>, <c>exp_avg_sq</c> for Adam; <c>momentum_buffer</c> for
    /// SGD with momentum); each holds one float per parameter once the optimizer has stepped. Checkpoints save and load
    /// them (see <see cref="IO.Checkpoint"/>). Empty for an optimizer without such state.
    /// </summary>
    private protected virtual string[] StateBufferNames => Array.Empty<string>();

    /// <summary>The buffers named by <see cref="StateBufferNames"/>, in that order; null before the first step.</summary>
    private protected virtual float[][]? StateBuffers => null;

    /// <summary>Replaces the state with <paramref name="buffers"/> (one per <see cref="StateBufferNames"/>, each the right length), taking ownership.</summary>
    private protected virtual void AdoptState(float[][] buffers) => InitializeState(ParameterCount);

    /// <summary>
    /// The hyperparameters a checkpoint records and checks on loading (the learning rate aside, which a checkpoint
    /// restores): a resumed run continues only with the same betas, momentum and weight decay.
    /// </summary>
    private protected virtual IEnumerable<KeyValuePair<string, string>> Hyperparameters => Array.Empty<KeyValuePair<string, string>>();

    internal string[] CheckpointBufferNames => StateBufferNames;

    /// <summary>The state buffers (null before the first step), for checkpoints.</summary>
    internal float[][]? CheckpointBuffers => ParameterCount == 0 ? null : StateBuffers;

    internal IEnumerable<KeyValuePair<string, string>> CheckpointHyperparameters => Hyperparameters;

    /// <summary>
    /// Sets the whole state from a checkpoint: the step count, the state buffers (already checked: one per name, each
    /// <paramref name="parameterCount"/> long), and binds the optimizer to <paramref name="owner"/>. Cannot fail.
    /// </summary>
    internal void RestoreCheckpoint(long stepCount, int parameterCount, float[][]? buffers, float learningRate, object owner)
    {
        ResetState();
        StepCount = stepCount;
        ParameterCount = stepCount == 0 ? 0 : parameterCount;
        if (stepCount > 0 && buffers is not null) AdoptState(buffers);
        else if (stepCount > 0) InitializeState(parameterCount);
        _learningRate = learningRate;
        if (stepCount > 0)
        {
            if (_owner is null) _owner = new WeakReference<object>(owner);
            else _owner.SetTarget(owner);
            _bound = true;
        }
        else
        {
            _bound = false;
            _owner?.SetTarget(null!);
        }
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

    /// <summary>
    /// Whether the optimizer implements <see cref="Update(Span{float}, ReadOnlySpan{float}, float, int)"/>, which stepping
    /// part of the parameters (a network with frozen layers) needs. Adam, AdamW and Sgd do.
    /// </summary>
    protected virtual bool UpdatesRanges => false;

    /// <summary>
    /// Applies the update to one range of the parameters, which starts at <paramref name="offset"/> in the whole buffer
    /// (so that the state of that range, and only of it, is read and written); <see cref="StepCount"/> already counts this
    /// step. Called once per trainable range in ascending order, when <see cref="UpdatesRanges"/> is true.
    /// </summary>
    protected virtual void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale, int offset) =>
        throw new NotSupportedException($"{GetType().Name} cannot update part of the parameters.");
}
