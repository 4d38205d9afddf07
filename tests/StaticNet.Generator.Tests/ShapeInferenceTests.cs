using System.Linq;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>Declarations the generator must not extend generate nothing (the analyzers explain why), and valid ones compile cleanly.</summary>
public class ShapeInferenceTests
{
    [Theory]
    [InlineData("SNET001", "[Dense(10)] partial class N { }")]
    [InlineData("SNET002", "[Input(4)] [Input(4)] [Dense(10)] partial class N { }")]
    [InlineData("SNET003", "[Input(4)] [Dense(0)] partial class N { }")]
    [InlineData("SNET003", "[Input(-4)] [Dense(3)] partial class N { }")]
    [InlineData("SNET004", "[Dense(3)] [Input(4)] partial class N { }")]
    [InlineData("SNET005", "[Input(1, 2, 28, 28)] [Dense(3)] partial class N { }")]
    [InlineData("SNET016", "[Input(1, 28, 28)] [Dense(3)] partial class N { }")]
    [InlineData("SNET016", "[Input(1, 28, 28)] [Conv2D(4, 3)] [Dense(3)] partial class N { }")]
    [InlineData("SNET017", "[Input(1, 4, 4)] [Conv2D(4, 5)] [Flatten] [Dense(3)] partial class N { }")]
    [InlineData("SNET017", "[Input(1, 4, 4)] [Conv2D(4, 3, Dilation = 2)] [Flatten] [Dense(3)] partial class N { }")]
    [InlineData("SNET017", "[Input(2, 5, 5)] [MaxPool2D(6)] [Flatten] [Dense(3)] partial class N { }")]
    [InlineData("SNET018", "[Input(10)] [Conv2D(4, 3)] [Flatten] [Dense(3)] partial class N { }")]
    [InlineData("SNET018", "[Input(2, 8, 8)] [MaxPool1D(2)] [Flatten] [Dense(3)] partial class N { }")]
    [InlineData("SNET018", "[Input(10)] [LSTM(4)] [Dense(3)] partial class N { }")]
    [InlineData("SNET018", "[Input(6, 3)] [LSTM(4)] [GRU(4)] [Dense(3)] partial class N { }")]
    [InlineData("SNET018", "[Input(6, 3)] [LSTM(4, ReturnSequences = true)] [BatchNorm] [Dense(3)] partial class N { }")]
    [InlineData("SNET018", "[Input(8)] [GlobalAvgPool] [Dense(3)] partial class N { }")]
    [InlineData("SNET019", "[Input(1, 8, 8)] [Conv2D(4, 3, Stride = 0)] [Flatten] [Dense(3)] partial class N { }")]
    [InlineData("SNET019", "[Input(1, 8, 8)] [Conv2D(4, 3, Stride = 2, PaddingMode = PaddingMode.Same)] [Flatten] [Dense(3)] partial class N { }")]
    [InlineData("SNET019", "[Input(8)] [Dense(4)] [Dropout(1.5f)] [Dense(3)] partial class N { }")]
    [InlineData("SNET019", "[Input(8)] [Dense(4)] [BatchNorm(Epsilon = 0)] [Dense(3)] partial class N { }")]
    [InlineData("SNET019", "[Input(6, 3)] [SimpleRNN(4, Activation.Sigmoid)] [Dense(3)] partial class N { }")]
    [InlineData("SNET019", "[Input(6, 3)] [LSTM(4, NumLayers = -1)] [Dense(3)] partial class N { }")]
    [InlineData("SNET019", "[Input(6, 3)] [GRU(4, Dropout = 0.1f)] [Dense(3)] partial class N { }")]
    [InlineData("SNET019", "[Input(6, 3)] [SimpleRNN(4, NumLayers = 2, Dropout = float.NaN)] [Dense(3)] partial class N { }")]
    [InlineData("SNET019", "[Input(8)] [Dense(5)] [Reparameterize] [Dense(8)] partial class N { }")]
    [InlineData("SNET019", "[Input(8)] [Reparameterize] [Dense(8)] partial class N { }")]
    [InlineData("SNET019", "[Input(8)] [Dense(4)] [Reparameterize(Beta = -1f)] [Dense(8)] partial class N { }")]
    [InlineData("SNET019", "[Input(1, 4, 4)] [Conv2D(2, 3)] [Reparameterize] [Flatten] [Dense(8)] partial class N { }")]
    [InlineData("SNET019", "[Network(Loss = Loss.Huber, HuberBeta = 0f)] [Input(8)] [Dense(4)] partial class N { }")]
    [InlineData("SNET019", "[Network(Loss = Loss.Huber, HuberBeta = float.PositiveInfinity)] [Input(8)] [Dense(4)] partial class N { }")]
    [InlineData("SNET024", "[Input(7)] [Dense(4)] [Embedding(10, 4)] partial class N { }")]
    [InlineData("SNET024", "[Input(7, 2)] [Embedding(10, 4)] [LSTM(3)] partial class N { }")]
    [InlineData("SNET006", "[Input(4)] partial class N { }")]
    [InlineData("SNET007", "[Input(4)] [Dense(3, Name = \"a\")] [Dense(3, Name = \"a\")] partial class N { }")]
    [InlineData("SNET008", "[Input(4)] [Dense(3, Name = \"a b\")] partial class N { }")]
    [InlineData("SNET007", "[Input(4)] [Dense(3, Activation.ReLU)] [Dense(3, Name = \"0\")] partial class N { }")]
    [InlineData("SNET008", "[Network(NamePrefix = \"layers\")] [Input(4)] [Dense(3)] partial class N { }")]
    [InlineData("SNET008", "[Network(NamePrefix = \".\")] [Input(4)] [Dense(3)] partial class N { }")]
    [InlineData("SNET008", "[Network(NamePrefix = \"a..\")] [Input(4)] [Dense(3)] partial class N { }")]
    [InlineData("SNET008", "[Network(NamePrefix = \"a b.\")] [Input(4)] [Dense(3)] partial class N { }")]
    public void InvalidNetworksAreRejectedWithTheirRule(string id, string declaration)
    {
        var spec = Parse(declaration);
        var result = StaticNet.Generator.Shapes.ShapeInference.Infer(spec);
        Assert.Null(result.Network);
        Assert.Contains(result.Errors, e => e.Id == id);

        var (files, _) = GeneratorHarness.Run("using StaticNet;\n" + declaration);
        Assert.Empty(files);
    }

