using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;

namespace StaticNet.Benchmarks;

// The committed torch.onnx.export fixtures (tests/reference/make_onnx_fixtures.py), imported at build time by the
// project's <StaticNetOnnx Include="..." /> items.
[Network(Onnx = "mlp.onnx")] public partial class ImportedMlp { }
[Network(Onnx = "cnn.onnx")] public partial class ImportedCnn { }
[Network(Onnx = "lstm.onnx")] public partial class ImportedLstm { }

/// <summary>
/// Issue 21: networks imported from ONNX against the same .onnx files in ONNX Runtime's C# API, batch 1, in its fastest
/// configuration here: one intra-op and one inter-op thread, sequential execution, all graph optimisations, input and
/// output <see cref="OrtValue"/>s allocated once over pinned arrays and bound once with an <see cref="OrtIoBinding"/>, so
/// that a call is <c>RunWithBinding</c> alone. MLP: 20 → 64 → 32 → 10; CNN: 1×28×28, Conv(8)-ReLU-MaxPool, Conv(16)-ReLU-MaxPool,
/// Flatten, Dense(32), Dense(10); LSTM: 12 steps of 8 features, hidden 16, the last step through Dense(4) (a whole
/// sequence per call). Run: <c>dotnet run -c Release --project benchmarks/StaticNet.Benchmarks -- --filter '*OnnxImport*' --job short --inProcess</c>.
/// </summary>
[MemoryDiagnoser]
public class OnnxImportBenchmarks : IDisposable
{
    private readonly ImportedMlp _mlp = new();
    private readonly ImportedCnn _cnn = new();
    private readonly ImportedLstm _lstm = new();
    private readonly float[] _mlpX = BenchmarkData.Random(20, 1), _mlpY = new float[10];
    private readonly float[] _cnnX = BenchmarkData.Random(28 * 28, 2), _cnnY = new float[10];
    private readonly float[] _lstmX = BenchmarkData.Random(12 * 8, 3), _lstmY = new float[4];
    private readonly Ort _ortMlp, _ortCnn, _ortLstm;

    public OnnxImportBenchmarks()
    {
        _ortMlp = new Ort("mlp.onnx", _mlpX, new long[] { 1, 20 }, _mlpY, new long[] { 1, 10 });
        _ortCnn = new Ort("cnn.onnx", _cnnX, new long[] { 1, 1, 28, 28 }, _cnnY, new long[] { 1, 10 });
        _ortLstm = new Ort("lstm.onnx", _lstmX, new long[] { 1, 12, 8 }, _lstmY, new long[] { 1, 4 });
    }

    [Benchmark] public void StaticNetMlp() => _mlp.Forward(_mlpX, _mlpY);
    [Benchmark] public void OnnxRuntimeMlp() => _ortMlp.Run();
    [Benchmark] public void StaticNetCnn() => _cnn.Forward(_cnnX, _cnnY);
    [Benchmark] public void OnnxRuntimeCnn() => _ortCnn.Run();
    [Benchmark] public void StaticNetLstm() => _lstm.Forward(_lstmX, _lstmY);
    [Benchmark] public void OnnxRuntimeLstm() => _ortLstm.Run();

    public void Dispose()
    {
        _ortMlp.Dispose();
        _ortCnn.Dispose();
        _ortLstm.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>One model in ONNX Runtime, with its input and output bound once.</summary>
    private sealed class Ort : IDisposable
    {
        private readonly SessionOptions _options;
        private readonly InferenceSession _session;
        private readonly OrtValue _input, _output;
        private readonly OrtIoBinding _binding;
        private readonly RunOptions _run = new();

        public Ort(string model, float[] input, long[] inputShape, float[] output, long[] outputShape)
        {
            _options = new SessionOptions
            {
                IntraOpNumThreads = 1,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            _session = new InferenceSession(Path.Combine(AppContext.BaseDirectory, "onnx", model), _options);
            _input = OrtValue.CreateTensorValueFromMemory(input, inputShape);
            _output = OrtValue.CreateTensorValueFromMemory(output, outputShape);
            _binding = _session.CreateIoBinding();
            _binding.BindInput("input", _input);
            _binding.BindOutput("output", _output);
        }

        public void Run() => _session.RunWithBinding(_run, _binding);

        public void Dispose()
        {
            _binding.Dispose();
            _input.Dispose();
            _output.Dispose();
            _run.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }
}
