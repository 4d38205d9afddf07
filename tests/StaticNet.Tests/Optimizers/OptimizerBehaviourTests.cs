using System;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Optimizers;

public sealed class OptimizerBehaviourTests
{
    public static TheoryData<string> Kinds() => new() { "sgd", "sgd-momentum", "sgd-nesterov", "adam", "adamw" };

    private static Optimizer Create(string kind) => kind switch
    {
        "sgd" => new Sgd(0.01f, weightDecay: 0.01f),
        "sgd-momentum" => new Sgd(0.01f, momentum: 0.9f, weightDecay: 0.01f),
        "sgd-nesterov" => new Sgd(0.01f, momentum: 0.9f, nesterov: true),
        "adam" => new Adam(weightDecay: 0.01f),
        "adamw" => new AdamW(),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void StepsAllocateNothingAfterTheFirst(string kind)
    {
        Optimizer optimizer = Create(kind);
        optimizer.MaxGradientNorm = 1f;
        var parameters = new float[1027];
        var gradients = new float[1027];
        for (int i = 0; i < gradients.Length; i++) gradients[i] = MathF.Sin(i);
        optimizer.Step(parameters, gradients);   // sizes the state

        Assert.Equal(0, Allocations.Fewest(() => optimizer.Step(parameters, gradients), calls: 100, warmUp: 0));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RejectsGradientsOfAnotherLength(string kind)
    {
        Optimizer optimizer = Create(kind);
        var ex = Assert.Throws<ArgumentException>(() => optimizer.Step(new float[4], new float[5]));
        Assert.Contains("found 5", ex.Message);
        optimizer.Step(new float[4], new float[4]);
        ex = Assert.Throws<ArgumentException>(() => optimizer.Step(new float[3], new float[3]));
        Assert.Contains("sized for 4", ex.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ScalarTailMatchesTheVectorLoop(string kind)
    {
        // Every element gets the same parameter and gradient, so the vector lanes and the scalar tail must agree
        // exactly (both use the same operations in the same order).
        Optimizer optimizer = Create(kind);
        var parameters = new float[67];
        var gradients = new float[67];
        parameters.AsSpan().Fill(0.75f);
        for (int step = 1; step <= 3; step++)
        {
            gradients.AsSpan().Fill(0.3f * step - 0.5f);
            optimizer.Step(parameters, gradients);
        }
        Assert.All(parameters, p => Assert.Equal(parameters[0], p));
        Assert.NotEqual(0.75f, parameters[0]);
    }

    [Fact]
    public void SgdRejectsBadHyperparameters()
    {
        Assert.Contains("learning rate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(-1f)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(float.PositiveInfinity));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: -0.5f));
        Assert.Equal("momentum", ex.ParamName);
        Assert.Contains("found -0.5", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, weightDecay: float.NaN));
        var nesterov = Assert.Throws<ArgumentException>(() => new Sgd(0.1f, nesterov: true));
        Assert.Equal("nesterov", nesterov.ParamName);
        Assert.Contains("momentum > 0", nesterov.Message);
    }

    [Theory]
    [InlineData(1f, 0.999f, 1e-8f, "beta1")]
    [InlineData(-0.1f, 0.999f, 1e-8f, "beta1")]
    [InlineData(0.9f, 1f, 1e-8f, "beta2")]
    [InlineData(0.9f, float.NaN, 1e-8f, "beta2")]
    [InlineData(0.9f, 0.999f, -1e-8f, "epsilon")]
    public void AdamFamilyRejectsBadHyperparameters(float beta1, float beta2, float epsilon, string parameter)
    {
        var adam = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(1e-3f, beta1, beta2, epsilon));
        var adamW = Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(1e-3f, beta1, beta2, epsilon));
        Assert.Equal(parameter, adam.ParamName);
        Assert.Equal(parameter, adamW.ParamName);
        Assert.Contains("Expected " + parameter, adam.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(weightDecay: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(weightDecay: float.PositiveInfinity));
    }

    [Fact]
    public void DefaultsArePyTorchs()
    {
        var adam = new Adam();
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0f), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay));
        var adamW = new AdamW();
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f), (adamW.LearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.WeightDecay));
    }
}
