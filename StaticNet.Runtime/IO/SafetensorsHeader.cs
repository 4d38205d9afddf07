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
    public string DescribeContents() => DescribeContents(Entries.Select(e => e.Name + " " + e.ShapeText));

    /// <summary>Lists named tensors (at most 20 of them) for an error message.</summary>
    public static string DescribeContents(IEnumerable<string> tensors)
    {
        string[] all = tensors.ToArray();
        if (all.Length == 0)
            return "The file has no tensors.";
        const int Shown = 20;
        string list = string.Join(", ", all.Take(Shown)) + (all.Length > Shown ? $", ... ({all.Length - Shown} more)" : "");
        return $"The file has {all.Length} tensor{(all.Length == 1 ? "" : "s")}: {list}.";
    }

    /// <summary>Formats a shape as <c>[2, 3]</c>.</summary>
    public static string ShapeText(IEnumerable<int> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Reads and validates the length prefix and the JSON header, leaving the stream at the tensor data.</summary>
    public static SafetensorsHeader Read(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (got < prefix.Length)
            throw new SafetensorsFormatException($"The stream ends after {got} bytes; a safetensors file starts with an 8-byte header length.");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length > MaxHeaderBytes)
            throw new SafetensorsFormatException($"The header length is {length} bytes, more than the {MaxHeaderBytes / 1_000_000} MB limit: this is not a safetensors file, or it is corrupt.");
        if (length < 2)
            throw new SafetensorsFormatException($"The header length is {length} bytes; a safetensors header is a JSON object of at least 2 bytes.");
        long? remaining = Remaining(stream);
        if (remaining is long r && (long)length > r)
            throw new SafetensorsFormatException($"The header length is {length} bytes, but only {r} bytes follow it: the file is truncated or corrupt.");
        var json = new byte[length];
        got = stream.ReadAtLeast(json, json.Length, throwOnEndOfStream: false);
        if (got < json.Length)
            throw new SafetensorsFormatException($"The header is truncated: expected {length} bytes, the stream ended after {got}.");
        return Parse(json);
    }

    /// <summary>Parses the header of a whole file in memory and returns the tensor data that follows it, checked complete.</summary>
    public static SafetensorsHeader Read(ReadOnlySpan<byte> file, out ReadOnlySpan<byte> body)
    {
        if (file.Length < 8)
            throw new SafetensorsFormatException($"The data is {file.Length} bytes long; a safetensors file starts with an 8-byte header length.");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (length > MaxHeaderBytes)
            throw new SafetensorsFormatException($"The header length is {length} bytes, more than the {MaxHeaderBytes / 1_000_000} MB limit: this is not a safetensors file, or it is corrupt.");
        if (length < 2)
            throw new SafetensorsFormatException($"The header length is {length} bytes; a safetensors header is a JSON object of at least 2 bytes.");
        if ((long)length > file.Length - 8)
            throw new SafetensorsFormatException($"The header length is {length} bytes, but only {file.Length - 8} bytes follow it: the file is truncated or corrupt.");
        SafetensorsHeader header = Parse(file.Slice(8, (int)length));
        body = file.Slice(8 + (int)length);
        if (header.BodyLength > body.Length)
            throw new SafetensorsFormatException($"The tensor data is truncated: the header refers to {header.BodyLength} bytes, but only {body.Length} follow it.");
        return header;
    }

    /// <summary>Reads the tensor data that follows the header, checking that all of it is there.</summary>
    public byte[] ReadBody(Stream stream)
    {
        if (BodyLength > Compat.ArrayMaxLength)
            throw new SafetensorsFormatException($"The header refers to {BodyLength} bytes of tensor data, more than StaticNet can load at once ({Compat.ArrayMaxLength} bytes).");
        int length = (int)BodyLength;
        long? remaining = Remaining(stream);
        if (remaining is long r && length > r)
            throw new SafetensorsFormatException($"The tensor data is truncated: the header refers to {length} bytes, but only {r} follow it.");
        // Grow as data arrives, so that a corrupt length on a stream that cannot seek fails at its end, not at allocation.
        var body = new byte[Math.Min(length, 1 << 20)];
        int total = 0;
        while (total < length)
        {
            if (total == body.Length)
                Array.Resize(ref body, (int)Math.Min(length, 2L * body.Length));
            int n = stream.Read(body, total, body.Length - total);
            if (n == 0)
                throw new SafetensorsFormatException($"The tensor data is truncated: the header refers to {length} bytes, the stream ended after {total}.");
            total += n;
        }
        return body;
    }

    private static long? Remaining(Stream stream) => stream.CanSeek ? Math.Max(0, stream.Length - stream.Position) : null;

    /// <summary>Parses and validates the JSON header with <see cref="Utf8JsonReader"/> (no reflection).</summary>
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
                if (!names.Add(key))
                    throw new SafetensorsFormatException($"The header has two entries named '{key}'.");
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
        return new SafetensorsHeader(entries, metadata);
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
            Expect(ref reader, JsonTokenType.String, $"{MetadataKey} value '{key}' must be a string");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw new SafetensorsFormatException($"In the header, {MetadataKey} has two entries named '{key}'.");
        }
    }

    private static SafetensorsEntry ReadEntry(ref Utf8JsonReader reader, string name)
    {
        Expect(ref reader, JsonTokenType.StartObject, $"tensor '{name}' must be an object with dtype, shape and data_offsets");
        string? dtype = null;
        List<long>? shape = null, offsets = null;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string field = reader.GetString()!;
            switch (field)
            {
                case "dtype":
                    Expect(ref reader, JsonTokenType.String, $"tensor '{name}' dtype must be a string");
                    dtype = reader.GetString();
                    break;
                case "shape":
                    shape = ReadIntegers(ref reader, name, field);
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(ref reader, name, field);
                    break;
                default:
                    Next(ref reader);
                    reader.Skip();
                    break;
            }
        }
        if (dtype is null || shape is null || offsets is null)
            throw new SafetensorsFormatException($"In the header, tensor '{name}' lacks {(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}.");
        if (offsets.Count != 2 || offsets[0] > offsets[1])
            throw new SafetensorsFormatException($"In the header, tensor '{name}' has data_offsets {ShapeText(offsets)}; expected [begin, end] with begin <= end.");

        var dims = new int[shape.Count];
        long count = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (shape[i] > int.MaxValue || (shape[i] > 0 && count > long.MaxValue / shape[i]))
                throw new SafetensorsFormatException($"In the header, tensor '{name}' has shape {ShapeText(shape)}, which is too large.");
            dims[i] = (int)shape[i];
            count *= dims[i];
        }
        var entry = new SafetensorsEntry(name, dtype, dims, count, offsets[0], offsets[1]);
        int size = SafetensorsDTypes.Size(entry.DType);
        if (size != 0 && (count > long.MaxValue / size || count * size != entry.End - entry.Begin))
            throw new SafetensorsFormatException($"In the header, tensor '{name}' {dtype} {entry.ShapeText} needs {count} × {size} bytes, but its data_offsets [{entry.Begin}, {entry.End}] span {entry.End - entry.Begin}.");
        return entry;
    }

    private static string ShapeText(List<long> values) => "[" + string.Join(", ", values) + "]";

    private static List<long> ReadIntegers(ref Utf8JsonReader reader, string name, string field)
    {
        Expect(ref reader, JsonTokenType.StartArray, $"tensor '{name}' {field} must be an array of integers");
        var values = new List<long>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value) || value < 0)
                throw new SafetensorsFormatException($"In the header, tensor '{name}' {field} must hold non-negative integers; found {(reader.TokenType == JsonTokenType.Number ? reader.GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture) : reader.TokenType.ToString())}.");
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
