using System;

namespace StaticNet.Training;

/// <summary>
/// Where a <see cref="Trainer.Fit"/> run is: reported at most about every 50 ms during an epoch, and at the end of
/// each epoch (<see cref="IsEpochEnd"/>, with the validation metrics). <see cref="ConsoleProgress"/> displays them.
/// </summary>
/// <param name="Epoch">The current epoch, from 1.</param>
/// <param name="Epochs">The number of epochs the run will do unless it stops early.</param>
/// <param name="Batch">The number of batches of the current epoch done so far, from 1.</param>
/// <param name="BatchesPerEpoch">The number of batches in an epoch.</param>
/// <param name="TrainLoss">The mean training loss of the current epoch's samples so far.</param>
/// <param name="ValidationLoss">At an epoch's end with a validation set (or at a validation within an epoch, see <see cref="TrainerOptions.ValidationInterval"/>), the mean validation loss; otherwise null.</param>
/// <param name="ValidationAccuracy">When <paramref name="ValidationLoss"/> is set and the network is a classifier, the validation accuracy; otherwise null.</param>
/// <param name="Elapsed">The time since the run started.</param>
/// <param name="IsEpochEnd">Whether this report closes an epoch.</param>
public readonly record struct TrainingProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int BatchesPerEpoch,
    double TrainLoss,
    double? ValidationLoss,
    double? ValidationAccuracy,
    TimeSpan Elapsed,
    bool IsEpochEnd)
{
    /// <summary>The number of training samples of the current epoch done so far; 0 when the reporter does not say.</summary>
    public int Samples { get; init; }

    /// <summary>The number of training samples in an epoch; 0 when the reporter does not say.</summary>
    public int SamplesPerEpoch { get; init; }

    /// <summary>The optimizer's learning rate at the last step (it changes under a schedule); null when not known.</summary>
    public double? LearningRate { get; init; }

    /// <summary>
    /// At an epoch's end, the accuracy on a sample of the training set (see <see cref="EpochRecord.TrainAccuracy"/>);
    /// otherwise null.
    /// </summary>
    public double? TrainAccuracy { get; init; }
}
