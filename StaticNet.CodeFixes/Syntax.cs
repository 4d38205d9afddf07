using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace StaticNet.CodeFixes;

/// <summary>Finding the syntax a diagnostic is about, and writing attributes in the user's style.</summary>
internal static class Syntax
{
    /// <summary>The attribute a diagnostic is reported on (the analyzers report layer rules on the whole attribute).</summary>
    public static AttributeSyntax? AttributeAt(SyntaxNode root, Diagnostic diagnostic) =>
        root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>();

    /// <summary>Whether an attribute binds to a StaticNet attribute class, e.g. <c>StaticNet.InputAttribute</c>.</summary>
    public static bool Is(SemanticModel model, AttributeSyntax attribute, string fullName, System.Threading.CancellationToken cancellationToken) =>
        model.GetSymbolInfo(attribute, cancellationToken).Symbol?.ContainingType?.ToDisplayString() == fullName;

    /// <summary>A diagnostic property, or null.</summary>
    public static string? Property(Diagnostic diagnostic, string key) =>
        diagnostic.Properties.TryGetValue(key, out string? value) ? value : null;

    /// <summary>A C# string literal token for <paramref name="value"/>, escaped as needed.</summary>
    public static LiteralExpressionSyntax StringLiteral(string value) =>
        SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(value));

    /// <summary>The source text of a string literal for <paramref name="value"/>.</summary>
    public static string StringLiteralText(string value) => SyntaxFactory.Literal(value).Text;

    /// <summary>An argument's value when it is a string literal.</summary>
    public static string? LiteralValue(AttributeArgumentSyntax argument) =>
        argument.Expression is LiteralExpressionSyntax literal && literal.IsKind(SyntaxKind.StringLiteralExpression) ? literal.Token.ValueText : null;

    /// <summary>The attribute's positional (constructor) arguments.</summary>
    public static List<AttributeArgumentSyntax> Positional(AttributeSyntax attribute) =>
        attribute.ArgumentList?.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList() ?? new List<AttributeArgumentSyntax>();

    /// <summary>The attribute's <c>Property = value</c> argument, or null.</summary>
    public static AttributeArgumentSyntax? Named(AttributeSyntax attribute, string property) =>
        attribute.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == property);

    /// <summary>
    /// An attribute name written as <paramref name="like"/> is, with its last identifier changed to <paramref name="kind"/>:
    /// <c>Dense</c> → <c>Flatten</c>, <c>StaticNet.DenseAttribute</c> → <c>StaticNet.FlattenAttribute</c>.
    /// </summary>
    public static NameSyntax NameLike(NameSyntax like, string kind)
    {
        SimpleNameSyntax Rename(SimpleNameSyntax name) => Identifier(name.Identifier.ValueText.EndsWith("Attribute") ? kind + "Attribute" : kind);
        return like switch
        {
            QualifiedNameSyntax qualified => qualified.WithRight(Rename(qualified.Right)).WithoutTrivia(),
            AliasQualifiedNameSyntax alias => alias.WithName(Rename(alias.Name)).WithoutTrivia(),
            SimpleNameSyntax simple => Rename(simple),
            _ => Identifier(kind),
        };
    }

    /// <summary>An attribute parsed from its text (<c>Conv2D(16, 1, Name = "x")</c>), without surrounding trivia.</summary>
    public static AttributeSyntax ParseAttribute(string text) =>
        SyntaxFactory.ParseCompilationUnit("[" + text + "] class C { }").DescendantNodes().OfType<AttributeSyntax>().First().WithoutTrivia();

    /// <summary>
    /// Replaces <paramref name="list"/> (in <paramref name="root"/>) by <paramref name="updated"/> with <paramref name="inserted"/>
    /// right before <paramref name="target"/> (an attribute of <paramref name="updated"/>), in the user's style: inside the
    /// same attribute list when the target shares one (<c>[Input(8), Flatten, Dense(10)]</c>), otherwise as new attribute
    /// lists, each on its own line with the target's indentation when the target is on its own line, or on the same line
    /// (<c>[Input(1, 28, 28)] [Flatten] [Dense(10)]</c>).
    /// </summary>
    public static SyntaxNode InsertBefore(SyntaxNode root, AttributeListSyntax list, AttributeListSyntax updated, AttributeSyntax target,
        IReadOnlyList<AttributeSyntax> inserted)
    {
        int index = updated.Attributes.IndexOf(target);
        if (index > 0)
        {
            // Same list: "A, Dense" becomes "A, Flatten, Dense", the new comma a copy of the one before the target
            // (so one attribute per line stays one per line).
            SyntaxToken separator = updated.Attributes.GetSeparator(index - 1);
            var items = new List<SyntaxNodeOrToken>();
            foreach (SyntaxNodeOrToken item in updated.Attributes.GetWithSeparators())
            {
                if (item.IsNode && item.AsNode() == target)
                {
                    foreach (AttributeSyntax attribute in inserted)
                    {
                        items.Add(attribute.WithLeadingTrivia(target.GetLeadingTrivia()));
                        items.Add(separator);
                    }
                }
                items.Add(item);
            }
            return root.ReplaceNode(list, updated.WithAttributes(SyntaxFactory.SeparatedList<AttributeSyntax>(items)));
        }

        // New lists before the target's. Comments above the target stay above all: the new lists go right before the target.
        SyntaxTriviaList leading = list.GetLeadingTrivia();
        SyntaxToken previous = list.GetFirstToken().GetPreviousToken();
        bool ownLine = previous.IsKind(SyntaxKind.None) ||
            previous.TrailingTrivia.Any(SyntaxKind.EndOfLineTrivia) || leading.Any(SyntaxKind.EndOfLineTrivia);
        var lists = new List<SyntaxNode>();
        AttributeListSyntax NewList(AttributeSyntax attribute) => SyntaxFactory.AttributeList(Token(SyntaxKind.OpenBracketToken), null,
            SyntaxFactory.SingletonSeparatedList(attribute), Token(SyntaxKind.CloseBracketToken));
        if (ownLine)
        {
            // Each new list and the target keep the target's indentation (the whitespace after the last line break of its leading trivia).
            int lastBreak = -1;
            for (int i = 0; i < leading.Count; i++)
                if (leading[i].IsKind(SyntaxKind.EndOfLineTrivia)) lastBreak = i;
            SyntaxTriviaList indentation = SyntaxFactory.TriviaList(leading.Skip(lastBreak + 1).Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)));
            for (int i = 0; i < inserted.Count; i++)
                lists.Add(NewList(inserted[i]).WithLeadingTrivia(i == 0 ? leading : indentation).WithTrailingTrivia(EndOfLine(root)));
            lists.Add(updated.WithLeadingTrivia(indentation));
        }
        else
        {
            // Same line: separated from the target as the lists before it are (a space, or nothing for "[A][Dense]").
            bool spaced = previous.TrailingTrivia.Any(SyntaxKind.WhitespaceTrivia) || leading.Any(SyntaxKind.WhitespaceTrivia);
            SyntaxTriviaList separator = spaced ? SyntaxFactory.TriviaList(SyntaxFactory.Space) : SyntaxFactory.TriviaList();
            for (int i = 0; i < inserted.Count; i++)
                lists.Add(NewList(inserted[i]).WithLeadingTrivia(i == 0 ? leading : SyntaxFactory.TriviaList()).WithTrailingTrivia(separator));
            lists.Add(updated.WithLeadingTrivia(SyntaxFactory.TriviaList()));
        }
        return root.ReplaceNode(list, lists);
    }

    // Tokens without the elastic trivia SyntaxFactory gives by default: elastic trivia would let the code action's
    // formatter re-space the user's attribute lists around the insertion.
    private static SyntaxToken Token(SyntaxKind kind) => SyntaxFactory.Token(SyntaxFactory.TriviaList(), kind, SyntaxFactory.TriviaList());

    private static IdentifierNameSyntax Identifier(string text) =>
        SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(SyntaxFactory.TriviaList(), text, SyntaxFactory.TriviaList()));

    /// <summary>The document's line break (the first one it has), so a CRLF file stays CRLF.</summary>
    public static SyntaxTrivia EndOfLine(SyntaxNode root)
    {
        foreach (SyntaxTrivia trivia in root.DescendantTrivia())
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia)) return trivia;
        return SyntaxFactory.EndOfLine("\n");
    }
}
