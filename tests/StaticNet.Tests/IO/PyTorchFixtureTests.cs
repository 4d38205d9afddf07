using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet;
using StaticNet.IO;
using Xunit;

namespace StaticNet.Tests.IO;

/// <summary>
/// Reads every golden fixture written by tests/reference/make_fixtures.py (PyTorch) and checks that it holds exactly
/// the tensors, with the shapes, that its network implies. The numeric comparisons live with the generated networks.
/// </summary>
public class PyTorchFixtureTests
{
    /// <summary>A fixture's network: layer names and sizes, loss and batch, as in make_fixtures.py.</summary>
    public sealed record Fixture(string File, string[] Layers, int[] Sizes, string Loss, int Batch)
    {
        public override string ToString() => File;
    }

    private static readonly string[] Activations = ["none", "relu", "leakyrelu", "sigmoid", "tanh", "softmax", "gelu"];
    private static readonly string[] Optimizers = ["sgd", "adam", "adamw"];

    public static IEnumerable<Fixture> All() =>
        Activations.Select(a => new Fixture($"activation_{a}.safetensors", ["hidden", "out"], [5, 6, 3], "mse", 4))
        .Concat(new[] { "mse", "bce", "softmax_ce" }.Select(l => new Fixture($"loss_{l}.safetensors", ["fc1", "fc2"], [5, 8, 4], l, 4)))
        .Append(new Fixture("mlp_deep.safetensors", ["fc1", "fc2", "fc3", "out"], [7, 9, 10, 17, 4], "softmax_ce", 6));

    public static TheoryData<string> Files() => new(All().Select(f => f.File));

    private static Fixture Get(string file) => All().Single(f => f.File == file);

    private static SafetensorsFile Read(string file) => Safetensors.Read(Path.Combine(AppContext.BaseDirectory, "fixtures", file));

    /// <summary>Every tensor the fixture must hold, with its shape.</summary>
    private static Dictionary<string, int[]> ExpectedShapes(Fixture f)
    {
        var parameters = new Dictionary<string, int[]>();
        for (int i = 0; i < f.Layers.Length; i++)
        {
            parameters[f.Layers[i] + ".weight"] = [f.Sizes[i + 1], f.Sizes[i]];
            parameters[f.Layers[i] + ".bias"] = [f.Sizes[i + 1]];
        }
        int outputs = f.Sizes[^1];
        var expected = new Dictionary<string, int[]>(parameters)
        {
            ["input"] = [f.Batch, f.Sizes[0]],
            ["target"] = [f.Batch, outputs],
            ["output"] = [f.Batch, outputs],
            ["loss"] = [1],
        };
        if (f.Loss == "softmax_ce")
            expected["labels"] = [f.Batch];
        foreach ((string name, int[] shape) in parameters)
        {
            expected["grad." + name] = shape;
            foreach (string optimizer in Optimizers)
                expected[optimizer + "." + name] = shape;
        }
        return expected;
    }

