extern alias analyzers;

using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace StaticNet.Generator.Tests;

/// <summary>
/// Every <c>```csharp</c> block of the repository's README.md compiles exactly as shown, on its own, with the generator
/// and the analyzers: a block with top-level statements as a console program (as <c>dotnet new console</c> would,
/// but with no implicit usings, so the block's own usings must suffice), any other as a library. No error, no warning.
/// </summary>
public partial class ReadmeCodeTests
{
    private static string Root([CallerFilePath] string file = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));

    [GeneratedRegex(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    /// <summary>The README's C# blocks, with the line each starts on.</summary>
    public static IEnumerable<object[]> Blocks()
    {
        string readme = File.ReadAllText(Path.Combine(Root(), "README.md"));
        foreach (Match match in CSharpBlock().Matches(readme))
        {
            int line = readme[..match.Index].Count(c => c == '\n') + 2;
            yield return [line, match.Groups["code"].Value];
        }
    }

    [Fact]
    public void ReadmeHasCSharpBlocks() => Assert.NotEmpty(Blocks());

    [Theory]
    [MemberData(nameof(Blocks))]
    public async Task ReadmeBlockCompilesAsShown(int line, string code)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(code, GeneratorHarness.ParseOptions, path: $"README.md:{line}");
        bool program = tree.GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();
        CSharpCompilation baseline = GeneratorHarness.Compile(code);
        CSharpCompilation compilation = baseline.ReplaceSyntaxTree(baseline.SyntaxTrees.Single(), tree).WithOptions(new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable));
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out ImmutableArray<Diagnostic> generatorDiagnostics);
        ImmutableArray<Diagnostic> analyzerDiagnostics = await generated.WithAnalyzers(AnalyzerHarness.All).GetAnalyzerDiagnosticsAsync();
        Diagnostic[] problems = generatorDiagnostics.Concat(generated.GetDiagnostics()).Concat(analyzerDiagnostics)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0,
            $"The README's C# block at line {line} does not compile as shown:\n" + string.Join("\n", problems.Select(d => "  " + d)));
    }
}
