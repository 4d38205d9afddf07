using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Shapes;

namespace StaticNet.CodeFixes;

/// <summary>
/// SNET005: declares the input flattened, as the Dense layer expects: <c>Input(1, 28, 28)</c> becomes
/// <c>Input(784)</c>, the product of the dimensions. Offered only when every dimension is a constant argument of its
/// own (not an array expression).
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
            if (Syntax.AttributeAt(root, diagnostic) is not { ArgumentList: { Arguments.Count: >= 2 } arguments } attribute ||
                !Syntax.Is(model, attribute, "StaticNet.InputAttribute", context.CancellationToken))
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
}
