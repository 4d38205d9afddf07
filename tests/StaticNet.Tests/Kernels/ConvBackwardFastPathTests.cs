using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The convolution backward passes that skip im2col (issue 20, item 3; ConvBackwardSimd): the input gradient of 3×3
/// stride-1 channels-last layers (tile widths 7 and 8, overlapping last tiles, padding 0, 1 and 2, two vectors of
/// channels, a scratch too small so that im2col is used) and the weight gradient of 3×3 stride-1 layers with one input
/// channel or channels last in multiples of 8, on
/// every vector path, against a double-precision reference and against the im2col path they replace (the weight
/// gradient bit for bit: same multiply-adds in the same order).
/// </summary>
public class ConvBackwardFastPathTests
{
    public static readonly ConvKernelTests.Case[] Cases =
    {
        new("cin16 14x14 pad1 cout32 (the CNN's conv2)", ConvKernelTests.Layout.ChannelsLast, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1, 14, 14, 2),
        new("cin32 10x12 valid cout20", ConvKernelTests.Layout.ChannelsLast, 32, 10, 12, 20, 3, 3, 1, 1, 0, 0, 8, 10, 3),
        new("cin16 9x7 pad1 cout16 (tile 7)", ConvKernelTests.Layout.ChannelsLast, 16, 9, 7, 16, 3, 3, 1, 1, 1, 1, 9, 7, 2),
        new("cin16 8x16 pad2 cout5", ConvKernelTests.Layout.ChannelsLast, 16, 8, 16, 5, 3, 3, 1, 1, 2, 2, 10, 18, 1),
        new("cin16 7x7 valid cout64 (scratch too small: im2col)", ConvKernelTests.Layout.ChannelsLast, 16, 7, 7, 64, 3, 3, 1, 1, 0, 0, 5, 5, 2),
        new("cin8 6x9 pad1 cout24 (positions padded to 16 channels: dx through im2col)", ConvKernelTests.Layout.ChannelsLast, 8, 6, 9, 24, 3, 3, 1, 1, 1, 1, 6, 9, 2),
        new("cin32 12x10 pad1 cout20 (Winograd dx from 20 of 32 channels)", ConvKernelTests.Layout.ChannelsLast, 32, 12, 10, 20, 3, 3, 1, 1, 1, 1, 12, 10, 2),
        new("cin16 5x3 pad1 cout40 (Winograd dx, odd sizes: partial tiles)", ConvKernelTests.Layout.ChannelsLast, 16, 5, 3, 40, 3, 3, 1, 1, 1, 1, 5, 3, 3),
        new("cin1 28x28 pad1 cout16 (the CNN's conv1)", ConvKernelTests.Layout.ChannelsFirst, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 28, 28, 2),
        new("cin1 13x11 pad1 cout20", ConvKernelTests.Layout.ChannelsFirst, 1, 13, 11, 20, 3, 3, 1, 1, 1, 1, 13, 11, 2),
        new("cin1 12x10 valid cout16", ConvKernelTests.Layout.ChannelsFirst, 1, 12, 10, 16, 3, 3, 1, 1, 0, 0, 10, 8, 1),
    };

