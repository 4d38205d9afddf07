using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>An element-wise function, in vector and scalar form (the scalar form is the definition).</summary>
internal interface IUnaryOp
{
    static abstract V Apply<V>(V value) where V : struct, ISimdVector<V>;

    static abstract float Apply(float value);
}

/// <summary>A backward step: the new gradient from the saved forward value and the incoming gradient.</summary>
internal interface IBackwardOp
{
    static abstract V Apply<V>(V saved, V gradient) where V : struct, ISimdVector<V>;

    static abstract float Apply(float saved, float gradient);
}

/// <summary>
/// Drivers that apply an <see cref="IUnaryOp"/> or <see cref="IBackwardOp"/> to the first <c>columns</c> floats of
/// <c>rows</c> rows <c>stride</c> apart, with the widest vectors the path allows, then 128-bit vectors, then scalars for
/// the tail of each row (the padding columns are never touched).
/// </summary>
internal static class ActivationSimd
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unary<TOp>(ReadOnlySpan<float> source, Span<float> destination, int rows, int columns, int stride)
        where TOp : IUnaryOp
    {
        Check(source.Length, rows, columns, stride, nameof(source));
        Check(destination.Length, rows, columns, stride, nameof(destination));
        if (rows == 0 || columns == 0) return;
        if (stride == columns)
        {
            columns *= rows;
            rows = 1;
        }
        ref float s = ref MemoryMarshal.GetReference(source);
        ref float d = ref MemoryMarshal.GetReference(destination);
        switch (KernelOptions.Path)
        {
            case 512: UnaryRows<TOp, V512>(ref s, ref d, rows, columns, stride); break;
            case 256: UnaryRows<TOp, V256>(ref s, ref d, rows, columns, stride); break;
            case 128: UnaryRows<TOp, V128>(ref s, ref d, rows, columns, stride); break;
            default: UnaryScalar<TOp>(ref s, ref d, rows, columns, stride); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<TOp>(ReadOnlySpan<float> saved, Span<float> gradient, int rows, int columns, int stride)
        where TOp : IBackwardOp
    {
        Check(saved.Length, rows, columns, stride, nameof(saved));
        Check(gradient.Length, rows, columns, stride, nameof(gradient));
        if (rows == 0 || columns == 0) return;
        if (stride == columns)
        {
            columns *= rows;
            rows = 1;
        }
        ref float s = ref MemoryMarshal.GetReference(saved);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        switch (KernelOptions.Path)
        {
            case 512: BackwardRows<TOp, V512>(ref s, ref g, rows, columns, stride); break;
            case 256: BackwardRows<TOp, V256>(ref s, ref g, rows, columns, stride); break;
            case 128: BackwardRows<TOp, V128>(ref s, ref g, rows, columns, stride); break;
            default: BackwardScalar<TOp>(ref s, ref g, rows, columns, stride); break;
        }
    }

    private static void Check(int length, int rows, int columns, int stride, string name)
    {
        if (rows < 0 || columns < 0 || stride < columns || (rows > 0 && length < (long)(rows - 1) * stride + columns))
            throw new ArgumentException(
                $"Activation kernel called with inconsistent sizes: rows {rows}, columns {columns}, stride {stride}; " +
                $"buffer '{name}' holds {length} floats.", name);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnaryRows<TOp, V>(ref float source, ref float destination, nint rows, nint columns, nint stride)
        where TOp : IUnaryOp where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (nint r = 0; r < rows; r++)
        {
            ref float s = ref Unsafe.Add(ref source, r * stride);
            ref float d = ref Unsafe.Add(ref destination, r * stride);
            nint j = 0;
            for (; j + n <= columns; j += n)
                V.Store(ref Unsafe.Add(ref d, j), TOp.Apply(V.Load(ref Unsafe.Add(ref s, j))));
            if (n > 4)
            {
                for (; j + 4 <= columns; j += 4)
                    V128.Store(ref Unsafe.Add(ref d, j), TOp.Apply(V128.Load(ref Unsafe.Add(ref s, j))));
            }
            for (; j < columns; j++)
                Unsafe.Add(ref d, j) = TOp.Apply(Unsafe.Add(ref s, j));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnaryScalar<TOp>(ref float source, ref float destination, nint rows, nint columns, nint stride)
        where TOp : IUnaryOp
    {
        for (nint r = 0; r < rows; r++)
            for (nint j = 0; j < columns; j++)
                Unsafe.Add(ref destination, r * stride + j) = TOp.Apply(Unsafe.Add(ref source, r * stride + j));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRows<TOp, V>(ref float saved, ref float gradient, nint rows, nint columns, nint stride)
        where TOp : IBackwardOp where V : struct, ISimdVector<V>
    {
        nint n = V.Count;
        for (nint r = 0; r < rows; r++)
        {
            ref float s = ref Unsafe.Add(ref saved, r * stride);
            ref float g = ref Unsafe.Add(ref gradient, r * stride);
            nint j = 0;
            for (; j + n <= columns; j += n)
            {
                ref float gj = ref Unsafe.Add(ref g, j);
                V.Store(ref gj, TOp.Apply(V.Load(ref Unsafe.Add(ref s, j)), V.Load(ref gj)));
            }
            if (n > 4)
            {
                for (; j + 4 <= columns; j += 4)
                {
                    ref float gj = ref Unsafe.Add(ref g, j);
                    V128.Store(ref gj, TOp.Apply(V128.Load(ref Unsafe.Add(ref s, j)), V128.Load(ref gj)));
                }
            }
            for (; j < columns; j++)
                Unsafe.Add(ref g, j) = TOp.Apply(Unsafe.Add(ref s, j), Unsafe.Add(ref g, j));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardScalar<TOp>(ref float saved, ref float gradient, nint rows, nint columns, nint stride)
        where TOp : IBackwardOp
    {
        for (nint r = 0; r < rows; r++)
            for (nint j = 0; j < columns; j++)
            {
                ref float g = ref Unsafe.Add(ref gradient, r * stride + j);
                g = TOp.Apply(Unsafe.Add(ref saved, r * stride + j), g);
            }
    }
}

/// <summary>Vector forms of <see cref="MathF.Exp"/> and the normal CDF, shared by the vector widths.</summary>
internal static class SimdMath
{
    /// <summary>
    /// eˣ to about 1 ulp (Cephes' expf: x = n·ln2 + r, a degree-6 polynomial for eʳ, 2ⁿ from the exponent bits).
    /// Arguments below −87.3 give 0 instead of a subnormal; above 88 they saturate at e⁸⁸.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Exp<V>(V x) where V : struct, ISimdVector<V>
    {
        V underflow = V.Add(x, V.Broadcast(87.33654f));
        x = V.Min(V.Max(x, V.Broadcast(-87.33654f)), V.Broadcast(88f));
        V n = V.Floor(V.MultiplyAdd(x, V.Broadcast(1.44269504088896341f), V.Broadcast(0.5f)));
        V r = V.Subtract(x, V.Multiply(n, V.Broadcast(0.693359375f)));
        r = V.Subtract(r, V.Multiply(n, V.Broadcast(-2.12194440e-4f)));
        V p = V.Broadcast(1.9875691500e-4f);
        p = V.MultiplyAdd(p, r, V.Broadcast(1.3981999507e-3f));
        p = V.MultiplyAdd(p, r, V.Broadcast(8.3334519073e-3f));
        p = V.MultiplyAdd(p, r, V.Broadcast(4.1665795894e-2f));
        p = V.MultiplyAdd(p, r, V.Broadcast(1.6666665459e-1f));
        p = V.MultiplyAdd(p, r, V.Broadcast(5.0000001201e-1f));
        V e = V.Add(V.MultiplyAdd(p, V.Multiply(r, r), r), V.Broadcast(1f));
        return V.SelectNegative(underflow, V.Zero, V.Multiply(e, V.Pow2(n)));
    }

    /// <summary>
    /// The rounding error of the product <paramref name="product"/> = fl(a·b): a·b − product exactly, with one FMA, or
    /// with Dekker's splitting where the hardware has no FMA (the inputs here are below 2⁵, so the split cannot
    /// overflow).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V ProductError<V>(V a, V b, V product) where V : struct, ISimdVector<V>
    {
        if (V.IsFused)
            return V.MultiplyAdd(a, b, V.Subtract(V.Zero, product));
        V splitter = V.Broadcast(4097f); // 2¹² + 1
        V ca = V.Multiply(a, splitter), cb = V.Multiply(b, splitter);
        V aHigh = V.Subtract(ca, V.Subtract(ca, a)), bHigh = V.Subtract(cb, V.Subtract(cb, b));
        V aLow = V.Subtract(a, aHigh), bLow = V.Subtract(b, bHigh);
        V error = V.Subtract(V.Multiply(aHigh, bHigh), product);
        error = V.Add(error, V.Multiply(aHigh, bLow));
        error = V.Add(error, V.Multiply(aLow, bHigh));
        return V.Add(error, V.Multiply(aLow, bLow));
    }

    /// <summary>
    /// Φ(z) with the same erfc approximation as <see cref="ActivationKernels.NormalCdf"/>, to about 3e-7 relative (in
    /// both tails): the rounding errors of z/√2, of its square and of the exponent are carried with FMAs and applied as
    /// a first-order correction to the exponential.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V NormalCdf<V>(V z) where V : struct, ISimdVector<V>
    {
        const float InvSqrt2High = 0.70710678118654752f;
        const float InvSqrt2Low = (float)(0.70710678118654752440 - (double)InvSqrt2High);
        // Beyond |z| = 20, Φ is 0 or 1 in float; the clamp keeps the squares finite.
        V a = V.Min(V.Abs(z), V.Broadcast(20f));
        V ax = V.Multiply(a, V.Broadcast(InvSqrt2High));
        // ax + axError = |z|/√2 to about 1e-14 relative.
        V axError = V.Add(V.Multiply(a, V.Broadcast(InvSqrt2Low)), ProductError(a, V.Broadcast(InvSqrt2High), ax));
        V t = V.Divide(V.Broadcast(1f), V.MultiplyAdd(ax, V.Broadcast(0.5f), V.Broadcast(1f)));
        V poly = V.Broadcast(0.17087277f);
        poly = V.MultiplyAdd(poly, t, V.Broadcast(-0.82215223f));
        poly = V.MultiplyAdd(poly, t, V.Broadcast(1.48851587f));
        poly = V.MultiplyAdd(poly, t, V.Broadcast(-1.13520398f));
        poly = V.MultiplyAdd(poly, t, V.Broadcast(0.27886807f));
        poly = V.MultiplyAdd(poly, t, V.Broadcast(-0.18628806f));
        poly = V.MultiplyAdd(poly, t, V.Broadcast(0.09678418f));
        poly = V.MultiplyAdd(poly, t, V.Broadcast(0.37409196f));
        poly = V.MultiplyAdd(poly, t, V.Broadcast(1.00002368f));
        poly = V.MultiplyAdd(poly, t, V.Broadcast(-1.26551223f));
        // The exponent −x² + poly: square = ax² exactly as square + squareError; sum = poly − square, TwoSum's error.
        V square = V.Multiply(ax, ax);
        V squareError = ProductError(ax, ax, square);
        V sum = V.Subtract(poly, square);
        V polyPart = V.Subtract(sum, V.Subtract(V.Zero, square));
        V sumError = V.Add(V.Subtract(poly, polyPart), V.Subtract(V.Subtract(V.Zero, square), V.Subtract(sum, polyPart)));
        // e^(sum + c) ≈ e^sum · (1 + c), with c the lost low part: sumError − squareError − 2·ax·axError.
        V correction = V.Subtract(sumError, V.Add(V.Multiply(V.Add(ax, ax), axError), squareError));
        V exp = Exp(sum);
        exp = V.MultiplyAdd(exp, correction, exp);
        // Φ(−|z|) = erfc(|z|/√2) / 2.
        V lower = V.Multiply(V.Multiply(V.Broadcast(0.5f), t), exp);
        return V.SelectNonNegative(z, V.Subtract(V.Broadcast(1f), lower), lower);
    }

    /// <summary>e^(−z²/2) to about 2e-7 relative, the rounding of z² carried as a first-order correction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V ExpMinusHalfSquare<V>(V z) where V : struct, ISimdVector<V>
    {
        z = V.Min(V.Abs(z), V.Broadcast(20f));
        V square = V.Multiply(z, z);
        V squareError = ProductError(z, z, square);
        V exp = Exp(V.Multiply(square, V.Broadcast(-0.5f)));
        return V.MultiplyAdd(exp, V.Multiply(squareError, V.Broadcast(-0.5f)), exp);
    }
}

internal struct ReLUOp : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V value) where V : struct, ISimdVector<V> => V.ReLU(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float value) => value <= 0f ? 0f : value;
}

internal struct ReLUBackwardOp : IBackwardOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V saved, V gradient) where V : struct, ISimdVector<V> => V.SelectPositive(saved, gradient, V.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float saved, float gradient) => saved > 0f ? gradient : 0f;
}

internal struct LeakyReLUOp : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V value) where V : struct, ISimdVector<V> =>
        V.SelectNegative(value, V.Multiply(value, V.Broadcast(ActivationKernels.LeakyReLUSlope)), value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float value) => value < 0f ? value * ActivationKernels.LeakyReLUSlope : value;
}

