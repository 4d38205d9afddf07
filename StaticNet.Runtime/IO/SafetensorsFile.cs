using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;

namespace StaticNet.IO;

/// <summary>The contents of a safetensors file: its tensors, converted to float, and its <c>__metadata__</c>.</summary>
public sealed class SafetensorsFile
{
    private readonly Dictionary<string, SafetensorsTensor> _byName;

    /// <summary>Groups tensors and metadata, e.g. to inspect or to pass to <see cref="Safetensors.Write(System.IO.Stream, SafetensorsFile)"/>.</summary>
    /// <param name="tensors">The tensors; names must be unique.</param>
    /// <param name="metadata">The string metadata; <see langword="null"/> for none.</param>
    public SafetensorsFile(IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Throw.IfNull(tensors);
        _byName = new Dictionary<string, SafetensorsTensor>(tensors.Count, StringComparer.Ordinal);
        foreach (SafetensorsTensor tensor in tensors)
        {
            Throw.IfNull(tensor, nameof(tensors));
            if (!_byName.TryAdd(tensor.Name, tensor))
                throw new ArgumentException($"Two tensors are named '{tensor.Name}'.", nameof(tensors));
        }
        Tensors = tensors.ToArray();
        Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
    }

    /// <summary>The tensors, in the order of the file's header.</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    /// <summary>The file's <c>__metadata__</c> (string to string); empty if it has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Returns the tensor with the given name.</summary>
    /// <exception cref="KeyNotFoundException">There is no such tensor; the message lists the ones there are.</exception>
    public SafetensorsTensor Get(string name)
    {
        if (TryGet(name, out SafetensorsTensor? tensor))
            return tensor;
        throw new KeyNotFoundException($"The file has no tensor {SafetensorsHeader.Quote(name)}. {SafetensorsHeader.DescribeContents(Tensors.Take(21).Select(t => SafetensorsHeader.Shorten(t.Name) + " " + t.ShapeText), Tensors.Count)}");
    }

    /// <summary>Looks a tensor up by name.</summary>
    /// <returns><see langword="true"/> if the file has a tensor with that name.</returns>
    public bool TryGet(string name, [MaybeNullWhen(false)] out SafetensorsTensor tensor)
    {
        Throw.IfNull(name);
        return _byName.TryGetValue(name, out tensor);
    }
}
