using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using StaticNet.IO;
using StaticNet.Optimizers;
using StaticNet.Tests.PyTorchExport;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

// ---- The networks of make_recurrent_stack_fixtures.py (no Name: PyTorch's nn.Sequential indices) ----

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [LSTM(5, NumLayers = 2)] [Dense(2)]
public partial class RStackLstm2LastNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5, 2)] [GRU(4, NumLayers = 3, ReturnSequences = true)] [Dense(2)]
public partial class RStackGru3SeqNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [GRU(4, Bidirectional = true, ReturnSequences = true)] [Dense(2)]
public partial class RStackGruBiSeqNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [LSTM(4, Bidirectional = true)] [Dense(2)]
public partial class RStackLstmBiLastNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5, 3)] [LSTM(4, NumLayers = 2, Bidirectional = true)] [Dense(3)]
public partial class RStackLstmBi2LastNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5, 2)] [SimpleRNN(3, NumLayers = 2, Bidirectional = true, ReturnSequences = true)] [Dense(2)]
public partial class RStackRnnBi2SeqNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 2)] [SimpleRNN(5, Activation.ReLU, NumLayers = 2)] [Dense(2)]
public partial class RStackRnnRelu2LastNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [LSTM(5, NumLayers = 2, Dropout = 0.3f, ReturnSequences = true)] [Dense(2)]
public partial class RStackLstm2DropoutNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(16, 1)] [LSTM(32, NumLayers = 2, ReturnSequences = true)] [Dense(1)]
public partial class RStackStreamLstm2Net { }

// Dropout between stacked layers, for finite differences (no PyTorch fixture: the masks are StaticNet's own).
[Network(Loss = Loss.MeanSquaredError)] [Input(4, 2)] [LSTM(3, NumLayers = 2, Dropout = 0.5f, ReturnSequences = true)] [Dense(2)]
public partial class GradStackDropoutNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(4, 2)] [GRU(3, NumLayers = 3, Bidirectional = true, Dropout = 0.4f)] [Dense(2)]
public partial class GradBiStackDropoutNet { }

/// <summary>
/// Stacked and bidirectional recurrent layers (NumLayers, Bidirectional, Dropout) against PyTorch's nn.LSTM, nn.GRU and
/// nn.RNN (tests/reference/make_recurrent_stack_fixtures.py): the state_dict loads strictly into declarations without a
/// Name and is what the network saves; outputs and loss within 1e-5, gradients and one Adam step within 1e-4 (relative
/// to max(1, |value|)); the causal stack streams with Step; and PyTorch loads what StaticNet saves with strict=True.
/// </summary>
public class RecurrentStackParityTests
{
    private const double OutputTolerance = 1e-5;
    private const double GradientTolerance = 1e-4;

    private static readonly string[] Trained =
        ["lstm2_last", "gru3_seq", "gru_bi_seq", "lstm_bi_last", "lstm_bi2_last", "rnn_bi2_seq", "rnn_relu2_last"];

    private static readonly string[] All = [.. Trained, "lstm2_dropout", "stream_lstm2"];

    public static TheoryData<string> AllCases() => new(All);

    public static TheoryData<string> TrainedCases() => new(Trained);

    private static ITrainableNetwork Create(string fixture) => fixture switch
    {
        "lstm2_last" => new RStackLstm2LastNet(1),
        "gru3_seq" => new RStackGru3SeqNet(1),
        "gru_bi_seq" => new RStackGruBiSeqNet(1),
        "lstm_bi_last" => new RStackLstmBiLastNet(1),
        "lstm_bi2_last" => new RStackLstmBi2LastNet(1),
        "rnn_bi2_seq" => new RStackRnnBi2SeqNet(1),
        "rnn_relu2_last" => new RStackRnnRelu2LastNet(1),
        "lstm2_dropout" => new RStackLstm2DropoutNet(1),
        "stream_lstm2" => new RStackStreamLstm2Net(1),
        _ => throw new ArgumentException(fixture),
    };

    private static SafetensorsFile File(string fixture) => Fixture("rstack_" + fixture + ".safetensors");

    /// <summary>The fixture's state_dict alone: every tensor but the inputs, outputs, gradients and Adam steps.</summary>
    private static string[] StateDict(SafetensorsFile file) =>
        file.Tensors.Select(t => t.Name)
            .Where(n => n is not ("input" or "target" or "output" or "loss") && !n.StartsWith("grad.", StringComparison.Ordinal) && !n.StartsWith("adam.", StringComparison.Ordinal))
            .ToArray();

    /// <summary>The network with the fixture's state_dict, loaded strictly (as load_state_dict(strict=True)).</summary>
    private static (ITrainableNetwork Network, SafetensorsFile File) Load(string fixture)
    {
        SafetensorsFile file = File(fixture);
        using var stream = new MemoryStream();
        Safetensors.Write(stream, StateDict(file).Select(file.Get).ToList());
        stream.Position = 0;
        ITrainableNetwork network = Create(fixture);
        network.LoadSafetensors(stream); // strict: a missing or unexpected tensor throws
        return (network, file);
    }

