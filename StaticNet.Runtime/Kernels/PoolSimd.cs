#if NET8_0_OR_GREATER
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>The vector pools of <see cref="PoolKernels"/>, one sample at a time; sizes checked by the caller.</summary>
internal static class PoolSimd
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<V>(bool max, ref float x, ref float y, nint height, nint width, nint channels,
        nint poolHeight, nint poolWidth, nint strideHeight, nint strideWidth) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, outHeight = (height - poolHeight) / strideHeight + 1, outWidth = (width - poolWidth) / strideWidth + 1;
        V divisor = V.Broadcast(poolHeight * poolWidth);
        ref float yp = ref y;
        for (nint oh = 0; oh < outHeight; oh++)
            for (nint ow = 0; ow < outWidth; ow++)
            {
                ref float window = ref Unsafe.Add(ref x, (oh * strideHeight * width + ow * strideWidth) * channels);
                for (nint c = 0; c < channels; c += n)
                {
                    ref float xc = ref Unsafe.Add(ref window, c);
                    V acc = V.Load(ref xc);
                    for (nint ky = 0; ky < poolHeight; ky++)
                    {
                        ref float xRow = ref Unsafe.Add(ref xc, ky * width * channels);
                        for (nint kx = ky == 0 ? 1 : 0; kx < poolWidth; kx++)
                        {
                            V v = V.Load(ref Unsafe.Add(ref xRow, kx * channels));
                            acc = max ? V.Max(acc, v) : V.Add(acc, v);
                        }
                    }
                    V.Store(ref Unsafe.Add(ref yp, c), max ? acc : V.Divide(acc, divisor));
                }
                yp = ref Unsafe.Add(ref yp, channels);
            }
    }

    /// <summary>Max-pool backward: per window the maximum is recomputed, then the gradient goes to the first element
    /// equal to it (<c>x − max ≥ 0</c>) in scan order, and no further.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxBackward<V>(ref float x, ref float dy, ref float dx, nint height, nint width, nint channels,
        nint poolHeight, nint poolWidth, nint strideHeight, nint strideWidth) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, outHeight = (height - poolHeight) / strideHeight + 1, outWidth = (width - poolWidth) / strideWidth + 1;
        ref float dyp = ref dy;
        for (nint oh = 0; oh < outHeight; oh++)
            for (nint ow = 0; ow < outWidth; ow++)
            {
                nint offset = (oh * strideHeight * width + ow * strideWidth) * channels;
                for (nint c = 0; c < channels; c += n)
                {
                    ref float xc = ref Unsafe.Add(ref x, offset + c);
                    ref float dxc = ref Unsafe.Add(ref dx, offset + c);
                    V m = V.Load(ref xc);
                    for (nint ky = 0; ky < poolHeight; ky++)
                        for (nint kx = 0; kx < poolWidth; kx++)
                            m = V.Max(m, V.Load(ref Unsafe.Add(ref xc, (ky * width + kx) * channels)));
                    V remaining = V.Load(ref Unsafe.Add(ref dyp, c));
                    for (nint ky = 0; ky < poolHeight; ky++)
                        for (nint kx = 0; kx < poolWidth; kx++)
                        {
                            nint at = (ky * width + kx) * channels;
                            V d = V.Subtract(V.Load(ref Unsafe.Add(ref xc, at)), m);
                            ref float g = ref Unsafe.Add(ref dxc, at);
                            V.Store(ref g, V.Add(V.Load(ref g), V.SelectNonNegative(d, remaining, V.Zero)));
                            remaining = V.SelectNonNegative(d, V.Zero, remaining);
                        }
                }
                dyp = ref Unsafe.Add(ref dyp, channels);
            }
    }

    /// <summary>
    /// <see cref="MaxBackward{V}"/> for 2×2 windows at stride 2 that tile the input exactly (even height and width):
    /// every element of <paramref name="dx"/> belongs to one window, so each is written once (<c>0 + share</c>, the value
    /// the clear-then-add of <see cref="MaxBackward{V}"/> leaves, −0 included) and <paramref name="dx"/> need not be cleared
    /// first. The same maxima, comparisons and order, so the same bits.
    /// </summary>
    /// <remarks>With <paramref name="relu"/>, <paramref name="x"/> is a ReLU's output and each stored gradient is also
    /// passed through the ReLU's backward pass, <c>x &gt; 0 ? g : 0</c> (<see cref="ActivationKernels.ReLUBackward"/>'s
    /// select), so that pass needs no second trip over memory.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxBackward2x2<V>(ref float x, ref float dy, ref float dx, nint height, nint width, nint channels, bool relu)
        where V : struct, ISimdVector<V>
    {
        nint n = V.Count, outHeight = height / 2, outWidth = width / 2, row = width * channels;
        ref float dyp = ref dy;
        for (nint oh = 0; oh < outHeight; oh++)
            for (nint ow = 0; ow < outWidth; ow++)
            {
                nint offset = (oh * 2 * width + ow * 2) * channels;
                ref float x0 = ref Unsafe.Add(ref x, offset);
                ref float g0 = ref Unsafe.Add(ref dx, offset);
                for (nint c = 0; c < channels; c += n)
                {
                    V a = V.Load(ref Unsafe.Add(ref x0, c)), b = V.Load(ref Unsafe.Add(ref x0, c + channels));
                    V e = V.Load(ref Unsafe.Add(ref x0, c + row)), f = V.Load(ref Unsafe.Add(ref x0, c + row + channels));
                    V m = V.Max(V.Max(V.Max(V.Max(a, a), b), e), f);
                    V remaining = V.Load(ref Unsafe.Add(ref dyp, c));
                    V d = V.Subtract(a, m);
                    V.Store(ref Unsafe.Add(ref g0, c), Routed(a, V.Add(V.Zero, V.SelectNonNegative(d, remaining, V.Zero)), relu));
                    remaining = V.SelectNonNegative(d, V.Zero, remaining);
                    d = V.Subtract(b, m);
                    V.Store(ref Unsafe.Add(ref g0, c + channels), Routed(b, V.Add(V.Zero, V.SelectNonNegative(d, remaining, V.Zero)), relu));
                    remaining = V.SelectNonNegative(d, V.Zero, remaining);
                    d = V.Subtract(e, m);
                    V.Store(ref Unsafe.Add(ref g0, c + row), Routed(e, V.Add(V.Zero, V.SelectNonNegative(d, remaining, V.Zero)), relu));
                    remaining = V.SelectNonNegative(d, V.Zero, remaining);
                    d = V.Subtract(f, m);
                    V.Store(ref Unsafe.Add(ref g0, c + row + channels), Routed(f, V.Add(V.Zero, V.SelectNonNegative(d, remaining, V.Zero)), relu));
                }
                dyp = ref Unsafe.Add(ref dyp, channels);
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Routed<V>(V x, V gradient, bool relu) where V : struct, ISimdVector<V> =>
        relu ? ReLUBackwardOp.Apply(x, gradient) : gradient;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AvgBackward<V>(ref float dy, ref float dx, nint height, nint width, nint channels,
        nint poolHeight, nint poolWidth, nint strideHeight, nint strideWidth) where V : struct, ISimdVector<V>
    {
        nint n = V.Count, outHeight = (height - poolHeight) / strideHeight + 1, outWidth = (width - poolWidth) / strideWidth + 1;
        V divisor = V.Broadcast(poolHeight * poolWidth);
        ref float dyp = ref dy;
        for (nint oh = 0; oh < outHeight; oh++)
            for (nint ow = 0; ow < outWidth; ow++)
            {
                nint offset = (oh * strideHeight * width + ow * strideWidth) * channels;
                for (nint c = 0; c < channels; c += n)
                {
                    V share = V.Divide(V.Load(ref Unsafe.Add(ref dyp, c)), divisor);
                    ref float dxc = ref Unsafe.Add(ref dx, offset + c);
                    for (nint ky = 0; ky < poolHeight; ky++)
                        for (nint kx = 0; kx < poolWidth; kx++)
                        {
                            ref float g = ref Unsafe.Add(ref dxc, (ky * width + kx) * channels);
                            V.Store(ref g, V.Add(V.Load(ref g), share));
                        }
                }
                dyp = ref Unsafe.Add(ref dyp, channels);
            }
    }
}
#endif
