namespace StaticNet.CodeFixes.Tests;

public class RemoveActivationCodeFixTests
{
    private static readonly RemoveActivationCodeFix Fix = new();
    private const string Head = "using StaticNet;\n[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(8, Activation.ReLU, Name = \"fc1\")] ";

    [Fact]
    public void RemovesAPositionalActivation()
    {
        CodeFixHarness.Verify(Fix,
            Head + "[Dense(10, Activation.Softmax, Name = \"out\")] partial class N { }",
            Head + "[Dense(10, Name = \"out\")] partial class N { }");
        CodeFixHarness.Verify(Fix,
            Head + "[Dense(10, Activation.Softmax)] partial class N { }",
            Head + "[Dense(10)] partial class N { }");
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Network(Loss = Loss.BinaryCrossEntropy)] [Input(4)] [Dense(1, StaticNet.Activation.Sigmoid)] partial class N { }",
            "using StaticNet;\n[Network(Loss = Loss.BinaryCrossEntropy)] [Input(4)] [Dense(1)] partial class N { }");
    }

    [Fact]
    public void RemovesANamedActivation()
    {
        CodeFixHarness.Verify(Fix,
            Head + "[Dense(10, activation: Activation.Softmax, Name = \"out\")] partial class N { }",
            Head + "[Dense(10, Name = \"out\")] partial class N { }");
        CodeFixHarness.Verify(Fix,
            Head + "[Dense(activation: Activation.Softmax, units: 10)] partial class N { }",
            Head + "[Dense(units: 10)] partial class N { }");
    }

    [Fact]
    public void NotOfferedWhenTheActivationIsNotAnArgument()
    {
        // The analyzer reports SNET011 only when the activation is written on the attribute, so the guard is checked
        // with a diagnostic placed by hand on an attribute that has none (a stale diagnostic, as the IDE may hold).
        CodeFixHarness.VerifyNoFixAt(Fix, Head + "[Dense(10)] partial class N { }", "Dense(10)");
    }

    [Fact]
    public void FixAllInTheDocument()
    {
        CodeFixHarness.VerifyFixAll(Fix,
            "using StaticNet;\n[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(3, Activation.Softmax)] partial class A { }\n" +
            "[Network(Loss = Loss.BinaryCrossEntropy)] [Input(4)] [Dense(1, activation: Activation.Sigmoid, Name = \"out\")] partial class B { }",
            "using StaticNet;\n[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(3)] partial class A { }\n" +
            "[Network(Loss = Loss.BinaryCrossEntropy)] [Input(4)] [Dense(1, Name = \"out\")] partial class B { }");
    }
}
