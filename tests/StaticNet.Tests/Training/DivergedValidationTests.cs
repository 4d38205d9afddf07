using System;
using System.Collections.Generic;
using System.IO;
using StaticNet.Optimizers;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>A NaN or infinite validation loss stops training with <see cref="TrainingDivergedException"/>; early stopping never ignores it.</summary>
public sealed class DivergedValidationTests
{
    /// <summary>A <see cref="LinearModel"/> whose ComputeLoss returns <see cref="Poison"/> once poisoned.</summary>
    private sealed class PoisonableModel(LinearModel inner) : ITrainableNetwork
    {
        public float? Poison { get; set; }
        public int InputSize => inner.InputSize;
        public int OutputSize => inner.OutputSize;
        public int ParameterCount => inner.ParameterCount;
        public Span<float> Parameters => inner.Parameters;
        public IReadOnlyList<ParameterTensor> ParameterTensors => inner.ParameterTensors;
        public Loss Loss => inner.Loss;
        public Span<float> Gradients => inner.Gradients;
        public void Forward(ReadOnlySpan<float> input, Span<float> output) => inner.Forward(input, output);
        public void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs) => inner.ForwardBatch(inputs, outputs);
        public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets) => Poison ?? inner.ComputeLoss(inputs, targets);
        public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets) => inner.ComputeGradients(inputs, targets);
        public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Optimizer optimizer) => inner.TrainStep(inputs, targets, optimizer);
        public void LoadSafetensors(Stream stream) => inner.LoadSafetensors(stream);
        public void SaveSafetensors(Stream stream) => inner.SaveSafetensors(stream);
    }

    private sealed class Recorder(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }

    private static readonly Dataset Train = SyntheticData.Blobs(300, seed: 1);
    private static readonly Dataset Validation = SyntheticData.Blobs(90, seed: 2);

    [Theory]
    [InlineData(float.NaN, true)]
    [InlineData(float.PositiveInfinity, true)]
    [InlineData(float.NaN, false)]
    public void ANonFiniteValidationLossStopsTraining(float poison, bool restoreBest)
    {
        var net = new PoisonableModel(new LinearModel(2, 3, Loss.SoftmaxCrossEntropy));
        var weightsAtEpochEnd = new List<float[]>();
        var progress = new Recorder(p =>
        {
            if (!p.IsEpochEnd) return;
            weightsAtEpochEnd.Add(net.Parameters.ToArray());
            if (p.Epoch == 2) net.Poison = poison; // epoch 3's validation diverges
        });
        var options = new TrainerOptions { Epochs = 10, BatchSize = 32, EarlyStoppingPatience = 5, RestoreBestWeights = restoreBest, Seed = 3 };

        var error = Assert.Throws<TrainingDivergedException>(() => new Trainer(net, new Sgd(0.1f), options).Fit(Train, Validation, progress));

        Assert.StartsWith("Epoch 3 of 10: training diverged: the validation loss is ", error.Message);
        Assert.Equal(BitConverter.SingleToInt32Bits(poison), BitConverter.SingleToInt32Bits(error.Loss));
        Assert.Equal(3, weightsAtEpochEnd.Count);
        if (restoreBest)
        {
            Assert.Contains("the weights are those of the best epoch, 2", error.Message); // the validation loss fell in epochs 1 and 2
            Assert.Equal(weightsAtEpochEnd[1], net.Parameters.ToArray());
        }
        else
        {
            Assert.Contains("the weights are those at the end of this epoch", error.Message);
            Assert.Equal(weightsAtEpochEnd[2], net.Parameters.ToArray());
        }
    }

    [Fact]
    public void ANonFiniteFirstValidationLeavesTheWeightsOfTheEpoch()
    {
        var net = new PoisonableModel(new LinearModel(2, 3, Loss.SoftmaxCrossEntropy)) { Poison = float.NaN };
        var options = new TrainerOptions { Epochs = 4, Monitor = MonitoredMetric.ValidationAccuracy, EarlyStoppingPatience = 1 };
        var error = Assert.Throws<TrainingDivergedException>(() => new Trainer(net, new Sgd(0.1f), options).Fit(Train, Validation));
        Assert.StartsWith("Epoch 1 of 4:", error.Message);
        Assert.Contains("at the end of this epoch", error.Message);
    }
}