    [Fact]
    public void EveryFixtureFileIsCovered()
    {
        string[] files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "fixtures"), "*.safetensors")
            .Select(Path.GetFileName)
            .Where(name => !name!.StartsWith("kernel_", StringComparison.Ordinal)) // kernel-level fixtures: tests/StaticNet.Tests/Kernels
            .Where(name => !name!.StartsWith("layer_", StringComparison.Ordinal)) // layer fixtures: LayerParityTests, RecurrentParityTests
            .Where(name => !name!.EndsWith("_weights.safetensors", StringComparison.Ordinal)) // a fixture's weights alone (make_weights_only.py): EmbeddedWeightsTests
            .Where(name => !name!.StartsWith("sequential_", StringComparison.Ordinal)) // plain nn.Sequential state dicts (make_sequential_fixtures.py): SequentialNamesTests
            .Where(name => !name!.StartsWith("act_", StringComparison.Ordinal)) // stand-alone activation layers (make_activation_layer_fixtures.py): ActivationLayerParityTests
            .Where(name => !name!.StartsWith("rstack_", StringComparison.Ordinal)) // stacked/bidirectional recurrent layers (make_recurrent_stack_fixtures.py): RecurrentStackParityTests
            .Where(name => !name!.StartsWith("attn_", StringComparison.Ordinal)) // attention-family layers (make_attention_fixtures.py): AttentionParityTests
            .Where(name => !name!.StartsWith("wloss_", StringComparison.Ordinal) && name != "vae.safetensors") // losses, sample weights and the VAE (make_loss_vae_fixtures.py): LossAndVaeParityTests
            .Where(name => !name!.StartsWith("graph_", StringComparison.Ordinal)) // graphs (make_graph_fixtures.py): GraphParityTests, CallerGradientTests
            .Where(name => !name!.StartsWith("heads_", StringComparison.Ordinal)) // several outputs (make_heads_fixtures.py): HeadsTests
            .Order(StringComparer.Ordinal).ToArray()!;

        Assert.Equal(All().Select(f => f.File).Order(StringComparer.Ordinal), files);
    }

    [Theory, MemberData(nameof(Files))]
    public void Fixture_HoldsExactlyTheExpectedTensorsAndShapes(string file)
    {
        SafetensorsFile read = Read(file);
        Dictionary<string, int[]> expected = ExpectedShapes(Get(file));

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), read.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach ((string name, int[] shape) in expected)
        {
            SafetensorsTensor tensor = read.Get(name);
            Assert.True(shape.AsSpan().SequenceEqual(tensor.Shape), $"{file}: {name} is {tensor.ShapeText}, expected [{string.Join(", ", shape)}].");
            Assert.Equal("F32", tensor.DType);
            Assert.All(tensor.Data, v => Assert.True(float.IsFinite(v), $"{file}: {name} has {v}."));
        }
    }

    [Theory, MemberData(nameof(Files))]
    public void Fixture_HasMetadataAndConsistentTargets(string file)
    {
        SafetensorsFile read = Read(file);
        Fixture f = Get(file);

        Assert.StartsWith("1.", read.Metadata["torch_version"]);
        Assert.False(string.IsNullOrWhiteSpace(read.Metadata["description"]));
        Assert.True(read.Get("loss").Data[0] > 0);
        float[] target = read.Get("target").Data;
        if (f.Loss == "bce")
            Assert.All(target, t => Assert.True(t is 0f or 1f));
        if (f.Loss == "softmax_ce")
        {
            int classes = f.Sizes[^1];
            float[] labels = read.Get("labels").Data;
            for (int b = 0; b < f.Batch; b++)
                for (int c = 0; c < classes; c++)
                    Assert.Equal(c == (int)labels[b] ? 1f : 0f, target[b * classes + c]);
        }
    }

    [Theory, MemberData(nameof(Files))]
    public void Fixture_LoadsIntoATransposedLayout_AndSavesBackIdentically(string file)
    {
        Fixture f = Get(file);
        SafetensorsFile read = Read(file);
        var layout = new List<ParameterTensor>();
        int offset = 0;
        for (int i = 0; i < f.Layers.Length; i++)
        {
            int rows = f.Sizes[i + 1], columns = f.Sizes[i], stride = (rows + 7) / 8 * 8;
            layout.Add(new ParameterTensor(f.Layers[i] + ".weight", [rows, columns], offset, TensorLayout.TransposedMatrix, stride));
            offset += columns * stride;
            layout.Add(new ParameterTensor(f.Layers[i] + ".bias", [rows], offset));
            offset += rows;
        }
        var parameters = new float[offset];

        // Non-strict: a fixture also holds inputs, outputs, gradients and optimizer steps.
        SafetensorsLoadResult result = Safetensors.Load(File.OpenRead(Path.Combine(AppContext.BaseDirectory, "fixtures", file)), layout, parameters, new SafetensorsLoadOptions { Strict = false });
        Assert.Empty(result.MissingTensors);
        Assert.Contains("input", result.UnexpectedTensors);
        using var saved = new MemoryStream();
        Safetensors.Save(saved, layout, parameters);
        saved.Position = 0;
        SafetensorsFile again = Safetensors.Read(saved);

        foreach (ParameterTensor tensor in layout)
            Assert.Equal(read.Get(tensor.Name).Data, again.Get(tensor.Name).Data);
    }

    /// <summary>
    /// Checks the fixtures' conventions independently of any generated code: <c>output = act(x·W1ᵀ + b1)·W2ᵀ + b2</c>
    /// with weights <c>[out, in]</c> row-major, and <c>loss</c> the mean squared error over all elements.
    /// </summary>
    [Theory]
    [InlineData("activation_none.safetensors", 1.6722927f)]
    [InlineData("activation_relu.safetensors", 1.1409467f)]
    public void Fixture_OutputAndLoss_FollowPyTorchConventions(string file, float lossPrintedByPyTorch)
    {
        SafetensorsFile read = Read(file);
        float[] hidden = Linear(read.Get("input"), read.Get("hidden.weight"), read.Get("hidden.bias"));
        if (file.Contains("relu"))
            hidden = hidden.Select(v => Math.Max(v, 0f)).ToArray();
        float[] output = Linear(new SafetensorsTensor("h", [4, 6], hidden), read.Get("out.weight"), read.Get("out.bias"));
        float[] target = read.Get("target").Data;
        float loss = output.Zip(target, (o, t) => (o - t) * (o - t)).Sum() / output.Length;

        Assert.All(output.Zip(read.Get("output").Data), p => Assert.Equal(p.Second, p.First, 1e-5f));
        Assert.Equal(read.Get("loss").Data[0], loss, 1e-5f);
        Assert.Equal(lossPrintedByPyTorch, read.Get("loss").Data[0]);
    }

    private static float[] Linear(SafetensorsTensor x, SafetensorsTensor weight, SafetensorsTensor bias)
    {
        int batch = x.Shape[0], inputs = x.Shape[1], outputs = weight.Shape[0];
        var y = new float[batch * outputs];
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < outputs; o++)
            {
                double sum = bias.Data[o];
                for (int i = 0; i < inputs; i++)
                    sum += (double)x.Data[b * inputs + i] * weight.Data[o * inputs + i];
                y[b * outputs + o] = (float)sum;
            }
        return y;
    }
}
