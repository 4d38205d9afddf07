extern alias analyzers;

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace StaticNet.CodeFixes.Tests;

/// <summary>
/// Applies a code fix as the IDE does: the source in an <see cref="AdhocWorkspace"/> project against the runtime, the
/// analyzers' diagnostic, the fix's first action, the changed text; then the analyzers again on the result.
/// (Microsoft.CodeAnalysis.Testing's verifier, in a few lines.)
/// </summary>
internal static class CodeFixHarness
{
    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
    {
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return platform
            .Where(path => Path.GetFileName(path) is var name && (name.StartsWith("System.") || name is "mscorlib.dll" or "netstandard.dll"))
            .Append(typeof(StaticNet.INetwork).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();
    });

    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = ImmutableArray.Create<DiagnosticAnalyzer>(
        new analyzers::StaticNet.Analyzers.NetworkDeclarationAnalyzer(), new analyzers::StaticNet.Analyzers.CallSiteAnalyzer());

    /// <summary>The diagnostic must be reported on <paramref name="source"/>; the fix's first action (or the one at <paramref name="actionIndex"/>) must turn it into <paramref name="expected"/>, which no longer has it (nor, with <paramref name="requireNoErrors"/>, any analyzer error).</summary>
    public static void Verify(CodeFixProvider fix, string source, string expected, int index = 0, int actionIndex = 0, bool requireNoErrors = false)
    {
        Document document = CreateDocument(source);
        Diagnostic diagnostic = Diagnostics(document, fix).ElementAtOrDefault(index)
            ?? throw new Xunit.Sdk.XunitException($"No {string.Join("/", fix.FixableDiagnosticIds)} (index {index}) in:\n{source}");
        List<CodeAction> actions = Actions(fix, document, diagnostic);
        Assert.True(actions.Count > actionIndex, $"{fix.GetType().Name} offered {actions.Count} fixes for {diagnostic}");
        CodeAction action = actions[actionIndex];
        Assert.NotNull(action.EquivalenceKey);

        Solution changed = action.GetOperationsAsync(CancellationToken.None).Result.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        Document fixedDocument = changed.GetDocument(document.Id)!;
        string actual = fixedDocument.GetTextAsync().Result.ToString();
        Assert.Equal(expected.ReplaceLineEndings("\n"), actual.ReplaceLineEndings("\n"));
        Assert.Empty(Diagnostics(fixedDocument, fix));
        Assert.Empty(fixedDocument.GetSemanticModelAsync().Result!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        if (requireNoErrors)
            Assert.Empty(AllAnalyzerDiagnostics(fixedDocument).Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    /// <summary>Every analyzer diagnostic of the document.</summary>
    public static ImmutableArray<Diagnostic> AllAnalyzerDiagnostics(Document document) =>
        document.Project.GetCompilationAsync().Result!.WithAnalyzers(Analyzers).GetAnalyzerDiagnosticsAsync().Result;

    /// <summary>The diagnostic must be reported on <paramref name="source"/>, and the fix must offer nothing for it.</summary>
    public static void VerifyNoFix(CodeFixProvider fix, string source)
    {
        Document document = CreateDocument(source);
        ImmutableArray<Diagnostic> diagnostics = Diagnostics(document, fix);
        Assert.NotEmpty(diagnostics);
        foreach (Diagnostic diagnostic in diagnostics)
            Assert.Empty(Actions(fix, document, diagnostic));
    }

    /// <summary>Fix all in the document, as the IDE's "Fix all occurrences in document" does, through the fix's own provider.</summary>
    public static void VerifyFixAll(CodeFixProvider fix, string source, string expected)
    {
        Document document = CreateDocument(source);
        ImmutableArray<Diagnostic> diagnostics = Diagnostics(document, fix);
        Assert.True(diagnostics.Length > 1, $"Expected several diagnostics to fix, found {diagnostics.Length}");
        string equivalenceKey = Actions(fix, document, diagnostics[0])[0].EquivalenceKey!;
        var context = new FixAllContext(document, fix, FixAllScope.Document, equivalenceKey, fix.FixableDiagnosticIds,
            new Provider(diagnostics), CancellationToken.None);
        CodeAction action = fix.GetFixAllProvider()!.GetFixAsync(context).Result!;
        Solution changed = action.GetOperationsAsync(CancellationToken.None).Result.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        Document fixedDocument = changed.GetDocument(document.Id)!;
        Assert.Equal(expected.ReplaceLineEndings("\n"), fixedDocument.GetTextAsync().Result.ToString().ReplaceLineEndings("\n"));
        Assert.Empty(Diagnostics(fixedDocument, fix));
    }

    private sealed class Provider(ImmutableArray<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override System.Threading.Tasks.Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            System.Threading.Tasks.Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override System.Threading.Tasks.Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
            System.Threading.Tasks.Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override System.Threading.Tasks.Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            System.Threading.Tasks.Task.FromResult<IEnumerable<Diagnostic>>(ImmutableArray<Diagnostic>.Empty);
    }

    /// <summary>A diagnostic of the fix's ID, placed by hand on <paramref name="spanText"/>: the fix must offer nothing for it.</summary>
    public static void VerifyNoFixAt(CodeFixProvider fix, string source, string spanText)
    {
        Document document = CreateDocument(source);
        SyntaxTree tree = document.GetSyntaxTreeAsync().Result!;
        var span = new TextSpan(source.IndexOf(spanText, StringComparison.Ordinal), spanText.Length);
        Assert.True(span.Start >= 0, $"'{spanText}' not in the source");
        string id = fix.FixableDiagnosticIds[0];
        var descriptor = new DiagnosticDescriptor(id, id, "{0}", "StaticNet", DiagnosticSeverity.Warning, isEnabledByDefault: true);
        Assert.Empty(Actions(fix, document, Diagnostic.Create(descriptor, Location.Create(tree, span), "by hand")));
    }

    /// <summary>The analyzers' diagnostics the fix handles, in source order.</summary>
    public static ImmutableArray<Diagnostic> Diagnostics(Document document, CodeFixProvider fix)
    {
        Compilation compilation = document.Project.GetCompilationAsync().Result!;
        return compilation.WithAnalyzers(Analyzers).GetAnalyzerDiagnosticsAsync().Result
            .Where(d => fix.FixableDiagnosticIds.Contains(d.Id))
            .OrderBy(d => d.Location.SourceSpan.Start)
            .ToImmutableArray();
    }

    public static List<CodeAction> Actions(CodeFixProvider fix, Document document, Diagnostic diagnostic)
    {
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        fix.RegisterCodeFixesAsync(context).Wait();
        return actions;
    }

    public static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(), VersionStamp.Default, "Consumer", "Consumer", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
            metadataReferences: s_references.Value));
        return workspace.AddDocument(project.Id, "Source0.cs", SourceText.From(source));
    }
}
