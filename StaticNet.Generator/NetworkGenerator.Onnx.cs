using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Onnx;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator;

/// <summary>
/// The pipeline of <c>[Network(Onnx = "model.onnx")]</c>: the class's header (name, loss, prefix) and the model, an
/// <c>AdditionalFiles</c> item, → <see cref="OnnxImporter"/> → the same <see cref="NetworkSpec"/> the equivalent attributes
/// give → shapes → code. Unlike attribute networks (whose rules the analyzers report), the generator reports the
/// import's errors itself (SNET027): only it reads the model.
/// </summary>
internal static class OnnxPipeline
{
    /// <summary>SNET027: the model cannot be imported (a missing or unreadable file, or an operator, attribute or shape import cannot honour).</summary>
#pragma warning disable RS2008 // release tracking is the analyzers project's; the ID is listed there with the others
    public static readonly DiagnosticDescriptor ImportError = new(
        "SNET027", "ONNX model cannot be imported", "{0}", "StaticNet.Onnx", DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: "https://github.com/staticnet/staticnet/blob/main/docs/diagnostics/SNET027.md");
#pragma warning restore RS2008

    /// <summary>The prefix of the manifest resource under which the package's targets embed each <c>StaticNetOnnx</c> item.</summary>
    public const string ResourcePrefix = "StaticNet.Onnx/";

    public static IncrementalValuesProvider<GeneratedFile> Register(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<bool> inlineArrays)
    {
        IncrementalValuesProvider<OnnxRequest> requests = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.NetworkAttributeName,
                predicate: static (node, _) => Parser.IsCandidate(node),
                transform: static (attributeContext, cancellationToken) => Request(attributeContext, cancellationToken))
            .Where(static request => request is not null)
            .Select(static (request, _) => request!);

        IncrementalValueProvider<ImmutableArray<OnnxFile>> files = context.AdditionalTextsProvider
            .Where(static text => text.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            .Select(static (text, cancellationToken) => OnnxFile.Read(text.Path))
            .Collect();

        IncrementalValuesProvider<OnnxOutcome> outcomes = requests
            .Combine(files)
            .Select(static (input, cancellationToken) => Import(input.Left, input.Right, cancellationToken));

        context.RegisterSourceOutput(outcomes, static (output, outcome) =>
        {
            foreach (string message in outcome.Errors)
                output.ReportDiagnostic(Diagnostic.Create(ImportError, outcome.Location?.ToLocation() ?? Location.None, message));
        });

        return outcomes
            .Where(static outcome => outcome.Network is not null)
            .Select(static (outcome, _) => outcome.Network!)
            .Combine(inlineArrays)
            .Select(static (input, _) => NetworkEmitter.Emit(input.Left, input.Right));
    }

