using System.Linq;
using FashionMnistCnn;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Training;

public sealed class NetworkSummaryTests
{
    [Fact]
    public void AStackOfDenseLayersIsSummarisedExactly()
    {
        NetworkSummary summary = new DeepNet(1).Summary();   // 7 → fc1 9 → fc2 10 → fc3 17 → out 4

        Assert.Equal("DeepNet", summary.NetworkName);
        Assert.Equal(new[] { "fc1", "fc2", "fc3", "out" }, summary.Layers.Select(l => l.Name));
        Assert.All(summary.Layers, l => Assert.Equal("Linear", l.Kind));
        Assert.Equal(new[] { "7 → 9", "9 → 10", "10 → 17", "17 → 4" }, summary.Layers.Select(l => l.Description));
        Assert.Equal(new[] { "[9]", "[10]", "[17]", "[4]" }, summary.Layers.Select(l => l.OutputShape));
        Assert.Equal(new long[] { 7 * 9 + 9, 9 * 10 + 10, 10 * 17 + 17, 17 * 4 + 4 }, summary.Layers.Select(l => l.Parameters));
        Assert.Equal(DeepNet.ParameterCount, summary.Layers.Sum(l => l.Parameters));
        Assert.Equal(7 * 9 + 9 * 10 + 10 * 17 + 17 * 4, summary.MultiplyAdds);
        Assert.Equal(2 * summary.MultiplyAdds, summary.Flops);
        Assert.Equal(0, summary.BufferElements);

        string table = summary.ToString();
        Assert.Contains("fc3     Linear  10 → 17", table);
        Assert.Contains("Mult-adds per sample: 391 (782 FLOPs)", table);
        Assert.Contains("Trainable parameters: " + DeepNet.ParameterCount.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture), table);
    }

    [Fact]
    public void AConvolutionalNetworkListsItsModulesAndSaysWhatIsNotKnown()
    {
        NetworkSummary summary = new FashionCnn(1).Summary();

        Assert.Equal(new[] { "Conv2d", "Conv2d", "Linear", "Linear" }, summary.Layers.Select(l => l.Kind));
        Assert.Equal(new[] { "1 → 16, 3×3", "16 → 32, 3×3", "1568 → 128", "128 → 10" }, summary.Layers.Select(l => l.Description));
        Assert.Equal("[16, ?, ?]", summary.Layers[0].OutputShape);
        Assert.Equal("[…, 128]", summary.Layers[2].OutputShape);   // after a convolution the row count is not known
        Assert.Null(summary.Layers[0].MultiplyAdds);
        Assert.Null(summary.MultiplyAdds);
        Assert.Equal(FashionCnn.ParameterCount, summary.Layers.Sum(l => l.Parameters));
        Assert.Equal(FashionCnn.ParameterCount, summary.ParameterCount);
        Assert.Contains("not known at run time", summary.ToString());
    }

    [Fact]
    public void BatchNormStatisticsAreBuffersNotParameters()
    {
        NetworkSummary summary = new GradBatchNorm2dNet(1).Summary();   // Conv2D(3) BatchNorm Conv2D(2) Flatten Dense(2)

        Assert.Equal(new[] { "Conv2d", "BatchNorm", "Conv2d", "Linear" }, summary.Layers.Select(l => l.Kind));
        Assert.Equal(6, summary.Layers[1].Parameters);            // weight and bias [3]
        Assert.Equal(3 + 3 + 1, summary.BufferElements);           // running_mean, running_var [3], num_batches_tracked
        Assert.Equal(GradBatchNorm2dNet.ParameterCount, summary.Layers.Sum(l => l.Parameters));
        Assert.Contains("Buffers (running statistics): 7", summary.ToString());
    }

    [Fact]
    public void ALayerTableFromElsewhereGivesTheTotals()
    {
        var net = new FashionCnn(1);
        LayerSummary[] layers =
        {
            new("0", "Conv2d", "1 → 16, 3×3", "[16, 28, 28]", 160, 28 * 28 * 9 * 16, net.ParameterTensors.Take(2).ToArray()),
            new("1", "ReLU", "", "[16, 28, 28]", 0, 0, System.Array.Empty<ParameterTensor>()),
        };
        var summary = new NetworkSummary(net, layers);

        Assert.False(summary.IsInferredFromTensors);
        Assert.Equal(28 * 28 * 9 * 16, summary.MultiplyAdds);
        Assert.Equal(FashionCnn.ParameterCount, summary.ParameterCount);
        Assert.DoesNotContain("not listed", summary.ToString());
        Assert.True(new FashionCnn(1).Summary().IsInferredFromTensors);
        Assert.Throws<System.ArgumentNullException>(() => new NetworkSummary(net, null!));
    }

    [Fact]
    public void RecurrentAndEmbeddingModulesAreToldFromTheirTensors()
    {
        Assert.Equal(new[] { "Embedding", "LSTM", "Linear" }, new EmbeddingLstmNet(1).Summary().Layers.Select(l => l.Kind));
        Assert.Equal(new[] { "Embedding", "GRU", "Linear" }, new TokenTaggerNet(1).Summary().Layers.Select(l => l.Kind));
        LayerSummary lstm = new EmbeddingLstmNet(1).Summary().Layers[1];
        Assert.Equal("4 → 6, per step", lstm.Description);
        Assert.Equal(4 * 6 * (4 + 6) + 2 * 4 * 6, lstm.Parameters);
    }
}
