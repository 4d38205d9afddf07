using System.Linq;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Freezing;

/// <summary>The generated <c>Layers</c> table: names, module types, shapes, parameters and multiply-adds of each layer.</summary>
public class LayerTableTests
{
    [Fact]
    public void TheCnnTableHasEveryLayerWithExactShapesAndCosts()
    {
        var rows = FreezeCnn.Layers;
        Assert.Equal(new[] { "0", "2", "3", "5", "6", "8" }, rows.Select(l => l.Name));
        Assert.Equal(new[] { "Conv2d + ReLU", "MaxPool2d", "Conv2d + Tanh", "Flatten", "Linear + ReLU", "Linear" }, rows.Select(l => l.ModuleType));
        Assert.Equal(new[] { 2, 8, 8 }, rows[0].InputShape);
        Assert.Equal(new[] { 4, 8, 8 }, rows[0].OutputShape);
        Assert.Equal(new[] { 4, 4, 4 }, rows[1].OutputShape);
        Assert.Equal(new[] { 4, 2, 2 }, rows[2].OutputShape);
        Assert.Equal(new[] { 16 }, rows[3].OutputShape);
        // Multiply-adds: output positions × filters × kernel taps × input channels; inputs × units.
        Assert.Equal(8 * 8 * 4 * (3 * 3 * 2), rows[0].MultiplyAdds);
        Assert.Equal(2 * 2 * 4 * (3 * 3 * 4), rows[2].MultiplyAdds);
        Assert.Equal(16 * 6, rows[4].MultiplyAdds);
        Assert.Equal(6 * 3, rows[5].MultiplyAdds);
        Assert.Equal(0, rows[1].MultiplyAdds);
        Assert.Equal(FreezeCnn.ParameterCount, rows.Sum(l => l.ParameterCount));
        Assert.Equal(4 * 2 * 9 + 4, rows[0].ParameterCount);
        INetwork network = new FreezeCnn(1);
        Assert.Same(FreezeCnn.Layers, network.Layers);
        Assert.Equal("0: Conv2d + ReLU [2, 8, 8] → [4, 8, 8], 76 parameters", rows[0].ToString());
    }

    [Fact]
    public void RecurrentAndNormalisationRows()
    {
        var rows = FreezeLstmNet.Layers;
        Assert.Equal(new[] { "Linear + Tanh", "LSTM", "Linear" }, rows.Select(l => l.ModuleType));
        Assert.Equal(5 * 3 * 4, rows[0].MultiplyAdds); // per step
        Assert.Equal(5 * 4 * 4 * (4 + 4), rows[1].MultiplyAdds); // steps × gates × hidden × (features + hidden)
        Assert.Equal(new[] { 5, 4 }, rows[1].InputShape);
        var bn = FreezeBatchNormNet.Layers.Single(l => l.Name == "bn");
        Assert.Equal("BatchNorm1d", bn.ModuleType);
        Assert.Equal(10, bn.ParameterCount); // running statistics are not parameters
        Assert.Equal(5, bn.MultiplyAdds);
        Assert.Equal(FreezeBatchNormNet.ParameterCount, FreezeBatchNormNet.Layers.Sum(l => l.ParameterCount));
    }

    [Fact]
    public void AStackedBidirectionalLayerCountsEveryDirectionAndLayer()
    {
        LayerInfo rnn = FreezeStackedLstmNet.Layers[0];
        // 2 directions × 5 steps × 4 gates × 4 hidden × (inputs + 4): 3 features in layer 1, 2 × 4 in layer 2.
        Assert.Equal(2 * 5 * 4 * 4 * (3 + 4) + 2 * 5 * 4 * 4 * (8 + 4), rnn.MultiplyAdds);
        Assert.Equal(FreezeStackedLstmNet.ParameterCount - (8 * 2 + 2), rnn.ParameterCount);

        var network = new FreezeStackedLstmNet(1);
        network.Freeze("rnn");
        float[] before = network.Parameters.ToArray();
        float[] inputs = Networks.NetworkTestSupport.RandomVector(3 * FreezeStackedLstmNet.InputSize, 1);
        float[] targets = Networks.NetworkTestSupport.RandomVector(3 * FreezeStackedLstmNet.OutputSize, 2);
        network.TrainStep(inputs, targets, new StaticNet.Optimizers.Adam(0.01f));
        int head = network.ParameterTensors.Where(t => t.Name.StartsWith("out.", System.StringComparison.Ordinal)).Min(t => t.Offset);
        Assert.Equal(before[..head], network.Parameters.ToArray()[..head]);
        Assert.NotEqual(before[head..], network.Parameters.ToArray()[head..]);
    }

    [Fact]
    public void EveryTestNetworkCountsItsParametersInItsRows()
    {
        INetwork[] networks = { new DeepNet(1), new GradConvSameNet(1), new GradPools1dNet(1), new GradBatchNorm2dNet(1), new FrozenTrunkNet(1) };
        foreach (INetwork network in networks)
            Assert.Equal(network.ParameterCount, network.Layers.Sum(l => l.ParameterCount));
    }
}
