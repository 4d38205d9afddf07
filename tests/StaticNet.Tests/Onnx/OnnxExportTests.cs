using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using StaticNet.IO;
using StaticNet.IO.Onnx;
using StaticNet.Tests.PyTorchExport;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Onnx;

/// <summary>
/// SaveOnnx against the reference: every layer kind's small network and whole networks (MLP, CNN with BatchNorm, LSTM
/// stack, a small transformer), with random weights and running statistics, exported and run by ONNX Runtime 1.32
/// (CPU), whose outputs must match <c>ForwardBatch</c> to 1e-5 (relative to the output's size when it exceeds 1). The
/// exported PyTorch source is checked the same way in /usr/bin/python3 when torch is there.
/// </summary>
public class OnnxExportTests(ITestOutputHelper log)
{
    public static readonly Type[] LayerKinds =
    {
        typeof(ExportDense), typeof(ExportDenseSequence), typeof(ExportConv2D), typeof(ExportConv2DSame), typeof(ExportConv1D),
        typeof(ExportPools2D), typeof(ExportPools1D), typeof(ExportBatchNormVector), typeof(ExportBatchNorm1D), typeof(ExportDropout),
        typeof(ExportEmbedding), typeof(ExportActivations), typeof(ExportActivationsSequence), typeof(ExportConvBatchNormActivations),
        typeof(ExportSimpleRnn), typeof(ExportSimpleRnnRelu), typeof(ExportLstm), typeof(ExportGru), typeof(ExportLstmStackBidirectional),
        typeof(ExportGruStackBidirectional), typeof(ExportRnnStackBidirectional), typeof(ExportLayerNorm), typeof(ExportLearnedPositions),
        typeof(ExportSinusoidalPositions), typeof(ExportSequencePoolLast), typeof(ExportAttention), typeof(ExportCausalAttention),
        typeof(ExportTransformerLayers),
    };

    public static readonly Type[] WholeNetworks =
    {
        typeof(ExportMlp), typeof(ExportCnn), typeof(ExportLstmStack), typeof(ExportTransformer),
        typeof(ExportResidualBlock), typeof(ExportGatedSequenceSkips), typeof(ExportVectorMerges), typeof(ExportVae),
    };

    public static IEnumerable<object[]> LayerKindCases => LayerKinds.Select(t => new object[] { t.Name });

    public static IEnumerable<object[]> WholeNetworkCases => WholeNetworks.Select(t => new object[] { t.Name });

    public static IEnumerable<object[]> AllCases => LayerKinds.Concat(WholeNetworks).Select(t => new object[] { t.Name });

    private static Type Find(string name) => LayerKinds.Concat(WholeNetworks).Single(t => t.Name == name);

    private const float Tolerance = 1e-5f;

    [Theory]
    [MemberData(nameof(LayerKindCases))]
    public void EveryLayerKindMatchesOnnxRuntime(string network) => MatchesOnnxRuntime(network, rows: 3);

    [Theory]
    [MemberData(nameof(WholeNetworkCases))]
    public void WholeNetworksMatchOnnxRuntime(string network)
    {
        MatchesOnnxRuntime(network, rows: 1);
        MatchesOnnxRuntime(network, rows: 5);
    }

    private void MatchesOnnxRuntime(string network, int rows)
    {
        INetwork net = Create(Find(network), seed: 11);
        float[] inputs = Inputs(net, rows, seed: 5);
        float[] expected = new float[rows * net.OutputSize];
        net.ForwardBatch(inputs, expected);

        byte[] model = SaveOnnx(net);
        float[] actual = RunOnnx(model, inputs, rows);
        Assert.Equal(expected.Length, actual.Length);
        float worst = Worst(expected, actual);
        log.WriteLine($"{network}, {rows} rows: max |ONNX Runtime − Forward| relative {worst:E2}");
        Assert.True(worst <= Tolerance, $"{network}: ONNX Runtime differs from Forward by {worst:E3} (relative), more than {Tolerance:E0}");
    }

