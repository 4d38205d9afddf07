using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StaticNet.Optimizers;
#if NET8_0_OR_GREATER
using System.Runtime.Intrinsics;
#endif

namespace StaticNet.Kernels;

/// <summary>
/// An optimizer update fused into the weight gradient of a network's first dense layer: as each
/// register tile of dW is finished, the optimizer updates those weights at once, so that the update's square roots and
/// divisions (Adam's, bound by the core's one divider) run under the multiply-adds of the next tile instead of in a pass
/// of their own after the backward pass. The results are the same bits as the unfused step.
/// </summary>
/// <remarks>
/// <para>A step is all or nothing, and the unfused step checks the whole gradient's norm before changing anything. So
/// the fused update runs only when that norm is proven finite before the layer's first tile: the loss is finite, every
/// gradient computed before this layer (the later layers', in backward order, and the layer's bias) is at most
/// <see cref="Limit"/> in magnitude, and so is the bound <c>rows · max|x| · max|dy|</c> on every element of dW (the
/// layer's gradient region is zero before its kernel: one chunk, cleared before it). With every element at most 1e16,
/// the norm's partial sums of squares (2,048 at a time in float) stay below 3e35, so <see cref="Optimizer.Step(Span{float}, ReadOnlySpan{float})"/>
/// would have found a finite norm and taken the same step. Clipping (which needs the norm itself) and optimizers other
/// than <see cref="Adam"/> and <see cref="AdamW"/> are not fused; neither are batches of more than one chunk, frozen
/// layers, nor calls without an optimizer. Otherwise the layer runs its usual kernel and the optimizer steps after the
/// backward pass, as without fusion.</para>
/// <para>A training call would arm it (<see cref="Arm"/>), the first dense layer's backward pass take the step
/// (<see cref="TryBackwardWeights"/>) when the batch is one chunk and its loss finite, and the call disarm it
/// (<see cref="Disarm"/>). <b>Generated networks do not use it</b>: on Zen 4 the fused kernel takes as long as the weight
/// gradient followed by the optimizer's pass (the update's arithmetic competes with the multiply-adds for the same FP
/// pipes; see docs/performance.md, "Fusing the optimizer into the backward pass"), so it stays internal, tested and
/// measured by <c>--train-bound</c>, for a core where it pays.</para>
/// </remarks>
internal sealed class FusedStep
{
    /// <summary>The largest gradient magnitude the fused step accepts (see the remarks).</summary>
    internal const double Limit = 1e16;

    private Optimizer? _optimizer;
    private object? _owner;
    private AlignedBuffer? _parameters;
    private int _length;

    /// <summary>Whether the current call's optimizer step was taken by <see cref="TryBackwardWeights"/>.</summary>
    internal bool Stepped { get; private set; }

    /// <summary>How many steps were fused so far (for tests: that the fused path ran).</summary>
    internal long FusedSteps { get; private set; }

    /// <summary>
    /// Arms the step for one training call: <paramref name="optimizer"/> (null: none, or not fusable) will step
    /// <paramref name="owner"/>'s first <paramref name="trainableLength"/> parameters in <paramref name="parameters"/>.
    /// </summary>
    internal void Arm(Optimizer? optimizer, object owner, AlignedBuffer parameters, int trainableLength)
    {
        Stepped = false;
#if NET8_0_OR_GREATER
        bool fusable = optimizer is Adam or AdamW && !optimizer.ClipsGradients && KernelOptions.Path is 512 or 256 or 128;
#else
        bool fusable = false;
#endif
        _optimizer = fusable ? optimizer : null;
        _owner = fusable ? owner : null;
        _parameters = fusable ? parameters : null;
        _length = trainableLength;
    }

    /// <summary>Forgets the call's optimizer and network (in the call's <c>finally</c>).</summary>
    internal void Disarm()
    {
        _optimizer = null;
        _owner = null;
        _parameters = null;
        Stepped = false;
    }

