using System.Linq;
using Microsoft.CodeAnalysis;

namespace StaticNet.Generator.Tests;

/// <summary>The generator's reproductions of issue 16: each gives an SNET error on the user's line, or builds and runs.</summary>
public class RobustnessTests
{
    private const string Usings = "using StaticNet;\n";

    private static Diagnostic SingleError(string source, string id)
    {
        BuildOutcome outcome = BuildOutcome.Of(source);
        outcome.AssertInvariant(source);
        Diagnostic error = Assert.Single(outcome.Errors);
        Assert.Equal(id, error.Id);
        Assert.Empty(outcome.Files); // nothing generated for a declaration that cannot be
        return error;
    }

    [Theory]
    // positions × stride = 1,048,577 × 4,096 wrapped to 4,096 in int: an AccessViolation in ConvSimd.DirectForward.
    [InlineData("[Network] [Input(1, 1, 1048577)] [Conv2D(4096, 1)] [GlobalAvgPool] [Dense(2)] partial class Wrap { }", "Conv2D(4096, 1)", "4,294,971,392")]
    // 4,094² × 512 wrapped to a negative constant.
    [InlineData("[Input(3, 4096, 4096)] [Conv2D(512, 3)] [Flatten] [Dense(2)] partial class Wrap { }", "Conv2D(512, 3)", "8,581,548,032")]
    // 2,048² × 512 = 2^31: CS0220 in the generated file.
    [InlineData("[Input(1, 2048, 2048)] [Conv2D(512, 1)] [Flatten] [Dense(2)] partial class Wrap { }", "Conv2D(512, 1)", "2,147,483,648")]
    public void HugeConvolutionsAreSnet013OnTheAttribute(string declaration, string attribute, string size)
    {
        string source = Usings + declaration;
        Diagnostic error = SingleError(source, "SNET013");
        Assert.Equal(attribute, source.Substring(error.Location.SourceSpan.Start, error.Location.SourceSpan.Length));
        Assert.Contains(size, error.GetMessage());
    }

    [Fact]
    public void Snet013NamesTheSizeAsDocumented()
    {
        Diagnostic error = SingleError(Usings + "[Input(1, 2048, 2048)] [Conv2D(512, 1)] [Flatten] [Dense(2)] partial class Wrap { }", "SNET013");
        Assert.Equal("Conv2D '0' needs 2,147,483,648 floats per sample for its output [512, 2048, 2048], 68,719,476,736 for a chunk of 32 samples; " +
            "expected at most 1,073,741,823 (the runtime's spans index with int)", error.GetMessage()); // docs/diagnostics/SNET013.md
    }

    [Theory]
    [InlineData("[Input(4)] [Dense(2147483647)] partial class N { }")]
    [InlineData("[Input(4, 8)] [LSTM(600000000)] partial class N { }")]
    [InlineData("[Input(4, 8)] [GRU(2147483647, ReturnSequences = true)] partial class N { }")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(2, 3, Dilation = 2147483647)] [Flatten] [Dense(2)] partial class N { }")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(2, 2, Padding = 2147483647)] [Flatten] [Dense(2)] partial class N { }")]
    [InlineData("[Input(1, 1, 1)] [Conv2D(1, 100000, Padding = 99999)] [Flatten] [Dense(2)] partial class N { }")]
    [InlineData("[Input(3, 64, 64)] [Conv2D(2147483647, 3)] [Flatten] [Dense(2)] partial class N { }")]
    [InlineData("[Input(8)] [Embedding(2147483647, 2147483647)] [Flatten] [Dense(2)] partial class N { }")]
    [InlineData("[Input(65536)] [Embedding(10, 65536)] [Flatten] [Dense(2)] partial class N { }")]
    [InlineData("[Input(16777216, 4)] [Dense(4)] partial class N { }")]
    [InlineData("[Input(1, 4096, 4096)] [MaxPool2D(1)] [Flatten] [Dense(2)] partial class N { }")]
    public void HugeSizesAreSnetErrorsNeverGeneratedCode(string declaration)
    {
        string source = Usings + declaration;
        BuildOutcome outcome = BuildOutcome.Of(source);
        outcome.AssertInvariant(source);
        Assert.NotEmpty(outcome.SnetErrors);
        Assert.Empty(outcome.Files);
    }
}

