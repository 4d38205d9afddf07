using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace StaticNet.Generator.Tests;

/// <summary>
/// <c>[Network(Onnx = ...)]</c> at build time: what the generator makes of the committed torch.onnx.export fixtures
/// (tests/reference/make_onnx_fixtures.py), and SNET027 for every model it cannot import, naming the node.
/// </summary>
public class OnnxImportGeneratorTests
{
    private static string Fixture(string name, [CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", "reference", "fixtures", "onnx", name));

    /// <summary>An AdditionalFiles item: the generator reads the bytes at its path (a binary model has no text).</summary>
    private sealed class FileItem(string path) : AdditionalText
    {
        public override string Path { get; } = path;
        public override SourceText? GetText(CancellationToken cancellationToken = default) => null;
    }

    private static (ImmutableArray<GeneratedSourceResult> Files, ImmutableArray<Diagnostic> Diagnostics) Run(string source, params string[] files)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            files.Select(f => (AdditionalText)new FileItem(f)),
            GeneratorHarness.ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return (result.GeneratedSources, generatorDiagnostics.AddRange(output.GetDiagnostics()).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray());
    }

    [Fact]
    public void SupportedModel_GeneratesTheAttributeNetworksCode_WithTheModelsSources()
    {
        var (files, diagnostics) = Run("using StaticNet; [Network(Onnx = \"onnx/lstm.onnx\")] partial class Net { }", Fixture("lstm.onnx"));
        Assert.Empty(diagnostics);
        string code = files.Single().SourceText.ToString();
        Assert.Contains("\"StaticNet.Onnx/lstm.onnx\"", code);
        // ONNX's i, o, f, c gate blocks to PyTorch's i, f, g, o; the hidden biases from the second half of B.
        Assert.Contains("new global::StaticNet.IO.OnnxTensorSource(\"onnx::LSTM_109\", 512L, 0, false, 0,2,3,1), // lstm.weight_ih_l0", code);
        Assert.Contains("new global::StaticNet.IO.OnnxTensorSource(\"onnx::LSTM_111\", 128L, 64, false, 0,2,3,1), // lstm.bias_hh_l0", code);
        Assert.Contains("public void LoadOnnxWeights()", code);
    }

    [Fact]
    public void UnsupportedOperator_IsSNET027_NamingTheNodeAndTheOperator()
    {
        var (files, diagnostics) = Run("using StaticNet; [Network(Onnx = \"unsupported.onnx\")] partial class Net { }", Fixture("unsupported.onnx"));
        Diagnostic error = Assert.Single(diagnostics, d => d.Id == "SNET027");
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        string message = error.GetMessage();
        Assert.Contains("'/Sin'", message);
        Assert.Contains("operator 'Sin' is not supported", message);
        Assert.Contains("Gemm", message); // what is supported
        Assert.Equal("Source0.cs", error.Location.GetLineSpan().Path); // on the attribute, as a build error (file and line)
        Assert.Empty(files);
    }

    [Fact]
    public void StackedBidirectionalLstm_IsOneLayer_WithEachDirectionsPartOfTheInitializers()
    {
        var (files, diagnostics) = Run("using StaticNet; [Network(Onnx = \"lstm_bi_stack.onnx\")] partial class Net { }", Fixture("lstm_bi_stack.onnx"));
        Assert.Empty(diagnostics);
        string code = files.Single().SourceText.ToString();
        // W [2, 20, 4] of layer 0: the reverse direction from element 80; B [2, 40]: bias_hh of the reverse direction from 60.
        Assert.Matches(@"OnnxTensorSource\(""onnx::LSTM_\d+"", 160L, 80, false, 0,2,3,1\), // lstm\.weight_ih_l0_reverse", code);
        Assert.Matches(@"OnnxTensorSource\(""onnx::LSTM_\d+"", 80L, 60, false, 0,2,3,1\), // lstm\.bias_hh_l1_reverse", code);
        Assert.Matches(@"OnnxTensorSource\(""onnx::LSTM_\d+"", 400L, 200, false, 0,2,3,1\), // lstm\.weight_ih_l1_reverse", code);
    }

    [Theory]
    [InlineData("attention_causal.onnx", "'/encoder/self_attn/MatMul_1' (MatMul)", "attention block (scope '/encoder/self_attn'", "attn_mask")]
    [InlineData("layernorm_2d.onnx", "'/norm/LayerNormalization' (LayerNormalization)", "axis = -2", "expected the last axis only")]
    [InlineData("lstm_h0.onnx", "'/lstm/LSTM' (LSTM)", "initial state '/Expand_output_0' is not zero", "expected a zero (or absent) initial state")]
    public void UnsupportedPattern_IsSNET027_NamingTheNodeAndWhatIsSupported(string model, string node, string what, string expected)
    {
        var (files, diagnostics) = Run("using StaticNet; [Network(Onnx = \"" + model + "\")] partial class Net { }", Fixture(model));
        Diagnostic error = Assert.Single(diagnostics, d => d.Id == "SNET027");
        string message = error.GetMessage();
        Assert.Contains("ONNX node " + node, message);
        Assert.Contains(what, message);
        Assert.Contains(expected, message);
        Assert.Empty(files);
    }

    [Fact]
    public void MissingFile_IsSNET027_SayingHowToAddIt()
    {
        var (files, diagnostics) = Run("using StaticNet; [Network(Onnx = \"model.onnx\")] partial class Net { }", Fixture("mlp.onnx"));
        Diagnostic error = Assert.Single(diagnostics, d => d.Id == "SNET027");
        Assert.Contains("<StaticNetOnnx Include=\"model.onnx\" />", error.GetMessage());
        Assert.Contains("mlp.onnx", error.GetMessage());
        Assert.Empty(files);
    }

    [Fact]
    public void UnreadableFile_IsSNET027()
    {
        string path = Path.Combine(Path.GetTempPath(), "staticnet-garbage-" + System.Guid.NewGuid().ToString("N") + ".onnx");
        File.WriteAllBytes(path, new byte[] { 0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2, 3 });
        try
        {
            var (files, diagnostics) = Run("using StaticNet; [Network(Onnx = \"" + Path.GetFileName(path) + "\")] partial class Net { }", path);
            Diagnostic error = Assert.Single(diagnostics, d => d.Id == "SNET027");
            Assert.Contains("is not a readable ONNX model", error.GetMessage());
            Assert.Empty(files);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void OnnxWithLayerAttributes_IsSNET027()
    {
        var (_, diagnostics) = Run("using StaticNet; [Network(Onnx = \"mlp.onnx\")] [Input(20)] [Dense(4)] partial class Net { }", Fixture("mlp.onnx"));
        Diagnostic error = Assert.Single(diagnostics, d => d.Id == "SNET027");
        Assert.Contains("layer attributes", error.GetMessage());
    }

    [Fact]
    public void DiagnosticHasItsHelpPageAndReadmeRow()
    {
        string root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Fixture("x"))!, "..", "..", "..", ".."));
        DiagnosticDescriptor descriptor = OnnxPipeline.ImportError;
        Assert.True(File.Exists(Path.Combine(root, "docs", "diagnostics", "SNET027.md")));
        Assert.Contains($"| [SNET027](SNET027.md) | {descriptor.Title} | {descriptor.DefaultSeverity} |", File.ReadAllText(Path.Combine(root, "docs", "diagnostics", "README.md")));
        Assert.EndsWith("docs/diagnostics/SNET027.md", descriptor.HelpLinkUri);
    }
}
