namespace StaticNet.Data;

/// <summary>How <see cref="CsvLoader"/> reads a CSV file of numeric features and an integer class label per row.</summary>
public sealed class CsvOptions
{
    /// <summary>Whether the first line is a header to skip. Default false.</summary>
    public bool HasHeader { get; set; }

    /// <summary>The field separator. Default <c>','</c>.</summary>
    public char Delimiter { get; set; } = ',';

    /// <summary>
    /// The index of the label column; negative values count from the end, so -1 (the default) is the last column.
    /// Every other column is a feature, in file order.
    /// </summary>
    public int LabelColumn { get; set; } = -1;

    /// <summary>Every feature is multiplied by this, e.g. <c>1/16f</c> for pixels 0..16. Default 1.</summary>
    public float FeatureScale { get; set; } = 1f;

    /// <summary>
    /// The number of classes, or null (the default) for the largest label + 1 (at least 2, at most
    /// <see cref="CsvLoader.MaxInferredClassCount"/>: a larger label is then an error, so that one corrupt label cannot
    /// make the one-hot targets take gigabytes). Set it for data with more classes.
    /// </summary>
    public int? ClassCount { get; set; }
}