internal struct LeakyReLUBackwardOp : IBackwardOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V saved, V gradient) where V : struct, ISimdVector<V> =>
        V.SelectPositive(saved, gradient, V.Multiply(gradient, V.Broadcast(ActivationKernels.LeakyReLUSlope)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float saved, float gradient) => saved > 0f ? gradient : gradient * ActivationKernels.LeakyReLUSlope;
}

internal struct SigmoidBackwardOp : IBackwardOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V saved, V gradient) where V : struct, ISimdVector<V> =>
        V.Multiply(gradient, V.Multiply(saved, V.Subtract(V.Broadcast(1f), saved)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float saved, float gradient) => gradient * (saved * (1f - saved));
}

internal struct TanhBackwardOp : IBackwardOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V saved, V gradient) where V : struct, ISimdVector<V> =>
        V.Multiply(gradient, V.Subtract(V.Broadcast(1f), V.Multiply(saved, saved)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float saved, float gradient) => gradient * (1f - saved * saved);
}

internal struct GeluOp : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V value) where V : struct, ISimdVector<V> => V.Multiply(value, SimdMath.NormalCdf(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float value) => value * ActivationKernels.NormalCdf(value);
}

internal struct GeluBackwardOp : IBackwardOp
{
    private const double InvSqrt2Pi = 0.3989422804014327;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V saved, V gradient) where V : struct, ISimdVector<V>
    {
        V density = SimdMath.ExpMinusHalfSquare(saved);
        V derivative = V.MultiplyAdd(V.Multiply(saved, V.Broadcast((float)InvSqrt2Pi)), density, SimdMath.NormalCdf(saved));
        return V.Multiply(gradient, derivative);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float saved, float gradient) =>
        gradient * (float)(ActivationKernels.NormalCdf(saved) + saved * (InvSqrt2Pi * Math.Exp(-0.5 * saved * saved)));
}

