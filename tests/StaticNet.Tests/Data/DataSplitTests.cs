using System;
using System.Linq;
using StaticNet.Data;
using StaticNet.Optimizers;
using StaticNet.Metrics;
using StaticNet.Tests.Training;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Data;

public sealed class DataSplitTests
{
    // 50 of class 0, 30 of class 1, 20 of class 2, interleaved.
    private static readonly int[] Labels = Enumerable.Range(0, 100).Select(i => i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2).ToArray();

    [Fact]
    public void KeepsEachClasssShare()
    {
        (int[] train, int[] validation, int[] test) = DataSplit.StratifiedIndices(Labels, 0.6, 0.2, seed: 1);

        int Count(int[] indices, int c) => indices.Count(i => Labels[i] == c);
        Assert.Equal(new[] { 30, 18, 12 }, Enumerable.Range(0, 3).Select(c => Count(train, c)));
        Assert.Equal(new[] { 10, 6, 4 }, Enumerable.Range(0, 3).Select(c => Count(validation, c)));
        Assert.Equal(new[] { 10, 6, 4 }, Enumerable.Range(0, 3).Select(c => Count(test, c)));
        Assert.Equal(Enumerable.Range(0, 100), train.Concat(validation).Concat(test).Order());
        Assert.Equal(train.Order(), train);
    }

    [Fact]
    public void IsDeterministicPerSeed()
    {
        var (train, validation, test) = DataSplit.StratifiedIndices(Labels, 0.7, 0.1, seed: 4);
        var again = DataSplit.StratifiedIndices(Labels, 0.7, 0.1, seed: 4);
        Assert.Equal((train, validation, test), (again.Train, again.Validation, again.Test), new ArraysComparer());
        Assert.NotEqual(DataSplit.StratifiedIndices(Labels, 0.7, 0.1, seed: 4).Train, DataSplit.StratifiedIndices(Labels, 0.7, 0.1, seed: 5).Train);
    }

    private sealed class ArraysComparer : System.Collections.Generic.IEqualityComparer<(int[], int[], int[])>
    {
        public bool Equals((int[], int[], int[]) x, (int[], int[], int[]) y) =>
            x.Item1.SequenceEqual(y.Item1) && x.Item2.SequenceEqual(y.Item2) && x.Item3.SequenceEqual(y.Item3);
        public int GetHashCode((int[], int[], int[]) obj) => 0;
    }

    [Fact]
    public void SplitsDatasets()
    {
        var features = Enumerable.Range(0, 100).Select(i => (float)i).ToArray();
        Dataset data = Dataset.FromLabels(features, 1, Labels, 3);
        (Dataset train, Dataset validation, Dataset test) = DataSplit.Stratified(data, 0.5, 0.5, seed: 2);

        Assert.Equal((50, 50, 0), (train.Count, validation.Count, test.Count));
        Assert.All(Enumerable.Range(0, train.Count), i => Assert.Equal(Labels[(int)train.GetFeatures(i)[0]], train.Labels[i]));
        Assert.Equal(25, train.Labels.ToArray().Count(l => l == 0));
    }

    [Fact]
    public void RejectsBadFractions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.StratifiedIndices(Labels, -0.1, 0.2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.StratifiedIndices(Labels, 0.5, double.NaN, 0));
        var ex = Assert.Throws<ArgumentException>(() => DataSplit.StratifiedIndices(Labels, 0.8, 0.3, 0));
        Assert.Contains("at most 1; found 0.8 + 0.3", ex.Message);
        Assert.Throws<ArgumentException>(() => DataSplit.StratifiedIndices(new[] { 0, -1 }, 0.5, 0.5, 0));
    }

    [DigitsFact]
    public void DigitsSplitTrainsASoftmaxRegression()
    {
        Dataset digits = CsvLoader.Load(RealDataFiles.Digits!, new CsvOptions { FeatureScale = 1 / 16f, ClassCount = 10 });
        (Dataset train, Dataset validation, Dataset test) = DataSplit.Stratified(digits, 0.7, 0.15, seed: 0);
        Assert.Equal(1797, train.Count + validation.Count + test.Count);

        var net = new LinearModel(64, 10, Loss.SoftmaxCrossEntropy);
        TrainingResult result = new Trainer(net, new Adam(0.01f), new TrainerOptions { Epochs = 15, EarlyStoppingPatience = 3 })
            .Fit(train, validation);

        ConfusionMatrix confusion = ConfusionMatrix.Compute(net, test);
        Assert.True(confusion.Accuracy > 0.9, $"Test accuracy {confusion.Accuracy} after {result.EpochsRun} epochs:\n{confusion}");
    }
}
