using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using StaticNet.Generator;
using StaticNet.Generator.Model;
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

        if (Parser.NotExtensibleReason(type) is { } reason)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.NotExtensible, UserLocation(type), reason));
            return;
        }

        ReportSplitDeclarations(context, attributes);
        if (Parser.OnnxPath(type) is not null) return; // imported from ONNX: the generator checks the model (SNET027)
        NetworkSpec spec = Parser.ReadSpec(type);
        ShapeResult result = ShapeInference.Infer(spec);
        if (result.Network is not null)
            ReportMemberConflicts(context, type, result.Network);
        foreach (ShapeError error in result.Errors)
        {
            Location location = error.AttributeIndex >= 0 && error.AttributeIndex < attributes.Length &&
                                attributes[error.AttributeIndex].ApplicationSyntaxReference is { } reference
                ? reference.GetSyntax(context.CancellationToken).GetLocation()
                : type.Locations.FirstOrDefault() ?? Location.None;
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.ById(error.Id), location, GraphFixProperties.Of(error, spec), error.Message));
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

    /// <summary>
    /// A member the user wrote that clashes with one the generator adds (or a class named like a generated member): the
    /// generator then writes nothing for the network (so that the build reaches the analyzers: a clash inside generated
    /// code is a declaration error, and a command-line build stops at those before it runs any analyzer), and this is
    /// the one error the user sees, on their own member.
    /// </summary>
    private static void ReportMemberConflicts(SymbolAnalysisContext context, INamedTypeSymbol type, ShapedNetwork network)
    {
        var generated = GeneratedMembers.Of(network);
        if (generated.ContainsKey(type.Name))
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.GeneratedMemberConflict, UserLocation(type),
                $"Network class '{type.Name}' has the name of a member StaticNet generates for it (a member cannot have its class's name); rename the class"));
        foreach (ISymbol member in type.GetMembers())
        {
            if (Parser.MemberKey(member) is not { } key || !GeneratedMembers.Clashes(generated, key)) continue;
            Location? location = member.Locations.FirstOrDefault(l => l.IsInSource && !IsGenerated(l));
            if (location is null) continue;
            string what = member is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor
                ? $"The constructor {type.Name}({string.Join(", ", constructor.Parameters.Select(p => p.Type.ToDisplayString()))}) has the signature of one StaticNet generates for network '{type.Name}'; remove it or change its parameters"
                : $"'{member.Name}' is a member StaticNet generates for network '{type.Name}'; rename yours";
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.GeneratedMemberConflict, location, what));
        }
    }

    private static bool IsGenerated(Location location) =>
        location.SourceTree?.FilePath.EndsWith(".g.cs", System.StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The class's name in the user's source (not a generated part's).</summary>
    private static Location UserLocation(INamedTypeSymbol type) =>
        type.Locations.FirstOrDefault(l => l.IsInSource && !IsGenerated(l)) ?? type.Locations.FirstOrDefault() ?? Location.None;
}
