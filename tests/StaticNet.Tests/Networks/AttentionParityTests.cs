using System;
using System.Linq;
using StaticNet.IO;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

// The PyTorch models of tests/reference/make_attention_fixtures.py (issue 19), declared as the fixtures' "csharp"
// metadata says, with no Name: PyTorch's nn.Sequential numbering.

/// <summary>Linear(6, 20) → LayerNorm(20) → ReLU → Linear(20, 3).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6)] [Dense(20)] [LayerNorm] [ReLU] [Dense(3)]
public partial class AttnLayerNormVectorNet { }

/// <summary>Per step of a [5, 7] sequence: LayerNorm(7) → Linear(7, 18) → LayerNorm(18, eps=1e-3) → Linear(18, 4).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 7)] [LayerNorm] [Dense(18)] [LayerNorm(Epsilon = 1e-3f)] [Dense(4)]
public partial class AttnLayerNormSequenceNet { }

/// <summary>proj: Linear(5, 12) → x + pos(arange(6)) (nn.Embedding(10, 12)) → norm: LayerNorm(12) → mean over steps → head: Linear(12, 3).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 5)] [Dense(12, Name = "proj")] [PositionalEmbedding(MaxPositions = 10, Name = "pos")] [LayerNorm(Name = "norm")] [SequencePool] [Dense(3, Name = "head")]
public partial class AttnPositionsLearnedNet { }

/// <summary>x + sinusoidal pe → fc: Linear(6, 10) → GELU → x[:, 0] → out: Linear(10, 2).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(7, 6)] [SinusoidalPositions(Name = "pe")] [Dense(10, Activation.GELU, Name = "fc")] [SequencePool(SequencePooling.First)] [Dense(2, Name = "out")]
public partial class AttnPositionsSinusoidalFirstNet { }

/// <summary>fc: Linear(4, 18) → x + sinusoidal pe → norm: LayerNorm(18) → x[:, -1] → out: Linear(18, 2).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 4)] [Dense(18, Name = "fc")] [SinusoidalPositions(Name = "pe")] [LayerNorm(Name = "norm")] [SequencePool(SequencePooling.Last)] [Dense(2, Name = "out")]
public partial class AttnPositionsSinusoidalLastNet { }

/// <summary>proj: Linear(5, 8) → attn: MultiheadAttention(8, 2) self-attention → mean over steps → head: Linear(8, 3).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 5)] [Dense(8, Name = "proj")] [MultiHeadAttention(8, 2, Name = "attn")] [SequencePool] [Dense(3, Name = "head")]
public partial class AttnMhaFullNet { }

/// <summary>As <see cref="AttnMhaFullNet"/> with the causal mask.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 5)] [Dense(8, Name = "proj")] [MultiHeadAttention(8, 2, Causal = true, Name = "attn")] [SequencePool] [Dense(3, Name = "head")]
public partial class AttnMhaCausalNet { }

/// <summary>attn: causal MultiheadAttention(16, 4) on the input → out: Linear(16, 2) at every step.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 16)] [MultiHeadAttention(16, 4, Causal = true, Name = "attn")] [Dense(2, Name = "out")]
public partial class AttnMhaFirstNet { }

/// <summary>As <see cref="AttnMhaCausalNet"/> with attention dropout 0.25 (training only).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 5)] [Dense(8, Name = "proj")] [MultiHeadAttention(8, 2, Causal = true, Dropout = 0.25f, Name = "attn")] [SequencePool] [Dense(3, Name = "head")]
public partial class AttnMhaDropoutNet { }

/// <summary>proj → 2-layer nn.TransformerEncoder (post-norm, ReLU) → mean → head.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 5)] [Dense(16, Name = "proj")] [TransformerEncoderLayer(16, 4, 24, Dropout = 0f, Name = "body.encoder.layers.0")] [TransformerEncoderLayer(16, 4, 24, Dropout = 0f, Name = "body.encoder.layers.1")] [SequencePool] [Dense(3, Name = "head")]
public partial class AttnEncoderPostReluNet { }

