using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator.Model;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator;

/// <summary>
/// Emits the code of every class marked with <c>[Input]</c>: attributes → <c>NetworkSpec</c> → <c>ShapedNetwork</c> →
/// C#. A network that breaks a shape rule generates nothing; the analyzers report why.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ShapedNetwork> networks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.InputAttributeName,
                predicate: static (node, _) => Parser.IsCandidate(node),
                transform: static (attributeContext, cancellationToken) => Parser.Parse(attributeContext, cancellationToken))
            .Where(static spec => spec is not null)
            .WithTrackingName(TrackingNames.Specs)
            .Select(static (spec, _) => ShapeInference.Infer(spec!))
            .WithTrackingName(TrackingNames.Shapes)
            .Where(static result => result.Network is not null && !GeneratedMembers.HasConflict(result.Network))
            .Select(static (result, _) => result.Network!);

        // C# 12 inline arrays give each network fixed-size sample buffer types; older compilers and runtimes get none.
        IncrementalValueProvider<bool> inlineArrays = context.CompilationProvider
            .Select(static (compilation, _) => SupportsInlineArrays(compilation));

        IncrementalValuesProvider<GeneratedFile> files = networks
            .Combine(inlineArrays)
            .Select(static (input, _) => NetworkEmitter.Emit(input.Left, input.Right))
            .WithTrackingName(TrackingNames.Sources);

        // [Network(Onnx = ...)]: the same code, from an imported model (NetworkGenerator.Onnx.cs).
        IncrementalValuesProvider<GeneratedFile> imported = OnnxPipeline.Register(context, inlineArrays);

        // Hint names must be unique, case-insensitively: names that coincide get a hash of the exact full name.
        IncrementalValueProvider<EquatableArray<GeneratedFile>> named = files.Collect()
            .Combine(imported.Collect())
            .Select(static (all, _) => AssignHintNames(all.Left.AddRange(all.Right)));
        context.RegisterSourceOutput(named, static (output, all) =>
        {
            foreach (GeneratedFile file in all)
                output.AddSource(file.HintName, file.Source);
        });
    }

    /// <summary>
    /// Each file's final hint name: its full name (<c>Demo.DigitsNet.g.cs</c>), unless another network's differs from it
    /// only in case or in characters a hint name cannot hold; those get a stable hash of their exact name
    /// (<c>Demo.Net.1a2b3c4d.g.cs</c>). Deterministic: the same names on every build, whatever the order.
    /// </summary>
    internal static EquatableArray<GeneratedFile> AssignHintNames(ImmutableArray<GeneratedFile> files)
    {
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (GeneratedFile file in files)
        {
            string key = file.HintName.ToUpperInvariant();
            groups[key] = groups.TryGetValue(key, out int count) ? count + 1 : 1;
        }
        var identities = new HashSet<string>(StringComparer.Ordinal);
        var named = new List<GeneratedFile>(files.Length);
        foreach (GeneratedFile file in files)
        {
            if (!identities.Add(file.Identity)) continue; // one file per class
            string hint = groups[file.HintName.ToUpperInvariant()] == 1 ? file.HintName : file.HintName + "." + Identifiers.StableHash(file.Identity);
            named.Add(file with { HintName = hint + ".g.cs" });
        }
        return new EquatableArray<GeneratedFile>(named.ToArray());
    }

    private const int CSharp12 = 1200; // LanguageVersion.CSharp12, which Roslyn 4.3 does not name

    private static bool SupportsInlineArrays(Compilation compilation) =>
        compilation is CSharpCompilation { LanguageVersion: var version } && (int)version >= CSharp12 &&
        compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.InlineArrayAttribute") is not null;
}

/// <summary>The names of the pipeline's tracked steps, for the incremental-caching tests.</summary>
internal static class TrackingNames
{
    public const string Specs = nameof(Specs);
    public const string Shapes = nameof(Shapes);
    public const string Sources = nameof(Sources);
}
