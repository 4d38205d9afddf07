using System;

namespace StaticNet.Training;

/// <summary>Whether a schedule counts epochs or training steps (batches).</summary>
public enum ScheduleUnit
{
    /// <summary>The schedule advances once per epoch, as a PyTorch scheduler stepped after each epoch.</summary>
    Epoch = 0,

    /// <summary>The schedule advances once per training step (batch), as a PyTorch scheduler stepped after each batch.</summary>
    Step = 1,
}

/// <summary>Whether <see cref="ReduceLearningRateOnPlateau"/> watches a metric that should go down or up.</summary>
public enum PlateauMode
{
    /// <summary>Lower is better (a loss); PyTorch's <c>mode='min'</c>.</summary>
    Min = 0,

    /// <summary>Higher is better (an accuracy); PyTorch's <c>mode='max'</c>.</summary>
    Max = 1,
}

/// <summary>How <see cref="ReduceLearningRateOnPlateau.Threshold"/> is applied; PyTorch's <c>threshold_mode</c>.</summary>
public enum ThresholdMode
{
    /// <summary>Relative: better means below <c>best · (1 − threshold)</c> (min) or above <c>best · (1 + threshold)</c> (max).</summary>
    Relative = 0,

    /// <summary>Absolute: better means below <c>best − threshold</c> (min) or above <c>best + threshold</c> (max).</summary>
    Absolute = 1,
}

/// <summary>
/// A learning-rate schedule for <see cref="TrainerOptions.Scheduler"/>: <see cref="StepLearningRate"/>,
/// <see cref="ExponentialLearningRate"/>, <see cref="OneCycleLearningRate"/> or <see cref="ReduceLearningRateOnPlateau"/>,
/// each with the semantics of its <c>torch.optim.lr_scheduler</c> namesake. The base learning rate is the optimizer's
/// at the start of the run. A linear warm-up (<see cref="TrainerOptions.WarmupSteps"/>) multiplies any of them.
/// </summary>
/// <remarks>A scheduler holds settings only; the trainer keeps its position (and saves it in checkpoints).</remarks>
public abstract class LearningRateScheduler
{
    private protected LearningRateScheduler()
    {
    }

    /// <summary>The number of doubles of mutable state the trainer keeps for this schedule.</summary>
    internal virtual int StateLength => 0;

    /// <summary>Sets the state at the start of a run.</summary>
    internal virtual void Initialize(double baseLearningRate, Span<double> state)
    {
    }

    /// <summary>The learning rate of a step (before warm-up).</summary>
    /// <param name="baseLearningRate">The optimizer's learning rate at the start of the run.</param>
    /// <param name="step">The step's index from 0 over the whole run.</param>
    /// <param name="epoch">The epoch's index from 0.</param>
    /// <param name="totalSteps">The number of steps in the run.</param>
    /// <param name="state">The schedule's state.</param>
    internal abstract double LearningRate(double baseLearningRate, long step, int epoch, long totalSteps, ReadOnlySpan<double> state);

    /// <summary>Takes a validation result (for <see cref="ReduceLearningRateOnPlateau"/>).</summary>
    internal virtual void OnValidation(double metric, Span<double> state)
    {
    }

    /// <summary>Throws unless the settings are in range.</summary>
    internal abstract void Validate();

    private protected static void Check(bool ok, string name, string expected, object found)
    {
        if (!ok) throw new ArgumentException($"Expected {name} {expected}; found {found}.", name);
    }
}

/// <summary>
/// Decays the learning rate by <see cref="Gamma"/> every <see cref="StepSize"/> epochs (or steps), as
/// <c>torch.optim.lr_scheduler.StepLR</c>: <c>lr = base · gamma^⌊t / step_size⌋</c>.
/// </summary>
public sealed class StepLearningRate : LearningRateScheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="stepSize">The period of the decay, ≥ 1.</param>
    /// <param name="gamma">The factor applied at each period, a finite number ≥ 0. PyTorch's default is 0.1.</param>
    /// <param name="unit">What <paramref name="stepSize"/> counts; epochs by default.</param>
    public StepLearningRate(int stepSize, float gamma = 0.1f, ScheduleUnit unit = ScheduleUnit.Epoch)
    {
        StepSize = stepSize;
        Gamma = gamma;
        Unit = unit;
    }

    /// <summary>The period of the decay.</summary>
    public int StepSize { get; }

    /// <summary>The multiplicative factor.</summary>
    public float Gamma { get; }

    /// <summary>What <see cref="StepSize"/> counts.</summary>
    public ScheduleUnit Unit { get; }

    internal override double LearningRate(double baseLearningRate, long step, int epoch, long totalSteps, ReadOnlySpan<double> state) =>
        baseLearningRate * Math.Pow(Gamma, (Unit == ScheduleUnit.Epoch ? epoch : step) / StepSize);

    internal override void Validate()
    {
        Check(StepSize >= 1, nameof(StepSize), "≥ 1", StepSize);
        Check(Gamma >= 0f && float.IsFinite(Gamma), nameof(Gamma), "to be a finite number ≥ 0", Gamma);
        Check(Compat.IsDefined(Unit), nameof(Unit), "to be Epoch or Step", (int)Unit);
    }
}

