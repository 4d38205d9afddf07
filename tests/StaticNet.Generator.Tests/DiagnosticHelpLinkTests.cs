extern alias analyzers;

using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;

namespace StaticNet.Generator.Tests;

/// <summary>
/// Every diagnostic's help link is its page under docs/diagnostics/ in the repository that Directory.Build.props names
/// (the package's repository and project URL), on its default branch, and that page exists.
/// </summary>
public class DiagnosticHelpLinkTests
{
    private static string Root([CallerFilePath] string file = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));

    [Fact]
    public void EveryHelpLinkIsItsPageInThePackagesRepository()
    {
        string root = Root();
        XDocument props = XDocument.Load(Path.Combine(root, "Directory.Build.props"));
        string repository = props.Descendants("RepositoryUrl").Single().Value;
        string branch = props.Descendants("RepositoryBranch").Single().Value;
        Assert.NotEmpty(analyzers::StaticNet.Analyzers.Descriptors.All);
        foreach (DiagnosticDescriptor descriptor in analyzers::StaticNet.Analyzers.Descriptors.All)
        {
            Assert.Equal($"{repository}/blob/{branch}/docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri);
            Assert.True(File.Exists(Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md")), $"{descriptor.HelpLinkUri}: no such page in the repository");
        }
    }
}
