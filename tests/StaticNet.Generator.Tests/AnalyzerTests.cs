extern alias analyzers;

using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace StaticNet.Generator.Tests;

/// <summary>One test per rule, with the mistake (positive) and the corrected declaration (negative).</summary>
public class AnalyzerTests
{
    private const string Usings = "using StaticNet;\n";

    [Fact]
    public void SNET001_NoInput()
    {
        AnalyzerHarness.Verify(Usings + "[Dense(10)] partial class {|SNET001:N|} { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(10)] partial class N { }");
    }

    [Fact]
    public void SNET002_SeveralInputs_NamedVectorsAreFine_AnUnnamedOrRepeatedNameIsNot()
    {
        AnalyzerHarness.Verify(Usings + "[Input(6, Name = \"state\")] [Input(2, Name = \"action\")] [Dense(8, From = \"state\")] [Concatenate(\"action\")] [Dense(1)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, Name = \"state\")] [{|SNET002:Input(2)|}] [Dense(1)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, Name = \"state\")] [{|SNET002:Input(2, Name = \"state\")|}] [Dense(1)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, Name = \"state\")] [{|SNET002:Input(2, 3, Name = \"action\")|}] [Dense(1)] partial class N { }");
        // An input nothing reads is an unused branch.
        AnalyzerHarness.Verify(Usings + "[Input(6, Name = \"state\")] [{|SNET043:Input(2, Name = \"action\")|}] [Dense(1, From = \"state\")] partial class N { }");
    }

    [Fact]
    public void SNET002_SeveralInputs()
    {
        AnalyzerHarness.Verify(Usings + "[Input(4)] [{|SNET002:Input(4)|}] [Dense(10)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(10)] partial class N { }");
    }

    [Fact]
    public void SNET003_NonPositiveSize()
    {
        AnalyzerHarness.Verify(Usings + "[Input(4)] [{|SNET003:Dense(0)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[{|SNET003:Input(4, -1)|}] [Dense(2)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[{|SNET003:Input|}] [Dense(2)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(1)] [Dense(1)] partial class N { }");
    }

    [Fact]
    public void SNET004_LayerBeforeInput()
    {
        AnalyzerHarness.Verify(Usings + "[{|SNET004:Dense(3)|}] [Input(4)] [Dense(2)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(3)] [Dense(2)] partial class N { }");
    }

    [Fact]
    public void SNET005_UnsupportedInputRank()
    {
        AnalyzerHarness.Verify(Usings + "[{|SNET005:Input(1, 1, 28, 28)|}] [Dense(10)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(784)] [Dense(10)] partial class N { }");
    }

    [Fact]
    public void SNET016_MissingFlatten()
    {
        AnalyzerHarness.Verify(Usings + "[Input(1, 28, 28)] [{|SNET016:Dense(10)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(1, 28, 28)] [Conv2D(4, 3)] [MaxPool2D(2)] [{|SNET016:Dense(10)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] [Input(1, 8, 8)] [{|SNET016:Conv2D(4, 3)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(1, 28, 28)] [Conv2D(4, 3)] [MaxPool2D(2)] [Flatten] [Dense(10)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 3)] [Dense(10)] partial class N { }"); // a sequence: Dense at each step
    }

    [Fact]
    public void SNET017_WindowDoesNotFit()
    {
        AnalyzerHarness.Verify(Usings + "[Input(1, 4, 4)] [{|SNET017:Conv2D(4, 5)|}] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(1, 4, 4)] [Conv2D(4, 5, Padding = 1)] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(1, 7, 7)] [{|SNET017:Conv2D(4, 3, Dilation = 4)|}] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(1, 8, 8)] [Conv2D(4, 3)] [{|SNET017:MaxPool2D(7)|}] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(2, 5)] [Conv1D(4, 3)] [{|SNET017:MaxPool1D(4)|}] [Flatten] [Dense(3)] partial class N { }");
    }

