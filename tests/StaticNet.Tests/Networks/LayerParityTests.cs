using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet.IO;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

// ---- The networks of make_layer_fixtures.py (default names: the indices of a bare nn.Sequential) ----

// Convolutions
[Network(Loss = Loss.MeanSquaredError)] [Input(2, 7, 7)] [Conv2D(3, 3, Activation.ReLU, Padding = 1)] [Flatten] [Dense(4)]
public partial class LayerConv2dBasicNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(3, 9, 8)] [Conv2D(4, 3, Activation.Tanh, Stride = 2, Padding = 2, Dilation = 2)] [Flatten] [Dense(3)]
public partial class LayerConv2dStrideDilationNet { }

// PyTorch padding='same' with a 3×2 kernel: rows 1 + 1, columns 0 before and 1 after.
[Network(Loss = Loss.MeanSquaredError)] [Input(1, 6, 6)] [Conv2D(2, 3, 2, PaddingMode = PaddingMode.Same)] [Flatten] [Dense(2)]
public partial class LayerConv2dRectSameNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(2, 6, 5)] [Conv2D(3, 2, PaddingMode = PaddingMode.Valid, Bias = false)] [Flatten] [Dense(2)]
public partial class LayerConv2dValidNobiasNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(2, 12)] [Conv1D(4, 3, Activation.ReLU, Stride = 2, Padding = 1)] [Flatten] [Dense(3)]
public partial class LayerConv1dNet { }

// Pools
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 8, 8)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] [AvgPool2D(2, Stride = 1)] [GlobalAvgPool] [Dense(3)]
public partial class LayerPoolsNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(2, 9, 9)] [Conv2D(3, 2)] [MaxPool2D(3, Stride = 2)] [Flatten] [Dense(2)]
public partial class LayerPoolsOverlapNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(3, 10)] [Conv1D(4, 3)] [MaxPool1D(2)] [AvgPool1D(2)] [Flatten] [Dense(2)]
public partial class LayerPool1dNet { }

// BatchNorm
[Network(Loss = Loss.MeanSquaredError)] [Input(2, 5, 5)] [Conv2D(3, 3, Activation.ReLU, Padding = 1)] [BatchNorm] [Flatten] [Dense(2)]
public partial class LayerBatchnorm2dNet { }

[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(6)] [Dense(5)] [BatchNorm] [Dense(2)]
public partial class LayerBatchnorm1dNet { }

// The issue-4 sample CNN in miniature
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 12, 12)]
[Conv2D(4, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)]
[Conv2D(8, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)]
[Flatten] [Dense(16, Activation.ReLU)] [Dense(3)]
public partial class LayerCnnSmallNet { }

/// <summary>
/// The issue-4 layers (convolutions, pools, BatchNorm) against PyTorch (tests/reference/make_layer_fixtures.py): outputs
/// and loss within 1e-5, gradients, BatchNorm running statistics and Adam steps within 1e-4, each relative to
/// max(1, |value|). ComputeLoss runs in inference mode (running statistics), ComputeGradients in training mode.
/// </summary>
public class LayerParityTests
{
    private const double OutputTolerance = 1e-5;
    private const double GradientTolerance = 1e-4;

    private static readonly string[] BatchNormFixtures = ["batchnorm2d", "batchnorm1d"];
    private static readonly string[] LabelFixtures = ["batchnorm1d", "cnn_small", "embedding"];

    private static readonly string[] AllFixtures =
    [
        "conv2d_basic", "conv2d_stride_dilation", "conv2d_rect_same", "conv2d_valid_nobias", "conv1d",
        "pools", "pools_overlap", "pool1d", "batchnorm2d", "batchnorm1d", "cnn_small",
        "lstm_last", "lstm_seq", "gru_last", "gru_seq", "rnn_tanh_seq", "rnn_relu_last", "stacked", "embedding",
    ];

    public static TheoryData<string> Cases() => new(AllFixtures);

    /// <summary>The fixtures without BatchNorm, whose training-mode output is also the inference output.</summary>
    public static TheoryData<string> StatelessCases() => new(AllFixtures.Except(BatchNormFixtures));

    public static TheoryData<string> BatchNormCases() => new(BatchNormFixtures);

    public static TheoryData<string> LabelCases() => new(LabelFixtures);

    private static ITrainableNetwork Create(string fixture) => fixture switch
    {
        "conv2d_basic" => new LayerConv2dBasicNet(1),
        "conv2d_stride_dilation" => new LayerConv2dStrideDilationNet(1),
        "conv2d_rect_same" => new LayerConv2dRectSameNet(1),
        "conv2d_valid_nobias" => new LayerConv2dValidNobiasNet(1),
        "conv1d" => new LayerConv1dNet(1),
        "pools" => new LayerPoolsNet(1),
        "pools_overlap" => new LayerPoolsOverlapNet(1),
        "pool1d" => new LayerPool1dNet(1),
        "batchnorm2d" => new LayerBatchnorm2dNet(1),
        "batchnorm1d" => new LayerBatchnorm1dNet(1),
        "cnn_small" => new LayerCnnSmallNet(1),
        "lstm_last" => new ParityLstmLastNet(1),
        "lstm_seq" => new ParityLstmSeqNet(1),
        "gru_last" => new ParityGruLastNet(1),
        "gru_seq" => new ParityGruSeqNet(1),
        "rnn_tanh_seq" => new ParityRnnTanhSeqNet(1),
        "rnn_relu_last" => new ParityRnnReluLastNet(1),
        "stacked" => new ParityStackedNet(1),
        "embedding" => new ParityEmbeddingNet(1),
        _ => throw new ArgumentException(fixture),
    };

