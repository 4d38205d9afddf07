using System;

namespace StaticNet.Training;

/// <summary>The validation metric that early stopping and best-weight restoring watch.</summary>
public enum MonitoredMetric
{
    /// <summary>The mean loss on the validation set; lower is better.</summary>
    ValidationLoss = 0,

    /// <summary>The classification accuracy on the validation set; higher is better.</summary>
    ValidationAccuracy = 1,
}

/// <summary>How the learning rate changes over a <see cref="Trainer.Fit"/> run.</summary>
public enum LearningRateSchedule
{
    /// <summary>The optimizer's learning rate throughout.</summary>
    Constant = 0,

    /// <summary>
    /// Cosine annealing per batch from the optimizer's learning rate down to
    /// <see cref="TrainerOptions.FinalLearningRateFactor"/> times it at the last batch of the last epoch, as
    /// <c>torch.optim.lr_scheduler.CosineAnnealingLR</c> stepped per batch.
    /// </summary>
    Cosine = 1,
}

/// <summary>
/// How a <see cref="Trainer"/> runs: epochs, batch size, shuffling, learning-rate schedule and warm-up, early stopping,
/// validation interval, metrics log, checkpoints and input augmentation (see docs/training.md).
/// </summary>
public sealed class TrainerOptions
{
    /// <summary>The number of passes over the training set, ≥ 1. Default 10.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>The number of samples per training step, ≥ 1; the last batch of an epoch may be smaller. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>The seed of the random shuffle; the same seed, data and network give the same weights. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Whether each epoch visits the training samples in a new random order. Default true.</summary>
    public bool Shuffle { get; set; } = true;

    /// <summary>
    /// Stop after this many epochs in a row without an improvement of <see cref="Monitor"/> of more than
    /// <see cref="MinDelta"/>; 0 (the default) never stops early. Needs a validation set.
    /// </summary>
    public int EarlyStoppingPatience { get; set; }

    /// <summary>The smallest change of <see cref="Monitor"/> that counts as an improvement, ≥ 0. Default 0.</summary>
    public float MinDelta { get; set; }

    /// <summary>
    /// Whether, when there is a validation set, training ends with the weights of the epoch that was best on
    /// <see cref="Monitor"/> rather than those of the last epoch. Default true.
    /// </summary>
    public bool RestoreBestWeights { get; set; } = true;

    /// <summary>The validation metric that decides the best epoch. Default <see cref="MonitoredMetric.ValidationLoss"/>.</summary>
    public MonitoredMetric Monitor { get; set; } = MonitoredMetric.ValidationLoss;

    /// <summary>How the learning rate changes over the run. Default <see cref="LearningRateSchedule.Constant"/>.</summary>
    public LearningRateSchedule LearningRateSchedule { get; set; } = LearningRateSchedule.Constant;

    /// <summary>For <see cref="LearningRateSchedule.Cosine"/>, the final learning rate as a fraction of the initial one, in [0, 1]. Default 0.</summary>
    public float FinalLearningRateFactor { get; set; }

    /// <summary>
    /// A learning-rate schedule (<see cref="StepLearningRate"/>, <see cref="ExponentialLearningRate"/>,
    /// <see cref="OneCycleLearningRate"/>, <see cref="ReduceLearningRateOnPlateau"/>), or null (the default) for
    /// <see cref="LearningRateSchedule"/>. Set one or the other, not both.
    /// </summary>
    public LearningRateScheduler? Scheduler { get; set; }

    /// <summary>
    /// The number of steps of linear warm-up, ≥ 0: the scheduled learning rate is multiplied by a factor that rises
    /// linearly from <see cref="WarmupStartFactor"/> at step 0 to 1 at this step, as <c>torch.optim.lr_scheduler.LinearLR</c>
    /// stepped per batch and chained with the schedule. Combines with every schedule. Default 0 (none).
    /// </summary>
    public int WarmupSteps { get; set; }

    /// <summary>The warm-up's first factor, in (0, 1]. Default 1/3, as <c>LinearLR</c>'s <c>start_factor</c>.</summary>
    public float WarmupStartFactor { get; set; } = 1f / 3f;

    /// <summary>
    /// Also evaluate the validation set every this many training steps (within epochs; an epoch's end always
    /// evaluates), ≥ 0; 0 (the default) evaluates at epoch ends only. Each such validation is reported through the
    /// progress (with <see cref="TrainingProgress.IsEpochEnd"/> false and the validation metrics set), written to the
    /// <see cref="MetricsLogPath"/> and fed to <see cref="ReduceLearningRateOnPlateau"/>; early stopping and the best
    /// weights look at epoch ends only. Needs a validation set.
    /// </summary>
    public int ValidationInterval { get; set; }

    /// <summary>
    /// A CSV file to write the metrics to, or null (the default) for none: a header, then one row per epoch and per
    /// validation within an epoch (<c>kind,epoch,step,train_loss,validation_loss,validation_accuracy,learning_rate,seconds</c>,
    /// invariant culture, empty fields for what is not measured), flushed row by row: <c>kind</c> is <c>epoch</c> or
    /// <c>validation</c>, <c>step</c> the training steps done in the whole run, <c>train_loss</c> the mean over the
    /// epoch's samples so far, <c>learning_rate</c> that of the last step, <c>seconds</c> the time since this
    /// <see cref="Trainer.Fit"/> started. A run resumed from a checkpoint appends to an existing file.
    /// </summary>
    public string? MetricsLogPath { get; set; }

