using System;
using System.Runtime.CompilerServices;
using System.ComponentModel;
using System.Numerics.Tensors;

namespace StaticNet.Kernels;

/// <summary>
/// Activations and their derivatives, applied to the first <c>columns</c> floats of each of <c>rows</c> rows that are
/// <c>stride</c> floats apart (the padding columns are left alone, so they stay zero). Forward passes work in place on
/// the layer's output; backward passes turn the gradient with respect to the activation's output into the gradient
/// with respect to its input, in place, from the saved output (or, for GELU, the saved input).
/// </summary>
/// <remarks>Not for direct use: called by generated code with literal sizes.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ActivationKernels
{
    /// <summary>The slope of <see cref="Activation.LeakyReLU"/> for negative inputs, PyTorch's default.</summary>
    public const float LeakyReLUSlope = 0.01f;

    /// <summary><c>y = max(y, 0)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReLU(Span<float> y, int rows, int columns, int stride)
    {
        ActivationSimd.Unary<ReLUOp>(y, y, rows, columns, stride);
    }

    /// <summary><c>dy = y &gt; 0 ? dy : 0</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReLUBackward(ReadOnlySpan<float> y, Span<float> dy, int rows, int columns, int stride)
    {
        ActivationSimd.Backward<ReLUBackwardOp>(y, dy, rows, columns, stride);
    }

    /// <summary><c>y = y &gt; 0 ? y : 0.01·y</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LeakyReLU(Span<float> y, int rows, int columns, int stride)
    {
        ActivationSimd.Unary<LeakyReLUOp>(y, y, rows, columns, stride);
    }

    /// <summary><c>dy = y &gt; 0 ? dy : 0.01·dy</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LeakyReLUBackward(ReadOnlySpan<float> y, Span<float> dy, int rows, int columns, int stride)
    {
        ActivationSimd.Backward<LeakyReLUBackwardOp>(y, dy, rows, columns, stride);
    }

    /// <summary><c>y = 1 / (1 + e⁻ʸ)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sigmoid(Span<float> y, int rows, int columns, int stride)
    {
        if (stride == columns && rows > 0)
        {
            Span<float> all = y.Slice(0, rows * columns);
            TensorPrimitives.Sigmoid(all, all);
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = y.Slice(r * stride, columns);
            TensorPrimitives.Sigmoid(row, row);
        }
    }

    /// <summary><c>dy = dy · y · (1 − y)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SigmoidBackward(ReadOnlySpan<float> y, Span<float> dy, int rows, int columns, int stride)
    {
        ActivationSimd.Backward<SigmoidBackwardOp>(y, dy, rows, columns, stride);
    }

    /// <summary><c>y = tanh(y)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tanh(Span<float> y, int rows, int columns, int stride)
    {
        if (stride == columns && rows > 0)
        {
            Span<float> all = y.Slice(0, rows * columns);
            TensorPrimitives.Tanh(all, all);
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = y.Slice(r * stride, columns);
            TensorPrimitives.Tanh(row, row);
        }
    }

    /// <summary><c>dy = dy · (1 − y²)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TanhBackward(ReadOnlySpan<float> y, Span<float> dy, int rows, int columns, int stride)
    {
        ActivationSimd.Backward<TanhBackwardOp>(y, dy, rows, columns, stride);
    }

    /// <summary>Each row becomes <c>softmax(row)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax(Span<float> y, int rows, int columns, int stride)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = y.Slice(r * stride, columns);
            TensorPrimitives.SoftMax(row, row);
        }
    }

    /// <summary><c>dy = y ⊙ (dy − ⟨dy, y⟩)</c> per row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxBackward(ReadOnlySpan<float> y, Span<float> dy, int rows, int columns, int stride)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> yRow = y.Slice(r * stride, columns);
            Span<float> dyRow = dy.Slice(r * stride, columns);
            float dot = TensorPrimitives.Dot(yRow, dyRow);
            TensorPrimitives.Subtract(dyRow, dot, dyRow);
            TensorPrimitives.Multiply(yRow, dyRow, dyRow);
        }
    }

    /// <summary>
    /// <c>y = z · Φ(z)</c>, the exact (erf) GELU, as <c>torch.nn.GELU()</c>. <paramref name="z"/> and <paramref name="y"/>
    /// may be the same buffer (inference), or distinct so that <paramref name="z"/> is kept for the backward pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gelu(ReadOnlySpan<float> z, Span<float> y, int rows, int columns, int stride)
    {
        ActivationSimd.Unary<GeluOp>(z, y, rows, columns, stride);
    }

    /// <summary><c>dy = dy · (Φ(z) + z · φ(z))</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GeluBackward(ReadOnlySpan<float> z, Span<float> dy, int rows, int columns, int stride)
    {
        ActivationSimd.Backward<GeluBackwardOp>(z, dy, rows, columns, stride);
    }

    /// <summary>
    /// <c>y = z · σ(z)</c>, as <c>torch.nn.SiLU()</c>. <paramref name="z"/> and <paramref name="y"/> may be the same buffer
    /// (inference), or distinct so that <paramref name="z"/> is kept for the backward pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SiLU(ReadOnlySpan<float> z, Span<float> y, int rows, int columns, int stride)
    {
        ActivationSimd.Unary<SiLUOp>(z, y, rows, columns, stride);
    }

    /// <summary><c>dy = dy · σ(z) · (1 + z · (1 − σ(z)))</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SiLUBackward(ReadOnlySpan<float> z, Span<float> dy, int rows, int columns, int stride)
    {
        ActivationSimd.Backward<SiLUBackwardOp>(z, dy, rows, columns, stride);
    }

    /// <summary><c>y = y &gt; 0 ? y : eʸ − 1</c>, as <c>torch.nn.ELU()</c> (alpha 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ELU(Span<float> y, int rows, int columns, int stride)
    {
        ActivationSimd.Unary<ELUOp>(y, y, rows, columns, stride);
    }

    /// <summary><c>dy = y &gt; 0 ? dy : dy · (y + 1)</c> (eˣ = y + 1 where x ≤ 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ELUBackward(ReadOnlySpan<float> y, Span<float> dy, int rows, int columns, int stride)
    {
        ActivationSimd.Backward<ELUBackwardOp>(y, dy, rows, columns, stride);
    }

    /// <summary><c>y = y &gt; 0 ? y : negativeSlope·y</c>, a stand-alone <c>[LeakyReLU(negativeSlope)]</c> (slope ≥ 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LeakyReLU(Span<float> y, float negativeSlope, int rows, int columns, int stride)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = y.Slice(r * stride, columns);
            for (int j = 0; j < row.Length; j++)
                if (row[j] < 0f) row[j] *= negativeSlope;
        }
    }

    /// <summary><c>dy = y &gt; 0 ? dy : negativeSlope·dy</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LeakyReLUBackward(ReadOnlySpan<float> y, Span<float> dy, float negativeSlope, int rows, int columns, int stride)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> yRow = y.Slice(r * stride, columns);
            Span<float> dyRow = dy.Slice(r * stride, columns);
            for (int j = 0; j < dyRow.Length; j++)
                if (!(yRow[j] > 0f)) dyRow[j] *= negativeSlope;
        }
    }

    /// <summary><c>y = y &gt; 0 ? y : alpha·(eʸ − 1)</c>, a stand-alone <c>[ELU(alpha)]</c> (alpha &gt; 0): ELU, then the negative part scaled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ELU(Span<float> y, float alpha, int rows, int columns, int stride)
    {
        ELU(y, rows, columns, stride);
        if (alpha != 1f) LeakyReLU(y, alpha, rows, columns, stride);
    }

    /// <summary><c>dy = y &gt; 0 ? dy : dy · (y + alpha)</c> (alpha·eˣ = y + alpha where x ≤ 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ELUBackward(ReadOnlySpan<float> y, Span<float> dy, float alpha, int rows, int columns, int stride)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> yRow = y.Slice(r * stride, columns);
            Span<float> dyRow = dy.Slice(r * stride, columns);
            for (int j = 0; j < dyRow.Length; j++)
                if (!(yRow[j] > 0f)) dyRow[j] *= yRow[j] + alpha;
        }
    }

    /// <summary>σ(x) = 1 / (1 + e⁻ˣ) in double precision, the scalar reference of SiLU.</summary>
    internal static double Logistic(float x) => 1.0 / (1.0 + Math.Exp(-(double)x));

    /// <summary>Φ(x) = (1 + erf(x/√2)) / 2.</summary>
    /// <remarks>
    /// Computed as <c>erfc(|x|/√2)/2</c> for the lower tail, so that Φ keeps its relative precision for negative
    /// <paramref name="x"/> (where <c>1 + erf</c> would cancel), and in double precision, so that the rounding of
    /// <c>x²/2</c> (up to 1e-6 relative at |x| = 6 in float) does not show; the SIMD kernels get the same precision in
    /// float with error-free products.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float NormalCdf(float x)
    {
        double lower = 0.5 * Erfc(Math.Abs(x * 0.70710678118654752));
        return (float)(x >= 0f ? 1 - lower : lower);
    }

    /// <summary>erfc(x) for x ≥ 0, Numerical Recipes' approximation (fractional error below 1.2e-7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double Erfc(double ax)
    {
        double t = 1 / (1 + 0.5 * ax);
        double poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
                      t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        return t * Math.Exp(-ax * ax + poly);
    }
}