    /// <summary>
    /// The weight gradient of the first dense layer (as <see cref="DenseKernels.BackwardWeights"/>, into
    /// <paramref name="gradients"/> at <paramref name="weightOffset"/> and <paramref name="biasOffset"/>) with the
    /// optimizer's whole step fused in; returns false, having changed nothing, when the step cannot be fused (then the
    /// caller runs the usual kernel and the optimizer steps after the backward pass).
    /// </summary>
    /// <param name="x">The layer's input, <paramref name="rows"/> rows of <paramref name="xStride"/> floats.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="inputs">The number of inputs per sample.</param>
    /// <param name="xStride">The distance between two rows of <paramref name="x"/>.</param>
    /// <param name="dy">The gradient of the layer's pre-activation output, <c>[rows, width]</c>.</param>
    /// <param name="width">The padded output width.</param>
    /// <param name="gradients">The whole gradient (every other layer's already computed).</param>
    /// <param name="weightOffset">Where the layer's weights <c>[inputs, width]</c> start.</param>
    /// <param name="biasOffset">Where its bias <c>[width]</c> starts.</param>
    /// <exception cref="ArgumentException">The sizes are inconsistent.</exception>
    /// <exception cref="InvalidOperationException">The optimizer is bound to another network, or another thread is stepping it; nothing changed.</exception>
    internal bool TryBackwardWeights(ReadOnlySpan<float> x, int rows, int inputs, int xStride, ReadOnlySpan<float> dy, int width,
        Span<float> gradients, int weightOffset, int biasOffset)
    {
#if NET8_0_OR_GREATER
        Optimizer? optimizer = _optimizer;
        AlignedBuffer? buffer = _parameters;
        if (optimizer is null || buffer is null) return false;
        _optimizer = null; // one step per call
        int weightLength = inputs * width;
        if (rows <= 0 || inputs <= 0 || xStride < inputs || width <= 0 || width % DenseKernels.WidthAlignment != 0 ||
            x.Length < (rows - 1) * xStride + inputs || dy.Length < rows * width || gradients.Length != _length ||
            (uint)weightOffset > (uint)(_length - weightLength) || (uint)biasOffset > (uint)(_length - width) ||
            (biasOffset < weightOffset + weightLength && weightOffset < biasOffset + width))
            throw new ArgumentException(
                $"Fused dense step called with inconsistent sizes: rows {rows}, inputs {inputs}, stride {xStride}, width {width}, weights at {weightOffset}, " +
                $"bias at {biasOffset}; buffers x {x.Length}, dy {dy.Length}, gradient {gradients.Length} (expected {_length}).");

        // The proof that the whole gradient's norm is finite (see the remarks), before anything changes.
        if (!MaxMagnitude(x, rows, inputs, xStride, out float maxX) || !MaxMagnitude(dy, rows, width, width, out float maxDy))
            return false;
        if (!((double)rows * maxX * maxDy <= Limit && (double)rows * maxDy <= Limit)) return false;
        int end = weightOffset + weightLength;
        if (!MaxMagnitude(gradients.Slice(0, weightOffset), 1, weightOffset, weightOffset, out float before) || !(before <= Limit) ||
            !MaxMagnitude(gradients.Slice(end), 1, _length - end, _length - end, out float after) || !(after <= Limit))
            return false;

        float gradientScale = optimizer.BeginSlicedStep(_length, _owner, (float)Limit);
        try
        {
            AdamMoments moments = optimizer.SliceMoments(gradientScale, out AdamMoments.Coefficients coefficients)!;
            Span<float> parameters = buffer.Span.Slice(0, _length);
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float dyr = ref MemoryMarshal.GetReference(dy);
            ref float dw = ref gradients[weightOffset];
            ref float db = ref gradients[biasOffset];
            ref float w = ref parameters[weightOffset];
            ref float m = ref moments.FirstAt(weightOffset);
            ref float v = ref moments.SecondAt(weightOffset);
            bool flush = SubnormalFlush.IsFlushStep(optimizer.StepCount);
            switch (KernelOptions.Path, flush)
            {
                case (512, true): DenseSimd.BackwardWeightsAdam<V512, FlushSubnormals>(ref xr, rows, inputs, xStride, ref dyr, width, ref dw, ref db, ref w, ref m, ref v, coefficients); break;
                case (512, false): DenseSimd.BackwardWeightsAdam<V512, KeepSubnormals>(ref xr, rows, inputs, xStride, ref dyr, width, ref dw, ref db, ref w, ref m, ref v, coefficients); break;
                case (256, true): DenseSimd.BackwardWeightsAdam<V256, FlushSubnormals>(ref xr, rows, inputs, xStride, ref dyr, width, ref dw, ref db, ref w, ref m, ref v, coefficients); break;
                case (256, false): DenseSimd.BackwardWeightsAdam<V256, KeepSubnormals>(ref xr, rows, inputs, xStride, ref dyr, width, ref dw, ref db, ref w, ref m, ref v, coefficients); break;
                case (_, true): DenseSimd.BackwardWeightsAdam<V128, FlushSubnormals>(ref xr, rows, inputs, xStride, ref dyr, width, ref dw, ref db, ref w, ref m, ref v, coefficients); break;
                default: DenseSimd.BackwardWeightsAdam<V128, KeepSubnormals>(ref xr, rows, inputs, xStride, ref dyr, width, ref dw, ref db, ref w, ref m, ref v, coefficients); break;
            }
            // Every other parameter (this layer's bias, the other layers'): their gradients are final too.
            if (weightOffset > 0)
                optimizer.UpdateSlice(parameters.Slice(0, weightOffset), gradients.Slice(0, weightOffset), gradientScale, 0);
            if (end < _length)
                optimizer.UpdateSlice(parameters.Slice(end), gradients.Slice(end), gradientScale, end);
            Stepped = true;
            FusedSteps++;
        }
        finally
        {
            optimizer.EndSlicedStep();
        }
        return true;
#else
        return false;
#endif
    }

