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
/// SNET011: removes the output layer's activation argument, which the loss already applies
/// (<c>Dense(10, Activation.Softmax, Name = "out")</c> becomes <c>Dense(10, Name = "out")</c>), positional or named.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveActivationCodeFix)), Shared]
public sealed class RemoveActivationCodeFix : CodeFixProvider
{
    /// <summary>The code action's equivalence key.</summary>
    public const string EquivalenceKey = "StaticNet.RemoveActivation";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.ActivationDuplicatesLoss);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (Syntax.AttributeAt(root, diagnostic) is not { ArgumentList: { } arguments } ||
                ActivationArgument(arguments) is not { } activation)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create("Remove the output activation (the loss applies it)",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(
                        root.ReplaceNode(arguments, arguments.WithArguments(arguments.Arguments.Remove(activation))))),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The constructor's second argument: <c>activation: ...</c>, or the second positional one.</summary>
    private static AttributeArgumentSyntax? ActivationArgument(AttributeArgumentListSyntax arguments)
    {
        AttributeArgumentSyntax? named = arguments.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "activation");
        if (named is not null) return named;
        var positional = arguments.Arguments.Where(a => a.NameColon is null && a.NameEquals is null).ToList();
        // A named 'units:' before it would make the positional order ambiguous; C# requires positions to match then.
        return positional.Count >= 2 && arguments.Arguments.IndexOf(positional[1]) == 1 && arguments.Arguments[0].NameColon is null
            ? positional[1]
            : null;
    }
}