/// <summary>proj → 2-layer nn.TransformerEncoder (norm_first, GELU, causal mask) → last step → head.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 5)] [Dense(16, Name = "proj")] [TransformerEncoderLayer(16, 4, 24, Activation = Activation.GELU, NormFirst = true, Causal = true, Dropout = 0f, Name = "body.encoder.layers.0")] [TransformerEncoderLayer(16, 4, 24, Activation = Activation.GELU, NormFirst = true, Causal = true, Dropout = 0f, Name = "body.encoder.layers.1")] [SequencePool(SequencePooling.Last)] [Dense(3, Name = "head")]
public partial class AttnEncoderPreGeluCausalNet { }

/// <summary>2-layer nn.TransformerEncoder on the input (post-norm, GELU) → first step → head.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 16)] [TransformerEncoderLayer(16, 4, 24, Activation = Activation.GELU, Dropout = 0f, Name = "body.encoder.layers.0")] [TransformerEncoderLayer(16, 4, 24, Activation = Activation.GELU, Dropout = 0f, Name = "body.encoder.layers.1")] [SequencePool(SequencePooling.First)] [Dense(3, Name = "head")]
public partial class AttnEncoderFirstPostGeluNet { }

/// <summary>2-layer nn.TransformerEncoder on the input (norm_first, ReLU, causal mask) → mean → head.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 16)] [TransformerEncoderLayer(16, 4, 24, NormFirst = true, Causal = true, Dropout = 0f, Name = "body.encoder.layers.0")] [TransformerEncoderLayer(16, 4, 24, NormFirst = true, Causal = true, Dropout = 0f, Name = "body.encoder.layers.1")] [SequencePool] [Dense(3, Name = "head")]
public partial class AttnEncoderFirstPreReluCausalNet { }

/// <summary>As <see cref="AttnEncoderPreGeluCausalNet"/> with PyTorch's default dropout, 0.1, in all four places.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 5)] [Dense(16, Name = "proj")] [TransformerEncoderLayer(16, 4, 24, Activation = Activation.GELU, NormFirst = true, Causal = true, Name = "body.encoder.layers.0")] [TransformerEncoderLayer(16, 4, 24, Activation = Activation.GELU, NormFirst = true, Causal = true, Name = "body.encoder.layers.1")] [SequencePool(SequencePooling.Last)] [Dense(3, Name = "head")]
public partial class AttnEncoderDropoutNet { }

/// <summary>The example of docs/layers.md (TransformerEncoderLayer), as written there.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(32, 64)]
[SinusoidalPositions]
[TransformerEncoderLayer(64, 4, 128, Name = "encoder.layers.0")]
[TransformerEncoderLayer(64, 4, 128, Name = "encoder.layers.1")]
[SequencePool]
[Dense(10, Name = "head")]
public partial class Classifier { }

/// <summary>A causal attention network that streams with a key/value cache.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(8, 5)] [Dense(16)] [MultiHeadAttention(16, 4, Causal = true)] [LayerNorm] [Dense(3)]
public partial class AttnCausalStreamingNet : IStreaming { }

/// <summary>Two causal encoder layers (post-norm ReLU, then pre-norm GELU) that stream with key/value caches.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(8, 5)] [Dense(16)] [TransformerEncoderLayer(16, 4, 24, Causal = true)] [TransformerEncoderLayer(16, 2, 40, Activation = Activation.GELU, NormFirst = true, Causal = true)] [Dense(3)]
public partial class AttnCausalEncoderStreamingNet : IStreaming { }

