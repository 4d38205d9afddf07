using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>
/// The generated source of representative networks, compared with committed snapshots under Snapshots/. A change to
/// the emitted code fails here until the snapshot is reviewed and accepted: run the tests with
/// <c>STATICNET_UPDATE_SNAPSHOTS=1</c> and review the diff in git.
/// </summary>
public class SnapshotTests
{
    public const string DigitsNet = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(64)]
        [Dense(64, Activation.ReLU, Name = "fc1")]
        [Dense(10, Name = "fc2")]
        public partial class DigitsNet { }
        """;

    public const string DeepRegressor = """
        using StaticNet;

        namespace Demo.Models
        {
            public static partial class Zoo
            {
                [Network(Loss = Loss.MeanSquaredError)]
                [Input(16)]
                [Dense(64, Activation.GELU)]
                [Dense(64, Activation.Tanh)]
                [Dense(4, Activation.Sigmoid)]
                internal partial class DeepRegressor { }
            }
        }
        """;

    public const string InferenceOnly = """
        using StaticNet;

        [Network(EmbeddedWeights = "policy.safetensors")]
        [Input(3)]
        [Dense(2, Activation.LeakyReLU, Name = "encoder.linear")]
        [Dense(1)]
        partial class TinyPolicy { }
        """;

    /// <summary>The sample CNN of issue 4: convolutions, pools, Flatten, Dropout (and so a training forward pass).</summary>
    public const string SampleCnn = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(1, 28, 28)]
        [Conv2D(16, 3, Activation.ReLU, Padding = 1)]
        [MaxPool2D(2)]
        [Conv2D(32, 3, Activation.ReLU, Padding = 1)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(128, Activation.ReLU)]
        [Dropout(0.25f)]
        [Dense(10)]
        public partial class SampleCnn { }
        """;

    /// <summary>BatchNorm after a convolution and after a Dense layer, GELU, no bias, Conv1D, GlobalAvgPool.</summary>
    public const string NormalizedCnn = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.MeanSquaredError)]
        [Input(3, 32)]
        [Conv1D(8, 5, Activation.GELU, PaddingMode = PaddingMode.Same, Bias = false)]
        [BatchNorm]
        [AvgPool1D(2)]
        [GlobalAvgPool]
        [Dense(4)]
        [BatchNorm(Momentum = 0.01f, Epsilon = 1e-3f)]
        public partial class NormalizedCnn { }
        """;

    public const string ActivationBlocks = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(2, 8, 8)]
        [Conv2D(8, 3, Padding = 1)]
        [BatchNorm]
        [ReLU]
        [MaxPool2D(2)]
        [Conv2D(8, 3, Activation.SiLU)]
        [BatchNorm]
        [LeakyReLU(0.2f)]
        [Flatten]
        [Dense(16)]
        [ELU(0.5f)]
        [GELU]
        [Dense(3)]
        public partial class ActivationBlocks { }
        """;

    public const string StreamingLstm = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.MeanSquaredError)]
        [Input(64, 1)]
        [LSTM(32, ReturnSequences = true)]
        [Dense(1)]
        public partial class StreamingLstm { }
        """;

    /// <summary>A causal stack (PyTorch's num_layers=2, dropout) that streams: each layer's state, the readout fused into the last.</summary>
    public const string StackedLstm = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.MeanSquaredError)]
        [Input(16, 1)]
        [LSTM(32, NumLayers = 2, Dropout = 0.2f, ReturnSequences = true)]
        [Dense(1)]
        public partial class StackedLstm { }
        """;

    /// <summary>A two-layer bidirectional GRU without ReturnSequences (PyTorch's output[:, -1]): no Step.</summary>
    public const string BidirectionalGru = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(12, 3)]
        [GRU(8, NumLayers = 2, Bidirectional = true)]
        [Dense(4)]
        public partial class BidirectionalGru { }
        """;

    public const string TokenClassifier = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(12)]
        [Embedding(100, 8, Name = "embed")]
        [GRU(16, ReturnSequences = true, Name = "rnn1")]
        [SimpleRNN(16, Activation.ReLU, Name = "rnn2")]
        [Dense(4, Name = "head")]
        public partial class TokenClassifier { }
        """;

    /// <summary>A trunk declared frozen (Trainable = false): no weight-gradient code, nothing backpropagated before the head.</summary>
    public const string FrozenTrunk = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(1, 12, 12)]
        [Conv2D(8, 3, Activation.ReLU, Trainable = false)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(32, Activation.ReLU, Trainable = false)]
        [BatchNorm]
        [Dense(5, Name = "head")]
        public partial class FrozenTrunk { }
        """;

    public const string TinyTransformer = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(12, 6)]
        [LayerNorm(Name = "norm_in")]
        [Dense(20, Activation.GELU)]
        [SinusoidalPositions]
        [PositionalEmbedding(MaxPositions = 16, Name = "pos")]
        [LayerNorm(Epsilon = 1e-6f)]
        [MultiHeadAttention(20, 4, Causal = true, Dropout = 0.1f, Name = "attn")]
        [SequencePool]
        [Dense(3)]
        public partial class TinyTransformer { }
        """;

    public const string TransformerEncoder = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(32, 64)]
        [SinusoidalPositions]
        [TransformerEncoderLayer(64, 4, 128, Name = "encoder.layers.0")]
        [TransformerEncoderLayer(64, 4, 128, Activation = Activation.GELU, NormFirst = true, Dropout = 0f, Causal = true, Name = "encoder.layers.1")]
        [SequencePool]
        [Dense(10, Name = "head")]
        public partial class TransformerEncoder { }
        """;

    public const string CausalStreaming = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(16)]
        [Embedding(40, 16, Name = "embed")]
        [MultiHeadAttention(16, 2, Causal = true, Name = "attn")]
        [TransformerEncoderLayer(16, 4, 32, Activation = Activation.GELU, NormFirst = true, Causal = true, Name = "block")]
        [Dense(40, Name = "head")]
        public partial class CausalStreaming { }
        """;

    /// <summary>Several named inputs: Q(s, a) with the state and the action as separate inputs, read by name.</summary>
    public const string TwoInputCritic = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)]
        [Input(6, Name = "state")] [Input(2, Name = "action")]
        [Dense(16, Activation.Tanh, From = "state", Name = "trunk")]
        [Concatenate("action", Name = "cat")]
        [Dense(16, Activation.ReLU, Name = "fc")]
        [Dense(1, Name = "q")]
        public partial class TwoInputCritic { }
        """;

    /// <summary>Several inputs and several outputs (heads), each with its own loss and weight, on a shared trunk, with the caller's gradients.</summary>
    public const string TwoHeadActorCritic = """
        using StaticNet;

        namespace Demo;

        [Network(GradientsFromCaller = true)]
        [Input(6, Name = "state")] [Input(2, Name = "goal")]
        [Concatenate("goal", From = "state", Name = "cat")]
        [Dense(16, Activation.Tanh, Name = "trunk")]
        [Dense(3, Name = "policy")]
        [Dense(1, From = "trunk", Name = "value")]
        [Output("policy", Loss = Loss.SoftmaxCrossEntropy)]
        [Output("value", Loss = Loss.MeanSquaredError, Weight = 0.5f)]
        public partial class TwoHeadActorCritic { }
        """;

    /// <summary>A graph: a residual block with a projected shortcut (From, [Add]), a concatenation, and the caller's gradients.</summary>
    public const string ResidualGraph = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy, GradientsFromCaller = true)]
        [Input(1, 8, 8)]
        [Conv2D(8, 3, Padding = 1, Name = "stem")] [BatchNorm(Name = "stem_bn")] [ReLU(Name = "stem_relu")]
        [Conv2D(16, 3, Stride = 2, Padding = 1, Name = "block.conv1")] [BatchNorm(Name = "block.bn1")] [ReLU]
        [Conv2D(16, 3, Padding = 1, Name = "block.conv2")] [BatchNorm(Name = "block.bn2")]
        [Conv2D(16, 1, Stride = 2, From = "stem_relu", Name = "block.shortcut")]
        [Add("block.bn2", Name = "block.add")] [ReLU(Name = "block.relu")]
        [GlobalAvgPool(Name = "pool")]
        [Dense(8, Activation.ReLU, Name = "fc")]
        [Concatenate("pool", Name = "features")]
        [Dense(10, Name = "head")]
        public partial class ResidualGraph { }
        """;


    public const string Vae = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.BinaryCrossEntropy)]
        [Input(784)]
        [Dense(64, Activation.ReLU, Name = "enc1")]
        [Dense(16, Name = "enc2")]
        [Reparameterize(Beta = 0.5f, Name = "z")]
        [Dense(64, Activation.ReLU, Name = "dec1")]
        [Dense(784, Name = "dec2")]
        public partial class Vae { }
        """;

    public const string HuberRegressor = """
        using StaticNet;

        namespace Demo;

        [Network(Loss = Loss.Huber, HuberBeta = 0.25f)]
        [Input(6)]
        [Dense(8, Activation.Tanh)]
        [Dense(2)]
        public partial class HuberRegressor { }
        """;

    [Theory]
    [InlineData(nameof(ResidualGraph), ResidualGraph)]
    [InlineData(nameof(TwoInputCritic), TwoInputCritic)]
    [InlineData(nameof(TwoHeadActorCritic), TwoHeadActorCritic)]
    [InlineData(nameof(Vae), Vae)]
    [InlineData(nameof(HuberRegressor), HuberRegressor)]
    [InlineData(nameof(FrozenTrunk), FrozenTrunk)]
    [InlineData(nameof(CausalStreaming), CausalStreaming)]
    [InlineData(nameof(TransformerEncoder), TransformerEncoder)]
    [InlineData(nameof(TinyTransformer), TinyTransformer)]
    [InlineData(nameof(SampleCnn), SampleCnn)]
    [InlineData(nameof(NormalizedCnn), NormalizedCnn)]
    [InlineData(nameof(ActivationBlocks), ActivationBlocks)]
    [InlineData(nameof(StreamingLstm), StreamingLstm)]
    [InlineData(nameof(TokenClassifier), TokenClassifier)]
    [InlineData(nameof(StackedLstm), StackedLstm)]
    [InlineData(nameof(BidirectionalGru), BidirectionalGru)]
    [InlineData(nameof(DigitsNet), DigitsNet)]
    [InlineData(nameof(DeepRegressor), DeepRegressor)]
    [InlineData(nameof(InferenceOnly), InferenceOnly)]
    public void GeneratedSourceMatchesSnapshot(string name, string source)
    {
        var (files, diagnostics) = GeneratorHarness.Run(source);
        Assert.Empty(diagnostics);
        GeneratedSourceResult file = Assert.Single(files);
        AssertSnapshot(name, file.SourceText.ToString());
    }

    [Fact]
    public void CompilersWithoutInlineArraysGetNoBufferTypes()
    {
        var compilation = GeneratorHarness.Compile(DigitsNet);
        var older = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(),
            Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(DigitsNet, new Microsoft.CodeAnalysis.CSharp.CSharpParseOptions(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp11)));
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(new NetworkGenerator())
            .WithUpdatedParseOptions(new Microsoft.CodeAnalysis.CSharp.CSharpParseOptions(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp11))
            .RunGeneratorsAndUpdateCompilation(older, out var output, out _);
        string source = driver.GetRunResult().GeneratedTrees.Single().ToString();
        Assert.DoesNotContain("InlineArray", source);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void GeneratedCodeAttributeCarriesTheGeneratorAssemblysVersion()
    {
        Version assemblyVersion = typeof(NetworkGenerator).Assembly.GetName().Version!;
        string version = StaticNet.Generator.Emit.NetworkEmitter.GeneratorVersion;
        Assert.Equal(assemblyVersion.ToString(3), version);
        Assert.DoesNotContain("+", version); // no commit hash: snapshots stay the same from commit to commit
        var (files, _) = GeneratorHarness.Run(DigitsNet);
        Assert.Contains($"GeneratedCode(\"StaticNet.Generator\", \"{version}\")", files.Single().SourceText.ToString());
    }

    private static void AssertSnapshot(string name, string actual, [CallerFilePath] string testFile = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        string path = Path.Combine(directory, name + ".g.cs");
        if (Environment.GetEnvironmentVariable("STATICNET_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"No snapshot at {path}; run with STATICNET_UPDATE_SNAPSHOTS=1 to create it.");
        string expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (expected == actual) return;

        // Not .cs: a received file left next to the snapshots must never be compiled (or taken for a snapshot).
        string received = Path.Combine(directory, name + ".received.txt");
        File.WriteAllText(received, actual);
        string[] expectedLines = expected.Split('\n'), actualLines = actual.Split('\n');
        int line = Enumerable.Range(0, Math.Min(expectedLines.Length, actualLines.Length)).FirstOrDefault(i => expectedLines[i] != actualLines[i], -1);
        Assert.Fail(line < 0
            ? $"Snapshot {name}: {expectedLines.Length} lines expected, {actualLines.Length} generated. Output written to {received}."
            : $"Snapshot {name} differs at line {line + 1}:\n  expected: {expectedLines[line]}\n  generated: {actualLines[line]}\nOutput written to {received}.");
    }
}
