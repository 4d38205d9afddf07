namespace StaticNet.CodeFixes.Tests;

public class RemoveUnusedBranchCodeFixTests
{
    private static readonly RemoveUnusedBranchCodeFix Fix = new();

    [Fact]
    public void RemovesAnUnusedLayerAndItsLine()
    {
        // The help page's example.
        CodeFixHarness.Verify(Fix, """
            using StaticNet;

            [Network(Loss = Loss.MeanSquaredError)]
            [Input(8)]
            [Dense(8, Activation.ReLU, Name = "trunk")]
            [Dense(4, Name = "side")]
            [Dense(1, From = "trunk", Name = "head")]
            partial class Dangling { }
            """, """
            using StaticNet;

            [Network(Loss = Loss.MeanSquaredError)]
            [Input(8)]
            [Dense(8, Activation.ReLU, Name = "trunk")]
            [Dense(1, From = "trunk", Name = "head")]
            partial class Dangling { }
            """, requireNoErrors: true);
    }

    [Fact]
    public void RemovesTheLayersOnlyTheBranchReads()
    {
        // side1 → side2 is the branch; trunk feeds the head as well, so it stays.
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(8)] [Dense(8, Name = \"trunk\")] [Dense(4, Name = \"side1\")] [ReLU(Name = \"side2\")] [Dense(1, From = \"trunk\")] partial class N { }",
            "using StaticNet;\n[Input(8)] [Dense(8, Name = \"trunk\")] [Dense(1, From = \"trunk\")] partial class N { }", requireNoErrors: true);
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(8), Dense(8, Name = \"trunk\"), Dense(4, Name = \"side\"), Dense(1, From = \"trunk\")] partial class N { }",
            "using StaticNet;\n[Input(8), Dense(8, Name = \"trunk\"), Dense(1, From = \"trunk\")] partial class N { }", requireNoErrors: true);
    }

    [Fact]
    public void KeepsTheLineBreakOfAListThatEndsAnotherListsLine()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(8)]\n[Dense(8, Name = \"trunk\")] [Dense(4, Name = \"side\")]\n[Dense(1, From = \"trunk\")]\npartial class N { }",
            "using StaticNet;\n[Input(8)]\n[Dense(8, Name = \"trunk\")]\n[Dense(1, From = \"trunk\")]\npartial class N { }", requireNoErrors: true);
    }

    [Fact]
    public void NotOfferedWhenALaterLayerIsReadByItsIndex()
    {
        // Removing 'side' (module 1) would make the unnamed Dense(4) module 1, and "2" would name the Add.
        CodeFixHarness.VerifyNoFix(Fix,
            "using StaticNet;\n[Input(8)] [Dense(8, Name = \"trunk\")] [Dense(4, Name = \"side\")] [Dense(4, From = \"trunk\")] [Dense(4)] [Add(\"2\")] partial class N { }");
    }

    [Fact]
    public void NotOfferedForAnUnusedInput()
    {
        CodeFixHarness.VerifyNoFix(Fix,
            "using StaticNet;\n[Input(6, Name = \"state\")] [Input(2, Name = \"action\")] [Dense(4, From = \"state\")] [Dense(1)] partial class N { }");
    }

    [Fact]
    public void FixAllRemovesEveryUnusedBranch()
    {
        CodeFixHarness.VerifyFixAll(Fix,
            "using StaticNet;\n[Input(8)] [Dense(8, Name = \"trunk\")] [Dense(4, Name = \"a\")] [Dense(4, From = \"trunk\", Name = \"b\")] [Dense(1, From = \"trunk\")] partial class N { }",
            "using StaticNet;\n[Input(8)] [Dense(8, Name = \"trunk\")] [Dense(1, From = \"trunk\")] partial class N { }");
    }
}