    [Theory]
    [InlineData("[Input(4)] [Dense(3)] class N { }")]
    [InlineData("[Input(4)] [Dense(3)] partial class N<T> { }")]
    [InlineData("class Outer { [Input(4)] [Dense(3)] public partial class N { } }")]
    public void ClassesThatCannotBeExtendedGenerateNothing(string declaration)
    {
        var (files, _) = GeneratorHarness.Run("using StaticNet;\n" + declaration);
        Assert.Empty(files);
    }

    [Fact]
    public void ShapesAndOffsetsAreWorkedOut()
    {
        var result = StaticNet.Generator.Shapes.ShapeInference.Infer(Parse(
            "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(784)] [Dense(128, Activation.GELU)] [Dense(10)] partial class N { }"));
        var network = Assert.IsType<StaticNet.Generator.Shapes.ShapedNetwork>(result.Network);
        Assert.Equal(101_770, network.ParameterCount);
        Assert.Equal(new[] { "0", "2" }, network.Layers.Select(l => l.Name)); // the GELU is module 1
        Assert.Equal(new[] { "Layer0", "Layer2" }, network.Layers.Select(l => l.Identifier));
        Assert.Equal(new[] { 128, 16 }, network.Layers.Select(l => l.Output.PositionStride));
        Assert.Equal(784 * 128 + 128, network.Layers[1].FindTensor("weight")!.Offset);
        Assert.NotNull(network.Layers[0].FindRegion("PreActivation"));
        Assert.Equal(128 + 128 + 16, network.RowActivationLength);
    }

