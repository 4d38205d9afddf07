using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Reflection;

namespace StaticNet.IO;

/// <summary>Loads weights that were compiled into an assembly as a manifest resource (see <c>NetworkAttribute.EmbeddedWeights</c>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EmbeddedWeights
{
    /// <summary>
    /// Loads the tensors from the safetensors resource <paramref name="resourceName"/> of <paramref name="assembly"/>,
    /// strictly (the resource must hold exactly these tensors) and all or nothing. A resource of a loaded assembly is
    /// mapped memory, so it is read in place.
    /// </summary>
    /// <exception cref="FileNotFoundException">The assembly has no such resource; the message lists the ones it has.</exception>
    /// <exception cref="SafetensorsMismatchException">The resource lacks a tensor, has one the network does not, or has one of another shape or dtype.</exception>
    /// <exception cref="SafetensorsFormatException">The resource is not valid safetensors.</exception>
    public static unsafe void Load(Assembly assembly, string resourceName, IReadOnlyList<ParameterTensor> tensors, Span<float> parameters)
    {
        Throw.IfNull(assembly);
        Throw.IfNull(resourceName);
        using Stream? stream = assembly.GetManifestResourceStream(resourceName);
        if (stream is null)
        {
            string[] names = assembly.GetManifestResourceNames();
            throw new FileNotFoundException(
                $"Assembly '{assembly.GetName().Name}' has no embedded resource '{resourceName}'; " +
                (names.Length == 0 ? "it has none. " : $"it has: {string.Join(", ", names)}. ") +
                $"Add <EmbeddedResource Include=\"path/to/weights.safetensors\" LogicalName=\"{resourceName}\" /> to the project.",
                resourceName);
        }
        if (stream is UnmanagedMemoryStream memory && memory.Length - memory.Position <= int.MaxValue)
        {
            var file = new ReadOnlySpan<byte>(memory.PositionPointer, (int)(memory.Length - memory.Position));
            Safetensors.Load(file, tensors, parameters);
            return;
        }
        Safetensors.Load(stream, tensors, parameters);
    }
}
