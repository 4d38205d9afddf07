using System.Linq;

namespace StaticNet.CodeFixes.Tests;

public class ProjectShortcutCodeFixTests
{
    private static readonly ProjectShortcutCodeFix Fix = new();

    [Fact]
    public void ProjectsTheNamedShortcutAndReadsTheBlockInstead()
    {
        // The help page's example: the Add reads conv1 (the layer before it) and stem; the projection reads stem, and the
        // Add then reads the projection (the layer before it) and conv1.
        CodeFixHarness.Verify(Fix, """
            using StaticNet;

            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(1, 8, 8)]
            [Conv2D(8, 3, Activation.ReLU, Padding = 1, Name = "stem")]
            [Conv2D(16, 3, Stride = 2, Padding = 1, Name = "conv1")]
            [Add("stem")]
            [GlobalAvgPool] [Dense(10)]
            partial class Block { }
            """, """
            using StaticNet;

            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(1, 8, 8)]
            [Conv2D(8, 3, Activation.ReLU, Padding = 1, Name = "stem")]
            [Conv2D(16, 3, Stride = 2, Padding = 1, Name = "conv1")]
            [Conv2D(16, 1, Stride = 2, From = "stem", Name = "downsample.0")]
            [Add("conv1")]
            [GlobalAvgPool] [Dense(10)]
            partial class Block { }
            """, requireNoErrors: true);
    }

    [Fact]
    public void WithBatchNormInTheNetworkTheProjectionHasOneAndTheBlocksPrefix()
    {
        CodeFixHarness.Verify(Fix, """
            using StaticNet;

            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(1, 28, 28)]
            [Conv2D(16, 3, Padding = 1, Name = "stem")] [BatchNorm(Name = "stem_bn")] [ReLU(Name = "stem_relu")]
            [Conv2D(32, 3, Stride = 2, Padding = 1, Name = "layer2.0.conv1")] [BatchNorm(Name = "layer2.0.bn1")] [ReLU]
            [Conv2D(32, 3, Padding = 1, Name = "layer2.0.conv2")] [BatchNorm(Name = "layer2.0.bn2")]
            [Add("stem_relu", Name = "layer2.0.add")] [ReLU]
            [GlobalAvgPool] [Dense(10)]
            partial class ResNet { }
            """, """
            using StaticNet;

            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(1, 28, 28)]
            [Conv2D(16, 3, Padding = 1, Name = "stem")] [BatchNorm(Name = "stem_bn")] [ReLU(Name = "stem_relu")]
            [Conv2D(32, 3, Stride = 2, Padding = 1, Name = "layer2.0.conv1")] [BatchNorm(Name = "layer2.0.bn1")] [ReLU]
            [Conv2D(32, 3, Padding = 1, Name = "layer2.0.conv2")] [BatchNorm(Name = "layer2.0.bn2")]
            [Conv2D(32, 1, Stride = 2, Bias = false, From = "stem_relu", Name = "layer2.0.downsample.0")]
            [BatchNorm(Name = "layer2.0.downsample.1")]
            [Add("layer2.0.bn2", Name = "layer2.0.add")] [ReLU]
            [GlobalAvgPool] [Dense(10)]
            partial class ResNet { }
            """, requireNoErrors: true);
    }

    [Fact]
    public void AShortcutReadThroughFromIsReplacedByTheProjection()
    {
        // The Add reads the shortcut through From and the block by name: From then names the projection. An odd size
        // (7 → 4) needs the stride that gives 4 from 7, which is 2.
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(3, 7, 7)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(8, 3, Stride = 2, Padding = 1, Name = \"b\")] [Add(\"b\", From = \"a\")] partial class N { }",
            "using StaticNet;\n[Input(3, 7, 7)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(8, 3, Stride = 2, Padding = 1, Name = \"b\")] [Conv2D(8, 1, Stride = 2, From = \"a\", Name = \"downsample.0\")] [Add(\"b\", From = \"downsample.0\")] partial class N { }", requireNoErrors: true);
    }

