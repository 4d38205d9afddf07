using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator;

/// <summary>Reads a class's StaticNet attributes into a <see cref="NetworkSpec"/>: strings, numbers and enums only.</summary>
internal static class Parser
{
    public const string InputAttributeName = "StaticNet.InputAttribute";
    public const string NetworkAttributeName = "StaticNet.NetworkAttribute";

    public static bool IsCandidate(SyntaxNode node) => node is ClassDeclarationSyntax;

    /// <summary>
    /// The spec of a class the generator can extend, or null when it cannot (not partial, generic, or nested in a type
    /// that is not partial): the analyzers report those.
    /// </summary>
    public static NetworkSpec? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || !IsExtensible(type) || OnnxPath(type) is not null)
            return null; // an imported network is the ONNX pipeline's (NetworkGenerator.Onnx.cs)
        return ParseExtensible(type, cancellationToken);
    }

    /// <summary>The spec of a class the generator can extend, from its attributes, with the keys of the members the user wrote.</summary>
    public static NetworkSpec ParseExtensible(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        var containingTypes = new List<string>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            containingTypes.Insert(0, "partial " + TypeKeyword(outer) + " " + Identifiers.Escape(outer.Name));

        return ReadSpec(type, containingTypes.ToArray()) with { UserMembers = new EquatableArray<string>(UserMemberKeys(type).ToArray()) };
    }

    /// <summary>The <c>[Network(Onnx = ...)]</c> path of a class imported from ONNX, or null.</summary>
    public static string? OnnxPath(INamedTypeSymbol type)
    {
        foreach (AttributeData attribute in type.GetAttributes())
            if (attribute.AttributeClass?.ToDisplayString() == NetworkAttributeName)
                return AttributeArguments.NamedString(attribute, "Onnx");
        return null;
    }

    /// <summary>The spec of any class, extensible or not: what the analyzers check.</summary>
    public static NetworkSpec ReadSpec(INamedTypeSymbol type, string[]? containingTypes = null)
    {
        (LossKind loss, int networkAttributeIndex, string? embeddedWeights, string? namePrefix, bool fromCaller, float huberBeta) = ReadNetworkAttribute(type);
        List<LayerSpec> layers = ReadLayers(type);
        return new NetworkSpec(
            NamespaceOf(type),
            type.Name,
            new EquatableArray<string>(containingTypes ?? new string[0]),
            HeadsLayer.ResolveLosses(loss, layers), // [Output]s without a loss take [Network]'s; without one there, the first head's makes the network train
            new EquatableArray<LayerSpec>(layers.ToArray()),
            networkAttributeIndex,
            embeddedWeights,
            NamePrefix: namePrefix ?? "",
            HuberBeta: huberBeta,
            GradientsFromCaller: fromCaller);
    }

    /// <summary>The containing namespace as C# source (keywords escaped: <c>@event.Models</c>), or null for the global one.</summary>
    private static string? NamespaceOf(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            parts.Insert(0, Identifiers.Escape(ns.Name));
        return parts.Count == 0 ? null : string.Join(".", parts);
    }

    /// <summary>Whether an attribute is one of StaticNet's network attributes.</summary>
    public static bool IsNetworkAttribute(AttributeData attribute) =>
        attribute.AttributeClass?.ToDisplayString() is { } name && (name == NetworkAttributeName || IsLayerAttribute(name));

    /// <summary>Whether a full attribute name is <c>[Input]</c> or a layer's (the registry, <see cref="LayerDefinitions"/>, knows them).</summary>
    private static bool IsLayerAttribute(string name) => name == InputAttributeName || LayerDefinitions.ForAttribute(name) is not null;

    /// <summary>The class's StaticNet layer attributes in source order, numbered as the analyzers number them.</summary>
    public static List<LayerSpec> ReadLayers(INamedTypeSymbol type)
    {
        var layers = new List<LayerSpec>();
        ImmutableArray<AttributeData> attributes = type.GetAttributes();
        for (int i = 0; i < attributes.Length; i++)
        {
            AttributeData attribute = attributes[i];
            if (attribute.AttributeClass?.ToDisplayString() is not { } name)
                continue;
            if (name == InputAttributeName)
                layers.Add(new LayerSpec(LayerKind.Input, i, ReadShape(attribute), 0, ActivationKind.None, AttributeArguments.NamedString(attribute, "Name")));
            else if (LayerDefinitions.ForAttribute(name) is { } definition)
                layers.Add(definition.Read(attribute, i, AttributeArguments.NamedString(attribute, "Name")) with
                {
                    Trainable = AttributeArguments.NamedBool(attribute, "Trainable", true), // LayerAttribute's: the same for every kind
                    From = AttributeArguments.NamedString(attribute, "From"),
                });
        }
        return HeadsLayer.Gather(PackInputs(layers)); // several [Output]s: one heads layer after the others
    }

    /// <summary>The name of the packed input that several named inputs become (not a name a layer can read).</summary>
    public const string PackedInputName = "(inputs)";

    /// <summary>
    /// Several named vector inputs (<c>[Input(6, Name = "state")] [Input(2, Name = "action")]</c>, distinct names) become
    /// one packed input (each sample: the inputs' values one after the other, in declaration order) at the first one's
    /// place, and one <see cref="LayerKind.InputSlice"/> per input at its own place, named after it. Anything else (an
    /// unnamed or repeated name, a shape that is not a vector) stays as written, and SNET002 says why.
    /// </summary>
    private static List<LayerSpec> PackInputs(List<LayerSpec> layers)
    {
        List<LayerSpec> inputs = layers.FindAll(l => l.Kind == LayerKind.Input);
        if (inputs.Count < 2 || !CanPack(inputs)) return layers;
        int total = 0;
        var packed = new List<LayerSpec>(layers.Count + 1);
        foreach (LayerSpec layer in layers)
        {
            if (layer.Kind != LayerKind.Input) { packed.Add(layer); continue; }
            if (packed.TrueForAll(l => l.Kind != LayerKind.Input))
            {
                int sum = 0;
                foreach (LayerSpec input in inputs) sum += input.Shape[0];
                packed.Add(new LayerSpec(LayerKind.Input, layer.AttributeIndex, new EquatableArray<int>(new[] { sum }), 0, ActivationKind.None, PackedInputName));
            }
            packed.Add(new LayerSpec(LayerKind.InputSlice, layer.AttributeIndex, new EquatableArray<int>(new[] { total, layer.Shape[0] }), layer.Shape[0], ActivationKind.None, layer.Name));
            total += layer.Shape[0];
        }
        return packed;
    }

    /// <summary>Whether several inputs can be packed: each named (distinct names) and a vector of at least one value.</summary>
    public static bool CanPack(List<LayerSpec> inputs)
    {
        var names = new HashSet<string>();
        long sum = 0;
        foreach (LayerSpec input in inputs)
        {
            if (input.Name is not { Length: > 0 } name || !names.Add(name) || input.Shape.Count != 1 || input.Shape[0] < 1) return false;
            sum += input.Shape[0];
        }
        return sum <= int.MaxValue / 64;
    }

    /// <summary>Whether the generator can add a part to the class (see <see cref="NotExtensibleReason"/>).</summary>
    public static bool IsExtensible(INamedTypeSymbol type) => NotExtensibleReason(type) is null;

    /// <summary>
    /// Why the generator cannot add a part to the class, or null when it can: the class and the types that contain it must
    /// be partial, not generic and not file-local, and the class itself a plain (not static, not record) class without a
    /// primary constructor. The analyzer reports the reason as SNET009; the generator then writes nothing for the class.
    /// </summary>
    public static string? NotExtensibleReason(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            string what = SymbolEqualityComparer.Default.Equals(t, type) ? $"Network class '{type.Name}'" : $"Type '{t.Name}', which contains network '{type.Name}',";
            if (t.IsGenericType)
                return $"{what} is generic; expected a non-generic class, since its shapes are fixed at compile time";
            foreach (SyntaxReference reference in t.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is not TypeDeclarationSyntax declaration || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    return $"{what} is not partial; expected 'partial' so that the generator can add the network's code";
                if (declaration.Modifiers.Any(m => m.ValueText == "file"))
                    return $"{what} is file-local ('file'); the generator's code is in another file, which cannot extend it. Remove 'file'";
            }
        }
        if (type.IsRecord)
            return $"Network class '{type.Name}' is a record; expected a 'partial class' (a record's generated equality and printing do not fit a network's buffers)";
        if (type.TypeKind != TypeKind.Class)
            return $"Network '{type.Name}' is a {type.TypeKind.ToString().ToLowerInvariant()}; expected a 'partial class'";
        if (type.IsStatic)
            return $"Network class '{type.Name}' is static; a network has instance members (its weights). Remove 'static'";
        foreach (IMethodSymbol constructor in type.InstanceConstructors)
            if (!constructor.IsImplicitlyDeclared && constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax))
                return $"Network class '{type.Name}' has a primary constructor, which the generated constructors (seed) would have to call; " +
                    "expected a class without one (declare an ordinary constructor that calls this(seed) instead)";
        return null;
    }

    /// <summary>
    /// The key of a member the user wrote, as <see cref="GeneratedMembers"/> names generated ones: <c>name</c> for a field,
    /// property, event or nested type, <c>name(n)</c> for a method of n parameters, <c>.ctor(…)</c> for a constructor
    /// the generated ones would clash with (none, or one int). Null for a member that cannot clash.
    /// </summary>
    public static string? MemberKey(ISymbol member)
    {
        if (member.IsImplicitlyDeclared) return null;
        return member switch
        {
            IMethodSymbol { MethodKind: MethodKind.Constructor } constructor =>
                constructor.Parameters.Length == 0 ? GeneratedMembers.Key(".ctor", 0)
                : constructor.Parameters.Length == 1 && constructor.Parameters[0].Type.SpecialType == SpecialType.System_Int32 && constructor.Parameters[0].RefKind == RefKind.None
                    ? GeneratedMembers.Key(".ctor", 1)
                    : null,
            IMethodSymbol { MethodKind: MethodKind.Ordinary } method => GeneratedMembers.Key(method.Name, method.Parameters.Length),
            IMethodSymbol => null, // operators, accessors, finalizers, explicit implementations
            IPropertySymbol { IsIndexer: true } => null,
            _ when member.CanBeReferencedByName => GeneratedMembers.Key(member.Name, -1),
            _ => null,
        };
    }

    private static IEnumerable<string> UserMemberKeys(INamedTypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers())
            if (MemberKey(member) is { } key)
                yield return key;
    }

    private static string TypeKeyword(INamedTypeSymbol type) => (type.IsRecord, type.TypeKind) switch
    {
        (true, TypeKind.Struct) => "record struct",
        (true, _) => "record",
        (_, TypeKind.Struct) => "struct",
        (_, TypeKind.Interface) => "interface",
        _ => "class",
    };

    private static (LossKind Loss, int AttributeIndex, string? EmbeddedWeights, string? NamePrefix, bool GradientsFromCaller, float HuberBeta) ReadNetworkAttribute(INamedTypeSymbol type)
    {
        ImmutableArray<AttributeData> attributes = type.GetAttributes();
        for (int i = 0; i < attributes.Length; i++)
        {
            if (attributes[i].AttributeClass?.ToDisplayString() != NetworkAttributeName) continue;
            return ((LossKind)(attributes[i].NamedArguments.FirstOrDefault(a => a.Key == "Loss").Value.Value as int? ?? 0), i,
                AttributeArguments.NamedString(attributes[i], "EmbeddedWeights"), AttributeArguments.NamedString(attributes[i], "NamePrefix"),
                AttributeArguments.NamedBool(attributes[i], "GradientsFromCaller", false),
                attributes[i].NamedArguments.FirstOrDefault(a => a.Key == "HuberBeta").Value.Value as float? ?? 1f); // PyTorch's default β
        }
        return (LossKind.None, -1, null, null, false, 1f);
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
}
