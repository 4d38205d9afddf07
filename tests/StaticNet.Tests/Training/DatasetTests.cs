using System;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Training;

public sealed class DatasetTests
{
    [Fact]
    public void FromLabelsBuildsOneHotTargets()
    {
        Dataset data = Dataset.FromLabels(new float[] { 1, 2, 3, 4, 5, 6 }, 2, new[] { 2, 0, 1 }, 3);
        Assert.Equal((3, 2, 3, true), (data.Count, data.InputSize, data.OutputSize, data.HasLabels));
        Assert.Equal(new float[] { 0, 0, 1, 1, 0, 0, 0, 1, 0 }, data.Targets.ToArray());
        Assert.Equal(new float[] { 3, 4 }, data.GetFeatures(1).ToArray());
        Assert.Equal(new float[] { 0, 1, 0 }, data.GetTargets(2).ToArray());
        Assert.Equal(2, data.GetClass(0));
    }

    [Fact]
    public void SubsetCopiesRowsInOrder()
    {
        Dataset data = Dataset.FromLabels(new float[] { 1, 2, 3, 4, 5, 6 }, 2, new[] { 2, 0, 1 }, 3);
        Dataset subset = data.Subset(new[] { 2, 0, 2 });
        Assert.Equal(new float[] { 5, 6, 1, 2, 5, 6 }, subset.Features.ToArray());
        Assert.Equal(new[] { 1, 2, 1 }, subset.Labels.ToArray());
        Assert.Equal(new float[] { 0, 1, 0 }, subset.GetTargets(0).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset(new[] { 3 }));
    }

    [Fact]
    public void ClassesOfUnlabelledDataComeFromTheTargets()
    {
        var multi = new Dataset(new float[] { 0, 0 }, 1, new float[] { 0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f }, 3);
        Assert.False(multi.HasLabels);
        Assert.True(multi.Labels.IsEmpty);
        Assert.Equal(1, multi.GetClass(0));
        Assert.Equal(0, multi.GetClass(1));
        var binary = new Dataset(new float[] { 0, 0 }, 1, new float[] { 1, 0 }, 1);
        Assert.Equal(1, binary.GetClass(0));
        Assert.Equal(0, binary.GetClass(1));
    }

    [Fact]
    public void RejectsInconsistentSizes()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Dataset(new float[7], 2, new float[3], 1));
        Assert.Contains("multiple of the input size 2; found 7", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new Dataset(new float[6], 2, new float[4], 1));
        Assert.Contains("Expected 3 samples × 1 outputs = 3 targets; found 4", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Dataset.FromLabels(new float[4], 2, new[] { 0, 3 }, 3));
        Assert.Contains("found 3 at index 1", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Dataset.FromLabels(new float[4], 2, new[] { 0, 1, 1 }, 3));
        Assert.Contains("found 4", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(new float[4], 0, new float[4], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.FromLabels(new float[4], 2, new[] { 0, 0 }, 1));
        var data = new Dataset(new float[4], 2, new float[2], 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.GetFeatures(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.GetClass(-1));
    }
}
