using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The forward convolution's fast paths (issue 20) against a double-precision direct convolution: Winograd F(2×2, 3×3)
/// for channels-last 3×3 stride-1 layers (odd and even output sizes, padding 0 and 1, several samples, scratch too
/// small for more than one tile row, scratch too small for Winograd at all) and the 3×3 direct kernel for one input
/// channel (widths that are and are not multiples of its 8-wide tile), on every vector path, and each against the
/// im2col path it replaces.
/// </summary>
public class ConvFastPathTests
{
    public static readonly ConvKernelTests.Case[] Cases =
    {
        new("winograd cin16 11x11 pad1 odd", ConvKernelTests.Layout.ChannelsLast, 16, 11, 11, 20, 3, 3, 1, 1, 1, 1, 11, 11, 2),
        new("winograd cin32 10x12 valid", ConvKernelTests.Layout.ChannelsLast, 32, 10, 12, 16, 3, 3, 1, 1, 0, 0, 8, 10, 3),
        new("winograd cin16 14x14 pad1 (the CNN's conv2)", ConvKernelTests.Layout.ChannelsLast, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1, 14, 14, 2),
        new("direct3x3 cin1 28x28 pad1", ConvKernelTests.Layout.ChannelsFirst, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 28, 28, 2),
        new("direct3x3 cin1 13x11 pad1", ConvKernelTests.Layout.ChannelsFirst, 1, 13, 11, 20, 3, 3, 1, 1, 1, 1, 13, 11, 2),
        new("direct3x3 cin1 12x10 valid", ConvKernelTests.Layout.ChannelsFirst, 1, 12, 10, 16, 3, 3, 1, 1, 0, 0, 10, 8, 1),
        // Narrow layers: Winograd's input transform in chunks of 8, 4 and single channels; 8 or fewer filters on half vectors.
        new("winograd cin8 14x14 pad1 (the small CNN's conv2)", ConvKernelTests.Layout.ChannelsLast, 8, 14, 14, 16, 3, 3, 1, 1, 1, 1, 14, 14, 2),
        new("winograd cin4 9x7 pad1 odd", ConvKernelTests.Layout.ChannelsLast, 4, 9, 7, 24, 3, 3, 1, 1, 1, 1, 9, 7, 2),
        new("winograd cin29 8x10 valid", ConvKernelTests.Layout.ChannelsLast, 29, 8, 10, 16, 3, 3, 1, 1, 0, 0, 6, 8, 2),
        new("winograd cin6 7x8 pad1 (4 + 2 single channels)", ConvKernelTests.Layout.ChannelsLast, 6, 7, 8, 8, 3, 3, 1, 1, 1, 1, 7, 8, 1),
        new("winograd cin2 6x9 pad1", ConvKernelTests.Layout.ChannelsLast, 2, 6, 9, 4, 3, 3, 1, 1, 1, 1, 6, 9, 2),
        new("direct3x3 cin1 28x28 pad1 8 filters (the small CNN's conv1)", ConvKernelTests.Layout.ChannelsFirst, 1, 28, 28, 8, 3, 3, 1, 1, 1, 1, 28, 28, 2),
        new("direct3x3 cin1 11x10 valid 3 filters", ConvKernelTests.Layout.ChannelsFirst, 1, 11, 10, 3, 3, 3, 1, 1, 0, 0, 9, 8, 1),
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
    public void ForwardMatchesTheDoubleReferenceAndIm2Col(int caseIndex, int path)
    {
        ConvKernelTests.Case c = Cases[caseIndex];
        ConvGeometry g = ConvKernelTests.Geometry(c);
        int rows = c.Rows, cp = g.OutChannelsPadded;
        float[] x = ConvKernelTests.Input(g, rows, 31 + caseIndex);
        float[] w = PaddedWeight(g.Taps, c.Cout, cp, 32 + caseIndex);
        float[] b = Random(cp, 33 + caseIndex);
        for (int j = c.Cout; j < cp; j++) b[j] = 0f;
        double[] expected = ConvKernelTests.ForwardDouble(ToDouble(x), ToDouble(w), ToDouble(b), g, rows);
        // The generator's scratch, a larger one (several tile rows per GEMM) and one just big enough for one tile row.
        int needed = 16 * g.InChannels * cp + cp + 16 * ((g.OutWidth + 1) / 2) * (g.InChannels + cp);
        foreach (int scratchLength in new[] { ConvKernels.ScratchLength(g), Math.Max(ConvKernels.ScratchLength(g), needed * 4), Math.Max(ConvKernels.ScratchLength(g), needed) })
        {
            float[] fast = Filled(rows * g.OutputSampleLength, float.NaN), slow = Filled(rows * g.OutputSampleLength, float.NaN);
            float[] scratch = new float[scratchLength];
            WithPath(path, () =>
            {
                ConvKernels.Forward(x, rows, g, w, b, scratch, fast);
                ConvKernels.WinogradDisabled = ConvKernels.DirectDisabled = true;
                try { ConvKernels.Forward(x, rows, g, w, b, scratch, slow); }
                finally { ConvKernels.WinogradDisabled = ConvKernels.DirectDisabled = false; }
            });
            AssertClose(expected, fast, 1e-5, $"{c.Name} path {path} scratch {scratchLength}");
            AssertClose(slow, fast, 1e-5, $"{c.Name} path {path} scratch {scratchLength} against im2col");
        }
    }

    [Theory]
    [InlineData(3, 512)]
    [InlineData(3, 256)]
    [InlineData(3, 128)]
    [InlineData(11, 512)] // 8 filters: 256-bit vectors on the 512-bit path, the padding channels written as zeros
    [InlineData(11, 256)]
    [InlineData(11, 128)]
    [InlineData(12, 512)]
    public void OneInputChannelDirectKernelsAgreeBitForBit(int caseIndex, int path)
    {
        // The 3×3 kernel keeps the general direct kernel's order of multiply-adds; forcing the general one needs a
        // scratch too small for the zero-bordered input.
        ConvGeometry g = ConvKernelTests.Geometry(Cases[caseIndex]);
        int cp = g.OutChannelsPadded;
        float[] x = ConvKernelTests.Input(g, 2, 5), w = PaddedWeight(g.Taps, g.OutChannels, cp, 6), b = Random(cp, 7);
        for (int j = g.OutChannels; j < cp; j++) b[j] = 0f;
        float[] a = Filled(2 * g.OutputSampleLength, float.NaN), c = Filled(2 * g.OutputSampleLength, float.NaN);
        WithPath(path, () =>
        {
            ConvKernels.Forward(x, 2, g, w, b, new float[ConvKernels.ScratchLength(g)], a);
            ConvKernels.Forward(x, 2, g, w, b, Span<float>.Empty, c);
        });
        Assert.Equal(c, a);
    }

    [Fact]
    public void NarrowForwardPathsAllocateNothing()
    {
        foreach (int index in new[] { 6, 11 }) // Winograd on 8 input channels; 8 filters on half vectors
        {
            ConvGeometry g = ConvKernelTests.Geometry(Cases[index]);
            int cp = g.OutChannelsPadded;
            float[] x = ConvKernelTests.Input(g, 1, 1), w = PaddedWeight(g.Taps, g.OutChannels, cp, 2), b = Random(cp, 3);
            float[] y = new float[g.OutputSampleLength], scratch = new float[ConvKernels.ScratchLength(g)];
            foreach (int path in Paths)
                AssertNoAllocation(200, path, "Forward " + Cases[index].Name, () => ConvKernels.Forward(x, 1, g, w, b, scratch, y));
        }
    }
}
