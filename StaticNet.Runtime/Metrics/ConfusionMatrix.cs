using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using StaticNet.Training;

namespace StaticNet.Metrics;

/// <summary>
/// Counts of (actual class, predicted class) pairs, and the metrics derived from them. Rows are actual classes,
/// columns predicted classes, as <c>sklearn.metrics.confusion_matrix</c>.
/// </summary>
public sealed class ConfusionMatrix
{
    // Rows of length ClassCount: _counts[actual * ClassCount + predicted].
    private readonly long[] _counts;

    /// <summary>Creates an empty matrix.</summary>
    /// <param name="classCount">The number of classes, ≥ 2.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is less than 2.</exception>
    public ConfusionMatrix(int classCount)
    {
        if (classCount < 2)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"Expected at least 2 classes; found {classCount}.");
        ClassCount = classCount;
        _counts = new long[classCount * classCount];
    }

    /// <summary>The number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>The number of samples added.</summary>
    public long Total { get; private set; }

    /// <summary>The number of samples of class <paramref name="actual"/> that were predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[Index(actual, predicted)];

    /// <summary>Counts one sample.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class is outside [0, <see cref="ClassCount"/>).</exception>
    public void Add(int actual, int predicted)
    {
        _counts[Index(actual, predicted)]++;
        Total++;
    }

    /// <summary>Sets every count to zero.</summary>
    public void Clear()
    {
        Array.Clear(_counts, 0, _counts.Length);
        Total = 0;
    }

    /// <summary>The fraction of samples on the diagonal; 0 when empty.</summary>
    public double Accuracy
    {
        get
        {
            long correct = 0;
            for (int c = 0; c < ClassCount; c++) correct += this[c, c];
            return Total == 0 ? 0 : (double)correct / Total;
        }
    }

    /// <summary>Of the samples predicted as <paramref name="c"/>, the fraction that are <paramref name="c"/>; 0 when none were predicted so.</summary>
    public double Precision(int c) => Ratio(this[c, c], ColumnSum(c));

    /// <summary>Of the samples of class <paramref name="c"/>, the fraction predicted as <paramref name="c"/>; 0 when there are none.</summary>
    public double Recall(int c) => Ratio(this[c, c], RowSum(c));

    /// <summary>The harmonic mean of <see cref="Precision"/> and <see cref="Recall"/>; 0 when both are 0.</summary>
    public double F1(int c)
    {
        double precision = Precision(c), recall = Recall(c);
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }

    /// <summary>The unweighted mean of every class's <see cref="Precision"/>.</summary>
    public double MacroPrecision => Mean(Precision);

    /// <summary>The unweighted mean of every class's <see cref="Recall"/>.</summary>
    public double MacroRecall => Mean(Recall);

    /// <summary>The unweighted mean of every class's <see cref="F1"/> (as scikit-learn's <c>f1_score(average='macro')</c>).</summary>
    public double MacroF1 => Mean(F1);

    /// <summary>
    /// Runs a network over a dataset and counts its predictions (see <see cref="ClassificationMetrics.PredictedClass"/>)
    /// against the dataset's classes (see <see cref="Dataset.GetClass"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The network's and the dataset's sizes differ, or the dataset is empty.</exception>
    public static ConfusionMatrix Compute(INetwork network, Dataset data)
    {
        Throw.IfNull(network);
        Throw.IfNull(data);
        var matrix = new ConfusionMatrix(Math.Max(2, data.OutputSize));
        matrix.AddPredictions(network, data, new float[PredictionChunkRows * network.OutputSize]);
        return matrix;
    }

    /// <summary>The number of rows that <see cref="AddPredictions"/> runs through <see cref="INetwork.ForwardBatch"/> at once.</summary>
    internal const int PredictionChunkRows = 256;

    /// <summary>
    /// Adds the network's prediction for every sample of <paramref name="data"/>, running <see cref="INetwork.ForwardBatch"/>
    /// on up to <see cref="PredictionChunkRows"/> rows at a time into <paramref name="outputs"/> (so the caller can reuse it).
    /// </summary>
    internal void AddPredictions(INetwork network, Dataset data, Span<float> outputs)
    {
        Dataset.CheckCompatible(network, data, nameof(data));
        if (data.Count == 0) throw new ArgumentException("Expected at least one sample; found an empty dataset.", nameof(data));
        int outputSize = network.OutputSize;
        int chunkRows = outputs.Length / outputSize;
        for (int start = 0; start < data.Count; start += chunkRows)
        {
            int rows = Math.Min(chunkRows, data.Count - start);
            Span<float> chunk = outputs[..(rows * outputSize)];
            network.ForwardBatch(data.Features.Slice(start * data.InputSize, rows * data.InputSize), chunk);
            for (int r = 0; r < rows; r++)
                Add(data.GetClass(start + r), ClassificationMetrics.PredictedClass(chunk.Slice(r * outputSize, outputSize)));
        }
    }

    /// <summary>The matrix as an aligned text table, rows actual and columns predicted, with class indices as names.</summary>
    public override string ToString() => ToString(null);

    /// <summary>
    /// The matrix as an aligned text table, rows actual and columns predicted, followed by each class's precision,
    /// recall and F1.
    /// </summary>
    /// <param name="classNames">One name per class, or null for the class indices.</param>
    /// <exception cref="ArgumentException"><paramref name="classNames"/> does not have <see cref="ClassCount"/> names.</exception>
    public string ToString(IReadOnlyList<string>? classNames)
    {
        if (classNames is not null && classNames.Count != ClassCount)
            throw new ArgumentException($"Expected {ClassCount} class names; found {classNames.Count}.", nameof(classNames));
        string Name(int c) => classNames?[c] ?? c.ToString(CultureInfo.InvariantCulture);

        const string Corner = "actual \\ predicted";
        int nameWidth = Corner.Length;
        int cellWidth = 1;
        for (int c = 0; c < ClassCount; c++)
        {
            nameWidth = Math.Max(nameWidth, Name(c).Length);
            cellWidth = Math.Max(cellWidth, Name(c).Length);
            for (int p = 0; p < ClassCount; p++)
                cellWidth = Math.Max(cellWidth, this[c, p].ToString(CultureInfo.InvariantCulture).Length);
        }

        var text = new StringBuilder();
        text.Append(Corner.PadRight(nameWidth));
        for (int p = 0; p < ClassCount; p++) text.Append("  ").Append(Name(p).PadLeft(cellWidth));
        text.Append("  |").Append("precision".PadLeft(10)).Append("recall".PadLeft(8)).Append("f1".PadLeft(8)).AppendLine();
        for (int c = 0; c < ClassCount; c++)
        {
            text.Append(Name(c).PadRight(nameWidth));
            for (int p = 0; p < ClassCount; p++)
                text.Append("  ").Append(this[c, p].ToString(CultureInfo.InvariantCulture).PadLeft(cellWidth));
            text.Append("  |").Append(Format(Precision(c), 10)).Append(Format(Recall(c), 8)).Append(Format(F1(c), 8)).AppendLine();
        }
        text.Append(FormattableString.Invariant($"accuracy {Accuracy:0.0000} of {Total}; macro precision {MacroPrecision:0.0000}, recall {MacroRecall:0.0000}, F1 {MacroF1:0.0000}"));
        return text.ToString();
    }

    private static string Format(double value, int width) => value.ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(width);

    private int Index(int actual, int predicted)
    {
        if ((uint)actual >= (uint)ClassCount)
            throw new ArgumentOutOfRangeException(nameof(actual), actual, $"Expected a class in [0, {ClassCount}); found {actual}.");
        if ((uint)predicted >= (uint)ClassCount)
            throw new ArgumentOutOfRangeException(nameof(predicted), predicted, $"Expected a class in [0, {ClassCount}); found {predicted}.");
        return actual * ClassCount + predicted;
    }

    private long RowSum(int actual)
    {
        long sum = 0;
        for (int p = 0; p < ClassCount; p++) sum += this[actual, p];
        return sum;
    }

    private long ColumnSum(int predicted)
    {
        long sum = 0;
        for (int a = 0; a < ClassCount; a++) sum += this[a, predicted];
        return sum;
    }

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    private double Mean(Func<int, double> perClass)
    {
        double sum = 0;
        for (int c = 0; c < ClassCount; c++) sum += perClass(c);
        return sum / ClassCount;
    }
}
