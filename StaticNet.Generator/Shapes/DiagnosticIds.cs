namespace StaticNet.Generator.Shapes;

/// <summary>The IDs of the shape rules, shared by the generator (which skips a network that breaks one) and the analyzers (which report it).</summary>
internal static class DiagnosticIds
{
    public const string NoInput = "SNET001";
    public const string SeveralInputs = "SNET002";
    public const string NonPositiveSize = "SNET003";
    public const string LayerBeforeInput = "SNET004";
    public const string UnsupportedInputRank = "SNET005";
    public const string NoLayers = "SNET006";
    public const string DuplicateName = "SNET007";
    public const string InvalidName = "SNET008";
    public const string NotExtensible = "SNET009";
    public const string SoftmaxNeedsClasses = "SNET010";
    public const string ActivationDuplicatesLoss = "SNET011";
    public const string SplitDeclarations = "SNET012";
    public const string TooLarge = "SNET013";
    public const string UndefinedValue = "SNET014";
    public const string GeneratedMemberConflict = "SNET015";
    public const string MissingFlatten = "SNET016";
    public const string WindowDoesNotFit = "SNET017";
    public const string WrongInputKind = "SNET018";
    public const string InvalidOption = "SNET019";
    public const string EmbeddingNotFirst = "SNET024";

    // Graphs (From, merges, several inputs and heads).
    public const string UnknownSource = "SNET040";
    public const string GraphCycle = "SNET041";
    public const string MergeShapeMismatch = "SNET042";
    public const string UnusedBranch = "SNET043";
    public const string HeadWithoutLoss = "SNET044";
    public const string ShortcutMismatch = "SNET045";

    // Call sites: buffers whose length is known at compile time, and members a network does not have.
    public const string WrongSampleLength = "SNET020";
    public const string PartialSample = "SNET021";
    public const string BatchCountMismatch = "SNET022";
    public const string NoLoss = "SNET023";
    public const string NoStep = "SNET025";
    public const string WrongTargetType = "SNET026";
}
