using Microsoft.CodeAnalysis;
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

        IncrementalValuesProvider<GeneratedFile> files = networks
            .Select(static (network, _) => NetworkEmitter.Emit(network))
            .WithTrackingName(TrackingNames.Sources);

        context.RegisterSourceOutput(files, static (output, file) => output.AddSource(file.HintName, file.Source));
    }
}

/// <summary>The names of the pipeline's tracked steps, for the incremental-caching tests.</summary>
internal static class TrackingNames
{
    public const string Specs = nameof(Specs);
    public const string Shapes = nameof(Shapes);
    public const string Sources = nameof(Sources);
}
