using System.Collections.Generic;

namespace StaticNet.Training;

/// <summary>The metrics of one epoch of a <see cref="Trainer.Fit"/> run.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="TrainLoss">The mean training loss over the epoch's samples, measured as the weights changed.</param>
/// <param name="ValidationLoss">The mean validation loss after the epoch, or null without a validation set.</param>
/// <param name="ValidationAccuracy">The validation accuracy after the epoch, or null without a classification validation set.</param>
/// <param name="Seconds">The wall-clock time of the epoch, validation included.</param>
public readonly record struct EpochRecord(int Epoch, double TrainLoss, double? ValidationLoss, double? ValidationAccuracy, double Seconds)
{
    /// <summary>
    /// The accuracy after the epoch, in inference mode (no dropout, BatchNorm's running statistics, as the validation
    /// accuracy), on a fixed seeded sample of the training set as large as the validation set (the whole training set
    /// when it is smaller); null without a classification validation set. Next to <see cref="ValidationAccuracy"/> it
    /// shows over-fitting.
    /// </summary>
    public double? TrainAccuracy { get; init; }

    /// <summary>The optimizer's learning rate at the epoch's first step (a schedule may change it within the epoch); null when not recorded.</summary>
    public double? LearningRate { get; init; }

    /// <summary>The part of <see cref="Seconds"/> spent evaluating after the epoch (validation and training accuracy); 0 without a validation set.</summary>
    public double EvaluationSeconds { get; init; }

    /// <summary>The seconds spent training, without the evaluation after the epoch.</summary>
    public double TrainingSeconds => Seconds - EvaluationSeconds;
}

/// <summary>What a <see cref="Trainer.Fit"/> run did.</summary>
public sealed class TrainingResult
{
    internal TrainingResult(IReadOnlyList<EpochRecord> history, int bestEpoch, bool stoppedEarly, bool restoredBestWeights)
    {
        History = history;
        BestEpoch = bestEpoch;
        StoppedEarly = stoppedEarly;
        RestoredBestWeights = restoredBestWeights;
    }

    /// <summary>The number of epochs run.</summary>
    public int EpochsRun => History.Count;

    /// <summary>
    /// The epoch (from 1) that was best on the monitored validation metric; without a validation set, the last epoch.
    /// </summary>
    public int BestEpoch { get; }

    /// <summary>Whether early stopping ended the run before the last epoch.</summary>
    public bool StoppedEarly { get; }

    /// <summary>Whether the network's weights were set back to those of <see cref="BestEpoch"/> at the end of the run.</summary>
    public bool RestoredBestWeights { get; }

    /// <summary>One record per epoch run, in order.</summary>
    public IReadOnlyList<EpochRecord> History { get; }
}