    private static SafetensorsFile Saved(INetwork network)
    {
        using var stream = new MemoryStream();
        network.SaveSafetensors(stream);
        stream.Position = 0;
        return Safetensors.Read(stream);
    }

    /// <summary>Every rstack_* fixture the script writes is one of these tests' cases.</summary>
    [Fact]
    public void EveryStackFixtureIsCovered()
    {
        string[] files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "fixtures"), "rstack_*.safetensors")
            .Select(f => Path.GetFileNameWithoutExtension(f)!["rstack_".Length..]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(All.Order(StringComparer.Ordinal), files);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void StateDictLoadsStrictlyAndIsWhatTheNetworkSaves(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        string[] expected = StateDict(file).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        SafetensorsFile saved = Saved(network);
        Assert.Equal(expected, saved.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray());
        foreach (SafetensorsTensor tensor in saved.Tensors)
        {
            Assert.True(file.Get(tensor.Name).Shape.SequenceEqual(tensor.Shape), $"{fixture} {tensor.Name}: {tensor.ShapeText}, PyTorch {file.Get(tensor.Name).ShapeText}");
            AssertClose(file.Get(tensor.Name).Data, tensor.Data, 0, $"{fixture} {tensor.Name} (round trip)");
        }
        Assert.Equal(expected.Sum(n => (long)file.Get(n).ElementCount), network.ParameterCount);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void ForwardMatchesPyTorch(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        float[] input = file.Get("input").Data, expected = file.Get("output").Data;
        var batch = new float[expected.Length];
        network.ForwardBatch(input, batch);
        AssertClose(expected, batch, OutputTolerance, fixture + " ForwardBatch");
        var single = new float[network.OutputSize];
        for (int r = 0; r < input.Length / network.InputSize; r++)
        {
            network.Forward(input.AsSpan(r * network.InputSize, network.InputSize), single);
            AssertClose(expected.AsSpan(r * network.OutputSize, network.OutputSize), single, OutputTolerance, $"{fixture} Forward row {r}");
        }
    }

    [Theory]
    [MemberData(nameof(TrainedCases))]
    public void LossAndGradientsMatchPyTorch(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        float loss = network.ComputeGradients(file.Get("input").Data, file.Get("target").Data);
        AssertClose(file.Get("loss").Data, [loss], OutputTolerance, fixture + " loss");
        foreach (string name in StateDict(file))
            AssertClose(file.Get("grad." + name).Data, Export(network, name, network.Gradients), GradientTolerance, $"{fixture} grad.{name}");
    }

    [Theory]
    [MemberData(nameof(TrainedCases))]
    public void OneAdamStepMatchesPyTorch(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        network.TrainStep(file.Get("input").Data, file.Get("target").Data, new Adam(0.01f));
        foreach (string name in StateDict(file))
            AssertClose(file.Get("adam." + name).Data, Export(network, name, network.Parameters), GradientTolerance, $"{fixture} adam.{name}");
    }

    /// <summary>
    /// Dropout between the stacked layers acts in training only: ComputeLoss (inference) is PyTorch's eval() loss, while
    /// the training pass drops values (its loss differs, and repeats under the same seed), and its gradients are finite.
    /// </summary>
    [Fact]
    public void InterLayerDropoutActsInTrainingOnly()
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load("lstm2_dropout");
        float[] input = file.Get("input").Data, target = file.Get("target").Data;
        float inference = network.ComputeLoss(input, target);
        AssertClose(file.Get("loss").Data, [inference], OutputTolerance, "lstm2_dropout ComputeLoss (inference)");
        float training = network.ComputeGradients(input, target);
        Assert.NotEqual(inference, training);
        Assert.All(network.Gradients.ToArray(), g => Assert.True(float.IsFinite(g)));
        (ITrainableNetwork again, _) = Load("lstm2_dropout");
        Assert.Equal(training, again.ComputeGradients(input, target));
    }

    /// <summary>
    /// The training pass with dropout between stacked layers (forward and bidirectional) against central finite
    /// differences of its own loss: every evaluation runs on a fresh network of the same seed, hence the same masks.
    /// </summary>
    [Theory]
    [InlineData("stack")]
    [InlineData("bidirectional")]
    public void DropoutBetweenLayersBackpropagatesThroughItsMask(string name)
    {
        Func<ITrainableNetwork> create = name == "stack" ? () => new GradStackDropoutNet(41) : () => new GradBiStackDropoutNet(42);
        ITrainableNetwork network = create();
        const int rows = 3;
        float[] inputs = RandomVector(rows * network.InputSize, 43), targets = RandomVector(rows * network.OutputSize, 44);
        float[] initial = network.Parameters.ToArray();
        network.ComputeGradients(inputs, targets);
        float[] analytic = network.Gradients.ToArray();
        GradientCheckTests.AssertGradientsMatch(name, network, analytic, initial, parameters =>
        {
            ITrainableNetwork fresh = create();
            parameters.CopyTo(fresh.Parameters);
            return fresh.ComputeGradients(inputs, targets);
        });
        Assert.NotEqual(network.ComputeLoss(inputs, targets), create().ComputeGradients(inputs, targets)); // the masks do act
    }

    /// <summary>The causal stack streams: Step (and StepBlock) over each sequence gives PyTorch's output at every step.</summary>
    [Fact]
    public void StackedLstmStreamsAsPyTorchRunsTheSequence()
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load("stream_lstm2");
        var net = (RStackStreamLstm2Net)network;
        float[] input = file.Get("input").Data, expected = file.Get("output").Data;
        const int steps = 16;
        var y = new float[1];
        var block = new float[steps];
        for (int r = 0; r < input.Length / steps; r++)
        {
            net.ResetState();
            for (int t = 0; t < steps; t++)
            {
                net.Step(input.AsSpan(r * steps + t, 1), y);
                AssertClose(expected.AsSpan(r * steps + t, 1), y, OutputTolerance, $"stream_lstm2 Step sample {r} step {t}");
            }
            net.ResetState();
            net.StepBlock(input.AsSpan(r * steps, steps), block);
            AssertClose(expected.AsSpan(r * steps, steps), block, OutputTolerance, $"stream_lstm2 StepBlock sample {r}");
        }
    }

    /// <summary>
    /// Stacks allocate nothing once warm: Forward, ForwardBatch and TrainStep of a bidirectional two-layer LSTM, the
    /// training pass with dropout between layers, and the stacked Step and StepBlock.
    /// </summary>
    [Fact]
    public void StacksAllocateNothing()
    {
        (ITrainableNetwork bidirectional, SafetensorsFile file) = Load("lstm_bi2_last");
        float[] input = file.Get("input").Data, target = file.Get("target").Data;
        var output = new float[target.Length];
        var adam = new Adam(1e-3f);
        Assert.Equal(0, AllocationTests.AllocatedBy(() => bidirectional.Forward(input.AsSpan(0, bidirectional.InputSize), output.AsSpan(0, bidirectional.OutputSize)), 50));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => bidirectional.ForwardBatch(input, output), 50));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => bidirectional.TrainStep(input, target, adam), 50));

        (ITrainableNetwork dropout, SafetensorsFile dropoutFile) = Load("lstm2_dropout");
        float[] dropoutInput = dropoutFile.Get("input").Data, dropoutTarget = dropoutFile.Get("target").Data;
        var dropoutAdam = new Adam(1e-3f);
        Assert.Equal(0, AllocationTests.AllocatedBy(() => dropout.TrainStep(dropoutInput, dropoutTarget, dropoutAdam), 50));

        var stream = (RStackStreamLstm2Net)Load("stream_lstm2").Network;
        float[] x = RandomVector(64, 3);
        var y = new float[64];
        Assert.Equal(0, AllocationTests.AllocatedBy(() => stream.Step(x.AsSpan(0, 1), y.AsSpan(0, 1))));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => stream.StepBlock(x, y), 50));
    }

    /// <summary>
    /// The way back: StaticNet trains each network one Adam step and saves it; PyTorch loads every file into the same
    /// module with load_state_dict(strict=True) and computes the outputs StaticNet computed with those weights.
    /// </summary>
    [TorchFact]
    public void PyTorchLoadsWhatStaticNetSavesStrictly()
    {
        string work = Path.Combine(Path.GetTempPath(), "staticnet-rstack-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var arguments = new List<string>();
            foreach (string fixture in All)
            {
                (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
                float[] input = file.Get("input").Data;
                if (Trained.Contains(fixture))
                    network.TrainStep(input, file.Get("target").Data, new Adam(0.01f));
                var output = new float[input.Length / network.InputSize * network.OutputSize];
                network.ForwardBatch(input, output);
                var tensors = Saved(network).Tensors.ToList();
                tensors.Add(file.Get("input"));
                tensors.Add(new SafetensorsTensor("output", file.Get("output").Shape.ToArray(), output));
                string path = Path.Combine(work, fixture + ".safetensors");
                using (FileStream stream = System.IO.File.Create(path))
                    Safetensors.Write(stream, tensors);
                arguments.Add(fixture);
                arguments.Add(path);
            }
            string script = Path.Combine(RepositoryRoot(), "tests", "reference", "make_recurrent_stack_fixtures.py");
            var start = new ProcessStartInfo(TorchFactAttribute.Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(script);
            start.ArgumentList.Add("load");
            foreach (string argument in arguments) start.ArgumentList.Add(argument);
            start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
            using Process process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the PyTorch check did not finish in 3 minutes");
            Assert.True(process.ExitCode == 0, $"PyTorch's strict load or outputs failed ({process.ExitCode}):\n{stdout}\n{stderr.Result}");
            string[] lines = stdout.Trim().Split('\n');
            Assert.Equal(All.Length, lines.Length);
            foreach (string line in lines)
            {
                using JsonDocument result = JsonDocument.Parse(line);
                Assert.True(result.RootElement.GetProperty("max_abs_diff").GetDouble() <= 1e-5, line);
            }
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !System.IO.File.Exists(Path.Combine(directory, "StaticNet.sln")))
            directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException("StaticNet.sln not found above " + AppContext.BaseDirectory);
    }
}
