using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>Batch norm in training and inference on every path against double precision: outputs, running statistics
/// (unbiased variance), and dx, dγ, dβ against finite differences of the training-mode function.</summary>
public class BatchNormKernelTests
{
    private static readonly (int Rows, int Positions, int C)[] Shapes = { (6, 1, 5), (3, 4, 20), (2, 9, 16), (32, 1, 33) };

    private static double[] ForwardDouble(double[] x, double[] gamma, double[] beta, int count, int cs, double eps)
    {
        var y = new double[x.Length];
        for (int c = 0; c < cs; c++)
        {
            double mean = 0, variance = 0;
            for (int i = 0; i < count; i++) mean += x[i * cs + c];
            mean /= count;
            for (int i = 0; i < count; i++) variance += (x[i * cs + c] - mean) * (x[i * cs + c] - mean);
            variance /= count;
            for (int i = 0; i < count; i++)
                y[i * cs + c] = gamma[c] * (x[i * cs + c] - mean) / Math.Sqrt(variance + eps) + beta[c];
        }
        return y;
    }

    private static float[] Padded(int rowsTimesPositions, int c, int cs, int seed, float scale = 1f, float offset = 0f)
    {
        float[] values = Random(rowsTimesPositions * cs, seed, scale);
        for (int i = 0; i < values.Length; i++) values[i] = i % cs >= c ? 0f : values[i] + offset;
        return values;
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void TrainingMatchesDoublePrecisionAndFiniteDifferences(int path)
    {
        const float momentum = 0.1f, eps = 1e-5f;
        foreach (var (rows, positions, c) in Shapes)
        {
            int cs = (c + 15) / 16 * 16, count = rows * positions;
            string what = $"path {path}, {rows}x{positions}x{c}";
            float[] x = Padded(count, c, cs, c, 2f, 0.5f), dy = Padded(count, c, cs, c + 1);
            float[] gamma = Padded(1, c, cs, 3, 0.5f, 1f), beta = Padded(1, c, cs, 4);
            float[] runningMean = Padded(1, c, cs, 5), runningVar = Padded(1, c, cs, 6, 0.2f, 1f);
            float[] mean0 = (float[])runningMean.Clone(), var0 = (float[])runningVar.Clone();
            float[] y = Filled(x.Length, float.NaN), xhat = Filled(x.Length, float.NaN), invStd = Filled(cs, float.NaN);
            float[] dGamma = Random(cs, 7), dBeta = Random(cs, 8), dGamma0 = (float[])dGamma.Clone(), dBeta0 = (float[])dBeta.Clone();
            float[] dx = Filled(x.Length, float.NaN);
            WithPath(path, () =>
            {
                BatchNormKernels.ForwardTraining(x, rows, positions, cs, gamma, beta, runningMean, runningVar, momentum, eps, xhat, invStd, y);
                BatchNormKernels.Backward(dy, rows, positions, cs, gamma, xhat, invStd, dGamma, dBeta, dx);
            });
            double[] xd = ToDouble(x), gd = ToDouble(gamma), bd = ToDouble(beta);
            AssertClose(ForwardDouble(xd, gd, bd, count, cs, eps), y, 2e-5, what + " y");
            for (int j = 0; j < cs; j++)
            {
                double mean = 0, variance = 0;
                for (int i = 0; i < count; i++) mean += x[i * cs + j];
                mean /= count;
                for (int i = 0; i < count; i++) variance += (x[i * cs + j] - mean) * (x[i * cs + j] - mean);
                double unbiased = variance / (count - 1);
                Assert.True(Math.Abs(runningMean[j] - (0.9 * mean0[j] + 0.1 * mean)) <= 1e-6, $"{what} running_mean[{j}]");
                Assert.True(Math.Abs(runningVar[j] - (0.9 * var0[j] + 0.1 * unbiased)) <= 1e-5 * Math.Max(1, unbiased), $"{what} running_var[{j}]");
            }
            double Loss() => Dot(ForwardDouble(xd, gd, bd, count, cs, eps), dy);
            double[] expectedDx = NumericGradient(Loss, xd, 1e-5);
            AssertClose(expectedDx, dx, 2e-4, what + " dx");
            double[] expectedDGamma = NumericGradient(Loss, gd, 1e-5), expectedDBeta = NumericGradient(Loss, bd, 1e-5);
            for (int j = 0; j < cs; j++)
            {
                expectedDGamma[j] += dGamma0[j];
                expectedDBeta[j] += dBeta0[j];
            }
            AssertClose(expectedDGamma, dGamma, 1e-4, what + " dγ");
            AssertClose(expectedDBeta, dBeta, 1e-4, what + " dβ");
            for (int i = 0; i < x.Length; i++)
                if (i % cs >= c)
                    Assert.True(y[i] == 0f && dx[i] == 0f, $"{what}: padding [{i}] y {y[i]} dx {dx[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void InferenceUsesTheRunningStatistics(int path)
    {
        const int rows = 3, positions = 5, c = 20, cs = 32;
        const float eps = 1e-3f;
        float[] x = Padded(rows * positions, c, cs, 1, 2f);
        float[] gamma = Padded(1, c, cs, 3, 0.5f, 1f), beta = Padded(1, c, cs, 4);
        float[] mean = Padded(1, c, cs, 5), variance = Padded(1, c, cs, 6, 0.2f, 1f);
        float[] y = Filled(x.Length, float.NaN);
        WithPath(path, () => BatchNormKernels.ForwardInference(x, rows, positions, cs, gamma, beta, mean, variance, eps, y));
        var expected = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int j = i % cs;
            expected[i] = gamma[j] * (x[i] - (double)mean[j]) / Math.Sqrt(variance[j] + (double)eps) + beta[j];
        }
        AssertClose(expected, y, 1e-5, $"path {path} y");
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void VectorPathsAgreeWithTheScalarReference(int path)
    {
        const int rows = 5, positions = 7, c = 40, cs = 48;
        float[] x = Padded(rows * positions, c, cs, 1, 3f, 1f), dy = Padded(rows * positions, c, cs, 2);
        float[] gamma = Padded(1, c, cs, 3, 0.5f, 1f), beta = Padded(1, c, cs, 4);
        (float[], float[], float[], float[], float[], float[]) Run(int p)
        {
            float[] rm = new float[cs], rv = Filled(cs, 1f), y = new float[x.Length], xhat = new float[x.Length], s = new float[cs];
            float[] dg = new float[cs], db = new float[cs], dx = new float[x.Length];
            WithPath(p, () =>
            {
                BatchNormKernels.ForwardTraining(x, rows, positions, cs, gamma, beta, rm, rv, 0.1f, 1e-5f, xhat, s, y);
                BatchNormKernels.Backward(dy, rows, positions, cs, gamma, xhat, s, dg, db, dx);
            });
            return (rm, rv, y, dg, db, dx);
        }
        var e = Run(0);
        var a = Run(path);
        AssertClose(e.Item1, a.Item1, 1e-5, "running_mean");
        AssertClose(e.Item2, a.Item2, 1e-5, "running_var");
        AssertClose(e.Item3, a.Item3, 1e-5, "y");
        AssertClose(e.Item4, a.Item4, 1e-5, "dγ");
        AssertClose(e.Item5, a.Item5, 1e-5, "dβ");
        AssertClose(e.Item6, a.Item6, 1e-5, "dx");
    }

    [Fact]
    public void OneValuePerChannelThrowsAsInPyTorch()
    {
        float[] x = new float[16], p = new float[16];
        Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.ForwardTraining(x, 1, 1, 16, p, p, new float[16], new float[16], 0.1f, 1e-5f, new float[16], new float[16], new float[16]));
        Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.ForwardInference(x, 1, 1, 8, p, p, p, p, 1e-5f, new float[16]));
    }
}
