using System;
using System.Linq;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

/// <summary>
/// Sequence networks end to end: finite-difference gradients of whole networks (every cell, stacked, last step and every
/// step, tokens), streaming <c>Step</c> against whole-sequence <c>Forward</c>, and no allocation on the hot paths.
/// </summary>
public class SequenceNetworkTests
{
    public static TheoryData<string> Networks() => new("lstm-seq", "gru-last", "stacked", "rnn-relu-seq", "tokens", "tokens-70rows", "dot-readout", "dense-head");

    private static (ITrainableNetwork Network, int Rows) Create(string name) => name switch
    {
        "lstm-seq" => (new LstmSequenceNet(31), 4),
        "gru-last" => (new GruLastNet(32), 4),
        "stacked" => (new StackedRecurrentNet(33), 3),
        "rnn-relu-seq" => (new RnnReluSequenceNet(34), 4),
        "tokens" => (new TokenTaggerNet(35), 4),
        "tokens-70rows" => (new TokenTaggerNet(36), 70),
        "dot-readout" => (new DotReadoutNet(37), 3),
        "dense-head" => (new DenseHeadNet(38), 3),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Inputs: random features, or whole-number token ids below the vocabulary for a token network.</summary>
    private static float[] Inputs(ITrainableNetwork network, int rows, int seed)
    {
        float[] inputs = RandomVector(rows * network.InputSize, seed);
        if (network is TokenTaggerNet or EmbeddingLstmNet)
        {
            var random = new Random(seed);
            for (int i = 0; i < inputs.Length; i++) inputs[i] = random.Next(11);
        }
        return inputs;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        (ITrainableNetwork network, int rows) = Create(name);
        float[] inputs = Inputs(network, rows, 3);
        float[] targets = RandomVector(rows * network.OutputSize, 4);
        if (network.Loss == Loss.SoftmaxCrossEntropy)
        {
            // one class per step: one-hot rows of the output's last dimension (3 classes)
            Array.Clear(targets);
            var random = new Random(5);
            for (int i = 0; i < targets.Length; i += 3) targets[i + random.Next(3)] = 1f;
        }

        network.ComputeGradients(inputs, targets);
        GradientCheckTests.AssertGradientsMatch(name, network, network.Gradients.ToArray(), network.Parameters.ToArray(), parameters =>
        {
            parameters.CopyTo(network.Parameters);
            return network.ComputeLoss(inputs, targets);
        });
    }

    [Fact]
    public void StepMatchesForwardForEveryCell()
    {
        AssertStepMatchesForward(new LstmSequenceNet(1), (n, x, y) => n.Step(x, y), n => n.ResetState());
        AssertStepMatchesForward(new RnnReluSequenceNet(2), (n, x, y) => n.Step(x, y), n => n.ResetState());
        AssertStepMatchesForward(new StreamingLstmNet(3), (n, x, y) => n.Step(x, y), n => n.ResetState());
        AssertStepMatchesForward(new StreamingGruNet(4), (n, x, y) => n.Step(x, y), n => n.ResetState());
        AssertStepMatchesForward(new DotReadoutNet(5), (n, x, y) => n.Step(x, y), n => n.ResetState());
        AssertStepMatchesForward(new DropoutReadoutNet(7), (n, x, y) => n.Step(x, y), n => n.ResetState());
        AssertStepMatchesForward(new DenseHeadNet(6), (n, x, y) => n.Step(x, y), n => n.ResetState());
    }

    private static void AssertStepMatchesForward<TNetwork>(TNetwork network, Action<TNetwork, ReadOnlySpan<float>, Span<float>> step, Action<TNetwork> reset)
        where TNetwork : INetwork
    {
        int steps = network.InputSize / StepInputs(network), features = StepInputs(network), outputs = network.OutputSize / steps;
        for (int sequence = 0; sequence < 2; sequence++)
        {
            float[] input = RandomVector(network.InputSize, 10 + sequence);
            var whole = new float[network.OutputSize];
            network.Forward(input, whole);
            reset(network);
            var y = new float[outputs];
            for (int t = 0; t < steps; t++)
            {
                step(network, input.AsSpan(t * features, features), y);
                AssertClose(whole.AsSpan(t * outputs, outputs), y, 1e-6, $"{network.GetType().Name} step {t}");
            }
        }
    }

    private static int StepInputs(INetwork network) => network switch
    {
        LstmSequenceNet => LstmSequenceNet.StepInputSize,
        RnnReluSequenceNet => RnnReluSequenceNet.StepInputSize,
        StreamingLstmNet => StreamingLstmNet.StepInputSize,
        StreamingGruNet => StreamingGruNet.StepInputSize,
        DotReadoutNet => DotReadoutNet.StepInputSize,
        DropoutReadoutNet => DropoutReadoutNet.StepInputSize,
        DenseHeadNet => DenseHeadNet.StepInputSize,
        _ => throw new ArgumentException(network.GetType().Name),
    };

    [Fact]
    public void TokenStepMatchesForward()
    {
        var network = new TokenTaggerNet(5);
        int[] tokens = [3, 1, 4, 1, 5, 9, 2];
        var whole = new float[TokenTaggerNet.OutputSize];
        network.Forward(tokens, whole);
        var y = new float[TokenTaggerNet.StepOutputSize];
        for (int t = 0; t < tokens.Length; t++)
        {
            network.Step(tokens[t], y);
            AssertClose(whole.AsSpan(t * y.Length, y.Length), y, 1e-6, $"token step {t}");
        }
        network.ResetState();
        network.Step(tokens[0], y);
        AssertClose(whole.AsSpan(0, y.Length), y, 1e-6, "after ResetState");
    }

    [Fact]
    public void StepForwardAndTrainStepAllocateNothing()
    {
        var network = new StreamingLstmNet(1);
        var gru = new StreamingGruNet(1);
        float[] x = [0.25f];
        var y = new float[1];
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.Step(x, y)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => gru.Step(x, y)));

        float[] input = RandomVector(StreamingLstmNet.InputSize * 8, 2);
        var output = new float[StreamingLstmNet.OutputSize * 8];
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.ForwardBatch(input, output)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.Forward(input.AsSpan(0, StreamingLstmNet.InputSize), output.AsSpan(0, StreamingLstmNet.OutputSize))));
        var optimizer = new Adam(1e-3f);
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.TrainStep(input, output, optimizer)));

        var tagger = new TokenTaggerNet(1);
        int[] tokens = Enumerable.Range(0, TokenTaggerNet.InputSize * 4).Select(i => i % 11).ToArray();
        int[] labels = Enumerable.Range(0, TokenTaggerNet.InputSize * 4).Select(i => i % 3).ToArray();
        var taggerOptimizer = new Adam(1e-3f);
        Assert.Equal(0, AllocationTests.AllocatedBy(() => tagger.TrainStep(tokens, labels, taggerOptimizer)));
        var tagged = new float[TokenTaggerNet.StepOutputSize];
        Assert.Equal(0, AllocationTests.AllocatedBy(() => tagger.Step(4, tagged)));
    }
}
