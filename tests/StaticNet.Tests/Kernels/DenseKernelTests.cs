using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The SIMD dense kernels on every path (512-, 256-, 128-bit, scalar) against double-precision loops, for shapes that
/// exercise every register tile and remainder, with row strides wider than the inputs.
/// </summary>
public class DenseKernelTests
{
    private static readonly int[] Rows = { 1, 2, 3, 4, 5, 7, 32, 33 };
    private static readonly int[] Inputs = { 1, 3, 16, 17, 64, 784 };
    private static readonly int[] Widths = { 16, 32, 48, 64, 128, 144 };

    /// <summary>Float sums of n terms are within about n·ε·Σ|terms| of the exact sum; 1e-6 relative to Σ|terms| is ample.</summary>
    private static void AssertClose(double expected, double magnitude, float actual, string what)
    {
        double tolerance = 2e-6 * magnitude + 1e-7 + 4e-7 * Math.Abs(expected);
        Assert.True(Math.Abs(actual - expected) <= tolerance,
            $"{what}: expected {expected} (±{tolerance}), got {actual}");
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void ForwardMatchesDoublePrecision(int path)
    {
        foreach (int rows in Rows)
        foreach (int inputs in Inputs)
        foreach (int width in Widths)
        {
            int stride = inputs + (rows % 2 == 0 ? 0 : 5);
            float[] x = Random((rows - 1) * stride + inputs, 1 + rows);
            float[] weight = PaddedWeight(inputs, width - 3, width, 2 + inputs);
            float[] bias = Random(width, 3 + width);
            float[] y = Filled(rows * width + 7, float.NaN);
            WithPath(path, () => DenseKernels.Forward(x, rows, inputs, stride, weight, bias, y, width));
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < width; j++)
                {
                    double sum = bias[j], magnitude = Math.Abs(bias[j]);
                    for (int k = 0; k < inputs; k++)
                    {
                        double term = (double)x[r * stride + k] * weight[k * width + j];
                        sum += term;
                        magnitude += Math.Abs(term);
                    }
                    AssertClose(sum, magnitude, y[r * width + j], $"path {path}, {rows}x{inputs}->{width} (stride {stride}), y[{r},{j}]");
                }
            for (int i = rows * width; i < y.Length; i++)
                Assert.True(float.IsNaN(y[i]), $"path {path}: Forward wrote past the output at {i}");
        }
    }

