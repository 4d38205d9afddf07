using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// Losses and their gradients with respect to the network's output (the logits), for <c>rows</c> rows of
/// <c>columns</c> outputs that are <c>stride</c> floats apart. Each returns the loss summed over the rows it sees (in
/// double precision); the caller divides by the batch's divisor. When <c>gradient</c> is not empty it receives the
/// gradient of the summed loss times <c>gradientScale</c> (the caller passes 1/divisor to get the gradient of the mean).
/// With <c>weights</c> (one per sample, each covering <c>rowsPerWeight</c> consecutive rows: a sequence's steps) every
/// row's loss and gradient are multiplied by its sample's weight; empty means weight 1.
/// </summary>
/// <remarks>Not for direct use: called by generated code with literal sizes.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LossKernels
{
    /// <summary>Σ (y − t)², as <c>torch.nn.MSELoss(reduction='sum')</c>; gradient 2(y − t).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double MeanSquaredError(ReadOnlySpan<float> output, ReadOnlySpan<float> targets, int rows, int columns,
        int stride, Span<float> gradient, float gradientScale, ReadOnlySpan<float> weights = default, int rowsPerWeight = 1)
    {
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> y = output.Slice(r * stride, columns);
            ReadOnlySpan<float> t = targets.Slice(r * columns, columns);
            float w = Weight(weights, r, rowsPerWeight), g = 2f * gradientScale * w;
            double rowSum = 0;
            for (int j = 0; j < columns; j++)
            {
                float d = y[j] - t[j];
                rowSum += d * d;
                if (!gradient.IsEmpty) gradient[r * stride + j] = d * g;
            }
            sum += w * rowSum;
        }
        return sum;
    }

    /// <summary>
    /// Σ Huber_β(y − t), as <c>torch.nn.SmoothL1Loss(reduction='sum', beta=β)</c>: 0.5·d²/β where |d| &lt; β, |d| − 0.5·β
    /// elsewhere; gradient d/β inside, sign(d) outside.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Huber(ReadOnlySpan<float> output, ReadOnlySpan<float> targets, int rows, int columns,
        int stride, Span<float> gradient, float gradientScale, float beta, ReadOnlySpan<float> weights = default, int rowsPerWeight = 1)
    {
        if (!(beta > 0f) || float.IsInfinity(beta))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, $"The Huber loss's beta must be positive and finite; got {beta}.");
        double sum = 0;
        float inverseBeta = 1f / beta, halfBeta = 0.5f * beta;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> y = output.Slice(r * stride, columns);
            ReadOnlySpan<float> t = targets.Slice(r * columns, columns);
            float w = Weight(weights, r, rowsPerWeight), g = gradientScale * w;
            double rowSum = 0;
            for (int j = 0; j < columns; j++)
            {
                float d = y[j] - t[j], a = MathF.Abs(d);
                bool inside = a < beta;
                rowSum += inside ? 0.5f * d * d * inverseBeta : a - halfBeta;
                if (!gradient.IsEmpty) gradient[r * stride + j] = (inside ? d * inverseBeta : Sign(d)) * g;
            }
            sum += w * rowSum;
        }
        return sum;
    }

    /// <summary>Σ |y − t|, as <c>torch.nn.L1Loss(reduction='sum')</c>; gradient sign(y − t), 0 where y = t (as PyTorch's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double L1(ReadOnlySpan<float> output, ReadOnlySpan<float> targets, int rows, int columns,
        int stride, Span<float> gradient, float gradientScale, ReadOnlySpan<float> weights = default, int rowsPerWeight = 1)
    {
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> y = output.Slice(r * stride, columns);
            ReadOnlySpan<float> t = targets.Slice(r * columns, columns);
            float w = Weight(weights, r, rowsPerWeight), g = gradientScale * w;
            double rowSum = 0;
            for (int j = 0; j < columns; j++)
            {
                float d = y[j] - t[j];
                rowSum += MathF.Abs(d);
                if (!gradient.IsEmpty) gradient[r * stride + j] = Sign(d) * g;
            }
            sum += w * rowSum;
        }
        return sum;
    }

    /// <summary>
    /// The weights of the samples <paramref name="start"/>, … of a batch for one chunk of <paramref name="rows"/>
    /// samples, or empty (every weight 1) when the call has none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<float> ChunkWeights(ReadOnlySpan<float> weights, int start, int rows) =>
        weights.IsEmpty ? default : weights.Slice(start, rows);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Weight(ReadOnlySpan<float> weights, int row, int rowsPerWeight) =>
        weights.IsEmpty ? 1f : weights[row / rowsPerWeight];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sign(float d) => d > 0f ? 1f : d < 0f ? -1f : 0f;

    /// <summary>
    /// Σ max(z, 0) − z·t + log(1 + e^−|z|), as <c>torch.nn.BCEWithLogitsLoss(reduction='sum')</c>; gradient σ(z) − t.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double BinaryCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int rows, int columns,
        int stride, Span<float> gradient, float gradientScale, ReadOnlySpan<float> weights = default, int rowsPerWeight = 1)
    {
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> z = logits.Slice(r * stride, columns);
            ReadOnlySpan<float> t = targets.Slice(r * columns, columns);
            float w = Weight(weights, r, rowsPerWeight), g = gradientScale * w;
            double rowSum = 0;
            for (int j = 0; j < columns; j++)
            {
                float v = z[j];
                rowSum += MathF.Max(v, 0f) - v * t[j] + Log1pExp(-MathF.Abs(v));
                if (!gradient.IsEmpty) gradient[r * stride + j] = (Sigmoid(v) - t[j]) * g;
            }
            sum += w * rowSum;
        }
        return sum;
    }

    /// <summary>
    /// Σᵣ −Σⱼ tⱼ · log softmax(z)ⱼ, as <c>torch.nn.CrossEntropyLoss(reduction='sum')</c> with class-probability targets;
    /// gradient softmax(z)·Σⱼtⱼ − t.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int rows, int columns,
        int stride, Span<float> gradient, float gradientScale, ReadOnlySpan<float> weights = default, int rowsPerWeight = 1)
    {
        double sum = 0;
        if (columns == 0) return sum;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> z = logits.Slice(r * stride, columns);
            ReadOnlySpan<float> t = targets.Slice(r * columns, columns);
            Span<float> g = gradient.IsEmpty ? default : gradient.Slice(r * stride, columns);
            float w = Weight(weights, r, rowsPerWeight), scale = gradientScale * w;
            float max = TensorPrimitives.Max(z);
            float expSum = ExpShifted(z, max, g);
            float logSumExp = max + MathF.Log(expSum);
            float targetSum = 0f;
            double rowSum = 0;
            for (int j = 0; j < columns; j++)
            {
                targetSum += t[j];
                rowSum -= t[j] * (z[j] - logSumExp);
            }
            sum += w * rowSum;
            if (!g.IsEmpty)
            {
                // g = softmax(z)·Σt − t, scaled: eʲ·(Σt·scale/Σe) − t·scale.
                TensorPrimitives.Multiply(g, targetSum * scale / expSum, g);
                TensorPrimitives.MultiplyAdd(t, -scale, g, g);
            }
        }
        return sum;
    }

    /// <summary>
    /// Σᵣ −log softmax(z)_label, as <c>torch.nn.CrossEntropyLoss(reduction='sum')</c> with class indices;
    /// gradient softmax(z) − onehot(label).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is not in [0, columns).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int rows, int columns,
        int stride, Span<float> gradient, float gradientScale, ReadOnlySpan<float> weights = default, int rowsPerWeight = 1)
    {
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            int label = labels[r];
            if ((uint)label >= (uint)columns)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label {r} is {label}; expected a class index in [0, {columns}).");
            ReadOnlySpan<float> z = logits.Slice(r * stride, columns);
            Span<float> g = gradient.IsEmpty ? default : gradient.Slice(r * stride, columns);
            float max = TensorPrimitives.Max(z);
            float expSum = ExpShifted(z, max, g);
            float logSumExp = max + MathF.Log(expSum);
            float w = Weight(weights, r, rowsPerWeight), scale = gradientScale * w;
            sum -= w * (double)(z[label] - logSumExp);
            if (!g.IsEmpty)
            {
                TensorPrimitives.Multiply(g, scale / expSum, g);
                g[label] -= scale;
            }
        }
        return sum;
    }

    /// <summary>
    /// Σⱼ e^(zⱼ − max), each term also written to <paramref name="exps"/> unless it is empty; vectorised with the
    /// widest vectors the path allows (SimdMath.Exp, about 1 ulp from <see cref="MathF.Exp"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ExpShifted(ReadOnlySpan<float> z, float max, Span<float> exps)
    {
        ref float zr = ref MemoryMarshal.GetReference(z);
        ref float er = ref MemoryMarshal.GetReference(exps);
        bool store = !exps.IsEmpty;
#if !NET8_0_OR_GREATER
        return ExpShiftedScalar(ref zr, 0, z.Length, max, ref er, store, 0f);
    }
