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
    public void PerStepLabelsAreCountedInClassIdsPerStep()
    {
        // A token tagger's loss is over every step: 2 samples of 7 token ids take 14 class ids, one per step.
        var network = new TokenTaggerNet(1);
        static int[] Ints(int length) => new int[length]; // a length the analyzers cannot see, so that this compiles
        var error = Assert.Throws<ArgumentException>(() => network.TrainStep(new int[14], Ints(2), new Adam()));
        Assert.Contains("'inputs' holds 2 samples, so expected 'labels' to hold 14 class ids (7 class ids per sample, one per time step); found 2",
            error.Message);
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
        RnnDropoutDotNet => RnnDropoutDotNet.StepInputSize,
        _ => throw new ArgumentException(network.GetType().Name),
    };

    [Fact]
    public void StepBlockMatchesStepForEveryNetwork()
    {
        // One kernel call per block: StreamingLstmNet, StreamingGruNet, RnnDropoutDotNet; one Step per step: the others.
        AssertBlockMatchesSteps(new StreamingLstmNet(3), (n, x, y) => n.Step(x, y), (n, x, y) => n.StepBlock(x, y), n => n.ResetState());
        AssertBlockMatchesSteps(new StreamingGruNet(4), (n, x, y) => n.Step(x, y), (n, x, y) => n.StepBlock(x, y), n => n.ResetState());
        AssertBlockMatchesSteps(new RnnDropoutDotNet(8), (n, x, y) => n.Step(x, y), (n, x, y) => n.StepBlock(x, y), n => n.ResetState());
        AssertBlockMatchesSteps(new LstmSequenceNet(1), (n, x, y) => n.Step(x, y), (n, x, y) => n.StepBlock(x, y), n => n.ResetState());
        AssertBlockMatchesSteps(new DotReadoutNet(5), (n, x, y) => n.Step(x, y), (n, x, y) => n.StepBlock(x, y), n => n.ResetState());
        AssertBlockMatchesSteps(new DropoutReadoutNet(7), (n, x, y) => n.Step(x, y), (n, x, y) => n.StepBlock(x, y), n => n.ResetState());
        AssertBlockMatchesSteps(new DenseHeadNet(6), (n, x, y) => n.Step(x, y), (n, x, y) => n.StepBlock(x, y), n => n.ResetState());
    }

    /// <summary>
    /// Blocks of 0, 1, 2, 3, … steps in a row give exactly the outputs of one Step per step, and the state they leave is
    /// the same (the next Step agrees too); then the whole sequence in one block, after ResetState, agrees with Forward.
    /// </summary>
    private static void AssertBlockMatchesSteps<TNetwork>(TNetwork network, Action<TNetwork, ReadOnlySpan<float>, Span<float>> step,
        Action<TNetwork, ReadOnlySpan<float>, Span<float>> block, Action<TNetwork> reset) where TNetwork : INetwork
    {
        string name = network.GetType().Name;
        int features = StepInputs(network), steps = network.InputSize / features, outputs = network.OutputSize / steps;
        float[] input = RandomVector(40 * features, 21);
        var stepped = new float[40 * outputs];
        reset(network);
        for (int t = 0; t < 40; t++)
            step(network, input.AsSpan(t * features, features), stepped.AsSpan(t * outputs, outputs));
        var blocked = new float[40 * outputs];
        reset(network);
        int start = 0;
        for (int length = 0; start < 40; length++)
        {
            int n = Math.Min(length, 40 - start);
            block(network, input.AsSpan(start * features, n * features), blocked.AsSpan(start * outputs, n * outputs));
            start += n;
        }
        for (int i = 0; i < stepped.Length; i++)
            Assert.True(stepped[i].Equals(blocked[i]), $"{name}: output {i} by blocks {blocked[i]}, by steps {stepped[i]}");

        float[] whole = new float[network.OutputSize], sequence = RandomVector(network.InputSize, 22);
        network.Forward(sequence, whole);
        reset(network);
        var streamed = new float[network.OutputSize];
        block(network, sequence, streamed);
        AssertClose(whole, streamed, 1e-6, $"{name}: one block against Forward");
    }

    [Fact]
    public void StepBlockChecksItsSpansAndChangesNothingWhenItRefuses()
    {
        // Lengths the analyzers cannot see (SNET021/SNET022 would reject them at build time): buffers sized at run time.
        static float[] Floats(int length) => new float[length];
        var network = new StreamingLstmNet(2);
        float[] x = RandomVector(8, 3);
        string message = Assert.Throws<ArgumentException>(() => network.StepBlock(x, Floats(7))).Message;
        Assert.Contains("'input' holds 8 time steps, so expected 'output' to hold 8 floats", message);
        message = Assert.Throws<ArgumentException>(() => new DenseHeadNet(1).StepBlock(Floats(7), Floats(2))).Message;
        Assert.Contains("whole time steps of 3 floats; found 7", message);
        var y = new float[8];
        network.StepBlock(x, y);
        var fresh = new StreamingLstmNet(2);
        var expected = new float[8];
        fresh.StepBlock(x, expected);
        Assert.Equal(expected, y); // the refused call left the state at zero
    }

    [Fact]
    public void TokenStepBlockMatchesStep()
    {
        var network = new TokenTaggerNet(5);
        int[] tokens = [3, 1, 4, 1, 5, 9, 2];
        var stepped = new float[tokens.Length * TokenTaggerNet.StepOutputSize];
        for (int t = 0; t < tokens.Length; t++)
            network.Step(tokens[t], stepped.AsSpan(t * TokenTaggerNet.StepOutputSize, TokenTaggerNet.StepOutputSize));
        network.ResetState();
        var blocked = new float[stepped.Length];
        network.StepBlock(tokens.AsSpan(0, 3), blocked.AsSpan(0, 3 * TokenTaggerNet.StepOutputSize));
        network.StepBlock(tokens.AsSpan(3), blocked.AsSpan(3 * TokenTaggerNet.StepOutputSize));
        Assert.Equal(stepped, blocked);
    }

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
        float[] block = RandomVector(64, 3);
        var blockOutput = new float[64];
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.StepBlock(block, blockOutput)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => gru.StepBlock(block, blockOutput)));

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
