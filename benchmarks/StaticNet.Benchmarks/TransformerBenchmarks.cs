using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using StaticNet.IO;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>One nn.TransformerEncoderLayer(64, 4, 128, dropout=0, batch_first=True) on a [32, 64] sequence (issue 19).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(32, 64)]
[TransformerEncoderLayer(64, 4, 128, Dropout = 0f)]
public partial class EncoderLayerNet { }

/// <summary>
/// A TransformerEncoderLayer (d 64, 4 heads, feed-forward 128, T 32): batch-1 forward and a batch-32 training step
/// (MSE, Adam), the same as benchmarks/pytorch/transformer_layer.py measures in PyTorch; and ONNX Runtime's batch-1
/// forward of the same layer exported by benchmarks/pytorch/export_transformer_onnx.py (CPUExecutionProvider, one
/// thread, all graph optimisations, input and output OrtValues bound once over pinned arrays). The setup loads the
/// exported layer's weights into StaticNet and checks that StaticNet, ONNX Runtime and PyTorch give the same output.
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class TransformerBenchmarks : IDisposable
{
    private readonly EncoderLayerNet _network = new(1);
    private readonly float[] _inputs = BenchmarkData.Random(32 * EncoderLayerNet.InputSize, 3);
    private readonly float[] _targets = BenchmarkData.Random(32 * EncoderLayerNet.OutputSize, 4);
    private readonly float[] _output = new float[EncoderLayerNet.OutputSize];
    private readonly Adam _adam = new(1e-4f);

    private readonly float[] _onnxInput = new float[EncoderLayerNet.InputSize];
    private readonly float[] _onnxOutput = new float[EncoderLayerNet.OutputSize];
    private InferenceSession? _session;
    private SessionOptions? _sessionOptions;
    private RunOptions? _runOptions;
    private OrtValue? _inputValue, _outputValue;
    private OrtIoBinding? _binding;

    /// <summary>The ONNX Runtime session and its bound buffers; the three implementations checked against each other.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string directory = AppContext.BaseDirectory;
        SafetensorsFile reference = Safetensors.Read(Path.Combine(directory, "transformer_layer.safetensors"));
        var forward = new EncoderLayerNet(1);
        SafetensorsLoadResult loaded = forward.LoadSafetensors(Path.Combine(directory, "transformer_layer.safetensors"), new SafetensorsLoadOptions { Strict = false });
        if (loaded.MissingTensors.Count != 0)
            throw new InvalidOperationException("transformer_layer.safetensors lacks " + string.Join(", ", loaded.MissingTensors));

        _sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(Path.Combine(directory, "transformer_layer.onnx"), _sessionOptions);
        _runOptions = new RunOptions();
        long[] shape = [1, 32, 64];
        _inputValue = OrtValue.CreateTensorValueFromMemory(_onnxInput, shape);
        _outputValue = OrtValue.CreateTensorValueFromMemory(_onnxOutput, shape);
        _binding = _session.CreateIoBinding();
        _binding.BindInput("x", _inputValue);
        _binding.BindOutput("y", _outputValue);

        float[] input = reference.Get("input").Data, expected = reference.Get("output").Data;
        input.CopyTo(_onnxInput, 0);
        Forward_OnnxRuntime_Batch1();
        var staticNet = new float[EncoderLayerNet.OutputSize];
        forward.Forward(input, staticNet);
        double worstOnnx = 0, worstStaticNet = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worstOnnx = Math.Max(worstOnnx, Math.Abs(expected[i] - _onnxOutput[i]));
            worstStaticNet = Math.Max(worstStaticNet, Math.Abs(expected[i] - staticNet[i]));
        }
        if (worstOnnx > 1e-4 || worstStaticNet > 1e-4)
            throw new InvalidOperationException($"The implementations differ from PyTorch: ONNX Runtime by {worstOnnx:E2}, StaticNet by {worstStaticNet:E2}.");
        Console.WriteLine($"// Same layer: |ONNX Runtime − PyTorch| ≤ {worstOnnx:E2}, |StaticNet − PyTorch| ≤ {worstStaticNet:E2}");
        _inputs.AsSpan(0, _onnxInput.Length).CopyTo(_onnxInput);
    }

    [Benchmark]
    public void Forward_Batch1() => _network.Forward(_inputs.AsSpan(0, EncoderLayerNet.InputSize), _output);

    [Benchmark]
    public void Forward_OnnxRuntime_Batch1() => _session!.RunWithBinding(_runOptions!, _binding!);

    [Benchmark]
    public float TrainStep_Batch32() => _network.TrainStep(_inputs, _targets, _adam);

    /// <summary>
    /// <c>--onnx-timing</c>: StaticNet's and ONNX Runtime's batch-1 forward in alternating rounds of 200 calls timed by the
    /// thread's CPU time, the best and the median round of each, then StaticNet's batch-32 training step the same way (on a loaded machine the best round is the one least
    /// disturbed, and alternating gives both the same disturbances).
    /// </summary>
    public static void QuickTiming(int rounds = 40)
    {
        var benchmarks = new TransformerBenchmarks();
        benchmarks.Setup();
        const int calls = 200;
        var staticNet = new double[rounds];
        var onnx = new double[rounds];
        for (int i = 0; i < 3 * calls; i++)
        {
            benchmarks.Forward_Batch1();
            benchmarks.Forward_OnnxRuntime_Batch1();
        }
        for (int r = 0; r < rounds; r++)
        {
            double start = ThreadCpuMicroseconds();
            for (int i = 0; i < calls; i++) benchmarks.Forward_Batch1();
            double middle = ThreadCpuMicroseconds();
            for (int i = 0; i < calls; i++) benchmarks.Forward_OnnxRuntime_Batch1();
            double end = ThreadCpuMicroseconds();
            staticNet[r] = (middle - start) / calls;
            onnx[r] = (end - middle) / calls;
        }
        var train = new double[rounds / 4];
        for (int r = 0; r < train.Length; r++)
        {
            double start = ThreadCpuMicroseconds();
            for (int i = 0; i < 5; i++) benchmarks.TrainStep_Batch32();
            train[r] = (ThreadCpuMicroseconds() - start) / 5;
        }
        Array.Sort(train);
        Array.Sort(staticNet);
        Array.Sort(onnx);
        Console.WriteLine($"StaticNet train step, batch 32, {train.Length} rounds of 5: best {train[0] / 1e3:F2} ms, median {train[train.Length / 2] / 1e3:F2} ms");
        Console.WriteLine($"Forward, batch 1, {rounds} alternating rounds of {calls} calls: StaticNet best {staticNet[0]:F1} us, median {staticNet[rounds / 2]:F1} us; " +
                          $"ONNX Runtime best {onnx[0]:F1} us, median {onnx[rounds / 2]:F1} us; ratio (best) {onnx[0] / staticNet[0]:F2}, (median) {onnx[rounds / 2] / staticNet[rounds / 2]:F2}");
        benchmarks.Dispose();
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>
    /// This thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), or the Stopwatch elsewhere: on a machine shared with
    /// other jobs the time the thread is descheduled does not count (ONNX Runtime runs on the calling thread with one
    /// intra-op thread).
    /// </summary>
    private static readonly int Clock = Environment.GetEnvironmentVariable("STATICNET_CPU_CLOCK") == "process" ? 2 : 3;

    internal static double ThreadCpuMicroseconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(Clock, out TimeSpec time) == 0)
            return time.Seconds * 1e6 + time.Nanoseconds / 1e3;
        return System.Diagnostics.Stopwatch.GetTimestamp() * 1e6 / System.Diagnostics.Stopwatch.Frequency;
    }

    /// <summary>Releases ONNX Runtime's native objects.</summary>
    [GlobalCleanup]
    public void Dispose()
    {
        _binding?.Dispose();
        _inputValue?.Dispose();
        _outputValue?.Dispose();
        _runOptions?.Dispose();
        _session?.Dispose();
        _sessionOptions?.Dispose();
        _binding = null;
        _session = null;
        GC.SuppressFinalize(this);
    }
}
