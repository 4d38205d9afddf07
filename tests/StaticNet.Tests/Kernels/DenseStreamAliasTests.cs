using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// Issue 20: a streamed lone row whose outputs start one to a few cache lines after its weights modulo 4 KB (4K
/// aliasing: each store of the outputs stalls the next loads of the weights) is accumulated in a scratch buffer on the
/// stack and copied. The same operations in the same order on other addresses, so the same bits wherever the outputs
/// lie, with the guard taken exactly inside its window, and nothing allocated.
/// </summary>
public class DenseStreamAliasTests
{
    /// <summary>Where the outputs start after the weights, modulo 4 KB, and whether the guard moves them.</summary>
    private static readonly (int Bytes, bool Guarded)[] Placements =
    {
        (0, false), (4, true), (64, true), (128, true), (192, true), (DenseSimd.StreamAliasWindow, true),
        (DenseSimd.StreamAliasWindow + 4, false), (2048, false), (4032, false),
    };

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void OutputsAnywhereGiveTheSameBits(int path)
    {
        // Plain stream (1029 x 256), in fours (1024 x 1024, rows of 4 KB), prefetched (540 x 4096, 8.8 MB), and wider
        // than the stack scratch takes (130 x 8192: streamed unguarded wherever the outputs lie).
        foreach ((int inputs, int width, bool guardable) in new[] { (1029, 256, true), (1024, 1024, true), (540, 4096, true), (130, 8192, false) })
        {
            Assert.True(DenseSimd.Streams(inputs, width));
            var weights = new AlignedBuffer(inputs * width);
            Random(inputs * width, 11).CopyTo(weights.Span);
            float[] bias = Random(width, 12), x = Random(inputs, 13);
            var pool = new AlignedBuffer(width + 2048);
            long poolAfterWeights = PoolAfterWeights(weights, pool);

            float[]? reference = null;
            foreach ((int bytes, bool guarded) in Placements)
            {
                int offset = (int)((((bytes - poolAfterWeights) % 4096) + 4096) % 4096) / sizeof(float);
                Span<float> y = pool.Span.Slice(offset, width);
                y.Fill(float.NaN);
                int before = DenseSimd.StreamRowsGuarded;
                WithPath(path, () => DenseKernels.Forward(x, 1, inputs, inputs, weights.Span, bias, pool.Span.Slice(offset, width), width));
                bool expectGuard = guarded && guardable && path >= 128; // the vector paths stream; the scalar path has no stream
                Assert.True((DenseSimd.StreamRowsGuarded - before == 1) == expectGuard,
                    $"{inputs}x{width} path {path}: outputs {bytes} bytes after the weights (mod 4 KB) should {(expectGuard ? "" : "not ")}take the guard");
                float[] result = y.ToArray();
                reference ??= Unguarded(path, x, inputs, weights, bias, width);
                Assert.True(reference.AsSpan().SequenceEqual(result), $"{inputs}x{width} path {path}: outputs {bytes} bytes after the weights differ from the unguarded stream");
            }
        }
    }

    /// <summary>How many bytes the pool starts after the weights (both pinned: the distance stays).</summary>
    private static long PoolAfterWeights(AlignedBuffer weights, AlignedBuffer pool) =>
        System.Runtime.CompilerServices.Unsafe.ByteOffset(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights.Span),
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(pool.Span));

    private static float[] Unguarded(int path, float[] x, int inputs, AlignedBuffer weights, float[] bias, int width)
    {
        float[] y = new float[width];
        WithPath(path, () =>
        {
            DenseSimd.StreamAliasGuardDisabled = true;
            try { DenseKernels.Forward(x, 1, inputs, inputs, weights.Span, bias, y, width); }
            finally { DenseSimd.StreamAliasGuardDisabled = false; }
        });
        return y;
    }

    [Fact]
    public void GuardedRowDoesNotAllocate()
    {
        const int inputs = 1024, width = 1024;
        var weights = new AlignedBuffer(inputs * width);
        Random(inputs * width, 21).CopyTo(weights.Span);
        float[] bias = Random(width, 22), x = Random(inputs, 23);
        var pool = new AlignedBuffer(width + 2048);
        int offset = (int)((((64 - PoolAfterWeights(weights, pool)) % 4096) + 4096) % 4096) / sizeof(float);
        DenseKernels.Forward(x, 1, inputs, inputs, weights.Span, bias, pool.Span.Slice(offset, width), width);
        int guarded = DenseSimd.StreamRowsGuarded;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
            DenseKernels.Forward(x, 1, inputs, inputs, weights.Span, bias, pool.Span.Slice(offset, width), width);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - allocated);
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated) Assert.Equal(guarded + 10, DenseSimd.StreamRowsGuarded);
    }
}