/// <summary>
/// Decays the learning rate by <see cref="Gamma"/> every epoch (or step), as <c>torch.optim.lr_scheduler.ExponentialLR</c>:
/// <c>lr = base · gamma^t</c>.
/// </summary>
public sealed class ExponentialLearningRate : LearningRateScheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="gamma">The factor per epoch (or step), a finite number ≥ 0.</param>
    /// <param name="unit">What one decay counts; epochs by default.</param>
    public ExponentialLearningRate(float gamma, ScheduleUnit unit = ScheduleUnit.Epoch)
    {
        Gamma = gamma;
        Unit = unit;
    }

    /// <summary>The multiplicative factor.</summary>
    public float Gamma { get; }

    /// <summary>What one decay counts.</summary>
    public ScheduleUnit Unit { get; }

    internal override double LearningRate(double baseLearningRate, long step, int epoch, long totalSteps, ReadOnlySpan<double> state) =>
        baseLearningRate * Math.Pow(Gamma, Unit == ScheduleUnit.Epoch ? epoch : step);

    internal override void Validate()
    {
        Check(Gamma >= 0f && float.IsFinite(Gamma), nameof(Gamma), "to be a finite number ≥ 0", Gamma);
        Check(Compat.IsDefined(Unit), nameof(Unit), "to be Epoch or Step", (int)Unit);
    }
}

/// <summary>
/// The 1cycle policy (Smith and Topin, 2018) per step, as <c>torch.optim.lr_scheduler.OneCycleLR</c> with cosine
/// annealing: from <c>max_lr / div_factor</c> up to <c>max_lr</c> over the first <see cref="PercentStart"/> of the steps,
/// then down to <c>max_lr / (div_factor · final_div_factor)</c> at the last step (or, with <see cref="ThreePhase"/>, back
/// to the initial rate and then down). PyTorch's momentum cycling is not done (StaticNet's betas are fixed).
/// </summary>
public sealed class OneCycleLearningRate : LearningRateScheduler
{
    /// <summary>Creates the schedule; the defaults are PyTorch's.</summary>
    /// <param name="maxLearningRate">The peak learning rate; null for the optimizer's learning rate.</param>
    /// <param name="percentStart">The fraction of the steps spent increasing, in (0, 1).</param>
    /// <param name="divFactor">The initial rate is <c>max / divFactor</c>, &gt; 0.</param>
    /// <param name="finalDivFactor">The final rate is <c>initial / finalDivFactor</c>, &gt; 0.</param>
    /// <param name="cosine">Cosine annealing (true, the default) or linear.</param>
    /// <param name="threePhase">Whether to use PyTorch's three-phase variant.</param>
    /// <param name="totalSteps">The cycle's length in steps; null for the whole run (epochs × batches per epoch).</param>
    public OneCycleLearningRate(float? maxLearningRate = null, float percentStart = 0.3f, float divFactor = 25f,
        float finalDivFactor = 1e4f, bool cosine = true, bool threePhase = false, long? totalSteps = null)
    {
        MaxLearningRate = maxLearningRate;
        PercentStart = percentStart;
        DivFactor = divFactor;
        FinalDivFactor = finalDivFactor;
        Cosine = cosine;
        ThreePhase = threePhase;
        TotalSteps = totalSteps;
    }

    /// <summary>The peak learning rate, or null for the optimizer's learning rate.</summary>
    public float? MaxLearningRate { get; }

    /// <summary>The fraction of the cycle spent increasing the rate.</summary>
    public float PercentStart { get; }

    /// <summary>The initial rate is the maximum divided by this.</summary>
    public float DivFactor { get; }

