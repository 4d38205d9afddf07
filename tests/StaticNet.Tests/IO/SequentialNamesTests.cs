using System;
using System.IO;
using System.Linq;
using StaticNet;
using StaticNet.IO;
using Xunit;

namespace StaticNet.Tests.IO;

// The declarations of tests/reference/make_sequential_fixtures.py, with no Name: PyTorch's numbering.

/// <summary>nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)): 0.*, 2.* (the ReLU is module 1).</summary>
[Network]
[Input(64)]
[Dense(64, Activation.ReLU)]
[Dense(10)]
public partial class SequentialMlpNet { }

/// <summary>The same nn.Sequential held in <c>self.layers</c>: layers.0.*, layers.2.*.</summary>
[Network(NamePrefix = "layers.")]
[Input(64)]
[Dense(64, Activation.ReLU)]
[Dense(10)]
public partial class SequentialMlpLayersNet { }

/// <summary>nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 10)): 0.*, 4.*.</summary>
[Network]
[Input(1, 8, 8)]
[Conv2D(4, 3, Activation.ReLU, Padding = 1)]
[MaxPool2D(2)]
[Flatten]
[Dense(10)]
public partial class SequentialCnnNet { }

/// <summary>
/// nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 2)): 0.*, 4.*. The
/// [Flatten] after [GlobalAvgPool] changes nothing but takes nn.Flatten's index.
/// </summary>
[Network]
[Input(2, 6, 6)]
[Conv2D(3, 3, Activation.ReLU)]
[GlobalAvgPool]
[Flatten]
[Dense(2)]
public partial class SequentialGapNet { }

/// <summary>
/// A plain nn.Sequential's state_dict (written by PyTorch: tests/reference/make_sequential_fixtures.py) loads strictly into
/// the declaration with no Name, and the network saves exactly PyTorch's keys, in PyTorch's order.
/// </summary>
public class SequentialNamesTests
{
    private static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "fixtures", file);

    private static void AssertOutputs(INetwork network, string ioFile)
    {
        SafetensorsFile io = Safetensors.Read(PathOf(ioFile));
        float[] input = io.Get("input").Data, expected = io.Get("output").Data;
        var actual = new float[expected.Length];
        network.ForwardBatch(input, actual);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f + 1e-5f * Math.Abs(expected[i]), $"{ioFile} output[{i}]: PyTorch {expected[i]}, StaticNet {actual[i]}");
    }

    private static string[] Keys(string file) => Safetensors.Read(PathOf(file)).Tensors.Select(t => t.Name + " " + t.ShapeText).ToArray();

    private static string[] Saved(INetwork network)
    {
        var stream = new MemoryStream();
        network.SaveSafetensors(stream);
        stream.Position = 0;
        return Safetensors.Read(stream).Tensors.Select(t => t.Name + " " + t.ShapeText).ToArray(); // names, order and shapes
    }

    [Fact]
    public void Mlp_PlainSequentialStateDict_LoadsStrictlyWithDefaultNames()
    {
        var network = new SequentialMlpNet();
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], network.ParameterTensors.Select(t => t.Name));
        network.LoadSafetensors(PathOf("sequential_mlp.safetensors")); // strict: no missing, no unexpected tensor
        AssertOutputs(network, "sequential_mlp_io.safetensors");
        Assert.Equal(Keys("sequential_mlp.safetensors"), Saved(network));
    }

    [Fact]
    public void Cnn_PlainSequentialStateDict_LoadsStrictlyWithDefaultNames()
    {
        var network = new SequentialCnnNet();
        Assert.Equal(["0.weight", "0.bias", "4.weight", "4.bias"], network.ParameterTensors.Select(t => t.Name));
        network.LoadSafetensors(PathOf("sequential_cnn.safetensors"));
        AssertOutputs(network, "sequential_cnn_io.safetensors");
        Assert.Equal(Keys("sequential_cnn.safetensors"), Saved(network));
    }

    [Fact]
    public void GlobalAvgPoolThenFlatten_LoadsAdaptiveAvgPoolThenFlatten()
    {
        var network = new SequentialGapNet();
        Assert.Equal(["0.weight", "0.bias", "4.weight", "4.bias"], network.ParameterTensors.Select(t => t.Name));
        network.LoadSafetensors(PathOf("sequential_gap.safetensors"));
        AssertOutputs(network, "sequential_gap_io.safetensors");
        Assert.Equal(Keys("sequential_gap.safetensors"), Saved(network));
    }

    [Fact]
    public void NamePrefix_LoadsTheStateDictOfAModelHoldingTheSequentialInSelfLayers()
    {
        var network = new SequentialMlpLayersNet();
        Assert.Equal(["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"], network.ParameterTensors.Select(t => t.Name));
        network.LoadSafetensors(PathOf("sequential_mlp_layers.safetensors"));
        AssertOutputs(network, "sequential_mlp_io.safetensors");
        Assert.Equal(Keys("sequential_mlp_layers.safetensors"), Saved(network));
    }

    [Fact]
    public void NamePrefix_DoesNotLoadTheBareSequentialsNames_AndTheDefaultDoesNotLoadThePrefixedOnes()
    {
        var prefixed = Assert.Throws<SafetensorsMismatchException>(() => new SequentialMlpLayersNet().LoadSafetensors(PathOf("sequential_mlp.safetensors")));
        Assert.Contains("layers.0.weight", prefixed.MissingTensors);
        Assert.Contains("0.weight", prefixed.UnexpectedTensors);
        var bare = Assert.Throws<SafetensorsMismatchException>(() => new SequentialMlpNet().LoadSafetensors(PathOf("sequential_mlp_layers.safetensors")));
        Assert.Contains("0.weight", bare.MissingTensors);
        Assert.Contains("layers.0.weight", bare.UnexpectedTensors);
    }

}
