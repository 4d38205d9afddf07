using System;
using System.Diagnostics;
using EdgeOnnx;

// An ONNX model on the edge: the Fashion-MNIST CNN imported from fashion_cnn.onnx at build time, in a NativeAOT binary
// that needs no model file and no ONNX runtime. Reports start-up, batch-1 latency and allocations (docs/edge.md).
//   dotnet publish samples/EdgeOnnx -c Release -r linux-x64 -o out/edge-onnx && out/edge-onnx/EdgeOnnx
//   EdgeOnnx --startup-only      exits after the first inference (to time whole runs from outside)

long mainTimestamp = Stopwatch.GetTimestamp();
bool startupOnly = args.Length == 1 && args[0] == "--startup-only";
if (args.Length > 0 && !startupOnly)
{
    Console.Error.WriteLine($"Unexpected argument '{args[0]}'. usage: EdgeOnnx [--startup-only]");
    return 2;
}

// 1. Start-up: construct the network (its weights come from the model embedded in the binary) and run one image.
var network = new FashionCnnOnnx();
double constructed = Stopwatch.GetElapsedTime(mainTimestamp).TotalMilliseconds;
float[] image = new float[FashionCnnOnnx.InputSize];
for (int i = 0; i < image.Length; i++) image[i] = (i * 37 % 256) / 255f; // the benchmarks' check input
float[] logits = new float[FashionCnnOnnx.OutputSize];
network.Forward(image, logits);
double sinceMain = Stopwatch.GetElapsedTime(mainTimestamp).TotalMilliseconds;

// PyTorch's logits for that input (benchmarks/pytorch/export_cnn_onnx.py prints them; its weights are seeded, untrained).
ReadOnlySpan<float> expected = [-0.037913f, 0.024055f, 0.048765f, 0.088274f, 0.011396f, -0.015331f, 0.012314f, 0.018080f, -0.076650f, 0.007838f];
float worst = 0;
for (int j = 0; j < expected.Length; j++) worst = MathF.Max(worst, MathF.Abs(logits[j] - expected[j]));
bool ok = worst <= 1e-5f;
Console.WriteLine($"First inference: logits match PyTorch's to {worst:E1} ({(ok ? "OK" : "FAILED: expected 1e-5")}); " +
                  $"{sinceMain:F2} ms from Main (constructor {constructed:F2} ms)");
if (startupOnly) return ok ? 0 : 1;

// 2. Latency: batch-1 Forward on one thread, one warm-up round, then the median of 9 rounds of 2,000 calls;
//    allocations: this thread's allocated bytes over every timed call.
const int Calls = 2_000, Rounds = 9;
double[] rounds = new double[Rounds], cpuRounds = new double[Rounds];
long allocated = 0;
for (int round = -1; round < Rounds; round++)
{
    long bytes = GC.GetAllocatedBytesForCurrentThread();
    long start = Stopwatch.GetTimestamp();
    long cpuStart = ThreadCpuNanoseconds();
    for (int c = 0; c < Calls; c++)
    {
        image[c % image.Length] += 1e-3f; // a different image every call
        network.Forward(image, logits);
    }
    double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / Calls;
    double cpuNs = (double)(ThreadCpuNanoseconds() - cpuStart) / Calls;
    if (round >= 0)
    {
        rounds[round] = ns;
        cpuRounds[round] = cpuNs;
        allocated += GC.GetAllocatedBytesForCurrentThread() - bytes;
    }
}
Array.Sort(rounds);
Array.Sort(cpuRounds);
Console.WriteLine($"Latency: {rounds[Rounds / 2] / 1000:F1} µs per inference (median of {Rounds} rounds of {Calls:N0}; fastest round {rounds[0] / 1000:F1} µs); " +
                  $"thread CPU time {cpuRounds[Rounds / 2] / 1000:F1} µs (fastest round {cpuRounds[0] / 1000:F1} µs)");
Console.WriteLine($"Allocated: {(double)allocated / (Rounds * Calls):F1} bytes per inference");
ok &= allocated == 0;
Console.WriteLine(ok ? "OK" : "FAILED");
return ok ? 0 : 1;

// This thread's CPU time (Linux CLOCK_THREAD_CPUTIME_ID; elsewhere the Stopwatch): on a shared machine, time spent
// descheduled does not count.
static long ThreadCpuNanoseconds()
{
    if (OperatingSystem.IsLinux() && ClockGetTime(3, out TimeSpec now) == 0) return now.Seconds * 1_000_000_000 + now.Nanoseconds;
    return (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
}

[System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
static extern int ClockGetTime(int clock, out TimeSpec time);

/// <summary>struct timespec on 64-bit Linux.</summary>
internal struct TimeSpec
{
    public long Seconds;
    public long Nanoseconds;
}
