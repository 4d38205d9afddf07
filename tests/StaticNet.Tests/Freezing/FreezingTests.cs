using System;
using System.Linq;
using System.Reflection;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Freezing;

/// <summary>
/// Freezing layers: frozen parameters and their optimizer state stay bit for bit, the others train exactly as with the
/// frozen layer's gradients discarded, the backward pass skips frozen work, and the names are checked.
/// </summary>
public class FreezingTests
{
    private const int Rows = 5;

    private static float[] Inputs(INetwork network, int seed) => RandomVector(Rows * network.InputSize, seed);

    private static int[] Labels(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Rows).Select(_ => random.Next(3)).ToArray();
    }

    /// <summary>The internal range [start, end) of a layer's trainable tensors, from its tensors' names.</summary>
    private static (int Start, int End) RangeOf(INetwork network, string layer)
    {
        ParameterTensor[] tensors = network.ParameterTensors.Where(t => t.Name.StartsWith(layer + ".", StringComparison.Ordinal)
            && t.Offset < (network as ITrainableNetwork)!.Gradients.Length).ToArray();
        Assert.NotEmpty(tensors);
        int start = tensors.Min(t => t.Offset);
        int end = (int)tensors.Max(t => t.Offset + t.Extent);
        return (start, end);
    }

    private static float[] States(Optimizer optimizer, int which)
    {
        const BindingFlags flags = BindingFlags.Instance | BindingFlags.NonPublic;
        object? state = optimizer.GetType().GetFields(flags).Select(f => f.GetValue(optimizer)).First(v => v is AdamMoments or float[]);
        return state switch
        {
            AdamMoments moments => (which == 0 ? moments.First : moments.Second).ToArray(),
            float[] buffer => buffer.ToArray(),
            _ => throw new InvalidOperationException(),
        };
    }

    [Theory]
    [InlineData("3")] // the middle convolution: conv 0 before it still trains, so its input gradient is still needed
    [InlineData("0")] // the first: nothing before the second convolution runs backward
    [InlineData("6")]
    public void FrozenLayerStaysAndTheOthersTrainAsWithItsGradientsDiscarded(string frozenLayer)
    {
        var network = new FreezeCnn(3);
        var reference = new FreezeCnn(3);
        network.Freeze(frozenLayer);
        Assert.True(network.IsFrozen(frozenLayer));
        (int start, int end) = RangeOf(network, frozenLayer);
        float[] frozenBefore = network.Parameters.Slice(start, end - start).ToArray();
        var optimizer = new Adam(0.01f, weightDecay: 0.01f);
        var referenceOptimizer = new Adam(0.01f, weightDecay: 0.01f);

        for (int step = 0; step < 6; step++)
        {
            float[] inputs = Inputs(network, 10 + step);
            int[] labels = Labels(20 + step);
            float loss = network.TrainStep(inputs, labels, optimizer);

            // The reference: every gradient computed, the frozen layer's discarded, an Adam step over everything, then the
            // frozen layer's weights put back (Adam's weight decay, added to the gradient, would have moved them). Adam
            // works element by element, so the other parameters must come out bit for bit the same.
            float referenceLoss = reference.ComputeGradients(inputs, labels);
            reference.Gradients.Slice(start, end - start).Clear();
            float[] keep = reference.Parameters.Slice(start, end - start).ToArray();
            referenceOptimizer.Step(reference.Parameters, reference.Gradients, reference);
            keep.CopyTo(reference.Parameters.Slice(start, end - start));

            Assert.Equal(referenceLoss, loss);
            Assert.True(network.Gradients.Slice(start, end - start).ToArray().All(g => g == 0f), "a frozen layer's gradients stay zero");
        }

        Assert.Equal(frozenBefore, network.Parameters.Slice(start, end - start).ToArray()); // bit for bit
        float[] trained = network.Parameters.ToArray(), expected = reference.Parameters.ToArray();
        for (int i = 0; i < trained.Length; i++)
            if (i < start || i >= end)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(trained[i]),
                    $"parameter {i}: expected {expected[i]:R}, found {trained[i]:R}");
        Assert.NotEqual(new FreezeCnn(3).Parameters.ToArray(), trained); // the others did train
    }

    [Fact]
    public void FreezingMidwayLeavesTheMomentsOfTheFrozenLayerUntouchedAndUnfreezingResumes()
    {
        var network = new FreezeCnn(5);
        var optimizer = new Adam(0.01f);
        for (int step = 0; step < 3; step++) network.TrainStep(Inputs(network, step), Labels(step), optimizer);
        (int start, int end) = RangeOf(network, "6");
        float[] weights = network.Parameters.Slice(start, end - start).ToArray();
        float[] m = States(optimizer, 0)[start..end], v = States(optimizer, 1)[start..end];
        Assert.Contains(m, x => x != 0f); // the moments are not trivially zero

        network.Freeze("6");
        float[] others = network.Parameters.ToArray();
        for (int step = 3; step < 6; step++) network.TrainStep(Inputs(network, step), Labels(step), optimizer);

        Assert.Equal(weights, network.Parameters.Slice(start, end - start).ToArray());
        Assert.Equal(m, States(optimizer, 0)[start..end]);
        Assert.Equal(v, States(optimizer, 1)[start..end]);
        Assert.NotEqual(others[..start], network.Parameters.ToArray()[..start]);
        Assert.Equal(6, optimizer.StepCount);

        network.Unfreeze("6");
        Assert.False(network.IsFrozen("6"));
        network.TrainStep(Inputs(network, 7), Labels(7), optimizer);
        Assert.NotEqual(weights, network.Parameters.Slice(start, end - start).ToArray());
        Assert.NotEqual(m, States(optimizer, 0)[start..end]);
    }

    [Fact]
    public void SgdMomentumOfAFrozenLayerIsUntouched()
    {
        var network = new FreezeCnn(6);
        var optimizer = new Sgd(0.05f, momentum: 0.9f, weightDecay: 0.01f);
        network.TrainStep(Inputs(network, 1), Labels(1), optimizer);
        (int start, int end) = RangeOf(network, "0");
        float[] buffer = States(optimizer, 0)[start..end], weights = network.Parameters.Slice(start, end - start).ToArray();
        network.Freeze("0");
        for (int step = 0; step < 3; step++) network.TrainStep(Inputs(network, 2 + step), Labels(2 + step), optimizer);
        Assert.Equal(buffer, States(optimizer, 0)[start..end]);
        Assert.Equal(weights, network.Parameters.Slice(start, end - start).ToArray());
    }

    [Fact]
    public void DeclaredTrainableFalseTrainsAsRunTimeFreezeAndCannotBeUnfrozen()
    {
        var declared = new FreezeCnnDeclared(8);
        var frozen = new FreezeCnn(8);
        frozen.Freeze("0");
        Assert.Equal(frozen.Parameters.ToArray(), declared.Parameters.ToArray()); // same layout and initialisation
        Assert.True(declared.IsFrozen("0"));
        Assert.False(FreezeCnnDeclared.Layers[0].Trainable);
        Assert.True(FreezeCnn.Layers[0].Trainable);
        var a = new AdamW(0.01f);
        var b = new AdamW(0.01f);
        for (int step = 0; step < 4; step++)
        {
            Assert.Equal(frozen.TrainStep(Inputs(frozen, step), Labels(step), a), declared.TrainStep(Inputs(declared, step), Labels(step), b));
        }
        Assert.Equal(frozen.Parameters.ToArray(), declared.Parameters.ToArray());
        Assert.Equal(frozen.Gradients.ToArray(), declared.Gradients.ToArray());

        var error = Assert.Throws<InvalidOperationException>(() => declared.Unfreeze("0"));
        Assert.Contains("Trainable = false", error.Message);
        Assert.True(declared.IsFrozen("0"));
        declared.Freeze("0"); // already frozen: nothing to do
    }

    [Fact]
    public void AFrozenTrunkDeclaredAtBuildTimeOnlyTrainsTheHead()
    {
        var network = new FrozenTrunkNet(2);
        float[] before = network.Parameters.ToArray();
        (int start, int end) = RangeOf(network, "layers.4");
        float[] inputs = RandomVector(8 * FrozenTrunkNet.InputSize, 1), targets = RandomVector(8 * FrozenTrunkNet.OutputSize, 2);
        for (int step = 0; step < 3; step++) network.TrainStep(inputs, targets, new Sgd(0.1f));
        float[] after = network.Parameters.ToArray();
        Assert.Equal(before[..start], after[..start]);
        Assert.NotEqual(before[start..end], after[start..end]);
        Assert.True(network.Gradients[..start].ToArray().All(g => g == 0f));
        Assert.Equal(new[] { "layers.0", "layers.2", "layers.4" }, FrozenTrunkNet.Layers.Select(l => l.Name));
        Assert.Equal(new[] { false, false, true }, FrozenTrunkNet.Layers.Select(l => l.Trainable));
    }

    [Fact]
    public void UnfrozenGradientsStillMatchFiniteDifferences()
    {
        var network = new FreezeCnn(9);
        network.Freeze("3");
        float[] inputs = Inputs(network, 4);
        int[] labels = Labels(4);
        network.ComputeGradients(inputs, labels);
        float[] analytic = network.Gradients.ToArray();
        float[] parameters = network.Parameters.ToArray();
        (int frozenStart, int frozenEnd) = RangeOf(network, "3");
        int checkedCount = 0;
        const float step = 1e-3f;
        foreach (ParameterTensor tensor in network.ParameterTensors)
        {
            bool frozen = tensor.Offset >= frozenStart && tensor.Offset < frozenEnd;
            foreach (int index in Networks.GradientCheckTests.InternalIndices(tensor))
            {
                if (frozen) { Assert.Equal(0f, analytic[index]); continue; }
                float original = parameters[index];
                parameters[index] = original + step;
                parameters.CopyTo(network.Parameters);
                double plus = network.ComputeLoss(inputs, labels);
                parameters[index] = original - step;
                parameters.CopyTo(network.Parameters);
                double minus = network.ComputeLoss(inputs, labels);
                parameters[index] = original;
                double numeric = (plus - minus) / (2 * step);
                Assert.True(Math.Abs(numeric - analytic[index]) <= 2e-3 + 2e-2 * Math.Abs(numeric),
                    $"{tensor.Name} (internal index {index}): analytic {analytic[index]:E4}, finite difference {numeric:E4}");
                checkedCount++;
            }
        }
        Assert.Equal(FreezeCnn.ParameterCount - FreezeCnn.Layers.Single(l => l.Name == "3").ParameterCount, checkedCount);
    }

    [Theory]
    [InlineData("bn")]
    [InlineData("fc2")]
    public void BatchNormNetworksFreezeToo(string layer)
    {
        var network = new FreezeBatchNormNet(4);
        var reference = new FreezeBatchNormNet(4);
        network.Freeze(layer);
        (int start, int end) = RangeOf(network, layer);
        float[] inputs = RandomVector(6 * FreezeBatchNormNet.InputSize, 3), targets = RandomVector(6 * FreezeBatchNormNet.OutputSize, 4);
        var optimizer = new Sgd(0.1f);
        var referenceOptimizer = new Sgd(0.1f);
        for (int step = 0; step < 3; step++)
        {
            network.TrainStep(inputs, targets, optimizer);
            reference.ComputeGradients(inputs, targets);
            reference.Gradients.Slice(start, end - start).Clear();
            referenceOptimizer.Step(reference.Parameters.Slice(0, reference.Gradients.Length), reference.Gradients, reference);
            Assert.True(network.Gradients.Slice(start, end - start).ToArray().All(g => g == 0f));
        }
        Assert.Equal(reference.Parameters.ToArray(), network.Parameters.ToArray()); // running statistics included
    }

    [Fact]
    public void RecurrentLayersFreeze()
    {
        var network = new FreezeLstmNet(4);
        network.Freeze("rnn");
        (int start, int end) = RangeOf(network, "rnn");
        float[] before = network.Parameters.ToArray();
        float[] inputs = RandomVector(4 * FreezeLstmNet.InputSize, 3), targets = RandomVector(4 * FreezeLstmNet.OutputSize, 4);
        var optimizer = new Adam(0.01f);
        for (int step = 0; step < 3; step++) network.TrainStep(inputs, targets, optimizer);
        float[] after = network.Parameters.ToArray();
        Assert.Equal(before[start..end], after[start..end]);
        Assert.NotEqual(before[..start], after[..start]); // proj, before it, still trains through it
        Assert.True(network.Gradients.Slice(start, end - start).ToArray().All(g => g == 0f));
    }

    [Fact]
    public void EverythingFrozenChangesNothingButTheStepCount()
    {
        var network = new FreezeCnn(2);
        foreach (LayerInfo layer in FreezeCnn.Layers.Where(l => l.ParameterCount > 0)) network.Freeze(layer.Name);
        float[] before = network.Parameters.ToArray();
        var optimizer = new Adam();
        float loss = network.TrainStep(Inputs(network, 1), Labels(1), optimizer);
        Assert.True(loss > 0f && float.IsFinite(loss));
        Assert.Equal(before, network.Parameters.ToArray());
        Assert.True(network.Gradients.ToArray().All(g => g == 0f));
        Assert.Equal(1, optimizer.StepCount);
    }

    [Fact]
    public void NamesAreCheckedAndListed()
    {
        var network = new FreezeCnn(1);
        var unknown = Assert.Throws<ArgumentException>(() => network.Freeze("conv1"));
        Assert.Contains("'0', '3', '6', '8'", unknown.Message);
        Assert.Contains("found 'conv1'", unknown.Message);
        var pool = Assert.Throws<ArgumentException>(() => network.Unfreeze("2"));
        Assert.Contains("MaxPool2d", pool.Message);
        Assert.Throws<ArgumentException>(() => network.IsFrozen("1")); // the fused ReLU's module number is not a layer
        Assert.Throws<ArgumentNullException>(() => network.Freeze(null!));
        Assert.False(network.IsFrozen("8"));
        ITrainableNetwork asInterface = network;
        asInterface.Freeze("8");
        Assert.True(asInterface.IsFrozen("8"));
    }

    [Fact]
    public void TrainingWithFrozenLayersAllocatesNothing()
    {
        var network = new FreezeCnn(1);
        network.Freeze("3");
        var optimizer = new Adam();
        float[] inputs = Inputs(network, 1);
        int[] labels = Labels(1);
        Assert.Equal(0, Allocations.Fewest(() => network.TrainStep(inputs, labels, optimizer), calls: 10));
        network.Freeze("0");
        network.Unfreeze("3");
        Assert.Equal(0, Allocations.Fewest(() => network.TrainStep(inputs, labels, optimizer), calls: 10));
    }
}
