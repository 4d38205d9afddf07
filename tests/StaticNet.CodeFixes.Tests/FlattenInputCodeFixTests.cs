namespace StaticNet.CodeFixes.Tests;

public class FlattenInputCodeFixTests
{
    private static readonly FlattenInputCodeFix Fix = new();

    [Fact]
    public void FlattensToTheProductOfTheDimensions()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(1, 28, 28)] [Dense(10)] partial class N { }",
            "using StaticNet;\n[Input(784)] [Dense(10)] partial class N { }");
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\nstatic class Sizes { public const int Side = 32; }\n[Input(3, Sizes.Side, Sizes.Side)] [Dense(10)] partial class N { }",
            "using StaticNet;\nstatic class Sizes { public const int Side = 32; }\n[Input(3072)] [Dense(10)] partial class N { }");
    }

    [Fact]
    public void NotOfferedForAnArrayArgument()
    {
        CodeFixHarness.VerifyNoFix(Fix, "using StaticNet;\n[Input(new[] { 1, 28, 28 })] [Dense(10)] partial class N { }");
    }
}
