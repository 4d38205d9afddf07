using System;
using System.Collections.Generic;

namespace StaticNet.IO;

/// <summary>
/// A valid safetensors file that does not fit the network: tensors missing from it, tensors in it that the network does
/// not have (a strict load), or a tensor of another shape or of a dtype StaticNet cannot load. The message lists them
/// all, as PyTorch's "Missing key(s) in state_dict … Unexpected key(s) in state_dict …"; the properties hold the full
/// lists. Nothing was loaded.
/// </summary>
/// <remarks>
/// It derives from <see cref="SafetensorsFormatException"/>, so code that catches that still catches every loading
/// error; catch this type to tell "a file for another network" from "a corrupt file".
/// </remarks>
public sealed class SafetensorsMismatchException : SafetensorsFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The problems, listed.</param>
    /// <param name="missingTensors">The network's tensors the file lacks (names as looked up in the file).</param>
    /// <param name="unexpectedTensors">The file's tensors (under the prefix) the network does not have.</param>
    /// <param name="mismatchedTensors">The file's tensors present with another shape or an unloadable dtype.</param>
    public SafetensorsMismatchException(string message, IReadOnlyList<string> missingTensors, IReadOnlyList<string> unexpectedTensors, IReadOnlyList<string> mismatchedTensors)
        : base(message)
    {
        MissingTensors = missingTensors ?? Array.Empty<string>();
        UnexpectedTensors = unexpectedTensors ?? Array.Empty<string>();
        MismatchedTensors = mismatchedTensors ?? Array.Empty<string>();
    }

    /// <summary>The network's tensors that the file does not have (prefix + name), in the network's order.</summary>
    public IReadOnlyList<string> MissingTensors { get; }

    /// <summary>
    /// The file's tensors under the prefix that the network does not have, in the file's order; empty for a non-strict
    /// load, which does not treat them as errors.
    /// </summary>
    public IReadOnlyList<string> UnexpectedTensors { get; }

    /// <summary>The file's tensors that the network has, but with another shape or a dtype StaticNet cannot load.</summary>
    public IReadOnlyList<string> MismatchedTensors { get; }
}
