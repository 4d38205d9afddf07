using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
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
            .Where(static result => result.Network is not null)
            .Select(static (result, _) => result.Network!);

        // C# 12 inline arrays give each network fixed-size sample buffer types; older compilers and runtimes get none.
        IncrementalValueProvider<bool> inlineArrays = context.CompilationProvider
            .Select(static (compilation, _) => SupportsInlineArrays(compilation));

        IncrementalValuesProvider<GeneratedFile> files = networks
            .Combine(inlineArrays)
            .Select(static (input, _) => NetworkEmitter.Emit(input.Left, input.Right))
            .WithTrackingName(TrackingNames.Sources);

        context.RegisterSourceOutput(files, static (output, file) => output.AddSource(file.HintName, file.Source));
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