/// <summary>The generated streaming members, for tests that run several networks.</summary>
public interface IStreaming : INetwork
{
    /// <summary>The generated Step.</summary>
    void Step(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>The generated ResetState.</summary>
    void ResetState();
}

/// <summary>Causal attention then a one-unit readout: the shape StepBlock fuses for a recurrent layer, which attention is not.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(6, 8)] [MultiHeadAttention(8, 2, Causal = true)] [Dense(1)]
public partial class AttnCausalReadoutNet { }

/// <summary>A streaming network with LayerNorm before and after a recurrent layer.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 7)] [LayerNorm] [LSTM(18, ReturnSequences = true)] [LayerNorm(Epsilon = 1e-3f)] [Dense(4)]
public partial class AttnLayerNormStreamingNet { }

/// <summary>
/// The attention-family layers against PyTorch (tests/reference/make_attention_fixtures.py): the state_dict loads
/// strictly; outputs (eval mode) and the training-mode loss within 1e-5, gradients and the parameters after one Adam
/// step within 1e-4, each relative to max(1, |value|); gradients against central finite differences; Step against
/// Forward; nothing allocated.
/// </summary>
public class AttentionParityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double OutputTolerance = 1e-5;
    private const double GradientTolerance = 1e-4;

    public static TheoryData<string> Cases() => new("layernorm_vector", "layernorm_sequence", "positions_learned", "positions_sinusoidal_first", "positions_sinusoidal_last",
        "mha_full", "mha_causal", "mha_first",
        "encoder_post_relu", "encoder_pre_gelu_causal", "encoder_first_post_gelu", "encoder_first_pre_relu_causal");

    internal static ITrainableNetwork Create(string name, int seed = 1) => name switch
    {
        "layernorm_vector" => new AttnLayerNormVectorNet(seed),
        "layernorm_sequence" => new AttnLayerNormSequenceNet(seed),
        "positions_learned" => new AttnPositionsLearnedNet(seed),
        "positions_sinusoidal_first" => new AttnPositionsSinusoidalFirstNet(seed),
        "positions_sinusoidal_last" => new AttnPositionsSinusoidalLastNet(seed),
        "mha_full" => new AttnMhaFullNet(seed),
        "mha_causal" => new AttnMhaCausalNet(seed),
        "mha_first" => new AttnMhaFirstNet(seed),
        "encoder_post_relu" => new AttnEncoderPostReluNet(seed),
        "encoder_pre_gelu_causal" => new AttnEncoderPreGeluCausalNet(seed),
        "encoder_first_post_gelu" => new AttnEncoderFirstPostGeluNet(seed),
        "encoder_first_pre_relu_causal" => new AttnEncoderFirstPreReluCausalNet(seed),
        _ => throw new ArgumentException(name),
    };