    [Fact]
    public void StandAloneActivationsAreOneModuleWithoutTensors()
    {
        var result = StaticNet.Generator.Shapes.ShapeInference.Infer(Parse(
            "[Network(Loss = Loss.MeanSquaredError)] [Input(2, 6, 6)] [Conv2D(4, 3)] [BatchNorm] [ReLU] [Flatten] [Dense(3)] [ELU(0.5f)] partial class N { }"));
        var network = Assert.IsType<StaticNet.Generator.Shapes.ShapedNetwork>(result.Network);
        Assert.Equal(new[] { "0", "1", "2", "3", "4", "5" }, network.Layers.Select(l => l.Name));
        Assert.Empty(network.Layers[2].Tensors);
        Assert.Equal(StaticNet.Generator.Model.LayerKind.Activation, network.Layers[5].Kind);
        Assert.Equal(StaticNet.Generator.Model.ActivationKind.ELU, network.Layers[5].Activation);
        Assert.Equal(0.5f, Assert.IsType<StaticNet.Generator.Layers.ActivationOptions>(network.Layers[5].Spec.Options).Parameter);
        Assert.Equal(0.01f, Assert.IsType<StaticNet.Generator.Shapes.ShapedNetwork>(StaticNet.Generator.Shapes.ShapeInference.Infer(
            Parse("[Input(4)] [LeakyReLU] partial class N { }")).Network).Layers[0].Spec.Options is StaticNet.Generator.Layers.ActivationOptions { Parameter: var slope } ? slope : float.NaN);
    }

    [Fact]
    public void ConvolutionShapesFollowPyTorch()
    {
        var result = StaticNet.Generator.Shapes.ShapeInference.Infer(Parse(
            "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(1, 28, 28)] [Conv2D(16, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] " +
            "[Conv2D(32, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] [Flatten] [Dense(128, Activation.ReLU)] [Dropout(0.25f)] [Dense(10)] partial class N { }"));
        var network = Assert.IsType<StaticNet.Generator.Shapes.ShapedNetwork>(result.Network);
        Assert.Equal(new[] { "[16, 28, 28]", "[16, 14, 14]", "[32, 14, 14]", "[32, 7, 7]", "[1568]", "[128]", "[128]", "[10]" },
            network.Layers.Select(l => l.Output.Text));
        Assert.Equal(160 + 4640 + 200_832 + 1290, network.ParameterCount);
        // nn.Sequential(Conv2d, ReLU, MaxPool2d, Conv2d, ReLU, MaxPool2d, Flatten, Linear, ReLU, Dropout, Linear)
        Assert.Equal(new[] { "0", "2", "3", "5", "6", "7", "9", "10" }, network.Layers.Select(l => l.Name));
        var conv = network.Layers[2].FindTensor("weight")!;
        Assert.Equal(new[] { 32, 16, 3, 3 }, conv.Shape);
        Assert.Equal(new[] { 1, 32, 3 * 16 * 32, 16 * 32 }, conv.Strides);
    }

    [Theory]
    // declaration → the names of its layers (nn.Sequential indices: every module counts, a fused activation is the next one)
    [InlineData("[Input(64)] [Dense(64, Activation.ReLU)] [Dense(10)]", "0 2")]
    [InlineData("[Input(8)] [Dense(8, Activation.Sigmoid)] [Dense(8, Activation.Tanh)] [Dense(8, Activation.LeakyReLU)] [Dense(8, Activation.GELU)] [Dense(3, Activation.Softmax)]", "0 2 4 6 8")]
    [InlineData("[Input(8)] [Dense(8, Activation.None)] [Dropout(0.5f)] [Dense(3)]", "0 1 2")]
    [InlineData("[Input(8)] [Dense(8)] [BatchNorm] [Dense(3, Activation.Softmax)]", "0 1 2")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] [Flatten] [Dense(10)]", "0 2 3 4")]
    [InlineData("[Input(2, 8, 8)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [BatchNorm] [AvgPool2D(2)] [GlobalAvgPool] [Dense(3)]", "0 2 3 4 5")]
    [InlineData("[Input(2, 12)] [Conv1D(4, 3, Activation.GELU)] [MaxPool1D(2)] [Flatten] [Dense(3)]", "0 2 3 4")]
    [InlineData("[Input(6, 3)] [SimpleRNN(5, Activation.ReLU)] [Dense(2)]", "0 1")] // nn.RNN(nonlinearity='relu'): one module
    [InlineData("[Input(7)] [Embedding(11, 4)] [LSTM(6, ReturnSequences = true)] [GRU(5)] [Dense(3)]", "0 1 2 3")]
    [InlineData("[Input(8)] [Dense(8, Activation.ReLU, Name = \"fc1\")] [Dense(3)]", "fc1 2")]
    [InlineData("[Network(NamePrefix = \"layers.\")] [Input(8)] [Dense(8, Activation.ReLU)] [Dense(3, Name = \"out\")]", "layers.0 layers.out")]
    [InlineData("[Network(NamePrefix = \"model.encoder.\")] [Input(8)] [Dense(3)]", "model.encoder.0")]
    public void DefaultNamesAreTheIndicesOfTheEquivalentSequential(string attributes, string names)
    {
        var result = StaticNet.Generator.Shapes.ShapeInference.Infer(Parse(attributes + " partial class N { }"));
        var network = Assert.IsType<StaticNet.Generator.Shapes.ShapedNetwork>(result.Network);
        Assert.Equal(names.Split(' '), network.Layers.Select(l => l.Name));
    }

