using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// Winograd F(2×4, 3×3) (<see cref="ConvWinograd24"/>, issue 21): against the double-precision direct convolution and
/// against F(2×2) (<see cref="ConvWinograd24.Disabled"/>) on every vector path, with output widths that are and are not
/// multiples of its 4-wide tile (the last tile reading zeros past the image), odd heights, padding 0 and 1, several
/// samples, the filter cache on and off; 32 input channels keep F(2×2) bit for bit; nothing is allocated after the
/// first call. The fused convolution + pool equals the unfused sequence bit for bit in <see cref="ConvPoolTests"/>
/// (its 16-channel cases take this path on 512-bit vectors).
/// </summary>
public class ConvWinograd24Tests
{
    public static readonly ConvKernelTests.Case[] Cases =
    {
        new("cin16 14x14 pad1 cout32 (the CNN's conv2: tiles 4 + 4 + 4 + 2 wide)", ConvKernelTests.Layout.ChannelsLast, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1, 14, 14, 2),
        new("cin16 11x11 pad1 cout20 (odd: last tile 3 wide, last tile row 1 high)", ConvKernelTests.Layout.ChannelsLast, 16, 11, 11, 20, 3, 3, 1, 1, 1, 1, 11, 11, 2),
        new("cin16 9x15 valid cout16 (7x13: last tile 1 wide)", ConvKernelTests.Layout.ChannelsLast, 16, 9, 15, 16, 3, 3, 1, 1, 0, 0, 7, 13, 3),
        new("cin16 6x6 pad1 cout48 (one whole tile and a 2-wide one per row)", ConvKernelTests.Layout.ChannelsLast, 16, 6, 6, 48, 3, 3, 1, 1, 1, 1, 6, 6, 1),
        new("cin16 4x4 pad1 cout16 (exactly one tile per row)", ConvKernelTests.Layout.ChannelsLast, 16, 4, 4, 16, 3, 3, 1, 1, 1, 1, 4, 4, 2),
    };

