using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;

namespace StaticNet.IO;

/// <summary>The safetensors dtypes StaticNet can convert to float; <see cref="Unknown"/> for any other (e.g. F8_E4M3).</summary>
internal enum SafetensorsDType
{
    Unknown = 0,
    Bool,
    U8,
    I8,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    I64,
    U64,
    F64,
}

/// <summary>Parsing, sizes and little-endian decoding of <see cref="SafetensorsDType"/>.</summary>
internal static class SafetensorsDTypes
{
    /// <summary>The floating-point dtypes <c>Safetensors.Load</c> accepts for network parameters.</summary>
    public const string LoadableText = "F32, F16, BF16 and F64";

    public static SafetensorsDType Parse(string name) => name switch
    {
        "BOOL" => SafetensorsDType.Bool,
        "U8" => SafetensorsDType.U8,
        "I8" => SafetensorsDType.I8,
        "I16" => SafetensorsDType.I16,
        "U16" => SafetensorsDType.U16,
        "F16" => SafetensorsDType.F16,
        "BF16" => SafetensorsDType.BF16,
        "I32" => SafetensorsDType.I32,
        "U32" => SafetensorsDType.U32,
        "F32" => SafetensorsDType.F32,
        "I64" => SafetensorsDType.I64,
        "U64" => SafetensorsDType.U64,
        "F64" => SafetensorsDType.F64,
        _ => SafetensorsDType.Unknown,
    };

    /// <summary>Every dtype of the format's reference implementation, for messages.</summary>
    public const string KnownText = "BOOL, U8, I8, I16, U16, I32, U32, I64, U64, F16, BF16, F32, F64, C64, F8_E4M3, F8_E5M2, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, F6_E2M3, F6_E3M2, F4";

    /// <summary>
    /// Bits per element of any dtype the reference implementation knows (including those StaticNet cannot convert,
    /// such as 8-, 6- and 4-bit floats and C64), or 0 for a name that is no safetensors dtype.
    /// </summary>
    public static int BitSize(string name) => name switch
    {
        "F4" => 4,
        "F6_E2M3" or "F6_E3M2" => 6,
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" or "F8_E4M3FNUZ" or "F8_E5M2FNUZ" => 8,
        "I16" or "U16" or "F16" or "BF16" => 16,
        "I32" or "U32" or "F32" => 32,
        "I64" or "U64" or "F64" or "C64" => 64,
        _ => 0,
    };

    /// <summary>Bytes per element; 0 for <see cref="SafetensorsDType.Unknown"/>.</summary>
    public static int Size(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.Bool or SafetensorsDType.U8 or SafetensorsDType.I8 => 1,
        SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 2,
        SafetensorsDType.I32 or SafetensorsDType.U32 or SafetensorsDType.F32 => 4,
        SafetensorsDType.I64 or SafetensorsDType.U64 or SafetensorsDType.F64 => 8,
        _ => 0,
    };

    /// <summary>Whether <c>Safetensors.Load</c> accepts the dtype for a parameter.</summary>
    public static bool IsFloatingPoint(SafetensorsDType dtype) =>
        dtype is SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.F64;

    /// <summary>Converts little-endian elements to float (F64 and 64-bit integers round to nearest).</summary>
    /// <param name="dtype">A known dtype.</param>
    /// <param name="source">Exactly <c>destination.Length × Size(dtype)</c> bytes.</param>
    /// <param name="destination">The floats to write.</param>
    public static void Decode(SafetensorsDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        int size = Size(dtype);
        if (size == 0 || source.Length != destination.Length * size)
            throw new ArgumentException($"Cannot decode {source.Length} bytes of {dtype} into {destination.Length} floats.");
        if (dtype == SafetensorsDType.F32 && BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(destination));
            return;
        }
        for (int i = 0; i < destination.Length; i++)
        {
            ReadOnlySpan<byte> e = source.Slice(i * size, size);
            destination[i] = dtype switch
            {
                SafetensorsDType.F32 => Compat.ReadSingleLittleEndian(e),
                SafetensorsDType.F64 => (float)Compat.ReadDoubleLittleEndian(e),
                SafetensorsDType.F16 => Compat.ReadHalfLittleEndian(e),
                SafetensorsDType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(e) << 16),
                SafetensorsDType.Bool => e[0] != 0 ? 1f : 0f,
                SafetensorsDType.U8 => e[0],
                SafetensorsDType.I8 => (sbyte)e[0],
                SafetensorsDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(e),
                SafetensorsDType.U16 => BinaryPrimitives.ReadUInt16LittleEndian(e),
                SafetensorsDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(e),
                SafetensorsDType.U32 => BinaryPrimitives.ReadUInt32LittleEndian(e),
                SafetensorsDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(e),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(e),
            };
        }
    }

    /// <summary>Whether the dtype is an integer that a counter such as <c>num_batches_tracked</c> may be stored as.</summary>
    public static bool IsInteger(SafetensorsDType dtype) =>
        dtype is SafetensorsDType.I64 or SafetensorsDType.I32 or SafetensorsDType.U8 or SafetensorsDType.I8 or SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.U32 or SafetensorsDType.U64;

    /// <summary>Writes whole-number floats as little-endian I64 (rounded to nearest).</summary>
    public static void WriteI64(Stream stream, ReadOnlySpan<float> values)
    {
        Span<byte> element = stackalloc byte[8];
        foreach (float value in values)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(element, (long)Math.Round(value));
            stream.Write(element);
        }
    }

    /// <summary>Writes floats as little-endian F32 to a stream, converting in small chunks on big-endian hosts.</summary>
    public static void WriteF32(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> chunk = stackalloc byte[256];
        while (!values.IsEmpty)
        {
            int n = Math.Min(values.Length, chunk.Length / 4);
            for (int i = 0; i < n; i++)
                Compat.WriteSingleLittleEndian(chunk.Slice(i * 4), values[i]);
            stream.Write(chunk.Slice(0, n * 4));
            values = values.Slice(n);
        }
    }
}
