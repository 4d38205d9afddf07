using System;
using System.Threading;

namespace StaticNet.Kernels;

/// <summary>
/// The process-wide pool of persistent worker threads that <see cref="ParallelBatch"/> runs chunks on. One job at a time:
/// a caller that finds the pool busy (another network training or inferring in parallel on another thread, or a call
/// from inside a job) runs its chunks on its own thread instead, which gives the same bits. Threads are created on the
/// first job that needs them and live for the process (background threads); waiting is a short spin, then a
/// <see cref="Monitor"/> wait, so an idle pool costs nothing and a loaded machine is not burnt by spinning. Nothing is
/// allocated per job.
/// </summary>
internal sealed class WorkerPool
{
    /// <summary>Spins of <see cref="SpinWait"/> (without sleeping) before a waiter blocks.</summary>
    private const int SpinsBeforeBlocking = 60;

    public static readonly WorkerPool Shared = new();

    private readonly object _gate = new();
    private readonly object _doneGate = new();
    private readonly object _barrierGate = new();
    private Thread[] _threads = Array.Empty<Thread>();
    private int _busy;
    private ParallelBatch? _job;
    private int _active;
    private int _generation;
    private int _pending;
    private int _barrierCount, _barrierRemaining, _barrierPhase, _barrierSleepers;

    /// <summary>The number of jobs run on the pool (for tests: whether a call ran in parallel).</summary>
    internal long JobsRun { get; private set; }

    /// <summary>
    /// The bytes the worker threads (not the callers) had allocated when each last finished a job, summed: for the
    /// allocation tests, which can only count the calling thread's own.
    /// </summary>
    internal long WorkerAllocatedBytes
    {
        get
        {
            long sum = 0;
            long[] allocated = _allocated;
            for (int i = 0; i < allocated.Length; i++) sum += Volatile.Read(ref allocated[i]);
            return sum;
        }
    }

    private long[] _allocated = Array.Empty<long>();

    /// <summary>Takes the pool for one job; <see langword="false"/> if another job holds it.</summary>
    public bool TryEnter() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    /// <summary>Gives the pool back.</summary>
    public void Exit() => Volatile.Write(ref _busy, 0);

    /// <summary>
    /// Runs <c>job.Worker(0 … workers − 1)</c>, worker 0 on the calling thread, and returns once every worker has
    /// returned. The caller holds the pool (<see cref="TryEnter"/>).
    /// </summary>
    public void Run(ParallelBatch job, int workers)
    {
        JobsRun++;
        EnsureThreads(workers - 1);
        _job = job;
        _active = workers;
        _barrierCount = _barrierRemaining = workers;
        Volatile.Write(ref _pending, workers - 1);
        lock (_gate)
        {
            _generation++;
            Monitor.PulseAll(_gate);
        }
        try
        {
            job.Worker(0);
        }
        finally
        {
            WaitUntilDone();
            _job = null;
        }
    }

    /// <summary>Waits until every worker of the current job has reached this point as often as the caller has.</summary>
    public void Barrier()
    {
        int phase = Volatile.Read(ref _barrierPhase);
        if (Interlocked.Decrement(ref _barrierRemaining) == 0)
        {
            _barrierRemaining = _barrierCount;
            lock (_barrierGate)
            {
                Volatile.Write(ref _barrierPhase, phase + 1);
                if (_barrierSleepers > 0) Monitor.PulseAll(_barrierGate);
            }
            return;
        }
        var spin = new SpinWait();
        for (int i = 0; i < SpinsBeforeBlocking; i++)
        {
            if (Volatile.Read(ref _barrierPhase) != phase) return;
            Spin(ref spin);
        }
        lock (_barrierGate)
        {
            _barrierSleepers++;
            while (Volatile.Read(ref _barrierPhase) == phase) Monitor.Wait(_barrierGate);
            _barrierSleepers--;
        }
    }

    private void WaitUntilDone()
    {
        var spin = new SpinWait();
        for (int i = 0; i < SpinsBeforeBlocking; i++)
        {
            if (Volatile.Read(ref _pending) == 0) return;
            Spin(ref spin);
        }
        lock (_doneGate)
            while (Volatile.Read(ref _pending) != 0) Monitor.Wait(_doneGate);
    }

    private static void Spin(ref SpinWait spin)
    {
#if NET8_0_OR_GREATER
        spin.SpinOnce(-1); // never Sleep(1): a millisecond is longer than a chunk
#else
        spin.SpinOnce();
#endif
    }

    private void EnsureThreads(int count)
    {
        if (_threads.Length >= count) return;
        var threads = new Thread[count];
        Array.Copy(_threads, threads, _threads.Length);
        for (int i = _threads.Length; i < count; i++)
        {
            int index = i + 1;
            threads[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = "StaticNet worker " + index };
            threads[i].Start();
        }
        var allocated = new long[count];
        Array.Copy(_allocated, allocated, _allocated.Length);
        _allocated = allocated;
        _threads = threads;
    }

    private void Loop(int index)
    {
        int seen = 0;
        while (true)
        {
            seen = WaitForJob(seen);
            if (index >= Volatile.Read(ref _active)) continue;
            try
            {
                _job!.Worker(index); // catches the chunks' exceptions itself
            }
            finally
            {
#if NET8_0_OR_GREATER
                Volatile.Write(ref _allocated[index - 1], GC.GetAllocatedBytesForCurrentThread());
#endif
                if (Interlocked.Decrement(ref _pending) == 0)
                    lock (_doneGate) Monitor.PulseAll(_doneGate);
            }
        }
    }

    private int WaitForJob(int seen)
    {
        var spin = new SpinWait();
        for (int i = 0; i < SpinsBeforeBlocking; i++)
        {
            int generation = Volatile.Read(ref _generation);
            if (generation != seen) return generation;
            Spin(ref spin);
        }
        lock (_gate)
        {
            while (Volatile.Read(ref _generation) == seen) Monitor.Wait(_gate);
            return _generation;
        }
    }
}