    public static TheoryData<int, int> CaseAndPath()
    {
        var data = new TheoryData<int, int>();
        for (int c = 0; c < Cases.Length; c++)
            foreach (int path in Paths) data.Add(c, path);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseAndPath))]
    public void BackwardMatchesTheDoubleReferenceAndIm2Col(int caseIndex, int path)
    {
        ConvKernelTests.Case c = Cases[caseIndex];
        ConvGeometry g = ConvKernelTests.Geometry(c);
        int rows = c.Rows, cp = g.OutChannelsPadded;
        float[] x = ConvKernelTests.Input(g, rows, 41 + caseIndex);
        float[] w = PaddedWeight(g.Taps, c.Cout, cp, 42 + caseIndex);
        float[] dy = Random(rows * g.OutputSampleLength, 43 + caseIndex);
        for (int p = 0; p < rows * g.OutPositions; p++)
            for (int j = c.Cout; j < cp; j++) dy[p * cp + j] = 0f; // the padding channels' gradient is zero, as ReLU's backward leaves it
        float[] dW0 = Random(w.Length, 44 + caseIndex), dB0 = Random(cp, 45 + caseIndex); // accumulated into
        (double[] dW, double[] dB, double[] dx) expected = BackwardDouble(x, dy, w, dW0, dB0, g, rows);
        bool channelsLast = c.Layout == ConvKernelTests.Layout.ChannelsLast;

        float[] fastW = (float[])dW0.Clone(), fastB = (float[])dB0.Clone(), slowW = (float[])dW0.Clone(), slowB = (float[])dB0.Clone();
        float[] fastX = Filled(x.Length, float.NaN), slowX = Filled(x.Length, float.NaN);
        float[] scratch = new float[ConvKernels.ScratchLength(g)]; // what the generator gives
        WithPath(path, () =>
        {
            ConvKernels.Backward(x, dy, rows, g, w, scratch, fastW, fastB, channelsLast ? fastX : default);
            ConvBackwardSimd.Disabled = true;
            try { ConvKernels.Backward(x, dy, rows, g, w, scratch, slowW, slowB, channelsLast ? slowX : default); }
            finally { ConvBackwardSimd.Disabled = false; }
        });
        for (int r = 0; r < rows; r++) // beyond a sample's InputExtent dx is not written (its last position's padding channels)
            for (int i = r * g.InputSampleStride + g.InputExtent; i < (r + 1) * g.InputSampleStride; i++) fastX[i] = slowX[i] = 0f;
        string what = $"{c.Name} path {path}";
        // dW and dB are float sums of up to 1,568 products, in order (as the im2col path's): a few 1e-5 of rounding.
        AssertClose(expected.dW, fastW, 3e-4, what + " dW");
        AssertClose(expected.dB, fastB, 3e-4, what + " dB");
        Assert.Equal(slowW, fastW); // the same chains of multiply-adds as im2col's
        Assert.Equal(slowB, fastB);
        if (channelsLast)
        {
            AssertClose(expected.dx, fastX, 1e-5, what + " dx");
            AssertClose(slowX, fastX, 1e-5, what + " dx against im2col");
        }
    }

    [Fact]
    public void TheFastPathsAreTakenForTheSampleCnn()
    {
        // Guards the applicability tests themselves: a change that made them refuse the CNN's layers would still pass above.
        ConvGeometry conv1 = ConvKernelTests.Geometry(Cases[8]), conv2 = ConvKernelTests.Geometry(Cases[0]);
        Assert.True(ConvBackwardSimd.Weights1x3x3Applies(conv1, ConvKernels.ScratchLength(conv1)));
        Assert.True(ConvBackwardSimd.Weights3x3Applies(conv2, ConvKernels.ScratchLength(conv2)));
        Assert.True(ConvBackwardSimd.Input3x3Applies<V512>(conv2, ConvKernels.ScratchLength(conv2)));
        Assert.True(ConvBackwardSimd.Input3x3Applies<V256>(conv2, ConvKernels.ScratchLength(conv2)));
        ConvGeometry tooSmall = ConvKernelTests.Geometry(Cases[4]);
        Assert.False(ConvBackwardSimd.Input3x3Applies<V512>(tooSmall, ConvKernels.ScratchLength(tooSmall)));
        // The input gradient of conv2 runs as a Winograd forward convolution on the 512- and 256-bit paths; not where dx's
        // positions are padded (8 channels in 16), nor for a "valid" convolution.
        Assert.True(ConvBackwardSimd.WinogradInputApplies(conv2, ConvKernels.ScratchLength(conv2), 16));
        Assert.True(ConvBackwardSimd.WinogradInputApplies(conv2, ConvKernels.ScratchLength(conv2), 8));
        ConvGeometry padded = ConvKernelTests.Geometry(Cases[5]), valid = ConvKernelTests.Geometry(Cases[1]);
        Assert.False(ConvBackwardSimd.WinogradInputApplies(padded, ConvKernels.ScratchLength(padded), 8));
        Assert.False(ConvBackwardSimd.WinogradInputApplies(valid, ConvKernels.ScratchLength(valid), 16));
    }

    /// <summary>The Winograd input gradient against the direct transposed convolution (<see cref="ConvBackwardSimd.Input3x3{V}"/>)
    /// it replaced, on the paths that take it: both within 1e-5 of the double-precision reference, and not the same bits
    /// (so the Winograd path did run), and the weight gradients unchanged bit for bit.</summary>
    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    public void WinogradInputGradientAgreesWithTheDirectOne(int path)
    {
        foreach (int caseIndex in new[] { 0, 6, 7 })
        {
            ConvKernelTests.Case c = Cases[caseIndex];
            ConvGeometry g = ConvKernelTests.Geometry(c);
            int rows = c.Rows, cp = g.OutChannelsPadded;
            float[] x = ConvKernelTests.Input(g, rows, 51 + caseIndex);
            float[] w = PaddedWeight(g.Taps, c.Cout, cp, 52 + caseIndex);
            float[] dy = Random(rows * g.OutputSampleLength, 53 + caseIndex);
            for (int p = 0; p < rows * g.OutPositions; p++)
                for (int j = c.Cout; j < cp; j++) dy[p * cp + j] = 0f;
            var expected = BackwardDouble(x, dy, w, new float[w.Length], new float[cp], g, rows);
            float[] winograd = Filled(x.Length, float.NaN), direct = Filled(x.Length, float.NaN);
            // What the generator gives, or (the small odd case, whose im2col scratch is too small for it) enough for Winograd.
            float[] scratch = new float[Math.Max(ConvKernels.ScratchLength(g), 20_000)];
            WithPath(path, () =>
            {
                ConvKernels.Backward(x, dy, rows, g, w, scratch, default, default, winograd);
                ConvBackwardSimd.WinogradInputDisabled = true;
                try { ConvKernels.Backward(x, dy, rows, g, w, scratch, default, default, direct); }
                finally { ConvBackwardSimd.WinogradInputDisabled = false; }
            });
            string what = $"{c.Name} path {path}";
            AssertClose(expected.dx, winograd, 1e-5, what + " Winograd dx");
            AssertClose(expected.dx, direct, 1e-5, what + " direct dx");
            Assert.False(winograd.AsSpan().SequenceEqual(direct), what + ": the Winograd path gave the direct kernel's bits; was it taken?");
            long bytes = Allocations.Fewest(() => WithPath(path, () => ConvKernels.Backward(x, dy, rows, g, w, scratch, default, default, winograd)), 10);
            Assert.True(bytes == 0, $"{what}: {bytes} bytes allocated over 10 calls; expected none");
        }
    }

    /// <summary>dW = dW0 + Σ x·dy, dB = dB0 + Σ dy, dx = Σ dy·W, in double, from the definition.</summary>
    private static (double[] dW, double[] dB, double[] dx) BackwardDouble(float[] x, float[] dy, float[] w, float[] dW0, float[] dB0, ConvGeometry g, int rows)
    {
        int cp = g.OutChannelsPadded;
        double[] dW = ToDouble(dW0), dB = ToDouble(dB0), dx = new double[x.Length];
        for (int r = 0; r < rows; r++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                    for (int co = 0; co < g.OutChannels; co++)
                    {
                        double d = dy[(r * g.OutPositions + oh * g.OutWidth + ow) * cp + co];
                        dB[co] += d;
                        for (int ky = 0; ky < g.KernelHeight; ky++)
                            for (int kx = 0; kx < g.KernelWidth; kx++)
                            {
                                int ih = oh * g.Stride - g.PadTop + ky * g.Dilation, iw = ow * g.Stride - g.PadLeft + kx * g.Dilation;
                                if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                for (int ci = 0; ci < g.InChannels; ci++)
                                {
                                    int xi = r * g.InputSampleStride + (ih * g.InWidth + iw) * g.InputPositionStride + ci * g.InputChannelStride;
                                    int wi = ((ky * g.KernelWidth + kx) * g.InChannels + ci) * cp + co;
                                    dW[wi] += x[xi] * d;
                                    dx[xi] += w[wi] * d;
                                }
                            }
                    }
        return (dW, dB, dx);
    }
}