    [Fact]
    public void AWiderBlockWithoutStrideGetsAOneByOneConvolutionOnTheEarlierOperand()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(3, 8, 8), Conv2D(4, 3, Padding = 1, Name = \"a\"), Conv2D(8, 3, Padding = 1, Name = \"b\"), Add(\"a\")] partial class N { }",
            "using StaticNet;\n[Input(3, 8, 8), Conv2D(4, 3, Padding = 1, Name = \"a\"), Conv2D(8, 3, Padding = 1, Name = \"b\"), Conv2D(8, 1, From = \"a\", Name = \"downsample.0\"), Add(\"b\")] partial class N { }", requireNoErrors: true);
    }

    [Fact]
    public void TheSecondActionAddsTheBatchNormToANetworkWithoutOne()
    {
        Microsoft.CodeAnalysis.Document document = CodeFixHarness.CreateDocument(
            "using StaticNet;\n[Input(3, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(8, 3, Stride = 2, Padding = 1)] [Add(\"a\")] partial class N { }");
        var diagnostic = Assert.Single(CodeFixHarness.Diagnostics(document, Fix));
        var actions = CodeFixHarness.Actions(Fix, document, diagnostic);
        Assert.Equal(new[] { ProjectShortcutCodeFix.ConvolutionOnlyKey, ProjectShortcutCodeFix.WithBatchNormKey }, actions.Select(a => a.EquivalenceKey));
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(3, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(8, 3, Stride = 2, Padding = 1)] [Add(\"a\")] partial class N { }",
            "using StaticNet;\n[Input(3, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(8, 3, Stride = 2, Padding = 1)] [Conv2D(8, 1, Stride = 2, Bias = false, From = \"a\", Name = \"downsample.0\")] [BatchNorm(Name = \"downsample.1\")] [Add(\"1\")] partial class N { }",
            actionIndex: 1, requireNoErrors: true);
    }

    [Fact]
    public void NamesDoNotCollideWithDeclaredOnes()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(3, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"downsample.0\")] [Conv2D(8, 3, Stride = 2, Padding = 1, Name = \"b\")] [Add(\"downsample.0\")] partial class N { }",
            "using StaticNet;\n[Input(3, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"downsample.0\")] [Conv2D(8, 3, Stride = 2, Padding = 1, Name = \"b\")] [Conv2D(8, 1, Stride = 2, From = \"downsample.0\", Name = \"downsample2.0\")] [Add(\"b\")] partial class N { }", requireNoErrors: true);
    }

    [Fact]
    public void NotOfferedWhenALaterLayerIsReadByItsIndex()
    {
        // The inserted convolution would renumber the unnamed layers after it, and "5" would then name another layer.
        CodeFixHarness.VerifyNoFix(Fix,
            "using StaticNet;\n[Input(3, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(8, 3, Stride = 2, Padding = 1, Name = \"b\")] [Add(\"a\")] [ReLU] [Conv2D(8, 1)] [Add(\"3\")] partial class N { }");
    }

    [Fact]
    public void FixAllProjectsEveryShortcut()
    {
        CodeFixHarness.VerifyFixAll(Fix,
            "using StaticNet;\n[Input(3, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(8, 3, Stride = 2, Padding = 1, Name = \"b\")] [Add(\"a\")] partial class N { }\n" +
            "[Input(3, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(6, 3, Padding = 1, Name = \"b\")] [Add(\"a\")] partial class M { }",
            "using StaticNet;\n[Input(3, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(8, 3, Stride = 2, Padding = 1, Name = \"b\")] [Conv2D(8, 1, Stride = 2, From = \"a\", Name = \"downsample.0\")] [Add(\"b\")] partial class N { }\n" +
            "[Input(3, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(6, 3, Padding = 1, Name = \"b\")] [Conv2D(6, 1, From = \"a\", Name = \"downsample.0\")] [Add(\"b\")] partial class M { }");
    }
}
