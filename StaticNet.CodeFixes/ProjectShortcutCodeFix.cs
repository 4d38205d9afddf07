using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Shapes;

namespace StaticNet.CodeFixes;

/// <summary>
/// SNET045: projects the residual shortcut as ResNet does. Before the <c>[Add]</c> (or <c>[Multiply]</c>) it inserts a
/// 1×1 convolution with the block's filters and stride that reads the shortcut, and a BatchNorm after it
/// (<c>[Conv2D(16, 1, Stride = 2, Bias = false, From = "stem", Name = "downsample.0")] [BatchNorm(Name = "downsample.1")]</c>,
/// torchvision's <c>downsample</c>); the merge then reads the projection instead of the shortcut. Two actions: with the
/// BatchNorm (first when the network already uses BatchNorm) and the convolution alone (with its bias). The analyzer
/// works out the shortcut, the projection and the names (<c>GraphFixProperties</c>), and gives none when the insertion
/// would renumber a layer read by its default index: then nothing is offered.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ProjectShortcutCodeFix)), Shared]
public sealed class ProjectShortcutCodeFix : CodeFixProvider
{
    /// <summary>The equivalence key of the action that inserts the convolution and a BatchNorm.</summary>
    public const string WithBatchNormKey = "StaticNet.ProjectShortcut.BatchNorm";

    /// <summary>The equivalence key of the action that inserts the convolution alone.</summary>
    public const string ConvolutionOnlyKey = "StaticNet.ProjectShortcut";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.ShortcutMismatch);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (Syntax.AttributeAt(root, diagnostic) is not { Parent: AttributeListSyntax list } merge ||
                Syntax.Property(diagnostic, "From") is not { } from || Syntax.Property(diagnostic, "ConvName") is not { } convName ||
                Syntax.Property(diagnostic, "NormName") is not { } normName || Syntax.Property(diagnostic, "Filters") is not { } filters ||
                !int.TryParse(Syntax.Property(diagnostic, "Stride"), NumberStyles.None, CultureInfo.InvariantCulture, out int stride))
                continue;
            string? replaced = Syntax.Property(diagnostic, "Replace");
            if (replaced is not null && Target(merge, diagnostic, replaced) is null) continue; // not a literal the fix can change
            string strideText = stride > 1 ? ", Stride = " + stride.ToString(CultureInfo.InvariantCulture) : "";
            var actions = new List<CodeAction>
            {
                CodeAction.Create($"Project the shortcut '{from}': 1×1 convolution ({filters} filters{strideText}) and BatchNorm",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(Project(root, list, merge, diagnostic, batchNorm: true))), WithBatchNormKey),
                CodeAction.Create($"Project the shortcut '{from}': 1×1 convolution ({filters} filters{strideText})",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(Project(root, list, merge, diagnostic, batchNorm: false))), ConvolutionOnlyKey),
            };
            if (Syntax.Property(diagnostic, "UsesBatchNorm") != "true") actions.Reverse();
            foreach (CodeAction action in actions) context.RegisterCodeFix(action, diagnostic);
        }
    }

    /// <summary>The literal in the merge that names the shortcut: <c>From</c>'s, or the operand at <c>ReplaceIndex</c>.</summary>
    private static LiteralExpressionSyntax? Target(AttributeSyntax merge, Diagnostic diagnostic, string role)
    {
        string? old = Syntax.Property(diagnostic, "ReplaceOld");
        AttributeArgumentSyntax? argument = role == "From"
            ? Syntax.Named(merge, "From")
            : int.TryParse(Syntax.Property(diagnostic, "ReplaceIndex"), NumberStyles.None, CultureInfo.InvariantCulture, out int index) &&
              Syntax.Positional(merge) is var positional && index < positional.Count ? positional[index] : null;
        return argument is not null && old is not null && Syntax.LiteralValue(argument) == old ? (LiteralExpressionSyntax)argument.Expression : null;
    }

    private static SyntaxNode Project(SyntaxNode root, AttributeListSyntax list, AttributeSyntax merge, Diagnostic diagnostic, bool batchNorm)
    {
        string from = Syntax.Property(diagnostic, "From")!, convName = Syntax.Property(diagnostic, "ConvName")!, normName = Syntax.Property(diagnostic, "NormName")!;
        string stride = Syntax.Property(diagnostic, "Stride")!;
        string arguments = Syntax.Property(diagnostic, "Filters") + ", 1" + (stride == "1" ? "" : ", Stride = " + stride) + (batchNorm ? ", Bias = false" : "") +
            ", From = " + Syntax.StringLiteralText(from) + ", Name = " + Syntax.StringLiteralText(convName);
        var inserted = new List<AttributeSyntax> { Syntax.ParseAttribute("Conv2D(" + arguments + ")").WithName(Syntax.NameLike(merge.Name, "Conv2D")) };
        if (batchNorm)
            inserted.Add(Syntax.ParseAttribute("BatchNorm(Name = " + Syntax.StringLiteralText(normName) + ")").WithName(Syntax.NameLike(merge.Name, "BatchNorm")));

        // The merge reads the projection (the layer before it, or by name) instead of the shortcut.
        AttributeSyntax updatedMerge = merge;
        if (Syntax.Property(diagnostic, "Replace") is { } role && Target(merge, diagnostic, role) is { } literal)
        {
            string with = Syntax.Property(diagnostic, "ReplaceWith") ?? (batchNorm ? normName : convName);
            updatedMerge = merge.ReplaceNode(literal, Syntax.StringLiteral(with).WithTriviaFrom(literal));
        }
        AttributeListSyntax updatedList = list.ReplaceNode(merge, updatedMerge);
        AttributeSyntax target = updatedList.Attributes[list.Attributes.IndexOf(merge)];
        return Syntax.InsertBefore(root, list, updatedList, target, inserted);
    }
}
