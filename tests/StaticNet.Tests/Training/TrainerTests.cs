using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using StaticNet.Optimizers;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Training;

public sealed class TrainerTests
{
    // Reports synchronously on the training thread (Progress<T> would post to the thread pool).
    private sealed class Recorder(Action<TrainingProgress>? onReport = null) : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = new();

        public void Report(TrainingProgress value)
        {
            Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    private static readonly Dataset Train = SyntheticData.Blobs(300, seed: 1);
    private static readonly Dataset Validation = SyntheticData.Blobs(90, seed: 2);

    [Fact]
    public void LossDecreasesAndTheClassifierLearns()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        double before = Trainer.Evaluate(net, Validation).Loss;

        TrainingResult result = new Trainer(net, new Sgd(0.1f, momentum: 0.9f), new TrainerOptions { Epochs = 8, BatchSize = 16 })
            .Fit(Train, Validation);

        Assert.Equal(8, result.EpochsRun);
        Assert.False(result.StoppedEarly);
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss / 2,
            $"Expected the training loss to halve; went from {result.History[0].TrainLoss} to {result.History[^1].TrainLoss}.");
        Evaluation after = Trainer.Evaluate(net, Validation);
        Assert.True(after.Loss < before / 3, $"Validation loss went from {before} to {after.Loss}.");
        Assert.True(after.Accuracy > 0.9, $"Validation accuracy is {after.Accuracy}.");
        Assert.All(result.History, e => Assert.NotNull(e.ValidationAccuracy));
        Assert.Equal(Enumerable.Range(1, 8), result.History.Select(e => e.Epoch));
    }

    [Fact]
    public void RegressionTrainsWithAPartialLastBatch()
    {
        var net = new LinearModel(2, 1, Loss.MeanSquaredError);
        Dataset data = SyntheticData.Line(101, seed: 3);   // 101 = 6 batches of 16 and one of 5
        TrainingResult result = new Trainer(net, new Adam(0.05f), new TrainerOptions { Epochs = 40, BatchSize = 16 }).Fit(data);

        Assert.True(result.History[^1].TrainLoss < 1e-2, $"Final loss {result.History[^1].TrainLoss}.");
        Assert.Equal(40 * 7, net.StepsTaken);
        Assert.Equal(40, result.BestEpoch);   // without validation: the last epoch
        Assert.False(result.RestoredBestWeights);
        Assert.Null(result.History[0].ValidationLoss);
        Assert.Null(Trainer.Evaluate(net, data).Accuracy);   // a regression has no accuracy
        Assert.Equal(3f, net.Parameters[0], 0.05f);
        Assert.Equal(-2f, net.Parameters[1], 0.05f);
        Assert.Equal(1f, net.Parameters[2], 0.05f);
    }

    [Fact]
    public void SeededRunsAreReproducible()
    {
        float[] Run(int seed)
        {
            var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
            new Trainer(net, new Adam(0.01f), new TrainerOptions { Epochs = 3, BatchSize = 7, Seed = seed }).Fit(Train);
            return net.Parameters.ToArray();
        }

        Assert.Equal(Run(5), Run(5));
        Assert.NotEqual(Run(5), Run(6));
    }

    [Fact]
    public void EarlyStoppingStopsAndRestoresTheBestWeights()
    {
        // The validation labels are the training ones shifted by one class, so every epoch of learning makes the
        // validation loss worse: the best epoch is the first.
        int[] shifted = Train.Labels.ToArray().Select(label => (label + 1) % 3).ToArray();
        Dataset misleading = Dataset.FromLabels(Train.Features.ToArray(), 2, shifted, 3);
        var options = new TrainerOptions { Epochs = 20, BatchSize = 32, EarlyStoppingPatience = 2, Seed = 9 };

        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        TrainingResult result = new Trainer(net, new Sgd(0.05f), options).Fit(Train, misleading);

        Assert.True(result.StoppedEarly);
        Assert.Equal(3, result.EpochsRun);
        Assert.Equal(1, result.BestEpoch);
        Assert.True(result.RestoredBestWeights);
        Assert.True(result.History[2].ValidationLoss > result.History[0].ValidationLoss);

        var oneEpoch = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        new Trainer(oneEpoch, new Sgd(0.05f), new TrainerOptions { Epochs = 1, BatchSize = 32, Seed = 9 }).Fit(Train);
        Assert.Equal(oneEpoch.Parameters.ToArray(), net.Parameters.ToArray());
    }

    [Fact]
    public void EarlyStoppingCanMonitorAccuracy()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        var options = new TrainerOptions { Epochs = 50, EarlyStoppingPatience = 3, Monitor = MonitoredMetric.ValidationAccuracy, MinDelta = 0.5f };
        TrainingResult result = new Trainer(net, new Sgd(0.1f), options).Fit(Train, Validation);

        // No epoch can gain 0.5 accuracy over the first, so the run stops after 1 + patience epochs.
        Assert.True(result.StoppedEarly);
        Assert.Equal(4, result.EpochsRun);
        Assert.Equal(1, result.BestEpoch);
    }

    [Fact]
    public void DivergenceThrowsWithTheEpochAndBatch()
    {
        // Features scaled by 1000 with a large learning rate: the loss overflows within a few steps.
        var net = new LinearModel(2, 1, Loss.MeanSquaredError);
        Dataset data = SyntheticData.Line(64, seed: 4, scale: 1000f);
        var trainer = new Trainer(net, new Sgd(1f), new TrainerOptions { Epochs = 5, BatchSize = 8 });

        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));

        Assert.Matches(@"^Epoch 1 of 5, batch \d of 8: Training diverged: the mean loss is (NaN|∞|Infinity)", ex.Message);
        Assert.IsType<TrainingDivergedException>(ex.InnerException);
        Assert.False(float.IsFinite(ex.Loss));
        Assert.All(net.Parameters.ToArray(), p => Assert.True(float.IsFinite(p)));
    }

    [Fact]
    public void ProgressIsReportedDuringAndAtTheEndOfEachEpoch()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy) { StepDelay = TimeSpan.FromMilliseconds(15) };
        var recorder = new Recorder();
        new Trainer(net, new Sgd(0.1f), new TrainerOptions { Epochs = 2, BatchSize = 30 }).Fit(Train, Validation, recorder);

        TrainingProgress[] ends = recorder.Reports.Where(p => p.IsEpochEnd).ToArray();
        Assert.Equal(new[] { 1, 2 }, ends.Select(p => p.Epoch));
        Assert.All(ends, p => Assert.Equal((10, 10, 2), (p.Batch, p.BatchesPerEpoch, p.Epochs)));
        Assert.All(ends, p => Assert.NotNull(p.ValidationLoss));
        Assert.All(ends, p => Assert.NotNull(p.ValidationAccuracy));

        // 10 batches of ≥ 15 ms each: some reports in between, but not one per batch.
        TrainingProgress[] during = recorder.Reports.Where(p => !p.IsEpochEnd).ToArray();
        Assert.InRange(during.Length, 1, 12);
        Assert.All(during, p => Assert.Null(p.ValidationLoss));
        Assert.All(during, p => Assert.True(p.TrainLoss > 0 && p.Batch < p.BatchesPerEpoch));
        Assert.True(recorder.Reports.Select(p => p.Elapsed).SequenceEqual(recorder.Reports.Select(p => p.Elapsed).Order()));
    }

    [Fact]
    public void CancellationStopsTraining()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        using var cts = new CancellationTokenSource();
        var recorder = new Recorder(p => { if (p.IsEpochEnd) cts.Cancel(); });
        var trainer = new Trainer(net, new Sgd(0.1f), new TrainerOptions { Epochs = 5, BatchSize = 30 });

        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(Train, null, recorder, cts.Token));
        Assert.Equal(10, net.StepsTaken);   // the first epoch, then nothing

        float[] before = net.Parameters.ToArray();
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(Train, cancellationToken: cts.Token));
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        var sgd = new Sgd(0.1f);
        Assert.Throws<ArgumentNullException>(() => new Trainer(null!, sgd));
        Assert.Throws<ArgumentNullException>(() => new Trainer(net, null!));

        var wrongInputs = Dataset.FromLabels(new float[9], 3, new[] { 0, 1, 2 }, 3);
        var ex = Assert.Throws<ArgumentException>(() => new Trainer(net, sgd).Fit(wrongInputs));
        Assert.Contains("Expected samples of 2 inputs and 3 outputs", ex.Message);
        Assert.Contains("found 3 inputs and 3 outputs", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => new Trainer(net, sgd, new TrainerOptions { EarlyStoppingPatience = 2 }).Fit(Train));
        Assert.Contains("found no validation set", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new Trainer(net, sgd, new TrainerOptions { BatchSize = 0 }).Fit(Train));
        Assert.Contains("BatchSize ≥ 1; found 0", ex.Message);
        Assert.Throws<ArgumentException>(() => new Trainer(net, sgd, new TrainerOptions { Epochs = 0 }).Fit(Train));
        Assert.Throws<ArgumentException>(() => new Trainer(net, sgd, new TrainerOptions { MinDelta = -1 }).Fit(Train));
        Assert.Throws<ArgumentException>(() => new Trainer(net, sgd, new TrainerOptions { Monitor = (MonitoredMetric)7 }).Fit(Train));

        var regression = new LinearModel(2, 1, Loss.MeanSquaredError);
        Dataset line = SyntheticData.Line(10, 1);
        ex = Assert.Throws<ArgumentException>(() =>
            new Trainer(regression, sgd, new TrainerOptions { Monitor = MonitoredMetric.ValidationAccuracy }).Fit(line, line));
        Assert.Contains("needs a classifier", ex.Message);
        Assert.Equal(0, net.StepsTaken + regression.StepsTaken);
    }
}