    /// <summary>The directory for <see cref="CheckpointInterval"/> and <see cref="SaveBestCheckpoint"/> checkpoints (created if needed); null (the default) for none.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>
    /// Save a checkpoint (weights, optimizer state and the trainer's position) every this many epochs, as
    /// <c>epoch-0005.safetensors</c> in <see cref="CheckpointDirectory"/>, ≥ 0; 0 (the default) saves none. Resume with
    /// <see cref="Trainer.LoadCheckpoint(string)"/>.
    /// </summary>
    public int CheckpointInterval { get; set; }

    /// <summary>
    /// Whether to save a checkpoint as <c>best.safetensors</c> in <see cref="CheckpointDirectory"/> after every epoch that
    /// improves <see cref="Monitor"/>. Needs a validation set. Default false.
    /// </summary>
    public bool SaveBestCheckpoint { get; set; }

    /// <summary>Random changes to the training inputs (noise, image shifts and flips), or null (the default) for none.</summary>
    public Augmentation? Augmentation { get; set; }

    /// <summary>
    /// The most threads each training step runs the batch's 32-row chunks on, set on the network when
    /// <see cref="Trainer.Fit"/> starts; <see langword="null"/> (the default) keeps the network's own setting, which is
    /// the machine's logical processors. The weights do not depend on it. A step uses at most one thread per chunk, so
    /// a batch of <see cref="BatchSize"/> keeps <c>⌈BatchSize / 32⌉</c> threads busy: for all of 8 cores, 256 or more.
    /// </summary>
    public int? MaxDegreeOfParallelism { get; set; }

    internal void Validate()
    {
        if (Epochs < 1)
            throw new ArgumentException($"Expected {nameof(Epochs)} ≥ 1; found {Epochs}.", nameof(Epochs));
        if (BatchSize < 1)
            throw new ArgumentException($"Expected {nameof(BatchSize)} ≥ 1; found {BatchSize}.", nameof(BatchSize));
        if (MaxDegreeOfParallelism is < 1)
            throw new ArgumentException($"Expected {nameof(MaxDegreeOfParallelism)} ≥ 1 (or null for the network's own setting); found {MaxDegreeOfParallelism}.", nameof(MaxDegreeOfParallelism));
        if (EarlyStoppingPatience < 0)
            throw new ArgumentException($"Expected {nameof(EarlyStoppingPatience)} ≥ 0 (0 turns early stopping off); found {EarlyStoppingPatience}.", nameof(EarlyStoppingPatience));
        if (!(MinDelta >= 0f) || float.IsInfinity(MinDelta))
            throw new ArgumentException($"Expected {nameof(MinDelta)} to be a finite number ≥ 0; found {MinDelta}.", nameof(MinDelta));
        if (!Compat.IsDefined(LearningRateSchedule))
            throw new ArgumentException($"Expected {nameof(LearningRateSchedule)} to be {nameof(LearningRateSchedule.Constant)} or {nameof(LearningRateSchedule.Cosine)}; found {(int)LearningRateSchedule}.", nameof(LearningRateSchedule));
        if (!(FinalLearningRateFactor >= 0f && FinalLearningRateFactor <= 1f))
            throw new ArgumentException($"Expected {nameof(FinalLearningRateFactor)} in [0, 1]; found {FinalLearningRateFactor}.", nameof(FinalLearningRateFactor));
        if (Scheduler is not null && LearningRateSchedule != LearningRateSchedule.Constant)
            throw new ArgumentException($"Expected either {nameof(Scheduler)} or {nameof(LearningRateSchedule)}.{LearningRateSchedule}; found both set. Set {nameof(LearningRateSchedule)} to {nameof(LearningRateSchedule.Constant)} to use the scheduler.", nameof(Scheduler));
        Scheduler?.Validate();
        if (WarmupSteps < 0)
            throw new ArgumentException($"Expected {nameof(WarmupSteps)} ≥ 0 (0 turns warm-up off); found {WarmupSteps}.", nameof(WarmupSteps));
        if (!(WarmupStartFactor > 0f && WarmupStartFactor <= 1f))
            throw new ArgumentException($"Expected {nameof(WarmupStartFactor)} in (0, 1]; found {WarmupStartFactor}.", nameof(WarmupStartFactor));
        if (ValidationInterval < 0)
            throw new ArgumentException($"Expected {nameof(ValidationInterval)} ≥ 0 (0: at epoch ends only); found {ValidationInterval}.", nameof(ValidationInterval));
        if (CheckpointInterval < 0)
            throw new ArgumentException($"Expected {nameof(CheckpointInterval)} ≥ 0 (0 saves none); found {CheckpointInterval}.", nameof(CheckpointInterval));
        if ((CheckpointInterval > 0 || SaveBestCheckpoint) && string.IsNullOrEmpty(CheckpointDirectory))
            throw new ArgumentException($"{(CheckpointInterval > 0 ? $"{nameof(CheckpointInterval)} {CheckpointInterval}" : nameof(SaveBestCheckpoint))} saves checkpoints into {nameof(CheckpointDirectory)}; found none set.", nameof(CheckpointDirectory));
        if (!Compat.IsDefined(Monitor))
            throw new ArgumentException($"Expected {nameof(Monitor)} to be {nameof(MonitoredMetric.ValidationLoss)} or {nameof(MonitoredMetric.ValidationAccuracy)}; found {(int)Monitor}.", nameof(Monitor));
    }
}
