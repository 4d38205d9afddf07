using System;
using System.Collections.Generic;
using StaticNet.Optimizers;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void CosineGoesFromTheInitialRateToTheFinalFactor()
    {
        Assert.Equal(1e-3f, Trainer.CosineLearningRate(1e-3f, 0f, step: 0, totalSteps: 101));
        Assert.Equal(0.5e-3f, Trainer.CosineLearningRate(1e-3f, 0f, step: 50, totalSteps: 101), 1e-9f);
        Assert.Equal(0f, Trainer.CosineLearningRate(1e-3f, 0f, step: 100, totalSteps: 101), 1e-9f);
        Assert.Equal(0.1e-3f, Trainer.CosineLearningRate(1e-3f, 0.1f, step: 100, totalSteps: 101), 1e-9f);
    }

    /// <summary>An optimizer that records the learning rate of every step and changes nothing.</summary>
    private sealed class RecordingOptimizer(float learningRate) : Optimizer(learningRate)
    {
        public List<float> Rates { get; } = new();
        protected override void InitializeState(int parameterCount) { }
        protected override void ResetState() { }
        protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale) => Rates.Add(LearningRate);
    }

    [Fact]
    public void FitAnnealsPerBatchAndRestoresTheOptimizersRate()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        var optimizer = new RecordingOptimizer(0.2f);
        var options = new TrainerOptions { Epochs = 3, BatchSize = 100, LearningRateSchedule = LearningRateSchedule.Cosine };

        new Trainer(net, optimizer, options).Fit(SyntheticData.Blobs(300, seed: 1));

        Assert.Equal(9, optimizer.Rates.Count);
        Assert.Equal(0.2f, optimizer.Rates[0]);
        Assert.Equal(0f, optimizer.Rates[^1], 1e-7f);
        for (int i = 1; i < optimizer.Rates.Count; i++) Assert.True(optimizer.Rates[i] < optimizer.Rates[i - 1]);
        Assert.Equal(0.2f, optimizer.LearningRate);
    }

    [Fact]
    public void BadScheduleOptionsAreRejected()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        var trainer = new Trainer(net, new Sgd(0.1f), new TrainerOptions { FinalLearningRateFactor = 1.5f });
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(SyntheticData.Blobs(30, seed: 1)));
        Assert.Contains("found 1.5", error.Message);
    }
}
