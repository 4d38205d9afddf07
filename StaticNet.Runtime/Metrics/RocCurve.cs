using System;
using System.Collections.Generic;
using StaticNet.Training;

namespace StaticNet.Metrics;

/// <summary>One point of a ROC curve: the rates when every sample scoring at least <see cref="Threshold"/> is called positive.</summary>
/// <param name="FalsePositiveRate">The fraction of negative samples called positive.</param>
/// <param name="TruePositiveRate">The fraction of positive samples called positive (the recall).</param>
/// <param name="Threshold">The lowest score called positive; <see cref="float.PositiveInfinity"/> for the first point (none).</param>
public readonly record struct RocPoint(double FalsePositiveRate, double TruePositiveRate, float Threshold);

/// <summary>
/// The receiver operating characteristic of a binary classifier: the true-positive rate against the false-positive
/// rate as the decision threshold falls through every score, and the area under it. The points are those of
/// <c>sklearn.metrics.roc_curve(..., drop_intermediate=False)</c>: one per distinct score, from (0, 0) to (1, 1).
/// </summary>
public sealed class RocCurve
{
    private readonly RocPoint[] _points;

    private RocCurve(RocPoint[] points, long positives, long negatives)
    {
        _points = points;
        Positives = positives;
        Negatives = negatives;
        double area = 0;
        for (int i = 1; i < points.Length; i++)
            area += (points[i].FalsePositiveRate - points[i - 1].FalsePositiveRate) * (points[i].TruePositiveRate + points[i - 1].TruePositiveRate) / 2;
        Auc = area;
    }

    /// <summary>The curve's points in order of falling threshold, from (0, 0) to (1, 1).</summary>
    public IReadOnlyList<RocPoint> Points => _points;

    /// <summary>
    /// The area under the curve (trapezoids): the probability that a random positive sample scores higher than a random
    /// negative one, ties counting one half; equal to <see cref="ClassificationMetrics.RocAuc"/>.
    /// </summary>
    public double Auc { get; }

    /// <summary>The number of positive samples (label 1).</summary>
    public long Positives { get; }

    /// <summary>The number of negative samples (label 0).</summary>
    public long Negatives { get; }

    /// <summary>The ROC curve of scores against binary labels.</summary>
    /// <param name="scores">One score per sample; higher means more likely positive (a logit or a probability).</param>
    /// <param name="labels">One label per sample: 1 for positive, 0 for negative.</param>
    /// <exception cref="ArgumentException">
    /// The spans differ in length, a label is not 0 or 1, a score is NaN, or only one class is present (the curve is undefined).
    /// </exception>
    public static RocCurve Compute(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels)
    {
        (long positives, long negatives) = ClassificationMetrics.CountBinary(scores, labels, "A ROC curve needs");

        // Highest score first; each run of equal scores moves the curve once (diagonally when it mixes both classes).
        float[] sorted = scores.ToArray();
        int[] sortedLabels = labels.ToArray();
        Array.Sort(sorted, sortedLabels);
        var points = new List<RocPoint> { new(0, 0, float.PositiveInfinity) };
        long truePositives = 0, falsePositives = 0;
        for (int end = sorted.Length - 1; end >= 0;)
        {
            int start = end;
            while (start > 0 && sorted[start - 1] == sorted[end]) start--;
            for (int k = start; k <= end; k++)
            {
                if (sortedLabels[k] == 1) truePositives++;
                else falsePositives++;
            }
            points.Add(new RocPoint((double)falsePositives / negatives, (double)truePositives / positives, sorted[end]));
            end = start - 1;
        }
        return new RocCurve(points.ToArray(), positives, negatives);
    }

    /// <summary>
    /// The ROC curve of a binary classifier on a dataset: with one output (binary cross-entropy) its logit is the score,
    /// with two outputs the difference of the logits, class 1 minus class 0 (which orders samples as the softmax
    /// probability of class 1 does). The labels are the dataset's classes (<see cref="Dataset.GetClass"/>).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The network has more than two outputs, its sizes differ from the dataset's, the dataset is empty, or it holds only one class.
    /// </exception>
    public static RocCurve Compute(INetwork network, Dataset data)
    {
        Throw.IfNull(network);
        Throw.IfNull(data);
        if (network.OutputSize > 2)
            throw new ArgumentException($"A ROC curve needs a binary classifier (one or two outputs); found {network.OutputSize} outputs.", nameof(network));
        Dataset.CheckCompatible(network, data, nameof(data));
        if (data.Count == 0) throw new ArgumentException("Expected at least one sample; found an empty dataset.", nameof(data));

        int outputSize = network.OutputSize;
        var scores = new float[data.Count];
        var labels = new int[data.Count];
        var outputs = new float[ConfusionMatrix.PredictionChunkRows * outputSize];
        for (int start = 0; start < data.Count; start += ConfusionMatrix.PredictionChunkRows)
        {
            int rows = Math.Min(ConfusionMatrix.PredictionChunkRows, data.Count - start);
            Span<float> chunk = outputs.AsSpan(0, rows * outputSize);
            network.ForwardBatch(data.Features.Slice(start * data.InputSize, rows * data.InputSize), chunk);
            for (int r = 0; r < rows; r++)
            {
                scores[start + r] = outputSize == 1 ? chunk[r] : chunk[2 * r + 1] - chunk[2 * r];
                labels[start + r] = data.GetClass(start + r);
            }
        }
        return Compute(scores, labels);
    }
}
