using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace StaticNet.Generator.Tests;

/// <summary>The graph rules (SNET040–SNET045): each with the mistake and the corrected declaration, and their help pages' examples.</summary>
public partial class GraphDiagnosticsTests
{
    private const string Usings = "using StaticNet;\n";

    [Fact]
    public void SNET040_UnknownSource()
    {
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] [Input(4)] [Dense(4, Name = \"a\")] [{|SNET040:Add(\"b\")|}] [Dense(1)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(4, Name = \"a\")] [{|SNET040:Dense(2, From = \"z\")|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] [Input(4)] [Dense(4, Name = \"a\")] [Add(\"a\", From = \"input\")] [Dense(1)] partial class N { }");
        string message = AnalyzerHarness.Analyze(Usings + "[Input(4)] [Dense(4, Name = \"a\")] [Dense(2, From = \"z\")] partial class N { }").Single().GetMessage();
        Assert.Contains("'z'", message);
        Assert.Contains("'input', 'a'", message); // the names it could read
    }

    [Fact]
    public void SNET041_GraphCycle()
    {
        AnalyzerHarness.Verify(Usings + "[Input(4)] [{|SNET041:Dense(4, Name = \"a\", From = \"b\")|}] [Dense(4, Name = \"b\")] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [{|SNET041:Dense(4, Name = \"a\", From = \"a\")|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(4, Name = \"b\")] [Dense(4, Name = \"a\", From = \"b\")] partial class N { }");
    }

    [Fact]
    public void SNET042_MergeShapeMismatch_NamesBothShapes()
    {
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(8, Name = \"a\")] [Dense(4, Name = \"b\")] [{|SNET042:Multiply(\"a\")|}] [Dense(1)] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(6, 4)] [Dense(8, Name = \"a\")] [{|SNET042:Concatenate(\"input\")|}] partial class N { }".Replace("Input(6, 4)] [Dense", "Input(6, 4)] [Flatten] [Dense"));
        AnalyzerHarness.Verify(Usings + "[Input(6, 4)] [Dense(8, Name = \"a\")] [Concatenate(\"input\")] [Dense(1)] partial class N { }");
        string message = AnalyzerHarness.Analyze(Usings + "[Input(4)] [Dense(8, Name = \"a\")] [Dense(4, Name = \"b\")] [Add(\"a\")] [Dense(1)] partial class N { }").Single().GetMessage();
        Assert.Contains("'b' [4]", message);
        Assert.Contains("'a' [8]", message);
        AnalyzerHarness.Verify(Usings + "[Input(4)] [{|SNET019:Add|}] [Dense(1)] partial class N { }"); // one operand only
    }

    [Fact]
    public void SNET043_UnusedBranch()
    {
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(4, Name = \"a\")] [{|SNET043:Dense(3, Name = \"side\")|}] [Dense(1, From = \"a\")] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Input(4)] [Dense(4, Name = \"a\")] [Dense(4, Name = \"side\")] [Add(\"a\")] [Dense(1)] partial class N { }");
    }

    private const string TwoHeads = "[Input(4)] [Dense(8, Activation.ReLU, Name = \"t\")] [Dense(3, Name = \"p\")] [Dense(1, From = \"t\", Name = \"v\")] ";

    [Fact]
    public void SNET044_HeadWithoutLoss_AndOtherHeadMistakes()
    {
        // No loss on the head and none on [Network], while the other head trains.
        AnalyzerHarness.Verify(Usings + TwoHeads + "[Output(\"p\", Loss = Loss.SoftmaxCrossEntropy)] [{|SNET044:Output(\"v\")|}] partial class N { }");
        string message = AnalyzerHarness.Analyze(Usings + TwoHeads + "[Output(\"p\", Loss = Loss.SoftmaxCrossEntropy)] [Output(\"v\")] partial class N { }").Single().GetMessage();
        Assert.Contains("Output 'v' has no loss", message);
        // The network's loss serves a head without its own; no loss anywhere is an inference-only network.
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] " + TwoHeads + "[Output(\"p\", Loss = Loss.SoftmaxCrossEntropy)] [Output(\"v\")] partial class N { }");
        AnalyzerHarness.Verify(Usings + TwoHeads + "[Output(\"p\")] [Output(\"v\")] partial class N { }");
        // [Output]s may come first, before [Input].
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] [Output(\"p\")] [Output(\"v\")] " + TwoHeads + "partial class N { }");
        // A repeated head, the input as a head, a negative weight, a head that is not a vector.
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] " + TwoHeads + "[Output(\"p\")] [Output(\"v\")] [{|SNET044:Output(\"p\")|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] " + TwoHeads + "[Output(\"p\")] [Output(\"v\")] [{|SNET044:Output(\"input\")|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] " + TwoHeads + "[Output(\"p\")] [{|SNET044:Output(\"v\", Weight = -1f)|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] [Input(1, 8, 8)] [Conv2D(4, 3, Name = \"map\")] [Flatten] [Dense(2, Name = \"v\")] [{|SNET044:Output(\"map\")|}] [Output(\"v\")] partial class N { }");
    }

