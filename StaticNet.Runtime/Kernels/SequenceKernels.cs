using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// Position encodings and the pooling of a sequence to a vector on the padded channels-last layout: a sample of
/// <c>steps</c> positions of <c>stride</c> floats (the features padded to 16). Every length is a multiple of 16.
/// </summary>
/// <remarks>Not for direct use: the generator guarantees the sizes, these methods only assert them.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SequenceKernels
{
    /// <summary>
    /// The fixed sinusoidal encoding of "Attention Is All You Need" as PyTorch's tutorial computes it, in float32:
    /// <c>pe[t, 2i] = sin(t·e^(2i·(−ln 10000/d)))</c>, <c>pe[t, 2i + 1] = cos(…)</c>; <c>steps</c> rows of <c>stride</c>
    /// floats, the padding zero. Called once per network type (a static field of the generated class).
    /// </summary>
    /// <param name="steps">The sequence length.</param>
    /// <param name="features">d, even.</param>
    /// <param name="stride">Floats per row: <c>features</c> rounded up to 16.</param>
    /// <returns>A new 64-byte-aligned table of <c>steps·stride</c> floats.</returns>
    public static float[] SinusoidalTable(int steps, int features, int stride)
    {
        if (steps <= 0 || features <= 0 || features % 2 != 0 || stride < features)
            throw new ArgumentException($"A sinusoidal table needs steps ≥ 1, an even feature count and stride ≥ features; got {steps}, {features}, {stride}.");
        var table = new float[steps * stride];
        float scale = -MathF.Log(10000f) / features;
        for (int i = 0; i < features; i += 2)
        {
            float frequency = MathF.Exp(i * scale);
            for (int t = 0; t < steps; t++)
            {
                float angle = t * frequency;
                table[t * stride + i] = (float)Math.Sin(angle);
                table[t * stride + i + 1] = (float)Math.Cos(angle);
            }
        }
        return table;
    }

    /// <summary><c>y[r] = x[r] + table</c> for each of <c>rows</c> samples of <c>length</c> floats (a position encoding).</summary>
    /// <param name="x">The input, <c>rows·length</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="length">Floats per sample, <c>steps·stride</c>.</param>
    /// <param name="table">The encoding, <c>length</c> floats (padding zero).</param>
    /// <param name="y">The output; may be <paramref name="x"/> itself.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddToEachRow(ReadOnlySpan<float> x, int rows, int length, ReadOnlySpan<float> table, Span<float> y)
    {
        Check(rows, length, x.Length, y.Length, table.Length, length);
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float tr = ref MemoryMarshal.GetReference(table);
        ref float yr = ref MemoryMarshal.GetReference(y);
        switch (KernelOptions.Path)
        {
            case 512: SequenceSimd.AddToEachRow<V512>(ref xr, rows, length, ref tr, ref yr); return;
            case 256: SequenceSimd.AddToEachRow<V256>(ref xr, rows, length, ref tr, ref yr); return;
            case 128: SequenceSimd.AddToEachRow<V128>(ref xr, rows, length, ref tr, ref yr); return;
        }
#endif
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < length; i++)
                y[r * length + i] = x[r * length + i] + table[i];
    }

    /// <summary><c>sum += Σ_r dy[r]</c>: the gradient of a table added to every sample (learned positions).</summary>
    /// <param name="dy">The output gradient, <c>rows·length</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="length">Floats per sample.</param>
    /// <param name="sum">Accumulated into, <c>length</c> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateRows(ReadOnlySpan<float> dy, int rows, int length, Span<float> sum)
    {
        Check(rows, length, dy.Length, dy.Length, sum.Length, length);
#if NET8_0_OR_GREATER
        ref float dr = ref MemoryMarshal.GetReference(dy);
        ref float sr = ref MemoryMarshal.GetReference(sum);
        switch (KernelOptions.Path)
        {
            case 512: SequenceSimd.AccumulateRows<V512>(ref dr, rows, length, ref sr); return;
            case 256: SequenceSimd.AccumulateRows<V256>(ref dr, rows, length, ref sr); return;
            case 128: SequenceSimd.AccumulateRows<V128>(ref dr, rows, length, ref sr); return;
        }
#endif
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < length; i++)
                sum[i] += dy[r * length + i];
    }

    /// <summary>
    /// A sequence to a vector: per sample, the mean over its <c>steps</c> positions (<paramref name="mode"/> 0), its first
    /// position (1) or its last (2); <c>y</c> holds <c>stride</c> floats per sample.
    /// </summary>
    /// <param name="x">The input, <c>rows·steps·stride</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">Positions per sample.</param>
    /// <param name="stride">Floats per position.</param>
    /// <param name="mode">0 mean, 1 first, 2 last.</param>
    /// <param name="y">The output, <c>rows·stride</c> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pool(ReadOnlySpan<float> x, int rows, int steps, int stride, int mode, Span<float> y)
    {
        Check(rows, steps * stride, x.Length, x.Length, y.Length, rows * stride);
        if (mode != 0)
        {
            int step = mode == 1 ? 0 : steps - 1;
            for (int r = 0; r < rows; r++)
                x.Slice((r * steps + step) * stride, stride).CopyTo(y.Slice(r * stride, stride));
            return;
        }
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        switch (KernelOptions.Path)
        {
            case 512: SequenceSimd.MeanOverSteps<V512>(ref xr, rows, steps, stride, ref yr); return;
            case 256: SequenceSimd.MeanOverSteps<V256>(ref xr, rows, steps, stride, ref yr); return;
            case 128: SequenceSimd.MeanOverSteps<V128>(ref xr, rows, steps, stride, ref yr); return;
        }
#endif
        float scale = 1f / steps;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < stride; c++)
            {
                float sum = 0f;
                for (int t = 0; t < steps; t++) sum += x[(r * steps + t) * stride + c];
                y[r * stride + c] = sum * scale;
            }
    }

    /// <summary>Backward of <see cref="Pool"/>: <c>dx</c> (overwritten) is <c>dy/steps</c> at every position (mean), or <c>dy</c> at the pooled position and zero elsewhere.</summary>
    /// <param name="dy">The output gradient, <c>rows·stride</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">Positions per sample.</param>
    /// <param name="stride">Floats per position.</param>
    /// <param name="mode">0 mean, 1 first, 2 last.</param>
    /// <param name="dx">The input gradient, <c>rows·steps·stride</c> floats, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PoolBackward(ReadOnlySpan<float> dy, int rows, int steps, int stride, int mode, Span<float> dx)
    {
        Check(rows, steps * stride, dx.Length, dx.Length, dy.Length, rows * stride);
        float scale = 1f / steps;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> g = dy.Slice(r * stride, stride);
            for (int t = 0; t < steps; t++)
            {
                Span<float> d = dx.Slice((r * steps + t) * stride, stride);
                if (mode == 0)
                    for (int c = 0; c < stride; c++) d[c] = g[c] * scale;
                else if (t == (mode == 1 ? 0 : steps - 1))
                    g.CopyTo(d);
                else
                    d.Clear();
            }
        }
    }

    /// <summary>
    /// The mean over the steps that are not padding: per sample, <c>y = Σ x_t / n</c> over the <c>n</c> steps whose token id
    /// is not <paramref name="paddingIndex"/>, PyTorch's <c>(x * keep).sum(1) / keep.sum(1)</c> with
    /// <c>keep = tokens != padding_idx</c>. A sample of padding only gives zero (PyTorch: NaN).
    /// </summary>
    /// <param name="x">The input, <c>rows·steps·stride</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">Positions per sample.</param>
    /// <param name="stride">Floats per position.</param>
    /// <param name="tokens">The samples' token ids, <c>rows·steps</c>.</param>
    /// <param name="paddingIndex">The padding token id.</param>
    /// <param name="y">The output, <c>rows·stride</c> floats, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PoolMeanUnpadded(ReadOnlySpan<float> x, int rows, int steps, int stride, ReadOnlySpan<int> tokens, int paddingIndex, Span<float> y)
    {
        Check(rows, steps * stride, x.Length, x.Length, y.Length, rows * stride);
        CheckTokens(rows, steps, tokens.Length);
        for (int r = 0; r < rows; r++)
        {
            Span<float> yr = y.Slice(r * stride, stride);
            yr.Clear();
            int kept = 0;
            for (int t = 0; t < steps; t++)
            {
                if (tokens[r * steps + t] == paddingIndex) continue;
                kept++;
                System.Numerics.Tensors.TensorPrimitives.Add(yr, x.Slice((r * steps + t) * stride, stride), yr);
            }
            if (kept > 1) System.Numerics.Tensors.TensorPrimitives.Multiply(yr, 1f / kept, yr);
        }
    }

    /// <summary>Backward of <see cref="PoolMeanUnpadded"/>: <c>dx</c> (overwritten) is <c>dy/n</c> at the steps that are not padding, zero at the others.</summary>
    /// <param name="dy">The output gradient, <c>rows·stride</c> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">Positions per sample.</param>
    /// <param name="stride">Floats per position.</param>
    /// <param name="tokens">The samples' token ids, <c>rows·steps</c>.</param>
    /// <param name="paddingIndex">The padding token id.</param>
    /// <param name="dx">The input gradient, <c>rows·steps·stride</c> floats, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PoolMeanUnpaddedBackward(ReadOnlySpan<float> dy, int rows, int steps, int stride, ReadOnlySpan<int> tokens, int paddingIndex, Span<float> dx)
    {
        Check(rows, steps * stride, dx.Length, dx.Length, dy.Length, rows * stride);
        CheckTokens(rows, steps, tokens.Length);
        for (int r = 0; r < rows; r++)
        {
            int kept = 0;
            for (int t = 0; t < steps; t++)
                if (tokens[r * steps + t] != paddingIndex) kept++;
            ReadOnlySpan<float> g = dy.Slice(r * stride, stride);
            for (int t = 0; t < steps; t++)
            {
                Span<float> d = dx.Slice((r * steps + t) * stride, stride);
                if (tokens[r * steps + t] == paddingIndex) d.Clear();
                else System.Numerics.Tensors.TensorPrimitives.Multiply(g, 1f / kept, d);
            }
        }
    }

    private static void CheckTokens(int rows, int steps, int tokens)
    {
        if (tokens < (long)rows * steps)
            throw new ArgumentException($"A padding-aware sequence kernel needs {rows * steps} token ids ({rows} rows of {steps}); got {tokens}.");
    }

    /// <summary><c>y = a + b</c> elementwise (a residual connection, or a gradient reaching a value two ways).</summary>
    /// <param name="a">The first addend.</param>
    /// <param name="b">The second addend, as long as <paramref name="a"/>.</param>
    /// <param name="y">The sum, as long as <paramref name="a"/>; may be either addend.</param>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        if (b.Length != a.Length || y.Length != a.Length)
            throw new ArgumentException($"Add needs spans of one length; got {a.Length}, {b.Length} and {y.Length}.");
        System.Numerics.Tensors.TensorPrimitives.Add(a, b, y);
    }

    private static void Check(int rows, int length, int a, int b, int c, int cLength)
    {
        if (rows <= 0 || length <= 0 || length % DenseKernels.WidthAlignment != 0 || a < (long)rows * length || b < (long)rows * length || c < cLength)
            throw new ArgumentException(
                $"Sequence kernel called with inconsistent sizes: {rows} rows of {length} floats; expected a length that is a multiple of 16 and buffers that hold them.");
    }
}
