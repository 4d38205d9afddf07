using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Shapes;

namespace StaticNet.CodeFixes;

/// <summary>
/// SNET043: removes an unused branch: the layer nothing reads and the layers before it that only the branch reads
/// (the analyzer lists them, <c>GraphFixProperties</c>). What the network computes does not change, since nothing
/// reached the output through them. Not offered for an input nothing reads (removing it would change the network's
/// methods), nor when the removal would renumber a layer read by its default index. The other repair, feeding the
/// branch into a merge, is the user's call (which merge, and whether the shapes fit), so it is not offered.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveUnusedBranchCodeFix)), Shared]
public sealed class RemoveUnusedBranchCodeFix : CodeFixProvider
{
    /// <summary>The code action's equivalence key.</summary>
    public const string EquivalenceKey = "StaticNet.RemoveUnusedBranch";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.UnusedBranch);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (Syntax.AttributeAt(root, diagnostic) is not { } attribute || Syntax.Property(diagnostic, "Remove") is not { } remove ||
                attribute.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration ||
                model.GetDeclaredSymbol(declaration, context.CancellationToken) is not INamedTypeSymbol type)
                continue;
            List<AttributeSyntax>? removed = Attributes(type, root, remove, context.CancellationToken);
            if (removed is null || !removed.Contains(attribute)) continue;
            string[] names = (Syntax.Property(diagnostic, "Layers") ?? "").Split('\n');
            string title = removed.Count == 1
                ? $"Remove the unused layer '{names[0]}'"
                : $"Remove the unused branch ({removed.Count} layers: {string.Join(", ", names.Select(n => "'" + n + "'"))})";
            context.RegisterCodeFix(
                CodeAction.Create(title, _ => Task.FromResult(context.Document.WithSyntaxRoot(Remove(root, removed))), EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The attributes at the listed positions among the class's attributes, all in this document; null otherwise.</summary>
    private static List<AttributeSyntax>? Attributes(INamedTypeSymbol type, SyntaxNode root, string indices, CancellationToken cancellationToken)
    {
        ImmutableArray<AttributeData> attributes = type.GetAttributes();
        var result = new List<AttributeSyntax>();
        foreach (string text in indices.Split(','))
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= attributes.Length ||
                attributes[index].ApplicationSyntaxReference is not { } reference || reference.SyntaxTree != root.SyntaxTree ||
                reference.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
                return null;
            result.Add(syntax);
        }
        return result;
    }

    /// <summary>
    /// Removes the attributes: a list all of whose attributes go is removed whole, with its line when it has one to itself;
    /// otherwise the attributes leave their lists.
    /// </summary>
    private static SyntaxNode Remove(SyntaxNode root, List<AttributeSyntax> attributes)
    {
        var nodes = new List<SyntaxNode>();
        foreach (IGrouping<AttributeListSyntax, AttributeSyntax> group in attributes.GroupBy(a => (AttributeListSyntax)a.Parent!))
        {
            if (group.Count() == group.Key.Attributes.Count) nodes.Add(group.Key);
            else nodes.AddRange(group);
        }
        // A list that ends its line after another list on the same line ("[A] [B]⏎"): its line break stays, for the line's other lists.
        var keepBreak = new HashSet<SyntaxNode>(nodes.OfType<AttributeListSyntax>().Where(list =>
            list.GetTrailingTrivia().Any(SyntaxKind.EndOfLineTrivia) && !list.GetLeadingTrivia().Any(SyntaxKind.EndOfLineTrivia) &&
            list.GetFirstToken().GetPreviousToken() is var previous && !previous.IsKind(SyntaxKind.None) &&
            !previous.TrailingTrivia.Any(SyntaxKind.EndOfLineTrivia) && !nodes.Contains(previous.Parent!)));
        SyntaxNode result = root.TrackNodes(nodes);
        foreach (SyntaxNode node in nodes)
        {
            SyntaxNode current = result.GetCurrentNode(node)!;
            if (keepBreak.Contains(node))
            {
                // "[A] [B]⏎": the space before B goes with it (A's trailing whitespace), its line break stays.
                SyntaxToken previous = current.GetFirstToken().GetPreviousToken();
                result = result.ReplaceToken(previous, previous.WithTrailingTrivia(previous.TrailingTrivia.Where(t => !t.IsKind(SyntaxKind.WhitespaceTrivia))));
                current = result.GetCurrentNode(node)!;
                result = result.RemoveNode(current, SyntaxRemoveOptions.KeepTrailingTrivia)!;
            }
            else
            {
                result = result.RemoveNode(current, SyntaxRemoveOptions.KeepNoTrivia)!;
            }
        }
        return result;
    }
}
