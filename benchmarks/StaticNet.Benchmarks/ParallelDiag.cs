using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using FashionMnistCnn;
using Microsoft.Win32.SafeHandles;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--parallel-diag [rounds] [pin]</c> (issue 20): the 2-core speed-up of the MLP and the Fashion-MNIST CNN Adam steps at
/// batch 256, with what the Linux scheduler did to the two threads. Rounds of 1-worker and 2-worker steps alternate
/// (MLP: 10 steps a round, CNN: 2); every 2-worker step records, from <c>/proc/self/task/*/schedstat</c> and
/// <c>stat</c>, the worker thread's run time and its time runnable but waiting for a CPU, the vCPU each thread was on at
/// the end of the step (<c>sched_getcpu</c> for the caller, the <c>processor</c> field for the worker), and the process's
/// CPU time (<c>CLOCK_PROCESS_CPUTIME_ID</c>). Prints the speed-up of the medians and of the minima, the CPU time per
/// step over both threads, and the per-round detail. <c>pin</c> binds the calling thread to vCPU 0 and the worker to
/// vCPU 1 (<c>sched_setaffinity</c>), to test whether the threads' placement explains a slow round. Public API only, so
/// that it builds against older commits for a before/after comparison.
/// </summary>
internal static class ParallelDiag
{
    [DllImport("libc", EntryPoint = "sched_getcpu")]
    private static extern int SchedGetCpu();

    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nint size, ref ulong mask);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();

    private static double Cpu(int clock) => ParallelCpu.Cpu(clock);

    private static readonly byte[] Buffer = new byte[1024];

    /// <summary>The first <paramref name="count"/> numbers of a /proc file (0 for a field that is not a number).</summary>
    private static int ReadFields(SafeFileHandle file, long[] fields, int count, int skipAfterParen = 0)
    {
        int n = RandomAccess.Read(file, Buffer, 0);
        int i = 0;
        if (skipAfterParen > 0)
        {
            // /proc/.../stat: "pid (comm) state …": start after the last ')'.
            int close = Array.LastIndexOf(Buffer, (byte)')', n - 1);
            i = close + 1;
        }
        int f = 0;
        while (f < count && i < n)
        {
            while (i < n && (Buffer[i] == ' ' || Buffer[i] == '\n')) i++;
            long v = 0;
            bool number = true;
            while (i < n && Buffer[i] != ' ' && Buffer[i] != '\n')
            {
                if (Buffer[i] >= '0' && Buffer[i] <= '9') v = v * 10 + (Buffer[i] - '0');
                else number = false;
                i++;
            }
            fields[f++] = number ? v : 0;
        }
        return f;
    }

    private static long StatusField(int tid, string name)
    {
        foreach (string line in File.ReadAllLines($"/proc/self/task/{tid}/status"))
            if (line.StartsWith(name, StringComparison.Ordinal)) return long.Parse(line.Substring(name.Length).Trim());
        return 0;
    }

    /// <summary>Adds the profile's counters of <paramref name="slots"/> workers to <paramref name="phases"/> from row <paramref name="row"/>, and resets them.</summary>
    private static void Collect(double[,] phases, int row, int slots)
    {
        if (!StaticNet.Kernels.ParallelProfile.Enabled) return;
        for (int slot = 0; slot < slots; slot++)
            for (int k = 0; k < StaticNet.Kernels.ParallelProfile.Count; k++)
                phases[row + slot, k] += StaticNet.Kernels.ParallelProfile.Microseconds(slot, k);
        StaticNet.Kernels.ParallelProfile.Reset();
    }

    /// <summary>The machine's steal time (the hypervisor running something else on a vCPU), in USER_HZ ticks.</summary>
    private static long Steal()
    {
        string line = File.ReadLines("/proc/stat").GetEnumerator() is var e && e.MoveNext() ? e.Current : "";
        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length > 8 ? long.Parse(parts[8]) : 0;
    }

    /// <summary>The microseconds vCPU <paramref name="cpu"/> has spent idle (cpuidle's states).</summary>
    private static long Idle(int cpu)
    {
        long sum = 0;
        for (int state = 0; Directory.Exists($"/sys/devices/system/cpu/cpu{cpu}/cpuidle/state{state}"); state++)
            sum += long.Parse(File.ReadAllText($"/sys/devices/system/cpu/cpu{cpu}/cpuidle/state{state}/time").Trim());
        return sum;
    }

    private static int FindWorker()
    {
        foreach (string dir in Directory.GetDirectories("/proc/self/task"))
        {
            string comm = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
            if (comm.StartsWith("StaticNet worke", StringComparison.Ordinal)) return int.Parse(Path.GetFileName(dir));
        }
        return -1;
    }

    public static void Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
        bool pin = args.Length > 2 && args[2] == "pin";
        bool nudge = args.Length > 2 && args[2] == "nudge";
        bool defers = args.Length > 2 && args[2] == "defer"; // A/B of issue 20's deferred weight gradient: also 2 and 1 workers with it computed in the chunks
        bool clears = defers || args.Length > 2 && args[2] == "clears"; // A/B of issue 20's overwriting chunks: also 2 and 1 workers with cleared chunk buffers
        bool ab = clears || args.Length > 2 && args[2] == "ab"; // also 2 workers with the interleaved one reduction (before session 2), alternated // experiment: move the worker off the caller's vCPU when they share one
        const int batch = 256;
        int caller = GetTid();
        Console.WriteLine($"Processors: {Environment.ProcessorCount}; batch 256, Adam; {rounds} alternated rounds (MLP 10 steps, CNN 2); " +
            $"ms per step{(pin ? "; threads pinned: caller vCPU 0, worker vCPU 1" : "")}; " +
            $"TieredCompilation={Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") ?? "default"}, " +
            $"TieredPGO={Environment.GetEnvironmentVariable("DOTNET_TieredPGO") ?? "default"}");
        if (pin)
        {
            ulong mask = 1;
            SchedSetAffinity(0, 8, ref mask);
        }
        var summary = new System.Text.StringBuilder();
        foreach (string network in new[] { "MLP", "CNN" })
        {
            int calls = network == "MLP" ? 10 : 2;
            var steps = new Func<float>[2];
            for (int w = 1; w <= 2; w++)
            {
                float[][] x = new float[4][];
                int[][] labels = new int[4][];
                for (int i = 0; i < 4; i++)
                {
                    x[i] = BenchmarkData.Random(batch * 784, 10 + i);
                    labels[i] = BenchmarkData.Labels(batch, 10, 30 + i);
                }
                var adam = new Adam(1e-3f);
                int step = 0;
                if (network == "MLP")
                {
                    var mlp = new MnistMlp(1) { MaxDegreeOfParallelism = w };
                    steps[w - 1] = () => { int i = step++ & 3; return mlp.TrainStep(x[i], labels[i], adam); };
                }
                else
                {
                    var cnn = new FashionCnn(1) { MaxDegreeOfParallelism = w };
                    steps[w - 1] = () => { int i = step++ & 3; return cnn.TrainStep(x[i], labels[i], adam); };
                }
            }
            for (int i = 0; i < 20; i++) { steps[0](); steps[1](); }
            if (ab)
            {
                Variant(true);
                for (int i = 0; i < 20; i++) { steps[1](); steps[0](); }
                Variant(false);
            }
            void Variant(bool on)
            {
                if (defers) StaticNet.Kernels.ParallelBatch.DeferralDisabled = on;
                else if (clears) StaticNet.Kernels.ParallelBatch.ClearedChunkBuffers = on;
                else StaticNet.Kernels.ParallelBatch.InterleavedOneReduction = on;
            }
            StaticNet.Kernels.ParallelProfile.Reset();
            int worker = FindWorker();
            if (worker < 0) { Console.WriteLine("no worker thread found"); return; }
            if (pin)
            {
                ulong mask = 2;
                if (SchedSetAffinity(worker, 8, ref mask) != 0) Console.WriteLine($"sched_setaffinity failed: {Marshal.GetLastWin32Error()}");
            }
            using SafeFileHandle workerSched = File.OpenHandle($"/proc/self/task/{worker}/schedstat");
            using SafeFileHandle workerStat = File.OpenHandle($"/proc/self/task/{worker}/stat");
            using SafeFileHandle callerSched = File.OpenHandle($"/proc/self/task/{caller}/schedstat");
            var fields = new long[40];
            var wall = new double[4, rounds];
            var cpu = new double[4, rounds];
            var workerRun = new double[rounds];
            var workerWait = new double[rounds];
            var callerWait = new double[rounds];
            var sameCpu = new int[rounds];
            var switches = new long[rounds];
            var gcs = new int[rounds];
            var steal = new double[rounds];
            var idle = new double[2, rounds];
            var phases = new double[6, StaticNet.Kernels.ParallelProfile.Count]; // 1 worker; 2 workers: slot 0, slot 1 (µs, all rounds)
            for (int r = 0; r < rounds; r++)
            {
                for (int w = 0; w < (clears ? 4 : ab ? 3 : 2); w++)
                {
                    Func<float> body = steps[w == 3 ? 0 : Math.Min(w, 1)];
                    if (w != 1)
                    {
                        Variant(w >= 2);
                        double p0 = Cpu(2);
                        long start = Stopwatch.GetTimestamp();
                        for (int i = 0; i < calls; i++) body();
                        wall[w, r] = (Stopwatch.GetTimestamp() - start) * 1e3 / Stopwatch.Frequency / calls;
                        cpu[w, r] = (Cpu(2) - p0) / calls;
                        Variant(false);
                        Collect(phases, w == 0 ? 0 : w == 3 ? 5 : 3, w == 2 ? 2 : 1);
                        continue;
                    }
                    long nvcsw = StatusField(worker, "nonvoluntary_ctxt_switches:");
                    int gc = GC.CollectionCount(0);
                    long steal0 = Steal();
                    long idle0 = Idle(0), idle1 = Idle(1);
                    double wallSum = 0, cpuSum = 0;
                    ReadFields(workerSched, fields, 2);
                    long run0 = fields[0], wait0 = fields[1];
                    ReadFields(callerSched, fields, 2);
                    long cwait0 = fields[1];
                    for (int i = 0; i < calls; i++)
                    {
                        double p0 = Cpu(2);
                        long start = Stopwatch.GetTimestamp();
                        body();
                        wallSum += (Stopwatch.GetTimestamp() - start) * 1e3 / Stopwatch.Frequency;
                        cpuSum += Cpu(2) - p0;
                        int mine = SchedGetCpu();
                        ReadFields(workerStat, fields, 37, skipAfterParen: 1); // after "(comm)": field 3 is index 0, processor (39) is 36
                        if (fields[36] == mine)
                        {
                            sameCpu[r]++;
                            if (nudge)
                            {
                                ulong others = 3UL & ~(1UL << mine), all = 3;
                                SchedSetAffinity(worker, 8, ref others);
                                SchedSetAffinity(worker, 8, ref all);
                            }
                        }
                    }
                    wall[1, r] = wallSum / calls;
                    cpu[1, r] = cpuSum / calls;
                    ReadFields(workerSched, fields, 2);
                    workerRun[r] = (fields[0] - run0) / 1e6 / calls;
                    workerWait[r] = (fields[1] - wait0) / 1e6 / calls;
                    ReadFields(callerSched, fields, 2);
                    callerWait[r] = (fields[1] - cwait0) / 1e6 / calls;
                    switches[r] = StatusField(worker, "nonvoluntary_ctxt_switches:") - nvcsw;
                    gcs[r] = GC.CollectionCount(0) - gc;
                    Collect(phases, 1, 2);
                    steal[r] = (Steal() - steal0) * 10.0; // USER_HZ ticks of 10 ms, over the round's steps
                    idle[0, r] = (Idle(0) - idle0) / 1e3 / calls;
                    idle[1, r] = (Idle(1) - idle1) / 1e3 / calls;
                }
            }
            double Median(double[,] s, int w)
            {
                var v = new double[rounds];
                for (int r = 0; r < rounds; r++) v[r] = s[w, r];
                Array.Sort(v);
                return v[rounds / 2];
            }
            double Min(double[,] s, int w)
            {
                double m = double.MaxValue;
                for (int r = 0; r < rounds; r++) m = Math.Min(m, s[w, r]);
                return m;
            }
            double oneCpu = Median(cpu, 0);
            double Mean(double[,] s, int w) { double t = 0; for (int r = 0; r < rounds; r++) t += s[w, r]; return t / rounds; }
            int packed = 0;
            for (int r = 0; r < rounds; r++) if (sameCpu[r] * 2 > calls) packed++;
            Console.WriteLine($"{network} batch 256, per 2-worker round: wall, CPU (both threads), worker run, worker waiting for a CPU, caller waiting, " +
                "steps ending with both threads on one vCPU, worker's involuntary switches, gen-0 GCs, steal ms over the round, idle ms per step of vCPU 0 and 1; * = CPU > 1.2 × the 1-worker median");
            for (int r = 0; r < rounds; r++)
                Console.WriteLine($"  r{r,-3} 1w {wall[0, r],7:F3} cpu {cpu[0, r],7:F3} | 2w {wall[1, r],7:F3} cpu {cpu[1, r],7:F3}{(cpu[1, r] > 1.2 * oneCpu ? "*" : " ")} " +
                    $"wrun {workerRun[r],7:F3} wwait {workerWait[r],6:F3} cwait {callerWait[r],6:F3} same {sameCpu[r]}/{calls} nvcsw {switches[r]} gc {gcs[r]} steal {steal[r]:F0} idle {idle[0, r]:F3} {idle[1, r]:F3}");
            string line = $"{network} batch 256: 1 worker {Median(wall, 0):F3} / {Min(wall, 0):F3} ms (CPU {oneCpu:F3}), " +
                $"2 workers {Median(wall, 1):F3} / {Min(wall, 1):F3} ms (CPU {Median(cpu, 1):F3}, ×{Median(cpu, 1) / oneCpu:F3}): " +
                $"speed-up {Median(wall, 0) / Median(wall, 1):F2}× (medians), {Min(wall, 0) / Min(wall, 1):F2}× (minima); " +
                $"mean CPU 2w/1w ×{Mean(cpu, 1) / Mean(cpu, 0):F3}; rounds with both threads on one vCPU: {packed}/{rounds}";
            summary.AppendLine(line);
            if (clears)
                summary.AppendLine($"  {network} A/B, same process, alternated: {(defers ? "deferred weight gradient" : "chunks overwrite their buffers")}: 1 worker {Median(wall, 0):F3} / {Min(wall, 0):F3} ms (CPU {Median(cpu, 0):F3}), " +
                    $"2 workers {Median(wall, 1):F3} / {Min(wall, 1):F3} ms (CPU {Median(cpu, 1):F3}, mean {Mean(cpu, 1):F3}); {(defers ? "in the chunks" : "cleared buffers")} (before): 1 worker {Median(wall, 3):F3} / {Min(wall, 3):F3} ms (CPU {Median(cpu, 3):F3}), " +
                    $"2 workers {Median(wall, 2):F3} / {Min(wall, 2):F3} ms (CPU {Median(cpu, 2):F3}, mean {Mean(cpu, 2):F3}); speed-ups {Median(wall, 0) / Median(wall, 1):F2}× against {Median(wall, 3) / Median(wall, 2):F2}×; " +
                    $"1-worker CPU {Median(cpu, 0) / Median(cpu, 3):F3}× before's");
            else if (ab)
                summary.AppendLine($"  {network} A/B, same process, alternated: 2 workers, contiguous blocks {Median(wall, 1):F3} / {Min(wall, 1):F3} ms (CPU {Median(cpu, 1):F3}, mean {Mean(cpu, 1):F3}); " +
                    $"interleaved (before) {Median(wall, 2):F3} / {Min(wall, 2):F3} ms (CPU {Median(cpu, 2):F3}, mean {Mean(cpu, 2):F3}); speed-ups {Median(wall, 0) / Median(wall, 1):F2}× against {Median(wall, 0) / Median(wall, 2):F2}×");
            if (StaticNet.Kernels.ParallelProfile.Enabled)
            {
                string p = $"  {network} phases, µs per step (CPU time of each thread, all rounds):";
                for (int k = 0; k < StaticNet.Kernels.ParallelProfile.Count; k++)
                    p += $" {StaticNet.Kernels.ParallelProfile.Names[k]} {phases[0, k] / (rounds * calls):F1} | {phases[1, k] / (rounds * calls):F1} + {phases[2, k] / (rounds * calls):F1};";
                summary.AppendLine(p + " (1 worker | 2 workers: caller + worker)");
                if (ab)
                {
                    p = $"  {network} phases, {(defers ? "weight gradient in the chunks" : clears ? "cleared buffers" : "interleaved")} (before):";
                    for (int k = 0; k < StaticNet.Kernels.ParallelProfile.Count; k++)
                        p += $" {StaticNet.Kernels.ParallelProfile.Names[k]} {(clears ? $"{phases[5, k] / (rounds * calls):F1} | " : "")}{phases[3, k] / (rounds * calls):F1} + {phases[4, k] / (rounds * calls):F1};";
                    summary.AppendLine(p + (clears ? " (1 worker | 2 workers: caller + worker)" : ""));
                }
            }
        }
        Console.Write(summary.ToString());
    }
}
