using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// <c>DenseKernels.BackwardWeights(…, overwrite: true)</c> (issue 20: a chunk's gradient buffer needs no clearing) writes
/// the bits that accumulating into cleared gradients gives, signs of zero included, whatever the buffers held, on every
/// path and every register tile; it writes nothing past the weight's <c>[inputs, width]</c> and the bias's <c>[width]</c>.
/// </summary>
public class DenseOverwriteTests
{
    public static TheoryData<int, int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int>();
        foreach (int path in Paths)
            foreach ((int rows, int inputs, int width) in new[] { (1, 1, 16), (3, 3, 48), (32, 17, 64), (33, 5, 144), (7, 64, 16), (32, 784, 128) })
                data.Add(path, rows, inputs, width);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OverwritingGivesTheBitsOfAccumulatingIntoClearedGradients(int path, int rows, int inputs, int width)
    {
        int stride = inputs + 3;
        float[] x = Random(rows * stride, 1);
        float[] dy = Random(rows * width, 2);
        // Signed zeros: a column of dy that is −0 in every row, and an input that is −0 or 0 in every row.
        for (int r = 0; r < rows; r++)
        {
            dy[r * width + width - 1] = -0f;
            x[r * stride] = r % 2 == 0 ? -0f : 0f;
        }
        var expectedWeight = new float[inputs * width + 8];
        var expectedBias = new float[width + 8];
        WithPath(path, () => DenseKernels.BackwardWeights(x, rows, inputs, stride, dy, width,
            expectedWeight.AsSpan(0, inputs * width), expectedBias.AsSpan(0, width)));

        float[] weight = Filled(inputs * width + 8, float.NaN);
        float[] bias = Filled(width + 8, -1e30f);
        WithPath(path, () => DenseKernels.BackwardWeights(x, rows, inputs, stride, dy, width,
            weight.AsSpan(0, inputs * width), bias.AsSpan(0, width), overwrite: true));

        for (int i = 0; i < inputs * width; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expectedWeight[i]) == BitConverter.SingleToInt32Bits(weight[i]),
                $"path {path}: dW[{i}] = {weight[i]:R}, expected {expectedWeight[i]:R}");
        for (int j = 0; j < width; j++)
            Assert.True(BitConverter.SingleToInt32Bits(expectedBias[j]) == BitConverter.SingleToInt32Bits(bias[j]),
                $"path {path}: db[{j}] = {bias[j]:R}, expected {expectedBias[j]:R}");
        for (int i = inputs * width; i < weight.Length; i++) Assert.True(float.IsNaN(weight[i]), $"path {path}: wrote dW[{i}] past the weight");
        for (int j = width; j < bias.Length; j++) Assert.Equal(-1e30f, bias[j]);

        // Overwriting again gives the same bits; without overwrite it adds to them, as before.
        WithPath(path, () => DenseKernels.BackwardWeights(x, rows, inputs, stride, dy, width,
            weight.AsSpan(0, inputs * width), bias.AsSpan(0, width), overwrite: true));
        WithPath(path, () => DenseKernels.BackwardWeights(x, rows, inputs, stride, dy, width,
            weight.AsSpan(0, inputs * width), bias.AsSpan(0, width), overwrite: false));
        WithPath(path, () => DenseKernels.BackwardWeights(x, rows, inputs, stride, dy, width,
            expectedWeight.AsSpan(0, inputs * width), expectedBias.AsSpan(0, width)));
        Assert.Equal(expectedWeight.AsSpan(0, inputs * width).ToArray(), weight.AsSpan(0, inputs * width).ToArray());
        Assert.Equal(expectedBias.AsSpan(0, width).ToArray(), bias.AsSpan(0, width).ToArray());
    }
}
