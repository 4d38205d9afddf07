using System;
using System.ComponentModel;

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
    public static double SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int rows, int columns,
        int stride, Span<float> gradient, float gradientScale)
    {
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> z = logits.Slice(r * stride, columns);
            ReadOnlySpan<float> t = targets.Slice(r * columns, columns);
            float logSumExp = LogSumExp(z);
            float targetSum = 0f;
            for (int j = 0; j < columns; j++)
            {
                targetSum += t[j];
                sum -= t[j] * (z[j] - logSumExp);
            }
            if (!gradient.IsEmpty)
            {
                Span<float> g = gradient.Slice(r * stride, columns);
                for (int j = 0; j < columns; j++)
                    g[j] = (MathF.Exp(z[j] - logSumExp) * targetSum - t[j]) * gradientScale;
            }
        }
        return sum;
    }

    /// <summary>
    /// Σᵣ −log softmax(z)_label, as <c>torch.nn.CrossEntropyLoss(reduction='sum')</c> with class indices;
    /// gradient softmax(z) − onehot(label).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is not in [0, columns).</exception>
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
            float logSumExp = LogSumExp(z);
            sum -= z[label] - logSumExp;
            if (!gradient.IsEmpty)
            {
                Span<float> g = gradient.Slice(r * stride, columns);
                for (int j = 0; j < columns; j++)
                    g[j] = MathF.Exp(z[j] - logSumExp) * gradientScale;
                g[label] -= gradientScale;
            }
        }
        return sum;
    }

    private static float LogSumExp(ReadOnlySpan<float> z)
    {
        float max = float.NegativeInfinity;
        foreach (float v in z) max = MathF.Max(max, v);
        float sum = 0f;
        foreach (float v in z) sum += MathF.Exp(v - max);
        return max + MathF.Log(sum);
    }

    private static float Sigmoid(float v) => 1f / (1f + MathF.Exp(-v));

    private static float Log1pExp(float negativeAbs) => MathF.Log(1f + MathF.Exp(negativeAbs));
}
