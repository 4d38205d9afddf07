extern alias analyzers;

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace StaticNet.Generator.Tests;

/// <summary>
/// Runs the analyzers on source written with inline markup, <c>{|SNET003:Dense(0)|}</c>: the diagnostics found must be
/// exactly the ones marked, with those IDs on those spans (Microsoft.CodeAnalysis.Testing's convention, in a few lines).
/// </summary>
internal static partial class AnalyzerHarness
{
    [GeneratedRegex(@"\{\|(?<id>[A-Z]+[0-9]+):|\|\}")]
    private static partial Regex Marker();

    public static void Verify(string markedSource)
    {
        (string source, List<(string Id, TextSpan Span)> expected) = Parse(markedSource);
        ImmutableArray<Diagnostic> found = Analyze(source);
        var actual = found.Select(d => (d.Id, d.Location.SourceSpan)).OrderBy(d => d.SourceSpan.Start).ToList();
        string Describe(IEnumerable<(string Id, TextSpan Span)> items) =>
            string.Join("\n", items.Select(d => $"  {d.Id} at '{source.Substring(d.Span.Start, d.Span.Length)}' {d.Span}"));
        Assert.True(expected.OrderBy(d => d.Span.Start).SequenceEqual(actual),
            $"Expected:\n{Describe(expected)}\nFound:\n{Describe(actual)}\nMessages:\n{string.Join("\n", found.Select(d => "  " + d))}");
    }

    public static ImmutableArray<DiagnosticAnalyzer> All { get; } = ImmutableArray.Create<DiagnosticAnalyzer>(
        new analyzers::StaticNet.Analyzers.NetworkDeclarationAnalyzer(), new analyzers::StaticNet.Analyzers.CallSiteAnalyzer());

    /// <summary>The analyzers' diagnostics in the user's source, after the generator has added the networks' code (as in a build).</summary>
    public static ImmutableArray<Diagnostic> Analyze(string source)
    {
        var compilation = GeneratorHarness.Compile(source);
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out _);
        var withAnalyzers = generated.WithAnalyzers(All);
        SyntaxTree user = compilation.SyntaxTrees.Single();
        return withAnalyzers.GetAnalyzerDiagnosticsAsync().Result.Where(d => d.Location.SourceTree == user).ToImmutableArray();
    }

    private static (string Source, List<(string Id, TextSpan Span)> Expected) Parse(string marked)
    {
        var text = new StringBuilder();
        var expected = new List<(string, TextSpan)>();
        var open = new Stack<(string Id, int Start)>();
        int last = 0;
        foreach (Match match in Marker().Matches(marked))
        {
            text.Append(marked, last, match.Index - last);
            last = match.Index + match.Length;
            if (match.Groups["id"].Success)
            {
                open.Push((match.Groups["id"].Value, text.Length));
            }
            else
            {
                (string id, int start) = open.Pop();
                expected.Add((id, TextSpan.FromBounds(start, text.Length)));
            }
        }
        text.Append(marked, last, marked.Length - last);
        return (text.ToString(), expected);
    }
}