    [Fact]
    public void SNET040_AHeadNamingAnUnknownLayer_IsReportedOnItsOutput()
    {
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] " + TwoHeads + "[Output(\"p\")] [{|SNET040:Output(\"w\")|}] partial class N { }");
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.SoftmaxCrossEntropy)] " + TwoHeads + "[Output(\"p\")] [{|SNET010:Output(\"v\")|}] partial class N { }");
        // A layer that is neither a head nor read is an unused branch.
        AnalyzerHarness.Verify(Usings + "[Network(Loss = Loss.MeanSquaredError)] " + TwoHeads + "[{|SNET043:Dense(2, From = \"t\", Name = \"extra\")|}] [Output(\"p\")] [Output(\"v\")] partial class N { }");
    }

    [Fact]
    public void SNET045_ShortcutMismatch_SuggestsAStridedOneByOneConvolution()
    {
        const string block = "[Input(1, 8, 8)] [Conv2D(8, 3, Padding = 1, Name = \"stem\")] [Conv2D(16, 3, Stride = 2, Padding = 1, Name = \"conv1\")] ";
        AnalyzerHarness.Verify(Usings + block + "[{|SNET045:Add(\"stem\")|}] [GlobalAvgPool] [Dense(2)] partial class N { }");
        string message = AnalyzerHarness.Analyze(Usings + block + "[Add(\"stem\")] [GlobalAvgPool] [Dense(2)] partial class N { }").Single().GetMessage();
        Assert.Contains("[16, 4, 4]", message);
        Assert.Contains("[8, 8, 8]", message);
        Assert.Contains("[Conv2D(16, 1, Stride = 2, From = ", message);
        AnalyzerHarness.Verify(Usings + block + "[Conv2D(16, 1, Stride = 2, From = \"stem\")] [Add(\"conv1\")] [GlobalAvgPool] [Dense(2)] partial class N { }");
    }

    [Fact]
    public void SNET045_OddSize_SuggestsTheStrideThatGivesTheBlocksSize()
    {
        // 7 × 7 → 4 × 4 under a stride-2 convolution: the shortcut's 1×1 convolution needs stride 2 (⌈7 / 2⌉ = 4), not 7 / 4 = 1.
        const string block = "[Input(1, 7, 7)] [Conv2D(8, 3, Padding = 1, Name = \"stem\")] [Conv2D(16, 3, Stride = 2, Padding = 1, Name = \"conv1\")] ";
        string message = AnalyzerHarness.Analyze(Usings + block + "[Add(\"stem\")] [GlobalAvgPool] [Dense(2)] partial class N { }").Single().GetMessage();
        Assert.Contains("[16, 4, 4]", message);
        Assert.Contains("[Conv2D(16, 1, Stride = 2, From = ", message);
        AnalyzerHarness.Verify(Usings + block + "[Conv2D(16, 1, Stride = 2, From = \"stem\")] [Add(\"conv1\")] [GlobalAvgPool] [Dense(2)] partial class N { }");
    }

    [GeneratedRegex(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    private static string Root([CallerFilePath] string file = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));

    /// <summary>Each page's example reports its ID (and nothing else that is an error), and its fix compiles without a diagnostic.</summary>
    [Theory]
    [InlineData("SNET040")]
    [InlineData("SNET041")]
    [InlineData("SNET042")]
    [InlineData("SNET043")]
    [InlineData("SNET044")]
    [InlineData("SNET045")]
    public void HelpPageExamples_ReportTheirIdAndTheirFixesAreClean(string id)
    {
        string page = File.ReadAllText(Path.Combine(Root(), "docs", "diagnostics", id + ".md"));
        List<string> blocks = CSharpBlock().Matches(page).Select(m => m.Groups["code"].Value).ToList();
        Assert.Equal(2, blocks.Count);
        Assert.Contains(AnalyzerHarness.Analyze(blocks[0]), d => d.Id == id);
        Assert.Empty(AnalyzerHarness.Analyze(blocks[1]).Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }
}
