using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// Per-phase CPU time (the thread's, <c>CLOCK_THREAD_CPUTIME_ID</c>, on Linux; wall time elsewhere) of the parallel
/// training path, per worker, for the benchmarks' <c>--parallel-diag</c> (issue 20):
/// off unless the environment variable <c>STATICNET_PARALLEL_PROFILE</c> is <c>1</c> when the process starts (then the JIT
/// removes every call, since <see cref="Enabled"/> is a static readonly field).
/// </summary>
internal static class ParallelProfile
{
    /// <summary>Whether the phases are timed.</summary>
    internal static readonly bool Enabled = Environment.GetEnvironmentVariable("STATICNET_PARALLEL_PROFILE") == "1";

    /// <summary>The phases.</summary>
    internal const int Compute = 0, Clear = 1, LocalAdd = 2, Barrier = 3, Reduce = 4, Norm = 5, StepBarrier = 6, Update = 7, Deferred = 8, Count = 9;

    /// <summary>The phases' names, in order.</summary>
    internal static readonly string[] Names = { "chunks", "clear", "local add", "barrier", "reduce", "norm", "step barriers", "update", "deferred dW" };

    private const int Stride = 16; // longs per worker: its phases on their own cache lines
    private const int MaxSlots = 16;

    /// <summary>Nanoseconds per worker and phase (<c>slot · 16 + phase</c>).</summary>
    internal static readonly long[] Ticks = new long[MaxSlots * Stride];

    /// <summary>The current timestamp, or 0 when off.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long Start() => Enabled ? Now() : 0;

    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static readonly bool ThreadClock = Enabled && RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

    /// <summary>Nanoseconds of this thread's CPU time on Linux, else Stopwatch ticks converted to nanoseconds.</summary>
    private static long Now()
    {
        if (ThreadClock && ClockGetTime(3, out TimeSpec time) == 0) return time.Seconds * 1_000_000_000 + time.Nanoseconds;
        return (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
    }

    /// <summary>Charges the time since <paramref name="time"/> to <paramref name="phase"/> of <paramref name="slot"/>, and restarts it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Lap(int slot, int phase, ref long time)
    {
        if (!Enabled || slot >= MaxSlots) return;
        long now = Now();
        Ticks[slot * Stride + phase] += now - time;
        time = now;
    }

    /// <summary>Microseconds of <paramref name="phase"/> on <paramref name="slot"/> since the last <see cref="Reset"/>.</summary>
    internal static double Microseconds(int slot, int phase) => Ticks[slot * Stride + phase] / 1e3;

    /// <summary>Zeroes the counters.</summary>
    internal static void Reset() => Array.Clear(Ticks, 0, Ticks.Length);
}
