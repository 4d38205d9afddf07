using System;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The recurrent kernels' direction entry points (<c>ForwardDirection</c>, <c>BackwardDirection</c>), which stacked and
/// bidirectional layers are built from: the reverse recurrence, the <c>[T, 2H]</c> output (forward direction at column
/// 0, reverse at H), the input gradient added by the second direction, and stacked streaming steps. Checked against the
/// double-precision reference of <see cref="RecurrentLayer"/> and its finite differences.
/// </summary>
public class RecurrentDirectionKernelTests
{
    public static TheoryData<CellKind, bool> CellsAndModes()
    {
        var data = new TheoryData<CellKind, bool>();
        foreach (CellKind cell in Enum.GetValues<CellKind>())
        {
            data.Add(cell, true);
            data.Add(cell, false);
        }
        return data;
    }

    public static TheoryData<CellKind, int> CellsAndPaths()
    {
        var data = new TheoryData<CellKind, int>();
        foreach (CellKind cell in Enum.GetValues<CellKind>())
            foreach (int path in Paths)
                data.Add(cell, path);
        return data;
    }

    private static float[] ToFloat(double[] v) => Array.ConvertAll(v, d => (float)d);

    private static double[] ToDouble(float[] v) => Array.ConvertAll(v, f => (double)f);

    private static int RoundUp(int n) => (n + 15) / 16 * 16;

