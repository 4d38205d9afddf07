using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

/// <summary>
/// Central finite differences of <c>ComputeLoss</c> against <c>ComputeGradients</c>, for every activation (each in a
/// 5 → 6 → 3 MSE network), every loss, a deep network, and a batch larger than one chunk of rows.
/// </summary>
public class GradientCheckTests
{
    private const float Step = 1e-3f;

    public static TheoryData<string> Networks() => new(
        "None", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "GELU", "SiLU", "ELU", "ConvSiLU-ELU", "StandAlone-vector", "StandAlone-spatial", "StandAlone-sequence", "StandAlone-first", "MSE", "BCE", "SoftmaxCE", "SoftmaxCE-soft", "Deep", "Deep-70rows");

    private static (ITrainableNetwork Network, int Rows) Create(string name) => name switch
    {
        "None" => (new ActivationNoneNet(11), 5),
        "ReLU" => (new ActivationReLUNet(12), 5),
        "LeakyReLU" => (new ActivationLeakyReLUNet(13), 5),
        "Sigmoid" => (new ActivationSigmoidNet(14), 5),
        "Tanh" => (new ActivationTanhNet(15), 5),
        "Softmax" => (new ActivationSoftmaxNet(16), 5),
        "GELU" => (new ActivationGELUNet(17), 5),
        "SiLU" => (new ActivationSiLUNet(23), 5),
        "ELU" => (new ActivationELUNet(24), 5),
        "ConvSiLU-ELU" => (new ConvSiLUELUNet(25), 4),
        "StandAlone-vector" => (new StandAloneVectorNet(26), 5),
        "StandAlone-spatial" => (new StandAloneSpatialNet(27), 3),
        "StandAlone-sequence" => (new StandAloneSequenceNet(28), 4),
        "StandAlone-first" => (new StandAloneFirstNet(29), 5),
        "MSE" => (new LossMseNet(18), 5),
        "BCE" => (new LossBceNet(19), 5),
        "SoftmaxCE" or "SoftmaxCE-soft" => (new LossSoftmaxCeNet(20), 5),
        "Deep" => (new DeepNet(21), 6),
        "Deep-70rows" => (new DeepNet(22), 70),
        _ => throw new ArgumentException(name),
    };

