using System;
using System.Linq;
using StaticNet.Metrics;
using StaticNet.Tests.Training;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Metrics;

public sealed class ConfusionMatrixTests
{
    // scikit-learn's confusion_matrix example: y_true = [2, 0, 2, 2, 0, 1], y_pred = [0, 0, 2, 2, 0, 2]
    // gives [[2, 0, 0], [0, 0, 1], [1, 0, 2]]; precision_recall_fscore_support(zero_division=0) gives
    // precision [2/3, 0, 2/3], recall [1, 0, 2/3], f1 [0.8, 0, 2/3]; f1_score(average='macro') = 0.48888...
    private static ConfusionMatrix SklearnExample()
    {
        int[] actual = { 2, 0, 2, 2, 0, 1 };
        int[] predicted = { 0, 0, 2, 2, 0, 2 };
        var matrix = new ConfusionMatrix(3);
        for (int i = 0; i < actual.Length; i++) matrix.Add(actual[i], predicted[i]);
        return matrix;
    }

    [Fact]
    public void CountsAndMetricsMatchScikitLearn()
    {
        ConfusionMatrix m = SklearnExample();
        long[,] expected = { { 2, 0, 0 }, { 0, 0, 1 }, { 1, 0, 2 } };
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 3; p++)
                Assert.Equal(expected[a, p], m[a, p]);
        Assert.Equal(6, m.Total);
        Assert.Equal(4.0 / 6, m.Accuracy, 12);
        Assert.Equal(new[] { 2.0 / 3, 0, 2.0 / 3 }, Enumerable.Range(0, 3).Select(m.Precision), new ToleranceComparer());
        Assert.Equal(new[] { 1, 0, 2.0 / 3 }, Enumerable.Range(0, 3).Select(m.Recall), new ToleranceComparer());
        Assert.Equal(new[] { 0.8, 0, 2.0 / 3 }, Enumerable.Range(0, 3).Select(m.F1), new ToleranceComparer());
        Assert.Equal(4.0 / 9, m.MacroPrecision, 12);
        Assert.Equal(5.0 / 9, m.MacroRecall, 12);
        Assert.Equal(0.48888888888888893, m.MacroF1, 12);
    }

    [Fact]
    public void EmptyMatrixHasZeroMetrics()
    {
        var m = new ConfusionMatrix(2);
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (m.Accuracy, m.Precision(0), m.Recall(1), m.MacroF1));
        m.Add(1, 1);
        m.Clear();
        Assert.Equal(0, m.Total);
        Assert.Equal(0, m[1, 1]);
    }

    [Fact]
    public void RejectsClassesOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(1));
        var m = new ConfusionMatrix(3);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => m.Add(3, 0));
        Assert.Contains("Expected a class in [0, 3); found 3", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Add(0, -1));
        Assert.Throws<ArgumentException>(() => m.ToString(new[] { "a", "b" }));
    }

    [Fact]
    public void ToStringIsAnAlignedTable()
    {
        string text = SklearnExample().ToString(new[] { "cat", "dog", "hippopotamus" });
        string[] lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(5, lines.Length);
        Assert.Contains("hippopotamus", lines[0]);
        Assert.StartsWith("dog", lines[2]);
        // Every table line has its columns at the same place: same length, and the separator in the same column.
        Assert.Single(lines.Take(4).Select(l => l.Length).Distinct());
        Assert.Single(lines.Take(4).Select(l => l.IndexOf('|')).Distinct());
        Assert.Contains("0.8000", lines[1]);
        Assert.Contains("accuracy 0.6667 of 6", lines[4]);
        Assert.Contains("F1 0.4889", lines[4]);
        Assert.StartsWith("actual \\ predicted", SklearnExample().ToString());
    }

    [Fact]
    public void ComputeRunsTheNetworkOverTheDataset()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy, seed: 3);
        Dataset data = SyntheticData.Blobs(600, seed: 5);   // more rows than one prediction chunk
        ConfusionMatrix m = ConfusionMatrix.Compute(net, data);

        var expected = new ConfusionMatrix(3);
        var output = new float[3];
        for (int i = 0; i < data.Count; i++)
        {
            net.Forward(data.GetFeatures(i), output);
            expected.Add(data.Labels[i], ClassificationMetrics.ArgMax(output));
        }
        Assert.Equal(expected.ToString(), m.ToString());
        Assert.Equal(600, m.Total);
        Assert.Equal(m.Accuracy, ClassificationMetrics.Accuracy(net, data));
    }

    private sealed class ToleranceComparer : System.Collections.Generic.IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-12;
        public int GetHashCode(double obj) => 0;
    }
}