    /// <summary>The final rate is the initial one divided by this.</summary>
    public float FinalDivFactor { get; }

    /// <summary>Cosine (true) or linear annealing.</summary>
    public bool Cosine { get; }

    /// <summary>Whether the cycle has three phases.</summary>
    public bool ThreePhase { get; }

    /// <summary>The cycle's length in steps, or null for the whole run.</summary>
    public long? TotalSteps { get; }

    internal override double LearningRate(double baseLearningRate, long step, int epoch, long totalSteps, ReadOnlySpan<double> state)
    {
        long total = TotalSteps ?? totalSteps;
        double max = MaxLearningRate ?? baseLearningRate;
        double initial = max / DivFactor, min = initial / FinalDivFactor;
        double pct = PercentStart;
        // PyTorch's phases: (end step, start rate, end rate).
        Span<double> ends = stackalloc double[3];
        Span<double> starts = stackalloc double[3];
        Span<double> targets = stackalloc double[3];
        int phases;
        if (ThreePhase)
        {
            ends[0] = pct * total - 1; starts[0] = initial; targets[0] = max;
            ends[1] = 2 * pct * total - 2; starts[1] = max; targets[1] = initial;
            ends[2] = total - 1; starts[2] = initial; targets[2] = min;
            phases = 3;
        }
        else
        {
            ends[0] = pct * total - 1; starts[0] = initial; targets[0] = max;
            ends[1] = total - 1; starts[1] = max; targets[1] = min;
            phases = 2;
        }
        double start = 0;
        for (int i = 0; i < phases; i++)
        {
            double end = ends[i];
            if (step <= end || i == phases - 1)
            {
                double fraction = (step - start) / (end - start);
                return Cosine
                    ? targets[i] + (starts[i] - targets[i]) / 2.0 * (Math.Cos(Math.PI * fraction) + 1)
                    : (targets[i] - starts[i]) * fraction + starts[i];
            }
            start = end;
        }
        return min;
    }

    internal override void Validate()
    {
        Check(MaxLearningRate is null || MaxLearningRate >= 0f && float.IsFinite(MaxLearningRate.Value), nameof(MaxLearningRate), "to be null or a finite number ≥ 0", MaxLearningRate!);
        Check(PercentStart > 0f && PercentStart < 1f, nameof(PercentStart), "in (0, 1)", PercentStart);
        Check(DivFactor > 0f && float.IsFinite(DivFactor), nameof(DivFactor), "to be a finite number > 0", DivFactor);
        Check(FinalDivFactor > 0f && float.IsFinite(FinalDivFactor), nameof(FinalDivFactor), "to be a finite number > 0", FinalDivFactor);
        Check(TotalSteps is null || TotalSteps >= 2, nameof(TotalSteps), "to be null or ≥ 2", TotalSteps!);
    }

    /// <summary>Throws when the cycle's phases are too short for <paramref name="totalSteps"/>, as PyTorch would divide by zero.</summary>
    internal void CheckLength(long totalSteps)
    {
        long total = TotalSteps ?? totalSteps;
        double firstEnd = PercentStart * total - 1;
        if (!(firstEnd > 0) || ThreePhase && !(2.0 * PercentStart * total - 2 > firstEnd) || !(total - 1 > (ThreePhase ? 2.0 * PercentStart * total - 2 : firstEnd)))
            throw new ArgumentException($"A one-cycle schedule of {total} steps with {nameof(PercentStart)} {PercentStart} has a phase of no steps; expected more steps (or another {nameof(PercentStart)}).", nameof(TotalSteps));
    }
}

/// <summary>
/// Multiplies the learning rate by <see cref="Factor"/> when the monitored validation metric has not improved for
/// <see cref="Patience"/> validations, as <c>torch.optim.lr_scheduler.ReduceLROnPlateau</c> (stepped after each
/// validation: each epoch's end, and every <see cref="TrainerOptions.ValidationInterval"/> steps when set). The metric
/// is the one <see cref="TrainerOptions.Monitor"/> names; without a validation set, the epoch's training loss.
/// </summary>
public sealed class ReduceLearningRateOnPlateau : LearningRateScheduler
{
    // State: [learning rate, best, bad validations, cooldown counter].
    private const int Rate = 0, Best = 1, Bad = 2, CooldownLeft = 3;

