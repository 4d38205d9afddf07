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
    [InlineData("SNET005", "[Input(1, 28, 28)] [Dense(3)] partial class N { }")]
    [InlineData("SNET006", "[Input(4)] partial class N { }")]
    [InlineData("SNET007", "[Input(4)] [Dense(3, Name = \"a\")] [Dense(3, Name = \"a\")] partial class N { }")]
    [InlineData("SNET008", "[Input(4)] [Dense(3, Name = \"a b\")] partial class N { }")]
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
        Assert.Equal(new[] { "layers.0", "layers.1" }, network.Layers.Select(l => l.Name));
        Assert.Equal(new[] { "Layers0", "Layers1" }, network.Layers.Select(l => l.Identifier));
        Assert.Equal(new[] { 128, 16 }, network.Layers.Select(l => l.Width));
        Assert.Equal(784 * 128 + 128, network.Layers[1].WeightOffset);
        Assert.True(network.Layers[0].KeepsPreActivation);
        Assert.Equal(128 + 128 + 16, network.ActivationBufferLength);
    }

    private static StaticNet.Generator.Model.NetworkSpec Parse(string declaration) =>
        Parser.ReadSpec(GeneratorHarness.Compile("using StaticNet;\n" + declaration).GetTypeByMetadataName("N")!);
}
