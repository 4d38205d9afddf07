using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// Layer normalisation (PyTorch's <c>nn.LayerNorm(features)</c>) over the last dimension of the padded channels-last
/// layout: each of <c>count</c> rows (a sample's vector, or one position of a sequence) holds <c>features</c> values
/// followed by zero padding up to <c>stride</c> floats; its mean and biased variance are over the <c>features</c> values
/// only, and the padding of every output (<c>y</c>, <c>x̂</c>, <c>dx</c>) is written as zero.
/// </summary>
/// <remarks>Not for direct use: the generator guarantees the sizes, these methods only assert them.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LayerNormKernels
{
    /// <summary>
    /// Forward, saving for backward: per row <c>μ</c>, <c>σ²</c> (biased), <c>x̂ = (x − μ)/√(σ² + ε)</c>,
    /// <c>y = γ·x̂ + β</c>.
    /// </summary>
    /// <param name="x">The input, <c>count·stride</c> floats.</param>
    /// <param name="count">The number of rows normalised (samples × positions).</param>
    /// <param name="features">The normalised (last) dimension.</param>
    /// <param name="stride">Floats per row: <c>features</c> rounded up to 16.</param>
    /// <param name="weight">γ, <c>stride</c> floats (padding zero).</param>
    /// <param name="bias">β, <c>stride</c> floats (padding zero).</param>
    /// <param name="epsilon">PyTorch's eps.</param>
    /// <param name="normalized">Saved for backward: x̂, <c>count·stride</c> floats.</param>
    /// <param name="inverseStd">Saved for backward: <c>1/√(σ² + ε)</c> per row, <c>count</c> floats.</param>
    /// <param name="y">The output, <c>count·stride</c> floats; may be <paramref name="x"/> itself.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardTraining(ReadOnlySpan<float> x, int count, int features, int stride, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, float epsilon, Span<float> normalized, Span<float> inverseStd, Span<float> y)
    {
        Check(count, features, stride, x.Length, y.Length, normalized.Length, weight.Length, bias.Length);
        if (inverseStd.Length < count) throw Inconsistent(count, features, stride);
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float nr = ref MemoryMarshal.GetReference(normalized);
        ref float sr = ref MemoryMarshal.GetReference(inverseStd);
        ref float yr = ref MemoryMarshal.GetReference(y);
        switch (KernelOptions.Path)
        {
            case 512: LayerNormSimd.Forward<V512>(ref xr, count, features, stride, ref wr, ref br, epsilon, ref nr, ref sr, ref yr, save: true); return;
            case 256: LayerNormSimd.Forward<V256>(ref xr, count, features, stride, ref wr, ref br, epsilon, ref nr, ref sr, ref yr, save: true); return;
            case 128: LayerNormSimd.Forward<V128>(ref xr, count, features, stride, ref wr, ref br, epsilon, ref nr, ref sr, ref yr, save: true); return;
        }
#endif
        ReferenceKernels.LayerNormForward(x, count, features, stride, weight, bias, epsilon, normalized, inverseStd, y);
    }

    /// <summary>Forward without saving anything (inference and <c>Step</c>): the same <c>y</c> as <see cref="ForwardTraining"/>.</summary>
    /// <param name="x">The input, <c>count·stride</c> floats.</param>
    /// <param name="count">The number of rows normalised.</param>
    /// <param name="features">The normalised dimension.</param>
    /// <param name="stride">Floats per row.</param>
    /// <param name="weight">γ.</param>
    /// <param name="bias">β.</param>
    /// <param name="epsilon">PyTorch's eps.</param>
    /// <param name="y">The output; may be <paramref name="x"/> itself.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, int count, int features, int stride, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, float epsilon, Span<float> y)
    {
        Check(count, features, stride, x.Length, y.Length, y.Length, weight.Length, bias.Length);
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float yr = ref MemoryMarshal.GetReference(y);
        float unused = 0f;
        switch (KernelOptions.Path)
        {
            case 512: LayerNormSimd.Forward<V512>(ref xr, count, features, stride, ref wr, ref br, epsilon, ref yr, ref unused, ref yr, save: false); return;
            case 256: LayerNormSimd.Forward<V256>(ref xr, count, features, stride, ref wr, ref br, epsilon, ref yr, ref unused, ref yr, save: false); return;
            case 128: LayerNormSimd.Forward<V128>(ref xr, count, features, stride, ref wr, ref br, epsilon, ref yr, ref unused, ref yr, save: false); return;
        }
#endif
        ReferenceKernels.LayerNormForward(x, count, features, stride, weight, bias, epsilon, default, default, y);
    }

    /// <summary>
    /// Backward of <see cref="ForwardTraining"/>: <c>dβ += Σ dy</c>, <c>dγ += Σ dy·x̂</c> over the rows, and per row with
    /// <c>g = γ·dy</c>, <c>dx = (g − mean(g) − x̂·mean(g·x̂))/√(σ² + ε)</c>, the means over the row's <c>features</c>.
    /// </summary>
    /// <param name="dy">The output gradient, <c>count·stride</c> floats (padding zero).</param>
    /// <param name="count">The number of rows.</param>
    /// <param name="features">The normalised dimension.</param>
    /// <param name="stride">Floats per row.</param>
    /// <param name="weight">γ.</param>
    /// <param name="normalized">x̂ as saved by <see cref="ForwardTraining"/>.</param>
    /// <param name="inverseStd">1/√(σ² + ε) per row as saved by <see cref="ForwardTraining"/>.</param>
    /// <param name="dWeight">dγ, accumulated into.</param>
    /// <param name="dBias">dβ, accumulated into.</param>
    /// <param name="dx">The input gradient, overwritten (padding zero); may be <paramref name="dy"/> itself.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> dy, int count, int features, int stride, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> normalized, ReadOnlySpan<float> inverseStd, Span<float> dWeight, Span<float> dBias, Span<float> dx)
    {
        Check(count, features, stride, dy.Length, dx.Length, normalized.Length, weight.Length, Math.Min(dWeight.Length, dBias.Length));
        if (inverseStd.Length < count) throw Inconsistent(count, features, stride);
#if NET8_0_OR_GREATER
        ref float dyr = ref MemoryMarshal.GetReference(dy);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float nr = ref MemoryMarshal.GetReference(normalized);
        ref float sr = ref MemoryMarshal.GetReference(inverseStd);
        ref float dwr = ref MemoryMarshal.GetReference(dWeight);
        ref float dbr = ref MemoryMarshal.GetReference(dBias);
        ref float dxr = ref MemoryMarshal.GetReference(dx);
        switch (KernelOptions.Path)
        {
            case 512: LayerNormSimd.Backward<V512>(ref dyr, count, features, stride, ref wr, ref nr, ref sr, ref dwr, ref dbr, ref dxr); return;
            case 256: LayerNormSimd.Backward<V256>(ref dyr, count, features, stride, ref wr, ref nr, ref sr, ref dwr, ref dbr, ref dxr); return;
            case 128: LayerNormSimd.Backward<V128>(ref dyr, count, features, stride, ref wr, ref nr, ref sr, ref dwr, ref dbr, ref dxr); return;
        }
#endif
        ReferenceKernels.LayerNormBackward(dy, count, features, stride, weight, normalized, inverseStd, dWeight, dBias, dx);
    }

    private static void Check(int count, int features, int stride, int a, int b, int c, int p0, int p1)
    {
        long length = (long)count * stride;
        if (count <= 0 || features <= 0 || stride < features || stride % DenseKernels.WidthAlignment != 0 ||
            a < length || b < length || c < length || p0 < stride || p1 < stride)
            throw Inconsistent(count, features, stride);
    }

    private static ArgumentException Inconsistent(int count, int features, int stride) => new(
        $"LayerNorm kernel called with inconsistent sizes: {count} rows of {features} features, stride {stride}; expected a " +
        "stride that is a multiple of 16 and at least the features, and buffers of count × stride floats (count for 1/σ).");
}
