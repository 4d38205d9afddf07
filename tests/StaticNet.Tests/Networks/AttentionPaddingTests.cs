using System;
using System.Linq;
using StaticNet.IO;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

// The PyTorch models of tests/reference/make_padding_fixtures.py, declared as the fixtures' "csharp" metadata says.

/// <summary>Embedding(padding_idx=0) → MultiheadAttention(key_padding_mask) → mean over the real steps → Linear.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(7)] [Embedding(12, 8, PaddingIndex = 0, Name = "embed")] [MultiHeadAttention(8, 2, Name = "attn")] [SequencePool] [Dense(3, Name = "head")]
public partial class AttnPadMhaNet { }

/// <summary>As <see cref="AttnPadMhaNet"/>, with the causal mask too.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(7)] [Embedding(12, 8, PaddingIndex = 0, Name = "embed")] [MultiHeadAttention(8, 2, Causal = true, Name = "attn")] [SequencePool] [Dense(3, Name = "head")]
public partial class AttnPadMhaCausalNet { }

/// <summary>Embedding(padding_idx=0), learned positions, a 2-layer post-norm ReLU encoder (src_key_padding_mask), masked mean.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(7)] [Embedding(12, 16, PaddingIndex = 0, Name = "embed")] [PositionalEmbedding(Name = "pos")]
[TransformerEncoderLayer(16, 4, 24, Activation = Activation.ReLU, Dropout = 0f, Name = "body.encoder.layers.0")]
[TransformerEncoderLayer(16, 4, 24, Activation = Activation.ReLU, Dropout = 0f, Name = "body.encoder.layers.1")]
[SequencePool] [Dense(3, Name = "head")]
public partial class AttnPadEncoderPostReluLearnedNet { }

/// <summary>Embedding(padding_idx=0), sinusoidal positions, a 2-layer pre-norm GELU causal encoder with the padding mask, masked mean.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(7)] [Embedding(12, 16, PaddingIndex = 0, Name = "embed")] [SinusoidalPositions(Name = "pos")]
[TransformerEncoderLayer(16, 4, 24, Activation = Activation.GELU, NormFirst = true, Causal = true, Dropout = 0f, Name = "body.encoder.layers.0")]
[TransformerEncoderLayer(16, 4, 24, Activation = Activation.GELU, NormFirst = true, Causal = true, Dropout = 0f, Name = "body.encoder.layers.1")]
[SequencePool] [Dense(3, Name = "head")]
public partial class AttnPadEncoderPreGeluCausalSinusoidalNet { }

/// <summary>Padding with attention dropout in the encoder (training draws masks; inference uses every unpadded key).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(7)] [Embedding(12, 16, PaddingIndex = 0)] [TransformerEncoderLayer(16, 4, 24, Dropout = 0.2f)] [SequencePool] [Dense(3)]
public partial class AttnPadEncoderDropoutNet { }