/// <summary>Names as users write them: keywords, case-only differences, backslashes, markup, newlines.</summary>
public class NameEscapingTests
{
    private static BuildOutcome Build(string source)
    {
        BuildOutcome outcome = BuildOutcome.Of(source);
        outcome.AssertInvariant(source);
        return outcome;
    }

    [Fact]
    public void KeywordNamespacesAndCaseOnlyDifferencesGetValidUniqueHintNames()
    {
        const string source = """
            using StaticNet;
            namespace @event { [Input(4)] [Dense(2)] partial class Net { } }
            namespace Demo
            {
                [Input(4)] [Dense(2)] partial class Net { }
                [Input(4)] [Dense(3)] partial class NET { }
                static class Use { public static int Sizes() => Net.OutputSize + NET.OutputSize + @event.Net.OutputSize; }
            }
            """;
        BuildOutcome outcome = Build(source);
        Assert.Empty(outcome.Errors);
        string[] hints = outcome.Files.Select(f => f.HintName).ToArray();
        Assert.Equal(3, hints.Length);
        Assert.Equal(3, hints.Distinct(System.StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains("event.Net.g.cs", hints);
        Assert.All(hints, h => Assert.Matches("^[A-Za-z0-9_.]+$", h));
        // Deterministic: the same names on another run, whatever the order of the declarations.
        string swapped = source.Replace("[Input(4)] [Dense(2)] partial class Net { }\n    [Input(4)] [Dense(3)] partial class NET { }",
            "[Input(4)] [Dense(3)] partial class NET { }\n    [Input(4)] [Dense(2)] partial class Net { }");
        Assert.Equal(hints.OrderBy(h => h), BuildOutcome.Of(swapped).Files.Select(f => f.HintName).OrderBy(h => h));
    }

    [Fact]
    public void KeywordIdentifiersAreEscaped()
    {
        BuildOutcome outcome = Build("""
            using StaticNet;
            namespace @namespace.@if
            {
                partial class @struct
                {
                    [Network(Loss = Loss.MeanSquaredError)] [Input(4)] [Dense(2)] public partial class @class { }
                }
                static class Use { public static int Size() => new @struct.@class(1).Parameters.Length; }
            }
            [Input(3)] [Dense(1)] partial class @class { }
            """);
        Assert.Empty(outcome.Errors);
        Assert.Equal(2, outcome.Files.Length);
    }

    [Fact]
    public void NamesAreEscapedInLiteralsAndDocs()
    {
        const string source = """
            using StaticNet;
            [Network(EmbeddedWeights = "we\"ird\\path<&>")]
            [Input(4)] [Dense(3, Name = "a\\b")] [Dense(2, Name = "<t>&amp;")] [Dense(2, Name = "ünï.代码-x")] [Dense(2, Name = "emoji.\U0001F600")]
            partial class Named { }
            """;
        BuildOutcome outcome = Build(source);
        Assert.Empty(outcome.Errors);
        // The generated file is well-formed XML documentation too.
        string generated = outcome.Files.Single().SourceText.ToString();
        var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(generated,
            GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose));
        Assert.Empty(tree.GetDiagnostics());
        System.Type type = outcome.Load().GetType("Named")!;
        var network = (INetwork)System.Activator.CreateInstance(type, 1)!;
        string[] names = ((System.Collections.Generic.IReadOnlyList<ParameterTensor>)type.GetProperty("ParameterTensors")!.GetValue(network)!)
            .Select(t => t.Name).ToArray();
        Assert.Equal(new[] { "a\\b.weight", "a\\b.bias", "<t>&amp;.weight", "<t>&amp;.bias", "ünï.代码-x.weight", "ünï.代码-x.bias", "emoji.\U0001F600.weight", "emoji.\U0001F600.bias" }, names);
    }

    [Theory]
    // 'train' would declare TrainStep (a streaming network's per-layer Step constant) next to the generated TrainStep.
    [InlineData("[Network(Loss = Loss.MeanSquaredError)] [Input(5, 3)] [LSTM(4, ReturnSequences = true, Name = \"train\")] [Dense(2)] partial class N { }")]
    // 'a' and 'a.training' would both declare ATrainingForward (BatchNorm's training pass, and a layer's forward pass).
    [InlineData("[Network(Loss = Loss.MeanSquaredError)] [Input(4)] [Dense(3, Name = \"a.training\")] [BatchNorm(Name = \"a\")] [Dense(2)] partial class N { }")]
    [InlineData("[Network(Loss = Loss.MeanSquaredError)] [Input(4)] [BatchNorm(Name = \"a\")] [Dense(3, Name = \"a.training\")] [Dense(2)] partial class N { }")]
    // Names that PascalCase to the network's own members.
    [InlineData("[Input(4)] [Dense(3, Name = \"input\")] [Dense(2, Name = \"forward.rows\")] partial class N { }")]
    public void LayerNamesNeverMakeGeneratedMembersCollide(string declaration)
    {
        string source = "using StaticNet;\n" + declaration;
        BuildOutcome outcome = Build(source);
        Assert.Empty(outcome.Errors);
        Assert.Single(outcome.Files);
    }

    [Theory]
    [InlineData("a\\nb")]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("a\\tb")]
    [InlineData("a\\u2028b")]
    [InlineData("a\\u202Eb")]
    [InlineData("a\\0b")]
    [InlineData("a\\uD800b")]
    [InlineData("a b")]
    [InlineData("")]
    public void Snet008RejectsEmptyPartsWhitespaceAndControlCharacters(string escapedName)
    {
        string source = $"using StaticNet;\n[Input(4)] [Dense(3, Name = \"{escapedName}\")] [Dense(2)] partial class N {{ }}";
        BuildOutcome outcome = Build(source);
        Assert.Equal("SNET008", Assert.Single(outcome.Errors).Id);
        Assert.Empty(outcome.Files);
    }
}

