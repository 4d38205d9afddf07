using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
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
/// SNET009: adds <c>partial</c> to every declaration of the network class, and of each type that contains it, that
/// lacks it. A generic network (or one inside a generic type) gets no fix: making it non-generic is a design change.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
public sealed class MakePartialCodeFix : CodeFixProvider
{
    /// <summary>The code action's equivalence key.</summary>
    public const string EquivalenceKey = "StaticNet.MakePartial";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.NotExtensible);

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
            if (root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration ||
                model.GetDeclaredSymbol(declaration, context.CancellationToken) is not INamedTypeSymbol type)
                continue;
            var targets = new List<TypeDeclarationSyntax>();
            bool generic = false, containers = false;
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                generic |= t.IsGenericType;
                foreach (SyntaxReference reference in t.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(context.CancellationToken) is not TypeDeclarationSyntax d || d.Modifiers.Any(SyntaxKind.PartialKeyword)) continue;
                    targets.Add(d);
                    containers |= !SymbolEqualityComparer.Default.Equals(t, type);
                }
            }
            if (generic || targets.Count == 0) continue;
            string title = containers ? $"Make '{type.Name}' and the types around it partial" : $"Make '{type.Name}' partial";
            context.RegisterCodeFix(
                CodeAction.Create(title, ct => AddPartialAsync(context.Document.Project.Solution, targets, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Solution> AddPartialAsync(Solution solution, List<TypeDeclarationSyntax> targets, CancellationToken cancellationToken)
    {
        foreach (IGrouping<SyntaxTree, TypeDeclarationSyntax> inTree in targets.GroupBy(t => t.SyntaxTree))
        {
            DocumentId? id = solution.GetDocumentId(inTree.Key);
            if (id is null) continue;
            SyntaxNode root = await inTree.Key.GetRootAsync(cancellationToken).ConfigureAwait(false);
            root = root.ReplaceNodes(inTree, (_, rewritten) => AddPartial(rewritten)); // rewritten: an outer type keeps its fixed nested one
            solution = solution.WithDocumentSyntaxRoot(id, root);
        }
        return solution;
    }

    /// <summary>Puts <c>partial</c> last among the modifiers, right before the keyword, as older language versions require.</summary>
    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax declaration)
    {
        SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (declaration.Modifiers.Count == 0)
        {
            // The keyword carries the indentation (and any comment) before it: partial takes it over.
            SyntaxToken keyword = declaration.Keyword;
            return declaration
                .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
        }
        return declaration.WithModifiers(declaration.Modifiers.Add(partial));
    }
}
