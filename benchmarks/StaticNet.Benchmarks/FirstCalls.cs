using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--first-calls</c>: the time per <c>Forward</c> of a fresh network over its first three seconds in a new process
/// (issue 16). .NET first compiles a method unoptimised and swaps in optimised code after ~30 calls and a 100 ms pause
/// in new compilations; a host that keeps compiling (a game loading levels, other libraries starting) keeps restarting
/// that pause. Run it with <c>DOTNET_TC_CallCountingDelayMs=10000</c> to stand for such a host: a member that is not
/// <c>AggressiveOptimization</c> then stays unoptimised for the whole run.
/// </summary>
internal static class FirstCalls
{
    public static void Run()
    {
        var small = new SmallMlp(1);
        var mnist = new MnistMlp(1);
        float[] smallInput = BenchmarkData.Random(16, 1), mnistInput = BenchmarkData.Random(784, 2);
        float[] smallOutput = new float[4], mnistOutput = new float[10];
        Console.WriteLine($"DOTNET_TC_CallCountingDelayMs = {Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs") ?? "unset (100)"}");
        var smallTimes = new List<(double Seconds, double Nanoseconds)>();
        var mnistTimes = new List<(double Seconds, double Nanoseconds)>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 3)
        {
            smallTimes.Add((clock.Elapsed.TotalSeconds, Time(small, smallInput, smallOutput, 2000)));
            mnistTimes.Add((clock.Elapsed.TotalSeconds, Time(mnist, mnistInput, mnistOutput, 200)));
        }
        Console.WriteLine("Forward, ns per call (median of the blocks that started in each interval)");
        Console.WriteLine($"{"interval",-12} {"16-64-64-4",12} {"784-128-10",12}");
        double[] edges = { 0, 0.05, 0.2, 0.5, 1, 2, 3 };
        for (int i = 0; i + 1 < edges.Length; i++)
            Console.WriteLine($"{edges[i] + "-" + edges[i + 1] + " s",-12} {Median(smallTimes, edges[i], edges[i + 1]),12:F1} {Median(mnistTimes, edges[i], edges[i + 1]),12:F1}");
    }

    // The timing loops themselves are compiled optimised at once, so that only the network's own members can differ.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Time(SmallMlp network, float[] input, float[] output, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) network.Forward(input, output);
        return (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency / calls;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Time(MnistMlp network, float[] input, float[] output, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) network.Forward(input, output);
        return (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency / calls;
    }

    private static double Median(List<(double Seconds, double Nanoseconds)> times, double from, double to)
    {
        var selected = times.FindAll(t => t.Seconds >= from && t.Seconds < to).ConvertAll(t => t.Nanoseconds);
        if (selected.Count == 0) return double.NaN;
        selected.Sort();
        return selected[selected.Count / 2];
    }
}
