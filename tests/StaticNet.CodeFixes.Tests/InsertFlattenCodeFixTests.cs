namespace StaticNet.CodeFixes.Tests;

public class InsertFlattenCodeFixTests
{
    private static readonly InsertFlattenCodeFix Fix = new();

    [Fact]
    public void InsertsBeforeADenseAfterAThreeDimensionalInput()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(1, 28, 28)] [Dense(10)] partial class N { }",
            "using StaticNet;\n[Input(1, 28, 28)] [Flatten] [Dense(10)] partial class N { }");
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(1, 28, 28)][Dense(10)] partial class N { }",
            "using StaticNet;\n[Input(1, 28, 28)][Flatten][Dense(10)] partial class N { }");
    }

    [Fact]
    public void InsertsALineWithTheDensesIndentation()
    {
        CodeFixHarness.Verify(Fix, """
            using StaticNet;

            namespace App
            {
                [Network(Loss = Loss.SoftmaxCrossEntropy)]
                [Input(1, 28, 28)]
                [Conv2D(8, 3, Activation.ReLU)]
                [MaxPool2D(2)]
                [Dense(10)]
                partial class N { }
            }
            """, """
            using StaticNet;

            namespace App
            {
                [Network(Loss = Loss.SoftmaxCrossEntropy)]
                [Input(1, 28, 28)]
                [Conv2D(8, 3, Activation.ReLU)]
                [MaxPool2D(2)]
                [Flatten]
                [Dense(10)]
                partial class N { }
            }
            """);
    }

    [Fact]
    public void InsertsAfterACommentAboveTheDense()
    {
        CodeFixHarness.Verify(Fix, """
            using StaticNet;

            [Input(2, 16)]
            [Conv1D(4, 3)]
              // classifier
              [Dense(3, Name = "head")]
            partial class N { }
            """, """
            using StaticNet;

            [Input(2, 16)]
            [Conv1D(4, 3)]
              // classifier
              [Flatten]
              [Dense(3, Name = "head")]
            partial class N { }
            """);
    }

    [Fact]
    public void InsertsIntoTheDensesAttributeList()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(1, 28, 28), Dense(10)] partial class N { }",
            "using StaticNet;\n[Input(1, 28, 28), Flatten, Dense(10)] partial class N { }");
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(1, 28, 28)] [Conv2D(4, 3), MaxPool2D(2), Dense(10)] partial class N { }",
            "using StaticNet;\n[Input(1, 28, 28)] [Conv2D(4, 3), MaxPool2D(2), Flatten, Dense(10)] partial class N { }");
        CodeFixHarness.Verify(Fix, """
            using StaticNet;

            [Input(1, 28, 28),
             Conv2D(4, 3),
             Dense(10)]
            partial class N { }
            """, """
            using StaticNet;

            [Input(1, 28, 28),
             Conv2D(4, 3),
             Flatten,
             Dense(10)]
            partial class N { }
            """);
    }

    [Fact]
    public void KeepsTheDensesQualification()
    {
        CodeFixHarness.Verify(Fix,
            "[StaticNet.Input(1, 28, 28)] [StaticNet.DenseAttribute(10)] partial class N { }",
            "[StaticNet.Input(1, 28, 28)] [StaticNet.FlattenAttribute] [StaticNet.DenseAttribute(10)] partial class N { }");
    }

    [Fact]
    public void NotOfferedForALossOnAMultiDimensionalOutput()
    {
        // The last layer is the Conv2D: it needs [Flatten] and a [Dense] of the user's size.
        CodeFixHarness.VerifyNoFix(Fix,
            "using StaticNet;\n[Network(Loss = Loss.MeanSquaredError)] [Input(1, 8, 8)] [Conv2D(4, 3)] partial class N { }");
    }

    [Fact]
    public void FixAllInsertsInEveryNetwork()
    {
        CodeFixHarness.VerifyFixAll(Fix,
            "using StaticNet;\n[Input(1, 28, 28)] [Dense(10)] partial class A { }\n[Input(3, 8, 8)] [Conv2D(4, 3)] [Dense(2)] partial class B { }",
            "using StaticNet;\n[Input(1, 28, 28)] [Flatten] [Dense(10)] partial class A { }\n[Input(3, 8, 8)] [Conv2D(4, 3)] [Flatten] [Dense(2)] partial class B { }");
    }
}
