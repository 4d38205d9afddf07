using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>The losses and their gradients on every path against double-precision formulas, with strided logits.</summary>
public class LossKernelTests
{
    private static readonly (int Rows, int Columns, int Stride)[] Shapes = { (1, 1, 16), (3, 10, 16), (4, 37, 48), (2, 64, 64) };

    private static double[] SoftmaxRow(float[] z, int offset, int columns)
    {
        double max = double.NegativeInfinity, sum = 0;
        for (int j = 0; j < columns; j++) max = Math.Max(max, z[offset + j]);
        var p = new double[columns];
        for (int j = 0; j < columns; j++) sum += p[j] = Math.Exp(z[offset + j] - max);
        for (int j = 0; j < columns; j++) p[j] /= sum;
        return p;
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void SoftmaxCrossEntropyWithLabels(int path)
    {
        foreach (var (rows, columns, stride) in Shapes)
        {
            float[] z = Random(rows * stride, columns, 8f);
            int[] labels = new int[rows];
            for (int r = 0; r < rows; r++) labels[r] = (r * 7 + 3) % columns;
            float[] gradient = Filled(rows * stride, float.NaN);
            const float scale = 0.25f;
            double loss = 0;
            WithPath(path, () => loss = LossKernels.SoftmaxCrossEntropy(z, labels, rows, columns, stride, gradient, scale));
            double expected = 0;
            for (int r = 0; r < rows; r++)
            {
                double[] p = SoftmaxRow(z, r * stride, columns);
                expected -= Math.Log(p[labels[r]]);
                for (int j = 0; j < columns; j++)
                    Assert.Equal((p[j] - (j == labels[r] ? 1 : 0)) * scale, gradient[r * stride + j], 1e-6);
                for (int j = columns; j < stride; j++)
                    Assert.True(float.IsNaN(gradient[r * stride + j]), "the padding was written");
            }
            Assert.Equal(expected, loss, 1e-5 * Math.Max(1, Math.Abs(expected)));
            double lossOnly = 0;
            WithPath(path, () => lossOnly = LossKernels.SoftmaxCrossEntropy(z, labels, rows, columns, stride, Span<float>.Empty, scale));
            Assert.Equal(loss, lossOnly);
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void SoftmaxCrossEntropyWithProbabilities(int path)
    {
        foreach (var (rows, columns, stride) in Shapes)
        {
            float[] z = Random(rows * stride, columns + 1, 8f);
            float[] t = Random(rows * columns, columns + 2);
            for (int i = 0; i < t.Length; i++) t[i] = Math.Abs(t[i]);
            float[] gradient = Filled(rows * stride, float.NaN);
            const float scale = 0.5f;
            double loss = 0;
            WithPath(path, () => loss = LossKernels.SoftmaxCrossEntropy(z, t, rows, columns, stride, gradient, scale));
            double expected = 0;
            for (int r = 0; r < rows; r++)
            {
                double[] p = SoftmaxRow(z, r * stride, columns);
                double targetSum = 0;
                for (int j = 0; j < columns; j++) targetSum += t[r * columns + j];
                for (int j = 0; j < columns; j++)
                {
                    expected -= t[r * columns + j] * Math.Log(p[j]);
                    Assert.Equal((p[j] * targetSum - t[r * columns + j]) * scale, gradient[r * stride + j], 1e-5);
                }
                for (int j = columns; j < stride; j++)
                    Assert.True(float.IsNaN(gradient[r * stride + j]), "the padding was written");
            }
            Assert.Equal(expected, loss, 1e-5 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void MeanSquaredErrorAndBinaryCrossEntropy(int path)
    {
        foreach (var (rows, columns, stride) in Shapes)
        {
            float[] y = Random(rows * stride, columns + 3, 4f);
            float[] t = Random(rows * columns, columns + 4);
            for (int i = 0; i < t.Length; i++) t[i] = Math.Abs(t[i]);
            float[] gMse = new float[rows * stride], gBce = new float[rows * stride];
            double mse = 0, bce = 0;
            WithPath(path, () =>
            {
                mse = LossKernels.MeanSquaredError(y, t, rows, columns, stride, gMse, 0.5f);
                bce = LossKernels.BinaryCrossEntropy(y, t, rows, columns, stride, gBce, 0.5f);
            });
            double expectedMse = 0, expectedBce = 0;
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < columns; j++)
                {
                    double v = y[r * stride + j], target = t[r * columns + j];
                    expectedMse += (v - target) * (v - target);
                    expectedBce += Math.Max(v, 0) - v * target + Math.Log(1 + Math.Exp(-Math.Abs(v)));
                    Assert.Equal(2 * (v - target) * 0.5, gMse[r * stride + j], 1e-6);
                    Assert.Equal((1 / (1 + Math.Exp(-v)) - target) * 0.5, gBce[r * stride + j], 1e-6);
                }
            Assert.Equal(expectedMse, mse, 1e-5 * Math.Max(1, expectedMse));
            Assert.Equal(expectedBce, bce, 1e-5 * Math.Max(1, expectedBce));
        }
    }
}
