using System.Collections.Generic;

namespace StaticNet.Data;

/// <summary>
/// How <see cref="CsvLoader"/> reads a CSV file: which column is the class label (an integer or, with
/// <see cref="StringLabels"/>, a class name) or which columns are regression targets (<see cref="TargetColumns"/>);
/// every other column is a numeric feature.
/// </summary>
public sealed class CsvOptions
{
    /// <summary>Whether the first line is a header of column names (used in messages, and to pick columns by name). Default false.</summary>
    public bool HasHeader { get; set; }

    /// <summary>The field separator. Default <c>','</c>. It may not be <c>'"'</c>, which quotes fields (RFC 4180).</summary>
    public char Delimiter { get; set; } = ',';

    /// <summary>
    /// The index of the label column; negative values count from the end, so -1 (the default) is the last column.
    /// Every other column is a feature, in file order. Ignored when <see cref="LabelColumnName"/> or the target
    /// columns are set.
    /// </summary>
    public int LabelColumn { get; set; } = -1;

    /// <summary>The header name of the label column (needs <see cref="HasHeader"/>); null (the default) to use <see cref="LabelColumn"/>.</summary>
    public string? LabelColumnName { get; set; }

    /// <summary>
    /// Whether the labels are class names (<c>setosa</c>, <c>"Iris virginica"</c>) rather than integers. The class ids
    /// are the names' positions in <see cref="ClassNames"/> when given, else in the sorted (ordinal) list of the names
    /// found; <see cref="CsvDataset.ClassNames"/> returns the mapping. Default false.
    /// </summary>
    public bool StringLabels { get; set; }

    /// <summary>
    /// The class names in id order, to fix the mapping (so that a test file gets the training file's ids); a label not
    /// in the list is an error. Implies <see cref="StringLabels"/>. Default null.
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; set; }

    /// <summary>
    /// For regression: the indices of the target columns (negative values count from the end), in the order of the
    /// dataset's outputs; their values are kept as they are (no <see cref="FeatureScale"/>). When set there is no label
    /// column. Default null (classification).
    /// </summary>
    public IReadOnlyList<int>? TargetColumns { get; set; }

    /// <summary>For regression: the header names of the target columns (needs <see cref="HasHeader"/>), instead of <see cref="TargetColumns"/>.</summary>
    public IReadOnlyList<string>? TargetColumnNames { get; set; }

    /// <summary>Every feature is multiplied by this, e.g. <c>1/16f</c> for pixels 0..16. Default 1.</summary>
    public float FeatureScale { get; set; } = 1f;

    /// <summary>
    /// The number of classes, or null (the default) for the largest label + 1 (at least 2, at most
    /// <see cref="CsvLoader.MaxInferredClassCount"/>: a larger label is then an error, so that one corrupt label cannot
    /// make the one-hot targets take gigabytes). Set it for data with more classes. With string labels, the number of
    /// names (which may not exceed it).
    /// </summary>
    public int? ClassCount { get; set; }

    internal bool IsRegression => TargetColumns is not null || TargetColumnNames is not null;

    internal bool HasStringLabels => StringLabels || ClassNames is not null;
}
