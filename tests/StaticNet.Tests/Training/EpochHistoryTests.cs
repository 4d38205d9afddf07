using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Metrics;
using StaticNet.Optimizers;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>What the trainer records per epoch for reports: learning rate, training accuracy, evaluation time.</summary>
public sealed class EpochHistoryTests
{
    private static readonly Dataset Train = SyntheticData.Blobs(300, seed: 1);

    [Fact]
    public void TheLearningRateOfEachEpochsFirstStepIsRecorded()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        var options = new TrainerOptions { Epochs = 4, BatchSize = 100, LearningRateSchedule = LearningRateSchedule.Cosine };
        TrainingResult result = new Trainer(net, new Sgd(0.1f), options).Fit(Train);

        // 3 batches per epoch, 12 steps: epoch e starts at step 3(e − 1).
        double[] expected = Enumerable.Range(0, 4).Select(e => (double)Trainer.CosineLearningRate(0.1f, 0f, 3 * e, 12)).ToArray();
        Assert.Equal(expected, result.History.Select(r => r.LearningRate!.Value));
        Assert.Equal(0.1, result.History[0].LearningRate!.Value, 6);

        TrainingResult constant = new Trainer(net, new Sgd(0.1f), new TrainerOptions { Epochs = 2 }).Fit(Train);
        Assert.All(constant.History, r => Assert.Equal(0.1f, (float)r.LearningRate!.Value));
    }

    [Fact]
    public void TrainingAccuracyIsMeasuredAfterEachEpochLikeTheValidationAccuracy()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        Dataset largerValidation = SyntheticData.Blobs(400, seed: 2);   // larger than the training set: all of it is measured
        var reports = new List<TrainingProgress>();
        var options = new TrainerOptions { Epochs = 3, BatchSize = 16, RestoreBestWeights = false };
        TrainingResult result = new Trainer(net, new Sgd(0.02f), options).Fit(Train, largerValidation, new Recorder(reports.Add));

        Assert.All(result.History, r => Assert.NotNull(r.TrainAccuracy));
        Assert.Equal(ConfusionMatrix.Compute(net, Train).Accuracy, result.History[^1].TrainAccuracy!.Value);
        Assert.Equal(result.History.Select(r => r.TrainAccuracy), reports.Where(p => p.IsEpochEnd).Select(p => p.TrainAccuracy));
        Assert.All(result.History, r => Assert.InRange(r.EvaluationSeconds, 1e-9, r.Seconds));
        Assert.All(result.History, r => Assert.Equal(r.Seconds - r.EvaluationSeconds, r.TrainingSeconds));
        Assert.All(reports, p => Assert.Equal(300, p.SamplesPerEpoch));
        Assert.All(reports.Where(p => p.IsEpochEnd), p => Assert.Equal(300, p.Samples));
    }

    [Fact]
    public void TrainingAccuracyUsesASeededSampleAsLargeAsTheValidationSet()
    {
        TrainingResult Run(int seed)
        {
            var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
            var options = new TrainerOptions { Epochs = 2, BatchSize = 16, Seed = seed, RestoreBestWeights = false };
            return new Trainer(net, new Sgd(0.005f), options).Fit(Train, SyntheticData.Blobs(30, seed: 2));
        }

        TrainingResult result = Run(4);
        // Accuracy on 30 samples is a multiple of 1/30.
        Assert.All(result.History, r => Assert.Equal(0, r.TrainAccuracy!.Value * 30 % 1, 9));
        Assert.Equal(result.History.Select(r => r.TrainAccuracy), Run(4).History.Select(r => r.TrainAccuracy));
    }

    [Fact]
    public void WithoutValidationNothingIsEvaluated()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        TrainingResult result = new Trainer(net, new Sgd(0.1f), new TrainerOptions { Epochs = 2 }).Fit(Train);
        Assert.All(result.History, r => Assert.Null(r.TrainAccuracy));
        Assert.All(result.History, r => Assert.Equal(0, r.EvaluationSeconds));
    }

    private sealed class Recorder(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }
}
