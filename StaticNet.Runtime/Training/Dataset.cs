using System;

namespace StaticNet.Training;

/// <summary>
/// A fixed set of samples in row-major arrays: <see cref="Count"/> rows of <see cref="InputSize"/> features and
/// <see cref="OutputSize"/> targets, and for classification data the class label of each row.
/// </summary>
/// <remarks>
/// The dataset keeps the arrays it is given (no copy, since they can be large); do not change them while it is in use.
/// Rows are contiguous, so a range of rows is one span that a network can take as a batch.
/// </remarks>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly float[] _targets;
    private readonly int[]? _labels;

    /// <summary>Creates a dataset from features and targets, e.g. for regression.</summary>
    /// <param name="features">n × <paramref name="inputSize"/> floats, row after row.</param>
    /// <param name="inputSize">The number of features of one sample, ≥ 1.</param>
    /// <param name="targets">n × <paramref name="outputSize"/> floats, row after row.</param>
    /// <param name="outputSize">The number of targets of one sample, ≥ 1.</param>
    /// <exception cref="ArgumentException">The sizes are not positive, or the arrays' lengths disagree with them.</exception>
    public Dataset(float[] features, int inputSize, float[] targets, int outputSize)
        : this(features, inputSize, targets, outputSize, labels: null)
    {
    }

    private Dataset(float[] features, int inputSize, float[] targets, int outputSize, int[]? labels)
    {
        Throw.IfNull(features);
        Throw.IfNull(targets);
        Throw.IfLessThan(inputSize, 1);
        Throw.IfLessThan(outputSize, 1);
        if (features.Length % inputSize != 0)
            throw new ArgumentException($"Expected the feature count to be a multiple of the input size {inputSize}; found {features.Length} features.", nameof(features));
        int count = features.Length / inputSize;
        if (targets.Length != (long)count * outputSize)
            throw new ArgumentException($"Expected {count} samples × {outputSize} outputs = {(long)count * outputSize} targets; found {targets.Length}.", nameof(targets));
        _features = features;
        _targets = targets;
        _labels = labels;
        Count = count;
        InputSize = inputSize;
        OutputSize = outputSize;
    }

    /// <summary>
    /// Creates a classification dataset: the targets are the one-hot encodings of <paramref name="labels"/>, so
    /// <see cref="OutputSize"/> is <paramref name="classCount"/>, and the labels are kept for metrics.
    /// </summary>
    /// <param name="features">n × <paramref name="inputSize"/> floats, row after row.</param>
    /// <param name="inputSize">The number of features of one sample, ≥ 1.</param>
    /// <param name="labels">n class indices in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">The number of classes, ≥ 2.</param>
    /// <exception cref="ArgumentException">The sizes disagree, or a label is out of range.</exception>
    public static Dataset FromLabels(float[] features, int inputSize, int[] labels, int classCount)
    {
        Throw.IfNull(features);
        Throw.IfNull(labels);
        Throw.IfLessThan(inputSize, 1);
        Throw.IfLessThan(classCount, 2);
        if (features.Length != (long)labels.Length * inputSize)
            throw new ArgumentException($"Expected {labels.Length} labels × {inputSize} features = {(long)labels.Length * inputSize} features; found {features.Length}.", nameof(features));
        var targets = new float[(long)labels.Length * classCount];
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classCount)
                throw new ArgumentException($"Expected every label in [0, {classCount}); found {label} at index {i}.", nameof(labels));
            targets[(long)i * classCount + label] = 1f;
        }
        return new Dataset(features, inputSize, targets, classCount, labels);
    }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>The number of features of one sample.</summary>
    public int InputSize { get; }

    /// <summary>The number of targets of one sample.</summary>
    public int OutputSize { get; }

    /// <summary>Whether the dataset has class labels (it was made by <see cref="FromLabels"/>).</summary>
    public bool HasLabels => _labels is not null;

    /// <summary>Every sample's features: <see cref="Count"/> × <see cref="InputSize"/> floats, row after row.</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>Every sample's targets: <see cref="Count"/> × <see cref="OutputSize"/> floats, row after row.</summary>
    public ReadOnlySpan<float> Targets => _targets;

    /// <summary>Every sample's class label, or an empty span when <see cref="HasLabels"/> is false.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>The features of sample <paramref name="index"/>: <see cref="InputSize"/> floats.</summary>
    public ReadOnlySpan<float> GetFeatures(int index) => _features.AsSpan(RowStart(index, InputSize), InputSize);

    /// <summary>The targets of sample <paramref name="index"/>: <see cref="OutputSize"/> floats.</summary>
    public ReadOnlySpan<float> GetTargets(int index) => _targets.AsSpan(RowStart(index, OutputSize), OutputSize);

    /// <summary>
    /// The class of sample <paramref name="index"/>: its label when the dataset has labels, otherwise the index of its
    /// largest target, or for a single target, 1 when it is ≥ 0.5 and 0 otherwise.
    /// </summary>
    public int GetClass(int index)
    {
        if (_labels is not null)
        {
            RowStart(index, 1);
            return _labels[index];
        }
        ReadOnlySpan<float> targets = GetTargets(index);
        return targets.Length == 1 ? (targets[0] >= 0.5f ? 1 : 0) : Metrics.ClassificationMetrics.ArgMax(targets);
    }

    /// <summary>A new dataset of the given samples, in the given order (copied); repeats are allowed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Count"/>).</exception>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var features = new float[(long)indices.Length * InputSize];
        var targets = new float[(long)indices.Length * OutputSize];
        int[]? labels = _labels is null ? null : new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int row = indices[i];
            GetFeatures(row).CopyTo(features.AsSpan(i * InputSize, InputSize));
            GetTargets(row).CopyTo(targets.AsSpan(i * OutputSize, OutputSize));
            if (labels is not null) labels[i] = _labels![row];
        }
        return new Dataset(features, InputSize, targets, OutputSize, labels);
    }

    /// <summary>Throws unless the dataset's samples fit the network's input and output sizes.</summary>
    internal static void CheckCompatible(INetwork network, Dataset data, string parameterName)
    {
        if (data.InputSize != network.InputSize || data.OutputSize != network.OutputSize)
            throw new ArgumentException($"Expected samples of {network.InputSize} inputs and {network.OutputSize} outputs (the network's sizes); " +
                                        $"found {data.InputSize} inputs and {data.OutputSize} outputs.", parameterName);
    }

    private int RowStart(int index, int rowLength)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Expected a sample index in [0, {Count}); found {index}.");
        return index * rowLength;
    }
}
