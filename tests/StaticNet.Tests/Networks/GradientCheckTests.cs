using System;
using System.Collections.Generic;
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
        "None", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "GELU", "MSE", "BCE", "SoftmaxCE", "SoftmaxCE-soft", "Deep", "Deep-70rows");

    private static (ITrainableNetwork Network, int Rows) Create(string name) => name switch
    {
        "None" => (new ActivationNoneNet(11), 5),
        "ReLU" => (new ActivationReLUNet(12), 5),
        "LeakyReLU" => (new ActivationLeakyReLUNet(13), 5),
        "Sigmoid" => (new ActivationSigmoidNet(14), 5),
        "Tanh" => (new ActivationTanhNet(15), 5),
        "Softmax" => (new ActivationSoftmaxNet(16), 5),
        "GELU" => (new ActivationGELUNet(17), 5),
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
        float[] analytic = network.Gradients.ToArray();
        Span<float> parameters = network.Parameters;

        int checkedCount = 0;
        foreach (ParameterTensor tensor in network.ParameterTensors)
        {
            foreach (int index in InternalIndices(tensor))
            {
                float original = parameters[index];
                parameters[index] = original + Step;
                double plus = network.ComputeLoss(inputs, targets);
                parameters[index] = original - Step;
                double minus = network.ComputeLoss(inputs, targets);
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
