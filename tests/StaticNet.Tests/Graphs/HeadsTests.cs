using System;
using System.Linq;
using StaticNet.IO;
using StaticNet.Optimizers;
using StaticNet.Tests.Networks;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Graphs;

/// <summary>
/// Two inputs and two heads on a shared trunk, as tests/reference/make_heads_fixtures.py's TwoHead: a policy head
/// (softmax cross-entropy, weight 1) and a value head (mean squared error, weight 0.5).
/// </summary>
[Network(GradientsFromCaller = true)]
[Input(6, Name = "state")] [Input(2, Name = "action")]
[Dense(16, Activation.Tanh, From = "state", Name = "trunk")]
[Concatenate("action", Name = "cat")]
[Dense(16, Activation.ReLU, Name = "fc")]
[Dense(3, Name = "policy")]
[Dense(1, From = "fc", Name = "value")]
[Output("policy", Loss = Loss.SoftmaxCrossEntropy)]
[Output("value", Loss = Loss.MeanSquaredError, Weight = 0.5f)]
public partial class TwoHeadNet { }

/// <summary>One input, three heads, the network's loss for the heads without their own, declared before the layers.</summary>
[Network(Loss = Loss.Huber, HuberBeta = 0.5f)]
[Output("a")] [Output("b", Loss = Loss.BinaryCrossEntropy, Weight = 2f)] [Output("c", Loss = Loss.L1, Weight = 0.25f)]
[Input(5)]
[Dense(12, Activation.ReLU, Name = "body")]
[Dense(2, Name = "a")]
[Dense(4, From = "body", Name = "b")]
[Dense(1, From = "body", Name = "c")]
public partial class ThreeHeadNet { }

/// <summary>Heads without any loss: an inference-only network with two outputs.</summary>
[Input(4)]
[Dense(8, Activation.Tanh, Name = "body")]
[Dense(2, Name = "mean")]
[Dense(2, From = "body", Name = "log_std")]
[Output("mean")] [Output("log_std")]
public partial class GaussianPolicy { }

/// <summary>One [Output]: the head is the whole output, its loss weighted; no per-head overloads (the packed ones are the head's).</summary>
[Input(3)]
[Dense(6, Activation.ReLU)]
[Dense(2, Name = "out")]
[Output("out", Loss = Loss.L1, Weight = 2f)]
public partial class OneHeadNet { }

