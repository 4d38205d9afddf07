using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The training step's memory passes made cheaper (issue 20, item 3): the 2×2 stride-2 max-pool backward that writes
/// every input gradient once instead of clearing and adding, and Flatten's transposition without bounds checks. Both
/// must give the bits of the plain algorithm they replace, on every path, and write every element they own.
/// </summary>
public class StepPassTests
{
    /// <summary>The max-pool backward as it was: clear dx, then add each window's gradient at its first maximum.</summary>
    private static float[] ClearThenAdd(float[] x, float[] dy, int rows, int h, int w, int cs)
    {
        int ho = h / 2, wo = w / 2;
        var dx = new float[rows * h * w * cs];
        for (int r = 0; r < rows; r++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++)
                    for (int c = 0; c < cs; c++)
                    {
                        int At(int ky, int kx) => ((r * h + oh * 2 + ky) * w + ow * 2 + kx) * cs + c;
                        float m = Math.Max(Math.Max(Math.Max(x[At(0, 0)], x[At(0, 1)]), x[At(1, 0)]), x[At(1, 1)]);
                        float remaining = dy[((r * ho + oh) * wo + ow) * cs + c];
                        for (int k = 0; k < 4; k++)
                        {
                            int at = At(k / 2, k % 2);
                            bool first = x[at] - m >= 0;
                            dx[at] += first ? remaining : 0f;
                            if (first) remaining = 0f;
                        }
                    }
        return dx;
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void TiledMaxPoolBackwardWritesEveryElementWithTheSameBits(int path)
    {
        foreach (var (rows, h, w, cs) in new[] { (3, 28, 28, 16), (2, 14, 14, 32), (1, 4, 6, 48), (2, 2, 2, 16) })
        {
            string what = $"path {path}, {rows}×{h}×{w}×{cs}";
            float[] x = Random(rows * h * w * cs, h * 31 + cs, 2f);
            float[] dy = Random(rows * (h / 2) * (w / 2) * cs, h + cs, 1f);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] -= 1f;
                if (i % 7 == 0) x[i] = 0f; // ties between zeros (a ReLU's output) go to the first
                if (i % 11 == 0) x[i] = 0.5f;
            }
            for (int i = 0; i < dy.Length; i += 5) dy[i] = -0f; // −0 reaches dx as +0, as 0 + (−0) did
            float[] dx = Filled(x.Length, float.NaN); // every element must be written
            WithPath(path, () => PoolKernels.MaxPoolBackward(x, dy, rows, h, w, cs, 2, 2, 2, 2, dx));
            float[] expected = ClearThenAdd(x, dy, rows, h, w, cs);
            for (int i = 0; i < dx.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(dx[i]),
                    $"{what}: dx[{i}] = {dx[i]}, expected {expected[i]} (bit for bit)");
            long bytes = Allocations.Fewest(() => WithPath(path, () => PoolKernels.MaxPoolBackward(x, dy, rows, h, w, cs, 2, 2, 2, 2, dx)), 20);
            Assert.True(bytes == 0, $"{what}: {bytes} bytes allocated over 20 calls; expected none");
        }
    }

    /// <summary>The pool's backward pass with its convolution's ReLU backward inside gives the two passes' bits, on
    /// every path, with and without padding channels (which keep the pool's values), for tiling and other windows.</summary>
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void MaxPoolReLUBackwardEqualsThePoolThenTheReLU(int path)
    {
        foreach (var (rows, h, w, c, cs, p, s) in new[] { (3, 28, 28, 16, 16, 2, 2), (2, 14, 14, 32, 32, 2, 2), (2, 10, 10, 8, 16, 2, 2), (1, 7, 7, 16, 16, 3, 2), (2, 5, 5, 16, 16, 2, 2) })
        {
            string what = $"path {path}, {rows}×{h}×{w}×{c} (padded to {cs}), window {p} stride {s}";
            int ho = (h - p) / s + 1, wo = (w - p) / s + 1;
            float[] x = Random(rows * h * w * cs, h * 13 + c, 2f);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = Math.Max(x[i] - 1f, 0f); // a ReLU's output: about half zeros, so windows of ties
                if (i % cs >= c) x[i] = 0f;
            }
            float[] dy = Random(rows * ho * wo * cs, h + c + 1, 1f);
            for (int i = 0; i < dy.Length; i++) dy[i] -= 0.5f;
            float[] expected = Filled(x.Length, float.NaN), fused = Filled(x.Length, float.NaN);
            WithPath(path, () =>
            {
                PoolKernels.MaxPoolBackward(x, dy, rows, h, w, cs, p, p, s, s, expected);
                ActivationKernels.ReLUBackward(x, expected, rows * h * w, c, cs);
                PoolKernels.MaxPoolReLUBackward(x, dy, rows, h, w, cs, c, p, p, s, s, fused);
            });
            int zeroed = 0, passed = 0;
            for (int i = 0; i < x.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(fused[i]),
                    $"{what}: dx[{i}] = {fused[i]}, expected {expected[i]} (x = {x[i]})");
                if (i % cs < c && x[i] == 0f) zeroed++;
                if (fused[i] != 0f) passed++;
            }
            Assert.True(zeroed > 0 && passed > 0, $"{what}: the case must route some gradients and mask some ({passed}, {zeroed})");
            long bytes = Allocations.Fewest(() => WithPath(path, () => PoolKernels.MaxPoolReLUBackward(x, dy, rows, h, w, cs, c, p, p, s, s, fused)), 20);
            Assert.True(bytes == 0, $"{what}: {bytes} bytes allocated over 20 calls; expected none");
        }
    }

    /// <summary>Dropout's masks drawn sixteen lanes at a time (the 512-bit path) are the scalar generator's, value for
    /// value, with the same state after the call, for whole vectors and a tail; every path gives the same bits.</summary>
    [Theory]
    [InlineData(128, 128)]
    [InlineData(37, 48)]
    [InlineData(5, 16)]
    public void DropoutMasksAreTheSameOnEveryPath(int channels, int stride)
    {
        const int rows = 3;
        float[] x = Random(rows * stride, channels);
        float[]? reference = null;
        ulong referenceState = 0;
        foreach (int path in Paths)
        {
            ulong state = 0x1234_5678_9ABC_DEF0UL;
            float[] mask = Filled(rows * stride, float.NaN), y = Filled(rows * stride, float.NaN);
            WithPath(path, () => DropoutKernels.Forward(x, rows, channels, stride, 0.25f, ref state, mask, y));
            if (reference is null)
            {
                reference = mask;
                referenceState = state;
                int kept = 0;
                foreach (float v in mask) if (v != 0f) kept++;
                Assert.InRange(kept, rows * channels / 2, rows * channels); // about three quarters kept
                continue;
            }
            Assert.Equal(referenceState, state);
            for (int i = 0; i < mask.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(reference[i]) == BitConverter.SingleToInt32Bits(mask[i]),
                    $"path {path}, {channels} of {stride} channels: mask[{i}] = {mask[i]}, expected {reference[i]}");
            long bytes = Allocations.Fewest(() => WithPath(path, () => DropoutKernels.Forward(x, rows, channels, stride, 0.25f, ref state, mask, y)), 20);
            Assert.True(bytes == 0, $"path {path}: {bytes} bytes allocated over 20 calls; expected none");
        }
    }

    [Fact]
    public void OddSizesStillClearTheUncoveredEdge()
    {
        // 5×5 with 2×2 windows: the last row and column belong to no window and must read 0, not what was there.
        const int h = 5, w = 5, cs = 16;
        float[] x = Random(h * w * cs, 3), dy = Random(4 * cs, 4);
        float[] dx = Filled(x.Length, float.NaN);
        PoolKernels.MaxPoolBackward(x, dy, 1, h, w, cs, 2, 2, 2, 2, dx);
        for (int p = 0; p < h * w; p++)
            if (p / w == 4 || p % w == 4)
                for (int c = 0; c < cs; c++) Assert.True(dx[p * cs + c] == 0f, $"dx at position {p} channel {c} = {dx[p * cs + c]}");
    }

    [Theory]
    [InlineData(49, 32, 32)] // the CNN's Flatten: [49, 32] channels last ↔ [32, 49] channels first
    [InlineData(7, 5, 16)]   // padded channels, an inner count that is not a multiple of four
    [InlineData(3, 1, 1)]
    public void ReorderTransposesBothWaysAndLeavesTheRestUnwritten(int positions, int channels, int cs)
    {
        const int rows = 3;
        int flat = positions * channels + 3; // a gap after each flattened sample that must stay as it was
        float[] x = Random(rows * positions * cs, positions + channels);
        float[] y = Filled(rows * flat, float.NaN);
        LayoutKernels.Reorder(x, rows, positions, channels, positions * cs, cs, 1, y, flat, 1, positions);
        for (int r = 0; r < rows; r++)
        {
            for (int p = 0; p < positions; p++)
                for (int c = 0; c < channels; c++)
                    Assert.Equal(x[r * positions * cs + p * cs + c], y[r * flat + c * positions + p]);
            for (int k = positions * channels; k < flat; k++) Assert.True(float.IsNaN(y[r * flat + k]), $"row {r}: wrote y[{k}] past the sample");
        }
        float[] back = Filled(x.Length, float.NaN);
        LayoutKernels.Reorder(y, rows, positions, channels, flat, 1, positions, back, positions * cs, cs, 1);
        for (int i = 0; i < back.Length; i++)
        {
            if (i % cs < channels) Assert.Equal(x[i], back[i]);
            else Assert.True(float.IsNaN(back[i]), $"wrote the padding back[{i}]");
        }
        long bytes = Allocations.Fewest(() => LayoutKernels.Reorder(y, rows, positions, channels, flat, 1, positions, back, positions * cs, cs, 1), 20);
        Assert.True(bytes == 0, $"Reorder allocated {bytes} bytes over 20 calls; expected none");
    }
}