    private static OnnxRequest? Request(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || Parser.OnnxPath(type) is not { } path || !Parser.IsExtensible(type))
            return null; // not imported, or SNET009 (the analyzer's)
        NetworkSpec header = Parser.ParseExtensible(type, cancellationToken);
        LocationInfo? location = context.Attributes.FirstOrDefault()?.ApplicationSyntaxReference is { } reference
            ? LocationInfo.From(reference.GetSyntax(cancellationToken).GetLocation())
            : null;
        string? problem = header.Layers.Count > 0
            ? $"Network '{type.Name}' has [Network(Onnx = \"{path}\")] and layer attributes; expected one or the other (the model's graph is the network's layers)"
            : null;
        return new OnnxRequest(header with { Layers = EquatableArray<LayerSpec>.Empty }, path, location, problem);
    }

    private static OnnxOutcome Import(OnnxRequest request, ImmutableArray<OnnxFile> files, CancellationToken cancellationToken)
    {
        if (request.Problem is not null) return OnnxOutcome.Failed(request, request.Problem);
        string wanted = Normalize(request.Path);
        OnnxFile? file = files.FirstOrDefault(f => f.NormalizedPath == wanted || f.NormalizedPath.EndsWith("/" + wanted, StringComparison.OrdinalIgnoreCase));
        if (file is null)
            return OnnxOutcome.Failed(request,
                $"ONNX file '{request.Path}' of network '{request.Header.ClassName}' is not an AdditionalFiles item of the project; expected <StaticNetOnnx Include=\"{request.Path}\" /> in the project file" +
                (files.Length == 0 ? " (the project has no .onnx AdditionalFiles)" : $" (it has: {string.Join(", ", files.Select(f => f.Path))})"));
        if (file.Bytes is null)
            return OnnxOutcome.Failed(request, $"ONNX file '{file.Path}' cannot be read: {file.ReadError}");
        cancellationToken.ThrowIfCancellationRequested();
        string resource = ResourcePrefix + Path.GetFileName(wanted);
        (NetworkSpec? spec, System.Collections.Generic.List<string> errors) = OnnxImporter.Import(request.Header, file.Bytes, request.Path, resource);
        if (spec is null) return new OnnxOutcome(null, new EquatableArray<string>(errors.ToArray()), request.Location);
        ShapeResult shapes = ShapeInference.Infer(spec);
        var messages = shapes.Errors.Where(e => !e.IsWarning).Select(e =>
            $"ONNX model '{request.Path}': {Describe(spec, e.AttributeIndex)}: {e.Message} ({e.Id})").ToArray();
        if (shapes.Network is null || messages.Length > 0)
            return new OnnxOutcome(null, new EquatableArray<string>(messages.Length > 0 ? messages : new[] { $"ONNX model '{request.Path}' gives no network" }), request.Location);
        if (GeneratedMembers.HasConflict(shapes.Network))
            return OnnxOutcome.Failed(request, $"Network '{request.Header.ClassName}' declares a member that the generated code needs (a constructor, Forward, Parameters, …); rename it");
        return new OnnxOutcome(shapes.Network, EquatableArray<string>.Empty, request.Location);
    }

    private static string Describe(NetworkSpec spec, int layerIndex) =>
        spec.Onnx is { } onnx && layerIndex >= 0 && layerIndex < onnx.LayerNodes.Count ? "node " + onnx.LayerNodes[layerIndex] : "the network";

    private static string Normalize(string path) => path.Replace('\\', '/').TrimStart('.', '/');
}

/// <summary>A class marked <c>[Network(Onnx = ...)]</c>: its header spec (no layers), the path and where to report.</summary>
internal sealed record OnnxRequest(NetworkSpec Header, string Path, LocationInfo? Location, string? Problem);

/// <summary>The import's result: the shaped network, or the errors to report at the attribute.</summary>
internal sealed record OnnxOutcome(ShapedNetwork? Network, EquatableArray<string> Errors, LocationInfo? Location)
{
    public static OnnxOutcome Failed(OnnxRequest request, string message) => new(null, new EquatableArray<string>(new[] { message }), request.Location);
}

/// <summary>A location as values (the pipeline's cache compares it), turned back into a <see cref="Location"/> to report.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location location) =>
        location.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}

/// <summary>An .onnx <c>AdditionalFiles</c> item's bytes (compared by content, so that an unchanged model is not imported again).</summary>
internal sealed class OnnxFile : IEquatable<OnnxFile>
{
    private OnnxFile(string path, byte[]? bytes, string? readError)
    {
        Path = path;
        NormalizedPath = path.Replace('\\', '/');
        Bytes = bytes;
        ReadError = readError;
    }

    public string Path { get; }
    public string NormalizedPath { get; }
    public byte[]? Bytes { get; }
    public string? ReadError { get; }

    /// <summary>
    /// Reads the file. An <c>AdditionalText</c> gives only decoded text, which cannot hold a binary protobuf, so the
    /// generator reads the bytes at the item's path; the pipeline reruns when the item changes.
    /// </summary>
    public static OnnxFile Read(string path)
    {
#pragma warning disable RS1035 // File IO: AdditionalText has no binary form (see above)
        try { return new OnnxFile(path, File.ReadAllBytes(path), null); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException) { return new OnnxFile(path, null, e.Message); }
#pragma warning restore RS1035
    }

    public bool Equals(OnnxFile? other) =>
        other is not null && Path == other.Path && ReadError == other.ReadError &&
        (Bytes is null ? other.Bytes is null : other.Bytes is not null && Bytes.AsSpan().SequenceEqual(other.Bytes));

    public override bool Equals(object? obj) => Equals(obj as OnnxFile);

    public override int GetHashCode() => Path.GetHashCode() ^ (Bytes?.Length ?? -1);
}