    [Fact]
    public void SNET018_WrongInputKind()
    {
        AnalyzerHarness.Verify(Usings + "[Input(10)] [{|SNET018:Conv2D(4, 3)|}] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(2, 8, 8)] [{|SNET018:MaxPool1D(2)|}] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(10)] [{|SNET018:LSTM(4)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 3)] [LSTM(4)] [{|SNET018:GRU(4)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 3)] [LSTM(4, ReturnSequences = true)] [GRU(4)] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 3)] [LSTM(4, ReturnSequences = true)] [{|SNET018:BatchNorm|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(8)] [{|SNET018:GlobalAvgPool|}] [Dense(3)] partial class N { }");
        // A stand-alone Softmax is over the last dimension: vectors and sequences only.
        AnalyzerHarness.Verify(Usings + "[Input(2, 6, 6)] [Conv2D(3, 3)] [{|SNET018:Softmax|}] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(2, 6)] [Conv1D(3, 3)] [{|SNET018:Softmax(Name = \"s\")|}] [Flatten] [Dense(3)] partial class N { }");
        // LayerNorm normalises the last dimension: vectors and sequences only.
        AnalyzerHarness.Verify(Usings + "[Input(2, 6, 6)] [Conv2D(3, 3)] [{|SNET018:LayerNorm|}] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 3)] [LayerNorm] [LSTM(4)] [LayerNorm] [Dense(3)] partial class N { }");
        // Positions and pooling read sequences.
        AnalyzerHarness.Verify(Usings + "[Input(8)] [{|SNET018:SinusoidalPositions|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 4)] [LSTM(4)] [{|SNET018:PositionalEmbedding|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 4)] [SequencePool] [{|SNET018:SequencePool|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(8)] [{|SNET018:MultiHeadAttention(8, 2)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(8)] [{|SNET018:TransformerEncoderLayer(8, 2, 16)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 4)] [PositionalEmbedding] [SinusoidalPositions] [SequencePool(SequencePooling.Last)] [Dense(3)] partial class N { }");
    }

    [Fact]
    public void SNET019_InvalidOption()
    {
        AnalyzerHarness.Verify(Usings + "[Input(1, 8, 8)] [{|SNET019:Conv2D(4, 3, Stride = 0)|}] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(1, 8, 8)] [{|SNET019:Conv2D(4, 3, Stride = 2, PaddingMode = PaddingMode.Same)|}] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(1, 8, 8)] [{|SNET019:Conv2D(4, 3, Padding = 1, PaddingMode = PaddingMode.Valid)|}] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(1, 8, 8)] [{|SNET019:Conv2D(4, 1, Padding = 1)|}] [Flatten] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(8)] [Dense(4)] [{|SNET019:Dropout(1f)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(8)] [Dense(4)] [{|SNET019:BatchNorm(Momentum = 2f)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 3)] [{|SNET019:SimpleRNN(4, Activation.GELU)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 3)] [{|SNET019:LSTM(4, NumLayers = 0)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 3)] [{|SNET019:GRU(4, Dropout = 0.2f)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 3)] [{|SNET019:GRU(4, NumLayers = 2, Dropout = 1f)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 3)] [LSTM(4, NumLayers = 3, Bidirectional = true, Dropout = 0.5f)] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(8)] [Dense(4)] [{|SNET019:LeakyReLU(-0.1f)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(8)] [Dense(4)] [{|SNET019:ELU(0f)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(8)] [Dense(4)] [{|SNET019:LayerNorm(Epsilon = 0f)|}] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 4)] [{|SNET019:PositionalEmbedding(MaxPositions = 5)|}] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 5)] [{|SNET019:SinusoidalPositions|}] [SequencePool] [Dense(3)] partial class N { }");
        // Heads must divide embedDim, and embedDim is the input's feature count.
        AnalyzerHarness.Verify(Usings + "[Input(6, 10)] [{|SNET019:MultiHeadAttention(10, 3)|}] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 10)] [{|SNET019:MultiHeadAttention(12, 3)|}] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 12)] [MultiHeadAttention(12, 3, Causal = true)] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 12)] [{|SNET019:MultiHeadAttention(12, 3, Dropout = 1f)|}] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6)] [{|SNET019:Embedding(10, 8, PaddingIndex = 10)|}] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6)] [{|SNET019:Embedding(10, 8, PaddingIndex = -2)|}] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6)] [Embedding(10, 8, PaddingIndex = 0)] [MultiHeadAttention(8, 2)] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 12)] [{|SNET019:TransformerEncoderLayer(12, 5, 24)|}] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 10)] [{|SNET019:TransformerEncoderLayer(12, 4, 24)|}] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 12)] [{|SNET019:TransformerEncoderLayer(12, 4, 24, Activation = Activation.Tanh)|}] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 12)] [TransformerEncoderLayer(12, 4, 24, Name = \"enc.layers.0\")] [TransformerEncoderLayer(12, 4, 24, Activation = Activation.GELU, NormFirst = true, Name = \"enc.layers.1\")] [SequencePool] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(8)] [Dense(4)] [LeakyReLU(0.3f)] [ELU(2f)] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(8)] [Dense(4)] [Dropout(0.5f)] [BatchNorm(Momentum = 0.01f)] [Dense(3)] partial class N { }");
    }

