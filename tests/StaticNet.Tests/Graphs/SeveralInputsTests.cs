using System;
using System.Linq;
using StaticNet.Optimizers;
using StaticNet.Tests.Networks;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Graphs;

/// <summary>
/// Several named inputs (<see cref="TwoInputCritic"/>: state 6, action 2): the per-input constants, the overloads that
/// take one span per input (Forward, ForwardBatch, ForwardTraining, Backward) against the packed members, their argument checks, no allocations, and the same bits on one
/// and two threads. PyTorch parity is in GraphParityTests and CallerGradientTests ("critic").
/// </summary>
public class SeveralInputsTests
{
    private static float[] Pack(float[] state, float[] action, int n)
    {
        var packed = new float[n * TwoInputCritic.InputSize];
        for (int s = 0; s < n; s++)
        {
            Array.Copy(state, s * 6, packed, s * 8 + TwoInputCritic.StateInputOffset, 6);
            Array.Copy(action, s * 2, packed, s * 8 + TwoInputCritic.ActionInputOffset, 2);
        }
        return packed;
    }

    [Fact]
    public void Constants_DescribeThePackedSample()
    {
        Assert.Equal(8, TwoInputCritic.InputSize);
        Assert.Equal((0, 6), (TwoInputCritic.StateInputOffset, TwoInputCritic.StateInputSize));
        Assert.Equal((6, 2), (TwoInputCritic.ActionInputOffset, TwoInputCritic.ActionInputSize));
        Assert.Equal(new[] { "input", "input", "cat" }, TwoInputCritic.Layers.Select(l => l.ModuleType).Where(t => !t.StartsWith("Linear", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public void PerInputOverloads_EqualThePackedMembers()
    {
        const int n = 70; // several chunks
        float[] state = RandomVector(n * 6, 1), action = RandomVector(n * 2, 2), targets = RandomVector(n, 3), dy = RandomVector(n, 4);
        float[] packed = Pack(state, action, n);
        var a = new TwoInputCritic(5);
        var b = new TwoInputCritic(5);

        var one = new float[1];
        var onePacked = new float[1];
        a.Forward(state.AsSpan(0, 6), action.AsSpan(0, 2), one);
        b.Forward(packed.AsSpan(0, 8), onePacked);
        Assert.Equal(onePacked, one);

        var x = new float[n];
        var y = new float[n];
        a.ForwardBatch(state, action, x);
        b.ForwardBatch(packed, y);
        Assert.Equal(y, x);

        a.ForwardTraining(state, action, x);
        b.ForwardTraining(packed, y);
        Assert.Equal(y, x);
        var dState = new float[n * 6];
        var dAction = new float[n * 2];
        var dPacked = new float[n * 8];
        a.Backward(dy, dState, dAction);
        b.Backward(dy, dPacked);
        Assert.True(a.Gradients.SequenceEqual(b.Gradients));
        Assert.Equal(Pack(dState, dAction, n), dPacked);
        Assert.Contains(dAction, v => v != 0); // ∂Q/∂a reaches the action
    }

    [Fact]
    public void PerInputTraining_EqualsThePackedTraining_WeightedAndNot()
    {
        const int n = 70; // several chunks
        float[] state = RandomVector(n * 6, 11), action = RandomVector(n * 2, 12), targets = RandomVector(n, 13);
        float[] weights = RandomVector(n, 14).Select(MathF.Abs).ToArray();
        float[] packed = Pack(state, action, n);
        var a = new TwoInputCritic(5);
        var b = new TwoInputCritic(5);
        Assert.Equal(b.ComputeLoss(packed, targets), a.ComputeLoss(state, action, targets));
        Assert.Equal(b.ComputeGradients(packed, targets), a.ComputeGradients(state, action, targets, default));
        Assert.True(a.Gradients.SequenceEqual(b.Gradients));
        Assert.Equal(b.ComputeGradients(packed, targets, weights), a.ComputeGradients(state, action, targets, weights));
        Assert.True(a.Gradients.SequenceEqual(b.Gradients));
        var optimizerA = new Adam(1e-2f);
        var optimizerB = new Adam(1e-2f);
        for (int step = 0; step < 3; step++)
        {
            Assert.Equal(b.TrainStep(packed, targets, optimizerB), a.TrainStep(state, action, targets, default, optimizerA));
            Assert.Equal(b.TrainStep(packed, targets, weights, optimizerB), a.TrainStep(state, action, targets, weights, optimizerA));
        }
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        float[] before = a.Parameters.ToArray();
        var e = Assert.Throws<ArgumentException>(() => a.TrainStep(state, action.AsSpan(0, 2 * (n - 1)), targets, default, optimizerA));
        Assert.Contains("'action'", e.Message);
        Assert.True(a.Parameters.SequenceEqual(before)); // a refused step changes nothing
    }

    [Fact]
    public void PerInputBufferTypes_HoldOneSampleOfTheirInput()
    {
        var state = new TwoInputCritic.StateInputBuffer();
        var action = new TwoInputCritic.ActionInputBuffer();
        var output = new TwoInputCritic.OutputBuffer();
        Span<float> s = state;
        Span<float> a = action;
        Assert.Equal((TwoInputCritic.StateInputSize, TwoInputCritic.ActionInputSize), (s.Length, a.Length));
        float[] sv = RandomVector(6, 21), av = RandomVector(2, 22);
        sv.CopyTo(s);
        av.CopyTo(a);
        var network = new TwoInputCritic(5);
        network.Forward(state, action, output);
        var expected = new float[1];
        network.Forward(sv, av, expected);
        Assert.Equal(expected[0], ((ReadOnlySpan<float>)output)[0]);
    }

    [Fact]
    public void PerInputOverloads_RefuseMismatchedInputs_AndChangeNothing()
    {
        // Lengths the analyzers cannot see (SNET020-022 would reject them at build time): buffers sized at run time.
        static float[] Floats(int length) => new float[length];
        var network = new TwoInputCritic(5);
        float[] before = network.Parameters.ToArray();
        var e = Assert.Throws<ArgumentException>(() => network.ForwardTraining(Floats(12), Floats(6), Floats(2)));
        Assert.Contains("'action'", e.Message);
        Assert.Contains("as many as the first input", e.Message);
        e = Assert.Throws<ArgumentException>(() => network.ForwardBatch(Floats(7), Floats(2), Floats(1)));
        Assert.Contains("multiple of 6", e.Message);
        e = Assert.Throws<ArgumentException>(() => network.Forward(Floats(6), Floats(3), Floats(1)));
        Assert.Contains("'action'", e.Message);
        Assert.True(network.Parameters.SequenceEqual(before));
    }

    [Fact]
    public void ForwardTrainStepAndBackward_OfATwoInputNetwork_AllocateNothing()
    {
        const int n = 40;
        var network = new TwoInputCritic(2);
        float[] state = RandomVector(n * 6, 1), action = RandomVector(n * 2, 2), targets = RandomVector(n, 3);
        var output = new float[1];
        var outputs = new float[n];
        var dState = new float[n * 6];
        var dAction = new float[n * 2];
        var optimizer = new Adam(1e-3f);
        float[] packed = Pack(state, action, n);
        Assert.Equal(0, AllocationTests.AllocatedBy(() =>
        {
            network.Forward(state.AsSpan(0, 6), action.AsSpan(0, 2), output);
            network.ForwardBatch(state, action, outputs);
            network.TrainStep(packed, targets, optimizer);
            network.TrainStep(state, action, targets, default, optimizer); // one span per input
            network.ForwardTraining(state, action, outputs);
            network.Backward(targets, dState, dAction);
        }));
    }

    [Fact]
    public void TrainsTheSameBitsOnOneAndTwoThreads()
    {
        const int n = 100; // four chunks
        float[] state = RandomVector(n * 6, 7), action = RandomVector(n * 2, 8), targets = RandomVector(n, 9);
        float[] packed = Pack(state, action, n);
        var one = new TwoInputCritic(9) { MaxDegreeOfParallelism = 1 };
        var two = new TwoInputCritic(9) { MaxDegreeOfParallelism = 2 };
        Optimizer a = new Adam(0.01f), b = new Adam(0.01f);
        for (int step = 0; step < 2; step++)
            Assert.Equal(one.TrainStep(packed, targets, a), two.TrainStep(packed, targets, b));
        Assert.True(one.Parameters.SequenceEqual(two.Parameters));
        var x = new float[n];
        var y = new float[n];
        one.ForwardBatch(state, action, x);
        two.ForwardBatch(state, action, y);
        Assert.Equal(x, y);
    }
}
