using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using StaticNet.Metrics;
using StaticNet.Optimizers;

namespace StaticNet.Training;

/// <summary>
/// Trains a network with mini-batches: shuffled epochs, validation after each epoch, early stopping, progress reports.
/// </summary>
/// <example>
/// <code>
/// var trainer = new Trainer(net, new Adam(1e-3f), new TrainerOptions { Epochs = 20, EarlyStoppingPatience = 3 });
/// TrainingResult result = trainer.Fit(train, validation, new Progress&lt;TrainingProgress&gt;(p => Console.WriteLine(p)));
/// </code>
/// </example>
public sealed class Trainer
{
    // Reports during an epoch are at least this far apart, so that a fast network is not slowed down by its observer.
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(50);

    // Rows per ComputeLoss/ForwardBatch call when evaluating, so that networks need no scratch memory for a whole set.
    private const int EvaluationChunkRows = ConfusionMatrix.PredictionChunkRows;

    private readonly ITrainableNetwork _network;
    private readonly Optimizer _optimizer;
    private readonly TrainerOptions _options;

    /// <summary>Creates a trainer. The options are read at each <see cref="Fit"/>.</summary>
    /// <param name="network">The network to train.</param>
    /// <param name="optimizer">The optimizer that applies each step; use one optimizer per network.</param>
    /// <param name="options">How to train; null for the defaults.</param>
    public Trainer(ITrainableNetwork network, Optimizer optimizer, TrainerOptions? options = null)
    {
        Throw.IfNull(network);
        Throw.IfNull(optimizer);
        _network = network;
        _optimizer = optimizer;
        _options = options ?? new TrainerOptions();
    }

    /// <summary>The options of this trainer; changes apply to the next <see cref="Fit"/>.</summary>
    public TrainerOptions Options => _options;

    /// <summary>
    /// Trains the network on <paramref name="train"/> for <see cref="TrainerOptions.Epochs"/> epochs, or fewer when early
    /// stopping ends the run. Each epoch visits every sample once, in a seeded random order when
    /// <see cref="TrainerOptions.Shuffle"/> is on, in batches of <see cref="TrainerOptions.BatchSize"/> (the last may be
    /// smaller); after each epoch the network is evaluated on <paramref name="validation"/>, if given.
    /// </summary>
    /// <param name="train">The training samples; their sizes must be the network's.</param>
    /// <param name="validation">Samples to evaluate after each epoch, for early stopping and best weights; may be null.</param>
    /// <param name="progress">Receives progress reports, at most about every 50 ms and at each epoch's end; may be null.</param>
    /// <param name="cancellationToken">Checked before each batch. On cancellation, the weights are those of the last step.</param>
    /// <returns>The per-epoch history, the best epoch, and whether the run stopped early.</returns>
    /// <exception cref="ArgumentException">
    /// A dataset's sizes differ from the network's, the training set is empty, an option is out of range, or an
    /// option needs a validation set (or a classifier) that is not there.
    /// </exception>
    /// <exception cref="TrainingDivergedException">
    /// A step produced a loss (or gradient) that is not finite; the message says in which epoch and batch. The weights
    /// are those of the last good step (a failed step changes nothing). Or the validation loss after an epoch is NaN or
    /// infinite (early stopping never ignores it); then, if <see cref="TrainerOptions.RestoreBestWeights"/> is on and an
    /// earlier epoch had a finite validation loss, the weights (with BatchNorm's running statistics) are restored to the
    /// best such epoch's, as at the end of a run; otherwise they are those at the end of the diverged epoch. The
    /// optimizer's state is that of the last good step in both cases.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public TrainingResult Fit(Dataset train, Dataset? validation = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        Throw.IfNull(train);
        TrainerOptions options = _options;
        options.Validate();
        Dataset.CheckCompatible(_network, train, nameof(train));
        if (train.Count == 0) throw new ArgumentException("Expected at least one training sample; found an empty dataset.", nameof(train));
        if (validation is not null)
        {
            Dataset.CheckCompatible(_network, validation, nameof(validation));
            if (validation.Count == 0) throw new ArgumentException("Expected at least one validation sample; found an empty dataset.", nameof(validation));
        }
        else if (options.EarlyStoppingPatience > 0)
        {
            throw new ArgumentException($"Early stopping (patience {options.EarlyStoppingPatience}) watches a validation metric; found no validation set.", nameof(validation));
        }
        bool monitorsAccuracy = options.Monitor == MonitoredMetric.ValidationAccuracy;
        if (validation is not null && monitorsAccuracy && !IsClassifier(_network))
            throw new ArgumentException($"{nameof(MonitoredMetric.ValidationAccuracy)} needs a classifier (more than one output, or one output with binary cross-entropy); found {_network.OutputSize} output(s) with {_network.Loss}.", nameof(options.Monitor));

