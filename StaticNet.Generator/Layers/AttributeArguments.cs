using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace StaticNet.Generator.Layers;

/// <summary>How the homes read an attribute's arguments: positional by index, named by name, each with its default.</summary>
internal static class AttributeArguments
{
    /// <summary>The int constructor argument at <paramref name="index"/>, or 0.</summary>
    public static int Int(AttributeData attribute, int index) =>
        index < attribute.ConstructorArguments.Length && attribute.ConstructorArguments[index].Value is int value ? value : 0;

    public static int NamedInt(AttributeData attribute, string name, int fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            if (argument.Key == name && argument.Value.Value is int value)
                return value;
        return fallback;
    }

    public static float NamedFloat(AttributeData attribute, string name, float fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            if (argument.Key == name && argument.Value.Value is float value)
                return value;
        return fallback;
    }

    public static bool NamedBool(AttributeData attribute, string name, bool fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            if (argument.Key == name && argument.Value.Value is bool value)
                return value;
        return fallback;
    }

    public static string? NamedString(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            if (argument.Key == name)
                return argument.Value.Value as string;
        return null;
    }
}
