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

    /// <summary>Every layer attribute's full name and the kind it declares.</summary>
    private static readonly Dictionary<string, LayerKind> s_layerAttributes = new()
    {
        [InputAttributeName] = LayerKind.Input,
        [DenseAttributeName] = LayerKind.Dense,
        ["StaticNet.Conv2DAttribute"] = LayerKind.Conv2D,
        ["StaticNet.Conv1DAttribute"] = LayerKind.Conv1D,
        ["StaticNet.MaxPool2DAttribute"] = LayerKind.MaxPool2D,
        ["StaticNet.AvgPool2DAttribute"] = LayerKind.AvgPool2D,
        ["StaticNet.MaxPool1DAttribute"] = LayerKind.MaxPool1D,
        ["StaticNet.AvgPool1DAttribute"] = LayerKind.AvgPool1D,
        ["StaticNet.GlobalAvgPoolAttribute"] = LayerKind.GlobalAvgPool,
        ["StaticNet.FlattenAttribute"] = LayerKind.Flatten,
        ["StaticNet.BatchNormAttribute"] = LayerKind.BatchNorm,
        ["StaticNet.DropoutAttribute"] = LayerKind.Dropout,
        ["StaticNet.EmbeddingAttribute"] = LayerKind.Embedding,
        ["StaticNet.SimpleRNNAttribute"] = LayerKind.SimpleRNN,
        ["StaticNet.LSTMAttribute"] = LayerKind.LSTM,
        ["StaticNet.GRUAttribute"] = LayerKind.GRU,
    };

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
        attribute.AttributeClass?.ToDisplayString() is { } name && (name == NetworkAttributeName || s_layerAttributes.ContainsKey(name));

    /// <summary>The class's StaticNet layer attributes in source order, numbered as the analyzers number them.</summary>
    public static List<LayerSpec> ReadLayers(INamedTypeSymbol type)
    {
        var layers = new List<LayerSpec>();
        ImmutableArray<AttributeData> attributes = type.GetAttributes();
        for (int i = 0; i < attributes.Length; i++)
        {
            AttributeData attribute = attributes[i];
            if (attribute.AttributeClass?.ToDisplayString() is not { } name || !s_layerAttributes.TryGetValue(name, out LayerKind kind))
                continue;
            layers.Add(ReadLayer(kind, i, attribute));
        }
        return layers;
    }

    private static LayerSpec ReadLayer(LayerKind kind, int index, AttributeData attribute)
    {
        string? name = NamedString(attribute, "Name");
        switch (kind)
        {
            case LayerKind.Input:
                return new LayerSpec(kind, index, ReadShape(attribute), 0, ActivationKind.None, null);
            case LayerKind.Dense:
                return new LayerSpec(kind, index, EquatableArray<int>.Empty, IntArgument(attribute, 0), (ActivationKind)IntArgument(attribute, 1), name);
            case LayerKind.Conv2D:
            case LayerKind.Conv1D:
            {
                // Conv2D(filters, size[, activation]), Conv2D(filters, height, width[, activation]), Conv1D(filters, size[, activation])
                bool rectangular = attribute.ConstructorArguments.Length >= 3 && attribute.ConstructorArguments[2].Type?.SpecialType == SpecialType.System_Int32;
                int height = kind == LayerKind.Conv1D ? 1 : IntArgument(attribute, 1);
                int width = rectangular ? IntArgument(attribute, 2) : IntArgument(attribute, 1);
                var activation = (ActivationKind)IntArgument(attribute, rectangular ? 3 : 2);
                var options = new LayerOptions(
                    KernelHeight: height,
                    KernelWidth: width,
                    Stride: NamedInt(attribute, "Stride", 1),
                    Padding: NamedInt(attribute, "Padding", 0),
                    PaddingMode: (PaddingModeKind)NamedInt(attribute, "PaddingMode", 0),
                    Dilation: NamedInt(attribute, "Dilation", 1),
                    Bias: NamedBool(attribute, "Bias", true));
                return new LayerSpec(kind, index, EquatableArray<int>.Empty, IntArgument(attribute, 0), activation, name, options);
            }
            case LayerKind.MaxPool2D:
            case LayerKind.AvgPool2D:
            case LayerKind.MaxPool1D:
            case LayerKind.AvgPool1D:
                return new LayerSpec(kind, index, EquatableArray<int>.Empty, IntArgument(attribute, 0), ActivationKind.None, name,
                    new LayerOptions(Stride: NamedInt(attribute, "Stride", 0)));
            case LayerKind.BatchNorm:
                return new LayerSpec(kind, index, EquatableArray<int>.Empty, 0, ActivationKind.None, name,
                    new LayerOptions(Momentum: NamedFloat(attribute, "Momentum", 0.1f), Epsilon: NamedFloat(attribute, "Epsilon", 1e-5f)));
            case LayerKind.Dropout:
                return new LayerSpec(kind, index, EquatableArray<int>.Empty, 0, ActivationKind.None, name,
                    new LayerOptions(Rate: attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is float rate ? rate : 0f));
            case LayerKind.Embedding:
                return new LayerSpec(kind, index, EquatableArray<int>.Empty, IntArgument(attribute, 0), ActivationKind.None, name,
                    new LayerOptions(Dimension: IntArgument(attribute, 1)));
            case LayerKind.SimpleRNN:
            case LayerKind.LSTM:
            case LayerKind.GRU:
            {
                var activation = kind == LayerKind.SimpleRNN
                    ? (ActivationKind)(attribute.ConstructorArguments.Length > 1 ? IntArgument(attribute, 1) : (int)ActivationKind.Tanh)
                    : ActivationKind.None;
                return new LayerSpec(kind, index, EquatableArray<int>.Empty, IntArgument(attribute, 0), activation, name,
                    new LayerOptions(ReturnSequences: NamedBool(attribute, "ReturnSequences", false)));
            }
            default: // Flatten, GlobalAvgPool
                return new LayerSpec(kind, index, EquatableArray<int>.Empty, 0, ActivationKind.None, name);
        }
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

    private static int NamedInt(AttributeData attribute, string name, int fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            if (argument.Key == name && argument.Value.Value is int value)
                return value;
        return fallback;
    }

    private static float NamedFloat(AttributeData attribute, string name, float fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            if (argument.Key == name && argument.Value.Value is float value)
                return value;
        return fallback;
    }

    private static bool NamedBool(AttributeData attribute, string name, bool fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            if (argument.Key == name && argument.Value.Value is bool value)
                return value;
        return fallback;
    }

    private static string? NamedString(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            if (argument.Key == name)
                return argument.Value.Value as string;
        return null;
    }
}