        if (options.MaxDegreeOfParallelism is int degree) _network.MaxDegreeOfParallelism = degree;

        // Everything the epochs need is allocated here, once.
        int inputSize = train.InputSize, outputSize = train.OutputSize;
        int batchSize = Math.Min(options.BatchSize, train.Count);
        int batchesPerEpoch = (train.Count + batchSize - 1) / batchSize;
        var batchInputs = new float[batchSize * inputSize];
        var batchTargets = new float[batchSize * outputSize];
        var order = new int[train.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var random = new Random(options.Seed);
        var validationScratch = validation is null ? null : new EvaluationScratch(_network);
        float[]? bestWeights = validation is not null && options.RestoreBestWeights ? new float[_network.Parameters.Length] : null;

        var history = new List<EpochRecord>(options.Epochs);
        var clock = Stopwatch.StartNew();
        TimeSpan lastReport = TimeSpan.Zero;
        double bestScore = double.NaN;
        int bestEpoch = 0, epochsWithoutImprovement = 0;
        bool stoppedEarly = false;
        float initialLearningRate = _optimizer.LearningRate;
        long totalSteps = (long)options.Epochs * batchesPerEpoch, step = 0;

        try
        {
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            TimeSpan epochStart = clock.Elapsed;
            if (options.Shuffle) SeededShuffle.Shuffle(order, random);

            double lossSum = 0;   // sum over samples of the batch-mean loss × the batch's sample count
            int samplesSeen = 0;
            for (int batch = 1; batch <= batchesPerEpoch; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int first = (batch - 1) * batchSize;
                int rows = Math.Min(batchSize, train.Count - first);
                for (int r = 0; r < rows; r++)
                {
                    train.GetFeatures(order[first + r]).CopyTo(batchInputs.AsSpan(r * inputSize, inputSize));
                    train.GetTargets(order[first + r]).CopyTo(batchTargets.AsSpan(r * outputSize, outputSize));
                }

                if (options.LearningRateSchedule == LearningRateSchedule.Cosine)
                    _optimizer.LearningRate = CosineLearningRate(initialLearningRate, options.FinalLearningRateFactor, step, totalSteps);
                step++;

                float loss;
                try
                {
                    loss = _network.TrainStep(batchInputs.AsSpan(0, rows * inputSize), batchTargets.AsSpan(0, rows * outputSize), _optimizer);
                }
                catch (TrainingDivergedException e)
                {
                    throw new TrainingDivergedException($"Epoch {epoch} of {options.Epochs}, batch {batch} of {batchesPerEpoch}: {e.Message}", e);
                }
                lossSum += (double)loss * rows;
                samplesSeen += rows;

                if (progress is not null && batch < batchesPerEpoch && clock.Elapsed - lastReport >= ProgressInterval)
                {
                    lastReport = clock.Elapsed;
                    progress.Report(new TrainingProgress(epoch, options.Epochs, batch, batchesPerEpoch, lossSum / samplesSeen,
                        null, null, lastReport, IsEpochEnd: false));
                }
            }

            double trainLoss = lossSum / samplesSeen;
            Evaluation? evaluation = validation is null ? null : EvaluateWith(_network, validation, validationScratch!);
            history.Add(new EpochRecord(epoch, trainLoss, evaluation?.Loss, evaluation?.Accuracy, (clock.Elapsed - epochStart).TotalSeconds));
            if (progress is not null)
            {
                lastReport = clock.Elapsed;
                progress.Report(new TrainingProgress(epoch, options.Epochs, batchesPerEpoch, batchesPerEpoch, trainLoss,
                    evaluation?.Loss, evaluation?.Accuracy, lastReport, IsEpochEnd: true));
            }

            if (evaluation is { } checkedResult && !double.IsFinite(checkedResult.Loss))
            {
                // A diverged model must not be kept, nor an epoch of it ignored as "no improvement".
                bool restored = bestWeights is not null && history.Count > 1 && !double.IsNaN(bestScore);
                if (restored) bestWeights.AsSpan().CopyTo(_network.Parameters);
                throw new TrainingDivergedException(
                    $"Epoch {epoch} of {options.Epochs}: training diverged: the validation loss is {checkedResult.Loss} (expected a finite number). " +
                    (restored
                        ? $"Training stopped; the weights are those of the best epoch, {bestEpoch}. "
                        : "Training stopped; the weights are those at the end of this epoch. ") +
                    "Lower the learning rate, scale the inputs (check the validation set for NaN or infinite values), or clip gradients.",
                    (float)checkedResult.Loss);
            }
            if (evaluation is not { } validationResult)
            {
                bestEpoch = epoch;
                continue;
            }
            // Lower loss or higher accuracy is better; compare on a "higher is better" score (NaN until the first).
            double score = monitorsAccuracy ? validationResult.Accuracy ?? double.NaN : -validationResult.Loss;
            if (double.IsNaN(bestScore) || score > bestScore + options.MinDelta)
            {
                bestScore = score;
                bestEpoch = epoch;
                epochsWithoutImprovement = 0;
                if (bestWeights is not null) _network.Parameters.CopyTo(bestWeights);
            }
            else if (options.EarlyStoppingPatience > 0 && ++epochsWithoutImprovement >= options.EarlyStoppingPatience)
            {
                stoppedEarly = epoch < options.Epochs;
                break;
            }
        }

        }
        finally
        {
            _optimizer.LearningRate = initialLearningRate;
        }

