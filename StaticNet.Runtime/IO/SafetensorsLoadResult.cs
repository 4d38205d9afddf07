using System;
using System.Collections.Generic;

namespace StaticNet.IO;

/// <summary>
/// What a load with <see cref="SafetensorsLoadOptions"/> matched, as the <c>missing_keys</c> and
/// <c>unexpected_keys</c> that PyTorch's <c>load_state_dict</c> returns. Names are as in the file, prefix included.
/// </summary>
public sealed class SafetensorsLoadResult
{
    internal SafetensorsLoadResult(string[] loaded, string[] missing, string[] unexpected)
    {
        LoadedTensors = loaded;
        MissingTensors = missing;
        UnexpectedTensors = unexpected;
    }

    /// <summary>The tensors that were loaded, in the network's order.</summary>
    public IReadOnlyList<string> LoadedTensors { get; }

    /// <summary>
    /// The network's tensors that the file does not have (prefix + name), in the network's order; they kept their
    /// values. Always empty after a strict load.
    /// </summary>
    public IReadOnlyList<string> MissingTensors { get; }

    /// <summary>
    /// The file's tensors under the prefix that the network does not have, in the file's order; they were not read.
    /// Always empty after a strict load.
    /// </summary>
    public IReadOnlyList<string> UnexpectedTensors { get; }

    /// <summary>Whether the file held exactly the network's tensors: nothing missing, nothing unexpected.</summary>
    public bool IsExactMatch => MissingTensors.Count == 0 && UnexpectedTensors.Count == 0;

    /// <inheritdoc />
    public override string ToString() =>
        $"{LoadedTensors.Count} loaded, {MissingTensors.Count} missing, {UnexpectedTensors.Count} unexpected";
}
