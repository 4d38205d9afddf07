using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
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
/// StaticNet cannot convert (8-, 6- and 4-bit floats, C64) are rejected when they are needed.
/// </para>
/// <para>
/// Loading into a network is strict by default, as PyTorch's <c>load_state_dict(strict=True)</c>: the file must hold
/// exactly the network's tensors, and a missing or an unexpected tensor throws <see cref="SafetensorsMismatchException"/>
/// listing both. <see cref="SafetensorsLoadOptions"/> turns that off (the result lists what was missing and unused) and
/// sets a prefix, for a network that is one sub-module of a larger model; <c>Save</c> takes the same prefix.
/// </para>
/// </remarks>
public static class Safetensors
{
    /// <summary>
    /// Loads the named tensors from a safetensors stream into a network's parameter buffer, strictly and all or nothing:
    /// the file must hold exactly these tensors (as PyTorch's <c>load_state_dict(strict=True)</c>), each of the same
    /// shape and a floating-point dtype, and every tensor is decoded into a copy first, so on any error
    /// <paramref name="parameters"/> is left exactly as it was.
    /// </summary>
    /// <param name="stream">The safetensors data; read from its current position to its end (a safetensors file allows no trailing bytes).</param>
    /// <param name="tensors">The tensors to load, with PyTorch names and shapes and their place in the buffer.</param>
    /// <param name="parameters">The parameter buffer, in the layout <paramref name="tensors"/> describe.</param>
    /// <exception cref="SafetensorsMismatchException">The file lacks a tensor, has one the network does not, or has one of another shape or dtype; the message lists them all.</exception>
    /// <exception cref="SafetensorsFormatException">The stream is not valid safetensors.</exception>
    /// <exception cref="ArgumentException">A tensor does not fit in <paramref name="parameters"/>.</exception>
    public static void Load(Stream stream, IReadOnlyList<ParameterTensor> tensors, Span<float> parameters) =>
        Load(stream, tensors, parameters, s_strict);

    /// <summary>
    /// Loads tensors from a safetensors stream into a network's parameter buffer as <paramref name="options"/> say
    /// (strict or not, from a prefix), all or nothing: everything is checked and decoded into a copy first, so on any
    /// error <paramref name="parameters"/> is left exactly as it was.
    /// </summary>
    /// <param name="stream">The safetensors data; read from its current position to its end (a safetensors file allows no trailing bytes).</param>
    /// <param name="tensors">The tensors to load, with PyTorch names and shapes and their place in the buffer.</param>
    /// <param name="parameters">The parameter buffer, in the layout <paramref name="tensors"/> describe.</param>
    /// <param name="options">Strict or not, and the prefix of the file's names.</param>
    /// <returns>What was loaded, missing and unexpected (both empty after a strict load).</returns>
    /// <exception cref="SafetensorsMismatchException">The file does not fit the tensors (see <see cref="SafetensorsLoadOptions"/>); the message lists every problem.</exception>
    /// <exception cref="SafetensorsFormatException">The stream is not valid safetensors.</exception>
    /// <exception cref="ArgumentException">A tensor does not fit in <paramref name="parameters"/>.</exception>
    public static SafetensorsLoadResult Load(Stream stream, IReadOnlyList<ParameterTensor> tensors, Span<float> parameters, SafetensorsLoadOptions options)
    {
        Throw.IfNull(stream);
        Throw.IfNull(tensors);
        Throw.IfNull(options);
        CheckFits(tensors, parameters.Length);

        SafetensorsHeader header = SafetensorsHeader.Read(stream);
        SafetensorsEntry?[] entries = Match(header, tensors, options, out SafetensorsLoadResult result);
        byte[] body = header.ReadBody(stream);
        float[] staging = parameters.ToArray();
        Import(body, entries, tensors, staging);
        staging.CopyTo(parameters);
        return result;
    }

    /// <summary>
    /// Loads the named tensors from safetensors bytes already in memory (a memory-mapped file, or a resource compiled
    /// into the assembly) straight into a network's parameter buffer, strictly (as
    /// <see cref="Load(Stream, IReadOnlyList{ParameterTensor}, Span{float})"/>). All or nothing: the header, every
    /// tensor's presence, shape, dtype and byte range are checked before <paramref name="parameters"/> is touched, and
    /// after that decoding cannot fail. float32 tensors are read in place, so loading allocates nothing in proportion to
    /// the weights (only the parsed header).
    /// </summary>
    /// <param name="file">The whole safetensors file.</param>
    /// <param name="tensors">The tensors to load, with PyTorch names and shapes and their place in the buffer.</param>
    /// <param name="parameters">The parameter buffer, in the layout <paramref name="tensors"/> describe.</param>
    /// <exception cref="SafetensorsMismatchException">The file lacks a tensor, has one the network does not, or has one of another shape or dtype; the message lists them all.</exception>
    /// <exception cref="SafetensorsFormatException">The bytes are not valid safetensors.</exception>
    /// <exception cref="ArgumentException">A tensor does not fit in <paramref name="parameters"/>.</exception>
    public static void Load(ReadOnlySpan<byte> file, IReadOnlyList<ParameterTensor> tensors, Span<float> parameters) =>
        Load(file, tensors, parameters, s_strict);

