using System;
using System.Collections.Generic;
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
/// SNET040: replaces a name that no layer or input has (in <c>From = "..."</c> or a merge's operand) by one declared
/// before the layer, closest first by edit distance (insertions, deletions, substitutions and swaps of two neighbours,
/// each counting 1), one action per name: at most three, each at most <see cref="MaxDistance"/> edits away (a name
/// nothing resembles is not a typo). Fix all applies the closest name where exactly one is closest.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseDeclaredNameCodeFix)), Shared]
public sealed class UseDeclaredNameCodeFix : CodeFixProvider
{
    /// <summary>The equivalence key of the action for the single closest name (what fix all applies).</summary>
    public const string ClosestKey = "StaticNet.UseDeclaredName";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.UnknownSource);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (Syntax.AttributeAt(root, diagnostic) is not { } attribute || Syntax.Property(diagnostic, "Name") is not { } name ||
                Syntax.Property(diagnostic, "Candidates") is not { } candidates)
                continue;
            List<LiteralExpressionSyntax> literals = Literals(attribute, name, Syntax.Property(diagnostic, "Role"));
            if (literals.Count == 0) continue;
            List<(string Name, int Distance)> closest = Closest(name, candidates.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries));
            for (int i = 0; i < closest.Count; i++)
            {
                string replacement = closest[i].Name;
                bool unique = i == 0 && (closest.Count == 1 || closest[1].Distance > closest[0].Distance);
                context.RegisterCodeFix(
                    CodeAction.Create($"Read '{replacement}' instead of '{name}'",
                        _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNodes(literals,
                            (original, _) => Syntax.StringLiteral(replacement).WithTriviaFrom(original)))),
                        unique ? ClosestKey : ClosestKey + ":" + replacement),
                    diagnostic);
            }
        }
    }

    /// <summary>The most edits between a name and one offered for it: a third of the name's length, at least 2.</summary>
    public static int MaxDistance(string name) => Math.Max(2, name.Length / 3);

    /// <summary>Up to three declared names within <see cref="MaxDistance"/>, closest first; among equals, in declaration order.</summary>
    internal static List<(string Name, int Distance)> Closest(string name, IReadOnlyList<string> declared) =>
        declared.Select((candidate, order) => (Name: candidate, Distance: Distance(name, candidate), Order: order))
            .Where(c => c.Distance <= MaxDistance(name) && c.Distance < Math.Max(name.Length, c.Name.Length))
            .GroupBy(c => c.Name).Select(g => g.First())
            .OrderBy(c => c.Distance).ThenBy(c => c.Order)
            .Take(3)
            .Select(c => (c.Name, c.Distance))
            .ToList();

    /// <summary>The string literals in the attribute that name it in the given role: <c>From</c>'s, or the merge's operands.</summary>
    private static List<LiteralExpressionSyntax> Literals(AttributeSyntax attribute, string name, string? role)
    {
        IEnumerable<AttributeArgumentSyntax> arguments = role == "From"
            ? (Syntax.Named(attribute, "From") is { } from ? new[] { from } : new AttributeArgumentSyntax[0])
            : Syntax.Positional(attribute);
        return arguments.Where(a => Syntax.LiteralValue(a) == name).Select(a => (LiteralExpressionSyntax)a.Expression).ToList();
    }

    /// <summary>The optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