    private static float[] Targets(string name, ITrainableNetwork network, int rows)
    {
        int outputs = network.OutputSize;
        var random = new Random(7);
        var targets = new float[rows * outputs];
        switch (network.Loss)
        {
            case Loss.MeanSquaredError:
                return RandomVector(targets.Length, 8);
            case Loss.BinaryCrossEntropy:
                for (int i = 0; i < targets.Length; i++) targets[i] = random.Next(2);
                return targets;
            default:
                for (int r = 0; r < rows; r++)
                {
                    if (name.EndsWith("-soft"))
                    {
                        // Class probabilities rather than one-hot: PyTorch's CrossEntropyLoss accepts both.
                        float sum = 0;
                        for (int j = 0; j < outputs; j++) sum += targets[r * outputs + j] = (float)random.NextDouble();
                        for (int j = 0; j < outputs; j++) targets[r * outputs + j] /= sum;
                    }
                    else
                    {
                        targets[r * outputs + random.Next(outputs)] = 1f;
                    }
                }
                return targets;
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        (ITrainableNetwork network, int rows) = Create(name);
        float[] inputs = RandomVector(rows * network.InputSize, 3);
        float[] targets = Targets(name, network, rows);

        network.ComputeGradients(inputs, targets);
        AssertGradientsMatch(name, network, network.Gradients.ToArray(), network.Parameters.ToArray(), parameters =>
        {
            parameters.CopyTo(network.Parameters);
            return network.ComputeLoss(inputs, targets);
        });
    }

    public static TheoryData<string> ConvolutionalNetworks() => new(
        "ConvStrideDilation", "ConvSame", "Conv1d", "Pools2d", "Pools1d", "PoolFirst", "DropoutZero",
        "BatchNorm2d", "BatchNorm1d", "BatchNormFirst", "Dropout");

    private static (Func<int, ITrainableNetwork> Create, int Rows) CreateConvolutional(string name) => name switch
    {
        "ConvStrideDilation" => (seed => new GradConvStrideDilationNet(seed), 3),
        "ConvSame" => (seed => new GradConvSameNet(seed), 3),
        "Conv1d" => (seed => new GradConv1dNet(seed), 4),
        "Pools2d" => (seed => new GradPools2dNet(seed), 3),
        "Pools1d" => (seed => new GradPools1dNet(seed), 4),
        "PoolFirst" => (seed => new GradPoolFirstNet(seed), 3),
        "DropoutZero" => (seed => new GradDropoutZeroNet(seed), 3),
        "BatchNorm2d" => (seed => new GradBatchNorm2dNet(seed), 4),
        "BatchNorm1d" => (seed => new GradBatchNorm1dNet(seed), 6),
        "BatchNormFirst" => (seed => new GradBatchNormFirstNet(seed), 3),
        "Dropout" => (seed => new GradDropoutNet(seed), 5),
        _ => throw new ArgumentException(name),
    };

    /// <summary>
    /// Convolutions, pools, BatchNorm and Dropout. BatchNorm's training-mode loss (batch statistics) is what
    /// ComputeGradients differentiates, so the finite differences evaluate the loss ComputeGradients returns (the running
    /// statistics it updates do not enter that loss). Dropout's mask changes with every training pass, so for rate 0.5
    /// every evaluation runs on a fresh network of the same seed (hence the same mask) with the perturbed parameters.
    /// </summary>
    [Theory]
    [MemberData(nameof(ConvolutionalNetworks))]
    public void ConvolutionalGradientsMatchFiniteDifferences(string name)
    {
        (Func<int, ITrainableNetwork> create, int rows) = CreateConvolutional(name);
        const int seed = 31;
        ITrainableNetwork network = create(seed);
        float[] inputs = RandomVector(rows * network.InputSize, 3);
        float[] targets = Targets(name, network, rows);
        bool trainingMode = name.StartsWith("BatchNorm", StringComparison.Ordinal);
        bool reseed = name == "Dropout";
        float[] initial = network.Parameters.ToArray();

        network.ComputeGradients(inputs, targets);
        float[] analytic = network.Gradients.ToArray();
        network.Parameters.Clear();
        initial.CopyTo(network.Parameters); // as before the training pass (running statistics included)

        double Loss(float[] parameters)
        {
            ITrainableNetwork evaluated = reseed ? create(seed) : network;
            parameters.CopyTo(evaluated.Parameters);
            return trainingMode || reseed ? evaluated.ComputeGradients(inputs, targets) : evaluated.ComputeLoss(inputs, targets);
        }

        AssertGradientsMatch(name, network, analytic, initial, Loss);
    }

    [Fact]
    public void DropoutGradientIsTheMaskScaledUpstreamGradient()
    {
        // With fc2's weight at zero both networks output fc2's bias, so the loss gradient dy is the same with and without
        // dropout, and fc2.weight's gradient dy·(h·mask)ᵀ is the reference's dy·hᵀ times the mask: for one sample, each
        // column (hidden unit) is either 0 (dropped) or twice the reference's (kept, scaled by 1/(1 − 0.5)).
        var network = new GradDropoutNet(4);
        var reference = new NoDropoutNet(4);
        ParameterTensor fc2 = network.ParameterTensors.Single(t => t.Name == "fc2.weight");
        foreach (int index in InternalIndices(fc2)) network.Parameters[index] = 0f;
        network.Parameters.CopyTo(reference.Parameters);
        float[] inputs = RandomVector(GradDropoutNet.InputSize, 5);
        float[] targets = RandomVector(GradDropoutNet.OutputSize, 6);
        Assert.Equal(reference.ComputeGradients(inputs, targets), network.ComputeGradients(inputs, targets));

        float[] dropped = Export(network, "fc2.weight", network.Gradients), full = Export(reference, "fc2.weight", reference.Gradients);
        int kept = 0, zeroed = 0;
        for (int unit = 0; unit < 8; unit++)
        {
            bool isKept = dropped[unit] != 0f;
            for (int o = 0; o < GradDropoutNet.OutputSize; o++)
                Assert.Equal(isKept ? 2f * full[o * 8 + unit] : 0f, dropped[o * 8 + unit], 6);
            if (isKept) kept++; else zeroed++;
        }
        Assert.True(kept > 0 && zeroed > 0, $"{kept} units kept, {zeroed} dropped");
    }

    [Fact]
    public void PaddingGradientsStayZero()
    {
        var network = new DeepNet(5);
        float[] inputs = RandomVector(40 * DeepNet.InputSize, 1);
        network.ComputeGradients(inputs, OneHot(new int[40], DeepNet.OutputSize));

        var real = new HashSet<int>();
        foreach (ParameterTensor tensor in network.ParameterTensors)
            foreach (int index in InternalIndices(tensor)) real.Add(index);
        for (int i = 0; i < network.Gradients.Length; i++)
            if (!real.Contains(i)) Assert.Equal(0f, network.Gradients[i]);
    }

    /// <summary>
    /// Central finite differences of <paramref name="loss"/> (evaluated on the whole parameter buffer) against the analytic
    /// gradient, for every trainable element of every tensor (running statistics are state, not trained).
    /// </summary>
    internal static void AssertGradientsMatch(string name, ITrainableNetwork network, float[] analytic, float[] parameters, Func<float[], double> loss)
    {
        int checkedCount = 0;
        foreach (ParameterTensor tensor in network.ParameterTensors)
        {
            if (tensor.Offset >= analytic.Length) continue;
            foreach (int index in InternalIndices(tensor))
            {
                float original = parameters[index];
                parameters[index] = original + Step;
                double plus = loss(parameters);
                parameters[index] = original - Step;
                double minus = loss(parameters);
                parameters[index] = original;

                double numeric = (plus - minus) / (2 * Step);
                double error = Math.Abs(numeric - analytic[index]);
                Assert.True(error <= 2e-3 + 2e-2 * Math.Abs(numeric),
                    $"{name} {tensor.Name} (internal index {index}): analytic {analytic[index]:E4}, finite difference {numeric:E4}");
                checkedCount++;
            }
        }
        Assert.Equal(network.ParameterCount, checkedCount);
    }

    /// <summary>Where each PyTorch element of a tensor lives in the internal buffer.</summary>
    internal static IEnumerable<int> InternalIndices(ParameterTensor tensor)
    {
        // Row-major over PyTorch's shape; each index's internal position is Offset + Σ index[k]·Strides[k].
        int[] shape = tensor.Shape.ToArray(), strides = tensor.Strides.ToArray();
        var index = new int[shape.Length];
        for (int n = 0; n < tensor.ElementCount; n++)
        {
            int position = tensor.Offset;
            for (int k = 0; k < shape.Length; k++) position += index[k] * strides[k];
            yield return position;
            for (int k = shape.Length - 1; k >= 0 && ++index[k] == shape[k]; k--) index[k] = 0;
        }
    }
}
