using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;

namespace StaticNet.Kernels;

/// <summary>
/// What generated networks' <c>Freeze</c>, <c>Unfreeze</c> and <c>IsFrozen</c> share: finding a layer by its module name,
/// the first layer that trains, and the ranges of the parameter buffer the optimizer steps.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Freezing
{
    /// <summary>
    /// The index of the layer with parameters called <paramref name="layerName"/> in <paramref name="layers"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="layerName"/> is null.</exception>
    /// <exception cref="ArgumentException">No layer with parameters has that name; the message lists those that have.</exception>
    public static int Layer(IReadOnlyList<LayerInfo> layers, string layerName, string network)
    {
        if (layerName is null) throw new ArgumentNullException(nameof(layerName));
        for (int i = 0; i < layers.Count; i++)
            if (layers[i].ParameterCount > 0 && layers[i].Name == layerName)
                return i;
        string names = string.Join(", ", layers.Where(l => l.ParameterCount > 0).Select(l => "'" + l.Name + "'"));
        LayerInfo? other = layers.FirstOrDefault(l => l.Name == layerName);
        string found = other is not null
            ? $"'{layerName}' is a {other.ModuleType} layer, which has no parameters to freeze"
            : $"found '{layerName}'";
        throw new ArgumentException(
            $"{network}: expected the module name of a layer with parameters, one of {(names.Length == 0 ? "(none)" : names)}; {found}.", nameof(layerName));
    }

    /// <summary>The message of <c>Unfreeze</c> on a layer declared <c>Trainable = false</c>.</summary>
    public static InvalidOperationException DeclaredFrozen(string layerName, string network) => new(
        $"{network}: layer '{layerName}' is declared with Trainable = false, so its backward pass has no code for its gradients and it cannot be unfrozen. " +
        "Remove Trainable = false and call Freeze(\"" + layerName + "\") after constructing the network to freeze it until Unfreeze.");

    /// <summary>The index of the first layer that is not frozen (and has parameters), or the layer count when none.</summary>
    public static int FirstTrainable(ReadOnlySpan<bool> frozen)
    {
        for (int i = 0; i < frozen.Length; i++)
            if (!frozen[i])
                return i;
        return frozen.Length;
    }

    /// <summary>
    /// The ranges of the parameter buffer of the layers that train, merged where they touch, or null when no layer
    /// with parameters is frozen (the optimizer then steps the whole buffer).
    /// </summary>
    /// <param name="frozen">Per layer: frozen, or without parameters.</param>
    /// <param name="layerParameters">Per layer, the start and end of its trainable tensors in the buffer (equal without any).</param>
    public static Range[]? TrainableRanges(ReadOnlySpan<bool> frozen, ReadOnlySpan<int> layerParameters)
    {
        if (layerParameters.Length != 2 * frozen.Length)
            throw new ArgumentException($"Expected a start and an end per layer ({2 * frozen.Length} values); found {layerParameters.Length}.", nameof(layerParameters));
        var ranges = new List<Range>();
        bool anyFrozen = false;
        int start = -1, end = -1;
        for (int i = 0; i < frozen.Length; i++)
        {
            int s = layerParameters[2 * i], e = layerParameters[2 * i + 1];
            if (e <= s) continue;
            if (frozen[i]) { anyFrozen = true; continue; }
            if (s == end) { end = e; continue; }
            if (end > start) ranges.Add(new Range(start, end));
            start = s;
            end = e;
        }
        if (end > start) ranges.Add(new Range(start, end));
        return anyFrozen ? ranges.ToArray() : null;
    }
}
