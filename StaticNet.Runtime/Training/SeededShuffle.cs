using System;

namespace StaticNet.Training;

/// <summary>
/// The one shuffle of StaticNet (training order, data splits): Fisher–Yates on <see cref="Random"/>, whose seeded
/// sequence is fixed, so that a seed gives the same order on every platform and .NET version (the way
/// <c>Random.Shuffle</c> draws is not a documented contract).
/// </summary>
internal static class SeededShuffle
{
    public static void Shuffle(Span<int> items, Random random)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
