using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Shapes;

namespace StaticNet.Analyzers;

/// <summary>
/// Every diagnostic StaticNet reports, in one table. A shape rule in <see cref="ShapeInference"/> names its ID; this
/// table gives it a title, a severity, a category and a help page. A new layer kind adds its rules there and its
/// descriptors here; the analyzer's plumbing does not change.
/// </summary>
internal static class Descriptors
{
    private const string Shapes = "StaticNet.Shapes";
    private const string Usage = "StaticNet.Usage";
    private const string HelpRoot = "https://github.com/staticnet/staticnet/blob/main/docs/diagnostics/";

    public static readonly DiagnosticDescriptor NoInput = Error(DiagnosticIds.NoInput, "Network has no [Input]", Shapes);
    public static readonly DiagnosticDescriptor SeveralInputs = Error(DiagnosticIds.SeveralInputs, "Network has several [Input] attributes", Shapes);
    public static readonly DiagnosticDescriptor NonPositiveSize = Error(DiagnosticIds.NonPositiveSize, "Size must be positive", Shapes);
    public static readonly DiagnosticDescriptor LayerBeforeInput = Error(DiagnosticIds.LayerBeforeInput, "Layer comes before [Input]", Shapes);
    public static readonly DiagnosticDescriptor UnsupportedInputRank = Error(DiagnosticIds.UnsupportedInputRank, "Input rank not supported", Shapes);
    public static readonly DiagnosticDescriptor NoLayers = Error(DiagnosticIds.NoLayers, "Network has no layers", Shapes);
    public static readonly DiagnosticDescriptor DuplicateName = Error(DiagnosticIds.DuplicateName, "Layer name is used twice", Usage);
    public static readonly DiagnosticDescriptor InvalidName = Error(DiagnosticIds.InvalidName, "Layer name is not a valid module name", Usage);
    public static readonly DiagnosticDescriptor NotExtensible = Error(DiagnosticIds.NotExtensible, "Network class cannot be extended by the generator", Usage);
    public static readonly DiagnosticDescriptor SoftmaxNeedsClasses = Error(DiagnosticIds.SoftmaxNeedsClasses, "SoftmaxCrossEntropy needs at least two outputs", Shapes);
    public static readonly DiagnosticDescriptor ActivationDuplicatesLoss = Warning(DiagnosticIds.ActivationDuplicatesLoss, "Output activation duplicates the loss's", Shapes);
    public static readonly DiagnosticDescriptor SplitDeclarations = Error(DiagnosticIds.SplitDeclarations, "Network attributes are split over several partial declarations", Usage);
    public static readonly DiagnosticDescriptor TooLarge = Error(DiagnosticIds.TooLarge, "Network is too large", Shapes);
    public static readonly DiagnosticDescriptor UndefinedValue = Error(DiagnosticIds.UndefinedValue, "Enum value is not defined", Usage);
    public static readonly DiagnosticDescriptor GeneratedMemberConflict = Error(DiagnosticIds.GeneratedMemberConflict, "Member conflicts with a generated member", Usage);
    public static readonly DiagnosticDescriptor MissingFlatten = Error(DiagnosticIds.MissingFlatten, "Multi-dimensional output needs [Flatten]", Shapes);
    public static readonly DiagnosticDescriptor WindowDoesNotFit = Error(DiagnosticIds.WindowDoesNotFit, "Kernel or pooling window does not fit the input", Shapes);
    public static readonly DiagnosticDescriptor WrongInputKind = Error(DiagnosticIds.WrongInputKind, "Layer does not accept the previous layer's output", Shapes);
    public static readonly DiagnosticDescriptor InvalidOption = Error(DiagnosticIds.InvalidOption, "Layer option out of range", Usage);
    public static readonly DiagnosticDescriptor EmbeddingNotFirst = Error(DiagnosticIds.EmbeddingNotFirst, "Embedding must be the first layer, after a token input", Shapes);
    public static readonly DiagnosticDescriptor WrongSampleLength = Error(DiagnosticIds.WrongSampleLength, "Buffer does not hold one sample", Shapes);
    public static readonly DiagnosticDescriptor PartialSample = Error(DiagnosticIds.PartialSample, "Batch buffer does not hold whole samples", Shapes);
    public static readonly DiagnosticDescriptor BatchCountMismatch = Error(DiagnosticIds.BatchCountMismatch, "Batch buffers hold different numbers of samples", Shapes);
    public static readonly DiagnosticDescriptor NoLoss = Error(DiagnosticIds.NoLoss, "Network has no loss to train", Usage);
    public static readonly DiagnosticDescriptor NoStep = Error(DiagnosticIds.NoStep, "Network has no streaming Step", Usage);
    public static readonly DiagnosticDescriptor WrongTargetType = Error(DiagnosticIds.WrongTargetType, "Targets or labels of the wrong type", Usage);
    public static readonly DiagnosticDescriptor UnknownSource = Error(DiagnosticIds.UnknownSource, "Layer reads a name that is not declared", Usage);
    public static readonly DiagnosticDescriptor GraphCycle = Error(DiagnosticIds.GraphCycle, "Layer reads its own or a later output", Usage);
    public static readonly DiagnosticDescriptor MergeShapeMismatch = Error(DiagnosticIds.MergeShapeMismatch, "Merged outputs have incompatible shapes", Shapes);
    public static readonly DiagnosticDescriptor UnusedBranch = Warning(DiagnosticIds.UnusedBranch, "Layer output is never used", Shapes);
    public static readonly DiagnosticDescriptor HeadWithoutLoss = Error(DiagnosticIds.HeadWithoutLoss, "Output head is misdeclared", Usage);
    public static readonly DiagnosticDescriptor ShortcutMismatch = Error(DiagnosticIds.ShortcutMismatch, "Residual shortcut does not match the block", Shapes);

    public static ImmutableArray<DiagnosticDescriptor> All { get; } = ImmutableArray.Create(
        NoInput, SeveralInputs, NonPositiveSize, LayerBeforeInput, UnsupportedInputRank, NoLayers, DuplicateName, InvalidName,
        NotExtensible, SoftmaxNeedsClasses, ActivationDuplicatesLoss, SplitDeclarations, TooLarge, UndefinedValue,
        GeneratedMemberConflict, MissingFlatten, WindowDoesNotFit, WrongInputKind, InvalidOption, EmbeddingNotFirst,
        WrongSampleLength, PartialSample, BatchCountMismatch, NoLoss, NoStep, WrongTargetType,
        UnknownSource, GraphCycle, MergeShapeMismatch, UnusedBranch, HeadWithoutLoss, ShortcutMismatch);

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = Index();

    /// <summary>The descriptor of a shape rule's ID.</summary>
    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    private static Dictionary<string, DiagnosticDescriptor> Index()
    {
        var byId = new Dictionary<string, DiagnosticDescriptor>();
        foreach (DiagnosticDescriptor descriptor in All) byId.Add(descriptor.Id, descriptor);
        return byId;
    }

    private static DiagnosticDescriptor Error(string id, string title, string category) =>
        Create(id, title, category, DiagnosticSeverity.Error);

    private static DiagnosticDescriptor Warning(string id, string title, string category) =>
        Create(id, title, category, DiagnosticSeverity.Warning);

    private static DiagnosticDescriptor Create(string id, string title, string category, DiagnosticSeverity severity) =>
        new(id, title, messageFormat: "{0}", category, severity, isEnabledByDefault: true, helpLinkUri: HelpRoot + id + ".md");
}