/// <summary>
/// Several outputs (heads): PyTorch parity of a two-input two-head network (outputs 1e-5, gradients and an Adam step 1e-4,
/// per-sample weights, <c>Backward</c> from each head's gradient with both inputs' gradients), the per-head overloads
/// against the packed members, the loss as Σ weight·loss, no allocations, and the same bits on one and two threads.
/// </summary>
public class HeadsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double OutputTolerance = 1e-5;
    private const double GradientTolerance = 1e-4;

    private static TwoHeadNet Loaded()
    {
        var network = new TwoHeadNet(1);
        network.LoadSafetensors(System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "heads_two_head.safetensors")); // strict
        return network;
    }

    private static (float[] Policy, float[] Value) Split(float[] packed, int n)
    {
        var policy = new float[n * 3];
        var value = new float[n];
        for (int s = 0; s < n; s++)
        {
            Array.Copy(packed, s * 4 + TwoHeadNet.PolicyOutputOffset, policy, s * 3, 3);
            value[s] = packed[s * 4 + TwoHeadNet.ValueOutputOffset];
        }
        return (policy, value);
    }

    private static (float[] State, float[] Action) SplitInputs(float[] packed, int n)
    {
        var state = new float[n * 6];
        var action = new float[n * 2];
        for (int s = 0; s < n; s++)
        {
            Array.Copy(packed, s * 8, state, s * 6, 6);
            Array.Copy(packed, s * 8 + 6, action, s * 2, 2);
        }
        return (state, action);
    }

    [Fact]
    public void Constants_DescribeThePackedOutput()
    {
        Assert.Equal(4, TwoHeadNet.OutputSize);
        Assert.Equal((0, 3), (TwoHeadNet.PolicyOutputOffset, TwoHeadNet.PolicyOutputSize));
        Assert.Equal((3, 1), (TwoHeadNet.ValueOutputOffset, TwoHeadNet.ValueOutputSize));
        Assert.Equal((0, 2, 2, 4, 6, 1), (ThreeHeadNet.AOutputOffset, ThreeHeadNet.AOutputSize, ThreeHeadNet.BOutputOffset, ThreeHeadNet.BOutputSize, ThreeHeadNet.COutputOffset, ThreeHeadNet.COutputSize));
        Assert.Equal(7, ThreeHeadNet.OutputSize);
        Assert.Equal("heads", TwoHeadNet.Layers[^1].ModuleType);
        Assert.Equal(4, GaussianPolicy.OutputSize);
    }

    [Fact]
    public void MatchesPyTorch_OutputsLossGradientsAdamStepAndSampleWeights()
    {
        SafetensorsFile io = Fixture("heads_two_head_io.safetensors");
        float[] input = io.Get("input").Data, target = io.Get("target").Data, expected = io.Get("eval_output").Data;
        int n = input.Length / 8;
        TwoHeadNet network = Loaded();

        var packed = new float[n * 4];
        network.ForwardBatch(input, packed);
        AssertClose(expected, packed, OutputTolerance, "eval output (packed)");
        (float[] state, float[] action) = SplitInputs(input, n);
        var policy = new float[n * 3];
        var value = new float[n];
        network.ForwardBatch(state, action, policy, value);
        (float[] expectedPolicy, float[] expectedValue) = Split(expected, n);
        AssertClose(expectedPolicy, policy, OutputTolerance, "policy head");
        AssertClose(expectedValue, value, OutputTolerance, "value head");

        (float[] policyTargets, float[] valueTargets) = Split(target, n);
        float loss = network.ComputeGradients(input, policyTargets, valueTargets, default);
        AssertClose(io.Get("loss").Data, [loss], OutputTolerance, "loss 1·ce + 0.5·mse");
        Assert.Equal(loss, network.ComputeLoss(input, target), 6);
        double worstGradient = 0;
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("grad.", StringComparison.Ordinal)))
        {
            float[] gradient = LayerParityTests.ExportFrom(network, tensor.Name.Substring(5), network.Gradients);
            AssertClose(tensor.Data, gradient, GradientTolerance, tensor.Name);
            worstGradient = Math.Max(worstGradient, GraphParityTests.Worst(tensor.Data, gradient));
        }

        float weighted = network.ComputeGradients(input, policyTargets, valueTargets, io.Get("sample_weights").Data);
        AssertClose(io.Get("weighted_loss").Data, [weighted], OutputTolerance, "weighted loss");
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("wgrad.", StringComparison.Ordinal)))
            AssertClose(tensor.Data, LayerParityTests.ExportFrom(network, tensor.Name.Substring(6), network.Gradients), GradientTolerance, tensor.Name);

        network = Loaded();
        network.TrainStep(input, policyTargets, valueTargets, default, new Adam(0.01f));
        double worstAdam = 0;
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("adam.", StringComparison.Ordinal)))
        {
            float[] after = LayerParityTests.ExportFrom(network, tensor.Name.Substring(5), network.Parameters);
            AssertClose(tensor.Data, after, GradientTolerance, tensor.Name);
            worstAdam = Math.Max(worstAdam, GraphParityTests.Worst(tensor.Data, after));
        }
        output.WriteLine($"two heads: eval output {GraphParityTests.Worst(expected, packed):E2}, gradients {worstGradient:E2}, after one Adam step {worstAdam:E2}");
    }

    [Fact]
    public void BackwardFromEachHeadsGradient_MatchesPyTorch_WithBothInputsGradients()
    {
        SafetensorsFile io = Fixture("heads_two_head_io.safetensors");
        float[] input = io.Get("input").Data;
        int n = input.Length / 8;
        (float[] state, float[] action) = SplitInputs(input, n);
        TwoHeadNet network = Loaded();
        var policy = new float[n * 3];
        var value = new float[n];
        network.ForwardTraining(state, action, policy, value);
        var dState = new float[n * 6];
        var dAction = new float[n * 2];
        network.Backward(io.Get("policy_grad").Data, io.Get("value_grad").Data, dState, dAction);
        AssertClose(io.Get("state_grad").Data, dState, GradientTolerance, "∂L/∂state");
        AssertClose(io.Get("action_grad").Data, dAction, GradientTolerance, "∂L/∂action");
        foreach (var tensor in io.Tensors.Where(t => t.Name.StartsWith("bwd.", StringComparison.Ordinal)))
            AssertClose(tensor.Data, LayerParityTests.ExportFrom(network, tensor.Name.Substring(4), network.Gradients), GradientTolerance, tensor.Name);
    }

    [Fact]
    public void TheSharedTrunksGradient_IsTheSumOfTheHeads()
    {
        const int n = 9;
        var network = new TwoHeadNet(3);
        float[] state = RandomVector(n * 6, 1), action = RandomVector(n * 2, 2), dPolicy = RandomVector(n * 3, 3), dValue = RandomVector(n, 4);
        network.ForwardTraining(state, action, new float[n * 3], new float[n]);
        network.Backward(dPolicy, new float[n], default, default);
        float[] fromPolicy = network.Gradients.ToArray();
        network.Backward(new float[n * 3], dValue, default, default);
        float[] fromValue = network.Gradients.ToArray();
        network.Backward(dPolicy, dValue, default, default);
        float[] both = network.Gradients.ToArray();
        float[] trunk = LayerParityTests.ExportFrom(network, "trunk.weight", both);
        float[] sum = fromPolicy.Zip(fromValue, (a, b) => a + b).ToArray();
        AssertClose(LayerParityTests.ExportFrom(network, "trunk.weight", sum), trunk, 1e-6, "trunk gradient");
        Assert.Contains(LayerParityTests.ExportFrom(network, "value.weight", fromPolicy), v => v == 0); // the policy's gradient does not reach the value head
        Assert.All(LayerParityTests.ExportFrom(network, "value.weight", fromPolicy), v => Assert.Equal(0f, v));
        Assert.Contains(LayerParityTests.ExportFrom(network, "trunk.weight", fromValue), v => v != 0);
    }

    [Fact]
    public void TheLoss_IsTheWeightedSumOfTheHeadsLosses()
    {
        const int n = 40;
        var network = new ThreeHeadNet(4);
        float[] inputs = RandomVector(n * 5, 1);
        var outputs = new float[n * 7];
        network.ForwardBatch(inputs, outputs);
        float[] targets = RandomVector(n * 7, 2);
        for (int i = 0; i < targets.Length; i++) if (i % 7 is >= 2 and < 6) targets[i] = targets[i] > 0 ? 1f : 0f; // b: BCE targets
        double huber = 0, bce = 0, l1 = 0;
        for (int s = 0; s < n; s++)
        {
            for (int j = 0; j < 2; j++)
            {
                double d = Math.Abs(outputs[s * 7 + j] - targets[s * 7 + j]);
                huber += d < 0.5 ? 0.5 * d * d / 0.5 : d - 0.25;
            }
            for (int j = 2; j < 6; j++)
            {
                double z = outputs[s * 7 + j], t = targets[s * 7 + j];
                bce += Math.Max(z, 0) - z * t + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            }
            l1 += Math.Abs(outputs[s * 7 + 6] - targets[s * 7 + 6]);
        }
        double expected = huber / (n * 2) + 2 * bce / (n * 4) + 0.25 * l1 / n;
        Assert.Equal(expected, network.ComputeLoss(inputs, targets), 5);
        float[] a = targets.Where((_, i) => i % 7 < 2).ToArray(), b = targets.Where((_, i) => i % 7 is >= 2 and < 6).ToArray(), c = targets.Where((_, i) => i % 7 == 6).ToArray();
        Assert.Equal(network.ComputeLoss(inputs, targets), network.ComputeLoss(inputs, a, b, c));
    }

    [Fact]
    public void PerHeadOverloads_EqualThePackedMembers()
    {
        const int n = 70; // several chunks
        float[] state = RandomVector(n * 6, 1), action = RandomVector(n * 2, 2), dy = RandomVector(n * 4, 4);
        float[] inputs = new float[n * 8];
        for (int s = 0; s < n; s++) { Array.Copy(state, s * 6, inputs, s * 8, 6); Array.Copy(action, s * 2, inputs, s * 8 + 6, 2); }
        float[] targets = RandomVector(n * 4, 3);
        (float[] policyTargets, float[] valueTargets) = Split(targets, n);
        var a = new TwoHeadNet(5);
        var b = new TwoHeadNet(5);

        var policy = new float[3];
        var value = new float[1];
        var packed = new float[4];
        a.Forward(state.AsSpan(0, 6), action.AsSpan(0, 2), policy, value);
        b.Forward(inputs.AsSpan(0, 8), packed);
        Assert.Equal(packed, policy.Concat(value).ToArray());

        Assert.Equal(b.TrainStep(inputs, targets, new Adam(0.01f)), a.TrainStep(inputs, policyTargets, valueTargets, default, new Adam(0.01f)));
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));

        var policies = new float[n * 3];
        var values = new float[n];
        var outputs = new float[n * 4];
        a.ForwardTraining(state, action, policies, values);
        b.ForwardTraining(inputs, outputs);
        Assert.Equal(Split(outputs, n), (policies, values), new PairComparer());
        (float[] dPolicy, float[] dValue) = Split(dy, n);
        var dInputs = new float[n * 8];
        a.Backward(dPolicy, dValue, default, default);
        b.Backward(dy, dInputs);
        Assert.True(a.Gradients.SequenceEqual(b.Gradients));
    }

    private sealed class PairComparer : System.Collections.Generic.IEqualityComparer<(float[], float[])>
    {
        public bool Equals((float[], float[]) x, (float[], float[]) y) => x.Item1.SequenceEqual(y.Item1) && x.Item2.SequenceEqual(y.Item2);
        public int GetHashCode((float[], float[]) obj) => 0;
    }

    [Fact]
    public void PerHeadOverloads_RefuseMismatchedSpans_AndChangeNothing()
    {
        var network = new TwoHeadNet(5);
        float[] before = network.Parameters.ToArray();
        var e = Assert.Throws<ArgumentException>(() => network.TrainStep(new float[16], new float[6], new float[3], default, new Adam(0.01f)));
        Assert.Contains("'valueTargets'", e.Message);
        e = Assert.Throws<ArgumentException>(() => network.ForwardBatch(new float[12], new float[4], new float[7], new float[2]));
        Assert.Contains("multiple of 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => network.Forward(new float[6], new float[2], new float[3], new float[2]));
        Assert.Contains("value", e.Message);
        Assert.True(network.Parameters.SequenceEqual(before));
    }

    [Fact]
    public void ForwardTrainStepAndBackward_OfATwoHeadNetwork_AllocateNothing()
    {
        const int n = 40;
        var network = new TwoHeadNet(2);
        float[] state = RandomVector(n * 6, 1), action = RandomVector(n * 2, 2), inputs = RandomVector(n * 8, 3);
        float[] policyTargets = RandomVector(n * 3, 4), valueTargets = RandomVector(n, 5), weights = RandomVector(n, 6).Select(Math.Abs).ToArray();
        var policy = new float[3];
        var value = new float[1];
        var policies = new float[n * 3];
        var values = new float[n];
        var dState = new float[n * 6];
        var dAction = new float[n * 2];
        var optimizer = new Adam(1e-3f);
        Assert.Equal(0, AllocationTests.AllocatedBy(() =>
        {
            network.Forward(state.AsSpan(0, 6), action.AsSpan(0, 2), policy, value);
            network.ForwardBatch(state, action, policies, values);
            network.TrainStep(inputs, policyTargets, valueTargets, weights, optimizer);
            network.ComputeLoss(inputs, policyTargets, valueTargets);
            network.ForwardTraining(state, action, policies, values);
            network.Backward(policyTargets, valueTargets, dState, dAction);
        }));
    }

    [Fact]
    public void TrainsTheSameBitsOnOneAndTwoThreads()
    {
        const int n = 100; // four chunks
        float[] inputs = RandomVector(n * 5, 7), targets = RandomVector(n * 7, 8);
        for (int i = 0; i < targets.Length; i++) if (i % 7 is >= 2 and < 6) targets[i] = targets[i] > 0 ? 1f : 0f;
        var one = new ThreeHeadNet(9) { MaxDegreeOfParallelism = 1 };
        var two = new ThreeHeadNet(9) { MaxDegreeOfParallelism = 2 };
        Optimizer a = new Adam(0.01f), b = new Adam(0.01f);
        for (int step = 0; step < 2; step++)
            Assert.Equal(one.TrainStep(inputs, targets, a), two.TrainStep(inputs, targets, b));
        Assert.True(one.Parameters.SequenceEqual(two.Parameters));
    }

    [Fact]
    public void OneHead_IsTheOutput_WithItsWeightedLoss()
    {
        const int n = 5;
        var network = new OneHeadNet(3);
        float[] inputs = RandomVector(n * 3, 1), targets = RandomVector(n * 2, 2);
        var outputs = new float[n * 2];
        network.ForwardBatch(inputs, outputs);
        double l1 = outputs.Zip(targets, (y, t) => Math.Abs(y - t)).Sum() / (n * 2);
        Assert.Equal(2 * l1, network.ComputeLoss(inputs, targets), 5);
        Assert.Equal((0, 2), (OneHeadNet.OutOutputOffset, OneHeadNet.OutOutputSize));
    }

    [Fact]
    public void AnInferenceOnlyNetwork_HasOneSpanPerHead()
    {
        var network = new GaussianPolicy(1);
        float[] input = RandomVector(4, 1);
        var mean = new float[2];
        var logStd = new float[2];
        var packed = new float[4];
        network.Forward(input, mean, logStd);
        network.Forward(input, packed);
        Assert.Equal(packed, mean.Concat(logStd).ToArray());
        Assert.IsNotAssignableFrom<ITrainableNetwork>(network);
    }
}