#else
        return KernelOptions.Path switch
        {
            512 => ExpShifted<V512>(ref zr, z.Length, max, ref er, store),
            256 => ExpShifted<V256>(ref zr, z.Length, max, ref er, store),
            128 => ExpShifted<V128>(ref zr, z.Length, max, ref er, store),
            _ => ExpShiftedScalar(ref zr, 0, z.Length, max, ref er, store, 0f),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ExpShifted<V>(ref float z, int length, float max, ref float exps, bool store)
        where V : struct, ISimdVector<V>
    {
        int n = V.Count;
        V shift = V.Broadcast(max);
        V total = V.Zero;
        int j = 0;
        for (; j + n <= length; j += n)
        {
            V e = SimdMath.Exp(V.Subtract(V.Load(ref Unsafe.Add(ref z, j)), shift));
            if (store) V.Store(ref Unsafe.Add(ref exps, j), e);
            total = V.Add(total, e);
        }
        return ExpShiftedScalar(ref z, j, length, max, ref exps, store, SimdReduce.Sum(total));
    }
#endif

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ExpShiftedScalar(ref float z, int start, int length, float max, ref float exps, bool store, float sum)
    {
        for (int j = start; j < length; j++)
        {
            float e = MathF.Exp(Unsafe.Add(ref z, j) - max);
            if (store) Unsafe.Add(ref exps, j) = e;
            sum += e;
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Sigmoid(float v) => 1f / (1f + MathF.Exp(-v));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Log1pExp(float negativeAbs) => MathF.Log(1f + MathF.Exp(negativeAbs));
}
