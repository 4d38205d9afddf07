using System;
using StaticNet.Training;

namespace StaticNet.Metrics;

/// <summary>Metrics of classifiers: predicted classes, accuracy, ROC AUC.</summary>
/// <remarks>
/// The class is not called <c>Metrics</c> because a type with the name of its namespace makes <c>Metrics.X</c>
/// ambiguous in code under <c>namespace StaticNet...</c>.
/// </remarks>
public static class ClassificationMetrics
{
    /// <summary>The index of the largest value; the first one on ties; NaN values are never the largest.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("Expected at least one value; found none.", nameof(values));
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best] || float.IsNaN(values[best])) best = i;
        }
        return best;
    }

    /// <summary>
    /// The class a network's output row predicts: the index of the largest output, or for a single output (a binary
    /// logit), 1 when it is &gt; 0 and 0 otherwise.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="output"/> is empty.</exception>
    public static int PredictedClass(ReadOnlySpan<float> output) =>
        output.Length == 1 ? (output[0] > 0f ? 1 : 0) : ArgMax(output);

    /// <summary>The fraction of positions where <paramref name="predicted"/> equals <paramref name="actual"/>.</summary>
    /// <exception cref="ArgumentException">The spans are empty or differ in length.</exception>
    public static double Accuracy(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted)
    {
        if (actual.Length != predicted.Length)
            throw new ArgumentException($"Expected as many predictions as actual classes ({actual.Length}); found {predicted.Length}.", nameof(predicted));
        if (actual.IsEmpty) throw new ArgumentException("Expected at least one sample; found none.", nameof(actual));
        int correct = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if (actual[i] == predicted[i]) correct++;
        }
        return (double)correct / actual.Length;
    }

    /// <summary>The fraction of <paramref name="data"/>'s samples whose class the network predicts (see <see cref="PredictedClass"/>).</summary>
    /// <exception cref="ArgumentException">The network's and the dataset's sizes differ, or the dataset is empty.</exception>
    public static double Accuracy(INetwork network, Dataset data) => ConfusionMatrix.Compute(network, data).Accuracy;

    /// <summary>
    /// The area under the ROC curve of a binary classifier: the probability that a random positive sample scores higher
    /// than a random negative one, counting ties as one half (the Mann–Whitney U statistic with average ranks, as
    /// <c>sklearn.metrics.roc_auc_score</c>).
    /// </summary>
    /// <param name="scores">One score per sample; higher means more likely positive (a logit or a probability).</param>
    /// <param name="labels">One label per sample: 1 for positive, 0 for negative.</param>
    /// <exception cref="ArgumentException">
    /// The spans differ in length, a label is not 0 or 1, a score is NaN, or only one class is present (AUC is undefined).
    /// </exception>
    public static double RocAuc(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels)
    {
        (long positives, long negatives) = CountBinary(scores, labels, "ROC AUC needs");

        // Sort sample indices by score, give each run of tied scores the mean of its ranks, and sum the positives' ranks.
        var order = new int[scores.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        float[] sortedScores = scores.ToArray();
        Array.Sort(sortedScores, order);

        double positiveRankSum = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && sortedScores[end] == sortedScores[start]) end++;
            double averageRank = (start + 1 + end) / 2.0;   // ranks start+1 .. end, 1-based
            for (int k = start; k < end; k++)
            {
                if (labels[order[k]] == 1) positiveRankSum += averageRank;
            }
            start = end;
        }
        double u = positiveRankSum - positives * (positives + 1) / 2.0;
        return u / ((double)positives * negatives);
    }

    /// <summary>
    /// Checks binary scores and labels (equal lengths, labels 0 or 1, no NaN score, both classes present) and counts the
    /// classes; <paramref name="needs"/> starts the message when a class is missing ("ROC AUC needs").
    /// </summary>
    internal static (long Positives, long Negatives) CountBinary(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, string needs)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException($"Expected one score per label ({labels.Length}); found {scores.Length} scores.", nameof(scores));
        long positives = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] is not (0 or 1))
                throw new ArgumentException($"Expected binary labels (0 or 1); found {labels[i]} at index {i}.", nameof(labels));
            if (float.IsNaN(scores[i]))
                throw new ArgumentException($"Expected numeric scores; found NaN at index {i}.", nameof(scores));
            positives += labels[i];
        }
        long negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0)
            throw new ArgumentException($"{needs} both classes; found {positives} positive and {negatives} negative samples.", nameof(labels));
        return (positives, negatives);
    }
}