    /// <summary>
    /// Loads tensors from safetensors bytes already in memory into a network's parameter buffer as
    /// <paramref name="options"/> say, all or nothing, reading float32 tensors in place.
    /// </summary>
    /// <param name="file">The whole safetensors file.</param>
    /// <param name="tensors">The tensors to load, with PyTorch names and shapes and their place in the buffer.</param>
    /// <param name="parameters">The parameter buffer, in the layout <paramref name="tensors"/> describe.</param>
    /// <param name="options">Strict or not, and the prefix of the file's names.</param>
    /// <returns>What was loaded, missing and unexpected (both empty after a strict load).</returns>
    /// <exception cref="SafetensorsMismatchException">The file does not fit the tensors (see <see cref="SafetensorsLoadOptions"/>); the message lists every problem.</exception>
    /// <exception cref="SafetensorsFormatException">The bytes are not valid safetensors.</exception>
    /// <exception cref="ArgumentException">A tensor does not fit in <paramref name="parameters"/>.</exception>
    public static SafetensorsLoadResult Load(ReadOnlySpan<byte> file, IReadOnlyList<ParameterTensor> tensors, Span<float> parameters, SafetensorsLoadOptions options)
    {
        Throw.IfNull(tensors);
        Throw.IfNull(options);
        CheckFits(tensors, parameters.Length);

        SafetensorsHeader header = SafetensorsHeader.Read(file, out ReadOnlySpan<byte> body);
        SafetensorsEntry?[] entries = Match(header, tensors, options, out SafetensorsLoadResult result);
        Import(body, entries, tensors, parameters);
        return result;
    }

    private static readonly SafetensorsLoadOptions s_strict = new();

    /// <summary>The most names one list of a mismatch message shows.</summary>
    private const int ListedNames = 20;

    /// <summary>
    /// The file's entry for each requested tensor (null for a missing one when not strict), and what matched; or one
    /// exception that lists every problem: missing and unexpected tensors (strict), wrong shapes and dtypes (always).
    /// </summary>
    private static SafetensorsEntry?[] Match(SafetensorsHeader header, IReadOnlyList<ParameterTensor> tensors, SafetensorsLoadOptions options, out SafetensorsLoadResult result)
    {
        string prefix = options.Prefix ?? "";
        var entries = new SafetensorsEntry?[tensors.Count];
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        var loaded = new List<string>(tensors.Count);
        var missing = new List<string>();
        var missingText = new List<string>();
        var mismatched = new List<string>();
        var problems = new List<string>();
        for (int i = 0; i < tensors.Count; i++)
        {
            ParameterTensor tensor = tensors[i];
            string name = prefix + tensor.Name;
            wanted.Add(name);
            if (!header.TryGet(name, out SafetensorsEntry? entry))
            {
                missing.Add(name);
                if (missingText.Count <= ListedNames)
                    missingText.Add($"{SafetensorsHeader.Quote(name)} {tensor.ShapeText}");
                continue;
            }
            if (!tensor.Shape.SequenceEqual(entry!.Shape))
                problems.Add($"Tensor {SafetensorsHeader.Quote(name)}: expected shape {tensor.ShapeText}, found {entry.ShapeText}.");
            else if (!SafetensorsDTypes.IsFloatingPoint(entry.DType) && !(tensor.IsInteger && SafetensorsDTypes.IsInteger(entry.DType)))
                problems.Add($"Tensor {SafetensorsHeader.Quote(name)}: expected dtype F32, found {entry.DTypeName} (StaticNet loads {SafetensorsDTypes.LoadableText}).");
            else
            {
                entries[i] = entry;
                loaded.Add(name);
                continue;
            }
            mismatched.Add(name);
        }

        var unexpected = new List<string>();
        var unexpectedText = new List<string>();
        foreach (SafetensorsEntry entry in header.Entries)
        {
            if (!entry.Name.StartsWith(prefix, StringComparison.Ordinal) || wanted.Contains(entry.Name))
                continue;
            unexpected.Add(entry.Name);
            if (unexpectedText.Count <= ListedNames)
                unexpectedText.Add($"{SafetensorsHeader.Quote(entry.Name)} {entry.DTypeName} {entry.ShapeText}");
        }

        bool incomplete = options.Strict && (missing.Count > 0 || unexpected.Count > 0);
        if (incomplete || problems.Count > 0)
        {
            var message = new List<string>();
            if (options.Strict && missing.Count > 0)
                message.Add($"Missing tensors (the network has them, the file does not): {List(missingText, missing.Count)}.");
            if (options.Strict && unexpected.Count > 0)
                message.Add($"Unexpected tensors (the file has them{(prefix.Length > 0 ? $" under the prefix {SafetensorsHeader.Quote(prefix)}" : "")}, the network does not): {List(unexpectedText, unexpected.Count)}.");
            message.AddRange(problems);
            string? suggested = options.Strict && missing.Count > 0 ? SuggestPrefix(header, tensors, prefix) : null;
            if (options.Strict && missing.Count > 0)
            {
                // The unexpected tensors, when there are some, are the part of the file worth showing; else show what it has.
                if (unexpected.Count == 0)
                    message.Add(header.DescribeContents());
                if (suggested is not null)
                    message.Add(suggested.Length == 0
                        ? "The file holds every tensor of the network without a prefix: load with no Prefix."
                        : $"The file holds every tensor of the network under the prefix {SafetensorsHeader.Quote(suggested)}: set SafetensorsLoadOptions.Prefix to it.");
            }
            if (incomplete && problems.Count == 0 && suggested is null)
                message.Add("To load the tensors that match and get both lists back, load with SafetensorsLoadOptions { Strict = false }.");
            throw new SafetensorsMismatchException(
                string.Join(" ", message),
                options.Strict ? missing.ToArray() : Array.Empty<string>(),
                options.Strict ? unexpected.ToArray() : Array.Empty<string>(),
                mismatched.ToArray());
        }
        result = new SafetensorsLoadResult(loaded.ToArray(), missing.ToArray(), unexpected.ToArray());
        return entries;
    }

