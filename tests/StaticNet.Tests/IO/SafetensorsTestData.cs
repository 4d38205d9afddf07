using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using StaticNet;

namespace StaticNet.Tests.IO;

/// <summary>Hand-made safetensors bytes and a small network layout for the safetensors tests.</summary>
internal static class SafetensorsTestData
{
    /// <summary>
    /// A layout like a generated network's: two dense layers whose weights are stored transposed with padding
    /// (stride larger than the row count), and their biases. The buffer has 20 + 3 + 12 + 2 = 37 floats.
    /// </summary>
    public static ParameterTensor[] Layout() =>
    [
        new ParameterTensor("fc1.weight", [3, 4], 0, TensorLayout.TransposedMatrix, stride: 5),
        new ParameterTensor("fc1.bias", [3], 20),
        new ParameterTensor("fc2.weight", [2, 3], 23, TensorLayout.TransposedMatrix, stride: 4),
        new ParameterTensor("fc2.bias", [2], 35),
    ];

    public const int LayoutLength = 37;

    /// <summary>A parameter buffer for <see cref="Layout"/> with distinct values in every tensor element and zero padding.</summary>
    public static float[] Parameters(int seed)
    {
        var parameters = new float[LayoutLength];
        var random = new Random(seed);
        var values = new float[12];
        foreach (ParameterTensor tensor in Layout())
        {
            Span<float> v = values.AsSpan(0, tensor.ElementCount);
            for (int i = 0; i < v.Length; i++)
                v[i] = (float)(random.NextDouble() * 2 - 1);
            tensor.ImportFrom(v, parameters);
        }
        return parameters;
    }

    /// <summary>A buffer of recognisable values (including -0 and a NaN payload) to check that a failed load left it alone.</summary>
    public static float[] Sentinel()
    {
        var parameters = new float[LayoutLength];
        for (int i = 0; i < parameters.Length; i++)
            parameters[i] = i * 0.5f - 3f;
        parameters[1] = -0f;
        parameters[2] = BitConverter.Int32BitsToSingle(0x7fc0_1234);
        return parameters;
    }

    /// <summary>Saves <see cref="Parameters"/> through <see cref="Layout"/>.</summary>
    public static byte[] SavedLayout(int seed = 1)
    {
        using var stream = new MemoryStream();
        StaticNet.IO.Safetensors.Save(stream, Layout(), Parameters(seed));
        return stream.ToArray();
    }

    /// <summary>Builds a safetensors file from header JSON text and a data buffer, with the length prefix set to the JSON's length.</summary>
    public static byte[] Raw(string json, byte[] body) => Raw(Encoding.UTF8.GetBytes(json), body, null);

    /// <summary>Builds a safetensors file; <paramref name="declaredLength"/> overrides the length prefix.</summary>
    public static byte[] Raw(byte[] header, byte[] body, ulong? declaredLength)
    {
        var bytes = new byte[8 + header.Length + body.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        body.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>Little-endian float32 bytes.</summary>
    public static byte[] F32(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    /// <summary>Whether two float buffers are bit-identical (NaN payloads and signed zeros included).</summary>
    public static bool BitEqual(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        MemoryMarshal.AsBytes(a).SequenceEqual(MemoryMarshal.AsBytes(b));

    /// <summary>The header length prefix and JSON text of a safetensors file.</summary>
    public static (ulong Length, string Json) Header(byte[] file)
    {
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file);
        return (length, Encoding.UTF8.GetString(file, 8, (int)length));
    }
}

/// <summary>A read-only stream that cannot seek and returns at most a few bytes per read, like a network stream.</summary>
internal sealed class TrickleStream(byte[] data) : Stream
{
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = Math.Min(Math.Min(count, 7), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }
}
