using System;
using System.Linq;
using StaticNet.Metrics;
using StaticNet.Tests.Training;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Metrics;

public sealed class RocCurveTests
{
    [Fact]
    public void TheCurveOfScikitLearnsExampleIsComputedByHand()
    {
        // sklearn.metrics.roc_curve's documented example: fpr [0, 0, .5, .5, 1], tpr [0, .5, .5, 1, 1], AUC 0.75.
        RocCurve roc = RocCurve.Compute(new[] { 0.1f, 0.4f, 0.35f, 0.8f }, new[] { 0, 0, 1, 1 });

        Assert.Equal(new[] { 0, 0, 0.5, 0.5, 1 }, roc.Points.Select(p => p.FalsePositiveRate));
        Assert.Equal(new[] { 0, 0.5, 0.5, 1, 1 }, roc.Points.Select(p => p.TruePositiveRate));
        Assert.Equal(new[] { float.PositiveInfinity, 0.8f, 0.4f, 0.35f, 0.1f }, roc.Points.Select(p => p.Threshold));
        Assert.Equal(0.75, roc.Auc, 12);
        Assert.Equal(2, roc.Positives);
        Assert.Equal(2, roc.Negatives);
    }

    [Fact]
    public void TiedScoresMoveTheCurveDiagonallyAndCountOneHalf()
    {
        // Sorted: 0.9 (+) → (0, ½); the tie at 0.5 (+ and −) → (½, 1); 0.2 (−) → (1, 1).
        // Area ½·(½ + 1)/2 + ½·(1 + 1)/2 = 0.875; pairs: 0.9>0.5, 0.9>0.2, 0.5=0.5 (½), 0.5>0.2: 3.5 of 4.
        float[] scores = { 0.5f, 0.5f, 0.2f, 0.9f };
        int[] labels = { 1, 0, 0, 1 };
        RocCurve roc = RocCurve.Compute(scores, labels);

        Assert.Equal(new[] { 0, 0, 0.5, 1 }, roc.Points.Select(p => p.FalsePositiveRate));
        Assert.Equal(new[] { 0, 0.5, 1, 1 }, roc.Points.Select(p => p.TruePositiveRate));
        Assert.Equal(0.875, roc.Auc, 12);
        Assert.Equal(ClassificationMetrics.RocAuc(scores, labels), roc.Auc, 12);
    }

    [Fact]
    public void TheAreaMatchesTheRankStatisticOnRandomScores()
    {
        var random = new Random(7);
        var scores = new float[500];
        var labels = new int[500];
        for (int i = 0; i < scores.Length; i++)
        {
            labels[i] = random.Next(2);
            scores[i] = MathF.Round((float)(random.NextDouble() + labels[i] * 0.4), 1);   // rounded: many ties
        }
        RocCurve roc = RocCurve.Compute(scores, labels);
        Assert.Equal(ClassificationMetrics.RocAuc(scores, labels), roc.Auc, 10);
        Assert.InRange(roc.Auc, 0.6, 0.95);
        Assert.Equal((0.0, 0.0), (roc.Points[0].FalsePositiveRate, roc.Points[0].TruePositiveRate));
        Assert.Equal((1.0, 1.0), (roc.Points[^1].FalsePositiveRate, roc.Points[^1].TruePositiveRate));
    }

    [Fact]
    public void BadInputIsRefusedWithWhatWasFound()
    {
        Assert.Contains("found 1 positive and 0 negative", Assert.Throws<ArgumentException>(() => RocCurve.Compute(new[] { 0.5f }, new[] { 1 })).Message);
        Assert.Contains("found 1 scores", Assert.Throws<ArgumentException>(() => RocCurve.Compute(new[] { 0.5f }, new[] { 1, 0 })).Message);
        Assert.Contains("found 2 at index 1", Assert.Throws<ArgumentException>(() => RocCurve.Compute(new[] { 0.5f, 0.1f }, new[] { 1, 2 })).Message);
        Assert.Contains("NaN at index 0", Assert.Throws<ArgumentException>(() => RocCurve.Compute(new[] { float.NaN, 0.1f }, new[] { 1, 0 })).Message);
        Assert.Contains("found 3 outputs", Assert.Throws<ArgumentException>(() => RocCurve.Compute(new LinearModel(2, 3, Loss.SoftmaxCrossEntropy), SyntheticData.Blobs(9, 1))).Message);
    }

    [Fact]
    public void ATwoClassNetworkIsScoredByTheDifferenceOfItsLogits()
    {
        var net = new LinearModel(2, 2, Loss.SoftmaxCrossEntropy, seed: 3);
        var features = new float[] { 1, 0, 0, 1, -1, 0.5f, 0.3f, -2, 2, 2 };
        var labels = new[] { 1, 0, 0, 1, 1 };
        Dataset data = Dataset.FromLabels(features, 2, labels, 2);

        var scores = new float[5];
        var output = new float[2];
        for (int i = 0; i < 5; i++)
        {
            net.Forward(data.GetFeatures(i), output);
            scores[i] = output[1] - output[0];
        }
        RocCurve roc = RocCurve.Compute(net, data);
        Assert.Equal(RocCurve.Compute(scores, labels).Points, roc.Points);
        Assert.Equal(ClassificationMetrics.RocAuc(scores, labels), roc.Auc, 12);
    }
}
