using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Shapes;

namespace StaticNet.CodeFixes;

/// <summary>
/// SNET002: removes a repeated <c>[Input]</c> (and its attribute list, when nothing else is in it). Offered only when
/// the repeat has the same shape as the first: when they differ, which one is meant is the user's call.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveDuplicateInputCodeFix)), Shared]
public sealed class RemoveDuplicateInputCodeFix : CodeFixProvider
{
    /// <summary>The code action's equivalence key.</summary>
    public const string EquivalenceKey = "StaticNet.RemoveDuplicateInput";

    private const string InputAttributeName = "StaticNet.InputAttribute";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.SeveralInputs);

    /// <summary>
    /// Its own fix-all rather than the batch fixer: repeats side by side (<c>[Input(4)] [Input(4)] [Input(4)]</c>) are
    /// adjacent edits, which the batch fixer's text-change merge drops as conflicting.
    /// </summary>
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return document;
        var duplicates = diagnostics.Select(d => Removable(root, model, d, context.CancellationToken)).OfType<AttributeSyntax>().ToList();
        return duplicates.Count == 0 ? document : document.WithSyntaxRoot(Remove(root, duplicates));
    });

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (Removable(root, model, diagnostic, context.CancellationToken) is not { } duplicate) continue;
            context.RegisterCodeFix(
                CodeAction.Create("Remove the repeated [Input]",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(Remove(root, new[] { duplicate }))), EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The repeated [Input] a diagnostic is on, when it has the same shape as the class's first [Input].</summary>
    private static AttributeSyntax? Removable(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (Syntax.AttributeAt(root, diagnostic) is not { Parent: AttributeListSyntax { Parent: TypeDeclarationSyntax declaration } } duplicate ||
            model.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol type)
            return null;

        // The first [Input] of the class, in attribute order, is the one that stays.
        AttributeData[] inputs = type.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == InputAttributeName).ToArray();
        AttributeData? mine = inputs.FirstOrDefault(a => a.ApplicationSyntaxReference?.GetSyntax(cancellationToken) == duplicate);
        return inputs.Length < 2 || mine is null || mine == inputs[0] || !SameShape(inputs[0], mine) ? null : duplicate;
    }

    /// <summary>Removes the attributes, and each attribute list left with none (with its trivia: the line or the space it took).</summary>
    private static SyntaxNode Remove(SyntaxNode root, IReadOnlyCollection<AttributeSyntax> duplicates)
    {
        var nodes = new List<SyntaxNode>();
        foreach (IGrouping<AttributeListSyntax, AttributeSyntax> inList in duplicates.GroupBy(d => (AttributeListSyntax)d.Parent!))
        {
            if (inList.Count() == inList.Key.Attributes.Count) nodes.Add(inList.Key);
            else nodes.AddRange(inList);
        }
        return root.RemoveNodes(nodes, SyntaxRemoveOptions.KeepNoTrivia)!;
    }

    private static bool SameShape(AttributeData a, AttributeData b) =>
        a.ConstructorArguments.Length == 1 && b.ConstructorArguments.Length == 1 &&
        a.ConstructorArguments[0].Kind == TypedConstantKind.Array && b.ConstructorArguments[0].Kind == TypedConstantKind.Array &&
        a.ConstructorArguments[0].Values.Select(v => v.Value).SequenceEqual(b.ConstructorArguments[0].Values.Select(v => v.Value));
}
