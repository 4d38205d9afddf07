using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary><c>Trainable</c>, every layer attribute's (LayerAttribute's), read once by the parser for every kind.</summary>
public class TrainableTests
{
    private static NetworkSpec Spec(string declaration) =>
        Parser.ReadSpec(GeneratorHarness.Compile("using StaticNet;\n" + declaration).GetTypeByMetadataName("N")!);

    [Fact]
    public void EveryLayerAttributeHasTrainableAndTheParserReadsIt()
    {
        // Every registered home's attributes derive from LayerAttribute, so each has Trainable.
        Compilation compilation = GeneratorHarness.Compile("class C { }");
        INamedTypeSymbol layerAttribute = compilation.GetTypeByMetadataName("StaticNet.LayerAttribute")!;
        foreach (string name in LayerDefinitions.All.SelectMany(d => d.AttributeNames).Where(n => n != HeadsLayer.AttributeName)) // [Output] names a head, not a layer
        {
            INamedTypeSymbol? type = compilation.GetTypeByMetadataName(name);
            Assert.NotNull(type);
            bool derives = false;
            for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType) derives |= SymbolEqualityComparer.Default.Equals(t, layerAttribute);
            Assert.True(derives, $"{name} does not derive from LayerAttribute");
        }

        NetworkSpec spec = Spec("""
            [Network(Loss = Loss.MeanSquaredError)]
            [Input(1, 8, 8)] [Conv2D(2, 3, Trainable = false)] [BatchNorm(Trainable = false)] [MaxPool2D(2, Trainable = false)]
            [Flatten] [Dense(4, Trainable = true)] [Dense(2, Activation.ReLU, Trainable = false)]
            partial class N { }
            """);
        Assert.Equal(new[] { false, false, false, true, true, false }, spec.Layers.Where(l => l.Kind != LayerKind.Input).Select(l => l.Trainable));
    }

    [Fact]
    public void DeclaredFrozenLayersAreNotTrainableAndNothingBeforeTheFirstTrainableOneIsBackpropagated()
    {
        ShapedNetwork network = ShapeInference.Infer(Spec("""
            [Network(Loss = Loss.MeanSquaredError)]
            [Input(6)] [Dense(5, Trainable = false)] [ReLU] [Dense(4)] [Dense(2, Trainable = false)]
            partial class N { }
            """)).Network!;
        Assert.Equal(new[] { false, false, true, false }, network.Layers.Select(l => l.IsTrainable));
        Assert.Equal(new[] { true, false, false, true }, network.Layers.Select(l => l.IsDeclaredFrozen));
        Assert.Equal(2, network.FirstTrainableLayer);

        string code = GeneratorHarness.Run("using StaticNet;\n[Network(Loss = Loss.MeanSquaredError)] [Input(6)] [Dense(5, Trainable = false)] [ReLU] [Dense(4)] [Dense(2, Trainable = false)] partial class N { }")
            .Files.Single().SourceText.ToString();
        string backward = code.Substring(code.IndexOf("private static void BackwardRows", System.StringComparison.Ordinal));
        backward = backward.Substring(0, backward.IndexOf("// ── ", System.StringComparison.Ordinal)); // the first layer's banner follows it
        Assert.DoesNotContain("Layer0Backward", backward); // before the first trainable layer: never run
        Assert.DoesNotContain("Layer1Backward", backward);
        Assert.Contains("Layer2Backward(", backward);
        Assert.Contains("input: false", backward);          // nothing before layer 2 ever trains
        Assert.Contains("Layer3Backward(", backward);       // frozen, but its input gradient is needed
        Assert.DoesNotContain("weights: !frozen[3]", backward);
        Assert.Contains("weights: !frozen[2]", backward);
        Assert.Contains("trainable: false", code);
    }
}
