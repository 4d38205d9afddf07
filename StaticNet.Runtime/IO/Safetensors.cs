using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace StaticNet.IO;

/// <summary>
/// Reads and writes the <see href="https://github.com/huggingface/safetensors">safetensors</see> format with PyTorch
/// names and layouts: an 8-byte little-endian header length, a UTF-8 JSON header, then the tensor bytes.
/// </summary>
/// <remarks>
/// <para>
/// Writing produces float32 (<c>F32</c>) tensors, row-major, one after another in the order given, with the header
/// padded with spaces to a multiple of 8 bytes; PyTorch reads the result with <c>safetensors.torch.load_file</c>.
/// </para>
/// <para>
/// Reading validates the whole file before anything is returned or changed, as strictly as the format's reference
/// implementation (huggingface/safetensors): the header length (at most 100 MB, and no more than the bytes that
/// follow it), the JSON (UTF-8, one object, no duplicate keys), every tensor's name (non-empty, unique), dtype (one of
/// the format's), shape and data offsets (begin ≤ end, byte length = element count × dtype size, in checked
/// arithmetic), that the tensors sorted by offset tile the data area exactly (no overlap, no hole), and that the data
/// is all there with nothing after it. Any problem throws <see cref="SafetensorsFormatException"/> with a message that
/// names the tensor and says what was expected and what was found. Memory spent on a header is a small multiple of
/// the bytes actually present, whatever the header claims. Streams that cannot seek work too.
/// Network parameters load from <c>F32</c>, <c>F16</c>, <c>BF16</c> or <c>F64</c> tensors (converted to float, F64
/// rounded to nearest); <see cref="Read(Stream)"/> also converts integer and boolean tensors. Tensors of dtypes
/// StaticNet cannot convert (8-, 6- and 4-bit floats, C64) are rejected when they are needed and ignored otherwise.
/// </para>
/// </remarks>
public static class Safetensors
{
    /// <summary>
    /// Loads the named tensors from a safetensors stream into a network's parameter buffer, all or nothing: every
    /// tensor is checked (present, same shape, floating-point dtype) and decoded into a copy first, so on any error
    /// <paramref name="parameters"/> is left exactly as it was. Tensors in the file that are not asked for are ignored.
    /// </summary>
    /// <param name="stream">The safetensors data; read from its current position to its end (a safetensors file allows no trailing bytes).</param>
    /// <param name="tensors">The tensors to load, with PyTorch names and shapes and their place in the buffer.</param>
    /// <param name="parameters">The parameter buffer, in the layout <paramref name="tensors"/> describe.</param>
    /// <exception cref="SafetensorsFormatException">The stream is not valid safetensors or does not fit the tensors.</exception>
    /// <exception cref="ArgumentException">A tensor does not fit in <paramref name="parameters"/>.</exception>
    public static void Load(Stream stream, IReadOnlyList<ParameterTensor> tensors, Span<float> parameters)
    {
        Throw.IfNull(stream);
        Throw.IfNull(tensors);
        CheckFits(tensors, parameters.Length);

        SafetensorsHeader header = SafetensorsHeader.Read(stream);
        SafetensorsEntry[] entries = Match(header, tensors);
        byte[] body = header.ReadBody(stream);
        float[] staging = parameters.ToArray();
        Import(body, entries, tensors, staging);
        staging.CopyTo(parameters);
    }

    /// <summary>
    /// Loads the named tensors from safetensors bytes already in memory (a memory-mapped file, or a resource compiled
    /// into the assembly) straight into a network's parameter buffer. All or nothing: the header, every tensor's
    /// presence, shape, dtype and byte range are checked before <paramref name="parameters"/> is touched, and after
    /// that decoding cannot fail. float32 tensors are read in place, so loading allocates nothing in proportion to the
    /// weights (only the parsed header).
    /// </summary>
    /// <param name="file">The whole safetensors file.</param>
    /// <param name="tensors">The tensors to load, with PyTorch names and shapes and their place in the buffer.</param>
    /// <param name="parameters">The parameter buffer, in the layout <paramref name="tensors"/> describe.</param>
    /// <exception cref="SafetensorsFormatException">The bytes are not valid safetensors or do not fit the tensors.</exception>
    /// <exception cref="ArgumentException">A tensor does not fit in <paramref name="parameters"/>.</exception>
    public static void Load(ReadOnlySpan<byte> file, IReadOnlyList<ParameterTensor> tensors, Span<float> parameters)
    {
        Throw.IfNull(tensors);
        CheckFits(tensors, parameters.Length);

        SafetensorsHeader header = SafetensorsHeader.Read(file, out ReadOnlySpan<byte> body);
        SafetensorsEntry[] entries = Match(header, tensors);
        Import(body, entries, tensors, parameters);
    }

