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
