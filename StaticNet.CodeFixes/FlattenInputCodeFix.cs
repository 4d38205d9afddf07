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
/// SNET005: declares an input of rank 4 or more flattened: <c>Input(1, 1, 28, 28)</c> becomes <c>Input(784)</c>, the
/// product of the dimensions. Offered only when the first layer reads a vector (<c>[Dense]</c> or <c>[Flatten]</c>;
/// a convolution or recurrent layer would then report SNET018) and every dimension is a constant argument of its own
/// (not an array expression). An input of rank 3 before a Dense is SNET016, fixed by inserting <c>[Flatten]</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FlattenInputCodeFix)), Shared]
public sealed class FlattenInputCodeFix : CodeFixProvider
{
    /// <summary>The code action's equivalence key.</summary>
    public const string EquivalenceKey = "StaticNet.FlattenInput";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.UnsupportedInputRank);

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
            if (Syntax.AttributeAt(root, diagnostic) is not { ArgumentList: { Arguments.Count: > 3 } arguments } attribute ||
                !Syntax.Is(model, attribute, "StaticNet.InputAttribute", context.CancellationToken) ||
                !FirstLayerReadsVector(model, attribute, context.CancellationToken))
                continue;
            long size = 1;
            foreach (AttributeArgumentSyntax argument in arguments.Arguments)
            {
                if (argument.NameEquals is not null || argument.NameColon is not null ||
                    model.GetConstantValue(argument.Expression, context.CancellationToken) is not { HasValue: true, Value: int dimension } ||
                    dimension <= 0)
                {
                    size = -1;
                    break;
                }
                size *= dimension;
                if (size > int.MaxValue) break;
            }
            if (size <= 0 || size > int.MaxValue) continue;

            string text = size.ToString(CultureInfo.InvariantCulture);
            AttributeArgumentListSyntax flattened = arguments.WithArguments(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.AttributeArgument(SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal((int)size)))));
            context.RegisterCodeFix(
                CodeAction.Create($"Flatten the input to [Input({text})]",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(arguments, flattened))),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>Whether the StaticNet attribute written after the [Input], on the same declaration, is a Dense or a Flatten.</summary>
    private static bool FirstLayerReadsVector(SemanticModel model, AttributeSyntax input, CancellationToken cancellationToken)
    {
        if (input.Parent?.Parent is not MemberDeclarationSyntax declaration) return false;
        bool afterInput = false;
        foreach (AttributeSyntax attribute in declaration.AttributeLists.SelectMany(list => list.Attributes))
        {
            if (attribute == input) { afterInput = true; continue; }
            if (!afterInput ||
                model.GetSymbolInfo(attribute, cancellationToken).Symbol?.ContainingType is not { } type ||
                type.ContainingNamespace?.ToDisplayString() != "StaticNet" || type.Name == "NetworkAttribute")
                continue;
            return type.Name is "DenseAttribute" or "FlattenAttribute";
        }
        return false;
    }
}
