using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using FashionMnistCnn;
using Microsoft.ML.OnnxRuntime;

namespace StaticNet.Benchmarks;

/// <summary>
/// The Fashion-MNIST CNN's batch-1 <c>Forward</c> against ONNX Runtime (issue 20): the same module exported by
/// <c>benchmarks/pytorch/export_cnn_onnx.py</c> (<c>fashion_cnn.onnx</c>) and its weights loaded into StaticNet's
/// <see cref="FashionCnn"/> from <c>fashion_cnn.safetensors</c>, so both compute the same function (checked at
/// start-up against each other). ONNX Runtime runs on the CPU execution provider with one intra-op and one inter-op
/// thread, all graph optimisations, and input and output <see cref="OrtValue"/>s bound once to pre-allocated arrays
/// (<see cref="OrtIoBinding"/>), so a call is <c>RunWithBinding</c> alone.
/// <c>dotnet run -c Release --project benchmarks/StaticNet.Benchmarks -- --filter '*OnnxRuntime*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class OnnxRuntimeCnnBenchmarks : IDisposable
{
    private readonly FashionCnn _staticNet = new(1);
    private readonly float[] _input = new float[784];
    private readonly float[] _staticOutput = new float[10];
    private readonly float[] _ortOutput = new float[10];
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _ortInput, _ortOutputValue;
    private readonly OrtIoBinding _binding;

    public OnnxRuntimeCnnBenchmarks()
    {
        for (int i = 0; i < _input.Length; i++) _input[i] = (i * 37 % 256) / 255f;
        _staticNet.LoadSafetensors(new MemoryStream(Resource("fashion_cnn.safetensors")));
        _options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // One thread means no spinning pool to keep warm.
        _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(Resource("StaticNet.Onnx/fashion_cnn.onnx"), _options);
        _ortInput = OrtValue.CreateTensorValueFromMemory(_input, new long[] { 1, 1, 28, 28 });
        _ortOutputValue = OrtValue.CreateTensorValueFromMemory(_ortOutput, new long[] { 1, 10 });
        _binding = _session.CreateIoBinding();
        _binding.BindInput("input", _ortInput);
        _binding.BindOutput("logits", _ortOutputValue);
        Check();
    }

    /// <summary>Both engines on the check input; throws unless they agree (to float rounding) on every logit.</summary>
    public void Check()
    {
        ForwardStaticNet();
        ForwardOnnxRuntime();
        for (int i = 0; i < 10; i++)
        {
            if (MathF.Abs(_staticOutput[i] - _ortOutput[i]) > 1e-5f + 1e-4f * MathF.Abs(_ortOutput[i]))
                throw new InvalidOperationException(
                    $"StaticNet and ONNX Runtime disagree on logit {i}: expected ONNX Runtime's {_ortOutput[i]}, found {_staticOutput[i]}.");
        }
    }

    [Benchmark(Baseline = true)]
    public void ForwardOnnxRuntime() => _session.RunWithBinding(_runOptions, _binding);

    [Benchmark]
    public void ForwardStaticNet() => _staticNet.Forward(_input, _staticOutput);

    private static byte[] Resource(string name)
    {
        using Stream stream = typeof(OnnxRuntimeCnnBenchmarks).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Expected the embedded resource {name}; found none.");
        var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    public void Dispose()
    {
        _binding.Dispose();
        _ortInput.Dispose();
        _ortOutputValue.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
        _options.Dispose();
    }
}

/// <summary>
/// <c>--onnx-timing</c>: the same two calls as <see cref="OnnxRuntimeCnnBenchmarks"/>, interleaved (a round of each in
/// turn, 41 rounds of 1,000 calls after 2 s of warm-up), timed by this thread's CPU time (so that time descheduled on a
/// loaded machine does not count), printing each one's minimum and median per call, their ratios, and the bytes each
/// allocated per call.
/// </summary>
public static class OnnxTiming
{
    public static void Run()
    {
        using var bench = new OnnxRuntimeCnnBenchmarks();
        const int rounds = 41, calls = 1000;
        double[] ort = new double[rounds], sn = new double[rounds];
        long warm = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(warm).TotalSeconds < 2) { bench.ForwardOnnxRuntime(); bench.ForwardStaticNet(); }
        long bytesOrt = 0, bytesOurs = 0;
        for (int r = 0; r < rounds; r++)
        {
            long m0 = GC.GetAllocatedBytesForCurrentThread();
            double t0 = TransformerBenchmarks.ThreadCpuMicroseconds();
            for (int i = 0; i < calls; i++) bench.ForwardOnnxRuntime();
            double t1 = TransformerBenchmarks.ThreadCpuMicroseconds();
            long m1 = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) bench.ForwardStaticNet();
            double t2 = TransformerBenchmarks.ThreadCpuMicroseconds();
            long m2 = GC.GetAllocatedBytesForCurrentThread();
            ort[r] = (t1 - t0) / calls;
            sn[r] = (t2 - t1) / calls;
            bytesOrt += m1 - m0;
            bytesOurs += m2 - m1;
        }
        Array.Sort(ort);
        Array.Sort(sn);
        double n = (double)rounds * calls;
        Console.WriteLine($"ONNX Runtime 1.32 (1 thread): min {ort[0]:F2} µs  median {ort[rounds / 2]:F2} µs  ({bytesOrt / n:F2} B managed per call)");
        Console.WriteLine($"StaticNet:                    min {sn[0]:F2} µs  median {sn[rounds / 2]:F2} µs  ({bytesOurs / n:F2} B per call)");
        Console.WriteLine($"StaticNet faster by           {ort[0] / sn[0]:F2}× (minima)  {ort[rounds / 2] / sn[rounds / 2]:F2}× (medians)  [thread CPU time]");
    }
}