    /// <summary>The file's entry for each requested tensor, or one exception that lists every mismatch.</summary>
    private static SafetensorsEntry[] Match(SafetensorsHeader header, IReadOnlyList<ParameterTensor> tensors)
    {
        var entries = new SafetensorsEntry[tensors.Count];
        var problems = new List<string>();
        bool missing = false;
        for (int i = 0; i < tensors.Count; i++)
        {
            ParameterTensor tensor = tensors[i];
            if (!header.TryGet(tensor.Name, out SafetensorsEntry? entry))
            {
                problems.Add($"Tensor '{tensor.Name}' {tensor.ShapeText} is missing.");
                missing = true;
            }
            else if (!tensor.Shape.SequenceEqual(entry!.Shape))
                problems.Add($"Tensor '{tensor.Name}': expected shape {tensor.ShapeText}, found {entry.ShapeText}.");
            else if (!SafetensorsDTypes.IsFloatingPoint(entry.DType) && !(tensor.IsInteger && SafetensorsDTypes.IsInteger(entry.DType)))
                problems.Add($"Tensor '{tensor.Name}': expected dtype F32, found {entry.DTypeName} (StaticNet loads {SafetensorsDTypes.LoadableText}).");
            else
                entries[i] = entry;
        }
        if (problems.Count > 0)
        {
            if (missing)
                problems.Add(header.DescribeContents());
            throw new SafetensorsFormatException(string.Join(" ", problems));
        }
        return entries;
    }

    /// <summary>Decodes each matched tensor from the body into the buffer; float32 on a little-endian machine without a copy.</summary>
    private static void Import(ReadOnlySpan<byte> body, SafetensorsEntry[] entries, IReadOnlyList<ParameterTensor> tensors, Span<float> parameters)
    {
        float[]? scratch = null;
        for (int i = 0; i < tensors.Count; i++)
        {
            ReadOnlySpan<byte> bytes = body.Slice((int)entries[i].Begin, (int)(entries[i].End - entries[i].Begin));
            if (entries[i].DType == SafetensorsDType.F32 && BitConverter.IsLittleEndian)
            {
                tensors[i].ImportFrom(MemoryMarshal.Cast<byte, float>(bytes), parameters);
                continue;
            }
            scratch ??= new float[MaxElementCount(tensors)];
            Span<float> values = scratch.AsSpan(0, tensors[i].ElementCount);
            SafetensorsDTypes.Decode(entries[i].DType, bytes, values);
            tensors[i].ImportFrom(values, parameters);
        }
    }

    /// <summary>
    /// Writes tensors from a network's parameter buffer as float32 safetensors, in the given order, each in PyTorch's
    /// row-major layout (see <see cref="ParameterTensor.ExportTo"/>).
    /// </summary>
    /// <param name="stream">Where to write, from its current position.</param>
    /// <param name="tensors">The tensors to write, with PyTorch names and shapes and their place in the buffer.</param>
    /// <param name="parameters">The parameter buffer (or a gradient buffer of the same layout).</param>
    /// <param name="metadata">Strings for the file's <c>__metadata__</c>, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">Two tensors share a name, or a tensor does not fit in <paramref name="parameters"/>.</exception>
    public static void Save(Stream stream, IReadOnlyList<ParameterTensor> tensors, ReadOnlySpan<float> parameters, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Throw.IfNull(stream);
        Throw.IfNull(tensors);
        CheckFits(tensors, parameters.Length);
        var layout = new (string Name, int[] Shape, bool Integer)[tensors.Count];
        for (int i = 0; i < layout.Length; i++)
            layout[i] = (tensors[i].Name, tensors[i].Shape.ToArray(), tensors[i].IsInteger);
        SafetensorsHeader.Write(stream, layout, metadata);

        float[] scratch = new float[MaxElementCount(tensors)];
        foreach (ParameterTensor tensor in tensors)
        {
            Span<float> values = scratch.AsSpan(0, tensor.ElementCount);
            tensor.ExportTo(parameters, values);
            if (tensor.IsInteger)
                SafetensorsDTypes.WriteI64(stream, values);
            else
                SafetensorsDTypes.WriteF32(stream, values);
        }
    }