    [Fact]
    public void SNET024_EmbeddingNotFirst()
    {
        AnalyzerHarness.Verify(Usings + "[Input(7)] [Dense(4)] [{|SNET024:Embedding(10, 4)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(7, 2)] [{|SNET024:Embedding(10, 4)|}] [LSTM(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(7)] [Embedding(10, 4)] [LSTM(3)] [Dense(2)] partial class N { }");
    }

    [Fact]
    public void SNET006_NoLayers()
    {
        AnalyzerHarness.Verify(Usings + "[{|SNET006:Input(4)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(1)] partial class N { }");
    }

    [Fact]
    public void SNET007_DuplicateName()
    {
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(3, Name = \"fc\")] [{|SNET007:Dense(2, Name = \"fc\")|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(3, Name = \"fc1\")] [Dense(2, Name = \"fc2\")] partial class N { }");
    }

    [Fact]
    public void SNET008_InvalidName()
    {
        AnalyzerHarness.Verify(Usings + "[Input(4)] [{|SNET008:Dense(3, Name = \"\")|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [{|SNET008:Dense(3, Name = \"my layer\")|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[{|SNET008:Network(NamePrefix = \"layers\")|}] [Input(4)] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(NamePrefix = \"layers.\")] [Input(4)] [Dense(3)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(3, Name = \"encoder.0\")] partial class N { }");
    }

