using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Shapes;

namespace StaticNet.CodeFixes;

/// <summary>
/// SNET016: inserts <c>[Flatten]</c> immediately before the <c>[Dense]</c> that follows a multi-dimensional output, in
/// the user's style: inside the same attribute list when the Dense shares one (<c>[Input(1, 28, 28), Flatten, Dense(10)]</c>),
/// otherwise as a new attribute list, on its own line with the Dense's indentation when the Dense is on its own line,
/// or on the same line (<c>[Input(1, 28, 28)] [Flatten] [Dense(10)]</c>). Not offered when SNET016 is reported on the
/// last layer because a loss reads a multi-dimensional output: that needs a Dense layer as well, whose size is the
/// user's call.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertFlattenCodeFix)), Shared]
public sealed class InsertFlattenCodeFix : CodeFixProvider
{
    /// <summary>The code action's equivalence key.</summary>
    public const string EquivalenceKey = "StaticNet.InsertFlatten";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.MissingFlatten);

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
            if (Syntax.AttributeAt(root, diagnostic) is not { Parent: AttributeListSyntax list } dense ||
                !Syntax.Is(model, dense, "StaticNet.DenseAttribute", context.CancellationToken))
                continue;
            context.RegisterCodeFix(
                CodeAction.Create("Insert [Flatten]",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(InsertBefore(root, list, dense))),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static SyntaxNode InsertBefore(SyntaxNode root, AttributeListSyntax list, AttributeSyntax dense) =>
        Syntax.InsertBefore(root, list, list, dense, new[] { SyntaxFactory.Attribute(Syntax.NameLike(dense.Name, "Flatten")) });
}
