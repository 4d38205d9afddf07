using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using FashionMnistCnn;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>
/// <c>NetworkSummary.Of</c> on generated networks reads their layer table (<c>Layers</c>): every layer, exact shapes and
/// multiply-adds; on a network written by hand it still tells the modules from the tensors.
/// </summary>
public sealed class NetworkSummaryLayerTableTests
{
    [Fact]
    public void TheCnnSummaryHasEveryLayerWithExactShapesAndMultiplyAdds()
    {
        NetworkSummary summary = new FashionCnn(1).Summary();

        Assert.False(summary.IsInferredFromTensors);
        Assert.Equal(new[] { "0", "2", "3", "5", "6", "7", "9", "10" }, summary.Layers.Select(l => l.Name));
        Assert.Equal(new[] { "Conv2d + ReLU", "MaxPool2d", "Conv2d + ReLU", "MaxPool2d", "Flatten", "Linear + ReLU", "Dropout", "Linear" },
            summary.Layers.Select(l => l.Kind));
        Assert.Equal(new[] { "[16, 28, 28]", "[16, 14, 14]", "[32, 14, 14]", "[32, 7, 7]", "[1568]", "[128]", "[128]", "[10]" },
            summary.Layers.Select(l => l.OutputShape));
        Assert.Equal("1 → 16, 3×3", summary.Layers[0].Description);
        Assert.Equal("from [16, 28, 28]", summary.Layers[1].Description);
        Assert.Equal("1568 → 128", summary.Layers[5].Description);
        // Output positions × filters × taps × input channels for the convolutions, inputs × units for the Linear layers.
        long[] expected = { 28 * 28 * 16 * 9 * 1, 0, 14 * 14 * 32 * 9 * 16, 0, 0, 1568 * 128, 0, 128 * 10 };
        Assert.Equal(expected, summary.Layers.Select(l => l.MultiplyAdds!.Value));
        Assert.Equal(expected.Sum(), summary.MultiplyAdds);
        Assert.Equal(FashionCnn.ParameterCount, summary.Layers.Sum(l => l.Parameters));
        Assert.Equal(new[] { "0.weight", "0.bias" }, summary.Layers[0].Tensors.Select(t => t.Name));
        Assert.Empty(summary.Layers[1].Tensors);

        string table = summary.ToString();
        Assert.Contains("Mult-adds per sample: 1,218,048 (2,436,096 FLOPs)", table);
        Assert.DoesNotContain("not listed", table);
        Assert.DoesNotContain("?", table);
    }

    [Fact]
    public void BatchNormAndRecurrentLayersAreExact()
    {
        NetworkSummary summary = new GradBatchNorm2dNet(1).Summary();   // Conv2D(3) BatchNorm Conv2D(2) Flatten Dense(2)
        Assert.Equal(new[] { "Conv2d + Tanh", "BatchNorm2d", "Conv2d", "Flatten", "Linear" }, summary.Layers.Select(l => l.Kind));
        Assert.Equal(6, summary.Layers[1].Parameters);
        Assert.Equal(3 + 3 + 1, summary.BufferElements);
        Assert.Equal(3 * 5 * 5, summary.Layers[1].MultiplyAdds);   // one per value of [3, 5, 5]
        Assert.Equal(new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" },
            summary.Layers[1].Tensors.Select(t => t.Name.Substring(t.Name.IndexOf('.') + 1)));

        NetworkSummary lstm = new EmbeddingLstmNet(1).Summary();
        Assert.Equal(new[] { "Embedding", "LSTM", "Linear" }, lstm.Layers.Select(l => l.Kind));
        Assert.NotNull(lstm.MultiplyAdds);
        Assert.Equal(EmbeddingLstmNet.Layers[1].MultiplyAdds, lstm.Layers[1].MultiplyAdds);
    }

    [Fact]
    public void TheAttentionFamilyRowsHaveTheirModulesAndHandCountedMultiplyAdds()
    {
        NetworkSummary summary = new SummaryTransformerNet(1).Summary();   // T = 5 steps, E = d = 8 features, 2 heads, F = 12
        Assert.Equal(new[]
        {
            "Embedding (positions)", "LayerNorm", "MultiheadAttention", "MultiheadAttention", "TransformerEncoderLayer",
            "TransformerEncoderLayer", "PositionalEncoding (sinusoidal)", "SequencePool (x[:, -1])", "Linear",
        }, summary.Layers.Select(l => l.Kind));
        // MHA: in_proj 3·T·E² = 960, out_proj T·E² = 320; QKᵀ and P·V E per pair of steps each: T² = 25 pairs, or the
        // T(T+1)/2 = 15 of the lower triangle when causal (the kernel skips the masked ones).
        const long attention = 960 + 2 * 25 * 8 + 320, causalAttention = 960 + 2 * 15 * 8 + 320;
        // Encoder layer: attention, linear1 T·d·F = 480, linear2 T·F·d = 480, norm1 and norm2 one per value (T·d = 40 each).
        long[] expected =
        {
            0, 5 * 8, attention, causalAttention, attention + 480 + 480 + 2 * 40, causalAttention + 480 + 480 + 2 * 40, 0, 0, 8 * 3,
        };
        Assert.Equal(expected, summary.Layers.Select(l => l.MultiplyAdds!.Value));
        Assert.Equal(expected, SummaryTransformerNet.Layers.Select(l => l.MultiplyAdds));
        Assert.Equal(8_544, summary.MultiplyAdds);   // 40 + 1,680 + 1,520 + 2,720 + 2,560 + 24
    }

    [Fact]
    public void ANetworkWrittenByHandIsStillToldFromItsTensors()
    {
        var model = new LinearModel(3, 2, Loss.MeanSquaredError);
        Assert.Empty(((INetwork)model).Layers);
        NetworkSummary summary = model.Summary();
        Assert.True(summary.IsInferredFromTensors);
        Assert.Equal(NetworkSummary.FromTensors(model).ToString(), summary.ToString());
    }

    [Fact]
    public void TheDocsShowTheFashionCnnSummaryAsItPrints()
    {
        string docs = File.ReadAllText(Path.Combine(Root(), "docs", "watching-training.md")).Replace("\r", "");
        int section = docs.IndexOf("## Summary", StringComparison.Ordinal);
        int start = docs.IndexOf("```text\n", section, StringComparison.Ordinal) + "```text\n".Length;
        int end = docs.IndexOf("\n```", start, StringComparison.Ordinal);
        string actual = new FashionCnn(1).Summary().ToString().Replace("\r", "");
        if (docs[start..end] != actual) File.WriteAllText(Path.Combine(Path.GetTempPath(), "fashion-summary.txt"), actual);
        Assert.Equal(actual, docs[start..end]);
    }

    private static string Root([CallerFilePath] string path = "")
    {
        string directory = Path.GetDirectoryName(path)!;
        while (!File.Exists(Path.Combine(directory, "StaticNet.sln"))) directory = Path.GetDirectoryName(directory)!;
        return directory;
    }
}

/// <summary>Every attention-family layer once (T = 5, d = 8, 2 heads, F = 12), for the layer table's multiply-adds.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 8)] [PositionalEmbedding] [LayerNorm] [MultiHeadAttention(8, 2)] [MultiHeadAttention(8, 2, Causal = true)]
[TransformerEncoderLayer(8, 2, 12, Dropout = 0f)] [TransformerEncoderLayer(8, 2, 12, Activation = Activation.GELU, NormFirst = true, Causal = true, Dropout = 0f)]
[SinusoidalPositions] [SequencePool(SequencePooling.Last)] [Dense(3)]
public partial class SummaryTransformerNet { }
