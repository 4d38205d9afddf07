using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using ResNet;

namespace StaticNet.Benchmarks;

/// <summary>
/// samples/ResNet's residual network (<see cref="FashionResNet"/>: a stem, three basic blocks with BatchNorm, one with a
/// stride-2 projected shortcut; 10.2 M multiply-adds) at batch 1, inference: StaticNet's <c>Forward</c> against ONNX
/// Runtime 1.32 on the same module exported by <c>benchmarks/pytorch/resnet_fashion.py --onnx</c>
/// (<c>fashion_resnet.onnx</c>, BatchNorm statistics randomised so they matter) with its weights loaded into StaticNet
/// from <c>fashion_resnet.safetensors</c>; the two are checked against each other at start-up. ONNX Runtime: CPU
/// execution provider, one thread, all graph optimisations, input and output <see cref="OrtValue"/>s bound once
/// (<see cref="OrtIoBinding"/>). PyTorch's figure comes from <c>resnet_fashion.py --latency</c> (one thread).
/// <c>dotnet run -c Release --project benchmarks/StaticNet.Benchmarks -- --filter '*ResNetBenchmarks*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class ResNetBenchmarks : IDisposable
{
    private readonly FashionResNet _staticNet = new(1);
    private readonly float[] _input = new float[784];
    private readonly float[] _staticOutput = new float[10];
    private readonly float[] _ortOutput = new float[10];
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _ortInput, _ortOutputValue;
    private readonly OrtIoBinding _binding;

    public ResNetBenchmarks()
    {
        for (int i = 0; i < _input.Length; i++) _input[i] = (i * 37 % 256) / 255f;
        _staticNet.LoadSafetensors(new MemoryStream(Resource("fashion_resnet.safetensors")));
        _options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(Resource("fashion_resnet.onnx"), _options);
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
            if (MathF.Abs(_staticOutput[i] - _ortOutput[i]) > 1e-4f + 1e-4f * MathF.Abs(_ortOutput[i]))
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
        using Stream stream = typeof(ResNetBenchmarks).Assembly.GetManifestResourceStream(name)
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
/// <c>--resnet-timing</c>: the two calls of <see cref="ResNetBenchmarks"/> interleaved (41 rounds of 200 calls each in
/// turn), printing each one's minimum and median per call: on a loaded machine the minima are the fairer comparison.
/// When <c>/usr/bin/python3</c> with torch is present, the same run then times PyTorch's eval-mode forward of the same
/// module (<c>benchmarks/pytorch/resnet_fashion.py --latency</c>, one thread) and prints the three side by side.
/// </summary>
public static class ResNetTiming
{
    public static void Run()
    {
        using var bench = new ResNetBenchmarks();
        const int rounds = 41, calls = 200;
        double[] ort = new double[rounds], sn = new double[rounds];
        for (int i = 0; i < calls; i++) { bench.ForwardOnnxRuntime(); bench.ForwardStaticNet(); }
        for (int r = 0; r < rounds; r++)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) bench.ForwardOnnxRuntime();
            long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) bench.ForwardStaticNet();
            long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            ort[r] = (t1 - t0) * 1e6 / System.Diagnostics.Stopwatch.Frequency / calls;
            sn[r] = (t2 - t1) * 1e6 / System.Diagnostics.Stopwatch.Frequency / calls;
        }
        Array.Sort(ort);
        Array.Sort(sn);
        Console.WriteLine($"FashionResNet batch-1 Forward, ONNX Runtime 1.32 (1 thread): min {ort[0]:F1} µs  median {ort[rounds / 2]:F1} µs");
        Console.WriteLine($"FashionResNet batch-1 Forward, StaticNet:                    min {sn[0]:F1} µs  median {sn[rounds / 2]:F1} µs");
        Console.WriteLine($"StaticNet faster by {ort[0] / sn[0]:F2}× (minima)  {ort[rounds / 2] / sn[rounds / 2]:F2}× (medians)");
        PyTorchLatency(sn[0], sn[rounds / 2]);
    }

    /// <summary>
    /// Runs resnet_fashion.py --latency (batch 1, one thread, eval mode, no_grad) and prints its figures against
    /// StaticNet's; says why when PyTorch cannot be run.
    /// </summary>
    private static void PyTorchLatency(double staticMin, double staticMedian)
    {
        string? script = FindScript("benchmarks/pytorch/resnet_fashion.py");
        if (script is null || !File.Exists("/usr/bin/python3"))
        {
            Console.WriteLine("PyTorch: skipped (expected /usr/bin/python3 and benchmarks/pytorch/resnet_fashion.py above the working directory).");
            return;
        }
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--latency");
        start.ArgumentList.Add("--calls");
        start.ArgumentList.Add("4000");
        start.Environment["OPENBLAS_CORETYPE"] = "SKYLAKEX"; // Debian's OpenBLAS does not recognise this CPU otherwise.
        using var process = System.Diagnostics.Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var match = System.Text.RegularExpressions.Regex.Match(output, @"median ([0-9.]+) µs, min ([0-9.]+) µs");
        if (process.ExitCode != 0 || !match.Success)
        {
            Console.WriteLine($"PyTorch: failed (exit code {process.ExitCode}): {output.Trim()} {error.Trim()}");
            return;
        }
        double median = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double min = double.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Console.WriteLine($"FashionResNet batch-1 Forward, PyTorch (1 thread, eval):     min {min:F1} µs  median {median:F1} µs   ({output.Trim()})");
        Console.WriteLine($"StaticNet faster than PyTorch by {min / staticMin:F2}× (minima)  {median / staticMedian:F2}× (medians)");
    }

    private static string? FindScript(string relative)
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string path = Path.Combine(dir.FullName, relative);
                if (File.Exists(path)) return path;
            }
        return null;
    }
}