internal struct SiLUOp : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V value) where V : struct, ISimdVector<V> =>
        V.Divide(value, V.Add(V.Broadcast(1f), SimdMath.Exp(V.Subtract(V.Zero, value))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float value) => (float)(value * ActivationKernels.Logistic(value));
}

internal struct SiLUBackwardOp : IBackwardOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V saved, V gradient) where V : struct, ISimdVector<V>
    {
        V one = V.Broadcast(1f);
        V sigma = V.Divide(one, V.Add(one, SimdMath.Exp(V.Subtract(V.Zero, saved))));
        V derivative = V.Multiply(sigma, V.MultiplyAdd(saved, V.Subtract(one, sigma), one));
        return V.Multiply(gradient, derivative);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float saved, float gradient)
    {
        double sigma = ActivationKernels.Logistic(saved);
        return gradient * (float)(sigma * (1 + saved * (1 - sigma)));
    }
}

internal struct ELUOp : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V value) where V : struct, ISimdVector<V> =>
        V.SelectPositive(value, value, V.Subtract(SimdMath.Exp(V.Min(value, V.Zero)), V.Broadcast(1f)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float value) => value > 0f ? value : (float)(Math.Exp(value) - 1.0);
}

internal struct ELUBackwardOp : IBackwardOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V saved, V gradient) where V : struct, ISimdVector<V> =>
        V.SelectPositive(saved, gradient, V.Multiply(gradient, V.Add(saved, V.Broadcast(1f))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float saved, float gradient) => saved > 0f ? gradient : gradient * (saved + 1f);
}
