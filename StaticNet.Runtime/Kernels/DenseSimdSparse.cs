#if NET8_0_OR_GREATER
using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// The weight gradient of a Dense layer whose output gradient is mostly exact zeros (behind a ReLU about half of the
/// first layer's <c>dy[r, j]</c> are), computed by skipping them, with exactly the bits of the dense tiles.
/// <para>The dense tiles vectorise along the outputs <c>j</c> and broadcast <c>x[r, k]</c>; zeros of <c>dy</c> lie along
/// that vector, so skipping needs the other orientation: vectorise along the inputs <c>k</c> (a row of <c>x</c> is
/// contiguous along them), and for each output <c>j</c> run only over the rows whose <c>dy[r, j]</c> is not zero (a
/// 32-bit mask per output, its set bits in ascending order), <c>K</c> vectors of inputs at a time (independent chains
/// to hide the FMA's latency), then transpose the finished <c>n × n</c> blocks into <c>dW</c>'s <c>[inputs, width]</c>
/// layout.</para>
/// <para>Why the bits are the same: each <c>dW[k, j]</c> is the dense tiles' chain <c>fma(dy[r, j], x[r, k], acc)</c> over
/// ascending <c>r</c> from +0 without the terms whose <c>dy[r, j]</c> is ±0. Such a term's product is ±0 when
/// <c>x[r, k]</c> is finite, and adding ±0 leaves <c>acc</c> unchanged unless <c>acc</c> is −0 (−0 + +0 = +0). A chain that
/// starts at +0 reaches −0 only through a sum whose exact value is a nonzero number rounded to zero (or −0 + −0), which
/// cannot happen when every product is a multiple of 2⁻¹⁴⁹ (the spacing of the smallest subnormals, of which every float
/// is a multiple): that holds when <c>|dy| · |x| ≥ 2⁻¹⁰¹</c> for the smallest nonzero magnitudes (then each factor's last
/// bit times the other's is at least 2⁻¹⁴⁹). So the path is taken only when the gradient is overwritten (a chain from +0),
/// every <c>x</c> in the rows is finite and the smallest nonzero magnitudes of <c>x</c> and <c>dy</c> pass that test;
/// otherwise the dense tiles run (a NaN or infinite input propagates through the zero terms, as today).</para>
/// </summary>
internal static partial class DenseSimd
{
    /// <summary>
    /// The sparse weight gradient's switch on the calling thread (tests and benchmarks): 0, the default, takes it when
    /// it is exact and <c>dy</c> is sparse enough (<see cref="SparseMaxNonZeroPer64"/>); 1 never takes it; 2 takes it
    /// whenever it is exact, whatever the density.
    /// </summary>
    [ThreadStatic] internal static int SparseWeightGradientMode;

    /// <summary>The nonzero entries of <c>dy</c> and all of them, at the last call that considered the path on this thread (benchmarks).</summary>
    [ThreadStatic] internal static int LastNonZero, LastEntries;

    /// <summary>
    /// The density up to which the sparse path pays, in nonzero <c>dy</c> per 64 (measured by <c>--sparse-dw</c> on the
    /// MLP's first layer, 784→128 at 32 rows, AMD Zen 4: 0.95–0.99 of the dense tiles' time at 62.5 % nonzero, 1.12–1.15×
    /// at 75 %).
    /// </summary>
    internal const int SparseMaxNonZeroPer64 = 40;

    /// <summary>The most rows the sparse path takes (one bit per row in a 32-bit mask).</summary>
    private const int SparseMaxRows = 32;

    /// <summary>The widest layer the sparse path takes (its masks live on the stack).</summary>
    private const int SparseMaxWidth = 2048;

    /// <summary>2⁻¹⁰¹: the smallest product of the smallest nonzero |x| and |dy| for which the path is exact (see above).</summary>
    private const double SparseMinProduct = 1.0 / (1L << 50) / (1L << 51);

    /// <summary>The input vectors per output in one pass: independent chains, and the block of x kept in L1.</summary>
    private const int SparseVectors = 8;

