using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// Issue 20: <c>DenseKernels.ForwardReLU</c>, a Dense layer and its ReLU in one call (what the generated code calls for
/// <c>[Dense(n, Activation.ReLU)]</c>), gives the same bits as <c>DenseKernels.Forward</c> then
/// <c>ActivationKernels.ReLU</c>, on every path, at batch 1 and in batches, with and without padding columns, including
/// NaN and negative zero in the output (where a vector ReLU and a scalar one could differ).
/// </summary>
public class DenseReLUTests
{
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void AgreesBitForBitWithForwardThenReLU(int path)
    {
        int zeros = 0, positives = 0;
        foreach ((int inputs, int units) in new[] { (64, 64), (128, 128), (37, 20), (300, 7), (16, 16), (520, 512) })
        {
            int width = DenseKernels.WidthAlignment * ((units + DenseKernels.WidthAlignment - 1) / DenseKernels.WidthAlignment);
            foreach (int rows in new[] { 1, 2, 5 })
            {
                float[] w = new float[inputs * width], b = new float[width], x = Random(rows * inputs, 3);
                float[] wr = Random(inputs * units, 1), br = Random(units, 2);
                for (int k = 0; k < inputs; k++)
                    for (int j = 0; j < units; j++) w[k * width + j] = wr[k * units + j];
                Array.Copy(br, b, units);
                if (units > 3) { b[1] = float.NaN; b[2] = -0f; }
                float[] fused = new float[rows * width], separate = new float[rows * width];
                Array.Fill(fused, 9f);
                Array.Fill(separate, 9f);
                WithPath(path, () =>
                {
                    DenseKernels.ForwardReLU(x, rows, inputs, inputs, w, b, fused, width, columns: units);
                    DenseKernels.Forward(x, rows, inputs, inputs, w, b, separate, width);
                    ActivationKernels.ReLU(separate, rows, units, width);
                });
                for (int i = 0; i < fused.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(separate[i]) == BitConverter.SingleToInt32Bits(fused[i]),
                        $"{inputs} -> {units}, {rows} rows, path {path}, y[{i}]: expected {separate[i]:R}, found {fused[i]:R}");
                zeros += Array.FindAll(fused, v => v == 0f).Length;
                positives += Array.FindAll(fused, v => v > 0f).Length;
            }
        }
        Assert.True(zeros > 100 && positives > 100, $"expected both signs among the outputs, found {zeros} zeros and {positives} positives");
    }

    [Fact]
    public void RejectsColumnsOutsideTheWidth()
    {
        float[] w = new float[4 * 16], b = new float[16], x = new float[4], y = new float[16];
        var e = Assert.Throws<ArgumentException>(() => DenseKernels.ForwardReLU(x, 1, 4, 4, w, b, y, 16, columns: 17));
        Assert.Contains("expected 1 to the width, 16", e.Message);
        Assert.Throws<ArgumentException>(() => DenseKernels.ForwardReLU(x, 1, 4, 4, w, b, y, 16, columns: 0));
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void DoesNotAllocate(int path)
    {
        const int inputs = 128, width = 128;
        float[] w = Random(inputs * width, 7), b = Random(width, 8), x = Random(inputs, 9), y = new float[width];
        AssertNoAllocation(100, path, "Dense with its ReLU", () => DenseKernels.ForwardReLU(x, 1, inputs, inputs, w, b, y, width, columns: 100));
    }
}