    public static TheoryData<int, int, bool> CaseData()
    {
        var data = new TheoryData<int, int, bool>();
        for (int c = 0; c < Cases.Length; c++)
            foreach (int path in Paths)
                foreach (bool cache in new[] { false, true })
                    data.Add(c, path, cache);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseData))]
    public void MatchesTheDoubleReferenceAndF2x2(int caseIndex, int path, bool cache)
    {
        ConvKernelTests.Case c = Cases[caseIndex];
        ConvGeometry g = ConvKernelTests.Geometry(c);
        int rows = c.Rows, cp = g.OutChannelsPadded, n = rows * g.OutputSampleLength;
        float[] x = ConvKernelTests.Input(g, rows, 51 + caseIndex);
        float[] w = PaddedWeight(g.Taps, c.Cout, cp, 52 + caseIndex);
        float[] b = Random(cp, 53 + caseIndex);
        for (int j = c.Cout; j < cp; j++) b[j] = 0f;
        double[] expected = ConvKernelTests.ForwardDouble(ToDouble(x), ToDouble(w), ToDouble(b), g, rows);
        // Scratch enough for Winograd at all (small images' im2col scratch is less than F(2×2)'s filter).
        float[] wide = Filled(n, float.NaN), narrow = Filled(n, float.NaN);
        float[] scratch = new float[Math.Max(ConvKernels.ScratchLength(g), ConvWinograd.ScratchNeeded(g))];
        bool applies = false;
        WithPath(path, () =>
        {
            bool saved = WinogradFilterCache.Disabled;
            WinogradFilterCache.Disabled = !cache;
            try
            {
                applies = KernelOptions.Path == 512 && ConvWinograd.Applies<V512>(g) && ConvWinograd24.Applies<V512>(g);
                ConvKernels.Forward(x, rows, g, w, b, scratch, wide);
                ConvWinograd24.Disabled = true;
                ConvKernels.Forward(x, rows, g, w, b, scratch, narrow);
            }
            finally
            {
                ConvWinograd24.Disabled = false;
                WinogradFilterCache.Disabled = saved;
            }
        });
        string what = $"{c.Name} path {path} cache {cache}";
        AssertClose(expected, wide, 1e-5, what);
        AssertClose(expected, narrow, 1e-5, what + " F(2x2)");
        AssertClose(narrow, wide, 1.5e-5, what + " against F(2x2)");
        if (applies)
            Assert.False(wide.AsSpan().SequenceEqual(narrow), what + ": F(2x4) gave F(2x2)'s bits (did it run?)");
        else
            Assert.True(wide.AsSpan().SequenceEqual(narrow), what + ": changed a path F(2x4) does not apply to");
        if (path == 512 && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            Assert.True(applies, what + ": expected the F(2x4) path on 512-bit vectors");
    }

    [Fact]
    public void ThirtyTwoInputChannelsKeepF2x2()
    {
        var c = new ConvKernelTests.Case("cin32 10x12 valid cout16", ConvKernelTests.Layout.ChannelsLast, 32, 10, 12, 16, 3, 3, 1, 1, 0, 0, 8, 10, 2);
        ConvGeometry g = ConvKernelTests.Geometry(c);
        Assert.False(ConvWinograd24.Applies<V512>(g));
        float[] x = ConvKernelTests.Input(g, 2, 5), w = PaddedWeight(g.Taps, 16, 16, 6), b = Random(16, 7);
        float[] on = new float[2 * g.OutputSampleLength], off = new float[on.Length], scratch = new float[ConvKernels.ScratchLength(g)];
        WithPath(512, () =>
        {
            ConvKernels.Forward(x, 2, g, w, b, scratch, on);
            ConvWinograd24.Disabled = true;
            try { ConvKernels.Forward(x, 2, g, w, b, scratch, off); }
            finally { ConvWinograd24.Disabled = false; }
        });
        Assert.True(on.AsSpan().SequenceEqual(off));
    }

    /// <summary>A weight changed in place between two calls is used by the second (the cached transform is not stale).</summary>
    [Fact]
    public void AChangedWeightIsNoticed()
    {
        ConvGeometry g = ConvKernelTests.Geometry(Cases[0]);
        float[] x = ConvKernelTests.Input(g, 1, 8), w = PaddedWeight(g.Taps, 32, 32, 9), b = Random(32, 10);
        float[] first = new float[g.OutputSampleLength], second = new float[first.Length], fresh = new float[first.Length];
        float[] scratch = new float[ConvKernels.ScratchLength(g)];
        WithPath(512, () =>
        {
            ConvKernels.Forward(x, 1, g, w, b, scratch, first);
            w[4 * 16 * 32 + 5 * 32 + 7] += 0.25f; // the centre tap of input channel 5 into output channel 7
            ConvKernels.Forward(x, 1, g, w, b, scratch, second);
            WinogradFilterCache.Disabled = true;
            try { ConvKernels.Forward(x, 1, g, w, b, scratch, fresh); }
            finally { WinogradFilterCache.Disabled = false; }
        });
        Assert.False(first.AsSpan().SequenceEqual(second));
        Assert.True(second.AsSpan().SequenceEqual(fresh));
    }

    [Fact]
    public void AllocatesNothing()
    {
        foreach (int index in new[] { 0, 1 })
        {
            ConvGeometry g = ConvKernelTests.Geometry(Cases[index]);
            int cp = g.OutChannelsPadded;
            float[] x = ConvKernelTests.Input(g, 2, 1), w = PaddedWeight(g.Taps, g.OutChannels, cp, 2), b = Random(cp, 3);
            float[] y = new float[2 * g.OutputSampleLength], scratch = new float[ConvKernels.ScratchLength(g)];
            foreach (int path in Paths)
                AssertNoAllocation(200, path, "Forward " + Cases[index].Name, () => ConvKernels.Forward(x, 2, g, w, b, scratch, y));
        }
    }
}