    /// <summary>The largest |expected − actual| / max(1, |expected|): what the test output reports.</summary>
    private static double Worst(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]) / Math.Max(1.0, Math.Abs(expected[i])));
        return worst;
    }

    private static string Path(string file) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", file);

    [Theory]
    [MemberData(nameof(Cases))]
    public void LoadsStrictly_AndMatchesPyTorchOutputsLossGradientsAndAdamStep(string name)
    {
        ITrainableNetwork network = Create(name);
        SafetensorsFile weights = Fixture($"attn_{name}.safetensors"), io = Fixture($"attn_{name}_io.safetensors");
        Assert.Equal(weights.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal),
            network.ParameterTensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));
        network.LoadSafetensors(Path($"attn_{name}.safetensors")); // strict

        float[] input = io.Get("input").Data, target = io.Get("target").Data, expected = io.Get("output").Data;
        var actual = new float[expected.Length];
        network.ForwardBatch(input, actual);
        AssertClose(expected, actual, OutputTolerance, name + " output");

        float loss = network.ComputeGradients(input, target);
        AssertClose(io.Get("loss").Data, [loss], OutputTolerance, name + " loss");
        double worstGradient = 0, worstAdam = 0;
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("grad.", StringComparison.Ordinal)))
        {
            float[] gradient = LayerParityTests.ExportFrom(network, tensor.Name.Substring(5), network.Gradients);
            AssertClose(tensor.Data, gradient, GradientTolerance, $"{name} {tensor.Name}");
            worstGradient = Math.Max(worstGradient, Worst(tensor.Data, gradient));
        }

        network.TrainStep(input, target, new Adam(0.01f));
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("adam.", StringComparison.Ordinal)))
        {
            float[] after = LayerParityTests.ExportFrom(network, tensor.Name.Substring(5), network.Parameters), expectedAfter = tensor.Data;
            if (tensor.Name.EndsWith("in_proj_bias", StringComparison.Ordinal))
            {
                // The key bias adds q·b_k to every score of a query, which softmax ignores: its gradient is zero but for
                // rounding (checked above and here), and Adam's step on rounding noise is ±lr·noise/(|noise| + ε), a
                // sign that neither side can reproduce. Compare the query and value thirds.
                int e = after.Length / 3;
                float[] keyGradient = io.Get("grad." + tensor.Name.Substring(5)).Data.AsSpan(e, e).ToArray();
                Assert.All(keyGradient, g => Assert.True(Math.Abs(g) < 1e-5, $"{name}: key-bias gradient {g} is not ~0"));
                expectedAfter = [.. expectedAfter.AsSpan(0, e), .. expectedAfter.AsSpan(2 * e, e)];
                after = [.. after.AsSpan(0, e), .. after.AsSpan(2 * e, e)];
            }
            AssertClose(expectedAfter, after, GradientTolerance, $"{name} {tensor.Name}");
            worstAdam = Math.Max(worstAdam, Worst(expectedAfter, after));
        }
        output.WriteLine($"{name}: output {Worst(expected, actual):E2}, gradients {worstGradient:E2}, after one Adam step {worstAdam:E2} (relative to max(1, |PyTorch|))");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        ITrainableNetwork network = Create(name, 41);
        // Non-trivial affine parameters (LayerNorm's start as ones and zeros).
        float[] parameters = network.Parameters.ToArray();
        var random = new Random(5);
        foreach (ParameterTensor tensor in network.ParameterTensors)
            foreach (int index in GradientCheckTests.InternalIndices(tensor))
                parameters[index] += (float)(random.NextDouble() - 0.5) * 0.4f;
        parameters.CopyTo(network.Parameters);
        const int rows = 3;
        const float step = 1e-3f;
        float[] inputs = RandomVector(rows * network.InputSize, 3), targets = RandomVector(rows * network.OutputSize, 4);
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
                // Central differences, or one-sided ones where a ReLU's kink lies between x − h and x + h (the side without
                // it is exact to O(h)); two ReLU networks of ~900 units cross kinks on both sides for a few of their
                // thousands of parameters, so a mismatch is retried with h/4 before it counts.
                bool Close(double numeric) => Math.Abs(numeric - analytic[index]) <= 2e-3 + 2e-2 * Math.Abs(numeric);
                string message = "";
                bool matched = false;
                foreach (float h in new[] { step, step / 4 })
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

    [Fact]
    public void AttentionDropout_InactiveInForward_AndGradientsOfItsMaskMatchFiniteDifferences()
    {
        // Forward (inference) uses every probability: PyTorch's eval output of the same weights.
        var network = new AttnMhaDropoutNet(1);
        network.LoadSafetensors(Path("attn_mha_causal.safetensors"));
        SafetensorsFile io = Fixture("attn_mha_causal_io.safetensors");
        float[] input = io.Get("input").Data, target = io.Get("target").Data, expected = io.Get("output").Data;
        var actual = new float[expected.Length];
        network.ForwardBatch(input, actual);
        AssertClose(expected, actual, OutputTolerance, "dropout network, inference");

        // Training drops probabilities: the training loss differs from the inference loss, and a new seed gives another mask.
        float trainingLoss = network.ComputeGradients(input, target), inferenceLoss = network.ComputeLoss(input, target);
        Assert.NotEqual(inferenceLoss, trainingLoss);
        Assert.Equal(io.Get("loss").Data[0], inferenceLoss, 1e-5f);

        // Same seed, same mask: the gradients of that masked function against central differences.
        const int seed = 51;
        Func<ITrainableNetwork> create = () => new AttnMhaDropoutNet(seed);
        ITrainableNetwork fresh = create();
        float[] initial = fresh.Parameters.ToArray(), inputs = RandomVector(3 * fresh.InputSize, 3), targets = RandomVector(3 * fresh.OutputSize, 4);
        fresh.ComputeGradients(inputs, targets);
        GradientCheckTests.AssertGradientsMatch("attention dropout", fresh, fresh.Gradients.ToArray(), initial, p =>
        {
            ITrainableNetwork evaluated = create();
            p.CopyTo(evaluated.Parameters);
            return evaluated.ComputeGradients(inputs, targets);
        });
    }

    [Fact]
    public void EncoderDropout_InactiveInForward_AndGradientsThroughItsMasksMatchFiniteDifferences()
    {
        var network = new AttnEncoderDropoutNet(1);
        network.LoadSafetensors(Path("attn_encoder_pre_gelu_causal.safetensors"));
        SafetensorsFile io = Fixture("attn_encoder_pre_gelu_causal_io.safetensors");
        float[] input = io.Get("input").Data, target = io.Get("target").Data, expected = io.Get("output").Data;
        var actual = new float[expected.Length];
        network.ForwardBatch(input, actual);
        AssertClose(expected, actual, OutputTolerance, "encoder with dropout, inference");
        Assert.NotEqual(network.ComputeLoss(input, target), network.ComputeGradients(input, target));

        const int seed = 52;
        Func<ITrainableNetwork> create = () => new AttnEncoderDropoutNet(seed);
        ITrainableNetwork fresh = create();
        float[] initial = fresh.Parameters.ToArray(), inputs = RandomVector(3 * fresh.InputSize, 3), targets = RandomVector(3 * fresh.OutputSize, 4);
        fresh.ComputeGradients(inputs, targets);
        GradientCheckTests.AssertGradientsMatch("encoder dropout", fresh, fresh.Gradients.ToArray(), initial, p =>
        {
            ITrainableNetwork evaluated = create();
            p.CopyTo(evaluated.Parameters);
            return evaluated.ComputeGradients(inputs, targets);
        });
        var sgd = new Sgd(0.01f);
        fresh.TrainStep(inputs, targets, sgd);
        Assert.Equal(0, AllocationTests.AllocatedBy(() => fresh.TrainStep(inputs, targets, sgd)));
    }

    [Fact]
    public void TheDocsEncoder_HasNnTransformerEncodersNames()
    {
        var names = new Classifier(1).ParameterTensors.Select(t => t.Name).ToArray();
        foreach (string layer in new[] { "encoder.layers.0.", "encoder.layers.1." })
            foreach (string tensor in new[] { "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
                         "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias" })
                Assert.Contains(layer + tensor, names);
        Assert.Equal(2 * 12 + 2, names.Length);
        Assert.Equal(2 * (3 * 64 * 64 + 3 * 64 + 64 * 64 + 64 + 128 * 64 + 128 + 64 * 128 + 64 + 4 * 64) + 64 * 10 + 10, Classifier.ParameterCount);
    }

    [Fact]
    public void AttentionDropout_DropsAboutTheRateOfUnmaskedProbabilities()
    {
        const int rows = 50, steps = 6, heads = 2, embed = 8, qkvStride = 32, contextStride = 16;
        int probabilityStride = heads * steps * steps;
        float[] qkv = RandomVector(rows * steps * qkvStride, 1), p = new float[rows * probabilityStride], mask = new float[p.Length];
        var context = new float[rows * steps * contextStride];
        ulong state = 12345;
        StaticNet.Kernels.AttentionKernels.ForwardTraining(qkv, rows, steps, embed, heads, qkvStride, causal: true, p, probabilityStride,
            context, contextStride, 0.25f, ref state, mask);
        int unmasked = rows * heads * steps * (steps + 1) / 2, kept = mask.Count(m => m != 0f);
        Assert.All(mask, m => Assert.True(m == 0f || m == 1f / 0.75f, $"mask value {m}"));
        double fraction = 1 - (double)kept / unmasked;
        Assert.InRange(fraction, 0.2, 0.3); // 2100 draws: σ ≈ 0.0095
    }

    [Fact]
    public void CausalAttention_StepWithKeyValueCache_EqualsForwardOverTheSameWindow() => StepEqualsForwardOverTheWindow(new AttnCausalStreamingNet(7), 20);

    /// <summary>
    /// Two stacked causal layers: equal to Forward for the first T steps. Past T the second layer's cache holds keys
    /// computed from first-layer outputs that saw more than the window (as any key/value cache), so Forward over the
    /// window differs from then on; one attention layer (above) is equal at every step.
    /// </summary>
    [Fact]
    public void CausalEncoder_StepWithKeyValueCache_EqualsForwardForTheFirstTSteps() => StepEqualsForwardOverTheWindow(new AttnCausalEncoderStreamingNet(8), 8);

    private static void StepEqualsForwardOverTheWindow(IStreaming network, int total)
    {
        const int steps = 8, features = 5, outputs = 3;
        float[] stream = RandomVector(Math.Max(total, steps) * features, 11);
        var step = new float[3];
        var window = new float[8 * 3];
        network.ResetState();
        for (int t = 0; t < total; t++)
        {
            network.Step(stream.AsSpan(t * features, features), step);
            // Forward over the window the cache holds: the first T steps as one sequence (output at t), then the last T.
            int start = Math.Max(0, t - steps + 1), position = t - start;
            network.Forward(stream.AsSpan(start * features, steps * features), window);
            AssertClose(window.AsSpan(position * outputs, outputs), step, 1e-5, $"step {t}");
        }
        network.ResetState();
        network.Step(stream.AsSpan(0, features), step);
        network.Forward(stream.AsSpan(0, steps * features), window);
        AssertClose(window.AsSpan(0, outputs), step, 1e-5, "after ResetState");
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.Step(stream.AsSpan(0, features), step)));
    }

    [Fact]
    public void CausalAttentionWithOneUnitReadout_StepBlockEqualsSteps()
    {
        var network = new AttnCausalReadoutNet(4);
        float[] stream = RandomVector(10 * 8, 12);
        var steps = new float[10];
        var block = new float[10];
        network.ResetState();
        for (int t = 0; t < 10; t++) network.Step(stream.AsSpan(t * 8, 8), steps.AsSpan(t, 1));
        network.ResetState();
        network.StepBlock(stream, block);
        Assert.Equal(steps, block);
        var window = new float[6];
        network.Forward(stream.AsSpan(0, 48), window);
        AssertClose(window, steps.AsSpan(0, 6), 1e-5, "the first T steps");
    }

    [Fact]
    public void LayerNormSequence_StepMatchesForward()
    {
        var network = new AttnLayerNormStreamingNet(3);
        float[] input = RandomVector(AttnLayerNormStreamingNet.InputSize, 5);
        var expected = new float[AttnLayerNormStreamingNet.OutputSize];
        network.Forward(input, expected);
        network.ResetState();
        var step = new float[AttnLayerNormStreamingNet.StepOutputSize];
        for (int t = 0; t < 5; t++)
        {
            network.Step(input.AsSpan(t * 7, 7), step);
            AssertClose(expected.AsSpan(t * 4, 4), step, 1e-5, $"step {t}");
        }
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.Step(input.AsSpan(0, 7), step)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardTrainStepAllocateNothing(string name)
    {
        ITrainableNetwork network = Create(name, 2);
        float[] inputs = RandomVector(4 * network.InputSize, 1), targets = RandomVector(4 * network.OutputSize, 2);
        var result = new float[network.OutputSize];
        var optimizer = new Adam(1e-3f);
        network.TrainStep(inputs, targets, optimizer);
        network.Forward(inputs.AsSpan(0, network.InputSize), result);
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.Forward(inputs.AsSpan(0, network.InputSize), result)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.TrainStep(inputs, targets, optimizer)));
    }
}
