using System;
using System.IO;
using System.Linq;
using StaticNet.IO;
using StaticNet.Kernels;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

// The models of tests/reference/make_loss_vae_fixtures.py: Linear(5, 7) → ReLU → Linear(7, 4) under each loss, and a
// small VAE (12 → 8 → [mean | logvar] of 3 → 8 → 12 logits).

[Network(Loss = Loss.MeanSquaredError)] [Input(5)] [Dense(7, Activation.ReLU, Name = "fc1")] [Dense(4, Name = "fc2")]
public partial class WLossMseNet { }

[Network(Loss = Loss.BinaryCrossEntropy)] [Input(5)] [Dense(7, Activation.ReLU, Name = "fc1")] [Dense(4, Name = "fc2")]
public partial class WLossBceNet { }

[Network(Loss = Loss.Huber, HuberBeta = 0.5f)] [Input(5)] [Dense(7, Activation.ReLU, Name = "fc1")] [Dense(4, Name = "fc2")]
public partial class WLossHuberNet { }

[Network(Loss = Loss.Huber)] [Input(5)] [Dense(7, Activation.ReLU, Name = "fc1")] [Dense(4, Name = "fc2")]
public partial class WLossHuberDefaultNet { }

[Network(Loss = Loss.L1)] [Input(5)] [Dense(7, Activation.ReLU, Name = "fc1")] [Dense(4, Name = "fc2")]
public partial class WLossL1Net { }

[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(5)] [Dense(7, Activation.ReLU, Name = "fc1")] [Dense(4, Name = "fc2")]
public partial class WLossCeNet { }

/// <summary>The fixture's VAE: BCE with logits against the input, KL weight 0.7.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(12)]
[Dense(8, Activation.ReLU, Name = "enc1")] [Dense(6, Name = "enc2")]
[Reparameterize(Beta = 0.7f, Name = "z")]
[Dense(8, Activation.ReLU, Name = "dec1")] [Dense(12, Name = "dec2")]
public partial class VaeTestNet { }

/// <summary>The example of docs/layers.md (Variational autoencoders), as written there.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(784)]
[Dense(400, Activation.ReLU, Name = "fc1")]
[Dense(40, Name = "fc2")]
[Reparameterize(Name = "z")]
[Dense(400, Activation.ReLU, Name = "fc3")]
[Dense(784, Name = "fc4")]
public partial class Vae { }

/// <summary>The decoder of docs/layers.md's VAE, declared as the text says.</summary>
[Input(20)] [Dense(400, Activation.ReLU, Name = "fc3")] [Dense(784, Name = "fc4")]
public partial class VaeDecoderOfDocs { }

/// <summary>
/// Huber, L1 and per-sample weights against PyTorch, and the VAE (Reparameterize and its KL term) with the noise fixed:
/// outputs and losses within 1e-5, gradients and an Adam step within 1e-4 (relative to max(1, |PyTorch|)). The tests
/// that set <see cref="ReparameterizeKernels.NoiseOverride"/> are in this one class, which xUnit runs sequentially, and
/// no other test uses a Reparameterize layer.
/// </summary>
public class LossAndVaeParityTests
{
    private const double OutputTolerance = 1e-5, GradientTolerance = 1e-4;

    public static TheoryData<string> LossCases() => new("mse", "bce", "huber", "huber_default", "l1", "ce");

    private static ITrainableNetwork CreateLossNet(string name) => name switch
    {
        "mse" => new WLossMseNet(1),
        "bce" => new WLossBceNet(1),
        "huber" => new WLossHuberNet(1),
        "huber_default" => new WLossHuberDefaultNet(1),
        "l1" => new WLossL1Net(1),
        "ce" => new WLossCeNet(1),
        _ => throw new ArgumentException(name),
    };

