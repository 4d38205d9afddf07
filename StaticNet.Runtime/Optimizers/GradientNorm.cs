using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Optimizers;

/// <summary>
/// The gradient's squared L2 norm, the one reduction pass an optimizer step makes before its fused update (for global-norm
/// clipping and to refuse a NaN or infinite gradient). Its own vector loop rather than <c>TensorPrimitives.Norm</c>:
/// that method is not compiled optimised on its first calls, and on a machine that keeps compiling it stayed
/// unoptimised for hundreds of steps (a 102,544-float norm took 139 µs there instead of 2–4 µs, more than the MLP's
/// whole update); this loop is <see cref="MethodImplOptions.AggressiveOptimization"/>, as the update loops are.
/// </summary>
/// <remarks>
/// Blocks of <see cref="Block"/> floats are summed in four float vector accumulators (each lane adds 32 squares at
/// most), each block's total is added in double precision, the tail in double. The order depends on the vector width
/// only, never on the data or its alignment, so a network's norm is the same bits on every call and for any number of
/// training threads. A float square overflows for |g| above about 1.8e19, which makes the norm infinite: such a
/// gradient is refused as "too large for a float", as before.
/// </remarks>
internal static class GradientNorm
{
    /// <summary>Floats per block whose float sum is added in double precision (a multiple of 4 × 16).</summary>
    internal const int Block = 2048;

    /// <summary>Σ gᵢ², as described on the class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SumOfSquares(ReadOnlySpan<float> gradients)
    {
        ref float g = ref MemoryMarshal.GetReference(gradients);
        nuint n = (nuint)gradients.Length, i = 0;
        double sum = 0;
#if NET8_0_OR_GREATER
        switch (Kernels.KernelOptions.Path)
        {
            case 512: i = Vectors<Kernels.V512>(ref g, n, ref sum); break;
            case 256: i = Vectors<Kernels.V256>(ref g, n, ref sum); break;
            case 128: i = Vectors<Kernels.V128>(ref g, n, ref sum); break;
        }
#endif
        for (; i < n; i++)
        {
            double x = Unsafe.Add(ref g, i);
            sum += x * x;
        }
        return sum;
    }

    /// <summary>The L2 norm as a float: <c>√Σ gᵢ²</c> (infinite when a gradient is, NaN when one is NaN).</summary>
    public static float Norm(ReadOnlySpan<float> gradients) => (float)Math.Sqrt(SumOfSquares(gradients));

    /// <summary>
    /// The number of blocks <see cref="SumOfSquares"/> splits <paramref name="length"/> floats into (0 without a vector
    /// path: then it is all tail). With <see cref="BlockSum"/> and <see cref="Combine"/>, threads can each sum some of the
    /// blocks of one span and the caller add them into the bits of <see cref="SumOfSquares"/>.
    /// </summary>
    /// <param name="length">The span's length.</param>
    /// <param name="path">The vector path of the thread whose <see cref="SumOfSquares"/> to reproduce (<c>KernelOptions.Path</c>).</param>
    public static int BlockCount(int length, int path)
    {
        int vectorEnd = VectorEnd(length, path);
        return (vectorEnd + Block - 1) / Block;
    }

    /// <summary>Block <paramref name="block"/>'s float sum of squares, exactly as <see cref="SumOfSquares"/> adds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float BlockSum(ReadOnlySpan<float> gradients, int block, int path)
    {
        ref float g = ref MemoryMarshal.GetReference(gradients);
        nuint start = (nuint)block * Block, vectorEnd = (nuint)VectorEnd(gradients.Length, path);
        nuint end = start + Block < vectorEnd ? start + Block : vectorEnd;
#if NET8_0_OR_GREATER
        switch (path)
        {
            case 512: return BlockVectors<Kernels.V512>(ref g, start, end);
            case 256: return BlockVectors<Kernels.V256>(ref g, start, end);
            case 128: return BlockVectors<Kernels.V128>(ref g, start, end);
        }
#endif
        throw new InvalidOperationException("No vector path: the gradient has no blocks.");
    }

    /// <summary>
    /// <see cref="SumOfSquares"/> of <paramref name="gradients"/> from its blocks' sums (<see cref="BlockSum"/>, in block
    /// order, <see cref="BlockCount"/> of them) and its tail: the same bits.
    /// </summary>
    public static double Combine(ReadOnlySpan<float> blockSums, ReadOnlySpan<float> gradients, int path)
    {
        double sum = 0;
        for (int b = 0; b < blockSums.Length; b++) sum += blockSums[b];
        for (int i = VectorEnd(gradients.Length, path); i < gradients.Length; i++)
        {
            double x = gradients[i];
            sum += x * x;
        }
        return sum;
    }

    /// <summary>Where <see cref="SumOfSquares"/>'s vector part ends (whole groups of four vectors) and its scalar tail starts.</summary>
    private static int VectorEnd(int length, int path)
    {
#if NET8_0_OR_GREATER
        int step = path switch { 512 => 64, 256 => 32, 128 => 16, _ => 0 };
        return step == 0 || length < step ? 0 : length - length % step;
#else
        return 0;
#endif
    }

#if NET8_0_OR_GREATER
    /// <summary>The whole blocks and then whole groups of four vectors; returns how many floats it summed into <paramref name="sum"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nuint Vectors<V>(ref float g, nuint n, ref double sum) where V : struct, Kernels.ISimdVector<V>
    {
        nuint step = 4 * (nuint)V.Count, i = 0;
        while (i + step <= n)
        {
            nuint end = Math.Min(i + Block, n - n % step);
            sum += BlockVectors<V>(ref g, i, end);
            i = end;
        }
        return i;
    }

    /// <summary>One block's float sum of squares, <c>[start, end)</c>, a whole number of groups of four vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float BlockVectors<V>(ref float g, nuint start, nuint end) where V : struct, Kernels.ISimdVector<V>
    {
        nuint step = 4 * (nuint)V.Count;
        V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero;
        for (nuint i = start; i < end; i += step)
        {
            V x0 = V.Load(ref Unsafe.Add(ref g, i)), x1 = V.Load(ref Unsafe.Add(ref g, i + (nuint)V.Count));
            V x2 = V.Load(ref Unsafe.Add(ref g, i + 2 * (nuint)V.Count)), x3 = V.Load(ref Unsafe.Add(ref g, i + 3 * (nuint)V.Count));
            a0 = V.MultiplyAdd(x0, x0, a0);
            a1 = V.MultiplyAdd(x1, x1, a1);
            a2 = V.MultiplyAdd(x2, x2, a2);
            a3 = V.MultiplyAdd(x3, x3, a3);
        }
        return Kernels.SimdReduce.Sum(V.Add(V.Add(a0, a1), V.Add(a2, a3)));
    }
#endif
}
