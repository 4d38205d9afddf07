using System;
using System.Linq;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

/// <summary>Learned positions before causal attention: Step adds the row of the step's position in the window.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(8, 5)] [Dense(16)] [PositionalEmbedding(MaxPositions = 12)] [MultiHeadAttention(16, 4, Causal = true)] [Dense(3)]
public partial class AttnLearnedPositionsStreamingNet : IStreaming { }

/// <summary>Sinusoidal positions before a causal encoder layer on raw features (the input is the step's row).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(8, 6)] [SinusoidalPositions] [Dense(16)] [TransformerEncoderLayer(16, 4, 24, NormFirst = true, Causal = true)] [Dense(3)]
public partial class AttnSinusoidalPositionsStreamingNet : IStreaming { }

/// <summary>Tokens, learned positions and two causal encoder layers: a tiny character model.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(8)] [Embedding(20, 16)] [PositionalEmbedding] [TransformerEncoderLayer(16, 4, 24, Causal = true)] [TransformerEncoderLayer(16, 4, 24, Activation = Activation.GELU, Causal = true)] [Dense(5)]
public partial class AttnTokenPositionsStreamingNet { }

/// <summary>
/// Positions in the streaming <c>Step</c> (issue 19): the position of a step is its index in the window, the steps since
/// <c>ResetState</c> (T − 1 once the window is full), so the first T steps equal <c>Forward</c> over the window.
/// </summary>
public class AttentionPositionStepTests
{
    private const int Steps = 8;

    [Fact]
    public void LearnedPositions_StepEqualsForwardForTheWindow() => StepEqualsForward(new AttnLearnedPositionsStreamingNet(3), 5, 3);

    [Fact]
    public void SinusoidalPositions_StepEqualsForwardForTheWindow() => StepEqualsForward(new AttnSinusoidalPositionsStreamingNet(4), 6, 3);

    [Fact]
    public void TokensWithLearnedPositions_StepEqualsForwardForTheWindow()
    {
        var network = new AttnTokenPositionsStreamingNet(5);
        // Non-zero position rows (nn.Embedding's N(0, 1) already): make sure they matter by comparing with zeroed ones.
        int[] tokens = [3, 17, 0, 9, 9, 4, 12, 1, 7, 2, 19, 5];
        var forward = new float[Steps * 5];
        var step = new float[5];
        network.Forward(tokens.AsSpan(0, Steps), forward);
        network.ResetState();
        for (int t = 0; t < Steps; t++)
        {
            network.Step(tokens[t], step);
            AssertClose(forward.AsSpan(t * 5, 5), step, 1e-5, $"step {t}");
        }
        for (int t = Steps; t < tokens.Length; t++)
        {
            network.Step(tokens[t], step);
            Assert.All(step, v => Assert.True(float.IsFinite(v), $"step {t}: {v}"));
        }
        network.ResetState();
        network.Step(tokens[0], step);
        AssertClose(forward.AsSpan(0, 5), step, 1e-5, "after ResetState the position is 0 again");
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.Step(tokens[1], step)));
    }

    [Fact]
    public void PastTheWindow_TheNewestStepIsEncodedAsTheWindowsLastPosition()
    {
        // Only the rows of positions T − 1 and T of the table differ between the two networks: position T must never be read.
        var a = new AttnLearnedPositionsStreamingNet(9);
        var b = new AttnLearnedPositionsStreamingNet(9);
        var table = Array.Find(b.ParameterTensors.ToArray(), t => t.Name.EndsWith("weight", StringComparison.Ordinal) && t.Shape[0] == 12)!;
        Span<float> parameters = b.Parameters;
        int rowStride = table.Strides[0];
        for (int row = Steps; row < 12; row++)
            parameters.Slice(table.Offset + row * rowStride, table.Shape[1]).Fill(1000f);
        float[] stream = RandomVector(3 * Steps * 5, 21);
        var stepA = new float[3];
        var stepB = new float[3];
        a.ResetState();
        b.ResetState();
        for (int t = 0; t < 3 * Steps; t++)
        {
            a.Step(stream.AsSpan(t * 5, 5), stepA);
            b.Step(stream.AsSpan(t * 5, 5), stepB);
            Assert.Equal(stepA, stepB);
        }

        // And row T − 1 is what the steps past the window read: changing it changes them, not the first T − 1 steps.
        for (int i = 0; i < table.Shape[1]; i++) parameters[table.Offset + (Steps - 1) * rowStride + i] += 0.5f;
        a.ResetState();
        b.ResetState();
        for (int t = 0; t < 3 * Steps; t++)
        {
            a.Step(stream.AsSpan(t * 5, 5), stepA);
            b.Step(stream.AsSpan(t * 5, 5), stepB);
            if (t < Steps - 1) Assert.Equal(stepA, stepB);
            else Assert.NotEqual(stepA, stepB);
        }
    }

    private static void StepEqualsForward(IStreaming network, int features, int outputs)
    {
        float[] stream = RandomVector(2 * Steps * features, 11);
        var step = new float[outputs];
        var window = new float[Steps * outputs];
        network.Forward(stream.AsSpan(0, Steps * features), window);
        network.ResetState();
        for (int t = 0; t < Steps; t++)
        {
            network.Step(stream.AsSpan(t * features, features), step);
            AssertClose(window.AsSpan(t * outputs, outputs), step, 1e-5, $"step {t}");
        }
        for (int t = Steps; t < 2 * Steps; t++)
            network.Step(stream.AsSpan(t * features, features), step);
        network.ResetState();
        network.Step(stream.AsSpan(0, features), step);
        AssertClose(window.AsSpan(0, outputs), step, 1e-5, "after ResetState");
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.Step(stream.AsSpan(0, features), step)));
    }
}
