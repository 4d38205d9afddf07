using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using StaticNet.Metrics;
using StaticNet.Optimizers;

namespace StaticNet.Training;

/// <summary>
/// Trains a network with mini-batches: shuffled epochs, validation after each epoch (and every
/// <see cref="TrainerOptions.ValidationInterval"/> steps), early stopping, learning-rate schedules, input augmentation,
/// progress reports, a CSV metrics log, and checkpoints to resume from (see docs/training.md).
/// </summary>
/// <example>
/// <code>
/// var trainer = new Trainer(net, new Adam(1e-3f), new TrainerOptions { Epochs = 20, EarlyStoppingPatience = 3 });
/// TrainingResult result = trainer.Fit(train, validation, new ConsoleProgress());   // one line per epoch, live on a terminal
/// TrainingReport.Create(net, result, test).Write("report.html");                    // curves, confusion matrix, model
/// </code>
/// <see cref="ConsoleProgress"/> reports synchronously, on the training thread; <see cref="Progress{T}"/> would post
/// each report to the thread pool, and some would arrive after <see cref="Fit"/> returned.
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
    private TrainerCheckpoint? _resume;                       // a loaded checkpoint the next Fit continues from
    private TrainerCheckpoint? _last;                         // the loaded state, for SaveCheckpoint before a Fit
    private Func<int, TrainerCheckpoint>? _lastEpoch;          // builds the state after the last epoch of the last Fit
    private int _lastEpochNumber;
    private int _interruptedEpoch;                              // the epoch the last Fit left unfinished (it threw), or 0

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
    /// <returns>The per-epoch history (from epoch 1, those before a loaded checkpoint included), the best epoch, and whether the run stopped early.</returns>
    /// <remarks>
    /// After <see cref="LoadCheckpoint(string)"/> of a trainer's checkpoint, the next call resumes that run after its
    /// last epoch (up to <see cref="TrainerOptions.Epochs"/>), bit-identically to the uninterrupted run; otherwise each
    /// call starts at epoch 1 from the network's and optimizer's current state.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// A dataset's sizes differ from the network's, the training set is empty, an option is out of range, an option
    /// needs a validation set (or a classifier) that is not there, or a loaded checkpoint's run had other data or
    /// options (the message lists the differences).
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
        else if (options.ValidationInterval > 0)
        {
            throw new ArgumentException($"{nameof(TrainerOptions.ValidationInterval)} {options.ValidationInterval} evaluates a validation set every {options.ValidationInterval} steps; found no validation set.", nameof(validation));
        }
        else if (options.SaveBestCheckpoint)
        {
            throw new ArgumentException($"{nameof(TrainerOptions.SaveBestCheckpoint)} keeps the epoch best on a validation metric; found no validation set.", nameof(validation));
        }
        bool monitorsAccuracy = options.Monitor == MonitoredMetric.ValidationAccuracy;
        if (validation is not null && monitorsAccuracy && !IsClassifier(_network))
            throw new ArgumentException($"{nameof(MonitoredMetric.ValidationAccuracy)} needs a classifier (more than one output, or one output with binary cross-entropy); found {_network.OutputSize} output(s) with {_network.Loss}.", nameof(options.Monitor));
        LearningRateScheduler? scheduler = options.Scheduler;
        if (scheduler is ReduceLearningRateOnPlateau plateau)
        {
            PlateauMode expected = validation is not null && monitorsAccuracy ? PlateauMode.Max : PlateauMode.Min;
            if (plateau.Mode != expected)
                throw new ArgumentException($"{nameof(ReduceLearningRateOnPlateau)} watches the {(validation is null ? "training loss (there is no validation set)" : options.Monitor.ToString())}, for which {expected} is better; found mode {plateau.Mode}.", nameof(options.Scheduler));
        }
        options.Augmentation?.Validate(_network.InputSize);

        if (options.MaxDegreeOfParallelism is int degree) _network.MaxDegreeOfParallelism = degree;

        // Everything the epochs need is allocated here, once.
        int inputSize = train.InputSize, outputSize = train.OutputSize;
        int batchSize = Math.Min(options.BatchSize, train.Count);
        int batchesPerEpoch = (train.Count + batchSize - 1) / batchSize;
        long totalSteps = (long)options.Epochs * batchesPerEpoch;
        (scheduler as OneCycleLearningRate)?.CheckLength(totalSteps);
        string schedule = DescribeSchedule(options);

        TrainerCheckpoint? resume = _resume;
        if (resume is not null) CheckResumable(resume, options, train, validation, schedule);

        var batchInputs = new float[batchSize * inputSize];
        var batchTargets = new float[batchSize * outputSize];
        var order = new int[train.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var random = new Random(options.Seed);
        var validationScratch = validation is null ? null : new EvaluationScratch(_network);
        float[]? bestWeights = validation is not null && options.RestoreBestWeights ? new float[_network.Parameters.Length] : null;
        var scheduleState = new double[scheduler?.StateLength ?? 0];
        Augmentation? augmentation = options.Augmentation;
        Augmenter? augmenter = augmentation is not null && (augmentation.Moves || augmentation.NoiseStandardDeviation > 0f)
            ? new Augmenter(augmentation, inputSize, resume?.AugmentationState ?? Augmenter.InitialState(options.Seed))
            : null;
        TrainingAccuracySample? trainSample = TrainingAccuracySample.For(_network, train, validation, options.Seed);

        var history = new List<EpochRecord>(options.Epochs);
        var clock = Stopwatch.StartNew();
        TimeSpan lastReport = TimeSpan.Zero;
        double bestScore = double.NaN;
        int bestEpoch = 0, epochsWithoutImprovement = 0, firstEpoch = 1;
        bool stoppedEarly = false;
        float initialLearningRate = _optimizer.LearningRate;
        long step = 0;
        scheduler?.Initialize(initialLearningRate, scheduleState);
        if (resume is not null)
        {
            // Continue where the checkpoint left off: the same shuffles (replayed from the seed), schedule position,
            // early-stopping bookkeeping and history; the network, optimizer and dropout state came with the checkpoint.
            if (options.Shuffle)
                for (int e = 0; e < resume.Epoch; e++) SeededShuffle.Shuffle(order, random);
            history.AddRange(resume.History);
            bestScore = resume.BestScore;
            bestEpoch = resume.BestEpoch;
            epochsWithoutImprovement = resume.EpochsWithoutImprovement;
            stoppedEarly = resume.StoppedEarly;
            initialLearningRate = resume.InitialLearningRate;
            step = resume.Step;
            resume.ScheduleState.AsSpan().CopyTo(scheduleState);
            if (bestWeights is not null) resume.BestWeights.AsSpan().CopyTo(bestWeights);
            firstEpoch = resume.Epoch + 1;
        }
        bool scheduled = options.LearningRateSchedule != LearningRateSchedule.Constant || scheduler is not null || options.WarmupSteps > 0;
        if (options.CheckpointDirectory is { } checkpointDirectory && (options.CheckpointInterval > 0 || options.SaveBestCheckpoint))
            System.IO.Directory.CreateDirectory(checkpointDirectory);
        MetricsLog? log = options.MetricsLogPath is { } logPath ? MetricsLog.Open(logPath, append: resume is not null) : null;

        _resume = null;   // consumed: from here on the network and optimizer move on
        _interruptedEpoch = 0;
        TrainerCheckpoint Snapshot(int epoch) => new()
        {
            Epoch = epoch, Epochs = options.Epochs, Step = step, Seed = options.Seed, Shuffle = options.Shuffle,
            TrainCount = train.Count, BatchSize = options.BatchSize, HasValidation = validation is not null, Monitor = options.Monitor,
            InitialLearningRate = initialLearningRate, Schedule = schedule, ScheduleState = (double[])scheduleState.Clone(),
            AugmentationState = augmenter?.State, BestScore = bestScore, BestEpoch = bestEpoch,
            EpochsWithoutImprovement = epochsWithoutImprovement, StoppedEarly = stoppedEarly,
            History = new List<EpochRecord>(history), BestWeights = bestWeights,
        };
        Func<int, TrainerCheckpoint> snapshot = Snapshot;

        try
        {
        for (int epoch = firstEpoch; epoch <= options.Epochs && !stoppedEarly; epoch++)
        {
            TimeSpan epochStart = clock.Elapsed;
            _interruptedEpoch = epoch;
            double epochLearningRate = double.NaN;
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
                augmenter?.Apply(batchInputs, rows);

                if (scheduled)
                    _optimizer.LearningRate = ScheduledLearningRate(options, scheduler, scheduleState, initialLearningRate, step, epoch - 1, totalSteps);
                step++;
                if (batch == 1) epochLearningRate = _optimizer.LearningRate;

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

                if (validation is not null && options.ValidationInterval > 0 && step % options.ValidationInterval == 0 && batch < batchesPerEpoch)
                {
                    Evaluation check = EvaluateWith(_network, validation, validationScratch!);
                    if (!double.IsFinite(check.Loss))
                        throw new TrainingDivergedException(
                            $"Epoch {epoch} of {options.Epochs}, step {step}: training diverged: the validation loss is {check.Loss} (expected a finite number). " +
                            "Training stopped; the weights are those of this step. Lower the learning rate, scale the inputs (check the validation set for NaN or infinite values), or clip gradients.",
                            (float)check.Loss);
                    scheduler?.OnValidation(MonitoredValue(check, monitorsAccuracy), scheduleState);
                    lastReport = clock.Elapsed;
                    log?.Write("validation", epoch, step, lossSum / samplesSeen, check.Loss, check.Accuracy, _optimizer.LearningRate, lastReport);
                    progress?.Report(new TrainingProgress(epoch, options.Epochs, batch, batchesPerEpoch, lossSum / samplesSeen,
                        check.Loss, check.Accuracy, lastReport, IsEpochEnd: false)
                        { Samples = samplesSeen, SamplesPerEpoch = train.Count, LearningRate = _optimizer.LearningRate });
                }
                else if (progress is not null && batch < batchesPerEpoch && clock.Elapsed - lastReport >= ProgressInterval)
                {
                    lastReport = clock.Elapsed;
                    progress.Report(new TrainingProgress(epoch, options.Epochs, batch, batchesPerEpoch, lossSum / samplesSeen,
                        null, null, lastReport, IsEpochEnd: false)
                        { Samples = samplesSeen, SamplesPerEpoch = train.Count, LearningRate = _optimizer.LearningRate });
                }
            }

            double trainLoss = lossSum / samplesSeen;
            TimeSpan evaluationStart = clock.Elapsed;
            Evaluation? evaluation = validation is null ? null : EvaluateWith(_network, validation, validationScratch!);
            double? trainAccuracy = trainSample?.Measure(_network, train);
            history.Add(new EpochRecord(epoch, trainLoss, evaluation?.Loss, evaluation?.Accuracy, (clock.Elapsed - epochStart).TotalSeconds)
                { TrainAccuracy = trainAccuracy, LearningRate = epochLearningRate, EvaluationSeconds = validation is null ? 0 : (clock.Elapsed - evaluationStart).TotalSeconds });
            log?.Write("epoch", epoch, step, trainLoss, evaluation?.Loss, evaluation?.Accuracy, _optimizer.LearningRate, clock.Elapsed);
            if (progress is not null)
            {
                lastReport = clock.Elapsed;
                progress.Report(new TrainingProgress(epoch, options.Epochs, batchesPerEpoch, batchesPerEpoch, trainLoss,
                    evaluation?.Loss, evaluation?.Accuracy, lastReport, IsEpochEnd: true)
                    { Samples = samplesSeen, SamplesPerEpoch = train.Count, LearningRate = _optimizer.LearningRate, TrainAccuracy = trainAccuracy });
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
            scheduler?.OnValidation(evaluation is { } watched ? MonitoredValue(watched, monitorsAccuracy) : trainLoss, scheduleState);

            bool improved = false;
            if (evaluation is not { } validationResult)
            {
                bestEpoch = epoch;
            }
            else
            {
                // Lower loss or higher accuracy is better; compare on a "higher is better" score (NaN until the first).
                double score = monitorsAccuracy ? validationResult.Accuracy ?? double.NaN : -validationResult.Loss;
                if (double.IsNaN(bestScore) || score > bestScore + options.MinDelta)
                {
                    bestScore = score;
                    bestEpoch = epoch;
                    epochsWithoutImprovement = 0;
                    improved = true;
                    if (bestWeights is not null) _network.Parameters.CopyTo(bestWeights);
                }
                else if (options.EarlyStoppingPatience > 0 && ++epochsWithoutImprovement >= options.EarlyStoppingPatience)
                {
                    stoppedEarly = epoch < options.Epochs;
                }
            }

            _last = null;
            _lastEpoch = snapshot;
            _lastEpochNumber = epoch;
            _interruptedEpoch = 0;
            if (options.CheckpointInterval > 0 && epoch % options.CheckpointInterval == 0)
                WriteCheckpoint(System.IO.Path.Combine(options.CheckpointDirectory!, $"epoch-{epoch:D4}.safetensors"), Snapshot(epoch));
            if (options.SaveBestCheckpoint && improved)
                WriteCheckpoint(System.IO.Path.Combine(options.CheckpointDirectory!, "best.safetensors"), Snapshot(epoch));
        }

        }
        finally
        {
            _optimizer.LearningRate = initialLearningRate;
            log?.Dispose();
        }

        bool restore = bestWeights is not null && bestEpoch != history.Count;
        if (restore) bestWeights.AsSpan().CopyTo(_network.Parameters);
        return new TrainingResult(history, bestEpoch, stoppedEarly, restore);
    }

    private static double MonitoredValue(Evaluation evaluation, bool monitorsAccuracy) =>
        monitorsAccuracy ? evaluation.Accuracy ?? double.NaN : evaluation.Loss;

    /// <summary>The learning rate of a step: the schedule's, times the warm-up factor.</summary>
    private static float ScheduledLearningRate(TrainerOptions options, LearningRateScheduler? scheduler, double[] scheduleState,
        float initial, long step, int epoch, long totalSteps)
    {
        float rate = options.LearningRateSchedule == LearningRateSchedule.Cosine
            ? CosineLearningRate(initial, options.FinalLearningRateFactor, step, totalSteps)
            : scheduler is not null ? (float)scheduler.LearningRate(initial, step, epoch, totalSteps, scheduleState) : initial;
        if (step < options.WarmupSteps)
            rate = (float)(rate * WarmupFactor(options.WarmupStartFactor, step, options.WarmupSteps));
        return rate;
    }

    /// <summary>LinearLR's factor at step <paramref name="step"/>: from <paramref name="start"/> at 0 to 1 at <paramref name="steps"/>.</summary>
    internal static double WarmupFactor(double start, long step, long steps) =>
        start + (1.0 - start) * Math.Min(step, steps) / steps;

    private static string DescribeSchedule(TrainerOptions options)
    {
        string main = options.Scheduler is { } s ? s.GetType().Name : options.LearningRateSchedule.ToString();
        return options.WarmupSteps > 0 ? $"{main}+warmup({options.WarmupSteps})" : main;
    }

    private void CheckResumable(TrainerCheckpoint resume, TrainerOptions options, Dataset train, Dataset? validation, string schedule)
    {
        var problems = new List<string>();
        if (resume.TrainCount != train.Count) problems.Add($"the checkpoint's run had {resume.TrainCount} training samples; found {train.Count}");
        if (resume.BatchSize != options.BatchSize) problems.Add($"its {nameof(TrainerOptions.BatchSize)} was {resume.BatchSize}; found {options.BatchSize}");
        if (resume.Seed != options.Seed) problems.Add($"its {nameof(TrainerOptions.Seed)} was {resume.Seed}; found {options.Seed}");
        if (resume.Shuffle != options.Shuffle) problems.Add($"its {nameof(TrainerOptions.Shuffle)} was {resume.Shuffle}; found {options.Shuffle}");
        if (resume.HasValidation != validation is not null) problems.Add($"it {(resume.HasValidation ? "had" : "had no")} validation set; found {(validation is null ? "none" : "one")}");
        if (resume.Monitor != options.Monitor) problems.Add($"its {nameof(TrainerOptions.Monitor)} was {resume.Monitor}; found {options.Monitor}");
        if (resume.Schedule != schedule) problems.Add($"its learning-rate schedule was {resume.Schedule}; found {schedule}");
        else if (resume.ScheduleState.Length != (options.Scheduler?.StateLength ?? 0)) problems.Add($"its schedule state has {resume.ScheduleState.Length} values; expected {options.Scheduler?.StateLength ?? 0}");
        if (resume.AugmentationState is null != (options.Augmentation is not { } a || !a.Moves && a.NoiseStandardDeviation == 0f))
            problems.Add($"it {(resume.AugmentationState is null ? "had no" : "had")} augmentation; found {(options.Augmentation is null ? "none" : "some")}");
        if (validation is not null && options.RestoreBestWeights && resume.BestWeights is null && resume.Epoch > 0)
            problems.Add($"it kept no best weights; found {nameof(TrainerOptions.RestoreBestWeights)} on");
        if (problems.Count > 0)
            throw new ArgumentException(
                $"Cannot resume from the loaded checkpoint (epoch {resume.Epoch}): {string.Join("; ", problems)}. Resume with the data and options of the run that saved it.",
                nameof(train));
    }

    /// <summary>
    /// Saves a checkpoint: the network's weights, the optimizer's state and the trainer's position after the last
    /// epoch of the last <see cref="Fit"/> (or the loaded checkpoint's), so that a new trainer that loads it with
    /// <see cref="LoadCheckpoint(string)"/> continues that run (see <see cref="IO.Checkpoint"/> for the file's contents).
    /// Saved after a <see cref="Fit"/> that restored the best weights, the network's weights are those best ones.
    /// Before any epoch, the checkpoint holds the weights and the optimizer only. The file is replaced once complete.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="InvalidOperationException">The last <see cref="Fit"/> stopped within an epoch (it threw or was cancelled).</exception>
    public void SaveCheckpoint(string path) => IO.Checkpoint.SaveFile(path, SaveCheckpoint);

    /// <summary>Saves a checkpoint to a stream; see <see cref="SaveCheckpoint(string)"/>.</summary>
    /// <param name="stream">Where to write, from its current position.</param>
    /// <exception cref="InvalidOperationException">
    /// The last <see cref="Fit"/> stopped within an epoch (it threw or was cancelled), so the weights are not those of an
    /// epoch's end and a checkpoint of them could not resume the run exactly.
    /// </exception>
    public void SaveCheckpoint(System.IO.Stream stream)
    {
        Throw.IfNull(stream);
        if (_interruptedEpoch != 0)
            throw new InvalidOperationException(
                $"The last Fit stopped within epoch {_interruptedEpoch} (it threw or was cancelled): the weights are not those of an epoch's end, so a checkpoint of them could not resume the run exactly. " +
                $"Resume from the last checkpoint the run saved ({nameof(TrainerOptions)}.{nameof(TrainerOptions.CheckpointInterval)}), or save the weights and the optimizer alone with Checkpoint.Save.");
        TrainerCheckpoint? state = _last ?? _lastEpoch?.Invoke(_lastEpochNumber);
        IO.Checkpoint.Write(stream, _network, _optimizer, state?.ToMetadata(), state?.BestWeights);
    }

    private void WriteCheckpoint(string path, TrainerCheckpoint state) =>
        IO.Checkpoint.SaveFile(path, stream => IO.Checkpoint.Write(stream, _network, _optimizer, state.ToMetadata(), state.BestWeights));

    /// <summary>
    /// Loads a checkpoint into this trainer's network and optimizer, all or nothing (a failed load changes nothing). When
    /// the checkpoint was saved by a trainer, the next <see cref="Fit"/> resumes that run after its last epoch, up to
    /// <see cref="TrainerOptions.Epochs"/>, exactly as the uninterrupted run would have gone on: give it the same data
    /// and options (it checks the data's size, batch size, seed, shuffling, schedule and validation set).
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <returns>What the checkpoint held.</returns>
    /// <exception cref="IO.SafetensorsMismatchException">Tensors are missing, unexpected or of another shape; the message lists them all.</exception>
    /// <exception cref="IO.SafetensorsFormatException">The file is not valid safetensors, or not a StaticNet checkpoint.</exception>
    /// <exception cref="ArgumentException">The optimizer is of another type or has other hyperparameters than the checkpoint's.</exception>
    public IO.CheckpointInfo LoadCheckpoint(string path)
    {
        using System.IO.FileStream stream = System.IO.File.OpenRead(path);
        return LoadCheckpoint(stream);
    }

    /// <summary>Loads a checkpoint from a stream (read to its end); see <see cref="LoadCheckpoint(string)"/>.</summary>
    /// <exception cref="IO.SafetensorsMismatchException">Tensors are missing, unexpected or of another shape; the message lists them all.</exception>
    /// <exception cref="IO.SafetensorsFormatException">The stream is not valid safetensors, or not a StaticNet checkpoint.</exception>
    /// <exception cref="ArgumentException">The optimizer is of another type or has other hyperparameters than the checkpoint's.</exception>
    public IO.CheckpointInfo LoadCheckpoint(System.IO.Stream stream)
    {
        IO.StagedCheckpoint staged = IO.Checkpoint.Stage(stream, _network, _optimizer);
        TrainerCheckpoint? state = TrainerCheckpoint.Parse(staged.Metadata, staged.BestWeights);
        staged.Commit();
        _interruptedEpoch = 0;
        _resume = state;
        _last = state;
        _lastEpoch = null;
        return staged.Info;
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