    /// <summary>
    /// The largest magnitude in <paramref name="rows"/> rows of <paramref name="columns"/> floats, <paramref name="stride"/>
    /// apart; false when one is NaN or infinite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool MaxMagnitude(ReadOnlySpan<float> values, int rows, int columns, int stride, out float max)
    {
        max = 0f;
        if (columns == 0) return true;
        ref float start = ref MemoryMarshal.GetReference(values);
        float finite = 0f; // Σ value · 0: zero unless a value is NaN or infinite
#if NET8_0_OR_GREATER
        Vector512<float> zero = Vector512<float>.Zero, max0 = zero, max1 = zero, finite0 = zero, finite1 = zero;
#endif
        for (nint r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref start, r * stride);
            nint c = 0;
#if NET8_0_OR_GREATER
            if (Vector512.IsHardwareAccelerated)
            {
                for (; c + 32 <= columns; c += 32)
                {
                    Vector512<float> a = Vector512.LoadUnsafe(ref row, (nuint)c), b = Vector512.LoadUnsafe(ref row, (nuint)c + 16);
                    max0 = Vector512.Max(max0, Vector512.Abs(a));
                    max1 = Vector512.Max(max1, Vector512.Abs(b));
                    finite0 += a * zero;
                    finite1 += b * zero;
                }
            }
#endif
            for (; c < columns; c++)
            {
                float value = Unsafe.Add(ref row, c);
                finite += value * 0f;
                max = MathF.Max(max, MathF.Abs(value));
            }
        }
#if NET8_0_OR_GREATER
        finite += Vector512.Sum(finite0 + finite1);
        Vector512<float> maxV = Vector512.Max(max0, max1);
        for (int lane = 0; lane < Vector512<float>.Count; lane++) max = MathF.Max(max, maxV.GetElement(lane));
#endif
        return finite == 0f;
    }
}
