using System;
using System.IO;
using System.Linq;
using StaticNet.IO;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Onnx;

// Stacked and bidirectional recurrent layers, LayerNorm and attention, as torch.onnx.export wrote them (tests/reference/make_onnx_fixtures.py).
[Network(Onnx = "lstm_stack.onnx", Loss = Loss.MeanSquaredError)] public partial class OnnxLstmStack { }
[Network(Onnx = "lstm_bi_stack.onnx", Loss = Loss.MeanSquaredError)] public partial class OnnxLstmBiStack { }
[Network(Onnx = "gru_bi.onnx", Loss = Loss.MeanSquaredError)] public partial class OnnxGruBi { }
[Network(Onnx = "rnn_bi_stack.onnx", Loss = Loss.MeanSquaredError)] public partial class OnnxRnnBiStack { }
[Network(Onnx = "layernorm.onnx", Loss = Loss.MeanSquaredError)] public partial class OnnxLayerNorm { }
[Network(Onnx = "layernorm_seq.onnx", Loss = Loss.MeanSquaredError)] public partial class OnnxLayerNormSeq { }
[Network(Onnx = "transformer.onnx", Loss = Loss.MeanSquaredError)] public partial class OnnxTransformer { }
[Network(Onnx = "mha.onnx", Loss = Loss.MeanSquaredError)] public partial class OnnxMha { }

/// <summary>The attributes that describe transformer.onnx: Linear(5, 8), then nn.TransformerEncoderLayer(8, 2, 16) (post-norm, ReLU).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(4, 5)]
[Dense(8, Name = "fc")]
[TransformerEncoderLayer(8, 2, 16, Name = "encoder")]
public partial class DeclaredTransformer { }

/// <summary>The attributes that describe lstm_bi_stack.onnx: nn.LSTM(4, 5, num_layers=2, bidirectional=True), every step, Linear(10, 2).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(4, 4)]
[LSTM(5, NumLayers = 2, Bidirectional = true, ReturnSequences = true, Name = "lstm")]
[Dense(2, Name = "fc")]
public partial class DeclaredLstmBiStack { }

/// <summary>The attributes that describe layernorm_seq.onnx (LayerNorm decomposed by torch below opset 17).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 6)]
[Dense(8, Name = "fc1")]
[LayerNorm(Name = "norm")]
[Tanh]
[Dense(3, Name = "fc2")]
public partial class DeclaredLayerNormSeq { }

public class OnnxImportRecurrentNormTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string> Models => new() { "lstm_stack", "lstm_bi_stack", "gru_bi", "rnn_bi_stack", "layernorm", "layernorm_seq", "transformer", "mha" };

    private static ITrainableNetwork Create(string model) => model switch
    {
        "lstm_stack" => new OnnxLstmStack(),
        "lstm_bi_stack" => new OnnxLstmBiStack(),
        "gru_bi" => new OnnxGruBi(),
        "rnn_bi_stack" => new OnnxRnnBiStack(),
        "layernorm" => new OnnxLayerNorm(),
        "layernorm_seq" => new OnnxLayerNormSeq(),
        "transformer" => new OnnxTransformer(),
        "mha" => new OnnxMha(),
        _ => throw new ArgumentOutOfRangeException(nameof(model)),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void ImportedNetwork_MatchesOnnxRuntimeAndPyTorch(string model)
    {
        ITrainableNetwork network = Create(model);
        SafetensorsFile io = Fixture(Path.Combine("onnx", model + "_io.safetensors"));
        SafetensorsTensor input = io.Get("input");
        float[] pytorch = io.Get("output").Data;
        float[] reference = OnnxImportTests.RunOnnxRuntime(model, input.Data, input.Shape);
        AssertClose(pytorch, reference, 1e-4, model + ": ONNX Runtime vs PyTorch (the fixture itself)");

        var actual = new float[reference.Length];
        network.ForwardBatch(input.Data, actual);
        AssertClose(reference, actual, Tolerance, model + ": StaticNet vs ONNX Runtime");
        AssertClose(pytorch, actual, Tolerance, model + ": StaticNet vs PyTorch");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ImportedNetwork_InfersWithoutAllocating(string model)
    {
        ITrainableNetwork network = Create(model);
        float[] x = RandomVector(network.InputSize, seed: 7);
        var y = new float[network.OutputSize];
        network.Forward(x, y);
        Assert.Equal(0, Allocations.Fewest(() => network.Forward(x, y), calls: 50));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ImportedNetwork_FineTunes(string model)
    {
        ITrainableNetwork network = Create(model);
        SafetensorsTensor input = Fixture(Path.Combine("onnx", model + "_io.safetensors")).Get("input");
        int rows = input.Shape[0];
        float[] targets = RandomVector(rows * network.OutputSize, seed: 11);
        float[] before = network.Parameters.ToArray();
        float loss = network.ComputeLoss(input.Data, targets);
        network.TrainStep(input.Data, targets, new Sgd(0.05f));
        Assert.NotEqual(before, network.Parameters.ToArray());
        float after = network.ComputeLoss(input.Data, targets);
        Assert.True(after < loss, $"{model}: the loss went from {loss} to {after} after one step");
    }

    [Fact]
    public void StackedBidirectionalLstm_IsOneLayerWithPyTorchsTensors()
    {
        var imported = new OnnxLstmBiStack();
        var declared = new DeclaredLstmBiStack(seed: 1);
        Assert.Equal(declared.ParameterTensors.Select(t => t.Name + t.ShapeText), imported.ParameterTensors.Select(t => t.Name + t.ShapeText));
        Assert.Contains("lstm.weight_ih_l1_reverse", ParameterNames(imported));
        imported.Parameters.CopyTo(declared.Parameters);
        float[] x = RandomVector(2 * DeclaredLstmBiStack.InputSize, seed: 3);
        var a = new float[2 * DeclaredLstmBiStack.OutputSize];
        var b = new float[a.Length];
        imported.ForwardBatch(x, a);
        declared.ForwardBatch(x, b);
        Assert.Equal(b, a);
        Assert.Equal(new[] { "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1", "fc.weight", "fc.bias" },
            ParameterNames(new OnnxLstmStack()));
    }

    [Fact]
    public void DecomposedLayerNorm_IsTheDeclaredLayerNorm()
    {
        var imported = new OnnxLayerNormSeq();
        var declared = new DeclaredLayerNormSeq(seed: 1);
        Assert.Equal(declared.ParameterTensors.Select(t => t.Name + t.ShapeText), imported.ParameterTensors.Select(t => t.Name + t.ShapeText));
        imported.Parameters.CopyTo(declared.Parameters);
        float[] x = RandomVector(3 * DeclaredLayerNormSeq.InputSize, seed: 4), y = RandomVector(3 * DeclaredLayerNormSeq.OutputSize, seed: 5);
        Assert.Equal(declared.TrainStep(x, y, new Sgd(0.1f)), imported.TrainStep(x, y, new Sgd(0.1f)));
        Assert.Equal(declared.Parameters.ToArray(), imported.Parameters.ToArray());
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "norm.weight", "norm.bias" }, ParameterNames(new OnnxLayerNorm()).Take(4));
    }

    /// <summary>
    /// The exported TransformerEncoderLayer imports as its parts ([MultiHeadAttention], [Add], [LayerNorm], [Dense] ×2, [Add],
    /// [LayerNorm]) with PyTorch's tensor names: its weights load into the declared [TransformerEncoderLayer], which then
    /// computes the same outputs.
    /// </summary>
    [Fact]
    public void ImportedTransformer_HasTheDeclaredLayersTensors_AndComputesTheSame()
    {
        var imported = new OnnxTransformer();
        var declared = new DeclaredTransformer(seed: 1);
        Assert.Equal(declared.ParameterTensors.Select(t => t.Name + t.ShapeText).OrderBy(n => n, StringComparer.Ordinal),
            imported.ParameterTensors.Select(t => t.Name + t.ShapeText).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Contains("encoder.self_attn.in_proj_weight", ParameterNames(imported));
        using var weights = new MemoryStream();
        imported.SaveSafetensors(weights);
        weights.Position = 0;
        declared.LoadSafetensors(weights);
        float[] x = RandomVector(3 * DeclaredTransformer.InputSize, seed: 8);
        var a = new float[3 * DeclaredTransformer.OutputSize];
        var b = new float[a.Length];
        imported.ForwardBatch(x, a);
        declared.ForwardBatch(x, b);
        AssertClose(b, a, Tolerance, "imported vs declared TransformerEncoderLayer");
    }
}
