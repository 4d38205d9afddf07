namespace StaticNet.CodeFixes.Tests;

public class UseBinaryCrossEntropyCodeFixTests
{
    private static readonly UseBinaryCrossEntropyCodeFix Fix = new();

    [Fact]
    public void ChangesTheLoss()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(1)] partial class N { }",
            "using StaticNet;\n[Network(Loss = Loss.BinaryCrossEntropy)] [Input(4)] [Dense(1)] partial class N { }");
        CodeFixHarness.Verify(Fix,
            "[StaticNet.Network(Loss = StaticNet.Loss.SoftmaxCrossEntropy)] [StaticNet.Input(4)] [StaticNet.Dense(8)] [StaticNet.Dense(1)] partial class N { }",
            "[StaticNet.Network(Loss = StaticNet.Loss.BinaryCrossEntropy)] [StaticNet.Input(4)] [StaticNet.Dense(8)] [StaticNet.Dense(1)] partial class N { }");
    }

    [Fact]
    public void NotOfferedWhenNetworkIsOnAnotherDeclaration()
    {
        CodeFixHarness.VerifyNoFix(Fix,
            "using StaticNet;\n[Network(Loss = Loss.SoftmaxCrossEntropy)] partial class N { }\n[Input(4)] [Dense(1)] partial class N { }");
    }
}
