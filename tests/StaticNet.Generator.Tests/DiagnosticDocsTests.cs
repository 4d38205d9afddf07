extern alias analyzers;

using System.IO;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace StaticNet.Generator.Tests;

/// <summary>Every diagnostic has its help page, its row in docs/diagnostics/README.md and its release-tracking entry.</summary>
public class DiagnosticDocsTests
{
    private static string Root([CallerFilePath] string file = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));

    [Fact]
    public void EveryDescriptorHasAHelpPageAReadmeRowAndAReleaseEntry()
    {
        string root = Root();
        string readme = File.ReadAllText(Path.Combine(root, "docs", "diagnostics", "README.md"));
        string releases = File.ReadAllText(Path.Combine(root, "StaticNet.Analyzers", "AnalyzerReleases.Shipped.md")) +
                          File.ReadAllText(Path.Combine(root, "StaticNet.Analyzers", "AnalyzerReleases.Unshipped.md"));
        foreach (DiagnosticDescriptor descriptor in analyzers::StaticNet.Analyzers.Descriptors.All)
        {
            string id = descriptor.Id, title = descriptor.Title.ToString();
            string page = Path.Combine(root, "docs", "diagnostics", id + ".md");
            Assert.True(File.Exists(page), $"{id} has no help page at {page}");
            Assert.StartsWith($"# {id}: {title}", File.ReadAllText(page));
            Assert.Contains($"| [{id}]({id}.md) | {title} | {descriptor.DefaultSeverity} |", readme);
            Assert.Contains($"{id} | {descriptor.Category} | {descriptor.DefaultSeverity} | {title}", releases);
        }
    }
}
