using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using StaticNet.Generator;
using StaticNet.Generator.Shapes;

namespace StaticNet.Analyzers;

/// <summary>
/// Reports why a network declaration cannot be generated: it runs the generator's own parser and shape inference on
/// every class that carries StaticNet attributes, and puts each error on the attribute it is about.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NetworkDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => Descriptors.All;

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
    }

    private static void AnalyzeType(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        ImmutableArray<AttributeData> attributes = type.GetAttributes();
        if (!attributes.Any(Parser.IsNetworkAttribute)) return;

        if (!Parser.IsExtensible(type))
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.NotExtensible, type.Locations.FirstOrDefault(), NotExtensibleMessage(type)));
            return;
        }

        ReportSplitDeclarations(context, attributes);
        ShapeResult result = ShapeInference.Infer(Parser.ReadSpec(type));
        if (result.Network is not null)
            ReportMemberConflicts(context, type, result.Network);
        foreach (ShapeError error in result.Errors)
        {
            Location location = error.AttributeIndex >= 0 && error.AttributeIndex < attributes.Length &&
                                attributes[error.AttributeIndex].ApplicationSyntaxReference is { } reference
                ? reference.GetSyntax(context.CancellationToken).GetLocation()
                : type.Locations.FirstOrDefault() ?? Location.None;
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.ById(error.Id), location, error.Message));
        }
    }

    /// <summary>Layers are attributes in source order; over several partial declarations that order is undefined.</summary>
    private static void ReportSplitDeclarations(SymbolAnalysisContext context, ImmutableArray<AttributeData> attributes)
    {
        SyntaxNode? first = null;
        foreach (AttributeData attribute in attributes)
        {
            if (!Parser.IsNetworkAttribute(attribute) || attribute.ApplicationSyntaxReference is not { } reference) continue;
            SyntaxNode attributeSyntax = reference.GetSyntax(context.CancellationToken);
            SyntaxNode? declaration = attributeSyntax.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (first is null)
            {
                first = declaration;
            }
            else if (declaration != first)
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.SplitDeclarations, attributeSyntax.GetLocation(),
                    $"Network '{context.Symbol.Name}' has its attributes on several partial declarations, so their order (the layer order) is undefined; " +
                    "expected every [Network], [Input] and layer attribute on one declaration"));
            }
        }
    }

    /// <summary>A member the user wrote with the name of one the generator adds would not compile, with an error about generated code.</summary>
    private static void ReportMemberConflicts(SymbolAnalysisContext context, INamedTypeSymbol type, ShapedNetwork network)
    {
        var generated = GeneratedMembers.Of(network);
        foreach (ISymbol member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || !generated.TryGetValue(member.Name, out int[]? parameterCounts)) continue;
            Location? location = member.Locations.FirstOrDefault(l => l.IsInSource && !IsGenerated(l));
            if (location is null) continue;
            bool conflicts = parameterCounts is null || member is not IMethodSymbol method || parameterCounts.Contains(method.Parameters.Length) ||
                ReferenceEquals(parameterCounts, GeneratedMembers.AnyParameters);
            if (conflicts)
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.GeneratedMemberConflict, location,
                    $"'{member.Name}' is a member StaticNet generates for network '{type.Name}'; rename yours"));
        }
    }

    private static bool IsGenerated(Location location) =>
        location.SourceTree?.FilePath.EndsWith(".g.cs", System.StringComparison.OrdinalIgnoreCase) == true;

    private static string NotExtensibleMessage(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            string what = SymbolEqualityComparer.Default.Equals(t, type) ? $"Network class '{type.Name}'" : $"Type '{t.Name}', which contains network '{type.Name}',";
            if (t.IsGenericType)
                return $"{what} is generic; expected a non-generic class, since its shapes are fixed at compile time";
            if (t.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is not TypeDeclarationSyntax d || !d.Modifiers.Any(SyntaxKind.PartialKeyword)))
                return $"{what} is not partial; expected 'partial' so that the generator can add the network's code";
        }
        return $"Network class '{type.Name}' cannot be extended";
    }
}
