using System;
using StaticNet.Training;

namespace StaticNet.Tests.Training;

internal static class SyntheticData
{
    /// <summary>Three Gaussian blobs in 2-D around (0, 2), (2, -1), (-2, -1): an easy, not perfectly separable problem.</summary>
    public static Dataset Blobs(int count, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * 2];
        var labels = new int[count];
        (float X, float Y)[] centres = { (0f, 2f), (2f, -1f), (-2f, -1f) };
        for (int i = 0; i < count; i++)
        {
            int label = i % 3;
            labels[i] = label;
            features[2 * i] = centres[label].X + Gaussian(random) * 0.8f;
            features[2 * i + 1] = centres[label].Y + Gaussian(random) * 0.8f;
        }
        return Dataset.FromLabels(features, 2, labels, 3);
    }

    /// <summary>y = 3·x0 − 2·x1 + 1 plus a little noise, with features scaled by <paramref name="scale"/>.</summary>
    public static Dataset Line(int count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var features = new float[count * 2];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            float x0 = Gaussian(random), x1 = Gaussian(random);
            features[2 * i] = x0 * scale;
            features[2 * i + 1] = x1 * scale;
            targets[i] = 3f * x0 - 2f * x1 + 1f + 0.01f * Gaussian(random);
        }
        return new Dataset(features, 2, targets, 1);
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
