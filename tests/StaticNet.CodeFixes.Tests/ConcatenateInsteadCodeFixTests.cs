namespace StaticNet.CodeFixes.Tests;

public class ConcatenateInsteadCodeFixTests
{
    private static readonly ConcatenateInsteadCodeFix Fix = new();

    [Fact]
    public void AnAddOfVectorsOfDifferentSizesBecomesAConcatenation()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(8)] [Dense(16, Name = \"wide\")] [Dense(8, Name = \"narrow\")] [Add(\"wide\", Name = \"sum\")] [Dense(1)] partial class N { }",
            "using StaticNet;\n[Input(8)] [Dense(16, Name = \"wide\")] [Dense(8, Name = \"narrow\")] [Concatenate(\"wide\", Name = \"sum\")] [Dense(1)] partial class N { }", requireNoErrors: true);
        CodeFixHarness.Verify(Fix,
            "[StaticNet.Input(8), StaticNet.Dense(4, Name = \"a\"), StaticNet.Dense(2), StaticNet.MultiplyAttribute(\"a\")] partial class N { }",
            "[StaticNet.Input(8), StaticNet.Dense(4, Name = \"a\"), StaticNet.Dense(2), StaticNet.ConcatenateAttribute(\"a\")] partial class N { }", requireNoErrors: true);
    }

    [Fact]
    public void NotOfferedWhenTheLayersAfterItWouldBreak()
    {
        // The concatenation would have 24 features, and the Add after it reads 'narrow' (8).
        CodeFixHarness.VerifyNoFix(Fix,
            "using StaticNet;\n[Input(8)] [Dense(16, Name = \"wide\")] [Dense(8, Name = \"narrow\")] [Add(\"wide\")] [Add(\"narrow\")] [Dense(1)] partial class N { }");
        // Different lengths of a sequence: no concatenation along the features joins them.
        CodeFixHarness.VerifyNoFix(Fix,
            "using StaticNet;\n[Input(10, 3)] [Conv1D(4, 3, Name = \"a\")] [Conv1D(4, 1, From = \"input\")] [Add(\"a\")] [Flatten] [Dense(1)] partial class N { }");
    }

    [Fact]
    public void FixAllConcatenatesEveryMerge()
    {
        CodeFixHarness.VerifyFixAll(Fix,
            "using StaticNet;\n[Input(8)] [Dense(16, Name = \"a\")] [Dense(8)] [Add(\"a\")] [Dense(1)] partial class N { }\n" +
            "[Input(8)] [Dense(4, Name = \"b\")] [Dense(2)] [Multiply(\"b\")] [Dense(1)] partial class M { }",
            "using StaticNet;\n[Input(8)] [Dense(16, Name = \"a\")] [Dense(8)] [Concatenate(\"a\")] [Dense(1)] partial class N { }\n" +
            "[Input(8)] [Dense(4, Name = \"b\")] [Dense(2)] [Concatenate(\"b\")] [Dense(1)] partial class M { }");
    }
}