    private static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        double bound = tolerance * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(actual - expected) <= bound, $"{what}: expected {expected}, got {actual} (±{bound})");
    }

    /// <summary>Σ dy·[h_fwd, h_rev] over every step (sequences) or the last; dy in PyTorch's [rows, (T,) 2H].</summary>
    private static double BidirectionalLoss(double[] forward, double[] reverse, double[] dy, int rows, int steps, int hidden, bool sequences)
    {
        double sum = 0;
        for (int r = 0; r < rows; r++)
            for (int t = sequences ? 0 : steps - 1; t < steps; t++)
            {
                int row = sequences ? r * steps + t : r;
                for (int j = 0; j < hidden; j++)
                {
                    sum += forward[(r * steps + t) * hidden + j] * dy[row * 2 * hidden + j];
                    sum += reverse[(r * steps + t) * hidden + j] * dy[row * 2 * hidden + hidden + j];
                }
            }
        return sum;
    }

    /// <summary>
    /// One bidirectional layer as generated code runs it: the forward direction at column 0 of <c>[rows, (T,) RoundUp(2H)]</c>
    /// (input gradient written), the reverse direction at column H (input gradient added). The output matches the
    /// reference of each direction (the reverse one's last-step output is its first step, PyTorch's <c>output[:, -1]</c>),
    /// the padding is zero, and every gradient matches central differences of the reference loss. The input has padded
    /// strides, and its padding gradient stays untouched.
    /// </summary>
    [Theory]
    [MemberData(nameof(CellsAndModes))]
    public void BidirectionalLayerMatchesReferenceAndFiniteDifferences(CellKind cell, bool sequences)
    {
        const int rows = 2, steps = 5, inputs = 3, hidden = 9;
        const int positionStride = inputs + 2, sampleStride = steps * positionStride + 1;
        int width = RoundUp(2 * hidden), outRows = rows * (sequences ? steps : 1);
        var forward = new RecurrentLayer(cell, inputs, hidden).Randomize(500 + (int)cell);
        var reverse = new RecurrentLayer(cell, inputs, hidden).Randomize(510 + (int)cell);
        if (cell == CellKind.RnnReLU)
            for (int i = 0; i < forward.Bih.Length; i++)
            {
                forward.Bih[i] += 0.3f;
                reverse.Bih[i] += 0.3f;
            }
        double[] x = ToDouble(Random(rows * sampleStride, 520 + (int)cell));
        double[] dy = ToDouble(Random(outRows * 2 * hidden, 530));

        var pf = new RecurrentLayer.Packed(forward);
        var pr = new RecurrentLayer.Packed(reverse);
        float[] xf = ToFloat(x);
        var savedF = new float[rows * forward.SavedLength(steps)];
        var savedR = new float[rows * reverse.SavedLength(steps)];
        float[] y = Filled(outRows * width, float.NaN);
        forward.ForwardDirection(pf, xf, rows, steps, positionStride, sampleStride, savedF, y, sequences, false, 0, width);
        reverse.ForwardDirection(pr, xf, rows, steps, positionStride, sampleStride, savedR, y, sequences, true, hidden, width);

        double[] refF = forward.ReferenceForward(x, rows, steps, positionStride, sampleStride);
        double[] refR = reverse.ReferenceForward(x, rows, steps, positionStride, sampleStride, reverse: true);
        for (int r = 0; r < rows; r++)
            for (int t = sequences ? 0 : steps - 1; t < steps; t++)
            {
                int row = sequences ? r * steps + t : r;
                for (int j = 0; j < width; j++)
                {
                    float actual = y[row * width + j];
                    if (j < hidden)
                        AssertClose(refF[(r * steps + t) * hidden + j], actual, 1e-5, $"{cell}: y[{r},{t},{j}] (forward)");
                    else if (j < 2 * hidden)
                        AssertClose(refR[(r * steps + t) * hidden + j - hidden], actual, 1e-5, $"{cell}: y[{r},{t},{j}] (reverse)");
                    else
                        Assert.Equal(0f, actual);
                }
            }

        var dyPadded = new float[outRows * width];
        for (int row = 0; row < outRows; row++)
            for (int j = 0; j < 2 * hidden; j++)
                dyPadded[row * width + j] = (float)dy[row * 2 * hidden + j];
        var gf = new RecurrentLayer.Grads(forward);
        var gr = new RecurrentLayer.Grads(reverse);
        float[] dx = Filled(xf.Length, float.NaN);
        forward.BackwardDirection(pf, xf, rows, steps, positionStride, sampleStride, savedF, dyPadded, sequences, false, 0, width, gf, dx, accumulate: false);
        reverse.BackwardDirection(pr, xf, rows, steps, positionStride, sampleStride, savedR, dyPadded, sequences, true, hidden, width, gr, dx, accumulate: true);
        double[][] af = forward.Unpack(gf.Wih, gf.Whh, gf.Bih, gf.Bhh), ar = reverse.Unpack(gr.Wih, gr.Whh, gr.Bih, gr.Bhh);

        double LossAt() => BidirectionalLoss(forward.ReferenceForward(x, rows, steps, positionStride, sampleStride),
            reverse.ReferenceForward(x, rows, steps, positionStride, sampleStride, reverse: true), dy, rows, steps, hidden, sequences);
        const double eps = 1e-5;
        void Check(double[] values, int i, double actual, string what)
        {
            double v = values[i];
            values[i] = v + eps;
            double plus = LossAt();
            values[i] = v - eps;
            double minus = LossAt();
            values[i] = v;
            AssertClose((plus - minus) / (2 * eps), actual, 2e-4, $"{cell} sequences={sequences}: {what}");
        }

        for (int p = 0; p < 4; p++)
        {
            for (int i = 0; i < forward.All[p].Length; i++) Check(forward.All[p], i, af[p][i], $"forward d{RecurrentLayer.Names[p]}[{i}]");
            for (int i = 0; i < reverse.All[p].Length; i++) Check(reverse.All[p], i, ar[p][i], $"reverse d{RecurrentLayer.Names[p]}_reverse[{i}]");
        }
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < steps; t++)
                for (int f = 0; f < positionStride; f++)
                {
                    int i = r * sampleStride + t * positionStride + f;
                    if (f >= inputs)
                        Assert.True(float.IsNaN(dx[i]), $"{cell}: dx wrote the padding at {i}");
                    else
                        Check(x, i, dx[i], $"dx[{r},{t},{f}]");
                }
    }

    /// <summary>
    /// Without ReturnSequences the reverse direction's output is its first step, so running only that step (steps 1 on the
    /// last position, forward order) gives the same output and the same gradients, which is what a generated layer runs.
    /// </summary>
    [Theory]
    [MemberData(nameof(CellsAndPaths))]
    public void ReverseLastStepIsItsFirstStep(CellKind cell, int path)
    {
        const int rows = 3, steps = 6, inputs = 4, hidden = 7;
        int width = RoundUp(2 * hidden);
        var layer = new RecurrentLayer(cell, inputs, hidden).Randomize(600 + (int)cell);
        var packed = new RecurrentLayer.Packed(layer);
        float[] x = Random(rows * steps * inputs, 601);
        float[] dy = Random(rows * width, 602);
        var savedAll = new float[rows * layer.SavedLength(steps)];
        var savedOne = new float[rows * layer.SavedLength(1)];
        var yAll = new float[rows * width];
        var yOne = new float[rows * width];
        var gAll = new RecurrentLayer.Grads(layer);
        var gOne = new RecurrentLayer.Grads(layer);
        float[] dxAll = Random(x.Length, 603), dxOne = (float[])dxAll.Clone();
        WithPath(path, () =>
        {
            layer.ForwardDirection(packed, x, rows, steps, inputs, steps * inputs, savedAll, yAll, false, true, hidden, width);
            layer.ForwardDirection(packed, x.AsSpan((steps - 1) * inputs), rows, 1, inputs, steps * inputs, savedOne, yOne, false, false, hidden, width);
            layer.BackwardDirection(packed, x, rows, steps, inputs, steps * inputs, savedAll, dy, false, true, hidden, width, gAll, dxAll, true);
            layer.BackwardDirection(packed, x.AsSpan((steps - 1) * inputs), rows, 1, inputs, steps * inputs, savedOne, dy, false, false, hidden, width,
                gOne, dxOne.AsSpan((steps - 1) * inputs), true);
        });
        for (int i = 0; i < yAll.Length; i++)
            AssertClose(yAll[i], yOne[i], 1e-6, $"{cell} path {path}: y[{i}]");
        float[][] all = [gAll.Wih, gAll.Whh, gAll.Bih, gAll.Bhh], one = [gOne.Wih, gOne.Whh, gOne.Bih, gOne.Bhh];
        for (int p = 0; p < 4; p++)
            for (int i = 0; i < all[p].Length; i++)
                AssertClose(all[p][i], one[p][i], 1e-5, $"{cell} path {path}: d{RecurrentLayer.Names[p]}[{i}]");
        for (int i = 0; i < dxAll.Length; i++)
            AssertClose(dxAll[i], dxOne[i], 1e-5, $"{cell} path {path}: dx[{i}]");
    }

    /// <summary>
    /// With accumulateDx the input gradient is added to what dx held, on every vector path, for an input wider than the
    /// scratch the kernel adds through (70 features, so the inputs go in blocks), one sample and several.
    /// </summary>
    [Theory]
    [MemberData(nameof(CellsAndPaths))]
    public void AccumulatedInputGradientIsTheWrittenOnePlusWhatWasThere(CellKind cell, int path)
    {
        const int steps = 4, inputs = 70, hidden = 5;
        foreach (int rows in new[] { 1, 3 })
        {
            var layer = new RecurrentLayer(cell, inputs, hidden).Randomize(700 + (int)cell, 0.2);
            var packed = new RecurrentLayer.Packed(layer);
            int positionStride = RoundUp(inputs), sampleStride = steps * positionStride;
            float[] x = Random(rows * sampleStride, 701);
            float[] dy = Random(rows * steps * layer.Hp, 702);
            var saved = new float[rows * layer.SavedLength(steps)];
            var y = new float[rows * steps * layer.Hp];
            float[] before = Random(x.Length, 703);
            var written = new float[x.Length];
            float[] added = (float[])before.Clone();
            WithPath(path, () =>
            {
                layer.ForwardDirection(packed, x, rows, steps, positionStride, sampleStride, saved, y, true, true, 0, layer.Hp);
                float[] savedCopy = (float[])saved.Clone();
                layer.BackwardDirection(packed, x, rows, steps, positionStride, sampleStride, saved, dy, true, true, 0, layer.Hp,
                    new RecurrentLayer.Grads(layer), written, false);
                layer.BackwardDirection(packed, x, rows, steps, positionStride, sampleStride, savedCopy, dy, true, true, 0, layer.Hp,
                    new RecurrentLayer.Grads(layer), added, true);
            });
            for (int i = 0; i < x.Length; i++)
            {
                bool real = i % positionStride < inputs;
                float expected = real ? before[i] + written[i] : before[i];
                AssertClose(expected, added[i], 1e-5, $"{cell} path {path} rows {rows}: dx[{i}]");
            }
        }
    }

    /// <summary>
    /// A stack streamed one step at a time: layer 2 steps on layer 1's new h (the first H floats of its state), as
    /// generated code chains them, and gives the stacked sequence forward's outputs at every step.
    /// </summary>
    [Theory]
    [MemberData(nameof(CellsAndPaths))]
    public void StackedStepsMatchTheStackedSequenceForward(CellKind cell, int path)
    {
        const int rows = 2, steps = 7, inputs = 1, hidden = 32;
        var l1 = new RecurrentLayer(cell, inputs, hidden).Randomize(800 + (int)cell);
        var l2 = new RecurrentLayer(cell, hidden, hidden).Randomize(810 + (int)cell, 0.3);
        var p1 = new RecurrentLayer.Packed(l1);
        var p2 = new RecurrentLayer.Packed(l2);
        float[] x = Random(rows * steps * inputs, 820);
        int hp = l1.Hp;
        var y1 = new float[rows * steps * hp];
        var y2 = new float[rows * steps * hp];
        var s1 = new float[l1.StepStateLength];
        var s2 = new float[l2.StepStateLength];
        WithPath(path, () =>
        {
            l1.Forward(p1, x, rows, steps, inputs, steps * inputs, new float[rows * l1.SavedLength(steps)], y1, true);
            l2.Forward(p2, y1, rows, steps, hp, steps * hp, new float[rows * l2.SavedLength(steps)], y2, true);
            for (int r = 0; r < rows; r++)
            {
                Array.Clear(s1);
                Array.Clear(s2);
                for (int t = 0; t < steps; t++)
                {
                    l1.Step(p1, x.AsSpan((r * steps + t) * inputs, inputs), s1);
                    l2.Step(p2, s1.AsSpan(0, hidden), s2);
                    for (int j = 0; j < hidden; j++)
                        AssertClose(y2[(r * steps + t) * hp + j], s2[j], 1e-5, $"{cell} path {path}: layer 2 h[{r},{t},{j}]");
                }
            }
        });
    }

    /// <summary>The direction entry points allocate nothing, forward and backward, dx written or added, on every path.</summary>
    [Theory]
    [MemberData(nameof(CellsAndPaths))]
    public void DirectionKernelsAllocateNothing(CellKind cell, int path)
    {
        const int rows = 3, steps = 5, inputs = 40, hidden = 7;
        var layer = new RecurrentLayer(cell, inputs, hidden).Randomize(950);
        var packed = new RecurrentLayer.Packed(layer);
        var grads = new RecurrentLayer.Grads(layer);
        int width = RoundUp(2 * hidden);
        float[] x = Random(rows * steps * inputs, 951), dy = Random(rows * steps * width, 952);
        var saved = new float[rows * layer.SavedLength(steps)];
        var y = new float[rows * steps * width];
        var dx = new float[x.Length];
        AssertNoAllocation(50, path, $"{cell} direction kernels", () =>
        {
            layer.ForwardDirection(packed, x, rows, steps, inputs, steps * inputs, saved, y, true, true, hidden, width);
            layer.BackwardDirection(packed, x, rows, steps, inputs, steps * inputs, saved, dy, true, true, hidden, width, grads, dx, true);
        });
    }

    /// <summary>The output placement is checked: an offset past the width, or an output too short, names what was expected.</summary>
    [Fact]
    public void BadOutputPlacementIsRejectedWithTheExpectedLayout()
    {
        var layer = new RecurrentLayer(CellKind.Lstm, 2, 9).Randomize(900);
        var packed = new RecurrentLayer.Packed(layer);
        var x = new float[3 * 2];
        var saved = new float[layer.SavedLength(3)];
        var e = Assert.Throws<ArgumentException>(() =>
            layer.ForwardDirection(packed, x, 1, 3, 2, 6, saved, new float[3 * 16], true, true, 9, 16));
        Assert.Contains("column 9", e.Message);
        Assert.Contains("column + hidden <= width", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            layer.ForwardDirection(packed, x, 1, 3, 2, 6, saved, new float[2 * 32], true, true, 9, 32));
        Assert.Contains("96 floats", e.Message);
    }
}
