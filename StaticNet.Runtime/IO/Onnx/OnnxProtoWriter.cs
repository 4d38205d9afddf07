using System;
using System.IO;
using System.Text;

namespace StaticNet.IO.Onnx;

/// <summary>
/// The few protocol-buffer encodings an ONNX model needs (varints, length-delimited fields, little-endian floats),
/// written into a growable buffer. Export only: nothing here reads protobuf. A nested message is written into its own
/// <see cref="OnnxProtoWriter"/> and embedded with <see cref="Message"/>.
/// </summary>
internal sealed class OnnxProtoWriter
{
    private readonly MemoryStream _buffer = new();

    /// <summary>The bytes written so far.</summary>
    public long Length => _buffer.Length;

    /// <summary>Writes the encoded message to <paramref name="stream"/>.</summary>
    public void CopyTo(Stream stream)
    {
        _buffer.Position = 0;
        _buffer.CopyTo(stream);
    }

    private void Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }

    /// <summary>An int64 or int32 field (varint; a negative number as ten bytes, as protobuf's two's complement).</summary>
    public void Int(int field, long value)
    {
        Tag(field, 0);
        Varint(unchecked((ulong)value));
    }

    /// <summary>A float field (fixed 32 bits, little-endian).</summary>
    public void Float(int field, float value)
    {
        Tag(field, 5);
        WriteFloat(value);
    }

    private void WriteFloat(float value)
    {
        int bits = BitConverter.SingleToInt32Bits(value);
        _buffer.WriteByte((byte)bits);
        _buffer.WriteByte((byte)(bits >> 8));
        _buffer.WriteByte((byte)(bits >> 16));
        _buffer.WriteByte((byte)(bits >> 24));
    }

    /// <summary>A string field (UTF-8).</summary>
    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A bytes field.</summary>
    public void Bytes(int field, byte[] value)
    {
        Tag(field, 2);
        Varint((ulong)value.Length);
        _buffer.Write(value, 0, value.Length);
    }

    /// <summary>A packed repeated int64 field.</summary>
    public void PackedInts(int field, long[] values)
    {
        var packed = new OnnxProtoWriter();
        foreach (long value in values) packed.Varint(unchecked((ulong)value));
        Message(field, packed);
    }

    /// <summary>A packed repeated float field.</summary>
    public void PackedFloats(int field, float[] values)
    {
        Tag(field, 2);
        Varint((ulong)values.Length * 4);
        foreach (float value in values) WriteFloat(value);
    }

    /// <summary>Floats as a bytes field (a tensor's <c>raw_data</c>: little-endian, four bytes each).</summary>
    public void RawFloats(int field, float[] values) => PackedFloats(field, values);

    /// <summary>An embedded message.</summary>
    public void Message(int field, OnnxProtoWriter message)
    {
        Tag(field, 2);
        Varint((ulong)message._buffer.Length);
        message._buffer.Position = 0;
        message._buffer.CopyTo(_buffer);
    }
}
