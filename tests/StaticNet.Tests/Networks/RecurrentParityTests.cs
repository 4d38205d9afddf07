using System;
using System.IO;
using System.Linq;
using StaticNet.IO;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

// The recurrent networks of tests/reference/make_layer_fixtures.py (default names layers.{i}; each PyTorch layer a
// one-layer nn.LSTM/GRU/RNN with batch_first=True; a Dense after a sequence applies at every step).
[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [LSTM(5)] [Dense(2)]
public partial class ParityLstmLastNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [LSTM(5, ReturnSequences = true)] [Dense(2)]
public partial class ParityLstmSeqNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [GRU(5)] [Dense(2)]
public partial class ParityGruLastNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [GRU(5, ReturnSequences = true)] [Dense(2)]
public partial class ParityGruSeqNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [SimpleRNN(5, ReturnSequences = true)] [Dense(2)]
public partial class ParityRnnTanhSeqNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [SimpleRNN(5, Activation.ReLU)] [Dense(2)]
public partial class ParityRnnReluLastNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5, 2)] [LSTM(4, ReturnSequences = true)] [GRU(3)] [Dense(2)]
public partial class ParityStackedNet { }

[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(7)] [Embedding(11, 4)] [LSTM(6)] [Dense(3)]
public partial class ParityEmbeddingNet { }

/// <summary>
/// SimpleRNN, LSTM, GRU and Embedding against PyTorch (tests/reference/make_layer_fixtures.py, torch 1.13): outputs and
/// loss within 1e-5, every parameter's gradient within 1e-4, relative to max(1, |value|); weights load by PyTorch name.
/// </summary>
public class RecurrentParityTests
{
    private const double OutputTolerance = 1e-5;
    private const double GradientTolerance = 1e-4;

    public static TheoryData<string> Cases() => new(
        "lstm_last", "lstm_seq", "gru_last", "gru_seq", "rnn_tanh_seq", "rnn_relu_last", "stacked", "embedding");

    private static ITrainableNetwork Create(string fixture) => fixture switch
    {
        "lstm_last" => new ParityLstmLastNet(1),
        "lstm_seq" => new ParityLstmSeqNet(1),
        "gru_last" => new ParityGruLastNet(1),
        "gru_seq" => new ParityGruSeqNet(1),
        "rnn_tanh_seq" => new ParityRnnTanhSeqNet(1),
        "rnn_relu_last" => new ParityRnnReluLastNet(1),
        "stacked" => new ParityStackedNet(1),
        "embedding" => new ParityEmbeddingNet(1),
        _ => throw new ArgumentException(fixture),
    };

    private static (ITrainableNetwork Network, SafetensorsFile File) Load(string fixture)
    {
        string name = "layer_" + fixture + ".safetensors";
        ITrainableNetwork network = Create(fixture);
        using FileStream stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "fixtures", name));
        network.LoadSafetensors(stream);
        return (network, Fixture(name));
    }

    private static string[] TrainableNames(SafetensorsFile file) =>
        file.Tensors.Where(t => t.Name.StartsWith("grad.", StringComparison.Ordinal)).Select(t => t.Name.Substring(5)).ToArray();

    private static float[] Export(INetwork network, string name, ReadOnlySpan<float> buffer)
    {
        ParameterTensor tensor = network.ParameterTensors.Single(t => t.Name == name);
        var values = new float[tensor.ElementCount];
        tensor.ExportTo(buffer, values);
        return values;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TensorsHavePyTorchNamesShapesAndCounts(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        string[] trainable = TrainableNames(file);
        Assert.Equal(trainable.OrderBy(n => n, StringComparer.Ordinal), network.ParameterTensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));
        foreach (string name in trainable)
        {
            Assert.True(file.Get(name).Shape.SequenceEqual(network.ParameterTensors.Single(t => t.Name == name).Shape), $"{fixture} {name}");
            AssertClose(file.Get(name).Data, Export(network, name, network.Parameters), 0, $"{fixture} {name} (loaded)");
        }
        Assert.Equal(trainable.Sum(n => file.Get(n).ElementCount), network.ParameterCount);
    }

    [Theory]
    [MemberData(nameof(Cases))]
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
    [MemberData(nameof(Cases))]
    public void LossAndGradientsMatchPyTorch(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        float loss = network.ComputeGradients(file.Get("input").Data, file.Get("target").Data);
        AssertClose(file.Get("loss").Data, [loss], OutputTolerance, fixture + " loss");
        foreach (string name in TrainableNames(file))
            AssertClose(file.Get("grad." + name).Data, Export(network, name, network.Gradients), GradientTolerance, $"{fixture} grad.{name}");
    }

    [Fact]
    public void TokenNetworksTakeIdsAndLabels()
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load("embedding");
        var net = (ParityEmbeddingNet)network;
        int[] tokens = file.Get("input").Data.Select(v => (int)v).ToArray();
        int[] labels = file.Get("labels").Data.Select(v => (int)v).ToArray();
        float loss = net.ComputeGradients(tokens, labels);
        AssertClose(file.Get("loss").Data, [loss], OutputTolerance, "embedding loss (ids, labels)");
        foreach (string name in TrainableNames(file))
            AssertClose(file.Get("grad." + name).Data, Export(net, name, net.Gradients), GradientTolerance, $"embedding grad.{name} (ids, labels)");

        float[] asFloats = file.Get("input").Data.ToArray();
        asFloats[2] = 2.5f;
        var error = Assert.Throws<ArgumentException>(() => network.ComputeLoss(asFloats, file.Get("target").Data));
        Assert.Contains("token ids", error.Message);
        tokens[3] = 11;
        var outOfRange = Assert.ThrowsAny<ArgumentException>(() => net.ForwardBatch(tokens, new float[tokens.Length / ParityEmbeddingNet.InputSize * ParityEmbeddingNet.OutputSize]));
        Assert.Contains("11", outOfRange.Message);
    }
}
