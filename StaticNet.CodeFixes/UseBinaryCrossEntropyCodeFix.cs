using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Shapes;

namespace StaticNet.CodeFixes;

/// <summary>
/// SNET010: a single output is a yes/no answer, so the loss becomes <c>Loss.BinaryCrossEntropy</c>. The diagnostic is
/// on the last <c>[Dense]</c>; the fix edits <c>Loss = ...</c> in the <c>[Network]</c> of the same declaration (when
/// the attributes are split over partial declarations, SNET012 comes first and no fix is offered).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseBinaryCrossEntropyCodeFix)), Shared]
public sealed class UseBinaryCrossEntropyCodeFix : CodeFixProvider
{
    /// <summary>The code action's equivalence key.</summary>
    public const string EquivalenceKey = "StaticNet.UseBinaryCrossEntropy";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.SoftmaxNeedsClasses);

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
            if (Syntax.AttributeAt(root, diagnostic)?.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration) continue;
            AttributeArgumentSyntax? loss = declaration.AttributeLists
                .SelectMany(l => l.Attributes)
                .Where(a => Syntax.Is(model, a, "StaticNet.NetworkAttribute", context.CancellationToken))
                .SelectMany(a => a.ArgumentList?.Arguments ?? default)
                .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "Loss");
            if (loss is null) continue;

            // Keep the way the user qualifies the enum (Loss.X, StaticNet.Loss.X); anything else becomes Loss.BinaryCrossEntropy.
            ExpressionSyntax replacement = loss.Expression is MemberAccessExpressionSyntax member &&
                                           model.GetSymbolInfo(member, context.CancellationToken).Symbol is IFieldSymbol { ContainingType: { TypeKind: TypeKind.Enum } }
                ? member.WithName(SyntaxFactory.IdentifierName("BinaryCrossEntropy").WithTriviaFrom(member.Name))
                : SyntaxFactory.ParseExpression("Loss.BinaryCrossEntropy").WithTriviaFrom(loss.Expression);
            context.RegisterCodeFix(
                CodeAction.Create("Use Loss.BinaryCrossEntropy for a single output",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(loss.Expression, replacement))),
                    EquivalenceKey),
                diagnostic);
        }
    }
}