    [Fact]
    public void TheModelDeclaresOpset17ASymbolicBatchAndTheSafetensorsNames()
    {
        INetwork net = Create(typeof(ExportCnn), seed: 3);
        byte[] model = SaveOnnx(net);
        using var session = new InferenceSession(model);
        Assert.Equal(new[] { -1, 1, 28, 28 }, session.InputMetadata["input"].Dimensions);
        Assert.Equal("N", session.InputMetadata["input"].SymbolicDimensions[0]);
        Assert.Equal(new[] { -1, 10 }, session.OutputMetadata["output"].Dimensions);
        Assert.Equal("StaticNet", session.ModelMetadata.ProducerName);
        // Every float tensor is an initializer under its safetensors name: TensorProto.name (field 8) holds it.
        string[] names = net.ParameterTensors.Where(t => !t.IsInteger).Select(t => t.Name).ToArray();
        Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var" }, names.Take(6));
        foreach (string name in names)
            Assert.True(ContainsSequence(model, NameField(name)), $"the model has no initializer named {name}");
        Assert.False(ContainsSequence(model, NameField("1.num_batches_tracked")), "the integer counter is not exported");
        // The opset as written: ModelProto field 8 (opset_import) holds version 17 (field 2) of the default domain.
        Assert.True(ContainsSequence(model, new byte[] { 0x42, 0x04, 0x0A, 0x00, 0x10, 17 }), "the model imports opset 17 of the default domain");
    }