    /// <summary>
    /// <c>dW = 0 + xᵀ·dy</c> (the bias gradient is not touched) by the sparse path when it is exact and pays; false
    /// (nothing written) otherwise.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryBackwardWeightsSparse<V>(ref float x, nint rows, nint inputs, nint xStride, ref float dy, nint width,
        ref float dWeight) where V : struct, ISimdVector<V>
    {
        int mode = SparseWeightGradientMode;
        if (mode == 1 || rows > SparseMaxRows || width > SparseMaxWidth || width == 0) return false;
        nint n = V.Count;
        if (inputs < n) return false; // no whole vector of inputs: nothing to skip along

        Span<uint> masks = stackalloc uint[(int)width];
        float minDy = NonZeroMasks(ref dy, rows, width, masks, out int nonZero);
        LastNonZero = nonZero;
        LastEntries = (int)(rows * width);
        if (mode == 0 && (long)nonZero * 64 > (long)SparseMaxNonZeroPer64 * rows * width) return false;
        float minX = FiniteMinimum(ref x, rows, inputs, xStride);
        if (float.IsNaN(minX)) return false; // an infinite or NaN input: the dense path propagates it
        if (minX != float.PositiveInfinity && minDy != float.PositiveInfinity && (double)minX * minDy < SparseMinProduct)
            return false;

        // One block of K·n inputs, then one block of n outputs at a time: x's block (rows × K·n floats) stays in L1.
        // (Transposing one tile during the next one's chains measured slower: the shuffles compete with the FMAs.)
        Span<float> scratchSpace = stackalloc float[ScratchFloats + 16];
        ref float scratch = ref scratchSpace[AlignedBuffer.FloatsToBoundary(ref scratchSpace[0])];
        ref uint mr = ref masks[0];
        // The vectors of x are aligned (so none straddles two cache lines) when its rows keep their alignment (a row
        // stride of whole vectors): a load that straddles two lines costs two, and the loop is bound by its loads. The inputs before the first aligned
        // vector and after the last whole one take one unaligned vector each, overlapping their neighbours (the rows
        // of dW they share are written twice with the same bits).
        nint head = xStride % n == 0 ? AlignedBuffer.FloatsToBoundary(ref x) % n : 0;
        if (inputs - head < n) head = 0;
        nint whole = head + (inputs - head) / n * n;
        if (head > 0)
            SparseBlock<V>(ref x, xStride, ref dy, width, ref mr, ref scratch, ref dWeight, 0, 1);
        for (nint k = head; k < whole;)
        {
            nint left = (whole - k) / n;
            nint kv = left >= SparseVectors ? SparseVectors : left >= 4 ? 4 : left >= 2 ? 2 : 1;
            SparseBlock<V>(ref x, xStride, ref dy, width, ref mr, ref scratch, ref dWeight, k, kv);
            k += kv * n;
        }
        if (whole < inputs)
            SparseBlock<V>(ref x, xStride, ref dy, width, ref mr, ref scratch, ref dWeight, inputs - n, 1);
        SparseWeightGradientRuns++;
        return true;
    }

    /// <summary>The scratch: the accumulators of one tile, K·n outputs × n floats (n ≤ 16).</summary>
    private const int ScratchFloats = SparseVectors * 16 * 16;

    /// <summary>The inputs <c>[k, k + kv·n)</c> for every block of n outputs: the tile's chains into the scratch, then its transposes into dW.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SparseBlock<V>(ref float x, nint xStride, ref float dy, nint width, ref uint masks, ref float scratch,
        ref float dWeight, nint k, nint kv) where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        ref float xk = ref Unsafe.Add(ref x, k);
        for (nint jb = 0; jb < width; jb += n)
        {
            ref float dyj = ref Unsafe.Add(ref dy, jb);
            ref uint mj = ref Unsafe.Add(ref masks, jb);
            switch (kv)
            {
                case 8: SparseTile8<V>(ref xk, xStride, ref dyj, width, ref mj, ref scratch); break;
                case 4: SparseTile4<V>(ref xk, xStride, ref dyj, width, ref mj, ref scratch); break;
                case 2: SparseTile2<V>(ref xk, xStride, ref dyj, width, ref mj, ref scratch); break;
                default: SparseTile1<V>(ref xk, xStride, ref dyj, width, ref mj, ref scratch); break;
            }
            for (nint i = 0; i < kv; i++)
                Transpose<V>(ref Unsafe.Add(ref scratch, i * n * n), ref Unsafe.Add(ref dWeight, (k + i * n) * width + jb), width);
        }
    }

    /// <summary>How many times the sparse path ran on the calling thread (tests: that a case took it).</summary>
    [ThreadStatic] internal static int SparseWeightGradientRuns;

    /// <summary>
    /// For each output <c>j</c>, the bit mask of the rows whose <c>dy[r, j]</c> is not ±0 (NaN counts as nonzero); the
    /// number of such entries; and the smallest nonzero magnitude (NaN aside; +∞ when there is none).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float NonZeroMasks(ref float dy, nint rows, nint width, Span<uint> masks, out int nonZero)
    {
        ref uint mr = ref masks[0];
        float min = float.PositiveInfinity;
        nint j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> mins = Vector256.Create(float.PositiveInfinity);
            for (; j + 8 <= width; j += 8)
            {
                Vector256<uint> bits = Vector256<uint>.Zero;
                ref float d = ref Unsafe.Add(ref dy, j);
                for (nint r = 0; r < rows; r++)
                {
                    Vector256<float> v = Vector256.LoadUnsafe(ref Unsafe.Add(ref d, r * width));
                    Vector256<float> a = Vector256.Abs(v);
                    bits |= Vector256.Create(1u << (int)r) & ~Vector256.Equals(v, Vector256<float>.Zero).AsUInt32();
                    mins = Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<float>.Zero) & Vector256.LessThan(a, mins), a, mins);
                }
                bits.StoreUnsafe(ref Unsafe.Add(ref mr, j));
            }
            for (int i = 0; i < 8; i++) min = MathF.Min(min, mins.GetElement(i));
        }
        for (; j < width; j++)
        {
            uint bits = 0;
            for (nint r = 0; r < rows; r++)
            {
                float v = Unsafe.Add(ref dy, r * width + j);
                if (v != 0)
                {
                    bits |= 1u << (int)r;
                    float a = MathF.Abs(v);
                    if (a < min) min = a;
                }
            }
            Unsafe.Add(ref mr, j) = bits;
        }
        int count = 0;
        for (j = 0; j < width; j++) count += BitOperations.PopCount(Unsafe.Add(ref mr, j));
        nonZero = count;
        return min;
    }

    /// <summary>
    /// The smallest nonzero magnitude among the first <paramref name="inputs"/> floats of each row (+∞ when all are
    /// zero), or NaN when any of them is infinite or NaN. On the bits, shifted left once to drop the sign: a finite
    /// magnitude is below <c>0xFF000000</c>; one less than the shifted bits, unsigned, makes zero the largest, so their
    /// minimum is the smallest nonzero magnitude's.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FiniteMinimum(ref float x, nint rows, nint inputs, nint xStride)
    {
        uint min = uint.MaxValue, max = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<uint> mins = Vector512<uint>.AllBitsSet, maxs = Vector512<uint>.Zero;
            for (nint r = 0; r < rows; r++)
            {
                ref uint xr = ref Unsafe.As<float, uint>(ref Unsafe.Add(ref x, r * xStride));
                nint k = 0;
                for (; k + 16 <= inputs; k += 16)
                {
                    Vector512<uint> b = Vector512.LoadUnsafe(ref xr, (nuint)k) << 1;
                    maxs = Vector512.Max(maxs, b);
                    mins = Vector512.Min(mins, b - Vector512<uint>.One);
                }
                ScalarRest(ref xr, k, inputs, ref min, ref max);
            }
            min = Math.Min(min, MinOf(Vector128.Min(Vector128.Min(mins.GetLower().GetLower(), mins.GetLower().GetUpper()), Vector128.Min(mins.GetUpper().GetLower(), mins.GetUpper().GetUpper()))));
            max = Math.Max(max, MaxOf(Vector128.Max(Vector128.Max(maxs.GetLower().GetLower(), maxs.GetLower().GetUpper()), Vector128.Max(maxs.GetUpper().GetLower(), maxs.GetUpper().GetUpper()))));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<uint> mins = Vector256<uint>.AllBitsSet, maxs = Vector256<uint>.Zero;
            for (nint r = 0; r < rows; r++)
            {
                ref uint xr = ref Unsafe.As<float, uint>(ref Unsafe.Add(ref x, r * xStride));
                nint k = 0;
                for (; k + 8 <= inputs; k += 8)
                {
                    Vector256<uint> b = Vector256.LoadUnsafe(ref xr, (nuint)k) << 1;
                    maxs = Vector256.Max(maxs, b);
                    mins = Vector256.Min(mins, b - Vector256<uint>.One);
                }
                ScalarRest(ref xr, k, inputs, ref min, ref max);
            }
            min = Math.Min(min, MinOf(Vector128.Min(mins.GetLower(), mins.GetUpper())));
            max = Math.Max(max, MaxOf(Vector128.Max(maxs.GetLower(), maxs.GetUpper())));
        }
        else
        {
            for (nint r = 0; r < rows; r++)
                ScalarRest(ref Unsafe.As<float, uint>(ref Unsafe.Add(ref x, r * xStride)), 0, inputs, ref min, ref max);
        }
        if (max >= 0xFF000000u) return float.NaN;
        return min == uint.MaxValue ? float.PositiveInfinity : BitConverter.UInt32BitsToSingle((min + 1) >> 1);

        static void ScalarRest(ref uint xr, nint k, nint inputs, ref uint min, ref uint max)
        {
            for (; k < inputs; k++)
            {
                uint b = Unsafe.Add(ref xr, k) << 1;
                max = Math.Max(max, b);
                min = Math.Min(min, b - 1);
            }
        }

        static uint MinOf(Vector128<uint> v) => Math.Min(Math.Min(v.GetElement(0), v.GetElement(1)), Math.Min(v.GetElement(2), v.GetElement(3)));
        static uint MaxOf(Vector128<uint> v) => Math.Max(Math.Max(v.GetElement(0), v.GetElement(1)), Math.Max(v.GetElement(2), v.GetElement(3)));
    }

    // The tiles (each its own method, so that its loop keeps every pointer in a register; inlined into the driver, the
    // loop reloaded spilled pointers and ran slower): for each of the n outputs of the block, K chains along the inputs
    // over the rows in its mask, stored as scratch[(i·n + j)·n + lane] (vector i of inputs, output j), for Transpose.

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void SparseTile8<V>(ref float x, nint xStride, ref float dy, nint width, ref uint masks, ref float scratch)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (nint j = 0; j < n; j++)
        {
            V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero, a4 = V.Zero, a5 = V.Zero, a6 = V.Zero, a7 = V.Zero;
            uint m = Unsafe.Add(ref masks, j);
            ref float dj = ref Unsafe.Add(ref dy, j);
            while (m != 0)
            {
                nint r = BitOperations.TrailingZeroCount(m);
                m &= m - 1;
                V d = V.Broadcast(Unsafe.Add(ref dj, r * width));
                ref float xr = ref Unsafe.Add(ref x, r * xStride);
                a0 = V.MultiplyAdd(d, ref xr, a0);
                a1 = V.MultiplyAdd(d, ref Unsafe.Add(ref xr, n), a1);
                a2 = V.MultiplyAdd(d, ref Unsafe.Add(ref xr, 2 * n), a2);
                a3 = V.MultiplyAdd(d, ref Unsafe.Add(ref xr, 3 * n), a3);
                a4 = V.MultiplyAdd(d, ref Unsafe.Add(ref xr, 4 * n), a4);
                a5 = V.MultiplyAdd(d, ref Unsafe.Add(ref xr, 5 * n), a5);
                a6 = V.MultiplyAdd(d, ref Unsafe.Add(ref xr, 6 * n), a6);
                a7 = V.MultiplyAdd(d, ref Unsafe.Add(ref xr, 7 * n), a7);
            }
            ref float s = ref Unsafe.Add(ref scratch, j * n);
            nint block = n * n;
            V.Store(ref s, a0);
            V.Store(ref Unsafe.Add(ref s, block), a1);
            V.Store(ref Unsafe.Add(ref s, 2 * block), a2);
            V.Store(ref Unsafe.Add(ref s, 3 * block), a3);
            V.Store(ref Unsafe.Add(ref s, 4 * block), a4);
            V.Store(ref Unsafe.Add(ref s, 5 * block), a5);
            V.Store(ref Unsafe.Add(ref s, 6 * block), a6);
            V.Store(ref Unsafe.Add(ref s, 7 * block), a7);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void SparseTile4<V>(ref float x, nint xStride, ref float dy, nint width, ref uint masks, ref float scratch)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (nint j = 0; j < n; j++)
        {
            V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero;
            uint m = Unsafe.Add(ref masks, j);
            ref float dj = ref Unsafe.Add(ref dy, j);
            while (m != 0)
            {
                nint r = BitOperations.TrailingZeroCount(m);
                m &= m - 1;
                V d = V.Broadcast(Unsafe.Add(ref dj, r * width));
                ref float xr = ref Unsafe.Add(ref x, r * xStride);
                a0 = V.MultiplyAdd(d, ref xr, a0);
                a1 = V.MultiplyAdd(d, ref Unsafe.Add(ref xr, n), a1);
                a2 = V.MultiplyAdd(d, ref Unsafe.Add(ref xr, 2 * n), a2);
                a3 = V.MultiplyAdd(d, ref Unsafe.Add(ref xr, 3 * n), a3);
            }
            ref float s = ref Unsafe.Add(ref scratch, j * n);
            nint block = n * n;
            V.Store(ref s, a0);
            V.Store(ref Unsafe.Add(ref s, block), a1);
            V.Store(ref Unsafe.Add(ref s, 2 * block), a2);
            V.Store(ref Unsafe.Add(ref s, 3 * block), a3);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void SparseTile2<V>(ref float x, nint xStride, ref float dy, nint width, ref uint masks, ref float scratch)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (nint j = 0; j < n; j++)
        {
            V a0 = V.Zero, a1 = V.Zero;
            uint m = Unsafe.Add(ref masks, j);
            ref float dj = ref Unsafe.Add(ref dy, j);
            while (m != 0)
            {
                nint r = BitOperations.TrailingZeroCount(m);
                m &= m - 1;
                V d = V.Broadcast(Unsafe.Add(ref dj, r * width));
                ref float xr = ref Unsafe.Add(ref x, r * xStride);
                a0 = V.MultiplyAdd(d, ref xr, a0);
                a1 = V.MultiplyAdd(d, ref Unsafe.Add(ref xr, n), a1);
            }
            ref float s = ref Unsafe.Add(ref scratch, j * n);
            V.Store(ref s, a0);
            V.Store(ref Unsafe.Add(ref s, n * n), a1);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void SparseTile1<V>(ref float x, nint xStride, ref float dy, nint width, ref uint masks, ref float scratch)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (nint j = 0; j < n; j++)
        {
            V a0 = V.Zero;
            uint m = Unsafe.Add(ref masks, j);
            ref float dj = ref Unsafe.Add(ref dy, j);
            while (m != 0)
            {
                nint r = BitOperations.TrailingZeroCount(m);
                m &= m - 1;
                a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref dj, r * width)), ref Unsafe.Add(ref x, r * xStride), a0);
            }
            V.Store(ref Unsafe.Add(ref scratch, j * n), a0);
        }
    }

    /// <summary>
    /// <c>destination[l·stride + j] = source[j·n + l]</c> for <c>j, l &lt; n</c>: one <c>n × n</c> block (16 × 16, 8 × 8 or
    /// 4 × 4 floats) from the scratch into <c>dW</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose<V>(ref float source, ref float destination, nint stride) where V : struct, ISimdVector<V>
    {
        if (typeof(V) == typeof(V512) && Avx512F.IsSupported) Transpose16(ref source, ref destination, stride);
        else if (typeof(V) == typeof(V256) && Avx.IsSupported) Transpose8(ref source, ref destination, stride);
        else if (typeof(V) == typeof(V128) && Sse.IsSupported) Transpose4(ref source, ref destination, stride);
        else
        {
            nint n = V.Count;
            for (nint l = 0; l < n; l++)
                for (nint j = 0; j < n; j++)
                    Unsafe.Add(ref destination, l * stride + j) = Unsafe.Add(ref source, j * n + l);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16(ref float source, ref float destination, nint stride)
    {
        // Within each 128-bit lane: unpack pairs of rows, then pairs of pairs (as doubles): u[4g + q] holds, in lane L,
        // column 4L + q of rows 4g … 4g + 3. Then two rounds of 128-bit lane shuffles gather each column's four lanes.
        Vector512<float> u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, u10, u11, u12, u13, u14, u15;
        Unpack4(ref source, out u0, out u1, out u2, out u3);
        Unpack4(ref Unsafe.Add(ref source, 64), out u4, out u5, out u6, out u7);
        Unpack4(ref Unsafe.Add(ref source, 128), out u8, out u9, out u10, out u11);
        Unpack4(ref Unsafe.Add(ref source, 192), out u12, out u13, out u14, out u15);
        Gather(u0, u4, u8, u12, ref destination, stride);
        Gather(u1, u5, u9, u13, ref Unsafe.Add(ref destination, stride), stride);
        Gather(u2, u6, u10, u14, ref Unsafe.Add(ref destination, 2 * stride), stride);
        Gather(u3, u7, u11, u15, ref Unsafe.Add(ref destination, 3 * stride), stride);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Unpack4(ref float s, out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3)
        {
            Vector512<float> r0 = Vector512.LoadUnsafe(ref s), r1 = Vector512.LoadUnsafe(ref s, 16);
            Vector512<float> r2 = Vector512.LoadUnsafe(ref s, 32), r3 = Vector512.LoadUnsafe(ref s, 48);
            Vector512<double> a = Avx512F.UnpackLow(r0, r1).AsDouble(), b = Avx512F.UnpackHigh(r0, r1).AsDouble();
            Vector512<double> c = Avx512F.UnpackLow(r2, r3).AsDouble(), d = Avx512F.UnpackHigh(r2, r3).AsDouble();
            c0 = Avx512F.UnpackLow(a, c).AsSingle();
            c1 = Avx512F.UnpackHigh(a, c).AsSingle();
            c2 = Avx512F.UnpackLow(b, d).AsSingle();
            c3 = Avx512F.UnpackHigh(b, d).AsSingle();
        }

        // Columns q, 4 + q, 8 + q, 12 + q (destination rows 0, 4, 8, 12 from here) from u[q], u[4 + q], u[8 + q], u[12 + q].
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Gather(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, ref float dst, nint stride)
        {
            Vector512<float> v0 = Avx512F.Shuffle4x128(a, b, 0x88), v1 = Avx512F.Shuffle4x128(a, b, 0xDD);
            Vector512<float> w0 = Avx512F.Shuffle4x128(c, d, 0x88), w1 = Avx512F.Shuffle4x128(c, d, 0xDD);
            Avx512F.Shuffle4x128(v0, w0, 0x88).StoreUnsafe(ref dst);
            Avx512F.Shuffle4x128(v1, w1, 0x88).StoreUnsafe(ref dst, (nuint)(4 * stride));
            Avx512F.Shuffle4x128(v0, w0, 0xDD).StoreUnsafe(ref dst, (nuint)(8 * stride));
            Avx512F.Shuffle4x128(v1, w1, 0xDD).StoreUnsafe(ref dst, (nuint)(12 * stride));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(ref float source, ref float destination, nint stride)
    {
        Unpack4x256(ref source, out Vector256<float> u0, out Vector256<float> u1, out Vector256<float> u2, out Vector256<float> u3);
        Unpack4x256(ref Unsafe.Add(ref source, 32), out Vector256<float> u4, out Vector256<float> u5, out Vector256<float> u6, out Vector256<float> u7);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref destination);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref destination, (nuint)stride);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref destination, (nuint)(2 * stride));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref destination, (nuint)(3 * stride));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref destination, (nuint)(4 * stride));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref destination, (nuint)(5 * stride));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref destination, (nuint)(6 * stride));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref destination, (nuint)(7 * stride));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Unpack4x256(ref float s, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref s), r1 = Vector256.LoadUnsafe(ref s, 8);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref s, 16), r3 = Vector256.LoadUnsafe(ref s, 24);
        Vector256<double> a = Avx.UnpackLow(r0, r1).AsDouble(), b = Avx.UnpackHigh(r0, r1).AsDouble();
        Vector256<double> c = Avx.UnpackLow(r2, r3).AsDouble(), d = Avx.UnpackHigh(r2, r3).AsDouble();
        c0 = Avx.UnpackLow(a, c).AsSingle();
        c1 = Avx.UnpackHigh(a, c).AsSingle();
        c2 = Avx.UnpackLow(b, d).AsSingle();
        c3 = Avx.UnpackHigh(b, d).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(ref float source, ref float destination, nint stride)
    {
        Vector128<float> r0 = Vector128.LoadUnsafe(ref source), r1 = Vector128.LoadUnsafe(ref source, 4);
        Vector128<float> r2 = Vector128.LoadUnsafe(ref source, 8), r3 = Vector128.LoadUnsafe(ref source, 12);
        Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackHigh(r0, r1);
        Vector128<float> t2 = Sse.UnpackLow(r2, r3), t3 = Sse.UnpackHigh(r2, r3);
        Sse.MoveLowToHigh(t0, t2).StoreUnsafe(ref destination);
        Sse.MoveHighToLow(t2, t0).StoreUnsafe(ref destination, (nuint)stride);
        Sse.MoveLowToHigh(t1, t3).StoreUnsafe(ref destination, (nuint)(2 * stride));
        Sse.MoveHighToLow(t3, t1).StoreUnsafe(ref destination, (nuint)(3 * stride));
    }
}
#endif
