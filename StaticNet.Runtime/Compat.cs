using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet;

/// <summary>
/// Argument checks that exist as static BCL methods on net8.0 but not on netstandard2.1; on net8.0 each forwards to
/// the BCL method.
/// </summary>
internal static class Throw
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void IfNull(object? argument, [CallerArgumentExpression(nameof(argument))] string? paramName = null)
    {
        if (argument is null) throw new ArgumentNullException(paramName);
    }

    public static void IfNullOrEmpty(string? argument, [CallerArgumentExpression(nameof(argument))] string? paramName = null)
    {
#if NET8_0_OR_GREATER
        ArgumentException.ThrowIfNullOrEmpty(argument, paramName);
#else
        if (argument is null) throw new ArgumentNullException(paramName);
        if (argument.Length == 0) throw new ArgumentException("The value cannot be an empty string.", paramName);
#endif
    }

    public static void IfNegative(int value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
#if NET8_0_OR_GREATER
        ArgumentOutOfRangeException.ThrowIfNegative(value, paramName);
#else
        if (value < 0) throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} ('{value}') must be a non-negative value.");
#endif
    }

    public static void IfLessThan(int value, int other, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
#if NET8_0_OR_GREATER
        ArgumentOutOfRangeException.ThrowIfLessThan(value, other, paramName);
#else
        if (value < other) throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} ('{value}') must be greater than or equal to '{other}'.");
#endif
    }
}

/// <summary>BCL members that net8.0 has and netstandard2.1 lacks, with a fallback for the latter.</summary>
internal static class Compat
{
#if NET8_0_OR_GREATER
    public static int ArrayMaxLength => Array.MaxLength;
#else
    public static int ArrayMaxLength => 0x7FFFFFC7;
#endif

    public static string ToHexString(ReadOnlySpan<byte> bytes)
    {
#if NET8_0_OR_GREATER
        return Convert.ToHexString(bytes);
#else
        return BitConverter.ToString(bytes.ToArray()).Replace("-", "");
#endif
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T GetArrayDataReference<T>(T[] array)
    {
#if NET8_0_OR_GREATER
        return ref MemoryMarshal.GetArrayDataReference(array);
#else
        return ref MemoryMarshal.GetReference(array.AsSpan());
#endif
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReadSingleLittleEndian(ReadOnlySpan<byte> source)
    {
#if NET8_0_OR_GREATER
        return BinaryPrimitives.ReadSingleLittleEndian(source);
#else
        int bits = BinaryPrimitives.ReadInt32LittleEndian(source);
        return Unsafe.As<int, float>(ref bits);
#endif
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ReadDoubleLittleEndian(ReadOnlySpan<byte> source)
    {
#if NET8_0_OR_GREATER
        return BinaryPrimitives.ReadDoubleLittleEndian(source);
#else
        return BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(source));
#endif
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteSingleLittleEndian(Span<byte> destination, float value)
    {
#if NET8_0_OR_GREATER
        BinaryPrimitives.WriteSingleLittleEndian(destination, value);
#else
        BinaryPrimitives.WriteInt32LittleEndian(destination, Unsafe.As<float, int>(ref value));
#endif
    }

    /// <summary>An IEEE binary16 value, little-endian, widened to float.</summary>
    public static float ReadHalfLittleEndian(ReadOnlySpan<byte> source)
    {
#if NET8_0_OR_GREATER
        return (float)BinaryPrimitives.ReadHalfLittleEndian(source);
#else
        int h = BinaryPrimitives.ReadUInt16LittleEndian(source);
        int sign = (h & 0x8000) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
        float magnitude = exponent switch
        {
            0 => mantissa * (1f / 16777216f),                                         // subnormal: m · 2⁻²⁴
            0x1F => mantissa == 0 ? float.PositiveInfinity : float.NaN,
            _ => BitConverter.Int32BitsToSingle(((exponent + 112) << 23) | (mantissa << 13)),
        };
        return sign != 0 ? -magnitude : magnitude;
#endif
    }

    public static bool IsDefined<T>(T value) where T : struct, Enum
    {
#if NET8_0_OR_GREATER
        return Enum.IsDefined(value);
#else
        return Enum.IsDefined(typeof(T), value);
#endif
    }
}
