using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// Issue 20: a lone row of a large dense layer reads its weights in address order (DenseSimd's stream) instead of in
/// column panels; each output is the same chain of multiply-adds, so the two agree bit for bit, on every vector path,
/// for inputs that are and are not multiples of its blocks of eight, and with the batch rows that use register tiles.
/// </summary>
public class DenseStreamTests
{
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void StreamAgreesBitForBitWithColumnPanels(int path)
    {
        foreach ((int inputs, int width) in new[] { (512, 512), (1029, 256), (2051, 128) })
        {
            Assert.True(DenseSimd.Streams(inputs, width), $"{inputs} x {width} should stream");
            float[] w = Random(inputs * width, 1), b = Random(width, 2), x = Random(5 * inputs, 3);
            float[] streamed = new float[5 * width], panels = new float[5 * width];
            WithPath(path, () =>
            {
                // Five rows: four in register tiles, the fifth alone (streamed unless disabled).
                DenseKernels.Forward(x, 5, inputs, inputs, w, b, streamed, width);
                DenseSimd.StreamDisabled = true;
                try { DenseKernels.Forward(x, 5, inputs, inputs, w, b, panels, width); }
                finally { DenseSimd.StreamDisabled = false; }
            });
            Assert.Equal(panels, streamed);
            // The streamed row against a double-precision sum.
            for (int j = 0; j < width; j++)
            {
                double sum = b[j];
                for (int k = 0; k < inputs; k++) sum += (double)x[4 * inputs + k] * w[k * width + j];
                Assert.True(Math.Abs(streamed[4 * width + j] - sum) <= 1e-4 * Math.Max(1, Math.Abs(sum)), $"{inputs}x{width} path {path} y[{j}]: expected {sum}, got {streamed[4 * width + j]}");
            }
        }
    }
}