    private static string FileName(string fixture) => "layer_" + fixture + ".safetensors";

    /// <summary>A network with the fixture's initial tensors (parameters and BatchNorm buffers), loaded by PyTorch name.</summary>
    internal static (ITrainableNetwork Network, SafetensorsFile File) Load(string fixture)
    {
        ITrainableNetwork network = Create(fixture);
        using FileStream stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "fixtures", FileName(fixture)));
        LoadFixtureWeights(network, stream);
        return (network, Fixture(FileName(fixture)));
    }

    /// <summary>Names of the fixture's trainable parameters: those with a grad.* tensor.</summary>
    internal static string[] TrainableNames(SafetensorsFile file) =>
        file.Tensors.Where(t => t.Name.StartsWith("grad.", StringComparison.Ordinal)).Select(t => t.Name.Substring(5)).ToArray();

    private static ParameterTensor Tensor(INetwork network, string name) =>
        network.ParameterTensors.SingleOrDefault(t => t.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"The network has no tensor '{name}'; it has {string.Join(", ", network.ParameterTensors.Select(t => t.Name))}.");

    /// <summary>A tensor of a buffer in PyTorch's layout, through ParameterTensor.ExportTo.</summary>
    internal static float[] ExportFrom(INetwork network, string name, ReadOnlySpan<float> buffer)
    {
        ParameterTensor tensor = Tensor(network, name);
        var values = new float[tensor.ElementCount];
        tensor.ExportTo(buffer, values);
        return values;
    }

    /// <summary>Every tensor the network saves (parameters and BatchNorm buffers), read back by name.</summary>
    private static SafetensorsFile Saved(INetwork network)
    {
        using var stream = new MemoryStream();
        network.SaveSafetensors(stream);
        stream.Position = 0;
        return Safetensors.Read(stream);
    }

    private static bool IsBatchNormBuffer(string name) =>
        name.EndsWith(".running_mean", StringComparison.Ordinal) || name.EndsWith(".running_var", StringComparison.Ordinal)
        || name.EndsWith(".num_batches_tracked", StringComparison.Ordinal);

    private static IEnumerable<string> BatchNormBuffers(SafetensorsFile file) =>
        file.Tensors.Select(t => t.Name).Where(n => !n.StartsWith("after.", StringComparison.Ordinal) && IsBatchNormBuffer(n));

    private static float LabelGradients(ITrainableNetwork network, float[] input, int[] labels) => network switch
    {
        LayerBatchnorm1dNet n => n.ComputeGradients(input, labels),
        LayerCnnSmallNet n => n.ComputeGradients(input, labels),
        ParityEmbeddingNet n => n.ComputeGradients(input.Select(v => (int)v).ToArray(), labels), // token ids as ints
        _ => throw new InvalidOperationException(network.GetType().Name),
    };

    /// <summary>The mean loss of outputs against targets, in double precision: MSE, or softmax cross-entropy over rows.</summary>
    private static float ReferenceLoss(Loss loss, float[] output, float[] target, int classes)
    {
        double sum = 0;
        if (loss == Loss.MeanSquaredError)
        {
            for (int i = 0; i < output.Length; i++) sum += (output[i] - (double)target[i]) * (output[i] - target[i]);
            return (float)(sum / output.Length);
        }
        int rows = output.Length / classes;
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, exp = 0;
            for (int j = 0; j < classes; j++) max = Math.Max(max, output[r * classes + j]);
            for (int j = 0; j < classes; j++) exp += Math.Exp(output[r * classes + j] - max);
            for (int j = 0; j < classes; j++) sum -= target[r * classes + j] * (output[r * classes + j] - max - Math.Log(exp));
        }
        return (float)(sum / rows);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TensorsHavePyTorchNamesAndShapes(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        string[] trainable = TrainableNames(file);

        // Every trainable tensor of the fixture is a network tensor of the same shape, and the count agrees with PyTorch's.
        foreach (string name in trainable)
            Assert.True(file.Get(name).Shape.SequenceEqual(Tensor(network, name).Shape), $"{fixture} {name}: shape {Tensor(network, name).ShapeText}, PyTorch {file.Get(name).ShapeText}");
        Assert.Equal(trainable.Sum(n => file.Get(n).ElementCount), network.ParameterCount);

        // What the network saves is exactly PyTorch's state_dict: parameters and BatchNorm buffers, same shapes.
        SafetensorsFile saved = Saved(network);
        string[] stateDict = trainable.Concat(BatchNormBuffers(file)).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(stateDict, saved.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray());
        foreach (SafetensorsTensor tensor in saved.Tensors)
        {
            Assert.True(file.Get(tensor.Name).Shape.SequenceEqual(tensor.Shape), $"{fixture} saved {tensor.Name}: {tensor.ShapeText}, PyTorch {file.Get(tensor.Name).ShapeText}");
            AssertClose(file.Get(tensor.Name).Data, tensor.Data, 0, $"{fixture} saved {tensor.Name} (round trip)");
        }
    }

    [Theory]
    [MemberData(nameof(StatelessCases))]
    public void ForwardMatchesPyTorch(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        AssertForward(network, file.Get("input").Data, file.Get("output").Data, fixture);
    }

    /// <summary>ForwardBatch over all rows, then Forward row by row.</summary>
    private static void AssertForward(ITrainableNetwork network, float[] input, float[] expected, string what)
    {
        Assert.Equal(expected.Length / network.OutputSize * network.InputSize, input.Length);
        var batch = new float[expected.Length];
        network.ForwardBatch(input, batch);
        AssertClose(expected, batch, OutputTolerance, what + " ForwardBatch");

        var single = new float[network.OutputSize];
        int rows = input.Length / network.InputSize;
        for (int r = 0; r < rows; r++)
        {
            network.Forward(input.AsSpan(r * network.InputSize, network.InputSize), single);
            AssertClose(expected.AsSpan(r * network.OutputSize, network.OutputSize), single, OutputTolerance, $"{what} Forward row {r}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossAndGradientsMatchPyTorch(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        float[] input = file.Get("input").Data;
        float[] target = file.Get("target").Data;
        bool batchNorm = BatchNormFixtures.Contains(fixture);

        // ComputeLoss runs in inference mode (BatchNorm's running statistics, as PyTorch's eval()) and changes nothing.
        float lossOnly = network.ComputeLoss(input, target);
        if (batchNorm)
        {
            SafetensorsFile state = Saved(network);
            foreach (string name in BatchNormBuffers(file))
                AssertClose(file.Get(name).Data, state.Get(name).Data, 0, $"{fixture} {name} after ComputeLoss");
            float evalLoss = ReferenceLoss(network.Loss, file.Get("eval_output_initial").Data, target, network.OutputSize);
            AssertClose([evalLoss], [lossOnly], OutputTolerance, fixture + " ComputeLoss (inference mode)");
        }
        float loss = network.ComputeGradients(input, target);

        AssertClose(file.Get("loss").Data, [loss], OutputTolerance, fixture + " loss");
        if (!batchNorm)
            Assert.Equal(loss, lossOnly);
        foreach (string name in TrainableNames(file))
            AssertClose(file.Get("grad." + name).Data, ExportFrom(network, name, network.Gradients), GradientTolerance, $"{fixture} grad.{name}");
    }

    [Theory]
    [MemberData(nameof(LabelCases))]
    public void LabelOverloadsMatchPyTorch(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        float[] input = file.Get("input").Data;
        int[] labels = file.Get("labels").Data.Select(v => (int)v).ToArray();

        float loss = LabelGradients(network, input, labels);

        AssertClose(file.Get("loss").Data, [loss], OutputTolerance, fixture + " loss (labels)");
        foreach (string name in TrainableNames(file))
            AssertClose(file.Get("grad." + name).Data, ExportFrom(network, name, network.Gradients), GradientTolerance, $"{fixture} grad.{name} (labels)");
    }

    [Theory]
    [MemberData(nameof(BatchNormCases))]
    public void BatchNormInferenceUsesRunningStatistics(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        AssertForward(network, file.Get("input").Data, file.Get("eval_output_initial").Data, fixture + " (initial statistics)");
    }

    [Theory]
    [MemberData(nameof(BatchNormCases))]
    public void BatchNormTrainingUpdatesRunningStatisticsAsPyTorch(string fixture)
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load(fixture);
        float[] input = file.Get("input").Data;

        // One training-mode pass (PyTorch: model.train(); model(input)), then inference with the updated statistics.
        network.ComputeGradients(input, file.Get("target").Data);

        SafetensorsFile state = Saved(network);
        foreach (string name in BatchNormBuffers(file))
            AssertClose(file.Get("after." + name).Data, state.Get(name).Data, GradientTolerance, $"{fixture} {name} after one training pass");

        AssertForward(network, input, file.Get("eval_output").Data, fixture + " (updated statistics)");
    }

    [Fact]
    public void AdamStepsOnTheSmallCnnMatchPyTorch()
    {
        (ITrainableNetwork network, SafetensorsFile file) = Load("cnn_small");
        float[] input = file.Get("input").Data;
        float[] target = file.Get("target").Data;
        var optimizer = new Adam(0.01f);

        foreach (string prefix in new[] { "adam", "adam2" })
        {
            network.TrainStep(input, target, optimizer);
            foreach (string name in TrainableNames(file))
                AssertClose(file.Get(prefix + "." + name).Data, ExportFrom(network, name, network.Parameters), GradientTolerance, $"cnn_small {prefix}.{name}");
        }
    }
}
