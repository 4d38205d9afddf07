using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The attention core on every path against a double-precision definition (softmax(QKᵀ/√d + mask)·V per head), and its
/// backward against finite differences of that definition, with and without the causal mask.
/// </summary>
public class AttentionKernelTests
{
    private static double[] ContextDouble(double[] qkv, int rows, int steps, int embed, int heads, int qkvStride, bool causal, int contextStride)
    {
        int d = embed / heads;
        var context = new double[rows * steps * contextStride];
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < steps; i++)
                {
                    int last = causal ? i : steps - 1;
                    var s = new double[last + 1];
                    double max = double.NegativeInfinity, sum = 0;
                    for (int j = 0; j <= last; j++)
                    {
                        for (int k = 0; k < d; k++)
                            s[j] += qkv[(r * steps + i) * qkvStride + h * d + k] * qkv[(r * steps + j) * qkvStride + embed + h * d + k];
                        s[j] /= Math.Sqrt(d);
                        max = Math.Max(max, s[j]);
                    }
                    for (int j = 0; j <= last; j++) sum += s[j] = Math.Exp(s[j] - max);
                    for (int j = 0; j <= last; j++)
                        for (int k = 0; k < d; k++)
                            context[(r * steps + i) * contextStride + h * d + k] += s[j] / sum * qkv[(r * steps + j) * qkvStride + 2 * embed + h * d + k];
                }
        return context;
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void MatchesDoublePrecisionAndFiniteDifferences(int path)
    {
        foreach (bool causal in new[] { false, true })
            foreach (var (rows, steps, embed, heads) in new[] { (2, 5, 8, 2), (1, 4, 12, 3), (2, 3, 16, 1) })
            {
                int qkvStride = (3 * embed + 15) / 16 * 16, contextStride = (embed + 15) / 16 * 16, probabilityStride = heads * steps * steps + 3;
                string what = $"path {path}, causal {causal}, {rows}x{steps}, E {embed}, {heads} heads";
                float[] qkv = Random(rows * steps * qkvStride, embed + steps, 1.5f), dContext = Random(rows * steps * contextStride, 9);
                for (int i = 0; i < qkv.Length; i++) if (i % qkvStride >= 3 * embed) qkv[i] = 0f;
                float[] p = Filled(rows * probabilityStride, float.NaN), context = new float[rows * steps * contextStride], dQkv = Filled(qkv.Length, float.NaN);
                WithPath(path, () =>
                {
                    AttentionKernels.Forward(qkv, rows, steps, embed, heads, qkvStride, causal, p, probabilityStride, context, contextStride);
                    AttentionKernels.Backward(qkv, p, probabilityStride, dContext, contextStride, rows, steps, embed, heads, qkvStride, causal, dQkv);
                });
                double[] qd = ToDouble(qkv);
                AssertClose(ContextDouble(qd, rows, steps, embed, heads, qkvStride, causal, contextStride), context, 1e-5, what + " context");
                double Loss()
                {
                    double[] c = ContextDouble(qd, rows, steps, embed, heads, qkvStride, causal, contextStride);
                    double sum = 0;
                    for (int i = 0; i < c.Length; i++) if (i % contextStride < embed) sum += c[i] * dContext[i];
                    return sum;
                }
                double[] expected = NumericGradient(Loss, qd, 1e-4);
                AssertClose(expected, dQkv, 1e-3, what + " dq|k|v");
                for (int i = 0; i < dQkv.Length; i++)
                    if (i % qkvStride >= 3 * embed) Assert.True(dQkv[i] == 0f, $"{what}: padding {i} of dq|k|v is {dQkv[i]}");
            }
    }

    /// <summary>
    /// Sequences and heads of 16·k take the register-tiled forward (AttentionSimd) on the vector paths: the same
    /// probabilities and context as the scalar path, causal or not, with a key padding mask that hides some keys of one
    /// sample and every key of another (zero probabilities, zero context), and without one; and the same gradient of
    /// q|k|v through those probabilities, with and without a dropout mask.
    /// </summary>
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void WholeTileForwardMatchesTheScalarPath(int path)
    {
        foreach (bool causal in new[] { false, true })
            foreach (bool padded in new[] { false, true })
                foreach (var (rows, steps, embed, heads) in new[] { (2, 16, 32, 2), (1, 32, 64, 4), (3, 16, 16, 1) })
                {
                    int qkvStride = (3 * embed + 15) / 16 * 16, contextStride = embed + 16, probabilityStride = heads * steps * steps + 5;
                    string what = $"path {path}, causal {causal}, padded {padded}, {rows}x{steps}, E {embed}, {heads} heads";
                    float[] qkv = Random(rows * steps * qkvStride, embed + steps + 7, 1.5f);
                    int[] tokens = new int[rows * steps];
                    for (int r = 0; r < rows; r++)
                        for (int j = 0; j < steps; j++)
                            tokens[r * steps + j] = r == 1 || j % 5 == 2 ? 0 : j + 1;
                    float[] expectedP = new float[rows * probabilityStride], expectedContext = new float[rows * steps * contextStride];
                    float[] p = Filled(rows * probabilityStride, float.NaN), context = Filled(rows * steps * contextStride, float.NaN);
                    WithPath(0, () => AttentionKernels.Forward(qkv, rows, steps, embed, heads, qkvStride, causal, expectedP, probabilityStride,
                        expectedContext, contextStride, padded ? tokens : default, 0));
                    WithPath(path, () => AttentionKernels.Forward(qkv, rows, steps, embed, heads, qkvStride, causal, p, probabilityStride,
                        context, contextStride, padded ? tokens : default, 0));
                    for (int r = 0; r < rows; r++)
                        AssertClose(expectedP.AsSpan(r * probabilityStride, heads * steps * steps), p.AsSpan(r * probabilityStride, heads * steps * steps), 1e-6, what + " probabilities");
                    for (int r = 0; r < rows * steps; r++)
                        AssertClose(expectedContext.AsSpan(r * contextStride, embed), context.AsSpan(r * contextStride, embed), 1e-5, what + " context");
                    if (padded && rows > 1)
                        Assert.All(p.AsSpan(probabilityStride, heads * steps * steps).ToArray(), v => Assert.Equal(0f, v));

                    // Backward through the same probabilities, with a dropout mask (0 or 2) when padded, without one otherwise.
                    float[] dContext = Random(context.Length, steps + 11), dropMask = Random(rows * probabilityStride, embed + 3);
                    for (int i = 0; i < dropMask.Length; i++) dropMask[i] = dropMask[i] < 0f ? 0f : 2f;
                    float[] expectedDQkv = Filled(qkv.Length, float.NaN), dQkv = Filled(qkv.Length, float.NaN);
                    WithPath(0, () => AttentionKernels.Backward(qkv, expectedP, probabilityStride, dContext, contextStride, rows, steps, embed, heads,
                        qkvStride, causal, expectedDQkv, padded ? dropMask : default));
                    WithPath(path, () => AttentionKernels.Backward(qkv, expectedP, probabilityStride, dContext, contextStride, rows, steps, embed, heads,
                        qkvStride, causal, dQkv, padded ? dropMask : default));
                    AssertClose(expectedDQkv, dQkv, 1e-4, what + " dq|k|v");
                }
    }
}