    /// <summary>The one-unit layer (weight a row of <c>inputs</c>): the dot product in each output row, the rest of the row zero.</summary>
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void ForwardDotMatchesDoublePrecision(int path)
    {
        foreach (int rows in Rows)
        foreach (int inputs in Inputs)
        foreach (int yStride in new[] { 1, 16 })
        {
            int stride = inputs + (rows % 2 == 0 ? 0 : 5);
            float[] x = Random((rows - 1) * stride + inputs, 11 + rows);
            float[] weight = Random(inputs, 12 + inputs);
            float[] bias = { 0.25f, float.NaN };
            float[] y = Filled(rows * yStride + 7, float.NaN);
            WithPath(path, () => DenseKernels.ForwardDot(x, rows, inputs, stride, weight, bias, y, yStride));
            for (int r = 0; r < rows; r++)
            {
                double sum = bias[0], magnitude = Math.Abs(bias[0]);
                for (int k = 0; k < inputs; k++)
                {
                    double term = (double)x[r * stride + k] * weight[k];
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                AssertClose(sum, magnitude, y[r * yStride], $"path {path}, {rows}x{inputs} (stride {stride}), y[{r}]");
                for (int j = 1; j < yStride; j++)
                    Assert.True(y[r * yStride + j] == 0f, $"path {path}: padding y[{r}, {j}] = {y[r * yStride + j]}, expected 0");
            }
            for (int i = rows * yStride; i < y.Length; i++)
                Assert.True(float.IsNaN(y[i]), $"path {path}: ForwardDot wrote past the output at {i}");
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void DotGradientsMatchDoublePrecision(int path)
    {
        foreach (int rows in Rows)
        foreach (int inputs in Inputs)
        {
            const int dyStride = 16;
            int stride = inputs + (rows % 2 == 0 ? 5 : 0);
            float[] x = Random((rows - 1) * stride + inputs, 14 + rows);
            float[] dy = Random(rows * dyStride, 15 + inputs);
            float[] weight = Random(inputs, 16 + inputs);
            float[] dWeight = Random(inputs, 17), dBias = Random(1, 18);
            float[] dWeight0 = (float[])dWeight.Clone(), dBias0 = (float[])dBias.Clone();
            float[] dx = Filled((rows - 1) * stride + inputs, float.NaN);
            WithPath(path, () =>
            {
                DenseKernels.BackwardWeightsDot(x, rows, inputs, stride, dy, dyStride, dWeight, dBias);
                DenseKernels.BackwardInputDot(dy, rows, dyStride, weight, inputs, dx, stride);
            });
            double bSum = dBias0[0], bMagnitude = Math.Abs(dBias0[0]);
            for (int r = 0; r < rows; r++)
            {
                bSum += dy[r * dyStride];
                bMagnitude += Math.Abs(dy[r * dyStride]);
            }
            AssertClose(bSum, bMagnitude, dBias[0], $"path {path}, {rows}x{inputs}: dBias");
            for (int k = 0; k < inputs; k++)
            {
                double sum = dWeight0[k], magnitude = Math.Abs(dWeight0[k]);
                for (int r = 0; r < rows; r++)
                {
                    double term = (double)x[r * stride + k] * dy[r * dyStride];
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                AssertClose(sum, magnitude, dWeight[k], $"path {path}, {rows}x{inputs}: dWeight[{k}]");
            }
            for (int r = 0; r < rows; r++)
            {
                for (int k = 0; k < inputs; k++)
                    AssertClose((double)dy[r * dyStride] * weight[k], Math.Abs((double)dy[r * dyStride] * weight[k]), dx[r * stride + k],
                        $"path {path}, {rows}x{inputs}: dx[{r}, {k}]");
                for (int k = inputs; k < stride && r * stride + k < dx.Length; k++)
                    Assert.True(float.IsNaN(dx[r * stride + k]), $"path {path}: BackwardInputDot wrote the row gap at [{r}, {k}]");
            }
        }
    }

    [Fact]
    public void DotSizeMismatchesThrowWithTheSizes()
    {
        float[] x = new float[2 * 8], w = new float[8], b = new float[1], y = new float[2 * 16];
        string message = Assert.Throws<ArgumentException>(() => DenseKernels.ForwardDot(x, 2, 8, 8, w.AsSpan(0, 7), b, y, 16)).Message;
        Assert.Contains("weight 7 (expected 8)", message);
        Assert.Throws<ArgumentException>(() => DenseKernels.ForwardDot(x, 2, 8, 8, w, b, y.AsSpan(0, 17), 16));
        Assert.Throws<ArgumentException>(() => DenseKernels.ForwardDot(x, 2, 8, 8, w, default, y, 16));
        Assert.Throws<ArgumentException>(() => DenseKernels.BackwardWeightsDot(x.AsSpan(1), 2, 8, 8, y, 16, w, b));
        Assert.Throws<ArgumentException>(() => DenseKernels.BackwardInputDot(y, 2, 16, w, 8, x.AsSpan(1), 8));
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void BackwardWeightsAccumulatesInDoublePrecision(int path)
    {
        foreach (int rows in Rows)
        foreach (int inputs in Inputs)
        foreach (int width in Widths)
        {
            int stride = inputs + (rows % 2 == 0 ? 5 : 0);
            float[] x = Random((rows - 1) * stride + inputs, 4 + rows);
            float[] dy = Random(rows * width, 5 + width);
            float[] dWeight = Random(inputs * width, 6 + inputs);
            float[] dBias = Random(width, 7);
            float[] dWeight0 = (float[])dWeight.Clone(), dBias0 = (float[])dBias.Clone();
            WithPath(path, () => DenseKernels.BackwardWeights(x, rows, inputs, stride, dy, width, dWeight, dBias));
            for (int j = 0; j < width; j++)
            {
                double sum = dBias0[j], magnitude = Math.Abs(dBias0[j]);
                for (int r = 0; r < rows; r++)
                {
                    sum += dy[r * width + j];
                    magnitude += Math.Abs(dy[r * width + j]);
                }
                AssertClose(sum, magnitude, dBias[j], $"path {path}, {rows}x{inputs}->{width}, dBias[{j}]");
            }
            for (int k = 0; k < inputs; k++)
                for (int j = 0; j < width; j++)
                {
                    double sum = dWeight0[k * width + j], magnitude = Math.Abs(sum);
                    for (int r = 0; r < rows; r++)
                    {
                        double term = (double)x[r * stride + k] * dy[r * width + j];
                        sum += term;
                        magnitude += Math.Abs(term);
                    }
                    AssertClose(sum, magnitude, dWeight[k * width + j], $"path {path}, {rows}x{inputs}->{width} (stride {stride}), dW[{k},{j}]");
                }
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void BackwardInputMatchesDoublePrecisionAndLeavesThePaddingAlone(int path)
    {
        foreach (int rows in Rows)
        foreach (int inputs in Inputs)
        foreach (int width in Widths)
        {
            int stride = inputs + (rows % 2 == 0 ? 0 : 3);
            float[] dy = Random(rows * width, 8 + rows);
            float[] weight = PaddedWeight(inputs, width - 5, width, 9 + inputs);
            float[] dx = Filled(rows * stride + 4, float.NaN);
            WithPath(path, () => DenseKernels.BackwardInput(dy, rows, width, weight, inputs, dx, stride));
            for (int r = 0; r < rows; r++)
            {
                for (int k = 0; k < inputs; k++)
                {
                    double sum = 0, magnitude = 0;
                    for (int j = 0; j < width; j++)
                    {
                        double term = (double)dy[r * width + j] * weight[k * width + j];
                        sum += term;
                        magnitude += Math.Abs(term);
                    }
                    AssertClose(sum, magnitude, dx[r * stride + k], $"path {path}, {rows}x{inputs}->{width} (stride {stride}), dx[{r},{k}]");
                }
                for (int k = inputs; k < stride; k++)
                    Assert.True(float.IsNaN(dx[r * stride + k]), $"path {path}: BackwardInput wrote the padding dx[{r},{k}]");
            }
            for (int i = rows * stride; i < dx.Length; i++)
                Assert.True(float.IsNaN(dx[i]), $"path {path}: BackwardInput wrote past the buffer at {i}");
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void VectorPathsAgreeWithTheScalarReference(int path)
    {
        const int rows = 33, inputs = 67, stride = 70, width = 144;
        float[] x = Random((rows - 1) * stride + inputs, 10);
        float[] weight = Random(inputs * width, 11);
        float[] bias = Random(width, 12);
        float[] dy = Random(rows * width, 13);
        float[] y = new float[rows * width], yRef = new float[rows * width];
        float[] dW = Random(inputs * width, 14), dWRef = (float[])dW.Clone();
        float[] dB = Random(width, 15), dBRef = (float[])dB.Clone();
        float[] dx = new float[rows * stride], dxRef = new float[rows * stride];
        ReferenceKernels.DenseForward(x, rows, inputs, stride, weight, bias, yRef, width);
        ReferenceKernels.DenseBackwardWeights(x, rows, inputs, stride, dy, width, dWRef, dBRef);
        ReferenceKernels.DenseBackwardInput(dy, rows, width, weight, inputs, dxRef, stride);
        WithPath(path, () =>
        {
            DenseKernels.Forward(x, rows, inputs, stride, weight, bias, y, width);
            DenseKernels.BackwardWeights(x, rows, inputs, stride, dy, width, dW, dB);
            DenseKernels.BackwardInput(dy, rows, width, weight, inputs, dx, stride);
        });
        for (int i = 0; i < y.Length; i++) Assert.Equal(yRef[i], y[i], 1e-4f);
        for (int i = 0; i < dW.Length; i++) Assert.Equal(dWRef[i], dW[i], 1e-4f);
        for (int i = 0; i < dB.Length; i++) Assert.Equal(dBRef[i], dB[i], 1e-4f);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(dxRef[i], dx[i], 1e-4f);
    }

    /// <summary>
    /// A sample's output does not depend on the batch it is computed in, bit for bit: every tile sums in the same order.
    /// (Generated networks rely on it: Forward of one sample equals its row of ForwardBatch.)
    /// </summary>
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void ResultsDoNotDependOnTheBatch(int path)
    {
        foreach (int width in Widths)
        {
            const int rows = 13, inputs = 67, stride = 67;
            float[] x = Random(rows * stride, 16);
            float[] weight = Random(inputs * width, 17);
            float[] bias = Random(width, 18);
            float[] dy = Random(rows * width, 19);
            float[] y = new float[rows * width], dx = new float[rows * stride];
            var y1 = new float[width];
            var dx1 = new float[inputs];
            WithPath(path, () =>
            {
                DenseKernels.Forward(x, rows, inputs, stride, weight, bias, y, width);
                DenseKernels.BackwardInput(dy, rows, width, weight, inputs, dx, stride);
                for (int r = 0; r < rows; r++)
                {
                    DenseKernels.Forward(x.AsSpan(r * stride, inputs), 1, inputs, inputs, weight, bias, y1, width);
                    Assert.True(y.AsSpan(r * width, width).SequenceEqual(y1), $"path {path}, width {width}: forward row {r} differs alone");
                    DenseKernels.BackwardInput(dy.AsSpan(r * width, width), 1, width, weight, inputs, dx1, inputs);
                    Assert.True(dx.AsSpan(r * stride, inputs).SequenceEqual(dx1), $"path {path}, width {width}: dx row {r} differs alone");
                }
            });
        }
    }

    [Fact]
    public void InconsistentSizesThrow()
    {
        float[] x = new float[10], w = new float[160], b = new float[16], y = new float[16];
        Assert.Throws<ArgumentException>(() => DenseKernels.Forward(x, 1, 10, 10, w, b, y, 17));
        Assert.Throws<ArgumentException>(() => DenseKernels.Forward(x, 1, 11, 11, w, b, y, 16));
        Assert.Throws<ArgumentException>(() => DenseKernels.Forward(x, 2, 10, 10, w, b, y, 16));
        Assert.Throws<ArgumentException>(() => DenseKernels.Forward(x, 1, 10, 10, w, b.AsSpan(0, 8), y, 16));
        Assert.Throws<ArgumentException>(() => DenseKernels.BackwardWeights(x, 1, 10, 10, y, 16, w, b.AsSpan(0, 8)));
        Assert.Throws<ArgumentException>(() => DenseKernels.BackwardInput(y, 1, 16, w, 10, x.AsSpan(0, 9), 10));
    }
}