    /// <summary>Joins at most <see cref="ListedNames"/> items, with "and N more" for the rest.</summary>
    private static string List(List<string> shown, int total) =>
        string.Join(", ", shown.Take(ListedNames)) + (total > ListedNames ? $", and {total - ListedNames} more" : "");

    /// <summary>
    /// A prefix other than <paramref name="prefix"/> under which the file holds every one of the tensors, if there is
    /// one: the usual cause of a load where everything is missing (a sub-module's state_dict, or a prefix too many).
    /// </summary>
    private static string? SuggestPrefix(SafetensorsHeader header, IReadOnlyList<ParameterTensor> tensors, string prefix)
    {
        if (tensors.Count == 0)
            return null;
        string first = tensors[0].Name;
        int tried = 0;
        foreach (SafetensorsEntry entry in header.Entries)
        {
            if (!entry.Name.EndsWith(first, StringComparison.Ordinal))
                continue;
            string candidate = entry.Name.Substring(0, entry.Name.Length - first.Length);
            if (candidate == prefix)
                continue;
            if (tensors.All(t => header.TryGet(candidate + t.Name, out _)))
                return candidate;
            if (++tried == 16)
                break;
        }
        return null;
    }

    /// <summary>Decodes each matched tensor from the body into the buffer; float32 on a little-endian machine without a copy.</summary>
    private static void Import(ReadOnlySpan<byte> body, SafetensorsEntry?[] entries, IReadOnlyList<ParameterTensor> tensors, Span<float> parameters)
    {
        float[]? scratch = null;
        for (int i = 0; i < tensors.Count; i++)
        {
            if (entries[i] is not { } entry)
                continue;
            ReadOnlySpan<byte> bytes = body.Slice((int)entry.Begin, (int)(entry.End - entry.Begin));
            if (entry.DType == SafetensorsDType.F32 && BitConverter.IsLittleEndian)
            {
                tensors[i].ImportFrom(MemoryMarshal.Cast<byte, float>(bytes), parameters);
                continue;
            }
            scratch ??= new float[MaxElementCount(tensors)];
            Span<float> values = scratch.AsSpan(0, tensors[i].ElementCount);
            SafetensorsDTypes.Decode(entry.DType, bytes, values);
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
    public static void Save(Stream stream, IReadOnlyList<ParameterTensor> tensors, ReadOnlySpan<float> parameters, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(stream, tensors, parameters, prefix: null, metadata);

    /// <summary>
    /// Writes tensors from a network's parameter buffer as float32 safetensors, each named <paramref name="prefix"/> +
    /// its name, e.g. <c>encoder.fc1.weight</c> for <c>fc1.weight</c> with the prefix <c>"encoder."</c> (as PyTorch's
    /// <c>state_dict(prefix=...)</c> of a sub-module), in the given order and PyTorch's row-major layout.
    /// </summary>
    /// <param name="stream">Where to write, from its current position.</param>
    /// <param name="tensors">The tensors to write, with PyTorch names and shapes and their place in the buffer.</param>
    /// <param name="parameters">The parameter buffer (or a gradient buffer of the same layout).</param>
    /// <param name="prefix">Prepended to every name as given (include the trailing <c>'.'</c>); <see langword="null"/> or empty for none.</param>
    /// <param name="metadata">Strings for the file's <c>__metadata__</c>, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">Two tensors share a name, a name is reserved, or a tensor does not fit in <paramref name="parameters"/>.</exception>
    public static void Save(Stream stream, IReadOnlyList<ParameterTensor> tensors, ReadOnlySpan<float> parameters, string? prefix, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Throw.IfNull(stream);
        Throw.IfNull(tensors);
        CheckFits(tensors, parameters.Length);
        prefix ??= "";
        var layout = new (string Name, int[] Shape, bool Integer)[tensors.Count];
        for (int i = 0; i < layout.Length; i++)
            layout[i] = (prefix + tensors[i].Name, tensors[i].Shape.ToArray(), tensors[i].IsInteger);
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
