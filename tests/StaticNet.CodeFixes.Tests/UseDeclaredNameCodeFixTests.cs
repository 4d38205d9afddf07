using System.Linq;

namespace StaticNet.CodeFixes.Tests;

public class UseDeclaredNameCodeFixTests
{
    private static readonly UseDeclaredNameCodeFix Fix = new();

    private const string Misspelt = """
        using StaticNet;

        [Network(Loss = Loss.MeanSquaredError)]
        [Input(8)]
        [Dense(8, Activation.ReLU, Name = "fc1")]
        [Dense(8, Name = "fc2")]
        [Add("fc")]
        [Dense(1)]
        partial class Residual { }
        """;

    [Fact]
    public void OffersEachClosestNameInDeclarationOrder()
    {
        // The help page's example: 'fc' is one edit from fc1 and from fc2; 'input' and the default indices are too far.
        CodeFixHarness.Verify(Fix, Misspelt, Misspelt.Replace("[Add(\"fc\")]", "[Add(\"fc1\")]"), requireNoErrors: true);
        CodeFixHarness.Verify(Fix, Misspelt, Misspelt.Replace("[Add(\"fc\")]", "[Add(\"fc2\")]"), actionIndex: 1, requireNoErrors: true);
        Microsoft.CodeAnalysis.Document document = CodeFixHarness.CreateDocument(Misspelt);
        var actions = CodeFixHarness.Actions(Fix, document, CodeFixHarness.Diagnostics(document, Fix).Single());
        Assert.Equal(new[] { "Read 'fc1' instead of 'fc'", "Read 'fc2' instead of 'fc'" }, actions.Select(a => a.Title));
    }

    [Fact]
    public void FixesFromAndKeepsTheOtherArguments()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(8)] [Dense(8, Name = \"stem_relu\")] [Dense(4, Name = \"side\")] [Dense(4, From = \"stem_rleu\", Name = \"b\")] [Add(\"side\")] partial class N { }",
            "using StaticNet;\n[Input(8)] [Dense(8, Name = \"stem_relu\")] [Dense(4, Name = \"side\")] [Dense(4, From = \"stem_relu\", Name = \"b\")] [Add(\"side\")] partial class N { }", requireNoErrors: true);
    }

    [Fact]
    public void OffersTheInputsName()
    {
        CodeFixHarness.Verify(Fix,
            "using StaticNet;\n[Input(8)] [Dense(8, Name = \"a\")] [Add(\"inptu\")] partial class N { }",
            "using StaticNet;\n[Input(8)] [Dense(8, Name = \"a\")] [Add(\"input\")] partial class N { }", requireNoErrors: true);
    }

    [Fact]
    public void NothingOfferedForANameNothingResembles()
    {
        CodeFixHarness.VerifyNoFix(Fix, "using StaticNet;\n[Input(8)] [Dense(8, Name = \"encoder\")] [Add(\"shortcut\")] partial class N { }");
    }

    [Fact]
    public void DistanceCountsSwapsAsOneEdit()
    {
        Assert.Equal(1, UseDeclaredNameCodeFix.Distance("stem_rleu", "stem_relu"));
        Assert.Equal(1, UseDeclaredNameCodeFix.Distance("fc", "fc1"));
        Assert.Equal(3, UseDeclaredNameCodeFix.Distance("abc", ""));
        Assert.Equal(0, UseDeclaredNameCodeFix.Distance("block.bn2", "block.bn2"));
    }

    [Fact]
    public void FixAllAppliesTheSingleClosestName()
    {
        CodeFixHarness.VerifyFixAll(Fix,
            "using StaticNet;\n[Input(8)] [Dense(8, Name = \"trunk\")] [Dense(8, Name = \"head\")] [Add(\"trnk\")] partial class A { }\n" +
            "[Input(8)] [Dense(8, Name = \"encoder\")] [Dense(8, From = \"encodr\")] partial class B { }",
            "using StaticNet;\n[Input(8)] [Dense(8, Name = \"trunk\")] [Dense(8, Name = \"head\")] [Add(\"trunk\")] partial class A { }\n" +
            "[Input(8)] [Dense(8, Name = \"encoder\")] [Dense(8, From = \"encoder\")] partial class B { }");
    }
}