    [Fact]
    public void SaveOnnxToAPathWritesTheSameBytesAndReplacesAnExistingFile()
    {
        INetwork net = Create(typeof(ExportMlp), seed: 4);
        string directory = Path.Combine(Path.GetTempPath(), "staticnet-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, "mlp.onnx");
            File.WriteAllText(path, "an older file");
            net.GetType().GetMethod("SaveOnnx", new[] { typeof(string) })!.Invoke(net, new object[] { path });
            Assert.Equal(SaveOnnx(net), File.ReadAllBytes(path));
            Assert.Equal(new[] { path }, Directory.GetFiles(directory));
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    [Fact]
    public void AFailedSaveLeavesNoFileAndTheOldFileAsItWas()
    {
        string directory = Path.Combine(Path.GetTempPath(), "staticnet-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, "model.onnx");
            File.WriteAllText(path, "keep me");
            var error = Assert.Throws<NotSupportedException>(() => OnnxExport.SaveToFile(path, stream =>
            {
                stream.Write(new byte[100], 0, 100); // half a model, then the failure
                OnnxGraphBuilder.Unsupported("Foo", "3", "it has no ONNX form");
            }));
            Assert.Equal("SaveOnnx cannot export Foo '3': it has no ONNX form. Nothing was written.", error.Message);
            Assert.Equal("keep me", File.ReadAllText(path));
            Assert.Equal(new[] { path }, Directory.GetFiles(directory)); // no temporary file left behind

            string fresh = Path.Combine(directory, "fresh.onnx");
            Assert.Throws<InvalidOperationException>(() => OnnxExport.SaveToFile(fresh, _ => throw new InvalidOperationException("disk full")));
            Assert.False(File.Exists(fresh));
            Assert.Equal(new[] { path }, Directory.GetFiles(directory));

            Assert.Throws<DirectoryNotFoundException>(() => OnnxExport.SaveToFile(Path.Combine(directory, "missing", "m.onnx"), _ => { }));
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    [Fact]
    public void AnUnwritableStreamIsRefusedBeforeAnythingIsWritten()
    {
        INetwork net = Create(typeof(ExportMlp), seed: 4);
        using var readOnly = new MemoryStream(new byte[16], writable: false);
        var error = Assert.Throws<TargetInvocationException>(() => Save(net, readOnly)).InnerException;
        Assert.IsType<ArgumentException>(error);
        Assert.Contains("writable", error!.Message);
        Assert.Throws<TargetInvocationException>(() => Save(net, null!));
    }

    [Fact]
    public void PyTorchSourceNamesEveryTensorAsSafetensorsDoes()
    {
        // Without Python: the source registers a module under each layer name that owns tensors.
        foreach (Type type in LayerKinds.Concat(WholeNetworks))
        {
            string source = (string)type.GetField("PyTorchSource")!.GetValue(null)!;
            Assert.Contains($"class {type.Name}(nn.Module):", source);
            Assert.DoesNotContain("NotImplementedError(", source.Substring(source.IndexOf("class " + type.Name + "(", StringComparison.Ordinal)));
            INetwork net = Create(type, 1);
            foreach (ParameterTensor tensor in net.ParameterTensors)
            {
                string module = tensor.Name.Substring(0, tensor.Name.LastIndexOf('.'));
                foreach (string suffix in new[] { ".out_proj", ".self_attn", ".linear1", ".linear2", ".norm1", ".norm2" })
                    if (module.EndsWith(suffix, StringComparison.Ordinal)) module = module.Substring(0, module.Length - suffix.Length);
                Assert.Contains($"self._place('{module}', ", source);
            }
        }
    }

    [Fact]
    public void AGraphsPyTorchForwardFollowsTheGraphWithNamedValues()
    {
        string source = ExportResidualBlock.PyTorchSource;
        log.WriteLine(source.Substring(source.IndexOf("class ExportResidualBlock(", StringComparison.Ordinal)));
        // Each value is named after its layer; the projected shortcut reads stem_relu, the sum reads the shortcut and the block.
        Assert.Contains("    def forward(self, vinput):\n", source);
        Assert.Contains("        block1_shortcut_0 = self.get_submodule('block1.shortcut.0')(stem_relu)\n", source);
        Assert.Contains("        block1_add = self.block1.add(block1_shortcut_1, block1_bn2)\n", source);
        Assert.Contains("        v14 = self.get_submodule('14')(block2_bn1)\n", source);
        Assert.Contains("        block2_add = self.block2.add(block2_bn2, block1_relu)\n", source);
        Assert.Contains("        return head\n", source);
        string gated = ExportGatedSequenceSkips.PyTorchSource;
        Assert.Contains("        gate = self.gate_act(self.gate(vinput))\n", gated);
        Assert.Contains("        skip = self.skip(lstm, vinput, gated)\n", gated);
        Assert.Contains("self._place('skip', Concatenate(2))", gated);
        Assert.Contains("self._place('z', Reparameterize(4))", ExportVae.PyTorchSource);
    }

    /// <summary>
    /// In /usr/bin/python3: every network's PyTorchSource loads its safetensors strictly and matches ForwardBatch; and,
    /// where Python's onnx package is installed, onnx.checker accepts every SaveOnnx file (opset 17).
    /// </summary>
    [TorchFact]
    public void ThePyTorchSourceLoadsTheSafetensorsAndMatchesForward()
    {
        string root = RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "staticnet-pytorch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var names = new List<string>();
            foreach (Type type in LayerKinds.Concat(WholeNetworks))
            {
                INetwork net = Create(type, seed: 21);
                const int rows = 3;
                float[] inputs = Inputs(net, rows, seed: 8);
                float[] outputs = new float[rows * net.OutputSize];
                net.ForwardBatch(inputs, outputs);
                type.GetMethod("ExportPyTorch")!.Invoke(null, new object[] { Path.Combine(work, type.Name + ".py") });
                net.SaveSafetensors(Path.Combine(work, type.Name + ".safetensors"));
                type.GetMethod("SaveOnnx", new[] { typeof(string) })!.Invoke(net, new object[] { Path.Combine(work, type.Name + ".onnx") });
                using (var stream = File.Create(Path.Combine(work, type.Name + ".check.safetensors")))
                    Safetensors.Write(stream, new List<SafetensorsTensor>
                    {
                        new("input", new[] { rows, net.InputSize }, inputs),
                        new("output", new[] { rows, net.OutputSize }, outputs),
                    });
                names.Add(type.Name);
            }
            string script = Path.Combine(root, "tests", "reference", "check_pytorch_source.py");
            string output = Run(work, TorchFactAttribute.Python, $"\"{script}\" \"{work}\" {string.Join(" ", names)}");
            log.WriteLine(output);
            bool checker = !output.Contains("onnx absent", StringComparison.Ordinal);
            foreach (string name in names)
            {
                // With Python's onnx package, its checker (full, with shape inference) accepted SaveOnnx's file too.
                if (checker) Assert.Contains(name + " onnx-checked", output);
                string line = output.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal) && !l.EndsWith("onnx-checked", StringComparison.Ordinal));
                float difference = float.Parse(line[(name.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
                Assert.True(difference <= Tolerance, $"{name}: PyTorch differs from Forward by {difference:E3} (relative), more than {Tolerance:E0}");
            }
        }
        finally { Directory.Delete(work, recursive: true); }
    }

    // ── Helpers ────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>The network with seeded weights, and random values in the tensors that start constant (running variance in [0.5, 1.5]).</summary>
    internal static INetwork Create(Type type, int seed)
    {
        var net = (INetwork)Activator.CreateInstance(type, seed)!;
        var random = new Random(seed);
        using var saved = new MemoryStream();
        net.SaveSafetensors(saved);
        saved.Position = 0;
        SafetensorsFile file = Safetensors.Read(saved);
        foreach (SafetensorsTensor tensor in file.Tensors)
        {
            // Weights keep PyTorch's initialisation (its scale); what starts constant (norms' weights and biases, running
            // statistics, attention biases) gets random values, so that every tensor matters to the comparison.
            if (tensor.DType != "F32" || tensor.Data.Distinct().Count() > 1) continue;
            bool variance = tensor.Name.EndsWith("running_var", StringComparison.Ordinal);
            for (int i = 0; i < tensor.Data.Length; i++)
                tensor.Data[i] = variance ? 0.5f + (float)random.NextDouble() : (float)(random.NextDouble() - 0.5);
        }
        using var changed = new MemoryStream();
        Safetensors.Write(changed, file);
        changed.Position = 0;
        net.LoadSafetensors(changed);
        return net;
    }

    /// <summary>Random inputs in [−1, 1], or token ids below the embedding's vocabulary.</summary>
    internal static float[] Inputs(INetwork net, int rows, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[rows * net.InputSize];
        bool tokens = net.Layers.Count > 0 && net.Layers[0].Kind == "Embedding";
        int vocabulary = tokens ? net.ParameterTensors[0].Shape[0] : 0;
        for (int i = 0; i < inputs.Length; i++)
            inputs[i] = tokens ? random.Next(vocabulary) : (float)(2 * random.NextDouble() - 1);
        return inputs;
    }

    private static void Save(INetwork net, Stream stream) =>
        net.GetType().GetMethod("SaveOnnx", new[] { typeof(Stream) })!.Invoke(net, new object[] { stream });

    internal static byte[] SaveOnnx(INetwork net)
    {
        using var stream = new MemoryStream();
        Save(net, stream);
        return stream.ToArray();
    }

    internal static float[] RunOnnx(byte[] model, float[] inputs, int rows)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        return RunOnnx(session, inputs, rows);
    }

    private static float[] RunOnnx(InferenceSession session, float[] inputs, int rows, params (string Name, float[] Values, int[] Shape)[] overrides)
    {
        int[] dims = session.InputMetadata["input"].Dimensions.ToArray();
        dims[0] = rows;
        var feeds = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(inputs, dims)) };
        foreach (var (name, values, shape) in overrides)
            feeds.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(values, shape)));
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(feeds);
        return results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray();
    }

    /// <summary>The largest |a − b| / max(1, |a|): absolute for outputs up to 1, relative above.</summary>
    private static float Worst(float[] expected, float[] actual)
    {
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float difference = Math.Abs(expected[i] - actual[i]) / Math.Max(1f, Math.Abs(expected[i]));
            if (!(difference <= worst)) worst = float.IsNaN(difference) ? float.PositiveInfinity : difference;
        }
        return worst;
    }

    private static byte[] NameField(string name) =>
        new byte[] { 0x42, (byte)System.Text.Encoding.UTF8.GetByteCount(name) }.Concat(System.Text.Encoding.UTF8.GetBytes(name)).ToArray();

    private static bool ContainsSequence(byte[] data, byte[] sequence)
    {
        for (int i = 0; i + sequence.Length <= data.Length; i++)
            if (data.AsSpan(i, sequence.Length).SequenceEqual(sequence))
                return true;
        return false;
    }

    internal static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "StaticNet.sln"))) directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException("StaticNet.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Run(string directory, string program, string arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {arguments} failed ({process.ExitCode}):\n{output}\n{error.Result}");
        return output;
    }
}
