using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>The pipeline caches: an edit that does not touch a network leaves every tracked step Cached or Unchanged.</summary>
public class CachingTests
{
    private const string Unrelated = """
        namespace Demo;
        public static class Helpers { public static int Twice(int x) => 2 * x; }
        """;

    [Fact]
    public void UnrelatedEditLeavesEveryStepCachedOrUnchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(SnapshotTests.DigitsNet, Unrelated);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree old = compilation.SyntaxTrees.Last();
        SyntaxTree edited = old.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
            Unrelated.Replace("2 * x", "x + x") + "\n// an edit\n"));
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));

        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        string[] tracked = [TrackingNames.Specs, TrackingNames.Shapes, TrackingNames.Sources];
        foreach (string step in tracked)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} is not tracked");
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
                foreach ((object _, IncrementalStepRunReason reason) in run.Outputs)
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {step}: {reason}");
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void EditingANetworkRegeneratesIt()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(SnapshotTests.DigitsNet);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        SyntaxTree old = compilation.SyntaxTrees.Single();
        SyntaxTree edited = old.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(SnapshotTests.DigitsNet.Replace("Dense(64", "Dense(32")));
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));

        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Contains(result.TrackedSteps[TrackingNames.Sources].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Dense 64 → 32", result.GeneratedSources.Single().SourceText.ToString());
    }
}
