namespace StaticNet.CodeFixes.Tests;

public class FlattenInputCodeFixTests
{
    private static readonly FlattenInputCodeFix Fix = new();

    [Fact]
    public void FlattensToTheProductOfTheDimensions()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(1, 1, 28, 28)] [Dense(10)] partial class N { }",
            "using StaticNet;\n[Input(784)] [Dense(10)] partial class N { }");
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\nstatic class Sizes { public const int Side = 32; }\n[Input(1, 3, Sizes.Side, Sizes.Side)] [Dense(10)] partial class N { }",
            "using StaticNet;\nstatic class Sizes { public const int Side = 32; }\n[Input(3072)] [Dense(10)] partial class N { }");
    }

    [Fact]
    public void OfferedBeforeAFlatten()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(2, 3, 4, 5)] [Flatten] [Dense(10)] partial class N { }",
            "using StaticNet;\n[Input(120)] [Flatten] [Dense(10)] partial class N { }");
    }

    [Fact]
    public void NotOfferedForAnArrayArgument()
    {
        CodeFixHarness.VerifyNoFix(Fix, "using StaticNet;\n[Input(new[] { 1, 1, 28, 28 })] [Dense(10)] partial class N { }");
    }

    [Fact]
    public void NotOfferedWhenTheFirstLayerNeedsTheShape()
    {
        // A flattened input would only turn SNET005 into SNET018: the batch dimension is what is wrong here.
        CodeFixHarness.VerifyNoFix(Fix, "using StaticNet;\n[Input(1, 1, 28, 28)] [Conv2D(4, 3)] [Flatten] [Dense(10)] partial class N { }");
    }

    [Fact]
    public void NotOfferedForAnImageInput()
    {
        // [Input(1, 28, 28)] [Dense(10)] is SNET016 now (Insert [Flatten]); a rank-3 input is never flattened.
        CodeFixHarness.VerifyNoFixAt(Fix, "using StaticNet;\n[Input(1, 28, 28)] [Dense(10)] partial class N { }", "Input(1, 28, 28)");
    }
}
