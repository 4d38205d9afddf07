using System;
using System.Runtime.ExceptionServices;
using StaticNet.Optimizers;

namespace StaticNet.Kernels;

public sealed unsafe partial class ParallelBatch
{
    /// <summary>
    /// Blocks of <see cref="GradientNorm.Block"/> floats each worker gets at least for the step to be split (8,192
    /// floats, a few microseconds of Adam's update): below that, handing the work over costs more than it saves.
    /// </summary>
    internal const int MinimumBlocksPerWorker = 4;

    /// <summary>The number of steps split over the workers, for tests (the pool runs one job at a time).</summary>
    internal static long ParallelStepsRun { get; private set; }

    private bool _stepping;
    private Optimizer? _optimizer;
    private object? _stepOwner;
    private float* _stepParameters, _stepGradients;
    private int _stepLength;
    private int[] _segments = new int[2];       // start, length of each range the step updates (one: the whole buffer)
    private int _segmentCount;
    private float[] _blockSums = Array.Empty<float>();
    private int _blocks, _path;
    private float _gradientScale;
    private bool _begun;

    /// <summary>
    /// One step of <paramref name="optimizer"/> after a training call of this scheduler, with the bits, the checks and the
    /// exceptions of <see cref="Optimizer.Step(Span{float}, ReadOnlySpan{float}, object, ReadOnlySpan{Range})"/> (or of
    /// the overload without ranges when <paramref name="trainable"/> is null). When that call ran on several workers,
    /// the step does too: each worker sums the squares of its blocks of the gradient, the calling thread adds the blocks'
    /// sums in block order (the bits of <see cref="GradientNorm"/> for any number of workers) and makes every check of the
    /// step, then each worker updates its blocks' parameters (<c>Optimizer.UpdateSlice</c>). A gradient that is NaN or
    /// infinite throws before any parameter changes. Otherwise (one worker, an optimizer that cannot update slices, a
    /// small network, the pool busy) the optimizer steps on the calling thread.
    /// </summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="parameters">The parameters it updates (the network's trainable part).</param>
    /// <param name="gradients">Their gradient.</param>
    /// <param name="owner">The network.</param>
    /// <param name="trainable">The ranges to update (frozen layers), or null for every parameter.</param>
    /// <param name="maxWorkers">The most workers.</param>
    public void Step(Optimizer optimizer, Span<float> parameters, ReadOnlySpan<float> gradients, object owner, Range[]? trainable,
        int maxWorkers)
    {
        if (optimizer is null) throw new ArgumentNullException(nameof(optimizer));
        if (owner is null) throw new ArgumentNullException(nameof(owner));
        int workers = Math.Min(maxWorkers, _trainingWorkers);
        if (workers > 1 && optimizer.UpdatesSlices && parameters.Length == gradients.Length && Segment(parameters.Length, trainable))
        {
#if NET8_0_OR_GREATER
            int path = KernelOptions.Path; // the caller's: the norm's bits depend on the vector width
#else
            const int path = 0; // no vector path: the norm has no blocks, and the optimizer steps on this thread
#endif
            int blocks = 0;
            for (int s = 0; s < _segmentCount; s++) blocks += GradientNorm.BlockCount(_segments[2 * s + 1], path);
            workers = Math.Min(workers, blocks / MinimumBlocksPerWorker);
            if (workers > 1 && WorkerPool.Shared.TryEnter())
            {
                try
                {
                    RunStep(optimizer, parameters, gradients, owner, workers, blocks, path);
                }
                finally
                {
                    WorkerPool.Shared.Exit();
                }
                Exception? error = _error;
                if (error is null) return;
                _error = null;
                ExceptionDispatchInfo.Capture(error).Throw();
            }
        }
        if (trainable is null) optimizer.Step(parameters, gradients, owner);
        else optimizer.Step(parameters, gradients, owner, trainable);
    }

    /// <summary>
    /// Keeps the ranges the step updates in <see cref="_segments"/>; <see langword="false"/> if they are not ascending,
    /// disjoint and within the buffer (then <c>Optimizer.Step</c> throws its own exception).
    /// </summary>
    private bool Segment(int length, Range[]? trainable)
    {
        if (trainable is null)
        {
            _segments[0] = 0;
            _segments[1] = length;
            _segmentCount = 1;
            return true;
        }
        if (_segments.Length < 2 * trainable.Length) _segments = new int[2 * trainable.Length]; // when layers are frozen
        int end = 0;
        for (int s = 0; s < trainable.Length; s++)
        {
            int start = trainable[s].Start.GetOffset(length), stop = trainable[s].End.GetOffset(length);
            if (start < end || stop < start || stop > length) return false;
            _segments[2 * s] = start;
            _segments[2 * s + 1] = stop - start;
            end = stop;
        }
        _segmentCount = trainable.Length;
        return true;
    }