/// <summary>
/// Variable-length token sequences (issue 19): <c>[Embedding(…, PaddingIndex = p)]</c> gives the padding row no gradient
/// and makes the attention layers hide padding keys and the mean pool skip padding steps, as PyTorch's
/// <c>padding_idx</c>, <c>key_padding_mask</c>/<c>src_key_padding_mask</c> and a masked mean. Against PyTorch (outputs
/// 1e-5, gradients and one Adam step 1e-4, relative to max(1, |value|)), finite differences, and invariance to what the
/// padding steps hold.
/// </summary>
public class AttentionPaddingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> Cases() => new("mha", "mha_causal", "encoder_post_relu_learned", "encoder_pre_gelu_causal_sinusoidal");

    private static ITrainableNetwork Create(string name, int seed = 1) => name switch
    {
        "mha" => new AttnPadMhaNet(seed),
        "mha_causal" => new AttnPadMhaCausalNet(seed),
        "encoder_post_relu_learned" => new AttnPadEncoderPostReluLearnedNet(seed),
        "encoder_pre_gelu_causal_sinusoidal" => new AttnPadEncoderPreGeluCausalSinusoidalNet(seed),
        _ => throw new ArgumentException(name),
    };

    private static string Path(string file) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", file);

    /// <summary>Rows of 7 token ids from 1 to 11 with 7, 3, 5 and 1 real tokens, the rest padding (0), as floats.</summary>
    private static float[] PaddedTokens(int seed)
    {
        int[] lengths = [7, 3, 5, 1];
        var random = new Random(seed);
        var tokens = new float[lengths.Length * 7];
        for (int r = 0; r < lengths.Length; r++)
            for (int t = 0; t < lengths[r]; t++)
                tokens[r * 7 + t] = random.Next(1, 12);
        return tokens;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorchOutputsLossGradientsAndAdamStep(string name)
    {
        ITrainableNetwork network = Create(name);
        network.LoadSafetensors(Path($"attn_pad_{name}.safetensors")); // strict
        SafetensorsFile io = Fixture($"attn_pad_{name}_io.safetensors");
        float[] input = io.Get("input").Data, target = io.Get("target").Data, expected = io.Get("output").Data;
        Assert.Contains(0f, input);
        var actual = new float[expected.Length];
        network.ForwardBatch(input, actual);
        AssertClose(expected, actual, 1e-5, name + " output");

        float loss = network.ComputeGradients(input, target);
        AssertClose(io.Get("loss").Data, [loss], 1e-5, name + " loss");
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("grad.", StringComparison.Ordinal)))
            AssertClose(tensor.Data, LayerParityTests.ExportFrom(network, tensor.Name.Substring(5), network.Gradients), 1e-4, $"{name} {tensor.Name}");
        float[] embeddingGradient = LayerParityTests.ExportFrom(network, "embed.weight", network.Gradients);
        int dimension = embeddingGradient.Length / 12;
        Assert.All(embeddingGradient.AsSpan(0, dimension).ToArray(), g => Assert.Equal(0f, g)); // padding_idx: no gradient

        network.TrainStep(input, target, new Adam(0.01f));
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("adam.", StringComparison.Ordinal)))
        {
            float[] after = LayerParityTests.ExportFrom(network, tensor.Name.Substring(5), network.Parameters), expectedAfter = tensor.Data;
            if (tensor.Name.EndsWith("in_proj_bias", StringComparison.Ordinal))
            {
                // The key bias's gradient is zero but for rounding (softmax ignores a per-query constant): compare q and v thirds.
                int e = after.Length / 3;
                expectedAfter = [.. expectedAfter.AsSpan(0, e), .. expectedAfter.AsSpan(2 * e, e)];
                after = [.. after.AsSpan(0, e), .. after.AsSpan(2 * e, e)];
            }
            AssertClose(expectedAfter, after, 1e-4, $"{name} {tensor.Name}");
        }
        output.WriteLine($"{name}: matches PyTorch with padding masks");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        ITrainableNetwork network = Create(name, 41);
        float[] parameters = network.Parameters.ToArray();
        var random = new Random(5);
        foreach (ParameterTensor tensor in network.ParameterTensors)
            foreach (int index in GradientCheckTests.InternalIndices(tensor))
                parameters[index] += (float)(random.NextDouble() - 0.5) * 0.4f;
        parameters.CopyTo(network.Parameters);
        float[] inputs = PaddedTokens(3), targets = RandomVector(4 * network.OutputSize, 4);
        network.ComputeGradients(inputs, targets);
        float[] analytic = network.Gradients.ToArray();
        double Loss()
        {
            parameters.CopyTo(network.Parameters);
            return network.ComputeLoss(inputs, targets);
        }
        double at = Loss();
        int checkedCount = 0;
        foreach (ParameterTensor tensor in network.ParameterTensors)
            foreach (int index in GradientCheckTests.InternalIndices(tensor))
            {
                float original = parameters[index];
                // Central differences, or one-sided ones where a ReLU's kink lies within ±h (retried with h/4).
                bool Close(double numeric) => Math.Abs(numeric - analytic[index]) <= 2e-3 + 2e-2 * Math.Abs(numeric);
                bool matched = false;
                string message = "";
                foreach (float h in new[] { 1e-3f, 2.5e-4f })
                {
                    parameters[index] = original + h;
                    double plus = Loss();
                    parameters[index] = original - h;
                    double minus = Loss();
                    parameters[index] = original;
                    double central = (plus - minus) / (2 * h), forward = (plus - at) / h, backward = (at - minus) / h;
                    message += $" h {h}: central {central:E4}, forward {forward:E4}, backward {backward:E4};";
                    if (matched = Close(central) || Close(forward) || Close(backward)) break;
                }
                Assert.True(matched, $"{name} {tensor.Name} (internal index {index}): analytic {analytic[index]:E4},{message}");
                checkedCount++;
            }
        Assert.Equal(network.ParameterCount, checkedCount);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WhatThePaddingStepsHold_ChangesNothing(string name)
    {
        // The padding row's values reach only padded steps, which no real step attends to and the mean leaves out.
        ITrainableNetwork network = Create(name, 7);
        float[] inputs = PaddedTokens(9), targets = RandomVector(4 * network.OutputSize, 2);
        var before = new float[4 * network.OutputSize];
        network.ForwardBatch(inputs, before);
        float lossBefore = network.ComputeGradients(inputs, targets);
        float[] gradientBefore = network.Gradients.ToArray();
        ParameterTensor embedding = network.ParameterTensors.First(t => t.Name == "embed.weight");
        for (int i = 0; i < embedding.Shape[1]; i++) network.Parameters[embedding.Offset + i] = 50f * (i % 3 - 1);
        var after = new float[before.Length];
        network.ForwardBatch(inputs, after);
        Assert.Equal(before, after);
        Assert.Equal(lossBefore, network.ComputeGradients(inputs, targets));
        Assert.Equal(gradientBefore, network.Gradients.ToArray());
    }

    [Fact]
    public void ThePaddingRow_StartsAtZero_AsPyTorchs()
    {
        var network = new AttnPadMhaNet(11);
        float[] weight = LayerParityTests.ExportFrom(network, "embed.weight", network.Parameters);
        Assert.All(weight.AsSpan(0, 8).ToArray(), v => Assert.Equal(0f, v));
        Assert.Contains(weight.AsSpan(8).ToArray(), v => v != 0f); // the other rows are drawn from N(0, 1)
    }

    [Fact]
    public void ASampleOfPaddingOnly_GivesFiniteOutputs_AndTrainingAllocatesNothing()
    {
        var network = new AttnPadEncoderDropoutNet(3);
        int[] tokens = [0, 0, 0, 0, 0, 0, 0, 4, 2, 9, 0, 0, 0, 0];
        var outputs = new float[2 * 3];
        network.ForwardBatch(tokens, outputs);
        Assert.All(outputs, v => Assert.True(float.IsFinite(v)));
        float[] targets = RandomVector(6, 1);
        var adam = new Adam(1e-3f);
        float loss = network.TrainStep(tokens, targets, adam);
        Assert.True(float.IsFinite(loss));
        Assert.All(network.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.TrainStep(tokens, targets, adam)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.ForwardBatch(tokens, outputs)));
    }
}
