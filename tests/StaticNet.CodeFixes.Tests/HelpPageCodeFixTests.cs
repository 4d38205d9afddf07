using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace StaticNet.CodeFixes.Tests;

/// <summary>Where a help page's fix is what the code fix writes, the code fix turns the page's example into the page's fix.</summary>
public class HelpPageCodeFixTests
{
    private static readonly Regex CSharpBlock = new(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline);

    public static TheoryData<string> Pages => new() { "SNET040", "SNET042", "SNET045" };

    [Theory]
    [MemberData(nameof(Pages))]
    public void TheCodeFixTurnsTheExampleIntoTheFix(string id)
    {
        string page = File.ReadAllText(Path.Combine(Root(), "docs", "diagnostics", id + ".md"));
        string[] blocks = CSharpBlock.Matches(page).Select(m => m.Groups["code"].Value).ToArray();
        Assert.Equal(2, blocks.Length);
        CodeFixProvider fix = id switch
        {
            "SNET040" => new UseDeclaredNameCodeFix(),
            "SNET042" => new ConcatenateInsteadCodeFix(),
            _ => new ProjectShortcutCodeFix(),
        };
        CodeFixHarness.Verify(fix, blocks[0], blocks[1], requireNoErrors: true);
    }

    private static string Root([CallerFilePath] string file = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));
}
