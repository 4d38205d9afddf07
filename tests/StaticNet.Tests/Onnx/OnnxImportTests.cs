using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using StaticNet.IO;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Onnx;

// Models torch.onnx.export wrote (tests/reference/make_onnx_fixtures.py), imported at build time: the project's
// <StaticNetOnnx Include="..." /> items give them to the generator and embed them.
[Network(Onnx = "mlp.onnx")] public partial class OnnxMlp { }
[Network(Onnx = "mlp_matmul.onnx")] public partial class OnnxMlpMatMul { }
[Network(Onnx = "cnn.onnx", Loss = Loss.SoftmaxCrossEntropy)] public partial class OnnxCnn { }
[Network(Onnx = "cnn_bn_gap.onnx")] public partial class OnnxCnnBnGap { }
[Network(Onnx = "lstm.onnx")] public partial class OnnxLstm { }
[Network(Onnx = "gru_seq.onnx")] public partial class OnnxGruSeq { }
[Network(Onnx = "gemm_transb0.onnx")] public partial class OnnxGemmTransB0 { }
[Network(Onnx = "resnet_block.onnx")] public partial class OnnxResNetBlock { }
[Network(Onnx = "mlp.onnx", Loss = Loss.MeanSquaredError)] public partial class OnnxMlpTrainable { }

/// <summary>The attributes that describe mlp.onnx: the imported network must be this one.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(20)]
[Dense(64, Activation.ReLU, Name = "fc1")]
[Dense(32, Activation.Tanh, Name = "fc2")]
[Dense(10, Name = "fc3")]
public partial class DeclaredMlp { }

