using System;
using System.IO;
using SeedRecipes;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Samples;

/// <summary>The SeedRecipes sample: its synthetic data is what its README says, and its small recipes train as it reports.</summary>
public class SeedRecipesTests
{
    [Fact]
    public void BalancedSphereDataHasExactlyTheAskedClassesAndFollowsTheRule()
    {
        Dataset data = SphereData.Balanced(perClass: 500, seed: 3);
        Assert.Equal(1000, data.Count);
        Assert.Equal(SphereData.Features, data.InputSize);
        int positives = 0;
        for (int i = 0; i < data.Count; i++)
        {
            int label = data.GetClass(i);
            Assert.Equal(SphereData.Label(data.GetFeatures(i)), label);
            positives += label;
        }
        Assert.Equal(500, positives);

        // Shuffled: the class quotas fill at different times, and the order must not tell the label.
        int positivesInFirstHalf = 0;
        for (int i = 0; i < 500; i++) positivesInFirstHalf += data.GetClass(i);
        Assert.InRange(positivesInFirstHalf, 200, 300);

        Assert.Equal(data.Features.ToArray(), SphereData.Balanced(perClass: 500, seed: 3).Features.ToArray());
        Assert.NotEqual(data.Features.ToArray(), SphereData.Balanced(perClass: 500, seed: 4).Features.ToArray());
    }

    [Fact]
    public void DrawnSphereDataIsStandardNormalAndSplitAtTheMedian()
    {
        const int count = 200_000;
        Dataset data = SphereData.Draw(count, seed: 11);
        double sum = 0, squares = 0;
        foreach (float x in data.Features) { sum += x; squares += (double)x * x; }
        double n = data.Features.Length, mean = sum / n;
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(squares / n - mean * mean, 0.99, 1.01);

        // The threshold is χ²(5)'s median, so about half the points are positive (standard error 0.11 %).
        int positives = 0;
        for (int i = 0; i < count; i++) positives += data.GetClass(i);
        Assert.InRange(positives / (double)count, 0.495, 0.505);
    }

    [Fact]
    public void ArticleRecipeTrainsAndReportsClaimedAgainstMeasured()
    {
        var log = new StringWriter();
        RecipeResult result = Recipes.ArticleBinary(seeds: 1, freshSamples: 20_000, log);
        Assert.Equal("97 %", result.Claimed);
        Assert.True(result.Passed, $"{result.Accuracy:P2} is below the sample's bar of {result.Bar:P0}:\n{log}");
        Assert.InRange(result.Accuracy, 0.85, 0.999);
        Assert.Contains("seed 1:", log.ToString());
        Assert.Contains("With 10 times the data", log.ToString());
    }

    [Fact]
    public void DigitsRecipeReachesItsBar()
    {
        RecipeResult result = Recipes.DigitsUci(seeds: 1, TextWriter.Null);
        Assert.True(result.Passed, $"{result.Accuracy:P2} is below the sample's bar of {result.Bar:P0}");
    }

    [Fact]
    public void SummaryTableAlignsItsColumns()
    {
        string table = SummaryTable.Render([
            new RecipeResult("a", "short", "97 %", "91 %", 0.91, 0.85),
            new RecipeResult("longer recipe", "d", "—", "85 %", 0.85, 0.8),
        ]);
        string[] lines = table.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        int bar = lines[0].IndexOf('|');
        Assert.Equal(bar, lines[2].IndexOf('|'));
        Assert.Equal(bar, lines[3].IndexOf('|'));
        Assert.Equal(bar, lines[1].IndexOf('+'));
        Assert.Equal("longer recipe | d         | —       | 85 %", lines[3]);
    }
}
