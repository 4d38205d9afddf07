using System;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Optimizers;

/// <summary>
/// The internal sliced step (<c>BeginSlicedStep</c>, <c>UpdateSlice</c>, <c>EndSlicedStep</c>) that parallel and fused
/// updates use: the same bits as <c>Step</c>, whatever the slicing, and the same all-or-nothing checks.
/// </summary>
public sealed class SlicedStepTests
{
    public static TheoryData<string> Kinds() => new() { "sgd", "sgd-momentum", "sgd-nesterov", "adam", "adamw" };

    private static Optimizer Create(string kind, float maxNorm) => kind switch
    {
        "sgd" => new Sgd(0.01f, weightDecay: 0.01f) { MaxGradientNorm = maxNorm },
        "sgd-momentum" => new Sgd(0.01f, momentum: 0.9f, weightDecay: 0.01f) { MaxGradientNorm = maxNorm },
        "sgd-nesterov" => new Sgd(0.01f, momentum: 0.9f, nesterov: true) { MaxGradientNorm = maxNorm },
        "adam" => new Adam(weightDecay: 0.01f) { MaxGradientNorm = maxNorm },
        "adamw" => new AdamW() { MaxGradientNorm = maxNorm },
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SlicesInAnyOrderGiveTheBitsOfOneStep(string kind)
    {
        foreach (float maxNorm in new[] { 0f, 1f })
        {
            Optimizer whole = Create(kind, maxNorm), sliced = Create(kind, maxNorm);
            var owner = new object();
            float[] a = new float[1031], b = new float[1031], g = new float[1031];
            for (int i = 0; i < a.Length; i++) a[i] = b[i] = MathF.Cos(i * 0.37f);
            int[] cuts = { 0, 17, 512, 515, 1031 };
            for (int step = 0; step < 4; step++)
            {
                for (int i = 0; i < g.Length; i++) g[i] = MathF.Sin(i * 0.11f + step) * (step + 1);
                whole.Step(a, g, owner);

                float scale = sliced.BeginSlicedStep(b.Length, owner, GradientNorm.Norm(g));
                try
                {
                    for (int c = cuts.Length - 2; c >= 0; c--) // last slice first: order does not matter
                    {
                        int start = cuts[c], length = cuts[c + 1] - cuts[c];
                        sliced.UpdateSlice(b.AsSpan(start, length), g.AsSpan(start, length), scale, start);
                    }
                }
                finally
                {
                    sliced.EndSlicedStep();
                }
            }
            Assert.Equal(whole.StepCount, sliced.StepCount);
            for (int i = 0; i < a.Length; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(a[i]), BitConverter.SingleToInt32Bits(b[i]));
        }
    }

    [Fact]
    public void ANonFiniteNormBeginsNothingAndLeavesTheOptimizerUsable()
    {
        var optimizer = new Adam();
        var owner = new object();
        Assert.Throws<TrainingDivergedException>(() => optimizer.BeginSlicedStep(8, owner, float.NaN));
        Assert.Equal(0, optimizer.StepCount);
        Assert.Equal(0, optimizer.ParameterCount);
        // Not left "stepping": a whole step still runs.
        optimizer.Step(new float[8], new float[8], owner);
        Assert.Equal(1, optimizer.StepCount);
        Assert.Throws<InvalidOperationException>(() => optimizer.BeginSlicedStep(8, new object(), 1f)); // bound to owner
        Assert.Throws<ArgumentException>(() => optimizer.BeginSlicedStep(9, owner, 1f));
        Assert.Equal(1, optimizer.StepCount);
    }

    [Fact]
    public void ASecondBeginWhileAStepRunsIsRefused()
    {
        var optimizer = new Sgd(0.1f);
        optimizer.BeginSlicedStep(4, null, 1f);
        try
        {
            Assert.Throws<InvalidOperationException>(() => optimizer.Step(new float[4], new float[4]));
        }
        finally
        {
            optimizer.EndSlicedStep();
        }
        optimizer.Step(new float[4], new float[4]);
        Assert.Equal(2, optimizer.StepCount);
    }
}
