using System;

namespace StaticNet.Tests;

/// <summary>How the allocation tests count: the quietest of a few windows, so that only a per-call allocation fails.</summary>
internal static class Allocations
{
    /// <summary>
    /// The fewest bytes the current thread allocates over a window of <paramref name="calls"/> calls, among up to five
    /// windows after <paramref name="warmUp"/> calls (the first call allocates per-thread scratch and optimizer state).
    /// A call that allocates does so in every window; a one-off allocation by the runtime on this thread (a few KB while
    /// it tiers up methods, seen now and then when the whole suite runs in parallel) shows in one window only.
    /// </summary>
    public static long Fewest(Action action, int calls, int warmUp = 1)
    {
        for (int i = 0; i < warmUp; i++) action();
        long fewest = long.MaxValue;
        for (int window = 0; window < 5 && fewest > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) action();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
