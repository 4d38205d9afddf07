using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The per-thread cache of transformed Winograd filters used by the fused convolution + max pool at inference: a
/// repeated call with the same weights reuses the transform, a change to any weight (one bit of one float, in place,
/// as training does) is noticed, and the results are the same bits as with the cache off, on every vector path.
/// </summary>
public class WinogradFilterCacheTests
{
    private static readonly ConvGeometry Conv2 = new(16, 14, 14, 196 * 16, 16, 1, 32, 3, 3, 1, 1, 1, 1, 14, 14);

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    public void ReusesTheTransformAndNoticesEveryChangeOfTheWeights(int path)
    {
        ConvGeometry g = Conv2;
        // The cache finds an entry by the weights' address, as the generated code's pinned buffers keep it; a movable
        // array could be moved by a collection between two calls, and the reuse counted below would then be a miss.
        float[] x = ConvKernelTests.Input(g, 2, 5), w = Pinned(PaddedWeight(g.Taps, 32, 32, 6)), b = Random(32, 7);
        float[] conv = new float[2 * g.OutputSampleLength], scratch = new float[ConvKernels.ScratchLength(g)];
        float[] Run(bool cached)
        {
            float[] y = Filled(2 * 1568, float.NaN);
            WithPath(path, () =>
            {
                WinogradFilterCache.Disabled = !cached;
                try { ConvPoolKernels.ForwardMaxPool(x, 2, g, w, b, scratch, true, conv, y, 1568, 1, 49); }
                finally { WinogradFilterCache.Disabled = false; }
            });
            return y;
        }
        float[] first = Run(true);
        long transforms = WinogradFilterCache.Transforms;
        float[] again = Run(true);
        Assert.Equal(transforms, WinogradFilterCache.Transforms); // reused
        Assert.True(first.AsSpan().SequenceEqual(again), "a cached call differs from the first");
        Assert.True(first.AsSpan().SequenceEqual(Run(false)), "the cached transform differs from a fresh one");
        // In place, the last weight of the last tap, one bit: noticed, and the result is the fresh transform's.
        int last = g.Taps * 32 - 1;
        w[last] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(w[last]) ^ 1);
        float[] changed = Run(true);
        Assert.Equal(transforms + 1, WinogradFilterCache.Transforms);
        Assert.True(changed.AsSpan().SequenceEqual(Run(false)), "after a weight change the cached result differs from a fresh one");
        Assert.False(changed.AsSpan().SequenceEqual(first), "a changed weight left the output unchanged (test has no power)");
        // Scratch overwritten between calls (another layer's use of the same region) does not matter.
        Array.Fill(scratch, float.NaN);
        Assert.True(changed.AsSpan().SequenceEqual(Run(true)), "the cached result depends on the scratch's contents");
    }

    /// <summary>A copy of <paramref name="values"/> in a pinned array (the pinned object heap: never moved).</summary>
    private static float[] Pinned(float[] values)
    {
        float[] copy = GC.AllocateUninitializedArray<float>(values.Length, pinned: true);
        values.CopyTo(copy, 0);
        return copy;
    }

    [Fact]
    public void SeveralLayersShareTheCacheWithoutMixingThemUp()
    {
        ConvGeometry g = Conv2;
        float[] x = ConvKernelTests.Input(g, 1, 8), b = Random(32, 9);
        var weights = new float[10][]; // more than the cache's eight entries
        for (int i = 0; i < weights.Length; i++) weights[i] = PaddedWeight(g.Taps, 32, 32, 10 + i);
        float[] conv = new float[g.OutputSampleLength], scratch = new float[ConvKernels.ScratchLength(g)];
        float[] Run(float[] w, bool cached)
        {
            float[] y = new float[1568];
            WithPath(512, () =>
            {
                WinogradFilterCache.Disabled = !cached;
                try { ConvPoolKernels.ForwardMaxPool(x, 1, g, w, b, scratch, true, conv, y, 1568, 1, 49); }
                finally { WinogradFilterCache.Disabled = false; }
            });
            return y;
        }
        // More weight sets than entries, in turn, twice: each result is its own fresh transform's.
        for (int round = 0; round < 2; round++)
            foreach (float[] w in weights)
                Assert.True(Run(w, true).AsSpan().SequenceEqual(Run(w, false)), $"round {round}: a layer got another's transform");
    }
}