    [Fact]
    public void IdentifiersAreMadeFromTheNameWithoutThePrefix()
    {
        var result = StaticNet.Generator.Shapes.ShapeInference.Infer(Parse(
            "[Network(NamePrefix = \"model.layers.\")] [Input(8)] [Dense(8, Activation.ReLU)] [Dense(3, Name = \"head.fc\")] partial class N { }"));
        var network = Assert.IsType<StaticNet.Generator.Shapes.ShapedNetwork>(result.Network);
        Assert.Equal(new[] { "model.layers.0", "model.layers.head.fc" }, network.Layers.Select(l => l.Name));
        Assert.Equal(new[] { "Layer0", "HeadFc" }, network.Layers.Select(l => l.Identifier));
    }

    [Theory]
    [InlineData("[Network(NamePrefix = \"layers\")] [Input(4)] [Dense(3)] partial class N { }", "did you mean \"layers.\"")]
    [InlineData("[Input(6, 3)] [LSTM(4, Name = \"lstm\")] [LSTM(4, Name = \"lstm\")] [Dense(3)] partial class N { }", "'lstm.weight_ih_l0'")]
    [InlineData("[Input(4)] [Dense(3, Name = \"fc\")] [Dense(3, Name = \"fc\")] partial class N { }", "'fc.weight'")]
    public void NameMessagesSayWhatToWrite(string declaration, string expected)
    {
        var result = StaticNet.Generator.Shapes.ShapeInference.Infer(Parse(declaration));
        Assert.Contains(result.Errors, e => e.Message.Contains(expected, System.StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[Input(2, 9, 8)] [Conv2D(4, 3, Stride = 2, Padding = 2, Dilation = 2)]", "[4, 5, 4]")]
    [InlineData("[Input(1, 6, 6)] [Conv2D(2, 3, 2, PaddingMode = PaddingMode.Same)]", "[2, 6, 6]")]
    [InlineData("[Input(2, 6, 5)] [Conv2D(3, 2, PaddingMode = PaddingMode.Valid)]", "[3, 5, 4]")]
    [InlineData("[Input(2, 12)] [Conv1D(4, 3, Stride = 2, Padding = 1)]", "[4, 6]")]
    [InlineData("[Input(2, 9, 9)] [MaxPool2D(3, Stride = 2)]", "[2, 4, 4]")]
    [InlineData("[Input(6, 3)] [LSTM(5, ReturnSequences = true)]", "[6, 5]")]
    [InlineData("[Input(6, 3)] [GRU(5)]", "[5]")]
    [InlineData("[Input(7)] [Embedding(11, 4)]", "[7, 4]")]
    [InlineData("[Input(6, 3)] [Dense(4)]", "[6, 4]")]
    [InlineData("[Input(3, 10)] [GlobalAvgPool]", "[3]")]
    [InlineData("[Input(2, 6, 6)] [Conv2D(4, 3)] [BatchNorm] [ReLU]", "[4, 4, 4]")]
    [InlineData("[Input(2, 6, 6)] [MaxPool2D(2)] [LeakyReLU(0.2f)]", "[2, 3, 3]")]
    [InlineData("[Input(6, 3)] [Softmax]", "[6, 3]")]
    [InlineData("[Input(7)] [Embedding(11, 4)] [SiLU]", "[7, 4]")]
    public void OutputShapesMatchPyTorch(string layers, string shape)
    {
        var result = StaticNet.Generator.Shapes.ShapeInference.Infer(Parse(layers + " partial class N { }"));
        var network = Assert.IsType<StaticNet.Generator.Shapes.ShapedNetwork>(result.Network);
        Assert.Equal(shape, network.OutputLayer.Output.Text);
    }

    private static StaticNet.Generator.Model.NetworkSpec Parse(string declaration) =>
        Parser.ReadSpec(GeneratorHarness.Compile("using StaticNet;\n" + declaration).GetTypeByMetadataName("N")!);
}
