using System;
using System.Linq;
using StaticNet.IO;
using StaticNet.Optimizers;
using StaticNet.Tests.Networks;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Graphs;

/// <summary>
/// <c>[Network(GradientsFromCaller = true)]</c>: Backward from a gradient the caller gives, with the input's gradient,
/// against PyTorch's <c>output.backward(grad_output)</c> (tests/reference/make_graph_fixtures.py), and against finite differences.
/// </summary>
public class CallerGradientTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    private static ITrainableNetwork Create(string name) => name switch
    {
        "residual" => new ResidualBackwardNet(1),
        "seqcat" => new SequenceSkipBackwardNet(1),
        "critic" => new TwoInputCritic(1),
        _ => throw new ArgumentException(name),
    };

    private static void ForwardTraining(ITrainableNetwork network, float[] inputs, float[] outputs)
    {
        switch (network)
        {
            case ResidualBackwardNet n: n.ForwardTraining(inputs, outputs); break;
            case SequenceSkipBackwardNet n: n.ForwardTraining(inputs, outputs); break;
            case TwoInputCritic n: n.ForwardTraining(inputs, outputs); break;
            default: throw new ArgumentException(network.GetType().Name);
        }
    }

    private static void Backward(ITrainableNetwork network, float[] outputGradients, float[] inputGradients)
    {
        switch (network)
        {
            case ResidualBackwardNet n: n.Backward(outputGradients, inputGradients); break;
            case SequenceSkipBackwardNet n: n.Backward(outputGradients, inputGradients); break;
            case TwoInputCritic n: n.Backward(outputGradients, inputGradients); break;
            default: throw new ArgumentException(network.GetType().Name);
        }
    }

    [Theory]
    [InlineData("residual")]
    [InlineData("seqcat")]
    [InlineData("critic")]
    public void Backward_MatchesPyTorch_ParameterAndInputGradients(string name)
    {
        ITrainableNetwork network = Create(name);
        network.LoadSafetensors(System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", $"graph_{name}.safetensors"));
        SafetensorsFile io = Fixture($"graph_{name}_io.safetensors");
        float[] inputs = io.Get("input").Data, gradOutput = io.Get("grad_output").Data;
        var outputs = new float[gradOutput.Length];
        ForwardTraining(network, inputs, outputs);
        var inputGradients = new float[inputs.Length];
        Backward(network, gradOutput, inputGradients);
        float[] expected = io.Get("input_grad").Data;
        AssertClose(expected, inputGradients, Tolerance, name + " input gradient");
        double worst = GraphParityTests.Worst(expected, inputGradients);
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("bwd.", StringComparison.Ordinal)))
        {
            float[] gradient = LayerParityTests.ExportFrom(network, tensor.Name.Substring(4), network.Gradients);
            AssertClose(tensor.Data, gradient, Tolerance, $"{name} {tensor.Name}");
            worst = Math.Max(worst, GraphParityTests.Worst(tensor.Data, gradient));
        }
        output.WriteLine($"{name}: Backward(grad_output) input and parameter gradients within {worst:E2} of PyTorch (relative to max(1, |PyTorch|))");
    }

    /// <summary>The MSE gradient given to Backward reproduces ComputeGradients exactly (same forward, same backward).</summary>
    [Fact]
    public void Backward_OfTheLossGradient_EqualsComputeGradients()
    {
        var network = new ResidualBackwardNet(3);
        const int rows = 40; // two chunks
        float[] inputs = RandomVector(rows * ResidualBackwardNet.InputSize, 1), targets = RandomVector(rows * ResidualBackwardNet.OutputSize, 2);
        var twin = new ResidualBackwardNet(3);
        twin.ComputeGradients(inputs, targets);
        var outputs = new float[targets.Length];
        network.ForwardTraining(inputs, outputs);
        float scale = 2f / targets.Length; // d/dy of the mean squared error
        float[] dy = outputs.Select((y, i) => (y - targets[i]) * scale).ToArray();
        network.Backward(dy);
        AssertClose(twin.Gradients, network.Gradients, 1e-5, "gradients");
        Assert.True(twin.Parameters.SequenceEqual(network.Parameters)); // the same running statistics after one training forward
    }

    /// <summary>The input gradient against central finite differences of Σ g·output, for a stack and for a network that reads the input's channels-last copy.</summary>
    [Fact]
    public void InputGradient_MatchesFiniteDifferences()
    {
        Check(new CriticNet(4), CriticNet.InputSize, CriticNet.OutputSize, (n, x, y) => ((CriticNet)n).ForwardTraining(x, y), (n, g, dx) => ((CriticNet)n).Backward(g, dx));
        Check(new NormFirstNet(5), NormFirstNet.InputSize, NormFirstNet.OutputSize, (n, x, y) => ((NormFirstNet)n).ForwardTraining(x, y), (n, g, dx) => ((NormFirstNet)n).Backward(g, dx));
    }

    private static void Check(ITrainableNetwork network, int inputSize, int outputSize, Action<ITrainableNetwork, float[], float[]> forward, Action<ITrainableNetwork, float[], float[]> backward)
    {
        const int rows = 3;
        float[] inputs = RandomVector(rows * inputSize, 7), g = RandomVector(rows * outputSize, 8);
        var outputs = new float[rows * outputSize];
        var dx = new float[inputs.Length];
        float[] saved = network.Parameters.ToArray(); // ForwardTraining moves BatchNorm's running statistics; put them back
        forward(network, inputs, outputs);
        backward(network, g, dx);
        double Objective(float[] x)
        {
            saved.CopyTo(network.Parameters);
            var y = new float[rows * outputSize];
            forward(network, x, y);
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += (double)g[i] * y[i];
            return sum;
        }
        for (int i = 0; i < inputs.Length; i++)
        {
            float original = inputs[i];
            const float h = 1e-2f;
            inputs[i] = original + h;
            double up = Objective(inputs);
            inputs[i] = original - h;
            double down = Objective(inputs);
            inputs[i] = original;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - dx[i]) <= 3e-3 * Math.Max(1, Math.Abs(numeric)), $"{network.GetType().Name} input {i}: finite difference {numeric}, gradient {dx[i]}");
        }
    }

    [Fact]
    public void Backward_BeforeForwardTraining_Throws_AndWrongLengthsChangeNothing()
    {
        var network = new CriticNet(1);
        var error = Assert.Throws<InvalidOperationException>(() => network.Backward(new float[1]));
        Assert.Contains("ForwardTraining", error.Message);
        float[] inputs = RandomVector(2 * CriticNet.InputSize, 1);
        network.ForwardTraining(inputs, new float[2]);
        network.Backward([1f, 1f]);
        float[] gradients = network.Gradients.ToArray();
        Assert.Throws<ArgumentException>(() => network.Backward(new float[3]));
        Assert.Throws<ArgumentException>(() => network.Backward(new float[2], new float[5]));
        Assert.Equal(gradients, network.Gradients.ToArray());
    }

    [Fact]
    public void ForwardTrainingBackwardAndApplyGradients_AllocateNothing()
    {
        var network = new ResidualBackwardNet(2);
        float[] inputs = RandomVector(40 * ResidualBackwardNet.InputSize, 1), dy = RandomVector(40 * ResidualBackwardNet.OutputSize, 2);
        var outputs = new float[dy.Length];
        var dx = new float[inputs.Length];
        var optimizer = new Adam(1e-3f);
        Assert.Equal(0, AllocationTests.AllocatedBy(() =>
        {
            network.ForwardTraining(inputs, outputs);
            network.Backward(dy, dx);
            network.ApplyGradients(optimizer);
        }));
    }
}
