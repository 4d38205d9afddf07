using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// Batch normalisation (PyTorch's <c>BatchNorm1d</c>/<c>BatchNorm2d</c>) on the channels-last padded layout: the
/// statistics of channel <c>c</c> are over all <c>rows·positions</c> elements <c>x[r, p, c]</c> (positions 1 after a
/// Dense layer, H·W after a Conv2D, L after a Conv1D), vectorised over channels.
/// </summary>
/// <remarks>
/// <para>Parameters and state, each PyTorch <c>[C]</c> tensor at stride 1 in a region of <c>channels</c> (= cs) floats
/// whose padding is zero: <c>weight</c> (γ), <c>bias</c> (β), <c>running_mean</c>, <c>running_var</c> (initialised 1
/// for the real channels); <c>num_batches_tracked</c> is one float that the caller increments per training forward.</para>
/// <para>Not for direct use: the generator guarantees the sizes, these methods only assert them.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BatchNormKernels
{
    /// <summary>
    /// Training forward: per channel the batch mean <c>μ</c> and biased variance <c>σ²</c>, <c>x̂ = (x − μ)/√(σ² + ε)</c>,
    /// <c>y = γ·x̂ + β</c>; the running statistics become <c>(1 − momentum)·running + momentum·batch</c> with the
    /// unbiased variance <c>σ²·n/(n − 1)</c>, as PyTorch. Needs <c>n = rows·positions ≥ 2</c> (PyTorch raises too).
    /// </summary>
    /// <param name="x">The input, <c>rows·positions·channels</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="positions">Positions per sample.</param>
    /// <param name="channels">The padded channel count, a multiple of 16.</param>
    /// <param name="weight">γ, <c>channels</c> floats.</param>
    /// <param name="bias">β, <c>channels</c> floats.</param>
    /// <param name="runningMean">The running mean, updated.</param>
    /// <param name="runningVar">The running variance, updated.</param>
    /// <param name="momentum">PyTorch's momentum (0.1 by default).</param>
    /// <param name="epsilon">PyTorch's eps (1e-5 by default).</param>
    /// <param name="normalized">Saved for backward: x̂, <c>rows·positions·channels</c> floats (per-row region).</param>
    /// <param name="inverseStd">Saved for backward: <c>1/√(σ² + ε)</c>, <c>channels</c> floats (per-chunk region).</param>
    /// <param name="y">The output, <c>rows·positions·channels</c> floats; may be <paramref name="x"/> itself.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardTraining(ReadOnlySpan<float> x, int rows, int positions, int channels,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar,
        float momentum, float epsilon, Span<float> normalized, Span<float> inverseStd, Span<float> y) =>
        Forward(x, rows, positions, channels, weight, bias, runningMean, runningVar, momentum, epsilon, normalized, inverseStd, y, deferred: false);

    /// <summary>
    /// Training forward for one chunk of a larger batch, as <see cref="ForwardTraining"/> but leaving the running
    /// statistics alone: it writes the chunk's mean and unbiased variance to <paramref name="batchMean"/> and
    /// <paramref name="batchVariance"/>, for <see cref="UpdateRunningStatistics"/> to fold in, chunk after chunk, once
    /// every chunk has run (on any thread). The two together give the bits of <see cref="ForwardTraining"/>.
    /// </summary>
    /// <param name="x">The input, <c>rows·positions·channels</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="positions">Positions per sample.</param>
    /// <param name="channels">The padded channel count, a multiple of 16.</param>
    /// <param name="weight">γ, <c>channels</c> floats.</param>
    /// <param name="bias">β, <c>channels</c> floats.</param>
    /// <param name="batchMean">The chunk's mean, written.</param>
    /// <param name="batchVariance">The chunk's unbiased variance <c>σ²·n/(n − 1)</c>, written.</param>
    /// <param name="epsilon">PyTorch's eps (1e-5 by default).</param>
    /// <param name="normalized">Saved for backward: x̂.</param>
    /// <param name="inverseStd">Saved for backward: <c>1/√(σ² + ε)</c>.</param>
    /// <param name="y">The output; may be <paramref name="x"/> itself.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardTrainingChunk(ReadOnlySpan<float> x, int rows, int positions, int channels,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> batchMean, Span<float> batchVariance,
        float epsilon, Span<float> normalized, Span<float> inverseStd, Span<float> y) =>
        Forward(x, rows, positions, channels, weight, bias, batchMean, batchVariance, 0f, epsilon, normalized, inverseStd, y, deferred: true);

    // The training forward of both entry points: with deferred, mean and variance receive the batch's statistics
    // (momentum unused); without, the running statistics are updated with momentum.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward(ReadOnlySpan<float> x, int rows, int positions, int channels,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> mean, Span<float> variance,
        float momentum, float epsilon, Span<float> normalized, Span<float> inverseStd, Span<float> y, bool deferred)
    {
        int count = Check(rows, positions, channels, x.Length, y.Length, normalized.Length, weight.Length, bias.Length,
            mean.Length, variance.Length, inverseStd.Length);
        if (count < 2)
            throw new ArgumentException(
                $"BatchNorm in training needs more than one value per channel; got {rows} sample(s) of {positions} position(s) " +
                "(PyTorch raises the same error).", nameof(rows));
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float mr = ref MemoryMarshal.GetReference(mean);
        ref float vr = ref MemoryMarshal.GetReference(variance);
        ref float nr = ref MemoryMarshal.GetReference(normalized);
        ref float sr = ref MemoryMarshal.GetReference(inverseStd);
        ref float yr = ref MemoryMarshal.GetReference(y);
        switch (KernelOptions.Path)
        {
            case 512: BatchNormSimd.ForwardTraining<V512>(ref xr, count, channels, ref wr, ref br, ref mr, ref vr, momentum, epsilon, ref nr, ref sr, ref yr, deferred); return;
            case 256: BatchNormSimd.ForwardTraining<V256>(ref xr, count, channels, ref wr, ref br, ref mr, ref vr, momentum, epsilon, ref nr, ref sr, ref yr, deferred); return;
            case 128: BatchNormSimd.ForwardTraining<V128>(ref xr, count, channels, ref wr, ref br, ref mr, ref vr, momentum, epsilon, ref nr, ref sr, ref yr, deferred); return;
        }
#endif
        ReferenceKernels.BatchNormForwardTraining(x, count, channels, weight, bias, mean, variance, momentum, epsilon,
            normalized, inverseStd, y, deferred);
    }

    /// <summary>
    /// <c>running = (1 − momentum)·running + momentum·batch</c> for the mean and the (unbiased) variance that
    /// <see cref="ForwardTrainingChunk"/> wrote, with the arithmetic of <see cref="ForwardTraining"/>.
    /// </summary>
    /// <param name="channels">The padded channel count, a multiple of 16.</param>
    /// <param name="runningMean">The running mean, updated.</param>
    /// <param name="runningVar">The running variance, updated.</param>
    /// <param name="batchMean">A chunk's mean.</param>
    /// <param name="batchVariance">A chunk's unbiased variance.</param>
    /// <param name="momentum">PyTorch's momentum.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UpdateRunningStatistics(int channels, Span<float> runningMean, Span<float> runningVar,
        ReadOnlySpan<float> batchMean, ReadOnlySpan<float> batchVariance, float momentum)
    {
        Check(1, 1, channels, channels, channels, channels, runningMean.Length, runningVar.Length, batchMean.Length,
            batchVariance.Length, channels);
#if NET8_0_OR_GREATER
        ref float mr = ref MemoryMarshal.GetReference(runningMean);
        ref float vr = ref MemoryMarshal.GetReference(runningVar);
        ref float bm = ref MemoryMarshal.GetReference(batchMean);
        ref float bv = ref MemoryMarshal.GetReference(batchVariance);
        switch (KernelOptions.Path)
        {
            case 512: BatchNormSimd.UpdateRunning<V512>(channels, ref mr, ref vr, ref bm, ref bv, momentum); return;
            case 256: BatchNormSimd.UpdateRunning<V256>(channels, ref mr, ref vr, ref bm, ref bv, momentum); return;
            case 128: BatchNormSimd.UpdateRunning<V128>(channels, ref mr, ref vr, ref bm, ref bv, momentum); return;
        }
#endif
        ReferenceKernels.BatchNormUpdateRunning(channels, runningMean, runningVar, batchMean, batchVariance, momentum);
    }

    /// <summary>Inference forward: <c>y = γ·(x − running_mean)/√(running_var + ε) + β</c>.</summary>
    /// <param name="x">The input, <c>rows·positions·channels</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="positions">Positions per sample.</param>
    /// <param name="channels">The padded channel count.</param>
    /// <param name="weight">γ.</param>
    /// <param name="bias">β.</param>
    /// <param name="runningMean">The running mean.</param>
    /// <param name="runningVar">The running variance.</param>
    /// <param name="epsilon">PyTorch's eps.</param>
    /// <param name="y">The output; may be <paramref name="x"/> itself.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardInference(ReadOnlySpan<float> x, int rows, int positions, int channels,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar,
        float epsilon, Span<float> y)
    {
        int count = Check(rows, positions, channels, x.Length, y.Length, y.Length, weight.Length, bias.Length,
            runningMean.Length, runningVar.Length, channels);
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float mr = ref MemoryMarshal.GetReference(runningMean);
        ref float vr = ref MemoryMarshal.GetReference(runningVar);
        ref float yr = ref MemoryMarshal.GetReference(y);
        switch (KernelOptions.Path)
        {
            case 512: BatchNormSimd.ForwardInference<V512>(ref xr, count, channels, ref wr, ref br, ref mr, ref vr, epsilon, ref yr); return;
            case 256: BatchNormSimd.ForwardInference<V256>(ref xr, count, channels, ref wr, ref br, ref mr, ref vr, epsilon, ref yr); return;
            case 128: BatchNormSimd.ForwardInference<V128>(ref xr, count, channels, ref wr, ref br, ref mr, ref vr, epsilon, ref yr); return;
        }
#endif
        ReferenceKernels.BatchNormForwardInference(x, count, channels, weight, bias, runningMean, runningVar, epsilon, y);
    }

    /// <summary>
    /// Backward of <see cref="ForwardTraining"/>: <c>dβ += Σ dy</c>, <c>dγ += Σ dy·x̂</c>,
    /// <c>dx = γ/√(σ² + ε) · (dy − Σdy/n − x̂·Σ(dy·x̂)/n)</c> with sums over the <c>n = rows·positions</c> elements of a channel.
    /// </summary>
    /// <param name="dy">The output gradient, <c>rows·positions·channels</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="positions">Positions per sample.</param>
    /// <param name="channels">The padded channel count.</param>
    /// <param name="weight">γ.</param>
    /// <param name="normalized">x̂ as saved by <see cref="ForwardTraining"/>.</param>
    /// <param name="inverseStd">1/√(σ² + ε) as saved by <see cref="ForwardTraining"/>.</param>
    /// <param name="dWeight">dγ, accumulated into.</param>
    /// <param name="dBias">dβ, accumulated into.</param>
    /// <param name="dx">The input gradient, overwritten; may be <paramref name="dy"/> itself.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> dy, int rows, int positions, int channels, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> normalized, ReadOnlySpan<float> inverseStd, Span<float> dWeight, Span<float> dBias, Span<float> dx)
    {
        int count = Check(rows, positions, channels, dy.Length, dx.Length, normalized.Length, weight.Length, dWeight.Length,
            dBias.Length, channels, inverseStd.Length);
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
            case 512: BatchNormSimd.Backward<V512>(ref dyr, count, channels, ref wr, ref nr, ref sr, ref dwr, ref dbr, ref dxr); return;
            case 256: BatchNormSimd.Backward<V256>(ref dyr, count, channels, ref wr, ref nr, ref sr, ref dwr, ref dbr, ref dxr); return;
            case 128: BatchNormSimd.Backward<V128>(ref dyr, count, channels, ref wr, ref nr, ref sr, ref dwr, ref dbr, ref dxr); return;
        }
#endif
        ReferenceKernels.BatchNormBackward(dy, count, channels, weight, normalized, inverseStd, dWeight, dBias, dx);
    }

    private static int Check(int rows, int positions, int channels, int a, int b, int c, int p0, int p1, int p2, int p3, int p4)
    {
        int length = rows * positions * channels;
        if (rows <= 0 || positions <= 0 || channels <= 0 || channels % DenseKernels.WidthAlignment != 0 ||
            a < length || b < length || c < length || p0 < channels || p1 < channels || p2 < channels || p3 < channels || p4 < channels)
            throw new ArgumentException(
                $"BatchNorm kernel called with inconsistent sizes: rows {rows}, positions {positions}, channels {channels}; " +
                $"activation buffers {a}, {b}, {c} floats (expected {length}), per-channel buffers {p0}, {p1}, {p2}, {p3}, {p4} (expected {channels}).");
        return rows * positions;
    }
}