    private static void Load(INetwork network, string file)
    {
        using FileStream stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "fixtures", file));
        LoadFixtureWeights(network, stream);
    }

    private static void AssertGradients(INetwork network, SafetensorsFile file, string prefix, ReadOnlySpan<float> gradients, string what)
    {
        int checkedCount = 0;
        foreach (SafetensorsTensor tensor in file.Tensors.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)))
        {
            AssertClose(tensor.Data, Export(network, tensor.Name.Substring(prefix.Length), gradients), GradientTolerance, $"{what} {tensor.Name}");
            checkedCount++;
        }
        Assert.Equal(network.ParameterTensors.Count, checkedCount);
    }

    [Theory]
    [MemberData(nameof(LossCases))]
    public void Loss_AndWeightedLoss_MatchPyTorch(string name)
    {
        ITrainableNetwork network = CreateLossNet(name);
        string fixture = $"wloss_{name}.safetensors";
        Load(network, fixture);
        SafetensorsFile file = Fixture(fixture);
        float[] input = file.Get("input").Data, target = file.Get("target").Data, weights = file.Get("weights").Data;

        float loss, weighted;
        float[] gradients;
        if (network is WLossCeNet ce)
        {
            int[] labels = target.Select(t => (int)t).ToArray();
            loss = ce.ComputeGradients(input, labels);
            gradients = ce.Gradients.ToArray();
            weighted = ce.ComputeGradients(input, labels, weights);
        }
        else
        {
            loss = network.ComputeGradients(input, target);
            gradients = network.Gradients.ToArray();
            weighted = name switch
            {
                "mse" => ((WLossMseNet)network).ComputeGradients(input, target, weights),
                "bce" => ((WLossBceNet)network).ComputeGradients(input, target, weights),
                "huber" => ((WLossHuberNet)network).ComputeGradients(input, target, weights),
                "huber_default" => ((WLossHuberDefaultNet)network).ComputeGradients(input, target, weights),
                _ => ((WLossL1Net)network).ComputeGradients(input, target, weights),
            };
        }
        AssertClose(file.Get("loss").Data, [loss], OutputTolerance, name + " loss");
        AssertGradients(network, file, "grad.", gradients, name);
        AssertClose(file.Get("wloss").Data, [weighted], OutputTolerance, name + " weighted loss");
        AssertGradients(network, file, "wgrad.", network.Gradients, name + " weighted");
        Assert.NotEqual(loss, weighted); // the weights are not all 1: the weighted call did weigh
    }

    [Fact]
    public void Huber_GradientIsTheFiniteDifference_OnBothSidesOfBeta()
    {
        var network = new WLossHuberNet(3);
        float[] input = RandomVector(4 * WLossHuberNet.InputSize, 11);
        float[] target = RandomVector(4 * WLossHuberNet.OutputSize, 12).Select(v => v * 2f).ToArray();
        CheckFiniteDifferences(network, () => network.ComputeGradients(input, target), () => network.ComputeGradients(input, target), 2e-3);
    }

    [Fact]
    public void AllOnesWeights_GiveTheUnweightedLossAndGradient()
    {
        var network = new WLossL1Net(5);
        float[] input = RandomVector(3 * WLossL1Net.InputSize, 1), target = RandomVector(3 * WLossL1Net.OutputSize, 2);
        float loss = network.ComputeGradients(input, target);
        float[] gradients = network.Gradients.ToArray();
        Assert.Equal(loss, network.ComputeGradients(input, target, [1f, 1f, 1f]));
        Assert.Equal(gradients, network.Gradients.ToArray());
        // Doubling one sample's weight is the same as listing it twice and dividing by 3 rather than 4.
        float twice = network.ComputeGradients(input, target, [2f, 1f, 1f]);
        float[] repeated = [.. input.AsSpan(0, WLossL1Net.InputSize), .. input];
        float[] repeatedTarget = [.. target.AsSpan(0, WLossL1Net.OutputSize), .. target];
        Assert.Equal(network.ComputeLoss(repeated, repeatedTarget) * 4f / 3f, twice, 5);
    }

    [Fact]
    public void BadWeights_AreRefused_AndChangeNothing()
    {
        var network = new WLossMseNet(5);
        float[] input = RandomVector(2 * WLossMseNet.InputSize, 1), target = RandomVector(2 * WLossMseNet.OutputSize, 2);
        float[] before = network.Parameters.ToArray();
        var optimizer = new Adam(0.01f);
        var wrongCount = Assert.Throws<ArgumentException>(() => network.TrainStep(input, target, [1f], optimizer));
        Assert.Contains("expected one per sample, 2", wrongCount.Message);
        var negative = Assert.Throws<ArgumentException>(() => network.TrainStep(input, target, [1f, -0.5f], optimizer));
        Assert.Contains("sample weight 1 is -0.5", negative.Message);
        Assert.Throws<ArgumentException>(() => network.TrainStep(input, target, [float.NaN, 1f], optimizer));
        Assert.Equal(before, network.Parameters.ToArray());
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void TheDocsVae_IsWrittenThereVerbatim_AndItsDecoderLoadsItsWeights()
    {
        string docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "layers.md"));
        const string block = """
            [Network(Loss = Loss.BinaryCrossEntropy)]
            [Input(784)]
            [Dense(400, Activation.ReLU, Name = "fc1")]
            [Dense(40, Name = "fc2")]
            [Reparameterize(Name = "z")]
            [Dense(400, Activation.ReLU, Name = "fc3")]
            [Dense(784, Name = "fc4")]
            public partial class Vae { }
            """;
        Assert.Contains(block.ReplaceLineEndings("\n"), docs.ReplaceLineEndings("\n"));
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias"],
            new Vae(1).ParameterTensors.Select(t => t.Name));
        var vae = new Vae(1);
        var decoder = new VaeDecoderOfDocs(2);
        using var weights = new MemoryStream();
        vae.SaveSafetensors(weights);
        weights.Position = 0;
        SafetensorsLoadResult result = decoder.LoadSafetensors(weights, new SafetensorsLoadOptions { Strict = false });
        Assert.Empty(result.MissingTensors);
        Assert.Equal(Export(vae, "fc4.weight", vae.Parameters), Export(decoder, "fc4.weight", decoder.Parameters));
    }

    private static string RepositoryRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
            if (File.Exists(Path.Combine(directory, "StaticNet.sln"))) return directory;
        throw new InvalidOperationException("StaticNet.sln not found above " + AppContext.BaseDirectory);
    }

    // ── VAE ──────────────────────────────────────────────────────────────────────────────────────────────────────────

    private static T WithNoise<T>(float[] noise, Func<T> body)
    {
        ReparameterizeKernels.NoiseOverride = noise;
        try { return body(); }
        finally { ReparameterizeKernels.NoiseOverride = null; }
    }

    [Fact]
    public void Vae_LossGradientsAndAdamStep_MatchPyTorch_WithTheNoiseFixed()
    {
        var network = new VaeTestNet(1);
        Load(network, "vae.safetensors");
        SafetensorsFile file = Fixture("vae.safetensors");
        float[] input = file.Get("input").Data, eps = file.Get("eps").Data, weights = file.Get("weights").Data;

        var output = new float[input.Length];
        network.ForwardBatch(input, output); // inference: z = mean
        AssertClose(file.Get("eval_output").Data, output, OutputTolerance, "vae eval output");
        AssertClose(file.Get("eval_loss").Data, [network.ComputeLoss(input, input)], OutputTolerance, "vae eval loss (KL included)");

        float loss = WithNoise(eps, () => network.ComputeGradients(input, input));
        AssertClose(file.Get("loss").Data, [loss], OutputTolerance, "vae loss");
        AssertGradients(network, file, "grad.", network.Gradients, "vae");

        float weighted = WithNoise(eps, () => network.ComputeGradients(input, input, weights));
        AssertClose(file.Get("wloss").Data, [weighted], OutputTolerance, "vae weighted loss");
        AssertGradients(network, file, "wgrad.", network.Gradients, "vae weighted");

        WithNoise(eps, () => network.TrainStep(input, input, new Adam(0.01f)));
        AssertGradients(network, file, "adam.", network.Parameters, "vae after one Adam step");
    }

    [Fact]
    public void Vae_GradientIsTheFiniteDifference_WithTheNoiseFixed()
    {
        var network = new VaeTestNet(7);
        float[] input = RandomVector(4 * VaeTestNet.InputSize, 3).Select(v => 0.5f + 0.5f * v).ToArray();
        float[] eps = RandomVector(4 * 3, 4).Select(v => 2f * v).ToArray();
        WithNoise(eps, () =>
        {
            CheckFiniteDifferences(network, () => network.ComputeGradients(input, input), () => network.ComputeGradients(input, input), 3e-3);
            return 0;
        });
    }

    [Fact]
    public void Vae_TrainingSamples_AndIsDeterministicFromTheSeed()
    {
        float[] input = RandomVector(40 * VaeTestNet.InputSize, 3).Select(v => 0.5f + 0.5f * v).ToArray();
        var a = new VaeTestNet(9);
        var b = new VaeTestNet(9);
        float first = a.ComputeGradients(input, input);
        Assert.Equal(first, b.ComputeGradients(input, input)); // the same seed draws the same ε
        float second = a.ComputeGradients(input, input);
        Assert.NotEqual(first, second); // the generator advanced: another ε
        float mean = WithNoise(new float[3], () => a.ComputeGradients(input, input)); // ε = 0 is the inference loss
        Assert.Equal(a.ComputeLoss(input, input), mean, 5);
    }

    [Fact]
    public void NextNormal_IsStandardNormal()
    {
        ulong state = 42;
        double sum = 0, squares = 0;
        const int n = 200_000;
        for (int i = 0; i < n; i++)
        {
            double v = ReparameterizeKernels.NextNormal(ref state);
            Assert.True(double.IsFinite(v));
            sum += v;
            squares += v * v;
        }
        double mean = sum / n, variance = squares / n - mean * mean;
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.98, 1.02);
    }

    [Fact]
    public void Vae_TrainStep_AllocatesNothing()
    {
        var network = new VaeTestNet(2);
        float[] input = RandomVector(70 * VaeTestNet.InputSize, 3).Select(v => 0.5f + 0.5f * v).ToArray();
        float[] weights = Enumerable.Repeat(0.5f, 70).ToArray();
        var optimizer = new Adam(1e-3f);
        network.MaxDegreeOfParallelism = 1;
        Assert.Equal(0, Allocations.Fewest(() => network.TrainStep(input, input, optimizer), 5));
        Assert.Equal(0, Allocations.Fewest(() => network.TrainStep(input, input, weights, optimizer), 5));
    }

    /// <summary>Central differences of the loss against <c>Gradients</c> for a sample of the parameters.</summary>
    private static void CheckFiniteDifferences(ITrainableNetwork network, Func<float> loss, Func<float> gradient, double tolerance)
    {
        gradient();
        float[] analytic = network.Gradients.ToArray();
        Span<float> parameters = network.Parameters;
        int checkedCount = 0;
        for (int i = 0; i < parameters.Length; i += 3)
        {
            float saved = parameters[i];
            const float h = 1e-3f;
            network.Parameters[i] = saved + h;
            double up = loss();
            network.Parameters[i] = saved - h;
            double down = loss();
            network.Parameters[i] = saved;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance * Math.Max(1.0, Math.Abs(numeric)) + 5e-4,
                $"parameter {i}: finite difference {numeric:E4}, gradient {analytic[i]:E4}");
            checkedCount++;
        }
        Assert.True(checkedCount > 10);
    }
}
