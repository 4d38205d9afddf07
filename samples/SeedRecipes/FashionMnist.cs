using System;
using System.IO;
using StaticNet.Data;
using StaticNet.Training;

namespace SeedRecipes;

/// <summary>Fashion-MNIST from the IDX files of Debian's <c>dataset-fashion-mnist</c>, pixels scaled to [0, 1].</summary>
public sealed class FashionMnist
{
    /// <summary>Debian's location of the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class index of T-shirt/top.</summary>
    public const int TShirt = 0;

    /// <summary>The class index of Shirt.</summary>
    public const int Shirt = 6;

    private FashionMnist(Dataset train, Dataset test) => (Train, Test) = (train, test);

    /// <summary>The 60,000 training images, 10 classes.</summary>
    public Dataset Train { get; }

    /// <summary>The 10,000 test images, 10 classes.</summary>
    public Dataset Test { get; }

    /// <summary>Whether <paramref name="directory"/> holds the four files.</summary>
    public static bool IsPresent(string directory) =>
        File.Exists(Path.Combine(directory, "train-images-idx3-ubyte.gz")) && File.Exists(Path.Combine(directory, "t10k-labels-idx1-ubyte.gz"));

    /// <summary>Reads the four files of <paramref name="directory"/>.</summary>
    public static FashionMnist Load(string directory)
    {
        string Path_(string name) => Path.Combine(directory, name);
        return new FashionMnist(
            IdxReader.LoadDataset(Path_("train-images-idx3-ubyte.gz"), Path_("train-labels-idx1-ubyte.gz")),
            IdxReader.LoadDataset(Path_("t10k-images-idx3-ubyte.gz"), Path_("t10k-labels-idx1-ubyte.gz")));
    }

    /// <summary>
    /// The images of two classes of <paramref name="data"/> as a binary dataset, in their original order:
    /// <paramref name="negative"/> gets target 0, <paramref name="positive"/> target 1.
    /// </summary>
    public static Dataset Pair(Dataset data, int negative, int positive)
    {
        int count = 0;
        for (int i = 0; i < data.Count; i++)
            if (data.GetClass(i) == negative || data.GetClass(i) == positive) count++;
        var features = new float[count * data.InputSize];
        var targets = new float[count];
        int row = 0;
        for (int i = 0; i < data.Count; i++)
        {
            int label = data.GetClass(i);
            if (label != negative && label != positive) continue;
            data.GetFeatures(i).CopyTo(features.AsSpan(row * data.InputSize, data.InputSize));
            targets[row++] = label == positive ? 1 : 0;
        }
        return new Dataset(features, data.InputSize, targets, 1);
    }
}
