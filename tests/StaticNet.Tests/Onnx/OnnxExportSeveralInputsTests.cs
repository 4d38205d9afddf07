using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using StaticNet.IO;
using StaticNet.IO.Onnx;
using StaticNet.Tests.Graphs;
using StaticNet.Tests.PyTorchExport;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Onnx;

/// <summary>
/// The export of a network with several named inputs, the critic Q(s, a) of the graph tests (<see cref="TwoInputCritic"/>):
/// ONNX Runtime runs SaveOnnx's file with one graph input per input and matches <c>Forward(state, action, output)</c>; the
/// PyTorch source's <c>forward(state, action)</c> matches in /usr/bin/python3, and weights trained there come back through
/// safetensors.
/// </summary>
public class OnnxExportSeveralInputsTests(ITestOutputHelper log)
{
    private const float Tolerance = 1e-5f;

    private static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(2 * random.NextDouble() - 1);
        return values;
    }

    /// <summary>Forward one sample at a time, through the overload that takes one span per input.</summary>
    private static float[] ForwardPerSample(TwoInputCritic net, float[] states, float[] actions, int rows)
    {
        var outputs = new float[rows * TwoInputCritic.OutputSize];
        for (int r = 0; r < rows; r++)
            net.Forward(states.AsSpan(r * TwoInputCritic.StateInputSize, TwoInputCritic.StateInputSize),
                actions.AsSpan(r * TwoInputCritic.ActionInputSize, TwoInputCritic.ActionInputSize),
                outputs.AsSpan(r * TwoInputCritic.OutputSize, TwoInputCritic.OutputSize));
        return outputs;
    }

    private static float Worst(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float difference = Math.Abs(expected[i] - actual[i]) / Math.Max(1f, Math.Abs(expected[i]));
            if (!(difference <= worst)) worst = float.IsNaN(difference) ? float.PositiveInfinity : difference;
        }
        return worst;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void OnnxRuntimeTakesOneInputPerNameAndMatchesForward(int rows)
    {
        var net = (TwoInputCritic)OnnxExportTests.Create(typeof(TwoInputCritic), seed: 11);
        float[] states = Random(rows * TwoInputCritic.StateInputSize, seed: 1), actions = Random(rows * TwoInputCritic.ActionInputSize, seed: 2);
        float[] expected = ForwardPerSample(net, states, actions, rows);

        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(OnnxExportTests.SaveOnnx(net), options);
        Assert.Equal(new[] { "state", "action" }, session.InputMetadata.Keys.ToArray());
        Assert.Equal(new[] { -1, TwoInputCritic.StateInputSize }, session.InputMetadata["state"].Dimensions);
        Assert.Equal(new[] { -1, TwoInputCritic.ActionInputSize }, session.InputMetadata["action"].Dimensions);
        Assert.Equal("N", session.InputMetadata["action"].SymbolicDimensions[0]);
        Assert.Equal(new[] { -1, TwoInputCritic.OutputSize }, session.OutputMetadata["output"].Dimensions);

        var feeds = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("state", new DenseTensor<float>(states, new[] { rows, TwoInputCritic.StateInputSize })),
            NamedOnnxValue.CreateFromTensor("action", new DenseTensor<float>(actions, new[] { rows, TwoInputCritic.ActionInputSize })),
        };
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(feeds);
        float[] actual = results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray();
        float worst = Worst(expected, actual);
        log.WriteLine($"TwoInputCritic, {rows} rows: max |ONNX Runtime − Forward(state, action)| relative {worst:E2}");
        Assert.True(worst <= Tolerance, $"ONNX Runtime differs from Forward(state, action, output) by {worst:E3}, more than {Tolerance:E0}");
        Assert.All(expected, v => Assert.NotEqual(0f, v)); // the comparison is not between zeros
    }

    [Fact]
    public void TheGraphHasNoPackedInputAndTheWeightsUnderTheirSafetensorsNames()
    {
        var net = (TwoInputCritic)OnnxExportTests.Create(typeof(TwoInputCritic), seed: 3);
        using var session = new InferenceSession(OnnxExportTests.SaveOnnx(net));
        Assert.DoesNotContain("input", session.InputMetadata.Keys);
        Assert.Equal(new[] { "trunk.weight", "trunk.bias", "fc.weight", "fc.bias", "q.weight", "q.bias" }, net.ParameterTensors.Select(t => t.Name));
        // The source names the inputs as forward's arguments and has no module for them.
        Assert.Contains("    def forward(self, state, action):\n", TwoInputCritic.PyTorchSource.Replace("\r\n", "\n"));
        Assert.DoesNotContain("NotImplementedError(", TwoInputCritic.PyTorchSource[TwoInputCritic.PyTorchSource.IndexOf("class TwoInputCritic(", StringComparison.Ordinal)..]);
        Assert.DoesNotContain("_place('state'", TwoInputCritic.PyTorchSource);
    }

    [Fact]
    public void AnInputNamedLikeTheOutputOrTwiceIsRefusedBeforeAnythingIsWritten()
    {
        var onnx = new OnnxGraphBuilder("g");
        string x = onnx.Input("output", OnnxGraphBuilder.Batch, 2);
        var error = Assert.Throws<NotSupportedException>(() => onnx.Output(onnx.Node("Relu", new[] { x }), "output", OnnxGraphBuilder.Batch, 2));
        Assert.Contains("an input has that name", error.Message);
        Assert.Throws<ArgumentException>(() => onnx.Input("output", OnnxGraphBuilder.Batch, 3));
    }

    /// <summary>
    /// In /usr/bin/python3: the exported module loads SaveSafetensors' file strictly and <c>forward(state, action)</c> matches
    /// Forward; one SGD step there, its state_dict back through safetensors, and LoadSafetensors gives PyTorch's new outputs.
    /// </summary>
    [TorchFact]
    public void ThePyTorchSourceTakesOneTensorPerInputAndTheWeightsComeBack()
    {
        string work = Path.Combine(Path.GetTempPath(), "staticnet-inputs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            const string name = nameof(TwoInputCritic);
            const int rows = 4;
            var net = (TwoInputCritic)OnnxExportTests.Create(typeof(TwoInputCritic), seed: 21);
            float[] states = Random(rows * TwoInputCritic.StateInputSize, seed: 8), actions = Random(rows * TwoInputCritic.ActionInputSize, seed: 9);
            float[] outputs = ForwardPerSample(net, states, actions, rows);
            TwoInputCritic.ExportPyTorch(Path.Combine(work, name + ".py"));
            ((INetwork)net).SaveSafetensors(Path.Combine(work, name + ".safetensors"));
            net.SaveOnnx(Path.Combine(work, name + ".onnx"));
            using (var stream = File.Create(Path.Combine(work, name + ".check.safetensors")))
                Safetensors.Write(stream, new List<SafetensorsTensor>
                {
                    new("state", new[] { rows, TwoInputCritic.StateInputSize }, states),
                    new("action", new[] { rows, TwoInputCritic.ActionInputSize }, actions),
                    new("output", new[] { rows, TwoInputCritic.OutputSize }, outputs),
                });
            string script = Path.Combine(OnnxExportTests.RepositoryRoot(), "tests", "reference", "check_pytorch_several_inputs.py");
            string output = Run(work, TorchFactAttribute.Python, $"\"{script}\" \"{work}\" {name} state action");
            log.WriteLine(output);
            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            float forward = float.Parse(lines.Single(l => l.StartsWith("forward ", StringComparison.Ordinal))["forward ".Length..], CultureInfo.InvariantCulture);
            Assert.True(forward <= Tolerance, $"PyTorch's forward(state, action) differs from Forward by {forward:E3}, more than {Tolerance:E0}");
            Assert.Contains("trained", lines);
            if (!lines.Contains("onnx absent")) Assert.Contains("onnx-checked state action", lines);

            // The round trip: PyTorch's trained state_dict back into the network, whose outputs become PyTorch's.
            ((INetwork)net).LoadSafetensors(Path.Combine(work, name + ".trained.safetensors"));
            float[] trained;
            using (var stream = File.OpenRead(Path.Combine(work, name + ".trained.check.safetensors")))
                trained = Safetensors.Read(stream).Tensors.Single(t => t.Name == "output").Data;
            float[] after = ForwardPerSample(net, states, actions, rows);
            Assert.True(Worst(outputs, after) > 1e-4f, "the SGD step in PyTorch changed the outputs");
            float back = Worst(trained, after);
            log.WriteLine($"after the round trip: max |PyTorch − Forward| relative {back:E2}");
            Assert.True(back <= Tolerance, $"after LoadSafetensors of PyTorch's weights, Forward differs from PyTorch by {back:E3}");
        }
        finally { Directory.Delete(work, recursive: true); }
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
