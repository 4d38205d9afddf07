using System.Collections.Immutable;
using System.Composition;
using System.Linq;
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
            if (Syntax.AttributeAt(root, diagnostic) is not { Parent: AttributeListSyntax list } duplicate ||
                list.Parent is not TypeDeclarationSyntax declaration ||
                model.GetDeclaredSymbol(declaration, context.CancellationToken) is not INamedTypeSymbol type)
                continue;

            // The first [Input] of the class, in attribute order, is the one that stays.
            AttributeData[] inputs = type.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == InputAttributeName).ToArray();
            AttributeData? mine = inputs.FirstOrDefault(a => a.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) == duplicate);
            if (inputs.Length < 2 || mine is null || mine == inputs[0] || !SameShape(inputs[0], mine)) continue;

            SyntaxNode fixedRoot = list.Attributes.Count == 1
                ? root.RemoveNode(list, SyntaxRemoveOptions.KeepNoTrivia)!
                : root.ReplaceNode(list, list.WithAttributes(list.Attributes.Remove(duplicate)));
            context.RegisterCodeFix(
                CodeAction.Create("Remove the repeated [Input]", _ => Task.FromResult(context.Document.WithSyntaxRoot(fixedRoot)), EquivalenceKey),
                diagnostic);
        }
    }

    private static bool SameShape(AttributeData a, AttributeData b) =>
        a.ConstructorArguments.Length == 1 && b.ConstructorArguments.Length == 1 &&
        a.ConstructorArguments[0].Kind == TypedConstantKind.Array && b.ConstructorArguments[0].Kind == TypedConstantKind.Array &&
        a.ConstructorArguments[0].Values.Select(v => v.Value).SequenceEqual(b.ConstructorArguments[0].Values.Select(v => v.Value));
}
