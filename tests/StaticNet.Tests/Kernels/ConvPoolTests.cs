using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// <see cref="ConvPoolKernels.ForwardMaxPool"/> (convolution + bias + ReLU + 2×2 max pool in one pass, issue 20) on
/// every vector path: bit for bit against the unfused sequence it replaces (convolution, ReLU, pool, and the flatten
/// reorder for PyTorch's order), and against a double-precision reference (direct convolution, ReLU, maximum), for the
/// one-channel 3×3 kernel, Winograd (odd and even sizes, padding 0 and 1, a scratch of one tile row) and geometries that
/// take the unfused fallback (stride 2, 5×5, three input channels).
/// </summary>
public class ConvPoolTests
{
    private static readonly ConvKernelTests.Case[] Cases =
    {
        new("direct3x3 cin1 28x28 pad1 (the CNN's conv1)", ConvKernelTests.Layout.ChannelsFirst, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 28, 28, 2),
        new("direct3x3 cin1 13x11 pad1 odd", ConvKernelTests.Layout.ChannelsFirst, 1, 13, 11, 20, 3, 3, 1, 1, 1, 1, 13, 11, 2),
        new("direct3x3 cin1 12x10 valid", ConvKernelTests.Layout.ChannelsFirst, 1, 12, 10, 16, 3, 3, 1, 1, 0, 0, 10, 8, 1),
        new("winograd cin16 14x14 pad1 (the CNN's conv2)", ConvKernelTests.Layout.ChannelsLast, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1, 14, 14, 2),
        new("winograd cin16 11x11 pad1 odd", ConvKernelTests.Layout.ChannelsLast, 16, 11, 11, 20, 3, 3, 1, 1, 1, 1, 11, 11, 2),
        new("winograd cin32 10x12 valid", ConvKernelTests.Layout.ChannelsLast, 32, 10, 12, 16, 3, 3, 1, 1, 0, 0, 8, 10, 3),
        new("fallback cin3 9x9 stride2 pad1", ConvKernelTests.Layout.ChannelsFirst, 3, 9, 9, 8, 3, 3, 2, 1, 1, 1, 5, 5, 2),
        new("fallback cin5 8x8 5x5 pad2", ConvKernelTests.Layout.ChannelsLast, 5, 8, 8, 12, 5, 5, 1, 1, 2, 2, 8, 8, 2),
        // Narrow layers (the small imported CNN, tests/reference/fixtures/onnx/cnn.onnx): 8 filters on half vectors,
        // Winograd on 8 input channels and on channel counts that need every chunk width (13 = 8 + 4 + 1) or none (3).
        new("direct3x3 cin1 28x28 pad1 8 filters (the small CNN's conv1)", ConvKernelTests.Layout.ChannelsFirst, 1, 28, 28, 8, 3, 3, 1, 1, 1, 1, 28, 28, 2),
        new("direct3x3 cin1 13x11 pad1 5 filters", ConvKernelTests.Layout.ChannelsFirst, 1, 13, 11, 5, 3, 3, 1, 1, 1, 1, 13, 11, 2),
        new("winograd cin8 14x14 pad1 (the small CNN's conv2)", ConvKernelTests.Layout.ChannelsLast, 8, 14, 14, 16, 3, 3, 1, 1, 1, 1, 14, 14, 2),
        new("winograd cin13 11x9 pad1 odd", ConvKernelTests.Layout.ChannelsLast, 13, 11, 9, 20, 3, 3, 1, 1, 1, 1, 11, 9, 2),
        new("winograd cin3 10x12 valid", ConvKernelTests.Layout.ChannelsLast, 3, 10, 12, 8, 3, 3, 1, 1, 0, 0, 8, 10, 2),
        // A pooled width of 4k + 2 other than the CNNs' 14 (6, odd height): the one-channel kernel's overlapping last tile.
        new("direct3x3 cin1 9x13 pad1 pooled width 6", ConvKernelTests.Layout.ChannelsFirst, 1, 9, 13, 16, 3, 3, 1, 1, 1, 1, 9, 13, 2),
        new("direct3x3 cin1 9x13 pad1 pooled width 6, 7 filters", ConvKernelTests.Layout.ChannelsFirst, 1, 9, 13, 7, 3, 3, 1, 1, 1, 1, 9, 13, 1),
        // Issue 21, session 3: the 512-bit ReLU kernel's tail tiles of 2 and 1 pooled outputs after its tiles of 4, for
        // every remainder of the pooled width (7 = 4 + 2 + 1, 9 = 8 + 1, 10 = 8 + 2), two channel vectors, valid padding.
        new("direct3x3 cin1 6x15 pad1 pooled width 7 (tail tiles 2 + 1)", ConvKernelTests.Layout.ChannelsFirst, 1, 6, 15, 16, 3, 3, 1, 1, 1, 1, 6, 15, 2),
        new("direct3x3 cin1 8x18 pad1 pooled width 9 (tail tile 1)", ConvKernelTests.Layout.ChannelsFirst, 1, 8, 18, 16, 3, 3, 1, 1, 1, 1, 8, 18, 1),
        new("direct3x3 cin1 7x21 pad1 pooled width 10, 32 filters (tail tile 2, two vectors)", ConvKernelTests.Layout.ChannelsFirst, 1, 7, 21, 32, 3, 3, 1, 1, 1, 1, 7, 21, 2),
        new("direct3x3 cin1 16x16 valid pooled width 7, 20 filters", ConvKernelTests.Layout.ChannelsFirst, 1, 16, 16, 20, 3, 3, 1, 1, 0, 0, 14, 14, 2),
    };

