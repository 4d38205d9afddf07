// A reader of the subset of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) that ONNX import needs:
// ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto (raw_data, float_data, int32_data, int64_data),
// ValueInfoProto / TypeProto shapes and OperatorSetIdProto. One source file, compiled into the runtime (namespace
// StaticNet.IO, which reads the initializers at run time) and linked into the generator (namespace
// StaticNet.Generator.Onnx, STATICNET_GENERATOR defined, which maps the graph to layers at build time), so that neither
// needs a protobuf package and both read a file the same way. Tensor data is not copied: a tensor records where its
// raw_data lies in the file, and the caller reads it from the file's bytes in place.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Onnx;
#else
namespace StaticNet.IO;
#endif

/// <summary>A malformed or unsupported ONNX file: the message says where and what was expected.</summary>
internal sealed class OnnxFormatException : Exception
{
    public OnnxFormatException(string message) : base(message) { }
}

/// <summary>ModelProto: the opsets and the graph.</summary>
internal sealed class OnnxModel
{
    public long IrVersion;
    public string ProducerName = "";
    public readonly List<KeyValuePair<string, long>> Opsets = new();
    public OnnxGraph Graph = new();

    /// <summary>The default domain's opset version (the one ONNX operators use), or 0 when the model declares none.</summary>
    public long DefaultOpset
    {
        get
        {
            foreach (KeyValuePair<string, long> opset in Opsets)
                if (opset.Key.Length == 0 || opset.Key == "ai.onnx") return opset.Value;
            return 0;
        }
    }

    /// <summary>Reads a whole model. Throws <see cref="OnnxFormatException"/> on anything that is not protobuf of onnx.proto's shape.</summary>
    public static OnnxModel Read(ReadOnlySpan<byte> file)
    {
        var model = new OnnxModel();
        var reader = new OnnxProtoReader(file, 0, file.Length);
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 0: model.IrVersion = (long)reader.Varint(); break;
                case 2 when wire == 2: model.ProducerName = reader.String(file); break;
                case 7 when wire == 2:
                    {
                        (int start, int length) = reader.Bytes();
                        model.Graph = OnnxGraph.Read(file, start, length);
                        break;
                    }
                case 8 when wire == 2:
                    {
                        (int start, int length) = reader.Bytes();
                        var sub = new OnnxProtoReader(file, start, length);
                        string domain = "";
                        long version = 0;
                        while (sub.Next(out int f, out int w))
                        {
                            if (f == 1 && w == 2) domain = sub.String(file);
                            else if (f == 2 && w == 0) version = (long)sub.Varint();
                            else sub.Skip(w);
                        }
                        model.Opsets.Add(new KeyValuePair<string, long>(domain, version));
                        break;
                    }
                default: reader.Skip(wire); break;
            }
        }
        return model;
    }
}

/// <summary>GraphProto: nodes in topological order, initializers, inputs and outputs.</summary>
internal sealed class OnnxGraph
{
    public string Name = "";
    public readonly List<OnnxNode> Nodes = new();
    public readonly List<OnnxTensor> Initializers = new();
    public readonly List<OnnxValueInfo> Inputs = new();
    public readonly List<OnnxValueInfo> Outputs = new();
    public readonly List<OnnxValueInfo> ValueInfo = new();

    public static OnnxGraph Read(ReadOnlySpan<byte> file, int start, int length)
    {
        var graph = new OnnxGraph();
        var reader = new OnnxProtoReader(file, start, length);
        while (reader.Next(out int field, out int wire))
        {
            if (wire != 2) { reader.Skip(wire); continue; }
            switch (field)
            {
                case 1: { (int s, int l) = reader.Bytes(); graph.Nodes.Add(OnnxNode.Read(file, s, l)); break; }
                case 2: graph.Name = reader.String(file); break;
                case 5: { (int s, int l) = reader.Bytes(); graph.Initializers.Add(OnnxTensor.Read(file, s, l)); break; }
                case 11: { (int s, int l) = reader.Bytes(); graph.Inputs.Add(OnnxValueInfo.Read(file, s, l)); break; }
                case 12: { (int s, int l) = reader.Bytes(); graph.Outputs.Add(OnnxValueInfo.Read(file, s, l)); break; }
                case 13: { (int s, int l) = reader.Bytes(); graph.ValueInfo.Add(OnnxValueInfo.Read(file, s, l)); break; }
                default: reader.Skip(wire); break;
            }
        }
        return graph;
    }
}

