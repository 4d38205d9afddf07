// netstandard2.1 only: the SIMD kernels (SimdVector.cs and the files built on it) need static abstract interface
// members and System.Runtime.Intrinsics, so on this target the kernels take the System.Numerics.Vector<float> path
// (DenseKernels.Forward) or the scalar ReferenceKernels.
using System.Numerics;

namespace StaticNet.Kernels;

internal static class KernelOptions
{
    [System.ThreadStatic] private static bool s_forceScalar;

    /// <summary>Forces (or stops forcing) the scalar reference path on the calling thread.</summary>
    internal static bool ForceScalar
    {
        get => s_forceScalar;
        set => s_forceScalar = value;
    }

    /// <summary>Whether <see cref="Vector{T}"/> is accelerated and not switched off on this thread.</summary>
    internal static bool UseVector => Vector.IsHardwareAccelerated && !s_forceScalar;
}
