extern alias analyzers;

using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace StaticNet.Generator.Tests;

/// <summary>
/// What the analyzers cost a large project: 200 network declarations of various sizes and 2,000 call sites, timed by
/// Roslyn's own analyzer telemetry. The bound is generous (a regression guard, not a benchmark); the figures are printed
/// and recorded in docs/diagnostics/README.md.
/// </summary>
public class AnalyzerCostTests(ITestOutputHelper output)
{
    private const int Networks = 200;
    private const int CallSites = 2000;

    private static string Source()
    {
        var source = new StringBuilder("using System;\nusing StaticNet;\nusing StaticNet.Optimizers;\n\n");
        int[] inputs = [4, 16, 64, 784, 3072];
        int[] widths = [8, 32, 128, 256];
        for (int i = 0; i < Networks; i++)
        {
            int input = inputs[i % inputs.Length], hidden = widths[i % widths.Length], layers = 1 + i % 3, outputs = 2 + i % 9;
            source.Append(i % 2 == 0 ? "[Network(Loss = Loss.SoftmaxCrossEntropy)] " : "")
                  .Append($"[Input({input})] ");
            for (int l = 0; l < layers; l++) source.Append($"[Dense({hidden}, Activation.ReLU, Name = \"fc{l}\")] ");
            source.Append($"[Dense({outputs}, Name = \"out\")] partial class N{i} {{ }}\n");
        }
        source.Append("\nstatic class Use\n{\n");
        for (int i = 0; i < CallSites; i++)
        {
            int n = i % Networks;
            source.Append($"    static void Call{i}(N{n} net, Optimizer adam)\n    {{\n");
            source.Append((i % 4) switch
            {
                0 => $"        net.Forward(new float[N{n}.InputSize], new float[N{n}.OutputSize]);\n",
                1 => $"        float[] input = new float[N{n}.InputSize]; Span<float> output = stackalloc float[N{n}.OutputSize]; net.Forward(input, output);\n",
                2 => $"        net.ForwardBatch(new float[N{n}.InputSize * 8], new float[N{n}.OutputSize * 8]);\n",
                _ => n % 2 == 0
                    ? $"        net.TrainStep(new float[N{n}.InputSize * 4], new float[N{n}.OutputSize * 4], adam);\n"
                    : $"        var x = new float[N{n}.InputSize]; net.Forward(x, new float[N{n}.OutputSize]);\n",
            });
            source.Append("    }\n");
        }
        return source.Append("}\n").ToString();
    }

    [Fact]
    public async System.Threading.Tasks.Task AnalyzersOnTwoHundredNetworksAndTwoThousandCallSites()
    {
        var generation = Stopwatch.StartNew();
        var compilation = GeneratorHarness.Compile(Source());
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out _);
        // The user's file must compile (checked on its own: the generated files' own tests cover them, and binding all
        // of them twice would double the test's time).
        SyntaxTree user = compilation.SyntaxTrees.Single();
        Assert.Empty(generated.GetSemanticModel(user).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        generation.Stop();
        output.WriteLine($"generation and the user file's binding {generation.Elapsed.TotalMilliseconds:F0} ms; generated {generated.SyntaxTrees.Count() - 1} files, {generated.SyntaxTrees.Sum(t => t.Length) / 1024} KiB");

        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null,
            concurrentAnalysis: false, logAnalyzerExecutionTime: true);
        var stopwatch = Stopwatch.StartNew();
        AnalysisResult result = await generated.WithAnalyzers(AnalyzerHarness.All, options).GetAnalysisResultAsync(CancellationToken.None);
        stopwatch.Stop();

        Assert.Empty(result.GetAllDiagnostics().Where(d => d.Id.StartsWith("SNET")));
        output.WriteLine($"{Networks} networks, {CallSites} call sites; analysis (compilation included) {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
        foreach (DiagnosticAnalyzer analyzer in AnalyzerHarness.All)
        {
            System.TimeSpan time = result.AnalyzerTelemetryInfo[analyzer].ExecutionTime;
            output.WriteLine($"  {analyzer.GetType().Name}: {time.TotalMilliseconds:F1} ms");
            // A regression guard that survives a loaded machine: wall-clock telemetry stretches with the load, so the bound is
            // relative to the same run's generation and binding (about 5× an analyzer's cost on a quiet machine), with an
            // absolute floor. An analyzer gone quadratic in networks or call sites exceeds it by far.
            System.TimeSpan bound = System.TimeSpan.FromTicks(System.Math.Max(System.TimeSpan.FromSeconds(5).Ticks, generation.Elapsed.Ticks));
            Assert.True(time < bound, $"{analyzer.GetType().Name} took {time}; expected less than {bound} (the generation and binding of the same code)");
        }
    }
}
