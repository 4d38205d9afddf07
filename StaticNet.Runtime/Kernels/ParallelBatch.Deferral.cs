using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// Issue 20, the deferred weight gradient: in a training call of more than one chunk, the weight gradient of a Dense
/// layer that reads the network's own float input (so every chunk's <c>x</c> is a slice of the call's inputs) is not
/// computed in the chunks. Each chunk copies the layer's <c>dy</c> rows to <see cref="DeferredRows"/> and computes only
/// the bias gradient; once every chunk has run, each worker computes its share of the inputs' rows of the weight gradient
/// straight into the network's gradient, chunk by chunk in chunk order (<see cref="DenseKernels.BackwardWeightsInChunks"/>):
/// <c>((t₀ + t₁) + t₂) + …</c>, with <c>tᶜ</c> the bits the chunk would have computed, so the same bits as the chunks
/// computing it and the reduction adding it. That region is skipped by the reduction and worker 0's local additions: no
/// chunk writes it, and no buffer the size of the matrix is written per chunk (at batch 256 on 2 workers, the MLP
/// 784-128-10's first layer is 100,352 of its 101,770 parameters).
/// </summary>
public sealed unsafe partial class ParallelBatch
{
    /// <summary>
    /// For the benchmarks' A/B comparison and the tests only: the weight gradient computed in every chunk and reduced, as
    /// before the deferral (<see cref="DeferWeightGradient"/> is ignored). The same bits either way.
    /// </summary>
    internal static bool DeferralDisabled;

    private int _deferOffset, _deferInputs, _deferWidth, _deferStride;
    private bool _deferAsked;       // DeferWeightGradient's request for the next training call
    private bool _defer;            // this call defers the weight gradient
    private AlignedBuffer? _deferredDy; // the chunks' dy rows, [count, width]

    /// <summary>The number of training calls that deferred a weight gradient, for tests (the pool runs one job at a time).</summary>
    internal static long DeferredCallsRun { get; private set; }

    /// <summary>
    /// Asks the next training call (<c>RunTraining</c>) to defer a Dense layer's weight gradient (see the class's remarks):
    /// the layer reads the call's own float inputs, rows of <paramref name="xStride"/> floats, and its weight gradient is
    /// <c>[inputs, width]</c> at <paramref name="weightOffset"/> in the gradient. The call defers it when it has more than
    /// one chunk and <paramref name="trains"/>; its chunks then find where to put the layer's <c>dy</c> in
    /// <see cref="DeferredRows"/> (empty otherwise: they compute the weight gradient as usual). Set before every call.
    /// </summary>
    /// <param name="weightOffset">The weight gradient's offset in the gradient.</param>
    /// <param name="inputs">The layer's inputs (rows of the weight gradient).</param>
    /// <param name="width">The layer's padded width (columns of the weight gradient, and of <c>dy</c>).</param>
    /// <param name="xStride">The distance between two samples of the inputs.</param>
    /// <param name="trains">Whether the layer's weights train in this call (not frozen).</param>
    public void DeferWeightGradient(int weightOffset, int inputs, int width, int xStride, bool trains)
    {
        if (weightOffset < 0 || inputs <= 0 || width <= 0 || width % LayoutArithmetic.WidthAlignment != 0 || xStride < inputs ||
            (long)weightOffset + (long)inputs * width > _gradientLength)
            throw new ArgumentException($"A deferred weight gradient of {inputs} × {width} floats at {weightOffset} (input stride {xStride}) " +
                $"must lie within the gradient of {_gradientLength} floats, with a width that is a multiple of {LayoutArithmetic.WidthAlignment}.");
        _deferOffset = weightOffset;
        _deferInputs = inputs;
        _deferWidth = width;
        _deferStride = xStride;
        _deferAsked = trains;
    }

    /// <summary>
    /// Where chunk <paramref name="chunk"/> copies the deferred layer's <c>dy</c> (its rows × width floats) instead of
    /// computing that layer's weight gradient; empty when the current call does not defer it.
    /// </summary>
    public Span<float> DeferredRows(int chunk)
    {
        if (!_defer) return default;
        int start = chunk * ChunkRows, rows = Math.Min(ChunkRows, Count - start);
        return _deferredDy!.Span.Slice(start * _deferWidth, rows * _deferWidth);
    }

    /// <summary>Decides whether this call defers (and sizes the dy rows); once per call, before the chunks.</summary>
    private void PrepareDeferral<TInput>(int chunks, int count, int inputsLength) where TInput : unmanaged
    {
        _defer = _deferAsked && !DeferralDisabled && !_interleaved && chunks > 1 && typeof(TInput) == typeof(float) &&
            (long)(count - 1) * _deferStride + _deferInputs <= inputsLength;
        _deferAsked = false; // asked again before the next call
        if (!_defer) return;
        long length = (long)chunks * ChunkRows * _deferWidth;
        if (length > int.MaxValue)
        {
            _defer = false;
            return;
        }
        if (_deferredDy is null || _deferredDy.Length < length) _deferredDy = new AlignedBuffer((int)length);
        DeferredCallsRun++;
    }

    /// <summary>
    /// After every chunk: worker <paramref name="slot"/>'s share of the deferred weight gradient, straight into the
    /// network's gradient (the inputs' rows split in blocks of 4 between the workers).
    /// </summary>
    private void ComputeDeferred(int slot, int workers, Span<float> gradient)
    {
        if (!_defer || _failed) return;
        long time = ParallelProfile.Start();
        int inputs = _deferInputs, width = _deferWidth;
        int from = slot == 0 ? 0 : (int)((long)inputs * slot / workers) & ~3;
        int to = slot + 1 == workers ? inputs : (int)((long)inputs * (slot + 1) / workers) & ~3;
        try
        {
            DenseKernels.BackwardWeightsInChunks(new ReadOnlySpan<float>(_inputs, _inputsLength), Count, inputs, _deferStride,
                _deferredDy!.Span.Slice(0, Count * width), width, gradient.Slice(_deferOffset, inputs * width), from, to, ChunkRows);
        }
        catch (Exception exception)
        {
            Fail(exception);
        }
        ParallelProfile.Lap(slot, ParallelProfile.Deferred, ref time);
    }

    /// <summary>
    /// <c>g += other</c> (and <c>other = 0</c> when <paramref name="clear"/>) over worker <paramref name="slot"/>'s range of
    /// the gradient (whole vectors; the ranges cover it once), outside the deferred weight gradient when this call defers
    /// it (then the ranges split what is left evenly).
    /// </summary>
    private void AddPart(Span<float> g, Span<float> other, int slot, int workers, bool clear)
    {
        int hole = _defer ? _deferOffset : 0, holeLength = _defer ? _deferInputs * _deferWidth : 0;
        int rest = _gradientLength - holeLength;
        int from = Part(rest, slot, workers), to = Part(rest, slot + 1, workers); // in the gradient without the hole
        if (from < hole) AddSegment(g, other, from, Math.Min(to, hole), clear);
        if (to > hole) AddSegment(g, other, Math.Max(from, hole) + holeLength, to + holeLength, clear);
    }

    private static int Part(int length, int part, int parts) =>
        part == parts ? length : (int)((long)length * part / parts) & ~(LayoutArithmetic.WidthAlignment - 1);

    private static void AddSegment(Span<float> g, Span<float> other, int start, int end, bool clear)
    {
        if (end <= start) return;
        if (clear) AddAndClear(g.Slice(start, end - start), other.Slice(start, end - start));
        else Add(g.Slice(start, end - start), other.Slice(start, end - start));
    }
}
