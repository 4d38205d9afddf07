using System.Linq;
using System.Text.RegularExpressions;
using StaticNet.Generator.Shapes;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>
/// A stand-alone activation after a Dense or a convolution that declares none runs in that layer's kernel: the same code
/// as the fused <c>Activation</c> argument, with the activation module keeping its own index and name.
/// </summary>
public class ActivationFusionTests
{
    private static ShapedNetwork Shape(string layers) =>
        ShapeInference.Infer(Parser.ReadSpec(GeneratorHarness.Compile($"using StaticNet;\n[Network(Loss = Loss.SoftmaxCrossEntropy)] {layers} partial class N {{ }}")
            .GetTypeByMetadataName("N")!)).Network!;

    private static string Generate(string layers) =>
        GeneratorHarness.Run($"using StaticNet;\n[Network(Loss = Loss.SoftmaxCrossEntropy)] {layers} partial class N {{ }}")
            .Files.Single().SourceText.ToString();

    /// <summary>The text of the generated method <paramref name="name"/>, from its signature to its closing brace.</summary>
    private static string Method(string code, string name)
    {
        int start = code.IndexOf($" void {name}(", System.StringComparison.Ordinal);
        Assert.True(start >= 0, $"no method {name}");
        int open = code.IndexOf('{', start), depth = 0, i = open;
        for (; i < code.Length; i++)
        {
            if (code[i] == '{') depth++;
            else if (code[i] == '}' && --depth == 0) break;
        }
        return code.Substring(start, i + 1 - start);
    }

