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
/// </summary>
/// <remarks>Not for direct use: called by generated code with literal sizes.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LossKernels
{
    /// <summary>Σ (y − t)², as <c>torch.nn.MSELoss(reduction='sum')</c>; gradient 2(y − t).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double MeanSquaredError(ReadOnlySpan<float> output, ReadOnlySpan<float> targets, int rows, int columns,
        int stride, Span<float> gradient, float gradientScale)
    {
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> y = output.Slice(r * stride, columns);
            ReadOnlySpan<float> t = targets.Slice(r * columns, columns);
            for (int j = 0; j < columns; j++)
            {
                float d = y[j] - t[j];
                sum += d * d;
                if (!gradient.IsEmpty) gradient[r * stride + j] = 2f * d * gradientScale;
            }
        }
        return sum;
    }

    /// <summary>
    /// Σ max(z, 0) − z·t + log(1 + e^−|z|), as <c>torch.nn.BCEWithLogitsLoss(reduction='sum')</c>; gradient σ(z) − t.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double BinaryCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int rows, int columns,
        int stride, Span<float> gradient, float gradientScale)
    {
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> z = logits.Slice(r * stride, columns);
            ReadOnlySpan<float> t = targets.Slice(r * columns, columns);
            for (int j = 0; j < columns; j++)
            {
                float v = z[j];
                sum += MathF.Max(v, 0f) - v * t[j] + Log1pExp(-MathF.Abs(v));
                if (!gradient.IsEmpty) gradient[r * stride + j] = (Sigmoid(v) - t[j]) * gradientScale;
            }
        }
        return sum;
    }

    /// <summary>
    /// Σᵣ −Σⱼ tⱼ · log softmax(z)ⱼ, as <c>torch.nn.CrossEntropyLoss(reduction='sum')</c> with class-probability targets;
    /// gradient softmax(z)·Σⱼtⱼ − t.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int rows, int columns,
        int stride, Span<float> gradient, float gradientScale)
    {
        double sum = 0;
        if (columns == 0) return sum;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> z = logits.Slice(r * stride, columns);
            ReadOnlySpan<float> t = targets.Slice(r * columns, columns);
            Span<float> g = gradient.IsEmpty ? default : gradient.Slice(r * stride, columns);
            float max = TensorPrimitives.Max(z);
            float expSum = ExpShifted(z, max, g);
            float logSumExp = max + MathF.Log(expSum);
            float targetSum = 0f;
            for (int j = 0; j < columns; j++)
            {
                targetSum += t[j];
                sum -= t[j] * (z[j] - logSumExp);
            }
            if (!g.IsEmpty)
            {
                // g = softmax(z)·Σt − t, scaled: eʲ·(Σt·scale/Σe) − t·scale.
                TensorPrimitives.Multiply(g, targetSum * gradientScale / expSum, g);
                TensorPrimitives.MultiplyAdd(t, -gradientScale, g, g);
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
        int stride, Span<float> gradient, float gradientScale)
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
            sum -= z[label] - logSumExp;
            if (!g.IsEmpty)
            {
                TensorPrimitives.Multiply(g, gradientScale / expSum, g);
                g[label] -= gradientScale;
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