/// <summary>NodeProto: one operator application.</summary>
internal sealed class OnnxNode
{
    public string Name = "";
    public string OpType = "";
    public string Domain = "";
    public readonly List<string> Inputs = new();
    public readonly List<string> Outputs = new();
    public readonly List<OnnxAttribute> Attributes = new();

    public static OnnxNode Read(ReadOnlySpan<byte> file, int start, int length)
    {
        var node = new OnnxNode();
        var reader = new OnnxProtoReader(file, start, length);
        while (reader.Next(out int field, out int wire))
        {
            if (wire != 2) { reader.Skip(wire); continue; }
            switch (field)
            {
                case 1: node.Inputs.Add(reader.String(file)); break;
                case 2: node.Outputs.Add(reader.String(file)); break;
                case 3: node.Name = reader.String(file); break;
                case 4: node.OpType = reader.String(file); break;
                case 5: { (int s, int l) = reader.Bytes(); node.Attributes.Add(OnnxAttribute.Read(file, s, l)); break; }
                case 7: node.Domain = reader.String(file); break;
                default: reader.Skip(wire); break;
            }
        }
        return node;
    }

    /// <summary>The attribute of that name, or null.</summary>
    public OnnxAttribute? Attribute(string name)
    {
        foreach (OnnxAttribute attribute in Attributes)
            if (attribute.Name == name) return attribute;
        return null;
    }
}

/// <summary>AttributeProto: the value kinds import reads (float, int, string, tensor, floats, ints).</summary>
internal sealed class OnnxAttribute
{
    public const int FloatType = 1, IntType = 2, StringType = 3, TensorType = 4, GraphType = 5, FloatsType = 6, IntsType = 7, StringsType = 8;

    public string Name = "";
    public int Type;
    public float F;
    public long I;
    public string? S;
    public OnnxTensor? T;
    public readonly List<float> Floats = new();
    public readonly List<long> Ints = new();
    public readonly List<string> Strings = new();

    public static OnnxAttribute Read(ReadOnlySpan<byte> file, int start, int length)
    {
        var attribute = new OnnxAttribute();
        var reader = new OnnxProtoReader(file, start, length);
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 2: attribute.Name = reader.String(file); break;
                case 2 when wire == 5: attribute.F = reader.Float(); break;
                case 3 when wire == 0: attribute.I = (long)reader.Varint(); break;
                case 4 when wire == 2: attribute.S = reader.String(file); break;
                case 5 when wire == 2: { (int s, int l) = reader.Bytes(); attribute.T = OnnxTensor.Read(file, s, l); break; }
                case 7: reader.Floats(wire, attribute.Floats); break;
                case 8: reader.Int64s(wire, attribute.Ints); break;
                case 9 when wire == 2: attribute.Strings.Add(reader.String(file)); break;
                case 20 when wire == 0: attribute.Type = (int)reader.Varint(); break;
                default: reader.Skip(wire); break;
            }
        }
        return attribute;
    }

    /// <summary>The value as text for messages: <c>2</c>, <c>[1, 1]</c>, <c>"constant"</c>, <c>0.5</c>.</summary>
    public override string ToString() => Type switch
    {
        FloatType => F.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        IntType => I.ToString(System.Globalization.CultureInfo.InvariantCulture),
        StringType => "\"" + S + "\"",
        IntsType => "[" + string.Join(", ", Ints) + "]",
        FloatsType => "[" + string.Join(", ", Floats) + "]",
        TensorType => "a tensor",
        _ => "a value of attribute type " + Type,
    };
}

/// <summary>TensorProto: dims, data type and where its data lies (raw_data in the file, or the typed repeated fields).</summary>
internal sealed class OnnxTensor
{
    public const int Float = 1, Int32 = 6, Int64 = 7, Double = 11;