/// <summary>Declarations the generator cannot extend: one SNET error on the user's line, no generated code.</summary>
public class UnextensibleDeclarationTests
{
    private const string Usings = "using StaticNet;\nusing System;\n";

    [Theory]
    [InlineData("SNET009", "[Input(4)] [Dense(2)] partial record {|SNET009:N|} { }")]
    [InlineData("SNET009", "[Input(4)] [Dense(2)] file partial class {|SNET009:N|} { }")]
    [InlineData("SNET009", "[Input(4)] [Dense(2)] static partial class {|SNET009:N|} { }")]
    [InlineData("SNET009", "[Input(4)] [Dense(2)] partial class {|SNET009:N|}(int width) { public int Width => width; }")]
    [InlineData("SNET009", "file partial class Outer { [Input(4)] [Dense(2)] public partial class {|SNET009:N|} { } }")]
    [InlineData("SNET015", "[Input(4)] [Dense(2)] partial class {|SNET015:Forward|} { }")]
    [InlineData("SNET015", "[Network(Loss = Loss.MeanSquaredError)] [Input(4)] [Dense(2)] partial class {|SNET015:TrainStep|} { }")]
    [InlineData("SNET015", "[Input(4)] [Dense(2)] partial class N { public void {|SNET015:Forward|}(ReadOnlySpan<float> input, Span<float> output) { } }")]
    [InlineData("SNET015", "[Input(4)] [Dense(2)] partial class N { public int {|SNET015:InputSize|} => 4; }")]
    [InlineData("SNET015", "[Input(4)] [Dense(2)] partial class N { public {|SNET015:N|}(int width) { } }")]
    [InlineData("SNET015", "[Input(4)] [Dense(2)] partial class N { public {|SNET015:N|}() { } }")]
    [InlineData("SNET015", "[Input(4)] [Dense(2)] partial class N { public struct {|SNET015:InputBuffer|} { } }")]
    [InlineData("SNET015", "[Input(4)] [Dense(2, Name = \"fc\")] partial class N { private static void {|SNET015:FcForward|}() { } }")]
    // Several named inputs: the per-input constants and the overloads with one span per input.
    [InlineData("SNET015", "[Input(6, Name = \"state\")] [Input(2, Name = \"action\")] [Dense(4, From = \"state\")] [Concatenate(\"action\")] [Dense(1)] partial class N { public const int {|SNET015:StateInputSize|} = 6; }")]
    [InlineData("SNET015", "[Input(6, Name = \"state\")] [Input(2, Name = \"action\")] [Dense(4, From = \"state\")] [Concatenate(\"action\")] [Dense(1)] partial class N { public static int {|SNET015:ActionInputOffset|} => 6; }")]
    [InlineData("SNET015", "[Input(6, Name = \"state\")] [Input(2, Name = \"action\")] [Dense(4, From = \"state\")] [Concatenate(\"action\")] [Dense(1)] partial class N { public void {|SNET015:Forward|}(ReadOnlySpan<float> s, ReadOnlySpan<float> a, Span<float> o) { } }")]
    [InlineData("SNET015", "[Input(6, Name = \"state\")] [Input(2, Name = \"action\")] [Dense(4, From = \"state\")] [Concatenate(\"action\")] [Dense(1)] partial class N { public void {|SNET015:ForwardBatch|}(float[] s, float[] a, float[] o) { } }")]
    [InlineData("SNET015", "[Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)] [Input(6, Name = \"state\")] [Input(2, Name = \"action\")] [Dense(4, From = \"state\")] [Concatenate(\"action\")] [Dense(1)] partial class N { public void {|SNET015:Backward|}(float[] g, float[] s, float[] a) { } }")]
    [InlineData("SNET015", "[Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)] [Input(6, Name = \"state\")] [Input(2, Name = \"action\")] [Dense(4, From = \"state\")] [Concatenate(\"action\")] [Dense(1)] partial class N { public void {|SNET015:ForwardTraining|}(float[] s, float[] a, float[] o) { } }")]
    public void ReportedOnTheUsersLineAndNothingIsGenerated(string id, string marked)
    {
        AnalyzerHarness.Verify(Usings + marked);
        string source = Usings + System.Text.RegularExpressions.Regex.Replace(marked, @"\{\|[A-Z0-9]+:|\|\}", "");
        BuildOutcome outcome = BuildOutcome.Of(source);
        outcome.AssertInvariant(source);
        Diagnostic error = Assert.Single(outcome.Errors);
        Assert.Equal(id, error.Id);
        Assert.Empty(outcome.Files);
    }

