#if NET8_0_OR_GREATER // the vector kernels (DenseSimd) exist only there
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

public static partial class DenseKernels
{
    /// <summary>
    /// Batch 1 of <see cref="Forward"/> (<typeparamref name="TOp"/> = <see cref="NoActivation"/>) or of
    /// <see cref="ForwardReLU"/> without padding columns (<see cref="ReLUOp"/>) for a layer whose matrix is below 1 MB
    /// (<see cref="DenseSimd.RowInTiles"/>), on the widest vector path (the default; tests narrow it): the
    /// sizes checked inline, then <see cref="DenseSimd.ForwardRow{V, TOp}"/>. Inlined into the generated layer method,
    /// whose sizes are literals, the checks on them fold away and the call goes straight to the layer's register tile
    /// (issue 20: at N = 64 or 128 a layer takes a few hundred cycles, and the calls, checks and dispatch of
    /// <see cref="ForwardRows"/> were several percent of them). Returns false, having done nothing, otherwise; the
    /// caller then takes the general path, which checks (and reports) the sizes. Same bits as the general path: the
    /// same tiles on the same path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryForwardRow<TOp>(ReadOnlySpan<float> x, int inputs, int xStride, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> y, int width) where TOp : IUnaryOp
    {
        // The widest accelerated vector: KernelOptions.Path unless the calling thread has narrowed it (tests only; until
        // a thread does, KernelOptions.Narrowed is false and no thread-static is read).
        int widest = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        if (!DenseSimd.RowInTiles(inputs, width) || !Vector128.IsHardwareAccelerated ||
            (KernelOptions.Narrowed && KernelOptions.MaxVectorBits < widest) || xStride < inputs || x.Length < inputs || weight.Length < inputs * width || bias.Length < width || y.Length < width)
            return false;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(weight);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float yr = ref MemoryMarshal.GetReference(y);
        // KernelOptions.Path here, as JIT-time constants.
        if (Vector512.IsHardwareAccelerated)
            DenseSimd.ForwardRow<V512, TOp>(ref xr, inputs, ref wr, ref br, ref yr, width);
        else if (Vector256.IsHardwareAccelerated)
            DenseSimd.ForwardRow<V256, TOp>(ref xr, inputs, ref wr, ref br, ref yr, width);
        else
            DenseSimd.ForwardRow<V128, TOp>(ref xr, inputs, ref wr, ref br, ref yr, width);
        return true;
    }
}
#endif
