using System;
using System.IO;
using System.Linq;
using StaticNet.IO;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

/// <summary>
/// Generated networks against PyTorch's golden tensors (tests/reference/make_fixtures.py): outputs within 1e-5, loss
/// within 1e-5, gradients and two optimizer steps within 1e-4, each relative to max(1, |value|).
/// </summary>
public class PyTorchParityTests
{
    private const double OutputTolerance = 1e-5;
    private const double GradientTolerance = 1e-4;

    public static TheoryData<string> Cases() => new(
        "activation_none", "activation_relu", "activation_leakyrelu", "activation_sigmoid", "activation_tanh",
        "activation_softmax", "activation_gelu", "loss_mse", "loss_bce", "loss_softmax_ce", "mlp_deep");

    private static ITrainableNetwork Create(string fixture) => fixture switch
    {
        "activation_none" => new ActivationNoneNet(1),
        "activation_relu" => new ActivationReLUNet(1),
        "activation_leakyrelu" => new ActivationLeakyReLUNet(1),
        "activation_sigmoid" => new ActivationSigmoidNet(1),
        "activation_tanh" => new ActivationTanhNet(1),
        "activation_softmax" => new ActivationSoftmaxNet(1),
        "activation_gelu" => new ActivationGELUNet(1),
        "loss_mse" => new LossMseNet(1),
        "loss_bce" => new LossBceNet(1),
        "loss_softmax_ce" => new LossSoftmaxCeNet(1),
        "mlp_deep" => new DeepNet(1),
        _ => throw new ArgumentException(fixture),
    };

    /// <summary>A network with the fixture's initial weights, loaded through LoadSafetensors by PyTorch name.</summary>
    private static (ITrainableNetwork Network, SafetensorsFile File) Load(string fixture)
    {
        ITrainableNetwork network = Create(fixture);
        using FileStream stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "fixtures", fixture + ".safetensors"));
        LoadFixtureWeights(network, stream);
        return (network, Fixture(fixture + ".safetensors"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesPyTorch(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        float[] input = file.Get("input").Data;
        float[] expected = file.Get("output").Data;

        var batch = new float[expected.Length];
        network.ForwardBatch(input, batch);
        AssertClose(expected, batch, OutputTolerance, fixture + " ForwardBatch");

        var single = new float[network.OutputSize];
        int rows = input.Length / network.InputSize;
        for (int r = 0; r < rows; r++)
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
        float[] input = file.Get("input").Data;
        float[] target = file.Get("target").Data;

        float lossOnly = network.ComputeLoss(input, target);
        float loss = network.ComputeGradients(input, target);

        AssertClose(file.Get("loss").Data, [loss], OutputTolerance, fixture + " loss");
        Assert.Equal(loss, lossOnly);
        foreach (string name in ParameterNames(network))
            AssertClose(file.Get("grad." + name).Data, Export(network, name, network.Gradients), GradientTolerance, $"{fixture} grad.{name}");
    }

    [Theory]
    [InlineData("loss_softmax_ce")]
    [InlineData("mlp_deep")]
    public void LabelOverloadsMatchPyTorch(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        float[] input = file.Get("input").Data;
        int[] labels = file.Get("labels").Data.Select(v => (int)v).ToArray();

        float loss = network switch
        {
            LossSoftmaxCeNet n => n.ComputeGradients(input, labels),
            DeepNet n => n.ComputeGradients(input, labels),
            _ => throw new InvalidOperationException(),
        };

        AssertClose(file.Get("loss").Data, [loss], OutputTolerance, fixture + " loss (labels)");
        foreach (string name in ParameterNames(network))
            AssertClose(file.Get("grad." + name).Data, Export(network, name, network.Gradients), GradientTolerance, $"{fixture} grad.{name} (labels)");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TwoOptimizerStepsMatchPyTorch(string fixture)
    {
        foreach ((string prefix, Func<Optimizer> create) in new (string, Func<Optimizer>)[]
                 {
                     ("sgd", () => new Sgd(0.1f, momentum: 0.9f, nesterov: true, weightDecay: 0.01f)),
                     ("adam", () => new Adam(0.01f, weightDecay: 0.001f)),
                     ("adamw", () => new AdamW(0.01f, weightDecay: 0.1f)),
                 })
        {
            (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
            float[] input = file.Get("input").Data;
            float[] target = file.Get("target").Data;
            Optimizer optimizer = create();

            network.TrainStep(input, target, optimizer);
            network.TrainStep(input, target, optimizer);

            foreach (string name in ParameterNames(network))
                AssertClose(file.Get(prefix + "." + name).Data, Export(network, name, network.Parameters), GradientTolerance, $"{fixture} {prefix}.{name}");
        }
    }
}