    /// <summary>Creates the schedule; the defaults are PyTorch's.</summary>
    /// <param name="mode">Whether lower (a loss) or higher (an accuracy) is better; must agree with <see cref="TrainerOptions.Monitor"/>.</param>
    /// <param name="factor">The factor of a reduction, in [0, 1).</param>
    /// <param name="patience">The number of validations without improvement tolerated, ≥ 0.</param>
    /// <param name="threshold">The least change that counts as an improvement, ≥ 0.</param>
    /// <param name="thresholdMode">Whether the threshold is relative or absolute.</param>
    /// <param name="cooldown">The number of validations to wait after a reduction before counting again, ≥ 0.</param>
    /// <param name="minLearningRate">The learning rate never goes below this, ≥ 0.</param>
    /// <param name="epsilon">A reduction smaller than this is skipped, ≥ 0.</param>
    public ReduceLearningRateOnPlateau(PlateauMode mode = PlateauMode.Min, float factor = 0.1f, int patience = 10,
        float threshold = 1e-4f, ThresholdMode thresholdMode = ThresholdMode.Relative, int cooldown = 0,
        float minLearningRate = 0f, float epsilon = 1e-8f)
    {
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        MinLearningRate = minLearningRate;
        Epsilon = epsilon;
    }

    /// <summary>Whether lower or higher is better.</summary>
    public PlateauMode Mode { get; }

    /// <summary>The factor of a reduction.</summary>
    public float Factor { get; }

    /// <summary>The number of validations without improvement tolerated.</summary>
    public int Patience { get; }

    /// <summary>The least change that counts as an improvement.</summary>
    public float Threshold { get; }

    /// <summary>Whether <see cref="Threshold"/> is relative or absolute.</summary>
    public ThresholdMode ThresholdMode { get; }

    /// <summary>The number of validations to wait after a reduction.</summary>
    public int Cooldown { get; }

    /// <summary>The floor of the learning rate.</summary>
    public float MinLearningRate { get; }

    /// <summary>A reduction smaller than this is skipped.</summary>
    public float Epsilon { get; }

    internal override int StateLength => 4;

    internal override void Initialize(double baseLearningRate, Span<double> state)
    {
        state[Rate] = baseLearningRate;
        state[Best] = Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
        state[Bad] = 0;
        state[CooldownLeft] = 0;
    }

    internal override double LearningRate(double baseLearningRate, long step, int epoch, long totalSteps, ReadOnlySpan<double> state) => state[Rate];

    internal override void OnValidation(double metric, Span<double> state)
    {
        if (IsBetter(metric, state[Best]))
        {
            state[Best] = metric;
            state[Bad] = 0;
        }
        else
        {
            state[Bad]++;
        }
        if (state[CooldownLeft] > 0)
        {
            state[CooldownLeft]--;
            state[Bad] = 0;
        }
        if (state[Bad] > Patience)
        {
            // PyTorch keeps the learning rate as a Python float: the reduction is in double precision.
            double old = state[Rate];
            double reduced = Math.Max(old * Factor, MinLearningRate);
            if (old - reduced > Epsilon) state[Rate] = reduced;
            state[CooldownLeft] = Cooldown;
            state[Bad] = 0;
        }
    }

    private bool IsBetter(double a, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Relative) => a < best * (1.0 - Threshold),
        (PlateauMode.Min, ThresholdMode.Absolute) => a < best - Threshold,
        (PlateauMode.Max, ThresholdMode.Relative) => a > best * (Threshold + 1.0),
        _ => a > best + Threshold,
    };

    internal override void Validate()
    {
        Check(Compat.IsDefined(Mode), nameof(Mode), "to be Min or Max", (int)Mode);
        Check(Factor >= 0f && Factor < 1f, nameof(Factor), "in [0, 1)", Factor);
        Check(Patience >= 0, nameof(Patience), "≥ 0", Patience);
        Check(Threshold >= 0f && float.IsFinite(Threshold), nameof(Threshold), "to be a finite number ≥ 0", Threshold);
        Check(Compat.IsDefined(ThresholdMode), nameof(ThresholdMode), "to be Relative or Absolute", (int)ThresholdMode);
        Check(Cooldown >= 0, nameof(Cooldown), "≥ 0", Cooldown);
        Check(MinLearningRate >= 0f && float.IsFinite(MinLearningRate), nameof(MinLearningRate), "to be a finite number ≥ 0", MinLearningRate);
        Check(Epsilon >= 0f && float.IsFinite(Epsilon), nameof(Epsilon), "to be a finite number ≥ 0", Epsilon);
    }
}
