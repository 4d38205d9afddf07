namespace StaticNet.CodeFixes.Tests;

public class MakePartialCodeFixTests
{
    private static readonly MakePartialCodeFix Fix = new();

    [Fact]
    public void AddsPartialToTheClass()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(4)] [Dense(3)] public class N { }",
            "using StaticNet;\n[Input(4)] [Dense(3)] public partial class N { }");
    }

    [Fact]
    public void KeepsTheIndentationWhenTheClassHasNoModifiers()
    {
        CodeFixHarness.Verify(Fix, """
            using StaticNet;

            [Input(4)]
            [Dense(3)]
            class N { }
            """, """
            using StaticNet;

            [Input(4)]
            [Dense(3)]
            partial class N { }
            """);
    }

    [Fact]
    public void AddsPartialToContainingTypesAndEveryDeclaration()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\nstatic class Outer { [Input(4)] [Dense(3)] public class N { } }",
            "using StaticNet;\nstatic partial class Outer { [Input(4)] [Dense(3)] public partial class N { } }");
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\npublic class Outer { [Input(4)] [Dense(3)] internal partial class N { } }\npartial class Outer { }",
            "using StaticNet;\npublic partial class Outer { [Input(4)] [Dense(3)] internal partial class N { } }\npartial class Outer { }");
    }

    [Fact]
    public void NotOfferedForAGenericNetwork()
    {
        CodeFixHarness.VerifyNoFix(Fix, "using StaticNet;\n[Input(4)] [Dense(3)] partial class N<T> { }");
        CodeFixHarness.VerifyNoFix(Fix, "using StaticNet;\nclass Outer<T> { [Input(4)] [Dense(3)] public class N { } }");
    }

    [Fact]
    public void FixAllSharesTheContainingType()
    {
        CodeFixHarness.VerifyFixAll(Fix,
            "using StaticNet;\nclass Outer { [Input(4)] [Dense(3)] class A { } [Input(4)] [Dense(3)] class B { } }",
            "using StaticNet;\npartial class Outer { [Input(4)] [Dense(3)] partial class A { } [Input(4)] [Dense(3)] partial class B { } }");
    }
}
