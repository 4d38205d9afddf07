using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Model;

namespace StaticNet.Generator;

/// <summary>Reads a class's StaticNet attributes into a <see cref="NetworkSpec"/>: strings, numbers and enums only.</summary>
internal static class Parser
{
    public const string InputAttributeName = "StaticNet.InputAttribute";
    public const string DenseAttributeName = "StaticNet.DenseAttribute";
    public const string NetworkAttributeName = "StaticNet.NetworkAttribute";

    public static bool IsCandidate(SyntaxNode node) => node is ClassDeclarationSyntax;

    /// <summary>
    /// The spec of a class the generator can extend, or null when it cannot (not partial, generic, or nested in a type
    /// that is not partial): the analyzers report those.
    /// </summary>
    public static NetworkSpec? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || !IsExtensible(type))
            return null;
        cancellationToken.ThrowIfCancellationRequested();

        var containingTypes = new List<string>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            containingTypes.Insert(0, "partial " + TypeKeyword(outer) + " " + outer.Name);

        return ReadSpec(type, containingTypes.ToArray());
    }

    /// <summary>The spec of any class, extensible or not: what the analyzers check.</summary>
    public static NetworkSpec ReadSpec(INamedTypeSymbol type, string[]? containingTypes = null)
    {
        (LossKind loss, int networkAttributeIndex, string? embeddedWeights) = ReadNetworkAttribute(type);
        return new NetworkSpec(
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            type.Name,
            new EquatableArray<string>(containingTypes ?? new string[0]),
            loss,
            new EquatableArray<LayerSpec>(ReadLayers(type).ToArray()),
            networkAttributeIndex,
            embeddedWeights);
    }

    /// <summary>Whether an attribute is one of StaticNet's network attributes.</summary>
    public static bool IsNetworkAttribute(AttributeData attribute) =>
        attribute.AttributeClass?.ToDisplayString() is InputAttributeName or DenseAttributeName or NetworkAttributeName;

    /// <summary>The class's StaticNet layer attributes in source order, numbered as the analyzers number them.</summary>
    public static List<LayerSpec> ReadLayers(INamedTypeSymbol type)
    {
        var layers = new List<LayerSpec>();
        ImmutableArray<AttributeData> attributes = type.GetAttributes();
        for (int i = 0; i < attributes.Length; i++)
        {
            AttributeData attribute = attributes[i];
            switch (attribute.AttributeClass?.ToDisplayString())
            {
                case InputAttributeName:
                    layers.Add(new LayerSpec(LayerKind.Input, i, ReadShape(attribute), 0, ActivationKind.None, null));
                    break;
                case DenseAttributeName:
                    layers.Add(new LayerSpec(LayerKind.Dense, i, EquatableArray<int>.Empty,
                        IntArgument(attribute, 0), (ActivationKind)IntArgument(attribute, 1), NamedString(attribute, "Name")));
                    break;
            }
        }
        return layers;
    }

    /// <summary>Whether the generator can add a part to the class: partial, not generic, in partial types.</summary>
    public static bool IsExtensible(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.IsGenericType) return false;
            foreach (SyntaxReference reference in t.DeclaringSyntaxReferences)
                if (reference.GetSyntax() is not TypeDeclarationSyntax declaration ||
                    !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    return false;
        }
        return true;
    }

    private static string TypeKeyword(INamedTypeSymbol type) => (type.IsRecord, type.TypeKind) switch
    {
        (true, TypeKind.Struct) => "record struct",
        (true, _) => "record",
        (_, TypeKind.Struct) => "struct",
        (_, TypeKind.Interface) => "interface",
        _ => "class",
    };

    private static (LossKind Loss, int AttributeIndex, string? EmbeddedWeights) ReadNetworkAttribute(INamedTypeSymbol type)
    {
        ImmutableArray<AttributeData> attributes = type.GetAttributes();
        for (int i = 0; i < attributes.Length; i++)
        {
            if (attributes[i].AttributeClass?.ToDisplayString() != NetworkAttributeName) continue;
            return ((LossKind)(attributes[i].NamedArguments.FirstOrDefault(a => a.Key == "Loss").Value.Value as int? ?? 0), i,
                NamedString(attributes[i], "EmbeddedWeights"));
        }
        return (LossKind.None, -1, null);
    }

    private static EquatableArray<int> ReadShape(AttributeData attribute)
    {
        if (attribute.ConstructorArguments.Length == 0) return EquatableArray<int>.Empty;
        TypedConstant argument = attribute.ConstructorArguments[0];
        if (argument.Kind != TypedConstantKind.Array) return EquatableArray<int>.Empty;
        var shape = new int[argument.Values.Length];
        for (int i = 0; i < shape.Length; i++)
            shape[i] = argument.Values[i].Value is int dimension ? dimension : 0;
        return new EquatableArray<int>(shape);
    }

    private static int IntArgument(AttributeData attribute, int index) =>
        index < attribute.ConstructorArguments.Length && attribute.ConstructorArguments[index].Value is int value ? value : 0;

    private static string? NamedString(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            if (argument.Key == name)
                return argument.Value.Value as string;
        return null;
    }
}
