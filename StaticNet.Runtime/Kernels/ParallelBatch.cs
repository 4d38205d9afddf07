using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace StaticNet.Kernels;

/// <summary>One chunk of a batch: <paramref name="chunk"/> is its index, <paramref name="slot"/> the worker's buffers.</summary>
/// <param name="batch">The call's scheduler, for its inputs, targets, outputs and buffers.</param>
/// <param name="chunk">The chunk's index in the batch (rows <c>chunk·32</c> onwards).</param>
/// <param name="slot">The worker running it, 0 for the calling thread; selects <see cref="ParallelBatch.Activations"/> and <see cref="ParallelBatch.Deltas"/>.</param>
/// <param name="gradients">Where this chunk's gradient goes: zeroed before the chunk, which accumulates into it, or, for a
/// scheduler created with <c>overwrites</c>, not cleared (the chunk overwrites every float of it); empty for inference.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void ChunkBody(ParallelBatch batch, int chunk, int slot, Span<float> gradients);

/// <summary>
/// Runs a batch's 32-row chunks on the persistent <see cref="WorkerPool"/> threads, deterministically: a network's
/// training and inference calls hand it one <see cref="ChunkBody"/> (created once, so nothing is allocated per call).
/// </summary>
/// <remarks>
/// <para><b>Training, one reduction</b> (when the buffers fit <c>OneReductionBudget</c>): worker <c>j</c> runs a
/// contiguous block of the chunks; worker 0 adds each of its chunks' gradients to the network's as soon as it is
/// computed (as one thread does), the other workers keep theirs, and after one barrier every worker adds them, in chunk
/// order, over its own range of the gradient.</para>
/// <para><b>Training, by rounds</b> (<c>RunTraining</c>, otherwise): in round <c>r</c> worker <c>j</c> clears its own gradient buffer and
/// runs chunk <c>r·W + j</c> into it (chunk 0 straight into the network's gradient); after a barrier every worker
/// adds, over its own range of the gradient, the round's chunk gradients in chunk order, and a second barrier (none
/// after the last round) frees the buffers. A worker reads the others' buffers but never writes them, so their cache
/// lines stay with their owner. So every gradient element is <c>((g₀ + g₁) + g₂) + …</c>, the chunks' own gradients added in chunk order,
/// whatever the number of workers <c>W</c>: one worker gives the same bits as any other number. A chunk's loss and its
/// per-chunk state (BatchNorm's batch statistics) go to per-chunk slots that the caller reads in chunk order.</para>
/// <para><b>A deferred weight gradient</b> (<see cref="DeferWeightGradient"/>, issue 20): a Dense layer reading the call's
/// own inputs leaves its weight gradient out of the chunks; after the last chunk each worker computes its share of the
/// layer's inputs straight into the gradient, each element the same <c>((g₀ + g₁) + g₂) + …</c> of the chunks' own
/// gradients, and the additions above skip that region.</para>
/// <para><b>Inference</b> (<see cref="TryRunInference"/>): worker <c>j</c> runs chunks <c>j, j + W, …</c>; the outputs
/// are disjoint, so there is nothing to reduce.</para>
/// <para>An exception in a chunk is kept (the lowest chunk index of the first round that failed), the remaining rounds
/// are skipped, and it is rethrown on the calling thread after every worker has stopped.</para>
/// <para>Not for direct use: generated networks call it.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe partial class ParallelBatch
{
    /// <summary>Rows per chunk, as the generated networks' <c>ChunkRows</c>.</summary>
    public const int ChunkRows = 32;

    private readonly ChunkBody _body;
    private readonly int _activationLength, _gradientLength, _chunkStateLength;
    private readonly bool _overwrites;    // the body can overwrite its gradient buffer: no buffer is cleared before a chunk
    private bool _overwrite;              // this call's: _overwrites, unless ClearedChunkBuffers (read once per call)
    private AlignedBuffer[] _activations, _deltas, _gradients;
    private double[] _losses = new double[1];
    private float[] _chunkState = Array.Empty<float>();
    private void* _inputs;
    private int _inputsLength;
    private float* _targets, _outputs, _gradient;
    private int _targetsLength, _outputsLength;
    private int* _labels;
    private int _labelsLength;
    private float* _weights;
    private int _weightsLength;
    private int _chunks, _workers;
    private bool _training;
    private int _trainingWorkers = 1;  // the workers the last training call used (1: it ran on the calling thread)
    private bool _bufferDirty;         // worker 0's gradient buffer may hold a chunk's gradient (after a shared job or a failure)
    private bool _oneReduction;        // this job keeps every chunk's gradient (_gradients[chunk]) and adds them once, at the end

    /// <summary>
    /// The most floats of chunk gradients a training call keeps to reduce them once per call rather than once per round:
    /// 4 MB. Worker 0 adds the chunks of its own block as it goes, so a call keeps a buffer only for each chunk after
    /// worker 0's block: at batch 256 on 2 workers, four (the MLP 784-128-10's 1.6 MB, the Fashion-MNIST CNN's 3.3 MB).
    /// A larger network or batch reduces after every round, in the same order. Tests set it to 0 to run the rounds.
    /// </summary>
    internal static long OneReductionBudget = 1L << 20;

    /// <summary>
    /// For the benchmarks' A/B comparison only: the one reduction of before 2026-12-07 session 2, with the chunks dealt to
    /// the workers in turn (chunk <c>j</c>, <c>j + W</c>, … on worker <c>j</c>), every chunk into a cleared buffer of its own
    /// and all of them added at the end, instead of contiguous blocks. The same bits either way.
    /// </summary>
    internal static bool InterleavedOneReduction;

    /// <summary>
    /// For the benchmarks' A/B comparison only: each chunk's gradient buffer cleared before the chunk and accumulated
    /// into, as before issue 20's overwriting chunks, for a body created with <c>overwrites</c> too. The same bits either way.
    /// </summary>
    internal static bool ClearedChunkBuffers;
    private bool _interleaved;         // InterleavedOneReduction, read once per call (a test may set it while other tests run)
    private volatile bool _failed;
    private Exception? _error;
    private int _errorChunk;
    private readonly object _errorLock = new();

    /// <summary>Creates the scheduler of one network's training or inference calls.</summary>
    /// <param name="body">The chunk's work.</param>
    /// <param name="activationLength">Floats of activations (and of deltas) per worker; 0 for inference, which uses per-thread buffers.</param>
    /// <param name="gradientLength">Floats of gradient; 0 for inference.</param>
    /// <param name="chunkStateLength">Floats of per-chunk state (BatchNorm's batch statistics).</param>
    /// <param name="activations">The calling thread's activations (worker 0), or null.</param>
    /// <param name="deltas">The calling thread's deltas (worker 0), or null.</param>
    public ParallelBatch(ChunkBody body, int activationLength, int gradientLength, int chunkStateLength,
        AlignedBuffer? activations, AlignedBuffer? deltas)
        : this(body, activationLength, gradientLength, chunkStateLength, activations, deltas, overwrites: false)
    {
    }

    /// <summary>
    /// Creates the scheduler of one network's training or inference calls whose chunk body, when
    /// <paramref name="overwrites"/>, overwrites every float of the gradient buffer it is handed rather than adding to it:
    /// then no buffer is cleared before a chunk, and a chunk's buffer is added to the gradient without being cleared after
    /// (issue 20: one pass over the gradient less per chunk). The additions and their order are the same either way.
    /// </summary>
    /// <param name="body">The chunk's work.</param>
    /// <param name="activationLength">Floats of activations (and of deltas) per worker; 0 for inference, which uses per-thread buffers.</param>
    /// <param name="gradientLength">Floats of gradient; 0 for inference.</param>
    /// <param name="chunkStateLength">Floats of per-chunk state (BatchNorm's batch statistics).</param>
    /// <param name="activations">The calling thread's activations (worker 0), or null.</param>
    /// <param name="deltas">The calling thread's deltas (worker 0), or null.</param>
    /// <param name="overwrites">Whether <paramref name="body"/> overwrites its gradient buffer (see above).</param>
    public ParallelBatch(ChunkBody body, int activationLength, int gradientLength, int chunkStateLength,
        AlignedBuffer? activations, AlignedBuffer? deltas, bool overwrites)
    {
        _overwrites = overwrites;
        _body = body ?? throw new ArgumentNullException(nameof(body));
        _activationLength = activationLength;
        _gradientLength = gradientLength;
        _chunkStateLength = chunkStateLength;
        _activations = new[] { activations ?? new AlignedBuffer(activationLength) };
        _deltas = new[] { deltas ?? new AlignedBuffer(activationLength) };
        _gradients = new[] { new AlignedBuffer(gradientLength) };
    }

    /// <summary>
    /// Whether the current training call's chunks must overwrite their gradient buffer (not cleared; every float written)
    /// rather than add to it: set for a scheduler created with <c>overwrites</c>. The chunk body passes it to its backward pass.
    /// </summary>
    public bool OverwritesGradients
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _overwrite;
    }

    /// <summary>The number of samples of the current call.</summary>
    public int Count { get; private set; }

    /// <summary>A value of the caller's for the current call (the loss's scale).</summary>
    public float Scale { get; set; }

    /// <summary>A value of the caller's for the current call (dropout's generator state for the call).</summary>
    public ulong Seed { get; set; }

    /// <summary>The current call's inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<T> Inputs<T>() where T : unmanaged => new(_inputs, _inputsLength);

    /// <summary>The current call's float targets (empty with labels).</summary>
    public ReadOnlySpan<float> Targets
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_targets, _targetsLength);
    }

    /// <summary>The current call's labels (empty with float targets).</summary>
    public ReadOnlySpan<int> Labels
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_labels, _labelsLength);
    }

    /// <summary>The current training call's per-sample weights (empty: every sample weighs 1).</summary>
    public ReadOnlySpan<float> Weights
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_weights, _weightsLength);
    }

    /// <summary>The current inference call's outputs.</summary>
    public Span<float> Outputs
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_outputs, _outputsLength);
    }

    /// <summary>Worker <paramref name="slot"/>'s activations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<float> Activations(int slot) => _activations[slot].Span;

    /// <summary>Worker <paramref name="slot"/>'s deltas.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<float> Deltas(int slot) => _deltas[slot].Span;

    /// <summary>Chunk <paramref name="chunk"/>'s state (BatchNorm's batch statistics), written by the chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<float> ChunkState(int chunk) => _chunkState.AsSpan(chunk * _chunkStateLength, _chunkStateLength);

    /// <summary>Records chunk <paramref name="chunk"/>'s summed loss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetLoss(int chunk, double loss) => _losses[chunk] = loss;

    /// <summary>Chunk <paramref name="chunk"/>'s summed loss.</summary>
    public double Loss(int chunk) => _losses[chunk];

    /// <summary>The number of chunks of <paramref name="count"/> samples.</summary>
    public static int Chunks(int count) => (count + ChunkRows - 1) / ChunkRows;

    /// <summary>The default degree of parallelism: the machine's logical processors.</summary>
    public static int DefaultDegreeOfParallelism => Environment.ProcessorCount;

    /// <summary>Checks a degree of parallelism that a user sets.</summary>
    public static int CheckDegree(int value, string name) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(name, value,
            $"The degree of parallelism must be at least 1 (1 runs every chunk on the calling thread); got {value}.");

    /// <summary>
    /// Runs every chunk of a training call (forward, loss, backward) on up to <paramref name="maxWorkers"/> workers,
    /// and leaves the gradient of the whole batch in <paramref name="gradients"/> (overwritten). The result does not
    /// depend on the number of workers. Rethrows a chunk's exception after every worker has stopped.
    /// </summary>
    public void RunTraining<TInput>(ReadOnlySpan<TInput> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels,
        int count, Span<float> gradients, int maxWorkers) where TInput : unmanaged =>
        RunTraining(inputs, targets, labels, default, count, gradients, maxWorkers);

    /// <summary>
    /// As <see cref="RunTraining{TInput}(ReadOnlySpan{TInput}, ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float}, int)"/>,
    /// with one weight per sample that the chunks read as <see cref="Weights"/> (empty: every sample weighs 1).
    /// </summary>
    public void RunTraining<TInput>(ReadOnlySpan<TInput> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels,
        ReadOnlySpan<float> weights, int count, Span<float> gradients, int maxWorkers) where TInput : unmanaged
    {
        if (gradients.Length != _gradientLength)
            throw new ArgumentException($"Expected a gradient of {_gradientLength} floats; got {gradients.Length}.", nameof(gradients));
        int chunks = Chunks(count);
        int workers = Math.Max(1, Math.Min(maxWorkers, chunks));
        _interleaved = InterleavedOneReduction;
        _overwrite = _overwrites && !ClearedChunkBuffers;
        Prepare(chunks, workers, training: true);
        PrepareDeferral<TInput>(chunks, count, inputs.Length);
        fixed (TInput* pi = inputs)
        fixed (float* pt = targets)
        fixed (int* pl = labels)
        fixed (float* pw = weights)
        fixed (float* pg = gradients)
        {
            _inputs = pi; _inputsLength = inputs.Length;
            _targets = pt; _targetsLength = targets.Length;
            _labels = pl; _labelsLength = labels.Length;
            _weights = pw; _weightsLength = weights.Length;
            _gradient = pg;
            Count = count;
            try
            {
                Execute(chunks, workers);
            }
            finally
            {
                _inputs = null; _targets = null; _labels = null; _gradient = null;
                _weights = null; _weightsLength = 0;
            }
        }
        Exception? error = _error;
        if (error is null) return;
        _error = null;
        _bufferDirty = true; // a partial chunk gradient: cleared before the next call on one thread uses it
        ExceptionDispatchInfo.Capture(error).Throw();
    }

    /// <summary>
    /// Runs every chunk of an inference call on up to <paramref name="maxWorkers"/> workers; returns
    /// <see langword="false"/>, having run nothing, when the pool is busy (the caller then runs the chunks itself).
    /// </summary>
    public bool TryRunInference<TInput>(ReadOnlySpan<TInput> inputs, Span<float> outputs, int count, int maxWorkers)
        where TInput : unmanaged =>
        TryRun(inputs, default, default, outputs, count, 0f, maxWorkers, out _);

    /// <summary>
    /// Runs every chunk of a loss-only call (the inference forward pass and the loss, as <c>ComputeLoss</c>) on up to
    /// <paramref name="maxWorkers"/> workers and returns, in <paramref name="sum"/>, the chunks' summed losses added in
    /// chunk order (the same bits as one thread); <see langword="false"/>, having run nothing, when the pool is busy.
    /// </summary>
    /// <param name="inputs">The call's inputs.</param>
    /// <param name="targets">Its float targets (empty with labels).</param>
    /// <param name="labels">Its labels (empty with float targets).</param>
    /// <param name="count">The number of samples.</param>
    /// <param name="scale">The loss's scale, set as <see cref="Scale"/> once the pool is held.</param>
    /// <param name="maxWorkers">The most workers.</param>
    /// <param name="sum">The chunks' summed losses.</param>
    public bool TryRunLoss<TInput>(ReadOnlySpan<TInput> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels,
        int count, float scale, int maxWorkers, out double sum) where TInput : unmanaged =>
        TryRun(inputs, targets, labels, default, count, scale, maxWorkers, out sum);

    private bool TryRun<TInput>(ReadOnlySpan<TInput> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels,
        Span<float> outputs, int count, float scale, int maxWorkers, out double sum) where TInput : unmanaged
    {
        sum = 0;
        int chunks = Chunks(count);
        int workers = Math.Min(maxWorkers, chunks);
        if (workers <= 1) return false;
        if (!WorkerPool.Shared.TryEnter()) return false;
        Exception? error;
        try
        {
            // The pool admits one job at a time, so these fields have one writer while it runs.
            if (_losses.Length < chunks) _losses = new double[chunks];
            fixed (TInput* pi = inputs)
            fixed (float* pt = targets)
            fixed (int* pl = labels)
            fixed (float* po = outputs)
            {
                _inputs = pi; _inputsLength = inputs.Length;
                _targets = pt; _targetsLength = targets.Length;
                _labels = pl; _labelsLength = labels.Length;
                _outputs = po; _outputsLength = outputs.Length;
                Count = count;
                Scale = scale;
                Admit(chunks, workers, training: false);
                try
                {
                    WorkerPool.Shared.Run(this, workers);
                }
                finally
                {
                    _inputs = null; _targets = null; _labels = null; _outputs = null;
                }
            }
            error = _error;
            _error = null;
            if (error is null)
                for (int chunk = 0; chunk < chunks; chunk++) sum += _losses[chunk]; // chunk order, as one thread adds them
        }
        finally
        {
            WorkerPool.Shared.Exit();
        }
        if (error is not null) ExceptionDispatchInfo.Capture(error).Throw();
        return true;
    }

    private void Admit(int chunks, int workers, bool training)
    {
        _chunks = chunks;
        _workers = workers;
        _training = training;
        _stepping = false;
        _failed = false;
        _error = null;
    }

    private void Prepare(int chunks, int workers, bool training)
    {
        if (!training) return;
        if (_losses.Length < chunks) _losses = new double[chunks];
        if (_chunkState.Length < chunks * _chunkStateLength) _chunkState = new float[chunks * _chunkStateLength];
        if (_activations.Length < workers)
        {
            int old = _activations.Length;
            Array.Resize(ref _activations, workers);
            Array.Resize(ref _deltas, workers);
            Array.Resize(ref _gradients, workers);
            for (int i = old; i < workers; i++)
            {
                _activations[i] = new AlignedBuffer(_activationLength);
                _deltas[i] = new AlignedBuffer(_activationLength);
                _gradients[i] = new AlignedBuffer(_gradientLength);
            }
        }
        if (OneReduction(chunks, workers))
        {
            // A buffer for each chunk after worker 0's block (worker 0 adds its own chunks as it goes, in _gradients[0]).
            if (_gradients.Length < chunks) Array.Resize(ref _gradients, chunks);
            for (int i = _interleaved ? 1 : BlockStart(1, chunks, workers); i < chunks; i++)
                _gradients[i] ??= new AlignedBuffer(_gradientLength);
        }
    }

    /// <summary>The first chunk of worker <paramref name="slot"/>'s block in a call of one reduction (contiguous blocks).</summary>
    private static int BlockStart(int slot, int chunks, int workers) => (int)((long)chunks * slot / workers);

    /// <summary>
    /// Whether a call of <paramref name="chunks"/> chunks on <paramref name="workers"/> workers keeps a gradient buffer per
    /// chunk and adds them once at the end (one barrier per call) instead of after every round (two per round, and each
    /// round's additions reading the round's buffers again): when there is more than one round and the buffers fit
    /// <see cref="OneReductionBudget"/>. Either way chunk 0's gradient is the network's and the others are added to it in
    /// chunk order, so the bits are the same.
    /// </summary>
    private bool OneReduction(int chunks, int workers) =>
        workers > 1 && chunks > workers && // the buffers it needs: every chunk after worker 0's block, or after chunk 0 dealt in turn
        (long)(_interleaved ? chunks - 1 : chunks - BlockStart(1, chunks, workers)) * _gradientLength <= OneReductionBudget;

    private void Execute(int chunks, int workers)
    {
        if (workers > 1 && WorkerPool.Shared.TryEnter())
        {
            try
            {
                Admit(chunks, workers, training: true);
                _trainingWorkers = workers;
                _oneReduction = OneReduction(chunks, workers);
                _bufferDirty = true; // the workers clear their buffers before a chunk, not after the reduction
                WorkerPool.Shared.Run(this, workers);
            }
            finally
            {
                WorkerPool.Shared.Exit();
            }
            return;
        }
        Admit(chunks, 1, training: true); // one chunk, one worker, or the pool busy: the same rounds on this thread
        _trainingWorkers = 1;
        if (_bufferDirty && chunks > 1 && !_overwrite)
        {
            _gradients[0].Span.Clear(); // one thread clears its buffer as it adds it (AddAndClear)
            _bufferDirty = false;
        }
        if (_overwrite && chunks > 1) _bufferDirty = true; // its buffer keeps the last chunk's gradient
        Worker(0);
    }

    /// <summary>Worker <paramref name="slot"/>'s part of the current job.</summary>
    internal void Worker(int slot)
    {
        int chunks = _chunks, workers = _workers;
        if (_stepping)
        {
            StepWorker(slot);
            return;
        }
        if (!_training)
        {
            for (int chunk = slot; chunk < chunks && !_failed; chunk += workers)
                RunChunk(chunk, slot, default);
            return;
        }
        var gradient = new Span<float>(_gradient, _gradientLength);
        bool shared = workers > 1;
        if (shared && _oneReduction)
        {
            // Worker j runs a contiguous block of chunks. Worker 0 runs chunks 0 … b − 1 as one thread would: chunk 0 into
            // the network's gradient, each later one into its own buffer, added (and cleared) at once, in its cache. Every
            // other worker runs its chunks into buffers of their own; then one barrier, and each worker adds chunks b, b + 1,
            // … in order over its range of the gradient. So the additions are the ones a single thread makes, in its order.
            long time = ParallelProfile.Start();
            if (_interleaved)
            {
                for (int chunk = slot; chunk < chunks && !_failed; chunk += workers)
                {
                    Span<float> target = chunk == 0 ? gradient : _gradients[chunk].Span;
                    if (!_overwrite) target.Clear();
                    ParallelProfile.Lap(slot, ParallelProfile.Clear, ref time);
                    RunChunk(chunk, slot, target);
                    ParallelProfile.Lap(slot, ParallelProfile.Compute, ref time);
                }
                WorkerPool.Shared.Barrier();
                ParallelProfile.Lap(slot, ParallelProfile.Barrier, ref time);
                if (_failed) return;
                int from = Range(slot, workers), to = Range(slot + 1, workers);
                for (int c = 1; c < chunks; c++)
                    Add(gradient.Slice(from, to - from), _gradients[c].Span.Slice(from, to - from));
                ParallelProfile.Lap(slot, ParallelProfile.Reduce, ref time);
                return;
            }
            int firstChunk = BlockStart(slot, chunks, workers), endChunk = BlockStart(slot + 1, chunks, workers);
            if (slot == 0)
            {
                Span<float> own = _gradients[0].Span;
                if (endChunk > 1 && !_overwrite) own.Clear(); // may hold a failed chunk's partial gradient; cleared once, then by AddAndClear
                for (int chunk = 0; chunk < endChunk && !_failed; chunk++)
                {
                    if (chunk == 0)
                    {
                        if (!_overwrite) gradient.Clear();
                        ParallelProfile.Lap(slot, ParallelProfile.Clear, ref time);
                        RunChunk(0, 0, gradient);
                        ParallelProfile.Lap(slot, ParallelProfile.Compute, ref time);
                        continue;
                    }
                    RunChunk(chunk, 0, own);
                    ParallelProfile.Lap(slot, ParallelProfile.Compute, ref time);
                    if (!_failed) AddPart(gradient, own, 0, 1, clear: !_overwrite); // else the next chunk overwrites it
                    ParallelProfile.Lap(slot, ParallelProfile.LocalAdd, ref time);
                }
            }
            else
            {
                for (int chunk = firstChunk; chunk < endChunk && !_failed; chunk++)
                {
                    Span<float> target = _gradients[chunk].Span;
                    if (!_overwrite) target.Clear();
                    ParallelProfile.Lap(slot, ParallelProfile.Clear, ref time);
                    RunChunk(chunk, slot, target);
                    ParallelProfile.Lap(slot, ParallelProfile.Compute, ref time);
                }
            }
            WorkerPool.Shared.Barrier();
            ParallelProfile.Lap(slot, ParallelProfile.Barrier, ref time);
            if (_failed) return; // read after the barrier: every worker sees the same value
            for (int c = BlockStart(1, chunks, workers); c < chunks; c++)
                AddPart(gradient, _gradients[c].Span, slot, workers, clear: false);
            ParallelProfile.Lap(slot, ParallelProfile.Reduce, ref time);
            ComputeDeferred(slot, workers, gradient); // every chunk has run
            return;
        }
        for (int first = 0; first < chunks; first += workers)
        {
            if (_failed) return; // read after a barrier: every worker sees the same value
            int chunk = first + slot;
            if (chunk < chunks)
            {
                Span<float> target = chunk == 0 ? gradient : _gradients[slot].Span;
                // Chunk 0's is the network's gradient, cleared here rather than before the job, alongside the other
                // workers' first chunks. Shared: the others read a worker's buffer in the last round but did not clear it
                // (which would have moved its cache lines to their cores and back); its owner clears it, in its own cache.
                long time = ParallelProfile.Start();
                if ((chunk == 0 || shared) && !_overwrite) target.Clear();
                ParallelProfile.Lap(slot, ParallelProfile.Clear, ref time);
                RunChunk(chunk, slot, target);
                ParallelProfile.Lap(slot, ParallelProfile.Compute, ref time);
            }
            int last = Math.Min(first + workers, chunks); // the round's chunks: first … last − 1
            if (last - first == 1 && first == 0) continue; // chunk 0 alone: its gradient is the network's already
            if (shared) WorkerPool.Shared.Barrier();
            long reduceTime = ParallelProfile.Start();
            if (!_failed)
            {
                // This worker's range of the gradient, whole vectors; the ranges cover it once.
                for (int c = Math.Max(first, 1); c < last; c++)
                    AddPart(gradient, _gradients[c - first].Span, slot, workers, clear: !(shared || _overwrite)); // else overwritten by its next chunk
            }
            ParallelProfile.Lap(slot, shared ? ParallelProfile.Reduce : ParallelProfile.LocalAdd, ref reduceTime);
            if (last == chunks) ComputeDeferred(slot, workers, gradient); // every chunk has run
            // The buffers are free once every worker has added its range; after the last round the job's end waits for that.
            if (shared && last < chunks) WorkerPool.Shared.Barrier();
        }
    }

    /// <summary><c>g += other</c> (element-wise float additions: the same bits as <see cref="AddAndClear"/>'s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Add(Span<float> g, ReadOnlySpan<float> other) =>
        AddCore(g, ref MemoryMarshal.GetReference(other), clear: false);

    /// <summary><c>g += own; own = 0</c> in one pass (element-wise float additions: the same bits at any vector width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddAndClear(Span<float> g, Span<float> own) =>
        AddCore(g, ref MemoryMarshal.GetReference(own), clear: true);

    /// <summary>
    /// <see cref="Add"/>'s and <see cref="AddAndClear"/>'s loop: inlined into each with <paramref name="clear"/> a
    /// constant, so each compiles to its own loop without the test.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddCore(Span<float> g, ref float or, bool clear)
    {
        int i = 0, length = g.Length;
        ref float gr = ref MemoryMarshal.GetReference(g);
        if (Vector.IsHardwareAccelerated)
        {
            int n = Vector<float>.Count;
            for (; i <= length - n; i += n)
            {
                ref byte gb = ref Unsafe.As<float, byte>(ref Unsafe.Add(ref gr, i));
                ref byte ob = ref Unsafe.As<float, byte>(ref Unsafe.Add(ref or, i));
                Unsafe.WriteUnaligned(ref gb, Unsafe.ReadUnaligned<Vector<float>>(ref gb) + Unsafe.ReadUnaligned<Vector<float>>(ref ob));
                if (clear) Unsafe.WriteUnaligned(ref ob, Vector<float>.Zero);
            }
        }
        for (; i < length; i++)
        {
            Unsafe.Add(ref gr, i) += Unsafe.Add(ref or, i);
            if (clear) Unsafe.Add(ref or, i) = 0f;
        }
    }

    private int Range(int part, int parts) =>
        part == parts ? _gradientLength : (int)((long)_gradientLength * part / parts) & ~(LayoutArithmetic.WidthAlignment - 1);

    private void RunChunk(int chunk, int slot, Span<float> gradients)
    {
        try
        {
            _body(this, chunk, slot, gradients);
        }
        catch (Exception exception)
        {
            lock (_errorLock)
            {
                if (_error is null || chunk < _errorChunk)
                {
                    _error = exception;
                    _errorChunk = chunk;
                }
            }
            _failed = true;
        }
    }
}