public class OnnxImportTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string> Models => new() { "mlp", "mlp_matmul", "cnn", "cnn_bn_gap", "lstm", "gru_seq", "gemm_transb0", "resnet_block" };

    private static INetwork Create(string model) => model switch
    {
        "mlp" => new OnnxMlp(),
        "mlp_matmul" => new OnnxMlpMatMul(),
        "cnn" => new OnnxCnn(),
        "cnn_bn_gap" => new OnnxCnnBnGap(),
        "lstm" => new OnnxLstm(),
        "gru_seq" => new OnnxGruSeq(),
        "gemm_transb0" => new OnnxGemmTransB0(),
        "resnet_block" => new OnnxResNetBlock(),
        _ => throw new ArgumentOutOfRangeException(nameof(model)),
    };

    internal static string ModelPath(string model) => Path.Combine(AppContext.BaseDirectory, "fixtures", "onnx", model + ".onnx");

    /// <summary>ONNX Runtime's output for a batch: one thread, CPU.</summary>
    internal static float[] RunOnnxRuntime(string model, float[] input, ReadOnlySpan<int> shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(ModelPath(model), options);
        using OrtValue x = OrtValue.CreateTensorValueFromMemory(input, shape.ToArray().Select(d => (long)d).ToArray());
        using var run = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(run, new[] { "input" }, new[] { x }, new[] { "output" });
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ImportedNetwork_MatchesOnnxRuntimeAndPyTorch(string model)
    {
        INetwork network = Create(model);
        // gemm_transb0 is mlp with fc1 stored [in, out] (transB = 0): the same function, so the same reference.
        SafetensorsFile io = Fixture(Path.Combine("onnx", (model == "gemm_transb0" ? "mlp" : model) + "_io.safetensors"));
        SafetensorsTensor input = io.Get("input");
        float[] pytorch = io.Get("output").Data;
        float[] reference = RunOnnxRuntime(model, input.Data, input.Shape);
        AssertClose(pytorch, reference, 1e-4, model + ": ONNX Runtime vs PyTorch (the fixture itself)");

        var actual = new float[reference.Length];
        network.ForwardBatch(input.Data, actual);
        AssertClose(reference, actual, Tolerance, model + ": StaticNet vs ONNX Runtime");
        AssertClose(pytorch, actual, Tolerance, model + ": StaticNet vs PyTorch");
    }

    [Fact]
    public void LayerNames_ComeFromTheInitializersOrTheNodes()
    {
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias" }, ParameterNames(new OnnxMlp()));
        Assert.Equal(new[] { "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.weight", "fc.bias" }, ParameterNames(new OnnxLstm()));
        Assert.Contains("bn1.running_var", ParameterNames(new OnnxCnnBnGap()));
    }

    [Fact]
    public void ImportedNetwork_IsTheDeclaredOne_AndFineTunesAsIt()
    {
        var imported = new OnnxMlpTrainable();
        var declared = new DeclaredMlp(seed: 1);
        Assert.Equal(declared.ParameterTensors.Select(t => t.Name + t.ShapeText), imported.ParameterTensors.Select(t => t.Name + t.ShapeText));
        Assert.Equal(declared.Parameters.Length, imported.Parameters.Length);
        imported.Parameters.CopyTo(declared.Parameters);

        float[] x = RandomVector(4 * 20, seed: 3), y = RandomVector(4 * 10, seed: 4);
        var a = new float[40];
        var b = new float[40];
        imported.ForwardBatch(x, a);
        declared.ForwardBatch(x, b);
        Assert.Equal(b, a);

        float[] before = imported.Parameters.ToArray();
        float lossImported = imported.TrainStep(x, y, new Sgd(0.1f));
        float lossDeclared = declared.TrainStep(x, y, new Sgd(0.1f));
        Assert.Equal(lossDeclared, lossImported);
        Assert.NotEqual(before, imported.Parameters.ToArray());
        Assert.Equal(declared.Parameters.ToArray(), imported.Parameters.ToArray());
    }

    [Fact]
    public void LoadOnnxWeights_RestoresTheModelsWeights()
    {
        var network = new OnnxMlp();
        float[] original = network.Parameters.ToArray();
        foreach (ParameterTensor tensor in network.ParameterTensors)
            tensor.ImportFrom(new float[tensor.ElementCount], network.Parameters);
        Assert.NotEqual(original, network.Parameters.ToArray());
        network.LoadOnnxWeights();
        Assert.Equal(original, network.Parameters.ToArray());
    }

    [Fact]
    public void MismatchedModel_IsAClearError_AndChangesNothing()
    {
        var network = new OnnxMlp();
        float[] original = network.Parameters.ToArray();
        var sources = network.ParameterTensors.Select(t => new OnnxTensorSource(t.Name, t.ElementCount)).ToArray();
        // cnn.onnx holds fc1.weight, but [32, 784], not [64, 20]: the load fails before it writes anything.
        byte[] other = File.ReadAllBytes(ModelPath("cnn"));
        var error = Assert.Throws<InvalidDataException>(() => OnnxWeights.Load(other, "cnn.onnx", network.ParameterTensors, sources, network.Parameters));
        Assert.Contains("fc1.weight", error.Message);
        Assert.Equal(original, network.Parameters.ToArray());

        var truncated = Assert.Throws<InvalidDataException>(() => OnnxWeights.Load(other.AsSpan(0, 1000), "cut.onnx", network.ParameterTensors, sources, network.Parameters));
        Assert.Contains("cut.onnx", truncated.Message);
        Assert.Equal(original, network.Parameters.ToArray());
    }

    /// <summary>Damaged models (cut anywhere, or a byte changed) either load or are an InvalidDataException; either way nothing half-loads.</summary>
    [Fact]
    public void DamagedModels_LoadOrFailCleanly()
    {
        var network = new OnnxMlp();
        float[] original = network.Parameters.ToArray();
        var sources = network.ParameterTensors.Select(t => new OnnxTensorSource(t.Name, t.ElementCount)).ToArray();
        byte[] model = File.ReadAllBytes(ModelPath("mlp"));
        var random = new Random(21);
        int failures = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            byte[] damaged = trial % 2 == 0 ? model.AsSpan(0, random.Next(model.Length)).ToArray() : (byte[])model.Clone();
            if (trial % 2 == 1) damaged[random.Next(Math.Min(damaged.Length, 2000))] = (byte)random.Next(256); // the structure, not the weights
            float[] before = network.Parameters.ToArray();
            try
            {
                OnnxWeights.Load(damaged, "damaged.onnx", network.ParameterTensors, sources, network.Parameters);
            }
            catch (InvalidDataException)
            {
                failures++;
                Assert.Equal(before, network.Parameters.ToArray());
            }
            network.LoadOnnxWeights();
            Assert.Equal(original, network.Parameters.ToArray());
        }
        Assert.True(failures > 100, $"only {failures} of 400 damaged models failed to load");
    }

    [Fact]
    public void ImportedNetworks_InferWithoutAllocating()
    {
        var mlp = new OnnxMlp();
        var lstm = new OnnxLstm();
        float[] x = RandomVector(20, seed: 5), s = RandomVector(12 * 8, seed: 6);
        var y = new float[10];
        var h = new float[4];
        Assert.Equal(0, Allocations.Fewest(() => mlp.Forward(x, y), calls: 50));
        Assert.Equal(0, Allocations.Fewest(() => lstm.Forward(s, h), calls: 50));
    }

    /// <summary>docs/interop.md's C# under "Import from ONNX" is declared, as it is written there, in this file (which compiles).</summary>
    [Fact]
    public void InteropDocsCode_IsCompiledHere()
    {
        string here = ThisFile();
        string doc = File.ReadAllText(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "docs", "interop.md")).Replace("\r", "");
        int start = doc.IndexOf("## Import from ONNX", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/interop.md has no '## Import from ONNX' section");
        int end = doc.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = end < 0 ? doc[start..] : doc[start..end];
        string source = File.ReadAllText(here);
        var blocks = Regex.Matches(section, "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.NotEmpty(blocks);
        foreach (Match block in blocks)
            foreach (string line in block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                Assert.Contains(line.Trim(), source);
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
