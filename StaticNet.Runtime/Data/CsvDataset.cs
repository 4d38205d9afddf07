using System;
using System.Collections.Generic;
using StaticNet.Training;

namespace StaticNet.Data;

/// <summary>What <see cref="CsvLoader.Read(string, CsvOptions?)"/> loaded: the dataset, the class-name mapping and the column names.</summary>
public sealed class CsvDataset
{
    private readonly Dictionary<string, int>? _ids;

    internal CsvDataset(Dataset dataset, IReadOnlyList<string>? classNames, IReadOnlyList<string>? featureNames, IReadOnlyList<string>? targetNames)
    {
        Dataset = dataset;
        ClassNames = classNames;
        FeatureNames = featureNames;
        TargetNames = targetNames;
        if (classNames is not null)
        {
            _ids = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < classNames.Count; i++) _ids[classNames[i]] = i;
        }
    }

    /// <summary>The samples.</summary>
    public Dataset Dataset { get; }

    /// <summary>With string labels, the class name of each id (<c>ClassNames[id]</c>); otherwise null.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>With a header, the names of the feature columns in input order; otherwise null.</summary>
    public IReadOnlyList<string>? FeatureNames { get; }

    /// <summary>With a header, the name of the label column or the names of the target columns; otherwise null.</summary>
    public IReadOnlyList<string>? TargetNames { get; }

    /// <summary>The id of a class name.</summary>
    /// <exception cref="InvalidOperationException">The labels were not strings.</exception>
    /// <exception cref="KeyNotFoundException">The name is not one of <see cref="ClassNames"/>.</exception>
    public int ClassId(string name)
    {
        Throw.IfNull(name);
        if (_ids is null)
            throw new InvalidOperationException("The labels were integers, not class names; set CsvOptions.StringLabels to load class names.");
        return _ids.TryGetValue(name, out int id)
            ? id
            : throw new KeyNotFoundException($"Expected one of the {ClassNames!.Count} class names ({string.Join(", ", ClassNames)}); found '{name}'.");
    }
}
