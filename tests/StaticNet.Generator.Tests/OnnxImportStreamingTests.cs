using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using StaticNet.Generator;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>
/// An LSTM exported by torch.onnx.export at a fixed batch size (benchmarks/pytorch/export_import_onnx.py's
/// lstm_stream.onnx): its zero initial state is an Expand of zeros to [1, 1, hidden], which import takes as the zero
/// state; the LSTM returns every step, so the imported network streams with Step, like the attribute-declared one.
/// </summary>
public class OnnxImportStreamingTests
{
    private sealed class FileItem(string path) : AdditionalText
    {
        public override string Path { get; } = path;
        public override SourceText? GetText(CancellationToken cancellationToken = default) => null;
    }

    private static string Model(string name, [CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", "..", "benchmarks", "pytorch", name));

    [Fact]
    public void FixedBatchLstm_WithExpandedZeroState_ImportsAndStreams()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile("using StaticNet; [Network(Onnx = \"lstm_stream.onnx\")] partial class Net { }");
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            new[] { (AdditionalText)new FileItem(Model("lstm_stream.onnx")) },
            GeneratorHarness.ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Empty(generatorDiagnostics.AddRange(output.GetDiagnostics()).Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string code = result.GeneratedSources.Single().SourceText.ToString();
        Assert.Contains("public void Step(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)", code);
        Assert.Contains("public const int StepInputSize = 1;", code);
    }
}
