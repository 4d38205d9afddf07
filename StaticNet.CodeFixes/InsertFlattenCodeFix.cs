using System.Collections.Generic;
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

    private static SyntaxNode InsertBefore(SyntaxNode root, AttributeListSyntax list, AttributeSyntax dense)
    {
        int index = list.Attributes.IndexOf(dense);
        AttributeSyntax flatten = SyntaxFactory.Attribute(FlattenName(dense.Name));
        if (index > 0)
        {
            // Same list: "A, Dense" becomes "A, Flatten, Dense", the new comma a copy of the one before the Dense
            // (so one attribute per line stays one per line).
            SyntaxToken separator = list.Attributes.GetSeparator(index - 1);
            var items = new List<SyntaxNodeOrToken>();
            foreach (SyntaxNodeOrToken item in list.Attributes.GetWithSeparators())
            {
                if (item.IsNode && item.AsNode() == dense)
                {
                    items.Add(flatten.WithLeadingTrivia(dense.GetLeadingTrivia()));
                    items.Add(separator);
                }
                items.Add(item);
            }
            return root.ReplaceNode(list, list.WithAttributes(SyntaxFactory.SeparatedList<AttributeSyntax>(items)));
        }

        // A new list before the Dense's. Comments above the Dense stay above both: [Flatten] goes right before the Dense.
        SyntaxTriviaList leading = list.GetLeadingTrivia();
        SyntaxToken previous = list.GetFirstToken().GetPreviousToken();
        bool ownLine = previous.IsKind(SyntaxKind.None) ||
            previous.TrailingTrivia.Any(SyntaxKind.EndOfLineTrivia) || leading.Any(SyntaxKind.EndOfLineTrivia);
        AttributeListSyntax newList = SyntaxFactory.AttributeList(Token(SyntaxKind.OpenBracketToken), null,
            SyntaxFactory.SingletonSeparatedList(flatten), Token(SyntaxKind.CloseBracketToken)).WithLeadingTrivia(leading);
        AttributeListSyntax denseList;
        if (ownLine)
        {
            // The Dense keeps its indentation (the whitespace after the last line break of its leading trivia).
            int lastBreak = -1;
            for (int i = 0; i < leading.Count; i++)
                if (leading[i].IsKind(SyntaxKind.EndOfLineTrivia)) lastBreak = i;
            newList = newList.WithTrailingTrivia(EndOfLine(root));
            denseList = list.WithLeadingTrivia(leading.Skip(lastBreak + 1).Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)));
        }
        else
        {
            // Same line: separated from the Dense as the lists before it are (a space, or nothing for "[A][Dense]").
            bool spaced = previous.TrailingTrivia.Any(SyntaxKind.WhitespaceTrivia) || leading.Any(SyntaxKind.WhitespaceTrivia);
            newList = newList.WithTrailingTrivia(spaced ? SyntaxFactory.TriviaList(SyntaxFactory.Space) : SyntaxFactory.TriviaList());
            denseList = list.WithLeadingTrivia(SyntaxFactory.TriviaList());
        }

        return root.ReplaceNode(list, new SyntaxNode[] { newList, denseList });
    }

    /// <summary>The Dense's name with its last identifier changed: <c>Dense</c> → <c>Flatten</c>, <c>StaticNet.DenseAttribute</c> → <c>StaticNet.FlattenAttribute</c>.</summary>
    private static NameSyntax FlattenName(NameSyntax dense)
    {
        static SimpleNameSyntax Rename(SimpleNameSyntax name) =>
            Identifier(name.Identifier.ValueText.EndsWith("Attribute") ? "FlattenAttribute" : "Flatten");
        return dense switch
        {
            QualifiedNameSyntax qualified => qualified.WithRight(Rename(qualified.Right)).WithoutTrivia(),
            AliasQualifiedNameSyntax alias => alias.WithName(Rename(alias.Name)).WithoutTrivia(),
            SimpleNameSyntax simple => Rename(simple),
            _ => Identifier("Flatten"),
        };
    }

    // Tokens without the elastic trivia SyntaxFactory gives by default: elastic trivia would let the code action's
    // formatter re-space the user's attribute lists around the insertion.
    private static SyntaxToken Token(SyntaxKind kind) => SyntaxFactory.Token(SyntaxFactory.TriviaList(), kind, SyntaxFactory.TriviaList());

    private static IdentifierNameSyntax Identifier(string text) =>
        SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(SyntaxFactory.TriviaList(), text, SyntaxFactory.TriviaList()));

    /// <summary>The document's line break (the first one it has), so a CRLF file stays CRLF.</summary>
    private static SyntaxTrivia EndOfLine(SyntaxNode root)
    {
        foreach (SyntaxTrivia trivia in root.DescendantTrivia())
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia)) return trivia;
        return SyntaxFactory.EndOfLine("\n");
    }
}
