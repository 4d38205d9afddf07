using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Shapes;

namespace StaticNet.CodeFixes;

/// <summary>
/// SNET042: an <c>[Add]</c> or <c>[Multiply]</c> of outputs that differ only in their channels becomes a
/// <c>[Concatenate]</c> of the same operands (<c>[Add("wide")]</c> → <c>[Concatenate("wide")]</c>). The analyzer offers
/// it only when the network, shaped with the change, has no error left (the layers after the merge read more channels).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ConcatenateInsteadCodeFix)), Shared]
public sealed class ConcatenateInsteadCodeFix : CodeFixProvider
{
    /// <summary>The code action's equivalence key.</summary>
    public const string EquivalenceKey = "StaticNet.ConcatenateInstead";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.MergeShapeMismatch);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (Syntax.AttributeAt(root, diagnostic) is not { } merge || Syntax.Property(diagnostic, "Concatenate") is not { } output) continue;
            string shape = output.Length > 0 ? $" (output {output})" : "";
            context.RegisterCodeFix(
                CodeAction.Create($"Concatenate instead{shape}",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(merge.Name,
                        Syntax.NameLike(merge.Name, "Concatenate").WithTriviaFrom(merge.Name)))),
                    EquivalenceKey),
                diagnostic);
        }
    }
}
