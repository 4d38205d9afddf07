using System;
using StaticNet.Kernels;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The Dense weight gradient that skips exact-zero deltas (DenseSimdSparse.cs) gives the dense tiles' bits on every
/// vector path: random sparsity from none to all, odd sizes, −0 deltas, and inputs with NaN, ±∞ or tiny magnitudes
/// (which send it back to the dense tiles).
/// </summary>
public class DenseSparseWeightGradientTests
{
    public static TheoryData<int> VectorPaths => new() { 512, 256, 128 };

    private static (float[] DW, float[] DB) Run(int mode, float[] x, int rows, int inputs, int xStride, float[] dy, int width)
    {
        var dW = KernelTestSupport.Filled(inputs * width, float.NaN); // overwritten: what it held must not show
        var dB = KernelTestSupport.Filled(width, float.NaN);
        int saved = DenseSimd.SparseWeightGradientMode;
        DenseSimd.SparseWeightGradientMode = mode;
        try { DenseKernels.BackwardWeights(x, rows, inputs, xStride, dy, width, dW, dB, overwrite: true); }
        finally { DenseSimd.SparseWeightGradientMode = saved; }
        return (dW, dB);
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}[{i}]: dense {expected[i]} (0x{BitConverter.SingleToInt32Bits(expected[i]):X8}), sparse {actual[i]} (0x{BitConverter.SingleToInt32Bits(actual[i]):X8})");
    }

    /// <summary>dy with about <paramref name="density"/> of its entries nonzero (the rest +0 or −0).</summary>
    private static float[] SparseDeltas(int rows, int width, double density, int seed)
    {
        var random = new Random(seed);
        var dy = new float[rows * width];
        for (int i = 0; i < dy.Length; i++)
            dy[i] = random.NextDouble() < density ? (float)(random.NextDouble() * 2 - 1) : random.Next(2) == 0 ? 0f : -0f;
        return dy;
    }

    /// <summary>Compares the two paths on one case; returns whether the sparse one ran.</summary>
    private static bool Compare(int path, float[] x, int rows, int inputs, int xStride, float[] dy, int width, string name)
    {
        bool ran = false;
        KernelTestSupport.WithPath(path, () =>
        {
            (float[] dW, float[] dB) = Run(1, x, rows, inputs, xStride, dy, width);
            int before = DenseSimd.SparseWeightGradientRuns;
            (float[] sW, float[] sB) = Run(2, x, rows, inputs, xStride, dy, width);
            ran = DenseSimd.SparseWeightGradientRuns != before;
            AssertSameBits(dW, sW, $"{name} path {path} dW");
            AssertSameBits(dB, sB, $"{name} path {path} dB");
            // The automatic choice.
            foreach (int mode in new[] { 0 })
            {
                (float[] cW, float[] cB) = Run(mode, x, rows, inputs, xStride, dy, width);
                AssertSameBits(dW, cW, $"{name} path {path} mode {mode} dW");
                AssertSameBits(dB, cB, $"{name} path {path} mode {mode} dB");
            }
        });
        return ran;
    }

    [Theory]
    [MemberData(nameof(VectorPaths))]
    public void SameBitsAsTheDenseTilesForAnySparsity(int path)
    {
        int seed = 1, ran = 0, expected = 0;
        foreach (int rows in new[] { 1, 2, 5, 17, 32 })
            foreach (int inputs in new[] { 1, 15, 17, 784 })
                foreach (int width in new[] { 16, 48, 144 })
                    foreach (double density in new[] { 0, 0.1, 0.5, 0.75, 1 })
                    {
                        if (inputs == 784 && rows != 32 && rows != 5) continue; // keeps the test short
                        int xStride = inputs + (seed % 3);
                        float[] x = KernelTestSupport.Random((rows - 1) * xStride + inputs, seed++);
                        float[] dy = SparseDeltas(rows, width, density, seed++);
                        if (inputs >= path / 32) expected++;
                        if (Compare(path, x, rows, inputs, xStride, dy, width, $"rows {rows} inputs {inputs} width {width} density {density}"))
                            ran++;
                    }
        // Every case with at least one whole vector of inputs takes the sparse path (a forced run, finite inputs).
        Assert.Equal(expected, ran);
    }

    [Theory]
    [MemberData(nameof(VectorPaths))]
    public void SameBitsWithDeadColumns(int path)
    {
        // Behind a ReLU whole units are often off for a batch: columns of dy all zero, the others dense or sparse.
        int seed = 500, columnRuns = 0;
        foreach (int rows in new[] { 1, 3, 32 })
            foreach (int inputs in new[] { 1, 16, 17, 100 })
                foreach (int width in new[] { 16, 32, 144 })
                    foreach (double deadShare in new[] { 0, 0.3, 0.6, 1 })
                    {
                        var random = new Random(seed);
                        float[] x = KernelTestSupport.Random(rows * inputs, seed++);
                        float[] dy = SparseDeltas(rows, width, random.NextDouble() < 0.5 ? 1 : 0.6, seed++);
                        for (int j = 0; j < width; j++)
                            if (random.NextDouble() < deadShare)
                                for (int r = 0; r < rows; r++) dy[r * width + j] = random.Next(2) == 0 ? 0f : -0f;
                        int before = DenseSimd.SparseWeightGradientRuns;
                        Compare(path, x, rows, inputs, inputs, dy, width, $"dead columns {deadShare}: rows {rows} inputs {inputs} width {width}");
                        columnRuns += DenseSimd.SparseWeightGradientRuns - before;
                    }
        Assert.True(columnRuns > 0);
    }

    [Theory]
    [MemberData(nameof(VectorPaths))]
    public void InputsThatAreNotFiniteOrTinyGiveTheDenseBits(int path)
    {
        const int rows = 32, inputs = 40, width = 32;
        float[] specials = { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-30f, -1e-38f, float.Epsilon, 0f, -0f };
        int seed = 100;
        foreach (float special in specials)
            foreach (double density in new[] { 0.3, 0.9 })
            {
                float[] x = KernelTestSupport.Random(rows * inputs, seed++);
                float[] dy = SparseDeltas(rows, width, density, seed++);
                x[7 * inputs + 3] = special;
                x[20 * inputs + 33] = special;
                bool ran = Compare(path, x, rows, inputs, inputs, dy, width, $"x holds {special}");
                if (!float.IsFinite(special)) Assert.False(ran, $"the sparse path ran with {special} in x");
                if (special == 0f) Assert.True(ran, "the sparse path did not run for finite inputs");
                // The same special values in dy: NaN and ±∞ are nonzero terms of both chains; tiny ones, too.
                x[7 * inputs + 3] = 0.5f; x[20 * inputs + 33] = -0.25f;
                dy[3 * width + 5] = special;
                dy[31 * width + 30] = special;
                Compare(path, x, rows, inputs, inputs, dy, width, $"dy holds {special}");
            }
    }

    [Theory]
    [MemberData(nameof(VectorPaths))]
    public void ProductsThatRoundToMinusZeroGiveTheDenseBits(int path)
    {
        // A chain whose products are below the smallest subnormal rounds to −0 (−tiny) and back to +0 (+0 · x): the dense
        // chain's skipped +0 terms matter, so the path must not run (or agree).
        const int rows = 8, inputs = 16, width = 16;
        var x = KernelTestSupport.Filled(rows * inputs, 1e-30f);
        var dy = new float[rows * width];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < width; j++)
                dy[r * width + j] = (r + j) % 3 == 0 ? -1e-30f : (r + j) % 3 == 1 ? 0f : -0f;
        Compare(path, x, rows, inputs, inputs, dy, width, "tiny products");
    }

    [Fact]
    public void AutomaticChoiceFollowsTheDensity()
    {
        const int rows = 32, inputs = 64, width = 64;
        float[] x = KernelTestSupport.Random(rows * inputs, 7);
        var dW = new float[inputs * width];
        var dB = new float[width];
        int before = DenseSimd.SparseWeightGradientRuns;
        DenseKernels.BackwardWeights(x, rows, inputs, inputs, SparseDeltas(rows, width, 1, 8), width, dW, dB, overwrite: true);
        Assert.Equal(before, DenseSimd.SparseWeightGradientRuns); // dense deltas: the dense tiles
        DenseKernels.BackwardWeights(x, rows, inputs, inputs, SparseDeltas(rows, width, 0.2, 9), width, dW, dB, overwrite: false);
        Assert.Equal(before, DenseSimd.SparseWeightGradientRuns); // accumulating: the dense tiles
        DenseKernels.BackwardWeights(x, rows, inputs, inputs, SparseDeltas(rows, width, 0.2, 9), width, dW, dB, overwrite: true);
        Assert.Equal(before + (KernelOptions.Path >= 128 ? 1 : 0), DenseSimd.SparseWeightGradientRuns);
    }

    [Fact]
    public void SparsePathDoesNotAllocate()
    {
        const int rows = 32, inputs = 784, width = 128;
        float[] x = KernelTestSupport.Random(rows * inputs, 11);
        float[] dy = SparseDeltas(rows, width, 0.3, 12);
        var dW = new float[inputs * width];
        var dB = new float[width];
        int before = DenseSimd.SparseWeightGradientRuns;
        long bytes = Allocations.Fewest(() => DenseKernels.BackwardWeights(x, rows, inputs, inputs, dy, width, dW, dB, overwrite: true), 20);
        Assert.Equal(0, bytes);
        Assert.True(DenseSimd.SparseWeightGradientRuns > before || KernelOptions.Path == 0);
    }
}