    [Fact]
    public void OtherNetworksStillGenerate()
    {
        string source = Usings + """
            [Input(4)] [Dense(2)] partial class Clash { public const int OutputSize = 2; }
            [Input(4)] [Dense(2)] partial record Rec { }
            [Input(4)] [Dense(3)] partial class Fine { }
            static class Use { public static int Size() => Fine.OutputSize; }
            """;
        BuildOutcome outcome = BuildOutcome.Of(source);
        outcome.AssertInvariant(source);
        Assert.Equal(new[] { "SNET009", "SNET015" }, outcome.Errors.Select(e => e.Id).OrderBy(i => i));
        Assert.Equal("Fine.g.cs", Assert.Single(outcome.Files).HintName);
    }

    [Fact]
    public void ConstructorsThatDoNotClashAreKept()
    {
        string source = Usings + "[Input(4)] [Dense(2)] partial class N { public N(string name) : this(1) { } public void Forward(float[] x) { } }";
        BuildOutcome outcome = BuildOutcome.Of(source);
        Assert.Empty(outcome.Errors);
        Assert.Single(outcome.Files);
    }
}

/// <summary>The generated hot members are compiled optimised from their first call, like the kernels (issue 16, part 7).</summary>
public class HotMemberTests
{
    [Fact]
    public void HotMembersAreAggressivelyOptimized()
    {
        const string source = """
            using StaticNet;
            [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(6, 3)] [LSTM(4, ReturnSequences = true)] [Dropout(0.1f)] [Dense(3)] partial class Seq { }
            [Network(Loss = Loss.MeanSquaredError)] [Input(1, 6, 6)] [Conv2D(2, 3)] [MaxPool2D(2)] [BatchNorm] [Flatten] [Dense(2)] partial class Cnn { }
            """;
        BuildOutcome outcome = BuildOutcome.Of(source);
        Assert.Empty(outcome.Errors);
        System.Reflection.Assembly assembly = outcome.Load();
        const System.Reflection.BindingFlags all = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic |
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly;
        string[] hot = ["Forward", "ForwardBatch", "TrainStep", "ComputeGradients", "ForwardRows", "TrainingForwardRows", "BackwardRows", "Step", "StepBlock"];
        foreach (string typeName in new[] { "Seq", "Cnn" })
        {
            var methods = assembly.GetType(typeName)!.GetMethods(all);
            var checkedMethods = methods.Where(m => hot.Contains(m.Name) || m.Name.StartsWith("Layer") && (m.Name.EndsWith("Forward") || m.Name.EndsWith("Backward"))).ToArray();
            Assert.True(checkedMethods.Length >= 10, $"{typeName}: {checkedMethods.Length} hot methods");
            Assert.All(checkedMethods, m => Assert.True(
                m.MethodImplementationFlags.HasFlag(System.Reflection.MethodImplAttributes.AggressiveOptimization), $"{typeName}.{m.Name}"));
        }
    }
}
