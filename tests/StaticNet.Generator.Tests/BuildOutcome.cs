using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace StaticNet.Generator.Tests;

/// <summary>
/// What a build of one source file gives, as <c>dotnet build</c> computes it: the generator's files, then the compiler's
/// and the analyzers' diagnostics over the compilation that includes them.
/// </summary>
internal sealed record BuildOutcome(
    SyntaxTree User,
    ImmutableArray<GeneratedSourceResult> Files,
    ImmutableArray<Diagnostic> Diagnostics,
    Exception? GeneratorException,
    ImmutableArray<Exception> AnalyzerExceptions,
    Compilation Output)
{
    public static BuildOutcome Of(string source)
    {
        var compilation = GeneratorHarness.Compile(source);
        GeneratorDriver driver = GeneratorHarness.CreateDriver()
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        var analyzerExceptions = new ConcurrentBag<Exception>();
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (exception, _, _) => analyzerExceptions.Add(exception), concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> diagnostics = output.WithAnalyzers(AnalyzerHarness.All, options).GetAllDiagnosticsAsync().Result;
        return new BuildOutcome(compilation.SyntaxTrees.Single(), result.GeneratedSources, generatorDiagnostics.AddRange(diagnostics),
            result.Exception, analyzerExceptions.ToImmutableArray(), output);
    }

    /// <summary>Emits the compilation (user code and generated code) and loads it into this process.</summary>
    public System.Reflection.Assembly Load()
    {
        using var stream = new System.IO.MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = Output.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return System.Reflection.Assembly.Load(stream.ToArray());
    }

    public ImmutableArray<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();

    /// <summary>The SNET errors on the user's file.</summary>
    public ImmutableArray<Diagnostic> SnetErrors => Errors.Where(d => d.Id.StartsWith("SNET") && d.Location.SourceTree == User).ToImmutableArray();

    /// <summary>
    /// The invariant every declaration must keep: the generator and analyzers do not fail, and either there is no error,
    /// or there is an SNET error on the user's file and no error anywhere else (none in a generated file).
    /// </summary>
    public void AssertInvariant(string source)
    {
        string Context() => $"\nSource:\n{source}\nDiagnostics:\n{string.Join("\n", Diagnostics.Select(d => "  " + d))}";
        Assert.True(GeneratorException is null, $"generator exception {GeneratorException}{Context()}");
        Assert.True(AnalyzerExceptions.IsEmpty, $"analyzer exception {AnalyzerExceptions.FirstOrDefault()}{Context()}");
        Assert.DoesNotContain(Diagnostics, d => d.Id is "CS8785" or "AD0001");
        foreach (Diagnostic error in Errors)
            Assert.True(error.Location.SourceTree == User || error.Location == Location.None && error.Id.StartsWith("SNET"),
                $"error outside the user's file: {error}{Context()}");
        if (!Errors.IsEmpty)
            Assert.True(!SnetErrors.IsEmpty, $"errors without an SNET diagnostic{Context()}");
    }
}