    public static TheoryData<int, int, bool, bool> CaseData()
    {
        var data = new TheoryData<int, int, bool, bool>();
        for (int c = 0; c < Cases.Length; c++)
            foreach (int path in Paths)
                foreach (bool flattened in new[] { false, true })
                    data.Add(c, path, flattened, c % 2 == 0 || flattened);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseData))]
    public void FusedEqualsTheUnfusedSequenceAndTheReference(int caseIndex, int path, bool flattened, bool relu)
    {
        ConvKernelTests.Case c = Cases[caseIndex];
        ConvGeometry g = ConvKernelTests.Geometry(c);
        int rows = c.Rows, cp = g.OutChannelsPadded, hp = g.OutHeight / 2, wp = g.OutWidth / 2, positions = hp * wp;
        float[] x = ConvKernelTests.Input(g, rows, 41 + caseIndex);
        float[] w = PaddedWeight(g.Taps, c.Cout, cp, 42 + caseIndex);
        float[] b = Random(cp, 43 + caseIndex);
        for (int j = c.Cout; j < cp; j++) b[j] = 0f;
        // Channels last as the pool writes it, or PyTorch's flattened order (channel, then position) as Flatten does.
        int ySample = flattened ? positions * c.Cout + 3 : positions * cp, yPosition = flattened ? 1 : cp, yChannel = flattened ? positions : 1;
        int needed = 16 * g.InChannels * cp + cp + 16 * ((g.OutWidth + 1) / 2) * (g.InChannels + cp); // Winograd's one tile row
        foreach (int scratchLength in new[] { ConvKernels.ScratchLength(g), Math.Max(ConvKernels.ScratchLength(g), needed) })
        {
            float[] fused = Filled(rows * ySample, float.NaN), unfused = Filled(rows * ySample, float.NaN);
            float[] conv = new float[rows * g.OutputSampleLength], scratch = new float[scratchLength];
            WithPath(path, () =>
            {
                ConvPoolKernels.ForwardMaxPool(x, rows, g, w, b, scratch, relu, conv, fused, ySample, yPosition, yChannel);
                // The unfused sequence: what the generated ForwardRows ran before the fusion.
                float[] full = new float[rows * g.OutputSampleLength], pooled = new float[rows * positions * cp];
                ConvKernels.Forward(x, rows, g, w, b, scratch, full);
                if (relu) ActivationKernels.ReLU(full, rows * g.OutPositions, c.Cout, cp);
                PoolKernels.MaxPool(full, rows, g.OutHeight, g.OutWidth, cp, 2, 2, 2, 2, pooled);
                if (flattened)
                    LayoutKernels.Reorder(pooled, rows, positions, c.Cout, positions * cp, cp, 1, unfused, ySample, 1, positions);
                else
                    pooled.CopyTo(unfused, 0);
            });
            string what = $"{c.Name} path {path} scratch {scratchLength} flattened {flattened} relu {relu}";
            Assert.True(unfused.AsSpan().SequenceEqual(fused), what + ": fused differs from unfused");
            double[] expected = Reference(ConvKernelTests.ForwardDouble(ToDouble(x), ToDouble(w), ToDouble(b), g, rows), g, rows, relu,
                ySample, yPosition, yChannel, flattened ? c.Cout : cp);
            // Only the elements the layout places (the flattened samples' gaps stay unwritten, checked below).
            var written = new System.Collections.Generic.List<int>();
            for (int i = 0; i < expected.Length; i++)
                if (!double.IsNaN(expected[i])) written.Add(i);
            AssertClose(written.ConvertAll(i => expected[i]).ToArray(), written.ConvertAll(i => fused[i]).ToArray(), 1e-5, what);
            if (flattened)
                for (int r = 0; r < rows; r++)
                    for (int k = positions * c.Cout; k < ySample; k++)
                        Assert.True(float.IsNaN(fused[r * ySample + k]), what + ": wrote past the flattened sample");
        }
    }

    /// <summary>
    /// NaN and infinite inputs: a NaN in any of a window's four convolution outputs (each position of the window is
    /// hit, a NaN input spoiling a 3×3 block of outputs) makes the pooled value NaN, as PyTorch's <c>MaxPool2d</c> and
    /// ReLU propagate it; infinities and huge values that overflow give the unfused sequence's values bit for bit.
    /// </summary>
    [Theory]
    [InlineData(0, 512)]
    [InlineData(0, 256)]
    [InlineData(0, 128)]
    [InlineData(1, 512)]
    [InlineData(1, 256)]
    [InlineData(3, 512)]
    [InlineData(3, 256)]
    [InlineData(8, 512)]
    [InlineData(8, 256)]
    [InlineData(8, 128)]
    [InlineData(10, 512)]
    [InlineData(10, 256)]
    [InlineData(11, 512)]
    [InlineData(13, 512)]
    [InlineData(13, 256)]
    [InlineData(13, 128)]
    [InlineData(14, 512)]
    [InlineData(15, 512)]
    [InlineData(16, 512)]
    [InlineData(17, 512)]
    [InlineData(18, 512)]
    [InlineData(18, 256)]
    public void NaNPropagatesLikeTheUnfusedSequence(int caseIndex, int path)
    {
        ConvKernelTests.Case c = Cases[caseIndex];
        ConvGeometry g = ConvKernelTests.Geometry(c);
        int rows = c.Rows, cp = g.OutChannelsPadded, positions = (g.OutHeight / 2) * (g.OutWidth / 2), ySample = positions * cp;
        float[] x = ConvKernelTests.Input(g, rows, 7);
        int width = g.InWidth;
        // NaNs at every parity of row and column, ±infinity, and two huge values whose products overflow.
        (int Y, int X, float Value)[] specials =
        {
            (5, 5, float.NaN), (6, 2, float.NaN), (1, 8, float.NaN), (8, 9, float.NaN),
            (2, 1, float.PositiveInfinity), (9, 2, float.NegativeInfinity), (10, 6, 3e38f), (10, 7, -3e38f),
        };
        foreach (var (py, px, value) in specials)
            x[((py % g.InHeight) * width + px % width) * g.InputPositionStride] = value;
        float[] w = PaddedWeight(g.Taps, c.Cout, cp, 8), b = Random(cp, 9);
        for (int j = c.Cout; j < cp; j++) b[j] = 0f;
        float[] fused = Filled(rows * ySample, 5f), unfused = Filled(rows * ySample, 5f);
        float[] conv = new float[rows * g.OutputSampleLength], scratch = new float[ConvKernels.ScratchLength(g)];
        WithPath(path, () =>
        {
            ConvPoolKernels.ForwardMaxPool(x, rows, g, w, b, scratch, true, conv, fused, ySample, cp, 1);
            float[] full = new float[rows * g.OutputSampleLength];
            ConvKernels.Forward(x, rows, g, w, b, scratch, full);
            ActivationKernels.ReLU(full, rows * g.OutPositions, c.Cout, cp);
            PoolKernels.MaxPool(full, rows, g.OutHeight, g.OutWidth, cp, 2, 2, 2, 2, unfused);
        });
        // The NaN positions of the double-precision reference (NaN inputs only: its sums do not overflow).
        double[] expected = Reference(ConvKernelTests.ForwardDouble(ToDouble(x), ToDouble(w), ToDouble(b), g, rows), g, rows, true, ySample, cp, 1, cp);
        int nans = 0;
        for (int i = 0; i < fused.Length; i++)
        {
            string what = $"{c.Name} path {path} element {i}";
            if (double.IsNaN(expected[i]))
            {
                nans++;
                Assert.True(float.IsNaN(fused[i]), $"{what}: expected NaN, found {fused[i]}");
            }
            Assert.True(float.IsNaN(unfused[i]) ? float.IsNaN(fused[i]) : BitConverter.SingleToInt32Bits(unfused[i]) == BitConverter.SingleToInt32Bits(fused[i]),
                $"{what}: fused {fused[i]} differs from unfused {unfused[i]}");
        }
        Assert.True(nans >= 8, $"expected the NaN inputs to spoil at least 8 pooled values, found {nans}");
    }

    [Fact]
    public void FusedPathAllocatesNothing()
    {
        ConvGeometry g = ConvKernelTests.Geometry(Cases[3]);
        float[] x = ConvKernelTests.Input(g, 1, 1), w = PaddedWeight(g.Taps, 32, 32, 2), b = Random(32, 3);
        float[] conv = new float[g.OutputSampleLength], scratch = new float[ConvKernels.ScratchLength(g)], y = new float[49 * 32];
        foreach (int path in Paths)
            AssertNoAllocation(200, path, "ForwardMaxPool", () => ConvPoolKernels.ForwardMaxPool(x, 1, g, w, b, scratch, true, conv, y, 1568, 1, 49));
    }

    [Fact]
    public void OneChannelFusedPathsAllocateNothing()
    {
        foreach (int index in new[] { 0, 15 }) // the CNN's conv1; tail tiles of 2 and 1 pooled outputs
        {
            ConvGeometry g = ConvKernelTests.Geometry(Cases[index]);
            int cp = g.OutChannelsPadded, positions = (g.OutHeight / 2) * (g.OutWidth / 2);
            float[] x = ConvKernelTests.Input(g, 1, 1), w = PaddedWeight(g.Taps, g.OutChannels, cp, 2), b = Random(cp, 3);
            float[] conv = new float[g.OutputSampleLength], scratch = new float[ConvKernels.ScratchLength(g)], y = new float[positions * cp];
            foreach (int path in Paths)
            {
                AssertNoAllocation(200, path, "ForwardMaxPool " + Cases[index].Name, () => ConvPoolKernels.ForwardMaxPool(x, 1, g, w, b, scratch, true, conv, y, positions * cp, cp, 1));
                AssertNoAllocation(200, path, "ForwardMaxPool flattened " + Cases[index].Name, () => ConvPoolKernels.ForwardMaxPool(x, 1, g, w, b, scratch, true, conv, y, positions * cp, 1, positions));
            }
        }
    }

    /// <summary>
    /// The tail tiles and the overlapping last tile they replace (<c>ConvPoolSimd.TailTilesDisabled</c>, kept for the
    /// benchmarks' A/B) give the same bits on the 512-bit path, NaN fix-up or not, channels last or flattened.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(18)]
    public void TailTilesEqualTheOverlappingTile(int caseIndex)
    {
        ConvKernelTests.Case c = Cases[caseIndex];
        ConvGeometry g = ConvKernelTests.Geometry(c);
        int rows = c.Rows, cp = g.OutChannelsPadded, positions = (g.OutHeight / 2) * (g.OutWidth / 2);
        float[] w = PaddedWeight(g.Taps, c.Cout, cp, 52), b = Random(cp, 53);
        float[] conv = new float[rows * g.OutputSampleLength], scratch = new float[ConvKernels.ScratchLength(g)];
        foreach (bool nan in new[] { false, true })
            foreach (bool flattened in new[] { false, true })
            {
                float[] x = ConvKernelTests.Input(g, rows, 51);
                if (nan) x[(g.InHeight / 2 * g.InWidth + g.InWidth - 2) * g.InputPositionStride] = float.NaN; // in the last pooled columns
                int ySample = flattened ? positions * c.Cout : positions * cp, yPosition = flattened ? 1 : cp, yChannel = flattened ? positions : 1;
                float[] tails = Filled(rows * ySample, 7f), overlap = Filled(rows * ySample, 7f);
                WithPath(512, () =>
                {
                    ConvPoolKernels.ForwardMaxPool(x, rows, g, w, b, scratch, true, conv, tails, ySample, yPosition, yChannel);
                    ConvPoolSimd.TailTilesDisabled = true;
                    try { ConvPoolKernels.ForwardMaxPool(x, rows, g, w, b, scratch, true, conv, overlap, ySample, yPosition, yChannel); }
                    finally { ConvPoolSimd.TailTilesDisabled = false; }
                });
                for (int i = 0; i < tails.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(tails[i]) == BitConverter.SingleToInt32Bits(overlap[i]) || (float.IsNaN(tails[i]) && float.IsNaN(overlap[i])),
                        $"{c.Name} nan {nan} flattened {flattened} element {i}: tail tiles {tails[i]}, overlapping tile {overlap[i]}");
                if (nan) Assert.Contains(tails, float.IsNaN);
            }
    }

    [Fact]
    public void NarrowFusedPathsAllocateNothing()
    {
        foreach (int index in new[] { 8, 10 }) // 8 filters on half vectors; Winograd on 8 input channels
        {
            ConvGeometry g = ConvKernelTests.Geometry(Cases[index]);
            int cp = g.OutChannelsPadded, positions = (g.OutHeight / 2) * (g.OutWidth / 2);
            float[] x = ConvKernelTests.Input(g, 1, 1), w = PaddedWeight(g.Taps, g.OutChannels, cp, 2), b = Random(cp, 3);
            float[] conv = new float[g.OutputSampleLength], scratch = new float[ConvKernels.ScratchLength(g)], y = new float[positions * cp];
            foreach (int path in Paths)
                AssertNoAllocation(200, path, "ForwardMaxPool " + Cases[index].Name, () => ConvPoolKernels.ForwardMaxPool(x, 1, g, w, b, scratch, true, conv, y, positions * cp, cp, 1));
        }
    }

    [Fact]
    public void InconsistentSizesThrowAndWriteNothing()
    {
        ConvGeometry g = ConvKernelTests.Geometry(Cases[0]);
        float[] x = ConvKernelTests.Input(g, 1, 1), w = PaddedWeight(g.Taps, 16, 16, 2), b = Random(16, 3);
        float[] conv = new float[g.OutputSampleLength], scratch = new float[ConvKernels.ScratchLength(g)];
        float[] y = Filled(196 * 16 - 1, 7f);
        var error = Assert.Throws<ArgumentException>(() => ConvPoolKernels.ForwardMaxPool(x, 1, g, w, b, scratch, true, conv, y, 196 * 16, 16, 1));
        Assert.Contains("expected at least", error.Message);
        Assert.All(y, v => Assert.Equal(7f, v));
        Assert.Throws<ArgumentException>(() => ConvPoolKernels.ForwardMaxPool(x, 1, g, w, b, scratch, true, conv, new float[196 * 16], 196 * 16, 8, 1));
    }

    /// <summary>ReLU and the 2×2 maximum of a double-precision convolution output, in the given layout (NaN elsewhere).</summary>
    private static double[] Reference(double[] conv, ConvGeometry g, int rows, bool relu, int ySample, int yPosition, int yChannel, int channels)
    {
        int cp = g.OutChannelsPadded, w = g.OutWidth, hp = g.OutHeight / 2, wp = g.OutWidth / 2;
        var y = new double[rows * ySample];
        Array.Fill(y, double.NaN);
        for (int r = 0; r < rows; r++)
            for (int ph = 0; ph < hp; ph++)
                for (int pw = 0; pw < wp; pw++)
                    for (int c = 0; c < channels; c++)
                    {
                        double m = double.NegativeInfinity;
                        for (int dy = 0; dy < 2; dy++)
                            for (int dx = 0; dx < 2; dx++)
                            {
                                double v = conv[r * g.OutputSampleLength + ((2 * ph + dy) * w + 2 * pw + dx) * cp + c];
                                m = Math.Max(m, relu ? Math.Max(v, 0) : v);
                            }
                        y[r * ySample + (ph * wp + pw) * yPosition + c * yChannel] = m;
                    }
        return y;
    }
}