    public string Name = "";
    public long[] Dims = new long[0];
    public int DataType;
    /// <summary>Where raw_data starts in the file, or -1 without raw_data.</summary>
    public int RawOffset = -1;
    public int RawLength;
    public readonly List<float> FloatData = new();
    public readonly List<long> IntData = new(); // int32_data and int64_data
    public bool IsExternal;

    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long d in Dims) count *= d;
            return count;
        }
    }

    public string ShapeText => "[" + string.Join(", ", Dims) + "]";

    public static OnnxTensor Read(ReadOnlySpan<byte> file, int start, int length)
    {
        var tensor = new OnnxTensor();
        var dims = new List<long>();
        var reader = new OnnxProtoReader(file, start, length);
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1: reader.Int64s(wire, dims); break;
                case 2 when wire == 0: tensor.DataType = (int)reader.Varint(); break;
                case 4: reader.Floats(wire, tensor.FloatData); break;
                case 5: reader.Int64s(wire, tensor.IntData); break;
                case 7: reader.Int64s(wire, tensor.IntData); break;
                case 8 when wire == 2: tensor.Name = reader.String(file); break;
                case 9 when wire == 2: (tensor.RawOffset, tensor.RawLength) = reader.Bytes(); break;
                case 13 when wire == 2: tensor.IsExternal = true; reader.Skip(wire); break;
                case 14 when wire == 0: tensor.IsExternal |= reader.Varint() == 1; break;
                default: reader.Skip(wire); break;
            }
        }
        tensor.Dims = dims.ToArray();
        return tensor;
    }

    /// <summary>Element <paramref name="index"/> as a float (float tensors only).</summary>
    public float FloatAt(ReadOnlySpan<byte> file, long index)
    {
        if (RawOffset >= 0) return MemoryMarshal.Read<float>(file.Slice(RawOffset + (int)index * 4, 4));
        return FloatData[(int)index];
    }

    /// <summary>The elements of an integer tensor (int32 or int64): small tensors only (shapes, axes, pads).</summary>
    public long[] Integers(ReadOnlySpan<byte> file)
    {
        if (DataType != Int64 && DataType != Int32)
            throw new OnnxFormatException($"Tensor '{Name}' has data type {DataType}; expected an integer tensor (INT64 = 7 or INT32 = 6).");
        if (RawOffset < 0) return IntData.ToArray();
        int size = DataType == Int64 ? 8 : 4;
        var values = new long[RawLength / size];
        for (int i = 0; i < values.Length; i++)
            values[i] = size == 8 ? MemoryMarshal.Read<long>(file.Slice(RawOffset + i * 8, 8)) : MemoryMarshal.Read<int>(file.Slice(RawOffset + i * 4, 4));
        return values;
    }

    /// <summary>Whether the float data is all there: raw_data of 4 bytes per element, or that many float_data.</summary>
    public string? FloatDataProblem()
    {
        if (DataType != Float) return $"data type {DataType}; expected FLOAT (1)";
        if (IsExternal) return "its data in an external file; expected the weights inside the .onnx (save without external data)";
        long count = ElementCount;
        if (RawOffset >= 0 ? RawLength != count * 4 : FloatData.Count != count)
            return $"{(RawOffset >= 0 ? RawLength / 4 : FloatData.Count)} floats of data; expected {count} for shape {ShapeText}";
        return null;
    }
}

/// <summary>ValueInfoProto with a tensor type: the element type and each dimension (its value, or -1 and its symbolic name).</summary>
internal sealed class OnnxValueInfo
{
    public string Name = "";
    public int ElementType;
    public bool HasShape;
    public readonly List<long> Dims = new();
    public readonly List<string?> DimParams = new();

    public string ShapeText
    {
        get
        {
            var parts = new List<string>();
            for (int i = 0; i < Dims.Count; i++) parts.Add(Dims[i] >= 0 ? Dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture) : DimParams[i] ?? "?");
            return "[" + string.Join(", ", parts) + "]";
        }
    }

    public static OnnxValueInfo Read(ReadOnlySpan<byte> file, int start, int length)
    {
        var info = new OnnxValueInfo();
        var reader = new OnnxProtoReader(file, start, length);
        while (reader.Next(out int field, out int wire))
        {
            if (field == 1 && wire == 2) info.Name = reader.String(file);
            else if (field == 2 && wire == 2)
            {
                (int s, int l) = reader.Bytes();
                var type = new OnnxProtoReader(file, s, l);
                while (type.Next(out int tf, out int tw))
                {
                    if (tf != 1 || tw != 2) { type.Skip(tw); continue; } // tensor_type
                    (int ts, int tl) = type.Bytes();
                    var tensor = new OnnxProtoReader(file, ts, tl);
                    while (tensor.Next(out int f, out int w))
                    {
                        if (f == 1 && w == 0) info.ElementType = (int)tensor.Varint();
                        else if (f == 2 && w == 2)
                        {
                            info.HasShape = true;
                            (int ss, int sl) = tensor.Bytes();
                            var shape = new OnnxProtoReader(file, ss, sl);
                            while (shape.Next(out int df, out int dw))
                            {
                                if (df != 1 || dw != 2) { shape.Skip(dw); continue; }
                                (int ds, int dl) = shape.Bytes();
                                var dim = new OnnxProtoReader(file, ds, dl);
                                long value = -1;
                                string? param = null;
                                while (dim.Next(out int xf, out int xw))
                                {
                                    if (xf == 1 && xw == 0) value = (long)dim.Varint();
                                    else if (xf == 2 && xw == 2) param = dim.String(file);
                                    else dim.Skip(xw);
                                }
                                info.Dims.Add(value);
                                info.DimParams.Add(param);
                            }
                        }
                        else tensor.Skip(w);
                    }
                }
            }
            else reader.Skip(wire);
        }
        return info;
    }
}

