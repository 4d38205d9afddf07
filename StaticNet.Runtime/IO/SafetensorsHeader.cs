using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace StaticNet.IO;

/// <summary>One tensor's entry in a safetensors header, validated against itself (not yet against the buffer).</summary>
internal sealed class SafetensorsEntry
{
    public SafetensorsEntry(string name, string dtypeName, int[] shape, long elementCount, long begin, long end)
    {
        Name = name;
        DTypeName = dtypeName;
        DType = SafetensorsDTypes.Parse(dtypeName);
        Shape = shape;
        ElementCount = elementCount;
        Begin = begin;
        End = end;
    }

    public string Name { get; }
    public string DTypeName { get; }
    public SafetensorsDType DType { get; }
    public int[] Shape { get; }
    public long ElementCount { get; }
    public long Begin { get; }
    public long End { get; }
    public string ShapeText => SafetensorsHeader.ShapeText(Shape);
}

/// <summary>
/// The safetensors container format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// <c>{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}</c>, then the tensor
/// bytes, with offsets relative to the start of that buffer. Reading validates everything and throws
/// <see cref="SafetensorsFormatException"/>; it works on streams that cannot seek.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>The largest header accepted; real headers are kilobytes, so anything larger is corruption.</summary>
    public const int MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private readonly Dictionary<string, SafetensorsEntry> _byName;

    private SafetensorsHeader(List<SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Entries = entries;
        Metadata = metadata;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        BodyLength = entries.Count == 0 ? 0 : entries.Max(e => e.End);
    }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> strings.</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>The number of bytes of tensor data the header refers to (the largest end offset).</summary>
    public long BodyLength { get; }

    public bool TryGet(string name, out SafetensorsEntry? entry) => _byName.TryGetValue(name, out entry);

    /// <summary>Describes the file's tensors for an error message, e.g. "The file has 2 tensors: a [2], b [3]."</summary>
    public string DescribeContents() => DescribeContents(Entries.Take(21).Select(e => Shorten(e.Name) + " " + e.ShapeText), Entries.Count);

    /// <summary>A name from a file, cut to 100 characters for a message.</summary>
    internal static string Shorten(string name) => name.Length <= 100 ? name : name.Substring(0, 100) + "…";

    /// <summary>Lists named tensors (at most 20 of them) for an error message.</summary>
    public static string DescribeContents(IEnumerable<string> tensors, int? count = null)
    {
        const int Shown = 20;
        string[] all = tensors.Take(Shown + 1).ToArray();
        int total = count ?? (all.Length <= Shown ? all.Length : tensors.Count());
        if (total == 0)
            return "The file has no tensors.";
        string list = string.Join(", ", all.Take(Shown)) + (total > Shown ? $", ... ({total - Shown} more)" : "");
        return $"The file has {total} tensor{(total == 1 ? "" : "s")}: {list}.";
    }

    /// <summary>Formats a shape as <c>[2, 3]</c>.</summary>
    public static string ShapeText(IEnumerable<int> shape)
    {
        int[] all = shape as int[] ?? shape.ToArray();
        return "[" + string.Join(", ", all.Take(16)) + (all.Length > 16 ? $", ... ({all.Length} dimensions)" : "") + "]";
    }

    /// <summary>Reads and validates the length prefix and the JSON header, leaving the stream at the tensor data.</summary>
    public static SafetensorsHeader Read(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (got < prefix.Length)
            throw new SafetensorsFormatException($"The stream ends after {got} bytes; a safetensors file starts with an 8-byte header length.");
        int length = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(prefix), BoundedRead.Remaining(stream));
        // Grown as the bytes arrive: a stream that cannot seek and declares a 100 MB header but holds 10 bytes costs 64 KiB.
        if (!BoundedRead.TryReadExactly(stream, length, out byte[] json, out long available))
        {
            if (stream.CanSeek)
                throw new SafetensorsFormatException($"The header length is {length} bytes, but only {available} bytes follow it: the file is truncated or corrupt.");
            throw new SafetensorsFormatException($"The header is truncated: expected {length} bytes, the stream ended after {available}.");
        }
        return Parse(json);
    }

    /// <summary>
    /// Parses the header of a whole file in memory and returns the tensor data that follows it, checked to be exactly
    /// the bytes the tensors cover (nothing missing, nothing after them).
    /// </summary>
    public static SafetensorsHeader Read(ReadOnlySpan<byte> file, out ReadOnlySpan<byte> body)
    {
        if (file.Length < 8)
            throw new SafetensorsFormatException($"The data is {file.Length} bytes long; a safetensors file starts with an 8-byte header length.");
        int length = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(file), file.Length - 8);
        SafetensorsHeader header = Parse(file.Slice(8, length));
        body = file.Slice(8 + length);
        if (header.BodyLength > body.Length)
            throw new SafetensorsFormatException($"The tensor data is truncated: the header refers to {header.BodyLength} bytes, but only {body.Length} follow it.");
        if (header.BodyLength < body.Length)
            throw TrailingBytes(header.BodyLength, body.Length - header.BodyLength);
        return header;
    }

    /// <summary>Checks the length prefix against the absolute limit and, when known, the bytes that follow it.</summary>
    private static int CheckHeaderLength(ulong length, long? remaining)
    {
        if (length > MaxHeaderBytes)
            throw new SafetensorsFormatException($"The header length is {length} bytes, more than the {MaxHeaderBytes / 1_000_000} MB limit: this is not a safetensors file, or it is corrupt.");
        if (length < 2)
            throw new SafetensorsFormatException($"The header length is {length} bytes; a safetensors header is a JSON object of at least 2 bytes.");
        if (remaining is long r && (long)length > r)
            throw new SafetensorsFormatException($"The header length is {length} bytes, but only {r} bytes follow it: the file is truncated or corrupt.");
        return (int)length;
    }

    private static SafetensorsFormatException TrailingBytes(long covered, long extra) =>
        new($"The file has {(extra < 0 ? "more" : extra.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes after the {covered} bytes of tensor data its header describes; expected it to end there (safetensors allows no trailing bytes).");

    /// <summary>
    /// Reads the tensor data that follows the header, checking that all of it is there and that the stream ends with
    /// it. The buffer grows as data arrives, so a corrupt length on a stream that cannot seek fails at the stream's end,
    /// not at allocation.
    /// </summary>
    public byte[] ReadBody(Stream stream)
    {
        if (BodyLength > Compat.ArrayMaxLength)
            throw new SafetensorsFormatException($"The header refers to {BodyLength} bytes of tensor data, more than StaticNet can load at once ({Compat.ArrayMaxLength} bytes).");
        int length = (int)BodyLength;
        if (!BoundedRead.TryReadExactly(stream, length, out byte[] body, out long available))
        {
            if (stream.CanSeek)
                throw new SafetensorsFormatException($"The tensor data is truncated: the header refers to {length} bytes, but only {available} follow it.");
            throw new SafetensorsFormatException($"The tensor data is truncated: the header refers to {length} bytes, the stream ended after {available}.");
        }
        if (BoundedRead.HasMore(stream, out long extra))
            throw TrailingBytes(length, extra);
        return body;
    }

    /// <summary>
    /// Parses and validates the JSON header with <see cref="Utf8JsonReader"/> (no reflection), as the format's reference
    /// implementation does: every tensor's dtype is a safetensors dtype, its byte length is its element count times the
    /// dtype's size (checked arithmetic), names are non-empty and unique, and the tensors, sorted by offset, tile the
    /// data exactly from byte 0 (no overlap, no hole). Memory is a small multiple of the header's length.
    /// </summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json)
    {
        var entries = new List<SafetensorsEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 8 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new SafetensorsFormatException("The header is not a JSON object.");
            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                string key = reader.GetString()!;
                if (key.Length == 0)
                    throw new SafetensorsFormatException("In the header, a tensor has an empty name (\"\"); expected every tensor to have a non-empty name.");
                if (!names.Add(key))
                    throw new SafetensorsFormatException($"The header has two entries named {Quote(key)}; expected unique names.");
                if (key == MetadataKey)
                    ReadMetadata(ref reader, metadata);
                else
                    entries.Add(ReadEntry(ref reader, key));
            }
            if (reader.Read())
                throw new SafetensorsFormatException("The header has content after its JSON object.");
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException($"The header is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new SafetensorsFormatException($"The header is not valid JSON: {e.Message}", e);
        }
        CheckTiling(entries);
        return new SafetensorsHeader(entries, metadata);
    }

    /// <summary>
    /// Checks that the tensors, sorted by data_offsets, cover the data area exactly: the first starts at 0 and each
    /// starts where the previous one ends (the reference implementation's <c>Metadata::validate</c>).
    /// </summary>
    private static void CheckTiling(List<SafetensorsEntry> entries)
    {
        SafetensorsEntry[] sorted = entries.ToArray();
        Array.Sort(sorted, (a, b) =>
            a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) :
            a.End != b.End ? a.End.CompareTo(b.End) :
            string.CompareOrdinal(a.Name, b.Name));
        long end = 0;
        SafetensorsEntry? previous = null;
        foreach (SafetensorsEntry entry in sorted)
        {
            if (entry.Begin < end)
                throw new SafetensorsFormatException(
                    $"In the header, tensor {Quote(entry.Name)} has data_offsets [{entry.Begin}, {entry.End}], which overlap tensor {Quote(previous!.Name)} [{previous.Begin}, {previous.End}]; " +
                    $"expected each tensor to start where the previous one ends, at byte {end}.");
            if (entry.Begin > end)
                throw new SafetensorsFormatException(
                    $"In the header, tensor {Quote(entry.Name)} has data_offsets [{entry.Begin}, {entry.End}], leaving bytes [{end}, {entry.Begin}) " +
                    (previous is null ? "at the start of the data" : $"after tensor {Quote(previous.Name)} [{previous.Begin}, {previous.End}]") +
                    $" to no tensor; expected it to start at byte {end} (the tensors must cover the data with no hole).");
            end = entry.End;
            previous = entry;
        }
    }

    /// <summary>A name from the file, quoted for a message and cut to 100 characters (a corrupt header may hold a 99 MB name).</summary>
    public static string Quote(string name)
    {
        const int Shown = 100;
        return name.Length <= Shown ? $"'{name}'" : $"'{name.Substring(0, Shown)}…' ({name.Length} characters)";
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
            throw new SafetensorsFormatException("The header's JSON ends too early.");
        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what)
    {
        if (Next(ref reader) != type)
            throw new SafetensorsFormatException($"In the header, {what}; found {reader.TokenType}.");
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        if (Next(ref reader) == JsonTokenType.Null)
            return;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new SafetensorsFormatException($"In the header, {MetadataKey} must be an object of strings; found {reader.TokenType}.");
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            Expect(ref reader, JsonTokenType.String, $"{MetadataKey} value {Quote(key)} must be a string");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw new SafetensorsFormatException($"In the header, {MetadataKey} has two entries named {Quote(key)}.");
        }
    }

    private static SafetensorsEntry ReadEntry(ref Utf8JsonReader reader, string name)
    {
        string q = Quote(name);
        Expect(ref reader, JsonTokenType.StartObject, $"tensor {q} must be an object with dtype, shape and data_offsets");
        string? dtype = null;
        List<long>? shape = null, offsets = null;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string field = reader.GetString()!;
            switch (field)
            {
                case "dtype":
                    Expect(ref reader, JsonTokenType.String, $"tensor {q} dtype must be a string");
                    dtype = reader.GetString();
                    break;
                case "shape":
                    shape = ReadIntegers(ref reader, q, field);
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(ref reader, q, field);
                    break;
                default:
                    Next(ref reader);
                    reader.Skip();
                    break;
            }
        }
        if (dtype is null || shape is null || offsets is null)
            throw new SafetensorsFormatException($"In the header, tensor {q} lacks {(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}.");
        if (offsets.Count != 2 || offsets[0] > offsets[1])
            throw new SafetensorsFormatException($"In the header, tensor {q} has data_offsets {ShapeText(offsets)}; expected [begin, end] with begin <= end.");
        int bits = SafetensorsDTypes.BitSize(dtype);
        if (bits == 0)
            throw new SafetensorsFormatException($"In the header, tensor {q} has dtype {Quote(dtype)}; expected a safetensors dtype ({SafetensorsDTypes.KnownText}).");

        var dims = new int[shape.Count];
        long count = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (shape[i] > int.MaxValue || (shape[i] > 0 && count > long.MaxValue / shape[i]))
                throw new SafetensorsFormatException($"In the header, tensor {q} has shape {ShapeText(shape)}, which is too large.");
            dims[i] = (int)shape[i];
            count *= dims[i];
        }
        var entry = new SafetensorsEntry(name, dtype, dims, count, offsets[0], offsets[1]);
        if (count > long.MaxValue / bits)
            throw new SafetensorsFormatException($"In the header, tensor {q} has shape {entry.ShapeText}, which is too large.");
        long totalBits = count * bits;
        if (totalBits % 8 != 0)
            throw new SafetensorsFormatException($"In the header, tensor {q} {dtype} {entry.ShapeText} holds {count} × {bits} bits, which is not a whole number of bytes.");
        long bytes = totalBits / 8;
        if (bytes != entry.End - entry.Begin)
            throw new SafetensorsFormatException($"In the header, tensor {q} {dtype} {entry.ShapeText} needs {(bits % 8 == 0 ? $"{count} × {bits / 8} bytes" : $"{count} × {bits} bits = {bytes} bytes")}, but its data_offsets [{entry.Begin}, {entry.End}] span {entry.End - entry.Begin}.");
        return entry;
    }

    /// <summary>Formats integers from the header as <c>[2, 3]</c>, the first 16 only (a corrupt header may hold millions).</summary>
    private static string ShapeText(List<long> values) =>
        "[" + string.Join(", ", values.Take(16)) + (values.Count > 16 ? $", ... ({values.Count} values)" : "") + "]";

    private static List<long> ReadIntegers(ref Utf8JsonReader reader, string quotedName, string field)
    {
        Expect(ref reader, JsonTokenType.StartArray, $"tensor {quotedName} {field} must be an array of integers");
        var values = new List<long>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value) || value < 0)
                throw new SafetensorsFormatException($"In the header, tensor {quotedName} {field} must hold non-negative integers; found {(reader.TokenType == JsonTokenType.Number ? reader.GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture) : reader.TokenType.ToString())}.");
            values.Add(value);
        }
        return values;
    }

    /// <summary>
    /// Writes the length prefix and the JSON header for float32 tensors laid out one after another in the given order,
    /// <c>__metadata__</c> first (keys sorted), padded with spaces to a multiple of 8 bytes.
    /// </summary>
    /// <param name="stream">Where to write.</param>
    /// <param name="tensors">Each tensor's name and shape, in data order.</param>
    /// <param name="metadata">String metadata, or <see langword="null"/>.</param>
    public static void WriteF32(Stream stream, IReadOnlyList<(string Name, int[] Shape)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var layout = new (string Name, int[] Shape, bool Integer)[tensors.Count];
        for (int i = 0; i < layout.Length; i++)
            layout[i] = (tensors[i].Name, tensors[i].Shape, false);
        Write(stream, layout, metadata);
    }

    /// <summary>Writes the header for F32 tensors, and I64 ones where <c>Integer</c> is set, in the given order.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Name, int[] Shape, bool Integer)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (KeyValuePair<string, string> pair in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    Throw.IfNull(pair.Value, nameof(metadata));
                    writer.WriteString(pair.Key, pair.Value);
                }
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach ((string name, int[] shape, bool integer) in tensors)
            {
                if (string.IsNullOrEmpty(name) || name == MetadataKey)
                    throw new ArgumentException($"'{name}' cannot name a tensor.", nameof(tensors));
                if (!names.Add(name))
                    throw new ArgumentException($"Two tensors are named '{name}'.", nameof(tensors));
                long bytes = integer ? 8 : 4;
                foreach (int d in shape)
                    bytes *= d;
                writer.WriteStartObject(name);
                writer.WriteString("dtype", integer ? "I64" : "F32");
                writer.WriteStartArray("shape");
                foreach (int d in shape)
                    writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }
            writer.WriteEndObject();
        }
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        stream.Write(prefix);
        stream.Write(buffer.WrittenSpan);
        for (int i = buffer.WrittenCount; i < padded; i++)
            stream.WriteByte((byte)' ');
    }
}
