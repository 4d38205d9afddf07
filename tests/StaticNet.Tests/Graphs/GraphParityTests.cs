using System;
using System.Linq;
using StaticNet.IO;
using StaticNet.Optimizers;
using StaticNet.Tests.Networks;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Graphs;

/// <summary>
/// Graph networks against PyTorch (tests/reference/make_graph_fixtures.py): the nn.Module's state_dict loads strictly;
/// outputs (eval mode) and the training-mode loss within 1e-5, gradients and one Adam step within 1e-4, each relative to
/// max(1, |value|).
/// </summary>
public class GraphParityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double OutputTolerance = 1e-5;
    private const double GradientTolerance = 1e-4;

    public static TheoryData<string> Cases() => new("residual", "seqcat", "critic");

    internal static ITrainableNetwork Create(string name) => name switch
    {
        "residual" => new ResidualNet(1),
        "seqcat" => new SequenceSkipNet(1),
        "critic" => new TwoInputCritic(1),
        _ => throw new ArgumentException(name),
    };

    internal static double Worst(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]) / Math.Max(1.0, Math.Abs(expected[i])));
        return worst;
    }

    internal static ITrainableNetwork Loaded(string name)
    {
        ITrainableNetwork network = Create(name);
        SafetensorsFile weights = Fixture($"graph_{name}.safetensors");
        Assert.Equal(weights.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal),
            network.ParameterTensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));
        network.LoadSafetensors(System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", $"graph_{name}.safetensors")); // strict
        return network;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch_OutputsLossGradientsAndAnAdamStep(string name)
    {
        ITrainableNetwork network = Loaded(name);
        SafetensorsFile io = Fixture($"graph_{name}_io.safetensors");
        float[] input = io.Get("input").Data, target = io.Get("target").Data, expected = io.Get("eval_output").Data;
        var actual = new float[expected.Length];
        network.ForwardBatch(input, actual);
        AssertClose(expected, actual, OutputTolerance, name + " eval output");

        float loss = network.ComputeGradients(input, target);
        AssertClose(io.Get("loss").Data, [loss], OutputTolerance, name + " training-mode loss");
        double worstGradient = 0, worstAdam = 0;
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("grad.", StringComparison.Ordinal)))
        {
            float[] gradient = LayerParityTests.ExportFrom(network, tensor.Name.Substring(5), network.Gradients);
            AssertClose(tensor.Data, gradient, GradientTolerance, $"{name} {tensor.Name}");
            worstGradient = Math.Max(worstGradient, Worst(tensor.Data, gradient));
        }

        network = Loaded(name); // the same weights and running statistics as PyTorch's before its step
        network.TrainStep(input, target, new Adam(0.01f));
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("adam.", StringComparison.Ordinal)))
        {
            float[] after = LayerParityTests.ExportFrom(network, tensor.Name.Substring(5), network.Parameters);
            if (io.Get("grad." + tensor.Name.Substring(5)).Data.All(g => Math.Abs(g) < 1e-6f))
            {
                // A convolution's bias before BatchNorm: the normalisation subtracts it again, so its gradient is zero but
                // for rounding (checked above), and Adam's step on rounding noise, ±lr·noise/(|noise| + ε), is a sign that
                // neither side can reproduce. Its step is at most lr.
                ITrainableNetwork initial = Loaded(name);
                float[] before = LayerParityTests.ExportFrom(initial, tensor.Name.Substring(5), initial.Parameters);
                for (int i = 0; i < after.Length; i++) Assert.True(Math.Abs(after[i] - before[i]) <= 0.0100001f, $"{name} {tensor.Name}[{i}] moved more than lr");
                continue;
            }
            AssertClose(tensor.Data, after, GradientTolerance, $"{name} {tensor.Name}");
            worstAdam = Math.Max(worstAdam, Worst(tensor.Data, after));
        }
        output.WriteLine($"{name}: eval output {Worst(expected, actual):E2}, gradients {worstGradient:E2}, after one Adam step {worstAdam:E2} (relative to max(1, |PyTorch|))");
    }
}