    [Fact]
    public void SNET009_NotExtensible()
    {
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(3)] class {|SNET009:N|} { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(3)] partial class {|SNET009:N|}<T> { }");
        AnalyzerHarness.Verify(Usings + "class Outer { [Input(4)] [Dense(3)] public partial class {|SNET009:N|} { } }");
        AnalyzerHarness.Verify(Usings + "partial class Outer { [Input(4)] [Dense(3)] public partial class N { } }");
    }

    [Fact]
    public void SNET010_SoftmaxCrossEntropyWithOneOutput()
    {
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [{|SNET010:Dense(1)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.BinaryCrossEntropy)] [Input(4)] [Dense(1)] partial class N { }");
    }

    [Fact]
    public void SNET011_ActivationDuplicatesLoss()
    {
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [{|SNET011:Dense(3, Activation.Softmax)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.BinaryCrossEntropy)] [Input(4)] [{|SNET011:Dense(1, Activation.Sigmoid)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] [Input(4)] [Dense(1, Activation.Sigmoid)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(8, Activation.Softmax)] [Dense(3)] partial class N { }");
        // A trailing stand-alone [Softmax] (or [Sigmoid] before BCE) duplicates the loss's just as a fused one does.
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(3)] [{|SNET011:Softmax|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.BinaryCrossEntropy)] [Input(4)] [Dense(1)] [{|SNET011:Sigmoid|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(8)] [Softmax] [Dense(3)] partial class N { }");
    }

    [Fact]
    public void SNET012_SplitDeclarations()
    {
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(8)] partial class N { }\n[{|SNET012:Dense(2)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(8)] [Dense(2)] partial class N { }\npartial class N { public int Extra => 1; }");
    }

    [Fact]
    public void SNET013_TooLarge()
    {
        AnalyzerHarness.Verify(Usings + "[Input(100000)] [{|SNET013:Dense(100000)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[{|SNET013:Input(100000, 100000)|}] [Dense(2)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(100000)] [Dense(100)] partial class N { }");
    }

    [Fact]
    public void SNET014_UndefinedValue()
    {
        AnalyzerHarness.Verify(Usings + "[Input(4)] [{|SNET014:Dense(2, (Activation)42)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[{|SNET014:Network(Loss = (Loss)9)|}] [Input(4)] [Dense(2)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = (Loss)1)] [Input(4)] [Dense(2, (Activation)6)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 4)] [{|SNET014:SequencePool((SequencePooling)3)|}] [Dense(2)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 4)] [{|SNET014:TransformerEncoderLayer(4, 2, 8, Activation = (Activation)42)|}] [SequencePool] [Dense(2)] partial class N { }");
    }

    [Fact]
    public void SNET015_GeneratedMemberConflict()
    {
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(2)] partial class N { public const int {|SNET015:InputSize|} = 4; }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(2)] partial class N { public void {|SNET015:Forward|}(float[] a, float[] b) { } }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(2)] partial class N { public void Forward(float[] a) { } public int Size => 4; }");
        // Several inputs: a Forward of another arity and a constant of a name no input has are the user's own.
        AnalyzerHarness.Verify(Usings + "[Input(6, Name = \"state\")] [Input(2, Name = \"action\")] [Dense(4, From = \"state\")] [Concatenate(\"action\")] [Dense(1)] " +
            "partial class N { public void Forward(float[] a, float[] b, float[] c, float[] d) { } public const int GoalInputSize = 3; }");
    }

    [Fact]
    public void MessagesNameTheShapes()
    {
        Diagnostic diagnostic = AnalyzerHarness.Analyze(Usings + "[Input(1, 28, 28)] [Dense(10)] partial class N { }").Single();
        Assert.Equal("Dense '0' follows an output of shape [1, 28, 28] ([channels, height, width]); expected a vector. Add [Flatten] before it (Dense would otherwise apply to the last dimension only)", diagnostic.GetMessage());
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.EndsWith("docs/diagnostics/SNET016.md", diagnostic.Descriptor.HelpLinkUri);
        Diagnostic window = AnalyzerHarness.Analyze(Usings + "[Input(3, 9, 8)] [Conv2D(4, 3, Dilation = 5)] [Flatten] [Dense(3)] partial class N { }").Single();
        Assert.Equal("Conv2D '0' has a 3×3 kernel with dilation 5 (extent 11×11), larger than its padded input 9×8 (input [3, 9, 8], padding 0/0); expected a kernel that fits", window.GetMessage());
    }

    [Fact]
    public async System.Threading.Tasks.Task SeveritiesFollowTheProjectsConfiguration()
    {
        // What `dotnet_diagnostic.SNET011.severity = error` in .editorconfig (or <WarningsAsErrors>) turns into.
        string source = Usings + "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(3, Activation.Softmax)] partial class N { }";
        var compilation = GeneratorHarness.Compile(source);
        var configured = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(
            new System.Collections.Generic.Dictionary<string, ReportDiagnostic> { ["SNET011"] = ReportDiagnostic.Error, ["SNET001"] = ReportDiagnostic.Suppress }));
        var diagnostics = await configured.WithAnalyzers(AnalyzerHarness.All).GetAnalyzerDiagnosticsAsync();
        Assert.Equal(DiagnosticSeverity.Error, Assert.Single(diagnostics).Severity);

        var suppressed = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(
            new System.Collections.Generic.Dictionary<string, ReportDiagnostic> { ["SNET011"] = ReportDiagnostic.Suppress }));
        Assert.Empty(await suppressed.WithAnalyzers(AnalyzerHarness.All).GetAnalyzerDiagnosticsAsync());
    }

    [Fact]
    public void ValidNetworksProduceNoDiagnostics()
    {
        Assert.Empty(AnalyzerHarness.Analyze(SnapshotTests.DigitsNet));
        Assert.Empty(AnalyzerHarness.Analyze(SnapshotTests.DeepRegressor));
        Assert.Empty(AnalyzerHarness.Analyze(SnapshotTests.InferenceOnly));
        Assert.Empty(AnalyzerHarness.Analyze("class Plain { }"));
    }

    [Fact]
    public void EveryDiagnosticHasAHelpPage()
    {
        string docs = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "..", "docs", "diagnostics"));
        foreach (DiagnosticDescriptor descriptor in new analyzers::StaticNet.Analyzers.NetworkDeclarationAnalyzer().SupportedDiagnostics)
        {
            string page = Path.Combine(docs, descriptor.Id + ".md");
            Assert.True(File.Exists(page), $"{descriptor.Id} has no help page at {page}");
            Assert.Contains(descriptor.Id, File.ReadAllText(page));
        }
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