    private void RunStep(Optimizer optimizer, Span<float> parameters, ReadOnlySpan<float> gradients, object owner, int workers,
        int blocks, int path)
    {
        if (_blockSums.Length < blocks) _blockSums = new float[blocks];
        ParallelStepsRun++;
        fixed (float* pp = parameters)
        fixed (float* pg = gradients)
        {
            _stepParameters = pp;
            _stepGradients = pg;
            _stepLength = parameters.Length;
            _optimizer = optimizer;
            _stepOwner = owner;
            _blocks = blocks;
            _path = path;
            _begun = false;
            Admit(0, workers, training: false);
            _stepping = true;
            try
            {
                WorkerPool.Shared.Run(this, workers);
            }
            finally
            {
                _stepping = false;
                if (_begun) optimizer.EndSlicedStep();
                _begun = false;
                _stepParameters = null;
                _stepGradients = null;
                _optimizer = null;
                _stepOwner = null;
            }
        }
    }

    /// <summary>Worker <paramref name="slot"/>'s part of a step: its blocks' sums of squares, then, once checked, their update.</summary>
    private void StepWorker(int slot)
    {
        int workers = _workers, path = _path;
        int first = (int)((long)_blocks * slot / workers), last = (int)((long)_blocks * (slot + 1) / workers);
        var gradients = new ReadOnlySpan<float>(_stepGradients, _stepLength);
        long time = ParallelProfile.Start();
        try
        {
            for (int s = 0, offset = 0; s < _segmentCount; s++)
            {
                int start = _segments[2 * s], length = _segments[2 * s + 1];
                int count = GradientNorm.BlockCount(length, path);
                int from = Math.Max(first, offset), to = Math.Min(last, offset + count);
                ReadOnlySpan<float> segment = gradients.Slice(start, length);
                for (int b = from; b < to; b++) _blockSums[b] = GradientNorm.BlockSum(segment, b - offset, path);
                offset += count;
            }
        }
        catch (Exception exception)
        {
            Fail(exception);
        }
        ParallelProfile.Lap(slot, ParallelProfile.Norm, ref time);
        WorkerPool.Shared.Barrier();
        if (slot == 0 && !_failed) Begin(gradients, path);
        WorkerPool.Shared.Barrier();
        ParallelProfile.Lap(slot, ParallelProfile.StepBarrier, ref time);
        if (_failed) return; // nothing was updated
        try
        {
            var parameters = new Span<float>(_stepParameters, _stepLength);
            Optimizer optimizer = _optimizer!;
            float scale = _gradientScale;
            for (int s = 0, offset = 0; s < _segmentCount; s++)
            {
                int start = _segments[2 * s], length = _segments[2 * s + 1];
                int count = GradientNorm.BlockCount(length, path);
                if (count == 0)
                {
                    // Shorter than four vectors: the calling thread's.
                    if (slot == 0 && length > 0)
                        optimizer.UpdateSlice(parameters.Slice(start, length), gradients.Slice(start, length), scale, start);
                    continue;
                }
                int from = Math.Max(first, offset), to = Math.Min(last, offset + count);
                if (from < to)
                {
                    int begin = (from - offset) * GradientNorm.Block;
                    int end = to == offset + count ? length : (to - offset) * GradientNorm.Block; // the last block takes the tail
                    optimizer.UpdateSlice(parameters.Slice(start + begin, end - begin), gradients.Slice(start + begin, end - begin),
                        scale, start + begin);
                }
                offset += count;
            }
        }
        catch (Exception exception)
        {
            Fail(exception);
        }
        ParallelProfile.Lap(slot, ParallelProfile.Update, ref time);
    }

    /// <summary>The norm from the blocks' sums in block order, then the optimizer's checks and bookkeeping (calling thread).</summary>
    private void Begin(ReadOnlySpan<float> gradients, int path)
    {
        try
        {
            double sum = 0;
            for (int s = 0, offset = 0; s < _segmentCount; s++)
            {
                int start = _segments[2 * s], length = _segments[2 * s + 1];
                int count = GradientNorm.BlockCount(length, path);
                sum += GradientNorm.Combine(_blockSums.AsSpan(offset, count), gradients.Slice(start, length), path);
                offset += count;
            }
            _gradientScale = _optimizer!.BeginSlicedStep(_stepLength, _stepOwner, (float)Math.Sqrt(sum));
            _begun = true;
        }
        catch (Exception exception)
        {
            Fail(exception);
        }
    }

    private void Fail(Exception exception)
    {
        lock (_errorLock)
        {
            if (_error is null)
            {
                _error = exception;
                _errorChunk = 0;
            }
        }
        _failed = true;
    }
}
