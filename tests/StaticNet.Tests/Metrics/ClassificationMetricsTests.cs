using System;
using System.Linq;
using StaticNet.Metrics;
using Xunit;

namespace StaticNet.Tests.Metrics;

public sealed class ClassificationMetricsTests
{
    [Fact]
    public void ArgMaxTakesTheFirstLargestAndSkipsNaN()
    {
        Assert.Equal(1, ClassificationMetrics.ArgMax(new[] { 1f, 3f, 3f, -2f }));
        Assert.Equal(2, ClassificationMetrics.ArgMax(new[] { float.NaN, -5f, 4f }));
        Assert.Equal(0, ClassificationMetrics.ArgMax(new[] { 7f }));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.ArgMax(ReadOnlySpan<float>.Empty));
    }

    [Fact]
    public void PredictedClassThresholdsASingleLogitAtZero()
    {
        Assert.Equal(1, ClassificationMetrics.PredictedClass(new[] { 0.1f }));
        Assert.Equal(0, ClassificationMetrics.PredictedClass(new[] { -0.1f }));
        Assert.Equal(2, ClassificationMetrics.PredictedClass(new[] { 0f, 1f, 2f }));
    }

    [Fact]
    public void AccuracyCountsMatches()
    {
        Assert.Equal(0.75, ClassificationMetrics.Accuracy(new[] { 0, 1, 2, 2 }, new[] { 0, 1, 2, 1 }));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy(new[] { 0 }, new[] { 0, 1 }));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy(ReadOnlySpan<int>.Empty, ReadOnlySpan<int>.Empty));
    }

    [Fact]
    public void RocAucMatchesScikitLearn()
    {
        // roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
        Assert.Equal(0.75, ClassificationMetrics.RocAuc(new[] { 0.1f, 0.4f, 0.35f, 0.8f }, new[] { 0, 0, 1, 1 }), 12);
        // Ties count one half: roc_auc_score([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]) == 0.875
        Assert.Equal(0.875, ClassificationMetrics.RocAuc(new[] { 0.5f, 0.5f, 0.2f, 0.9f }, new[] { 0, 1, 0, 1 }), 12);
        // Every score equal: 0.5. Perfect and reversed rankings: 1 and 0.
        Assert.Equal(0.5, ClassificationMetrics.RocAuc(new[] { 1f, 1f, 1f }, new[] { 0, 1, 1 }), 12);
        Assert.Equal(1.0, ClassificationMetrics.RocAuc(new[] { -3f, 2f, 5f }, new[] { 0, 1, 1 }), 12);
        Assert.Equal(0.0, ClassificationMetrics.RocAuc(new[] { 3f, 2f, -5f }, new[] { 0, 1, 1 }), 12);
    }

    [Fact]
    public void RocAucEqualsThePairwiseDefinitionWithManyTies()
    {
        var random = new Random(11);
        float[] scores = Enumerable.Range(0, 500).Select(_ => (float)random.Next(20)).ToArray();
        int[] labels = scores.Select(s => random.NextDouble() < 0.2 + s / 30 ? 1 : 0).ToArray();

        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < scores.Length; i++)
            for (int j = 0; j < scores.Length; j++)
                if (labels[i] == 1 && labels[j] == 0)
                {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }

        Assert.Equal(wins / pairs, ClassificationMetrics.RocAuc(scores, labels), 12);
    }

    [Fact]
    public void RocAucRejectsBadInput()
    {
        var ex = Assert.Throws<ArgumentException>(() => ClassificationMetrics.RocAuc(new[] { 0.1f, 0.2f }, new[] { 1, 1 }));
        Assert.Contains("found 2 positive and 0 negative", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => ClassificationMetrics.RocAuc(new[] { 0.1f, 0.2f }, new[] { 0, 2 }));
        Assert.Contains("found 2 at index 1", ex.Message);
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.RocAuc(new[] { 0.1f }, new[] { 0, 1 }));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.RocAuc(new[] { float.NaN, 1f }, new[] { 0, 1 }));
    }
}
