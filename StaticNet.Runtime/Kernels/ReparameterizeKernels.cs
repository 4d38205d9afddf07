using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// The reparameterisation of a variational autoencoder (Kingma and Welling 2014): the input row holds
/// <c>[mean | logvar]</c>, <c>latent</c> means then <c>latent</c> log-variances; training outputs
/// <c>z = mean + exp(0.5·logvar)·ε</c> with ε ~ N(0, 1) drawn from the network's generator, inference outputs the mean.
/// The KL divergence from N(0, I), <c>−0.5·Σ(1 + logvar − mean² − exp(logvar))</c> summed over the latent values, is the
/// layer's loss term (<see cref="Divergence"/>).
/// </summary>
/// <remarks>
/// <para>ε is drawn with the Box–Muller transform from two of dropout's SplitMix64 uniforms (see
/// <see cref="DropoutKernels"/>): <c>ε = √(−2·ln(1 − u₁))·cos(2π·u₂)</c>, in memory order (row, then latent value).</para>
/// <para>Not for direct use: called by generated code with literal sizes.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ReparameterizeKernels
{
    /// <summary>
    /// Test hook: when set, training uses these ε instead of drawing them, value <c>r·latent + j</c> for row <c>r</c> of
    /// each chunk (so a test's batch of at most one chunk gets exactly these). Never set outside tests.
    /// </summary>
    internal static float[]? NoiseOverride;

    /// <summary>Inference: <c>y = mean</c>, the padding of <paramref name="y"/> zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Inference(ReadOnlySpan<float> x, int rows, int latent, int xStride, Span<float> y, int yStride)
    {
        Check(rows, latent, xStride, yStride, x.Length, y.Length);
        for (int r = 0; r < rows; r++)
        {
            x.Slice(r * xStride, latent).CopyTo(y.Slice(r * yStride, latent));
            y.Slice(r * yStride + latent, yStride - latent).Clear();
        }
    }

    /// <summary>
    /// Training: <c>y = mean + σ·ε</c> with <c>σ = exp(0.5·logvar)</c>; <paramref name="noise"/> keeps <c>σ·ε</c> per
    /// value (<c>rows·latent</c> floats) for the backward pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, int rows, int latent, int xStride, ref ulong state, Span<float> noise,
        Span<float> y, int yStride)
    {
        Check(rows, latent, xStride, yStride, x.Length, y.Length);
        if (noise.Length < rows * latent)
            throw new ArgumentException($"Reparameterize kernel: noise holds {noise.Length} floats; expected {rows * latent}.", nameof(noise));
        float[]? fixedNoise = NoiseOverride;
        ulong s = state;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> mean = x.Slice(r * xStride, latent), logVariance = x.Slice(r * xStride + latent, latent);
            Span<float> z = y.Slice(r * yStride, yStride), kept = noise.Slice(r * latent, latent);
            for (int j = 0; j < latent; j++)
            {
                float epsilon = fixedNoise is null ? NextNormal(ref s) : fixedNoise[(r * latent + j) % fixedNoise.Length];
                float scaled = MathF.Exp(0.5f * logVariance[j]) * epsilon;
                kept[j] = scaled;
                z[j] = mean[j] + scaled;
            }
            z.Slice(latent).Clear();
        }
        state = s;
    }

    /// <summary>
    /// The KL term of <paramref name="rows"/> rows, <c>β·Σᵣ wᵣ·(−0.5·Σⱼ(1 + logvar − mean² − exp(logvar)))</c> in double
    /// precision; unless <paramref name="gradient"/> is empty, it receives the term's gradient times
    /// <paramref name="gradientScale"/>, <c>[β·w·mean | β·w·0.5·(exp(logvar) − 1)]·scale</c> per row (<c>rows·2·latent</c> floats).
    /// </summary>
    /// <param name="x">The layer's input, <c>[mean | logvar]</c> per row, rows <paramref name="xStride"/> floats apart.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="latent">The latent values per row (half the input's).</param>
    /// <param name="xStride">Floats per input row.</param>
    /// <param name="beta">The term's weight.</param>
    /// <param name="gradientScale">The loss's 1/divisor.</param>
    /// <param name="weights">One weight per row, or empty for 1.</param>
    /// <param name="gradient">The gradient, or empty for the loss only.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Divergence(ReadOnlySpan<float> x, int rows, int latent, int xStride, float beta, float gradientScale,
        ReadOnlySpan<float> weights, Span<float> gradient)
    {
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> mean = x.Slice(r * xStride, latent), logVariance = x.Slice(r * xStride + latent, latent);
            float w = weights.IsEmpty ? 1f : weights[r];
            double row = 0;
            for (int j = 0; j < latent; j++)
            {
                float m = mean[j], v = logVariance[j], e = MathF.Exp(v);
                row += 1f + v - m * m - e;
            }
            sum += -0.5 * row * beta * w;
            if (gradient.IsEmpty) continue;
            float g = beta * w * gradientScale;
            Span<float> gMean = gradient.Slice(r * 2 * latent, latent), gLogVariance = gradient.Slice(r * 2 * latent + latent, latent);
            for (int j = 0; j < latent; j++)
            {
                gMean[j] = mean[j] * g;
                gLogVariance[j] = 0.5f * (MathF.Exp(logVariance[j]) - 1f) * g;
            }
        }
        return sum;
    }

    /// <summary>
    /// Backward: <c>dmean = dz + ∂KL/∂mean</c>, <c>dlogvar = 0.5·σ·ε·dz + ∂KL/∂logvar</c>, the KL's gradient the one
    /// <see cref="Divergence"/> wrote; the padding of <paramref name="dx"/> zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> dy, int yStride, ReadOnlySpan<float> noise, ReadOnlySpan<float> divergenceGradient,
        int rows, int latent, Span<float> dx, int xStride)
    {
        Check(rows, latent, xStride, yStride, dx.Length, dy.Length);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> dz = dy.Slice(r * yStride, latent), kept = noise.Slice(r * latent, latent);
            ReadOnlySpan<float> g = divergenceGradient.Slice(r * 2 * latent, 2 * latent);
            Span<float> d = dx.Slice(r * xStride, xStride);
            for (int j = 0; j < latent; j++)
            {
                d[j] = dz[j] + g[j];
                d[latent + j] = 0.5f * kept[j] * dz[j] + g[latent + j];
            }
            d.Slice(2 * latent).Clear();
        }
    }

    /// <summary>One standard normal value from two SplitMix64 uniforms (Box–Muller, the cosine branch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float NextNormal(ref ulong state)
    {
        float u1 = 1f - DropoutKernels.NextUniform(ref state); // (0, 1]: the logarithm is finite
        float u2 = DropoutKernels.NextUniform(ref state);
        return MathF.Sqrt(-2f * MathF.Log(u1)) * MathF.Cos(2f * MathF.PI * u2);
    }

    private static void Check(int rows, int latent, int xStride, int yStride, int xLength, int yLength)
    {
        if (rows <= 0 || latent <= 0 || xStride < 2 * latent || yStride < latent || xLength < rows * xStride || yLength < rows * yStride)
            throw new ArgumentException(
                $"Reparameterize kernel called with inconsistent sizes: rows {rows}, latent {latent}, strides {xStride} and {yStride}; " +
                $"buffers {xLength} and {yLength} floats.");
    }
}
