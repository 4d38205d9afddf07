using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// Activations and their backward passes on every path against double-precision formulas, for strided rows (whose
/// padding must stay untouched) and contiguous ones, with lengths that leave vector and scalar tails.
/// </summary>
public class ActivationKernelTests
{
    private delegate void Forward(Span<float> y, int rows, int columns, int stride);

    private delegate void Backward(ReadOnlySpan<float> y, Span<float> dy, int rows, int columns, int stride);

    private static readonly (int Rows, int Columns, int Stride)[] Shapes =
    {
        (1, 1, 16), (3, 10, 16), (2, 37, 48), (5, 64, 64), (4, 21, 21), (1, 131, 144), (7, 128, 128),
    };

    /// <summary>Inputs spread over [−scale, scale], with zeros, signed zeros and values around the ReLU kink.</summary>
    private static float[] Inputs(int length, int seed, float scale)
    {
        float[] values = Random(length, seed, scale);
        for (int i = 0; i < values.Length; i += 7) values[i] = 0f;
        for (int i = 3; i < values.Length; i += 11) values[i] = -0f;
        for (int i = 5; i < values.Length; i += 13) values[i] = 1e-30f * (i % 2 == 0 ? 1 : -1);
        return values;
    }

    private static void CheckForward(int path, Forward kernel, Func<double, double> expected, float scale, double relative, double absolute)
    {
        foreach (var (rows, columns, stride) in Shapes)
        {
            float[] x = Inputs((rows - 1) * stride + columns, rows * 100 + columns, scale);
            float[] y = (float[])x.Clone();
            for (int r = 0; r < rows; r++)
                for (int j = columns; j < stride && r * stride + j < y.Length; j++)
                    y[r * stride + j] = x[r * stride + j] = float.NaN;
            WithPath(path, () => kernel(y, rows, columns, stride));
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < stride && r * stride + j < y.Length; j++)
                {
                    int i = r * stride + j;
                    if (j >= columns)
                    {
                        Assert.True(float.IsNaN(y[i]), $"path {path}: padding [{r},{j}] was written");
                        continue;
                    }
                    double e = expected(x[i]);
                    Assert.True(Math.Abs(y[i] - e) <= relative * Math.Abs(e) + absolute,
                        $"path {path}, {rows}x{columns}/{stride}: f({x[i]:R}) = {y[i]:R}, expected {e:R}");
                }
        }
    }

    /// <summary>Backward passes against <paramref name="derivative"/> of the saved value (output, or GELU's input) in double.</summary>
    private static void CheckBackward(int path, Backward kernel, Func<double, double> derivative, Func<float, float> savedFromInput,
        float scale, double relative, double absolute, Func<double, double>? magnitude = null)
    {
        foreach (var (rows, columns, stride) in Shapes)
        {
            float[] x = Inputs((rows - 1) * stride + columns, rows * 31 + columns, scale);
            float[] saved = Array.ConvertAll(x, v => savedFromInput(v));
            float[] dy = Random(x.Length, columns, 2f);
            float[] dy0 = (float[])dy.Clone();
            for (int r = 0; r < rows; r++)
                for (int j = columns; j < stride && r * stride + j < dy.Length; j++)
                    dy[r * stride + j] = float.NaN;
            WithPath(path, () => kernel(saved, dy, rows, columns, stride));
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < stride && r * stride + j < dy.Length; j++)
                {
                    int i = r * stride + j;
                    if (j >= columns)
                    {
                        Assert.True(float.IsNaN(dy[i]), $"path {path}: padding [{r},{j}] was written");
                        continue;
                    }
                    double e = dy0[i] * derivative(saved[i]);
                    double tolerance = relative * Math.Abs(e) + absolute + (magnitude is null ? 0 : relative * Math.Abs(dy0[i]) * magnitude(saved[i]));
                    Assert.True(Math.Abs(dy[i] - e) <= tolerance,
                        $"path {path}, {rows}x{columns}/{stride}: backward at {x[i]:R} (saved {saved[i]:R}) gave {dy[i]:R}, expected {e:R}");
                }
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void ReLU(int path)
    {
        CheckForward(path, ActivationKernels.ReLU, v => Math.Max(v, 0), 3f, 0, 0);
        // The derivative is read from the saved output: 1 where it is positive.
        CheckReLULikeBackward(path, ActivationKernels.ReLUBackward, v => v, 0f);
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void LeakyReLU(int path)
    {
        const double Slope = ActivationKernels.LeakyReLUSlope;
        CheckForward(path, ActivationKernels.LeakyReLU, v => v < 0 ? v * (float)Slope : v, 3f, 1e-7, 0);
        CheckReLULikeBackward(path, ActivationKernels.LeakyReLUBackward, v => v < 0 ? v * (float)Slope : v, (float)Slope);
    }

    private static void CheckReLULikeBackward(int path, Backward kernel, Func<float, float> forward, float reluLike)
    {
        const float scale = 3f;
        // ReLU-like backward passes: dy stays where the saved output is positive, else is multiplied by the slope.
        foreach (var (rows, columns, stride) in Shapes)
        {
            float[] x = Inputs((rows - 1) * stride + columns, rows * 17 + columns, scale);
            float[] saved = Array.ConvertAll(x, v => forward(v));
            float[] dy = Random(x.Length, columns + 1, 2f);
            float[] dy0 = (float[])dy.Clone();
            WithPath(path, () => kernel(saved, dy, rows, columns, stride));
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < stride && r * stride + j < dy.Length; j++)
                {
                    int i = r * stride + j;
                    float e = j >= columns ? dy0[i] : saved[i] > 0 ? dy0[i] : dy0[i] * reluLike;
                    Assert.Equal(e, dy[i]);
                }
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void Sigmoid(int path)
    {
        CheckForward(path, ActivationKernels.Sigmoid, v => 1 / (1 + Math.Exp(-v)), 8f, 1e-6, 1e-7);
        CheckBackward(path, ActivationKernels.SigmoidBackward, s => s * (1 - s),
            v => 1f / (1f + MathF.Exp(-v)), 8f, 1e-6, 1e-7);
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void Tanh(int path)
    {
        CheckForward(path, ActivationKernels.Tanh, Math.Tanh, 4f, 1e-6, 1e-7);
        CheckBackward(path, ActivationKernels.TanhBackward, t => 1 - t * t, MathF.Tanh, 4f, 1e-6, 1e-7);
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void Gelu(int path)
    {
        // GELU(z) = z·Φ(z) to 1e-6 relative over [−6, 6], both tails included (the erfc approximation's own error is
        // 1.2e-7; the kernels carry the rounding of z/√2 and z², which would otherwise reach 1e-6 at |z| = 6).
        Forward gelu = (y, rows, columns, stride) => ActivationKernels.Gelu(y, y, rows, columns, stride);
        CheckForward(path, gelu, z => z * NormalCdf(z), 6f, 1e-6, 1e-30);
        Backward geluBackward = ActivationKernels.GeluBackward;
        // Its derivative Φ(z) + z·φ(z) cancels near z = −0.75, so the error is relative to Φ(z) + |z|·φ(z) there.
        CheckBackward(path, geluBackward, z => NormalCdf(z) + z * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI), v => v, 6f, 1e-6, 1e-30,
            z => NormalCdf(z) + Math.Abs(z) * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI));
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void SiLU(int path)
    {
        // SiLU(z) = z·σ(z), as torch.nn.SiLU; its derivative σ(z)·(1 + z·(1 − σ(z))), from the kept input.
        static double Logistic(double z) => 1 / (1 + Math.Exp(-z));
        Forward silu = (y, rows, columns, stride) => ActivationKernels.SiLU(y, y, rows, columns, stride);
        CheckForward(path, silu, z => z * Logistic(z), 8f, 1e-6, 1e-30);
        // The derivative crosses zero near z = −1.28: the error is relative to σ(z)·(1 + |z|·(1 − σ(z))) there.
        CheckBackward(path, ActivationKernels.SiLUBackward, z => Logistic(z) * (1 + z * (1 - Logistic(z))), v => v, 8f, 1e-6, 1e-30,
            z => Logistic(z) * (1 + Math.Abs(z) * (1 - Logistic(z))));
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void ELU(int path)
    {
        // ELU(x) = x > 0 ? x : eˣ − 1 (alpha 1), as torch.nn.ELU; the derivative from the output: 1, or y + 1.
        CheckForward(path, ActivationKernels.ELU, v => v > 0 ? v : Math.Exp(v) - 1, 6f, 1e-6, 1e-7);
        CheckBackward(path, ActivationKernels.ELUBackward, y => y > 0 ? 1 : y + 1, v => v > 0 ? v : (float)(Math.Exp(v) - 1), 6f, 1e-6, 1e-7);
    }

    [Fact]
    public void SiLUAndELUTails()
    {
        foreach (int path in Paths)
        {
            // Below z = −88 the vector exponential saturates at e⁸⁸: SiLU is then about −z·e⁻⁸⁸, within 1e-30 of 0.
            float[] z = { -100f, -87f, -20f, -5f, -1e-20f, 0f, 1e-20f, 5f, 20f, 100f };
            float[] y = new float[z.Length], e = (float[])z.Clone();
            WithPath(path, () => ActivationKernels.SiLU(z, y, 1, z.Length, z.Length));
            WithPath(path, () => ActivationKernels.ELU(e, 1, z.Length, z.Length));
            for (int i = 0; i < z.Length; i++)
            {
                double silu = z[i] / (1 + Math.Exp(-(double)z[i]));
                Assert.True(Math.Abs(y[i] - silu) <= 1e-6 * Math.Abs(silu) + 1e-30, $"path {path}: silu({z[i]}) = {y[i]}, expected {silu}");
                double elu = z[i] > 0 ? z[i] : Math.Exp(z[i]) - 1;
                Assert.True(Math.Abs(e[i] - elu) <= 1e-6 * Math.Abs(elu) + 1e-7, $"path {path}: elu({z[i]}) = {e[i]}, expected {elu}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void GeluKeepsTheInputWhenTheOutputIsAnotherBuffer(int path)
    {
        float[] z = Random(3 * 48, 3, 4f), zCopy = (float[])z.Clone();
        float[] y = new float[z.Length];
        WithPath(path, () => ActivationKernels.Gelu(z, y, 3, 40, 48));
        Assert.Equal(zCopy, z);
        for (int i = 0; i < z.Length; i++)
            Assert.Equal(i % 48 < 40 ? z[i] * NormalCdf(z[i]) : 0, y[i], 1e-6);
    }

    [Fact]
    public void GeluTailsAndSpecialValues()
    {
        foreach (int path in Paths)
        {
            float[] z = { -20f, -12f, -9f, -5f, -1e-20f, 0f, 1e-20f, 5f, 9f, 20f, 1e6f, -1e6f, float.NaN, float.PositiveInfinity };
            float[] y = new float[z.Length];
            WithPath(path, () => ActivationKernels.Gelu(z, y, 1, z.Length, z.Length));
            for (int i = 0; i < z.Length; i++)
            {
                if (float.IsNaN(z[i])) { Assert.True(float.IsNaN(y[i])); continue; }
                if (float.IsPositiveInfinity(z[i])) continue; // ∞·Φ(∞): ∞ or NaN, either is acceptable
                double e = z[i] * NormalCdf(z[i]);
                Assert.True(Math.Abs(y[i] - e) <= 2e-5 * Math.Abs(e) + 1e-37, $"path {path}: gelu({z[i]}) = {y[i]}, expected {e}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void SoftmaxAndItsBackward(int path)
    {
        const int rows = 3, columns = 10, stride = 16;
        float[] z = Random(rows * stride, 4, 5f);
        float[] y = (float[])z.Clone();
        float[] dy = Random(rows * stride, 5), dy0 = (float[])dy.Clone();
        WithPath(path, () =>
        {
            ActivationKernels.Softmax(y, rows, columns, stride);
            ActivationKernels.SoftmaxBackward(y, dy, rows, columns, stride);
        });
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < columns; j++) max = Math.Max(max, z[r * stride + j]);
            for (int j = 0; j < columns; j++) sum += Math.Exp(z[r * stride + j] - max);
            double dot = 0;
            for (int j = 0; j < columns; j++) dot += Math.Exp(z[r * stride + j] - max) / sum * dy0[r * stride + j];
            for (int j = 0; j < columns; j++)
            {
                double p = Math.Exp(z[r * stride + j] - max) / sum;
                Assert.Equal(p, y[r * stride + j], 1e-6);
                Assert.Equal(p * (dy0[r * stride + j] - dot), dy[r * stride + j], 1e-6);
            }
            for (int j = columns; j < stride; j++)
            {
                Assert.Equal(z[r * stride + j], y[r * stride + j]);
                Assert.Equal(dy0[r * stride + j], dy[r * stride + j]);
            }
        }
    }

    [Fact]
    public void InconsistentSizesThrow()
    {
        float[] y = new float[20];
        Assert.ThrowsAny<ArgumentException>(() => ActivationKernels.ReLU(y, 2, 16, 16));
        Assert.ThrowsAny<ArgumentException>(() => ActivationKernels.ReLUBackward(y, y.AsSpan(0, 10), 1, 16, 16));
        Assert.ThrowsAny<ArgumentException>(() => ActivationKernels.Gelu(y, y, 1, 17, 16));
    }
}
