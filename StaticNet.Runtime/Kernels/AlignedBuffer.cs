using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// A zeroed float buffer whose first element sits on a 64-byte boundary (a cache line, and one 512-bit vector), in a
/// pinned array so that the alignment holds for the buffer's lifetime. Generated networks carve their parameters,
/// gradients and activations out of these at construction.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class AlignedBuffer
{
    private const int AlignmentFloats = 16;
    private readonly float[] _array;
    private readonly int _start;

    /// <summary>Allocates a zeroed buffer of <paramref name="length"/> floats.</summary>
    public unsafe AlignedBuffer(int length)
    {
        Throw.IfNegative(length);
#if NET8_0_OR_GREATER
        _array = GC.AllocateArray<float>(length + AlignmentFloats, pinned: true);
#else
        // netstandard2.1 has no pinned object heap: pin with a GCHandle for the buffer's lifetime (freed by the finalizer).
        _array = new float[length + AlignmentFloats];
        _handle = System.Runtime.InteropServices.GCHandle.Alloc(_array, System.Runtime.InteropServices.GCHandleType.Pinned);
#endif
        _start = FloatsToBoundary(ref _array[0]);
        Length = length;
    }

    /// <summary>
    /// How many floats from <paramref name="start"/> to the next 64-byte boundary (0 to 15): where a 64-byte-aligned
    /// run starts in a pinned array or on the stack that has 16 floats to spare.
    /// </summary>
    internal static unsafe int FloatsToBoundary(ref float start) =>
        (int)((AlignmentFloats * sizeof(float) - ((nuint)Unsafe.AsPointer(ref start) & (AlignmentFloats * sizeof(float) - 1))) & (AlignmentFloats * sizeof(float) - 1)) / sizeof(float);

#if !NET8_0_OR_GREATER
    private System.Runtime.InteropServices.GCHandle _handle;

    /// <summary>Unpins the array.</summary>
    ~AlignedBuffer()
    {
        if (_handle.IsAllocated) _handle.Free();
    }

#endif
    /// <summary>The number of floats.</summary>
    public int Length { get; }

    /// <summary>The buffer.</summary>
    public Span<float> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _array.AsSpan(_start, Length);
    }
}
