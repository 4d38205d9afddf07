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
// benchmarks/pytorch: export_cnn_onnx.py's full-size Fashion-MNIST CNN, export_import_onnx.py's Fashion MLP and streaming LSTM.
[Network(Onnx = "fashion_cnn.onnx")] public partial class ImportedFashionCnn { }
[Network(Onnx = "fashion_mlp.onnx")] public partial class ImportedFashionMlp { }
[Network(Onnx = "lstm_stream.onnx")] public partial class ImportedLstmStream { }

/// <summary>
/// Issue 21: networks imported from ONNX against the same .onnx files in ONNX Runtime's C# API, batch 1, in its fastest
/// configuration here: one intra-op and one inter-op thread, sequential execution, all graph optimisations, input and
/// output <see cref="OrtValue"/>s allocated once over pinned arrays and bound once with an <see cref="OrtIoBinding"/>, so
/// that a call is <c>RunWithBinding</c> alone. MLP: 20 → 64 → 32 → 10; CNN: 1×28×28, Conv(8)-ReLU-MaxPool, Conv(16)-ReLU-MaxPool,
/// Flatten, Dense(32), Dense(10); LSTM: 12 steps of 8 features, hidden 16, the last step through Dense(4) (a whole
/// sequence per call). Fashion MLP: 784 → 128 ReLU → 10; Fashion CNN: the full-size one (Conv(16), Conv(32), Dense(128),
/// Dense(10)); LSTM step: LSTM(1 → 32) + Dense(32 → 1), one time step of a stream per call — StaticNet's <c>Step</c>
/// against ONNX Runtime running a 1-step sequence with its initial states bound (lstm_stream_step.onnx, the same weights),
/// the final states written to a second pair of buffers that the next call reads (two bindings, alternated). Run: <c>dotnet run -c Release --project benchmarks/StaticNet.Benchmarks -- --filter '*OnnxImport*' --job short --inProcess</c>.
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
    private readonly ImportedFashionMlp _fashionMlp = new();
    private readonly ImportedFashionCnn _fashionCnn = new();
    private readonly ImportedLstmStream _stream = new();
    private readonly float[] _fashionX = BenchmarkData.Random(784, 4), _fashionY = new float[10];
    private readonly float[] _stepX = new float[1], _stepY = new float[1];
    private readonly Ort _ortMlp, _ortCnn, _ortLstm, _ortFashionMlp, _ortFashionCnn;
    private readonly OrtStep _ortStep;
    private int _stepCount;

    public OnnxImportBenchmarks()
    {
        _ortMlp = new Ort("mlp.onnx", _mlpX, new long[] { 1, 20 }, _mlpY, new long[] { 1, 10 });
        _ortCnn = new Ort("cnn.onnx", _cnnX, new long[] { 1, 1, 28, 28 }, _cnnY, new long[] { 1, 10 });
        _ortLstm = new Ort("lstm.onnx", _lstmX, new long[] { 1, 12, 8 }, _lstmY, new long[] { 1, 4 });
        _ortFashionMlp = new Ort("fashion_mlp.onnx", _fashionX, new long[] { 1, 784 }, _fashionY, new long[] { 1, 10 });
        _ortFashionCnn = new Ort("fashion_cnn.onnx", _fashionX, new long[] { 1, 1, 28, 28 }, _fashionY, new long[] { 1, 10 }, "logits");
        _ortStep = new OrtStep("lstm_stream_step.onnx", _stepX, _stepY, 32);
        Check();
    }

    /// <summary><c>--wino-accuracy</c> (issue 21): the imported Fashion CNN's logits against ONNX Runtime's with the second
    /// convolution as Winograd F(2×4) (now) and F(2×2) (before), over 500 random images (uniform in [0, 1] and in ±3,
    /// alternately); the largest and mean difference relative to max(1, |ONNX Runtime's|).</summary>
    public void WinoAccuracy()
    {
        var expected = new float[10];
        var rng = new Random(7);
        double[] worst = new double[2], mean = new double[2];
        int n = 0;
        for (int t = 0; t < 500; t++)
        {
            for (int i = 0; i < 784; i++) _fashionX[i] = t % 2 == 0 ? (float)rng.NextDouble() : (float)(rng.NextDouble() * 2 - 1) * 3;
            _ortFashionCnn.Run();
            _fashionY.CopyTo(expected, 0);
            for (int v = 0; v < 2; v++)
            {
                StaticNet.Kernels.ConvWinograd24.Disabled = v == 0;
                _fashionCnn.Forward(_fashionX, _fashionY);
                StaticNet.Kernels.ConvWinograd24.Disabled = false;
                for (int k = 0; k < 10; k++)
                {
                    double d = Math.Abs(_fashionY[k] - expected[k]) / Math.Max(1, Math.Abs(expected[k]));
                    worst[v] = Math.Max(worst[v], d);
                    mean[v] += d;
                }
            }
            n += 10;
        }
        Console.WriteLine($"vs ONNX Runtime, 500 images x 10 logits: F(2x2) max {worst[0]:E2} mean {mean[0] / n:E2}; F(2x4) max {worst[1]:E2} mean {mean[1] / n:E2}");
    }

    /// <summary>Throws unless each imported network computes what ONNX Runtime computes on the benchmark inputs (1e-5, relative above 1).</summary>
    private void Check()
    {
        var expected = new float[10];
        _ortFashionMlp.Run();
        _fashionY.CopyTo(expected, 0);
        _fashionMlp.Forward(_fashionX, _fashionY);
        Compare("Fashion MLP", expected, _fashionY);
        _ortFashionCnn.Run();
        _fashionY.CopyTo(expected, 0);
        _fashionCnn.Forward(_fashionX, _fashionY);
        Compare("Fashion CNN", expected, _fashionY);
        // 100 steps of a stream through both, the state carried by each.
        var ours = new float[1];
        for (int t = 0; t < 100; t++)
        {
            _stepX[0] = MathF.Sin(0.3f * t);
            _ortStep.Run();
            _stream.Step(_stepX, ours);
            Compare($"LSTM step {t}", _stepY, ours);
        }
        _stream.ResetState();
        _ortStep.Reset();
    }

    private static void Compare(string model, ReadOnlySpan<float> expected, ReadOnlySpan<float> found)
    {
        for (int i = 0; i < expected.Length; i++)
            if (MathF.Abs(expected[i] - found[i]) > 1e-5f * MathF.Max(1, MathF.Abs(expected[i])))
                throw new InvalidOperationException($"{model}: output {i} is {found[i]}; expected ONNX Runtime's {expected[i]}.");
    }

    [Benchmark] public void StaticNetMlp() => _mlp.Forward(_mlpX, _mlpY);
    [Benchmark] public void OnnxRuntimeMlp() => _ortMlp.Run();
    [Benchmark] public void StaticNetCnn() => _cnn.Forward(_cnnX, _cnnY);
    [Benchmark] public void OnnxRuntimeCnn() => _ortCnn.Run();
    [Benchmark] public void StaticNetLstm() => _lstm.Forward(_lstmX, _lstmY);
    [Benchmark] public void OnnxRuntimeLstm() => _ortLstm.Run();
    [Benchmark] public void StaticNetFashionMlp() => _fashionMlp.Forward(_fashionX, _fashionY);
    [Benchmark] public void OnnxRuntimeFashionMlp() => _ortFashionMlp.Run();
    [Benchmark] public void StaticNetFashionCnn() => _fashionCnn.Forward(_fashionX, _fashionY);
    [Benchmark] public void OnnxRuntimeFashionCnn() => _ortFashionCnn.Run();

    [Benchmark]
    public void StaticNetLstmStep()
    {
        _stepX[0] = (_stepCount++ & 63) * (1f / 32) - 1; // a sawtooth: the stream's next sample
        _stream.Step(_stepX, _stepY);
    }

    [Benchmark]
    public void OnnxRuntimeLstmStep()
    {
        _stepX[0] = (_stepCount++ & 63) * (1f / 32) - 1;
        _ortStep.Run();
    }

    public void Dispose()
    {
        _ortMlp.Dispose();
        _ortCnn.Dispose();
        _ortLstm.Dispose();
        _ortFashionMlp.Dispose();
        _ortFashionCnn.Dispose();
        _ortStep.Dispose();
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

        public Ort(string model, float[] input, long[] inputShape, float[] output, long[] outputShape, string outputName = "output")
        {
            _options = Options();
            _session = new InferenceSession(Path.Combine(AppContext.BaseDirectory, "onnx", model), _options);
            _input = OrtValue.CreateTensorValueFromMemory(input, inputShape);
            _output = OrtValue.CreateTensorValueFromMemory(output, outputShape);
            _binding = _session.CreateIoBinding();
            _binding.BindInput("input", _input);
            _binding.BindOutput(outputName, _output);
        }

        internal static SessionOptions Options() => new()
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };

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

    /// <summary>
    /// One time step of a recurrent model with explicit state (inputs input, h0, c0; outputs output, hn, cn): two
    /// bindings over two state buffers, the one reading A and writing B, the other the reverse, alternated, so that
    /// each call's final state is the next call's initial state with nothing copied.
    /// </summary>
    private sealed class OrtStep : IDisposable
    {
        private readonly SessionOptions _options = Ort.Options();
        private readonly InferenceSession _session;
        private readonly float[][] _states;
        private readonly OrtValue[] _values;
        private readonly OrtIoBinding[] _bindings = new OrtIoBinding[2];
        private readonly RunOptions _run = new();
        private int _next;

        public OrtStep(string model, float[] input, float[] output, int hidden)
        {
            _session = new InferenceSession(Path.Combine(AppContext.BaseDirectory, "onnx", model), _options);
            _states = new float[4][]; // h A, c A, h B, c B
            var shape = new long[] { 1, 1, hidden };
            _values = new OrtValue[6];
            for (int i = 0; i < 4; i++)
            {
                _states[i] = new float[hidden];
                _values[i] = OrtValue.CreateTensorValueFromMemory(_states[i], shape);
            }
            _values[4] = OrtValue.CreateTensorValueFromMemory(input, new long[] { 1, 1, input.Length });
            _values[5] = OrtValue.CreateTensorValueFromMemory(output, new long[] { 1, 1, output.Length });
            for (int b = 0; b < 2; b++)
            {
                int from = 2 * b, to = 2 - 2 * b;
                _bindings[b] = _session.CreateIoBinding();
                _bindings[b].BindInput("input", _values[4]);
                _bindings[b].BindInput("h0", _values[from]);
                _bindings[b].BindInput("c0", _values[from + 1]);
                _bindings[b].BindOutput("output", _values[5]);
                _bindings[b].BindOutput("hn", _values[to]);
                _bindings[b].BindOutput("cn", _values[to + 1]);
            }
        }

        public void Run()
        {
            _session.RunWithBinding(_run, _bindings[_next]);
            _next ^= 1;
        }

        public void Reset()
        {
            foreach (float[] state in _states) Array.Clear(state);
            _next = 0;
        }

        public void Dispose()
        {
            foreach (OrtIoBinding binding in _bindings) binding.Dispose();
            foreach (OrtValue value in _values) value.Dispose();
            _run.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }
}
