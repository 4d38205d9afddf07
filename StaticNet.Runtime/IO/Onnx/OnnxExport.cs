using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace StaticNet.IO.Onnx;

/// <summary>What the generated <c>SaveOnnx</c> and <c>ExportPyTorch</c> share: the initializers, and files written whole or not at all.</summary>
public static class OnnxExport
{
    /// <summary>
    /// Adds every float tensor of a network as an initializer in PyTorch's layout under its safetensors name (the integer
    /// <c>num_batches_tracked</c> counters, which inference does not read, are left out).
    /// </summary>
    public static void AddInitializers(OnnxGraphBuilder onnx, IReadOnlyList<ParameterTensor> tensors, ReadOnlySpan<float> parameters)
    {
        if (onnx is null) throw new ArgumentNullException(nameof(onnx));
        if (tensors is null) throw new ArgumentNullException(nameof(tensors));
        foreach (ParameterTensor tensor in tensors)
            if (!tensor.IsInteger)
                onnx.Initializer(tensor.Name, tensor.Shape.ToArray(), tensor.Export(parameters));
    }

    /// <summary>
    /// Writes a file through <paramref name="write"/> into a temporary file in the same directory, then moves it over
    /// <paramref name="path"/>: a failure (an unsupported layer, a full disk) leaves no partial file and any existing file as it was.
    /// </summary>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    public static void SaveToFile(string path, Action<Stream> write)
    {
        if (path is null) throw new ArgumentNullException(nameof(path));
        if (write is null) throw new ArgumentNullException(nameof(write));
        if (path.Length == 0) throw new ArgumentException("SaveOnnx needs a file path; the path is empty.", nameof(path));
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        string temporary = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            if (File.Exists(full)) File.Replace(temporary, full, destinationBackupFileName: null);
            else File.Move(temporary, full);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no byte order mark) whole or not at all, as <see cref="SaveToFile"/>.</summary>
    public static void WriteText(string path, string text)
    {
        byte[] bytes = new UTF8Encoding(false).GetBytes(text);
        SaveToFile(path, stream => stream.Write(bytes, 0, bytes.Length));
    }
}