    /// <summary>The statements of a method, without comment lines.</summary>
    private static string Statements(string method) =>
        string.Join("\n", method.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("//", System.StringComparison.Ordinal)));

    [Theory]
    [InlineData("[Input(784)] [Dense(64)] [ReLU] [Dense(10)]", "[Input(784)] [Dense(64, Activation.ReLU)] [Dense(10)]")]
    [InlineData("[Input(784)] [Dense(64)] [GELU] [Dense(10)]", "[Input(784)] [Dense(64, Activation.GELU)] [Dense(10)]")]
    [InlineData("[Input(784)] [Dense(64)] [LeakyReLU] [Dense(10)]", "[Input(784)] [Dense(64, Activation.LeakyReLU)] [Dense(10)]")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(4, 3)] [ELU] [Flatten] [Dense(10)]", "[Input(1, 8, 8)] [Conv2D(4, 3, Activation.ELU)] [Flatten] [Dense(10)]")]
    [InlineData("[Input(2, 12)] [Conv1D(4, 3)] [SiLU] [Flatten] [Dense(10)]", "[Input(2, 12)] [Conv1D(4, 3, Activation.SiLU)] [Flatten] [Dense(10)]")]
    public void StandAloneAfterDenseOrConvolution_GeneratesTheFusedAttributesCode(string standAlone, string fused)
    {
        string a = Generate(standAlone), b = Generate(fused);
        // The layer's methods are the fused form's, apart from the banner's note.
        Assert.Equal(Statements(Method(b, "Layer0Forward")), Statements(Method(a, "Layer0Forward")));
        Assert.Equal(Statements(Method(b, "Layer0Backward")), Statements(Method(a, "Layer0Backward")));
        // The activation has no code, no copy and no region: its output constant is the layer's, under its own name.
        Assert.DoesNotContain("Layer1Forward(", a);
        Assert.DoesNotContain("Layer1Backward(", a);
        Assert.DoesNotContain(".CopyTo(", Method(a, "ForwardRows"));
        Assert.Equal(Regex.Match(b, @"const int Layer0Output = (\d+)").Groups[1].Value, Regex.Match(a, @"const int Layer1Output = (\d+)").Groups[1].Value);
        Assert.Equal(Regex.Match(b, @"const int Layer0Output = (\d+)").Groups[1].Value, Regex.Match(a, @"const int Layer0Output = (\d+)").Groups[1].Value);
        Assert.Equal(Regex.Match(b, "RowActivationLength = (\\d+)").Groups[1].Value, Regex.Match(a, "RowActivationLength = (\\d+)").Groups[1].Value);
        // The passes call the same methods on the same memory (layer positions, which count the activation, aside).
        static string Passes(string code) => Regex.Replace(Statements(Method(code, "ForwardRows")) + "\n" + Statements(Method(code, "BackwardRows")),
            @"first [<>] \d+|frozen\[\d+\]", "#");
        Assert.Equal(Passes(b), Passes(a).Replace("Layer1Output", "Layer0Output"));
    }

    [Theory]
    [InlineData("[Input(2, 8)] [Conv1D(4, 3)] [MaxPool1D(2)] [ReLU] [Flatten] [Dense(2)]")]// not after a kernel that takes an activation
    [InlineData("[Input(8)] [Dense(4)] [BatchNorm] [GELU] [Dense(2)]")]        // BatchNorm takes those whose derivative reads the output
    [InlineData("[Input(8)] [Dense(4)] [BatchNorm] [Softmax] [Dense(2)]")]
    [InlineData("[Input(8)] [Dense(4, Activation.Tanh)] [ReLU] [Dense(2)]")]   // the layer has its own
    [InlineData("[Input(8)] [Dense(4)] [LeakyReLU(0.2f)] [Dense(2)]")]          // a slope the fused form does not have
    [InlineData("[Input(8)] [Dense(4)] [ELU(0.5f)] [Dense(2)]")]                // an alpha the fused form does not have
    [InlineData("[Input(8)] [ReLU] [Dense(2)]")]                                // first
    [InlineData("[Input(8)] [Dense(4)] [ReLU] [Sigmoid] [Dense(2)]")]           // the second of two
    public void StandAloneElsewhere_StaysStandAlone(string layers)
    {
        ShapedNetwork network = Shape(layers);
        ShapedLayer activation = network.Layers.Last(l => l.Kind == Model.LayerKind.Activation);
        Assert.Equal(LayerFusion.None, activation.Fusion);
        Assert.Contains($"{activation.Identifier}Forward(", Generate(layers));
    }

    [Fact]
    public void FusedActivation_KeepsItsNameIndexAndRow()
    {
        ShapedNetwork network = Shape("[Input(8)] [Dense(4)] [ReLU] [Dense(2)]");
        Assert.Equal(new[] { "0", "1", "2" }, network.Layers.Select(l => l.Name));
        Assert.Equal(new[] { LayerFusion.TakesNext, LayerFusion.IntoPrevious, LayerFusion.None }, network.Layers.Select(l => l.Fusion));
        Assert.Equal(Model.ActivationKind.ReLU, network.Layers[0].Activation);            // the kernel applies it
        Assert.Equal(Model.ActivationKind.None, network.Layers[0].DeclaredActivation);    // the Layers table does not show it twice
        Assert.Equal("Linear", network.Layers[0].Definition.Row(network.Layers[0]).ModuleType);
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, network.Layers.SelectMany(l => l.Tensors.Select(t => l.Name + "." + t.Suffix)));
    }

    [Fact]
    public void ReLUAfterBatchNorm_RunsInPlaceOnItsOutput()
    {
        ShapedNetwork network = Shape("[Input(2, 6, 6)] [Conv2D(4, 3)] [BatchNorm] [ReLU] [Flatten] [Dense(3)]");
        Assert.Equal(new[] { LayerFusion.None, LayerFusion.TakesNext, LayerFusion.IntoPrevious, LayerFusion.None, LayerFusion.None }, network.Layers.Select(l => l.Fusion));
        string code = Generate("[Input(2, 6, 6)] [Conv2D(4, 3)] [BatchNorm] [ReLU] [Flatten] [Dense(3)]");
        Assert.Contains("ActivationKernels.ReLU(y, rows * 16, columns: 4, stride: 16);", Method(code, "Layer1Forward"));
        Assert.Contains("ActivationKernels.ReLU(y, rows * 16, columns: 4, stride: 16);", Method(code, "Layer1TrainingForward"));
        Assert.Contains("ActivationKernels.ReLUBackward(y, dy, rows * 16, columns: 4, stride: 16);", Method(code, "Layer1Backward"));
        Assert.DoesNotContain("Layer2Forward(", code);
        Assert.DoesNotContain(".CopyTo(", Method(code, "ForwardRows"));
    }
}
