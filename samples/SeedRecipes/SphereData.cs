using System;
using StaticNet.Training;

namespace SeedRecipes;

/// <summary>
/// The honest synthetic stand-in for the article's binary data, which it leaves out (<c>train_data = ...</c>): ten
/// features, each drawn independently from the standard normal distribution; the label is 1 when the squared length of
/// the first five features exceeds 4.35146 (the median of the χ² distribution with 5 degrees of freedom) and 0
/// otherwise. Features 6–10 are pure noise. The rule is exact (no label noise), so a perfect classifier exists, but the
/// boundary is a sphere: no linear model does better than chance on it.
/// </summary>
/// <remarks>
/// <see cref="Balanced"/> draws points until it has as many of each class as asked, as the article's 500 positive and
/// 500 negative texts; <see cref="Draw"/> draws them as they come (about half of each), for a large fresh test set.
/// Normal deviates come from <see cref="Random"/> with a seed, by the Box–Muller transform, so a seed gives the same
/// data on every machine.
/// </remarks>
public static class SphereData
{
    /// <summary>The number of features.</summary>
    public const int Features = 10;

    /// <summary>The number of leading features whose squared length decides the label.</summary>
    public const int InformativeFeatures = 5;

    /// <summary>The median of χ²(5): a point is positive when its first five features' squared length is above it.</summary>
    public const double Threshold = 4.35146;

    /// <summary>Exactly <paramref name="perClass"/> samples of each class, shuffled.</summary>
    public static Dataset Balanced(int perClass, int seed)
    {
        var random = new Random(seed);
        var features = new float[2 * perClass * Features];
        var targets = new float[2 * perClass];
        var counts = new int[2];
        Span<float> point = stackalloc float[Features];
        int filled = 0;
        while (filled < 2 * perClass)
        {
            int label = Sample(random, point);
            if (counts[label] == perClass) continue;
            counts[label]++;
            point.CopyTo(features.AsSpan(filled * Features, Features));
            targets[filled++] = label;
        }
        // The class quotas fill at different times; shuffle so the order says nothing about the label.
        for (int i = targets.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (targets[i], targets[j]) = (targets[j], targets[i]);
            for (int k = 0; k < Features; k++)
                (features[i * Features + k], features[j * Features + k]) = (features[j * Features + k], features[i * Features + k]);
        }
        return new Dataset(features, Features, targets, 1);
    }

    /// <summary><paramref name="count"/> samples as they come from the distribution (about half of each class).</summary>
    public static Dataset Draw(int count, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * Features];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
            targets[i] = Sample(random, features.AsSpan(i * Features, Features));
        return new Dataset(features, Features, targets, 1);
    }

    /// <summary>The label of a point under the rule.</summary>
    public static int Label(ReadOnlySpan<float> point)
    {
        double squaredLength = 0;
        for (int k = 0; k < InformativeFeatures; k++) squaredLength += (double)point[k] * point[k];
        return squaredLength > Threshold ? 1 : 0;
    }

    private static int Sample(Random random, Span<float> point)
    {
        for (int k = 0; k < Features; k += 2)
        {
            // Box–Muller: two independent standard normal deviates from two uniform ones.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            point[k] = (float)(radius * Math.Cos(2 * Math.PI * u2));
            point[k + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
        }
        return Label(point);
    }
}