    /// <summary>Reads every tensor of a safetensors stream, converted to float, and its metadata.</summary>
    /// <param name="stream">The safetensors data; read from its current position to its end (a safetensors file allows no trailing bytes).</param>
    /// <exception cref="SafetensorsFormatException">The stream is not valid safetensors, or a tensor's dtype cannot be converted to float.</exception>
    public static SafetensorsFile Read(Stream stream)
    {
        Throw.IfNull(stream);
        SafetensorsHeader header = SafetensorsHeader.Read(stream);
        foreach (SafetensorsEntry entry in header.Entries)
        {
            if (entry.DType == SafetensorsDType.Unknown)
                throw new SafetensorsFormatException($"Tensor {SafetensorsHeader.Quote(entry.Name)} has dtype {entry.DTypeName}, which StaticNet cannot convert to float.");
        }
        byte[] body = header.ReadBody(stream);
        var tensors = new SafetensorsTensor[header.Entries.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            SafetensorsEntry entry = header.Entries[i];
            var data = new float[entry.ElementCount];
            SafetensorsDTypes.Decode(entry.DType, Bytes(body, entry), data);
            tensors[i] = new SafetensorsTensor(entry.Name, entry.Shape, data, entry.DTypeName);
        }
        return new SafetensorsFile(tensors, header.Metadata);
    }

    /// <summary>Reads every tensor of a safetensors file, converted to float, and its metadata.</summary>
    /// <param name="path">The file's path.</param>
    /// <exception cref="SafetensorsFormatException">The file is not valid safetensors, or a tensor's dtype cannot be converted to float.</exception>
    public static SafetensorsFile Read(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Read(stream);
    }

    /// <summary>Writes named float tensors as float32 safetensors, in the given order.</summary>
    /// <param name="stream">Where to write, from its current position.</param>
    /// <param name="tensors">The tensors; names must be unique and must not be <c>__metadata__</c>.</param>
    /// <param name="metadata">Strings for the file's <c>__metadata__</c>, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">Two tensors share a name, or a name is reserved.</exception>
    public static void Write(Stream stream, IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Throw.IfNull(stream);
        Throw.IfNull(tensors);
        var layout = new (string Name, int[] Shape)[tensors.Count];
        for (int i = 0; i < layout.Length; i++)
            layout[i] = (tensors[i].Name, tensors[i].Shape.ToArray());
        SafetensorsHeader.WriteF32(stream, layout, metadata);
        foreach (SafetensorsTensor tensor in tensors)
            SafetensorsDTypes.WriteF32(stream, tensor.Data);
    }

    /// <summary>Writes a <see cref="SafetensorsFile"/>'s tensors and metadata as float32 safetensors.</summary>
    /// <param name="stream">Where to write, from its current position.</param>
    /// <param name="file">The tensors and metadata.</param>
    public static void Write(Stream stream, SafetensorsFile file)
    {
        Throw.IfNull(file);
        Write(stream, file.Tensors, file.Metadata);
    }

    private static ReadOnlySpan<byte> Bytes(byte[] body, SafetensorsEntry entry) =>
        body.AsSpan((int)entry.Begin, (int)(entry.End - entry.Begin));

    private static int MaxElementCount(IReadOnlyList<ParameterTensor> tensors)
    {
        int max = 0;
        foreach (ParameterTensor tensor in tensors)
            max = Math.Max(max, tensor.ElementCount);
        return max;
    }

    /// <summary>Checks that every tensor lies inside a parameter buffer of the given length.</summary>
    private static void CheckFits(IReadOnlyList<ParameterTensor> tensors, int length)
    {
        foreach (ParameterTensor tensor in tensors)
        {
            Throw.IfNull(tensor, nameof(tensors));
            long end = tensor.Offset + tensor.Extent;
            if (tensor.Offset < 0 || end > length)
                throw new ArgumentException($"Tensor '{tensor.Name}' {tensor.ShapeText} spans elements [{tensor.Offset}, {end}) of the parameter buffer, which has {length}.", nameof(tensors));
        }
    }
}
