using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>EmbeddingKernels: gather, scatter-add, the out-of-vocabulary error.</summary>
public class EmbeddingKernelTests
{
    private const int Vocabulary = 11, Dimension = 5, Dp = 16;

    private static float[] Weight()
    {
        var w = new float[Vocabulary * Dp];
        float[] values = Random(Vocabulary * Dimension, 1);
        for (int v = 0; v < Vocabulary; v++)
            for (int d = 0; d < Dimension; d++)
                w[v * Dp + d] = values[v * Dimension + d];
        return w;
    }

    [Fact]
    public void ForwardGathersRowsAndZeroesThePadding()
    {
        float[] w = Weight();
        int[] tokens = { 3, 0, 10, 3, 7, 1 };
        float[] y = Filled(tokens.Length * Dp + 3, float.NaN);
        EmbeddingKernels.Forward(tokens, tokens.Length, w, Vocabulary, Dimension, y);
        for (int i = 0; i < tokens.Length; i++)
            for (int d = 0; d < Dp; d++)
                Assert.Equal(d < Dimension ? w[tokens[i] * Dp + d] : 0f, y[i * Dp + d]);
        for (int i = tokens.Length * Dp; i < y.Length; i++) Assert.True(float.IsNaN(y[i]));
    }

    [Fact]
    public void BackwardScatterAddsRepeatedTokens()
    {
        int[] tokens = { 3, 0, 10, 3, 7, 3 };
        float[] dy = Random(tokens.Length * Dp, 2);
        float[] dW = Random(Vocabulary * Dp, 3);
        float[] expected = (float[])dW.Clone();
        for (int i = 0; i < tokens.Length; i++)
            for (int d = 0; d < Dimension; d++)
                expected[tokens[i] * Dp + d] += dy[i * Dp + d];
        EmbeddingKernels.Backward(tokens, tokens.Length, dy, Vocabulary, Dimension, dW);
        for (int i = 0; i < dW.Length; i++) Assert.Equal(expected[i], dW[i], 1e-6f);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(-1)]
    [InlineData(1000)]
    public void ATokenOutsideTheVocabularyThrowsNamingItAndTheVocabulary(int bad)
    {
        float[] w = Weight(), y = new float[3 * Dp];
        int[] tokens = { 1, bad, 2 };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingKernels.Forward(tokens, 3, w, Vocabulary, Dimension, y));
        Assert.Contains($"token {bad} at position 1", error.Message);
        Assert.Contains("vocabulary of 11", error.Message);
        Assert.Equal("tokens", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingKernels.Backward(tokens, 3, y, Vocabulary, Dimension, w));
    }

    [Fact]
    public void InconsistentSizesThrow()
    {
        float[] w = Weight(), y = new float[3 * Dp];
        int[] tokens = { 1, 2, 3 };
        Assert.Throws<ArgumentException>(() => EmbeddingKernels.Forward(tokens, 4, w, Vocabulary, Dimension, new float[4 * Dp]));
        Assert.Throws<ArgumentException>(() => EmbeddingKernels.Forward(tokens, 3, w.AsSpan(1), Vocabulary, Dimension, y));
        Assert.Throws<ArgumentException>(() => EmbeddingKernels.Forward(tokens, 3, w, Vocabulary, Dimension, y.AsSpan(1)));
    }
}

/// <summary>The recurrent and embedding kernels allocate nothing once warm, on every path.</summary>
public class RecurrentKernelAllocationTests
{
    private const int Calls = 100;

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void RecurrentAndEmbeddingKernelsDoNotAllocate(int path)
    {
        const int rows = 4, steps = 6, inputs = 3, hidden = 20;
        foreach (CellKind cell in Enum.GetValues<CellKind>())
        {
            var layer = new RecurrentLayer(cell, inputs, hidden).Randomize(1);
            var p = new RecurrentLayer.Packed(layer);
            var g = new RecurrentLayer.Grads(layer);
            float[] x = Random(rows * steps * inputs, 2), dy = Random(rows * steps * layer.Hp, 3), dx = new float[x.Length];
            var saved = new float[rows * layer.SavedLength(steps)];
            var y = new float[rows * steps * layer.Hp];
            var state = new float[layer.StepStateLength];
            AssertNoAllocation(Calls, path, $"{cell} Forward", () => layer.Forward(p, x, rows, steps, inputs, steps * inputs, saved, y, true));
            AssertNoAllocation(Calls, path, $"{cell} Backward", () =>
            {
                layer.Forward(p, x, rows, steps, inputs, steps * inputs, saved, y, true);
                layer.Backward(p, x, rows, steps, inputs, steps * inputs, saved, dy, true, g, dx);
            });
            AssertNoAllocation(Calls, path, $"{cell} Step", () => layer.Step(p, x.AsSpan(0, inputs), state));
            float[] readout = Random(hidden, 5), readoutBias = new float[16], ry = new float[16];
            AssertNoAllocation(Calls, path, $"{cell} Step with a dot readout", () => layer.Step(p, x.AsSpan(0, inputs), state, readout, readoutBias, 1, ry));
            AssertNoAllocation(Calls, path, $"{cell} StepBlock", () => layer.StepBlock(p, x.AsSpan(0, 5 * inputs), state, readout, readoutBias, 1, ry, 5));
            // The register-resident size (32 units: one pass on AVX-512, two on 256-bit vectors).
            var wide = new RecurrentLayer(cell, 1, 32).Randomize(6);
            var wp = new RecurrentLayer.Packed(wide);
            var wideState = new float[wide.StepStateLength];
            float[] wideReadout = Random(32, 7);
            AssertNoAllocation(Calls, path, $"{cell} StepBlock, 32 units", () => wide.StepBlock(wp, x.AsSpan(0, 8), wideState, wideReadout, readoutBias, 1, ry, 8));
        }
        int[] tokens = { 1, 4, 2, 9 };
        float[] w = Random(10 * 16, 4), ey = new float[4 * 16], dW = new float[10 * 16];
        AssertNoAllocation(Calls, path, "EmbeddingKernels.Forward", () => EmbeddingKernels.Forward(tokens, 4, w, 10, 5, ey));
        AssertNoAllocation(Calls, path, "EmbeddingKernels.Backward", () => EmbeddingKernels.Backward(tokens, 4, ey, 10, 5, dW));
    }
}
