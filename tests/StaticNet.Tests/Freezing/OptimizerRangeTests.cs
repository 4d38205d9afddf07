using System;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Freezing;

/// <summary>Stepping part of a buffer: only those parameters and their state change, and the ranges are checked.</summary>
public class OptimizerRangeTests
{
    private sealed class Plain : Optimizer
    {
        public Plain() : base(0.1f) { }
        protected override void InitializeState(int parameterCount) { }
        protected override void ResetState() { }
        protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale)
        {
            for (int i = 0; i < parameters.Length; i++) parameters[i] -= LearningRate * gradients[i];
        }
    }

    private static float[] Values(int n, float scale) { var v = new float[n]; for (int i = 0; i < n; i++) v[i] = scale * (i % 7 - 3); return v; }

    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("sgd")]
    [InlineData("nesterov")]
    public void RangesMatchAWholeStepThereAndLeaveTheRestAlone(string kind)
    {
        Optimizer Make() => kind switch
        {
            "adam" => new Adam(0.01f, weightDecay: 0.1f),
            "adamw" => new AdamW(0.01f),
            "sgd" => new Sgd(0.1f, momentum: 0.9f, weightDecay: 0.01f),
            _ => new Sgd(0.1f, momentum: 0.9f, nesterov: true),
        };
        const int n = 100;
        Optimizer whole = Make(), part = Make();
        float[] p1 = Values(n, 0.5f), p2 = Values(n, 0.5f), g = Values(n, 0.1f);
        object owner1 = new(), owner2 = new();
        Range[] ranges = { 3..20, 20..37, 64..90 };
        for (int step = 0; step < 3; step++)
        {
            whole.Step(p1, g, owner1);
            part.Step(p2, g, owner2, ranges);
        }
        for (int i = 0; i < n; i++)
        {
            bool inside = (i >= 3 && i < 37) || (i >= 64 && i < 90);
            Assert.Equal(inside ? p1[i] : Values(n, 0.5f)[i], p2[i]);
        }
        Assert.Equal(3, part.StepCount);
    }

    [Fact]
    public void BadRangesAreRefusedBeforeAnythingChanges()
    {
        var optimizer = new Adam();
        float[] p = Values(10, 1f), g = Values(10, 1f), before = (float[])p.Clone();
        object owner = new();
        Assert.Throws<ArgumentException>(() => optimizer.Step(p, g, owner, new Range[] { 5..8, 2..4 }));
        Assert.Throws<ArgumentException>(() => optimizer.Step(p, g, owner, new Range[] { 2..6, 5..8 }));
        Assert.Throws<ArgumentException>(() => optimizer.Step(p, g, owner, new Range[] { 8..12 }));
        Assert.Equal(before, p);
        Assert.Equal(0, optimizer.StepCount);
        Assert.Equal(0, optimizer.ParameterCount);
    }

    [Fact]
    public void ClippingAndTheDivergenceCheckSeeOnlyTheTrainableGradients()
    {
        var optimizer = new Sgd(1f) { MaxGradientNorm = 1f };
        float[] p = new float[4], g = { float.NaN, 3f, 4f, 0f };
        optimizer.Step(p, g, new object(), new Range[] { 1..4 }); // the NaN is frozen: ignored
        Assert.Equal(0f, p[0]);
        Assert.Equal(-0.6f, p[1], 5); // norm 5 clipped to 1
        Assert.Equal(-0.8f, p[2], 5);
    }

    [Fact]
    public void AnOptimizerOfYourOwnWithoutRangesSaysSo()
    {
        var optimizer = new Plain();
        var error = Assert.Throws<NotSupportedException>(() => optimizer.Step(new float[4], new float[4], new object(), new Range[] { 0..2 }));
        Assert.Contains("UpdatesRanges", error.Message);
        optimizer.Step(new float[4], new float[4], new object()); // the whole buffer still works
    }
}
