using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace StaticNet.CodeFixes;

/// <summary>Finding the syntax a diagnostic is about.</summary>
internal static class Syntax
{
    /// <summary>The attribute a diagnostic is reported on (the analyzers report layer rules on the whole attribute).</summary>
    public static AttributeSyntax? AttributeAt(SyntaxNode root, Diagnostic diagnostic) =>
        root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>();

    /// <summary>Whether an attribute binds to a StaticNet attribute class, e.g. <c>StaticNet.InputAttribute</c>.</summary>
    public static bool Is(SemanticModel model, AttributeSyntax attribute, string fullName, System.Threading.CancellationToken cancellationToken) =>
        model.GetSymbolInfo(attribute, cancellationToken).Symbol?.ContainingType?.ToDisplayString() == fullName;
}
