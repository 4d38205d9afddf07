using System;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Optimizers;

/// <summary>Every setting is checked where it is set, constructor or setter, by the same rule; a refused value changes nothing.</summary>
public sealed class OptimizerSettingsTests
{
    public static TheoryData<string> Optimizers => new() { "sgd", "adam", "adamw" };

    private static Optimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(0.1f, momentum: 0.9f),
        "adam" => new Adam(0.1f),
        _ => new AdamW(0.1f),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void LearningRateSetterRejectsWhatTheConstructorRejects(string name)
    {
        Optimizer optimizer = Create(name);
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1f, -float.Epsilon })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = bad);
            Assert.Equal("LearningRate", error.ParamName);
            Assert.Equal(0.1f, optimizer.LearningRate);
        }
        optimizer.LearningRate = 0f;
        optimizer.LearningRate = 1e30f;
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(-1f));
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void MaxGradientNormRejectsNaNAndNegative(string name)
    {
        Optimizer optimizer = Create(name);
        optimizer.MaxGradientNorm = 2f;
        foreach (float bad in new[] { float.NaN, -1f, float.NegativeInfinity })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.MaxGradientNorm = bad);
            Assert.Equal("MaxGradientNorm", error.ParamName);
            Assert.Equal(2f, optimizer.MaxGradientNorm);
        }
    }

    [Fact]
    public void InfiniteMaxGradientNormMeansNoClipping()
    {
        float[] gradient = { 30f, -40f };
        float[] unclipped = { 1f, 1f }, infinite = { 1f, 1f }, clipped = { 1f, 1f };
        new Sgd(0.1f) { MaxGradientNorm = 0f }.Step(unclipped, gradient);
        new Sgd(0.1f) { MaxGradientNorm = float.PositiveInfinity }.Step(infinite, gradient);
        new Sgd(0.1f) { MaxGradientNorm = 5f }.Step(clipped, gradient);
        Assert.Equal(unclipped, infinite);
        Assert.NotEqual(unclipped, clipped);
    }

    [Fact]
    public void TheRepro_NaNLearningRateNoLongerTurnsEveryWeightIntoNaN()
    {
        var network = new StaticNet.Tests.Networks.MnistNet(1);
        var adam = new Adam();
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = float.NaN);
        float[] x = StaticNet.Tests.Networks.NetworkTestSupport.RandomVector(4 * 784, 1);
        network.TrainStep(x, new[] { 1, 2, 3, 4 }, adam);
        Assert.All(network.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ConstructorSettingsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, weightDecay: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta2: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(epsilon: float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(weightDecay: float.NaN));
    }
}
