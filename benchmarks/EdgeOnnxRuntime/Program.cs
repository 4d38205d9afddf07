using System;
using System.Diagnostics;
using System.IO;
using Microsoft.ML.OnnxRuntime;

// The same measurements as samples/EdgeOnnx, with the model in ONNX Runtime's C# API in its fastest configuration for
// batch 1: one intra-op and one inter-op thread (no spinning), sequential execution, all graph optimisations, and the
// input and output OrtValues created once over pre-allocated arrays and bound once (OrtIoBinding), so a call is
// RunWithBinding alone.
//   dotnet publish benchmarks/EdgeOnnxRuntime -c Release -r linux-x64 --self-contained false -o out/edge-ort
//   dotnet publish benchmarks/EdgeOnnxRuntime -c Release -r linux-x64 --self-contained true -o out/edge-ort-sc
//   EdgeOnnxRuntime [--startup-only]   loads fashion_cnn.onnx from beside the executable

long mainTimestamp = Stopwatch.GetTimestamp();
bool startupOnly = args.Length == 1 && args[0] == "--startup-only";
if (args.Length > 0 && !startupOnly)
{
    Console.Error.WriteLine($"Unexpected argument '{args[0]}'. usage: EdgeOnnxRuntime [--startup-only]");
    return 2;
}

using var options = new SessionOptions
{
    IntraOpNumThreads = 1,
    InterOpNumThreads = 1,
    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
};
options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
using var session = new InferenceSession(Path.Combine(AppContext.BaseDirectory, "fashion_cnn.onnx"), options);
float[] image = new float[784];
for (int i = 0; i < image.Length; i++) image[i] = (i * 37 % 256) / 255f; // the benchmarks' check input
float[] logits = new float[10];
using var input = OrtValue.CreateTensorValueFromMemory(image, new long[] { 1, 1, 28, 28 });
using var output = OrtValue.CreateTensorValueFromMemory(logits, new long[] { 1, 10 });
using var binding = session.CreateIoBinding();
binding.BindInput("input", input);
binding.BindOutput("logits", output);
using var run = new RunOptions();
session.RunWithBinding(run, binding);
double sinceMain = Stopwatch.GetElapsedTime(mainTimestamp).TotalMilliseconds;

// PyTorch's logits for that input (benchmarks/pytorch/export_cnn_onnx.py).
ReadOnlySpan<float> expected = [-0.037913f, 0.024055f, 0.048765f, 0.088274f, 0.011396f, -0.015331f, 0.012314f, 0.018080f, -0.076650f, 0.007838f];
float worst = 0;
for (int j = 0; j < expected.Length; j++) worst = MathF.Max(worst, MathF.Abs(logits[j] - expected[j]));
bool ok = worst <= 1e-5f;
Console.WriteLine($"First inference: logits match PyTorch's to {worst:E1} ({(ok ? "OK" : "FAILED: expected 1e-5")}); " +
                  $"{sinceMain:F2} ms from Main");
if (startupOnly) return ok ? 0 : 1;

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
        image[c % image.Length] += 1e-3f; // a different image every call (the OrtValue reads the pinned array)
        session.RunWithBinding(run, binding);
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
Console.WriteLine($"Allocated (managed): {(double)allocated / (Rounds * Calls):F1} bytes per inference");
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
