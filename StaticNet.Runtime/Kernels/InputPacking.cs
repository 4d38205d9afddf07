using System;
using System.Buffers;

namespace StaticNet.Kernels;

/// <summary>
/// Several named inputs (<c>[Input(6, Name = "state")] [Input(2, Name = "action")]</c>): the network runs on one packed
/// input, each sample the inputs' values one after the other in declaration order; the generated overloads that take
/// one span per input pack them with these helpers into a pooled buffer (no allocation once the pool has one).
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public static class InputPacking
{
    /// <summary>
    /// The number of samples in <paramref name="values"/> (a whole number of <paramref name="size"/>-float samples), which
    /// must equal <paramref name="samples"/> unless that is -1 (the first input, which sets it); throws otherwise.
    /// </summary>
    public static int Samples(ReadOnlySpan<float> values, int size, int samples, string parameterName, string network)
    {
        if (values.Length % size != 0)
            throw new ArgumentException(
                $"{network}: expected '{parameterName}' to hold whole samples of {size} floats; found {values.Length} floats, which is not a multiple of {size}.", parameterName);
        int count = values.Length / size;
        if (samples >= 0 && count != samples)
            throw new ArgumentException(
                $"{network}: expected '{parameterName}' to hold {samples} samples of {size} floats ({(long)samples * size} floats), as many as the first input; found {count} ({values.Length} floats).", parameterName);
        return count;
    }

    /// <summary>A pooled buffer of at least <paramref name="length"/> floats; give it back with <see cref="Return"/>.</summary>
    public static float[] Rent(int length) => ArrayPool<float>.Shared.Rent(Math.Max(length, 1));

    /// <summary>Gives back a buffer from <see cref="Rent"/>.</summary>
    public static void Return(float[] buffer) => ArrayPool<float>.Shared.Return(buffer);

    /// <summary>Copies <paramref name="samples"/> samples of one input into their columns of the packed samples.</summary>
    public static void Pack(ReadOnlySpan<float> values, int size, int offset, Span<float> packed, int packedSize, int samples)
    {
        for (int s = 0; s < samples; s++)
            values.Slice(s * size, size).CopyTo(packed.Slice(s * packedSize + offset, size));
    }

    /// <summary>Copies one input's columns of <paramref name="samples"/> packed samples into <paramref name="values"/>.</summary>
    public static void Unpack(ReadOnlySpan<float> packed, int packedSize, int offset, int size, Span<float> values, int samples)
    {
        for (int s = 0; s < samples; s++)
            packed.Slice(s * packedSize + offset, size).CopyTo(values.Slice(s * size, size));
    }
}
