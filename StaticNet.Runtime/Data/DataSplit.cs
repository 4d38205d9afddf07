using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using StaticNet.Training;

namespace StaticNet.Data;

/// <summary>Splits data into training, validation and test sets.</summary>
public static class DataSplit
{
    /// <summary>
    /// Splits a dataset into training, validation and test sets that keep each class's share (stratified), at random
    /// but reproducibly for a given seed. Classes are <see cref="Dataset.GetClass"/>'s. Within each set, samples keep
    /// their original order.
    /// </summary>
    /// <param name="data">The data to split.</param>
    /// <param name="trainFraction">The share of each class that goes to the training set, in [0, 1].</param>
    /// <param name="validationFraction">The share of each class that goes to the validation set, in [0, 1]; the rest is the test set.</param>
    /// <param name="seed">The seed of the random assignment.</param>
    /// <exception cref="ArgumentException">A fraction is out of range, or the two add up to more than 1.</exception>
    public static (Dataset Train, Dataset Validation, Dataset Test) Stratified(Dataset data, double trainFraction, double validationFraction, int seed)
    {
        Throw.IfNull(data);
        var classes = new int[data.Count];
        for (int i = 0; i < classes.Length; i++) classes[i] = data.GetClass(i);
        (int[] train, int[] validation, int[] test) = StratifiedIndices(classes, trainFraction, validationFraction, seed);
        return (data.Subset(train), data.Subset(validation), data.Subset(test));
    }

    /// <summary>
    /// The sample indices of a stratified split: for each class, a random <paramref name="trainFraction"/> of its
    /// samples (rounded) goes to the training set, <paramref name="validationFraction"/> to the validation set and the
    /// rest to the test set. Each index array is in ascending order. The same labels and seed give the same split.
    /// </summary>
    /// <param name="labels">The class of each sample, ≥ 0.</param>
    /// <param name="trainFraction">The share of each class that goes to the training set, in [0, 1].</param>
    /// <param name="validationFraction">The share of each class that goes to the validation set, in [0, 1].</param>
    /// <param name="seed">The seed of the random assignment.</param>
    /// <exception cref="ArgumentException">A fraction is out of range, the two add up to more than 1, or a label is negative.</exception>
    public static (int[] Train, int[] Validation, int[] Test) StratifiedIndices(ReadOnlySpan<int> labels, double trainFraction, double validationFraction, int seed)
    {
        CheckFraction(trainFraction, nameof(trainFraction));
        CheckFraction(validationFraction, nameof(validationFraction));
        if (trainFraction + validationFraction > 1 + 1e-9)
            throw new ArgumentException($"Expected the training and validation fractions to add up to at most 1; found {trainFraction} + {validationFraction} = {trainFraction + validationFraction}.", nameof(validationFraction));

        // The samples of each class, in index order (SortedDictionary: classes in a fixed order, for reproducibility).
        var byClass = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0) throw new ArgumentException($"Expected class labels ≥ 0; found {labels[i]} at index {i}.", nameof(labels));
            if (!byClass.TryGetValue(labels[i], out List<int>? members)) byClass.Add(labels[i], members = new List<int>());
            members.Add(i);
        }

        var random = new Random(seed);
        var train = new List<int>();
        var validation = new List<int>();
        var test = new List<int>();
        foreach (List<int> members in byClass.Values)
        {
#if NET8_0_OR_GREATER
            SeededShuffle.Shuffle(CollectionsMarshal.AsSpan(members), random);
#else
            int[] shuffled = members.ToArray();
            SeededShuffle.Shuffle(shuffled, random);
            members.Clear();
            members.AddRange(shuffled);
#endif
            int trainCount = (int)Math.Round(trainFraction * members.Count, MidpointRounding.AwayFromZero);
            int validationCount = Math.Min(members.Count - trainCount, (int)Math.Round(validationFraction * members.Count, MidpointRounding.AwayFromZero));
            train.AddRange(members.GetRange(0, trainCount));
            validation.AddRange(members.GetRange(trainCount, validationCount));
            test.AddRange(members.GetRange(trainCount + validationCount, members.Count - trainCount - validationCount));
        }
        return (Sorted(train), Sorted(validation), Sorted(test));
    }

    private static void CheckFraction(double fraction, string name)
    {
        if (!(fraction >= 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(name, fraction, $"Expected {name} in [0, 1]; found {fraction}.");
    }

    private static int[] Sorted(List<int> indices)
    {
        int[] array = indices.ToArray();
        Array.Sort(array);
        return array;
    }
}