/// <summary>The protobuf wire format over a slice of the file: tags, varints, fixed32/64 and length-delimited fields.</summary>
internal ref struct OnnxProtoReader
{
    private readonly ReadOnlySpan<byte> _file;
    private int _position;
    private readonly int _end;

    public OnnxProtoReader(ReadOnlySpan<byte> file, int start, int length)
    {
        if (start < 0 || length < 0 || (long)start + length > file.Length)
            throw new OnnxFormatException($"A field at byte {start} claims {length} bytes, past the end of the {file.Length}-byte file; the file is truncated or not ONNX.");
        _file = file;
        _position = start;
        _end = start + length;
    }

    public bool Next(out int field, out int wire)
    {
        if (_position >= _end) { field = wire = 0; return false; }
        ulong tag = Varint();
        field = (int)(tag >> 3);
        wire = (int)(tag & 7);
        if (field == 0) throw new OnnxFormatException($"Field number 0 at byte {_position}; the file is not ONNX (protobuf).");
        return true;
    }

    public ulong Varint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _end) throw new OnnxFormatException($"A number runs past the end of its field at byte {_position}; the file is truncated or not ONNX.");
            byte b = _file[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new OnnxFormatException($"A number longer than 10 bytes at byte {_position}; the file is not ONNX (protobuf).");
    }

    public (int Start, int Length) Bytes()
    {
        ulong length = Varint();
        if (length > (ulong)(_end - _position))
            throw new OnnxFormatException($"A field at byte {_position} claims {length} bytes but its message has {_end - _position} left; the file is truncated or not ONNX.");
        int start = _position;
        _position += (int)length;
        return (start, (int)length);
    }

    public string String(ReadOnlySpan<byte> file)
    {
        (int start, int length) = Bytes();
        return Decode(file.Slice(start, length));
    }

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        var array = bytes.ToArray();
        return Encoding.UTF8.GetString(array, 0, array.Length);
    }

    public float Float()
    {
        Need(4);
        float value = MemoryMarshal.Read<float>(_file.Slice(_position, 4));
        _position += 4;
        return value;
    }

    /// <summary>A repeated float field, packed (wire 2) or not (wire 5).</summary>
    public void Floats(int wire, List<float> into)
    {
        if (wire == 5) { into.Add(Float()); return; }
        if (wire != 2) { Skip(wire); return; }
        (int start, int length) = Bytes();
        for (int i = 0; i + 4 <= length; i += 4)
            into.Add(MemoryMarshal.Read<float>(_file.Slice(start + i, 4)));
    }

    /// <summary>A repeated int64/int32 field, packed (wire 2) or not (wire 0): plain varints (negative values are ten-byte two's complement).</summary>
    public void Int64s(int wire, List<long> into)
    {
        if (wire == 0) { into.Add((long)Varint()); return; }
        if (wire != 2) { Skip(wire); return; }
        (int start, int length) = Bytes();
        var packed = new OnnxProtoReader(_file, start, length);
        while (packed._position < packed._end) into.Add((long)packed.Varint());
    }

    public void Skip(int wire)
    {
        switch (wire)
        {
            case 0: Varint(); break;
            case 1: Need(8); _position += 8; break;
            case 2: Bytes(); break;
            case 5: Need(4); _position += 4; break;
            default: throw new OnnxFormatException($"Wire type {wire} at byte {_position}; the file is not ONNX (protobuf with wire types 0, 1, 2, 5).");
        }
    }

    private void Need(int count)
    {
        if (_end - _position < count)
            throw new OnnxFormatException($"A {count}-byte value at byte {_position} runs past the end of its message; the file is truncated or not ONNX.");
    }
}
