using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using StaticNet.IO;
using StaticNet.Tests.PyTorchExport;
using Xunit;

namespace StaticNet.Tests.Onnx;

// The network of docs/interop.md, as written there (TheDocsCodeIsThisFileVerbatim checks every C# block).
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 8, 8)]
[Conv2D(4, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Flatten] [Dropout(0.1f)] [Dense(3)]
public partial class TinyClassifier { }

/// <summary>
/// docs/interop.md, end to end: its C# blocks are in this file verbatim and run here (relative paths, in a temporary
/// working directory); its Python block runs in /usr/bin/python3 under DistributedDataParallel (one gloo process) when
/// torch is there, and the weights it trains come back into StaticNet and match PyTorch.
/// </summary>
[Collection("dotnet CLI")] // the docs' relative paths change the working directory: this collection runs with no other test in parallel
public class InteropDocsTests
{
    private static TinyClassifier ExportToOnnx()
    {
        var network = new TinyClassifier(seed: 1);
        // ... train it, or load trained weights ...
        network.SaveOnnx("tiny.onnx");
        return network;
    }

    private static float[] RunInOnnxRuntime()
    {
        using var session = new InferenceSession("tiny.onnx");
        int rows = 2;
        var batch = new DenseTensor<float>(new float[rows * TinyClassifier.InputSize], new[] { rows, 1, 8, 8 });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("input", batch) });
        float[] logits = results.First().AsEnumerable<float>().ToArray(); // rows × 3, as network.ForwardBatch gives
        return logits;
    }

    private static void OutOfStaticNet(TinyClassifier network)
    {
        TinyClassifier.ExportPyTorch("tiny_model.py");
        network.SaveSafetensors("tiny.safetensors");
    }

    private static TinyClassifier BackInStaticNet()
    {
        var trained = new TinyClassifier();
        trained.LoadSafetensors("tiny.trained.safetensors");
        return trained;
    }

    [Fact]
    public void TheDocsCodeIsThisFileVerbatim()
    {
        string source = Normalize(File.ReadAllText(ThisFile()));
        List<string> blocks = Blocks("csharp");
        Assert.Equal(5, blocks.Count);
        foreach (string block in blocks)
            foreach (string line in block.Split('\n'))
                Assert.Contains(line, source);
    }

    [Fact]
    public void TheOnnxRoundTripRuns() => InDirectory(directory =>
    {
        TinyClassifier network = ExportToOnnx();
        float[] logits = RunInOnnxRuntime();
        var expected = new float[2 * TinyClassifier.OutputSize];
        network.ForwardBatch(new float[2 * TinyClassifier.InputSize], expected);
        Assert.Equal(expected.Length, logits.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - logits[i]) <= 1e-5f, $"logit {i}: {logits[i]} vs {expected[i]}");
        Assert.Equal(new[] { "tiny.onnx" }, Directory.GetFiles(directory).Select(Path.GetFileName));
    });

    [TorchFact]
    public void ThePyTorchRoundTripTrainsInPyTorchUnderDdpAndComesBack() => InDirectory(directory =>
    {
        TinyClassifier network = ExportToOnnx();
        OutOfStaticNet(network);

        // The docs' Python block verbatim, with a stand-in for the safetensors package (not installed here) made of the
        // repository's dependency-free reader and writer.
        string tools = Path.Combine(RepositoryRoot(), "tools");
        Directory.CreateDirectory("safetensors");
        File.WriteAllText(Path.Combine("safetensors", "__init__.py"), "");
        File.WriteAllText(Path.Combine("safetensors", "torch.py"),
            $"import sys\nsys.path.insert(0, {Python(tools)})\nfrom staticnet_export import read_safetensors, write_safetensors\n\n\n" +
            "def load_file(path):\n    return read_safetensors(path)\n\n\ndef save_file(tensors, path):\n    write_safetensors(path, tensors)\n");
        File.WriteAllText("train.py", Blocks("python").Single());
        var random = new Random(4);
        float[] inputs = Enumerable.Range(0, 4 * TinyClassifier.InputSize).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
        using (var stream = File.Create("check.safetensors"))
            Safetensors.Write(stream, new List<SafetensorsTensor> { new("input", new[] { 4, 1, 8, 8 }, inputs) });
        File.WriteAllText("check.py", """
            import torch
            from safetensors.torch import load_file, save_file
            from tiny_model import TinyClassifier
            model = TinyClassifier()
            model.load_state_dict(load_file("tiny.trained.safetensors"))
            model.eval()
            with torch.no_grad():
                save_file({"output": model(load_file("check.safetensors")["input"])}, "check.output.safetensors")
            """);
        var ddp = new Dictionary<string, string>
        {
            ["RANK"] = "0", ["LOCAL_RANK"] = "0", ["WORLD_SIZE"] = "1", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
        };
        Run(directory, "train.py", ddp);
        Run(directory, "check.py", new Dictionary<string, string>());

        TinyClassifier trained = BackInStaticNet();
        float[] pytorch = Safetensors.Read(Path.Combine(directory, "check.output.safetensors")).Get("output").Data;
        var staticNet = new float[4 * TinyClassifier.OutputSize];
        trained.ForwardBatch(inputs, staticNet);
        var before = new float[staticNet.Length];
        network.ForwardBatch(inputs, before);
        Assert.NotEqual(before, staticNet); // PyTorch trained it: the weights changed
        for (int i = 0; i < staticNet.Length; i++)
            Assert.True(Math.Abs(staticNet[i] - pytorch[i]) <= 1e-5f * Math.Max(1f, Math.Abs(pytorch[i])), $"output {i}: StaticNet {staticNet[i]}, PyTorch {pytorch[i]}");
        // BatchNorm's running statistics came back too (PyTorch updated them in train mode).
        ParameterTensor variance = trained.ParameterTensors.Single(t => t.Name == "1.running_var");
        Assert.NotEqual(variance.Export(network.Parameters), variance.Export(trained.Parameters));
    });

    // ── Helpers ────────────────────────────────────────────────────────────────────────────────────────────────────

    private static void InDirectory(Action<string> body)
    {
        string directory = Path.Combine(Path.GetTempPath(), "staticnet-interop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string previous = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = directory;
            body(directory);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void Run(string directory, string script, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(TorchFactAttribute.Python, script) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using Process process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"python3 {script} failed ({process.ExitCode}):\n{output}\n{error.Result}");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string Python(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    private static List<string> Blocks(string language)
    {
        string docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "interop.md")).Replace("\r", "");
        // The import section's blocks are OnnxImportTests' (InteropDocsCode_IsCompiledHere): leave them out here.
        int import = docs.IndexOf("\n## Import from ONNX", StringComparison.Ordinal);
        if (import >= 0)
        {
            int next = docs.IndexOf("\n## ", import + 1, StringComparison.Ordinal);
            docs = docs[..import] + (next < 0 ? "" : docs[next..]);
        }
        var blocks = new List<string>();
        string fence = "```" + language + "\n";
        for (int at = docs.IndexOf(fence, StringComparison.Ordinal); at >= 0; at = docs.IndexOf(fence, at, StringComparison.Ordinal))
        {
            int start = at + fence.Length, end = docs.IndexOf("```", start, StringComparison.Ordinal);
            blocks.Add(language == "csharp" ? Normalize(docs[start..end]) : docs[start..end]);
            at = end + 3;
        }
        return blocks;
    }

    private static string Normalize(string text) =>
        string.Join("\n", text.Replace("\r", "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string RepositoryRoot()
    {
        string directory = Path.GetDirectoryName(ThisFile())!;
        while (!File.Exists(Path.Combine(directory, "StaticNet.sln"))) directory = Path.GetDirectoryName(directory)!;
        return directory;
    }
}