        bool restore = bestWeights is not null && bestEpoch != history.Count;
        if (restore) bestWeights.AsSpan().CopyTo(_network.Parameters);
        return new TrainingResult(history, bestEpoch, stoppedEarly, restore);
    }

    /// <summary>The learning rate of step <paramref name="step"/> (from 0) of <paramref name="totalSteps"/> under cosine annealing.</summary>
    internal static float CosineLearningRate(float initial, float finalFactor, long step, long totalSteps)
    {
        double progress = totalSteps <= 1 ? 0 : (double)step / (totalSteps - 1);
        double factor = finalFactor + (1 - finalFactor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
        return (float)(initial * factor);
    }

    /// <summary>
    /// The mean loss of a network on a dataset and, when the network is a classifier (more than one output, or one
    /// output with binary cross-entropy), its accuracy. Changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The dataset's sizes differ from the network's, or it is empty.</exception>
    public static Evaluation Evaluate(ITrainableNetwork network, Dataset data)
    {
        Throw.IfNull(network);
        Throw.IfNull(data);
        Dataset.CheckCompatible(network, data, nameof(data));
        if (data.Count == 0) throw new ArgumentException("Expected at least one sample; found an empty dataset.", nameof(data));
        return EvaluateWith(network, data, new EvaluationScratch(network));
    }

    private static Evaluation EvaluateWith(ITrainableNetwork network, Dataset data, EvaluationScratch scratch)
    {
        // The chunk losses are means; weight each by its row count to get the mean over all samples.
        double lossSum = 0;
        for (int start = 0; start < data.Count; start += EvaluationChunkRows)
        {
            int rows = Math.Min(EvaluationChunkRows, data.Count - start);
            lossSum += (double)rows * network.ComputeLoss(
                data.Features.Slice(start * data.InputSize, rows * data.InputSize),
                data.Targets.Slice(start * data.OutputSize, rows * data.OutputSize));
        }

        double? accuracy = null;
        if (scratch.Confusion is { } confusion)
        {
            confusion.Clear();
            confusion.AddPredictions(network, data, scratch.Outputs);
            accuracy = confusion.Accuracy;
        }
        return new Evaluation(lossSum / data.Count, accuracy);
    }

    private static bool IsClassifier(ITrainableNetwork network) =>
        network.OutputSize > 1 || network.Loss == Loss.BinaryCrossEntropy;

    // Buffers for evaluating one network, reused across epochs.
    private sealed class EvaluationScratch
    {
        public EvaluationScratch(ITrainableNetwork network)
        {
            Outputs = new float[EvaluationChunkRows * network.OutputSize];
            Confusion = IsClassifier(network) ? new ConfusionMatrix(Math.Max(2, network.OutputSize)) : null;
        }

        public float[] Outputs { get; }

        public ConfusionMatrix? Confusion { get; }
    }
}
