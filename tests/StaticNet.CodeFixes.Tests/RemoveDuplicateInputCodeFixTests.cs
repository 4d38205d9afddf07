namespace StaticNet.CodeFixes.Tests;

public class RemoveDuplicateInputCodeFixTests
{
    private static readonly RemoveDuplicateInputCodeFix Fix = new();

    [Fact]
    public void RemovesTheRepeatedAttributeList()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(4)] [Input(4)] [Dense(10)] partial class N { }",
            "using StaticNet;\n[Input(4)] [Dense(10)] partial class N { }");
        CodeFixHarness.Verify(Fix, """
            using StaticNet;

            [Input(4)]
            [Input(4)]
            [Dense(10)]
            partial class N { }
            """, """
            using StaticNet;

            [Input(4)]
            [Dense(10)]
            partial class N { }
            """);
    }

    [Fact]
    public void RemovesTheRepeatedAttributeFromItsList()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(4), Input(4), Dense(10)] partial class N { }",
            "using StaticNet;\n[Input(4), Dense(10)] partial class N { }");
    }

    [Fact]
    public void NotOfferedWhenTheShapesDiffer()
    {
        CodeFixHarness.VerifyNoFix(Fix, "using StaticNet;\n[Input(4)] [Input(8)] [Dense(10)] partial class N { }");
    }

    [Fact]
    public void FixAllRemovesEveryRepeat()
    {
        CodeFixHarness.VerifyFixAll(Fix,
            "using StaticNet;\n[Input(4)] [Input(4)] [Input(4)] [Dense(10)] partial class N { }",
            "using StaticNet;\n[Input(4)] [Dense(10)] partial class N { }");
    }
}
