using System;
using System.Linq;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

/// <summary>Dropout and BatchNorm modes, and the sample CNN end to end.</summary>
public class ConvolutionalBehaviourTests
{
    [Fact]
    public void DropoutIsReproducibleWithTheSameSeed()
    {
        float[] inputs = RandomVector(12 * GradDropoutNet.InputSize, 1);
        float[] targets = RandomVector(12 * GradDropoutNet.OutputSize, 2);
        var first = new GradDropoutNet(9);
        var second = new GradDropoutNet(9);
        var other = new GradDropoutNet(10);
        first.Parameters.CopyTo(other.Parameters); // same weights, another generator state

        for (int pass = 0; pass < 3; pass++)
        {
            Assert.Equal(first.ComputeGradients(inputs, targets), second.ComputeGradients(inputs, targets));
            Assert.Equal(first.Gradients.ToArray(), second.Gradients.ToArray());
        }
        other.ComputeGradients(inputs, targets);
        var again = new GradDropoutNet(9);
        again.ComputeGradients(inputs, targets);
        Assert.NotEqual(again.Gradients.ToArray(), other.Gradients.ToArray()); // the masks differ
    }

    [Fact]
    public void DropoutMasksChangeFromOnePassToTheNext()
    {
        var network = new GradDropoutNet(3);
        float[] inputs = RandomVector(12 * GradDropoutNet.InputSize, 1);
        float[] targets = RandomVector(12 * GradDropoutNet.OutputSize, 2);
        float first = network.ComputeGradients(inputs, targets);
        float second = network.ComputeGradients(inputs, targets);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void DropoutIsInactiveInInference()
    {
        var network = new GradDropoutNet(5);
        var reference = new NoDropoutNet(5);
        network.Parameters.CopyTo(reference.Parameters);
        float[] inputs = RandomVector(7 * GradDropoutNet.InputSize, 1);
        float[] targets = RandomVector(7 * GradDropoutNet.OutputSize, 2);
        network.ComputeGradients(inputs, targets); // a training pass first: inference must not depend on it

        var expected = new float[7 * NoDropoutNet.OutputSize];
        var batch = new float[expected.Length];
        reference.ForwardBatch(inputs, expected);
        network.ForwardBatch(inputs, batch);
        Assert.Equal(expected, batch);
        var single = new float[GradDropoutNet.OutputSize];
        for (int r = 0; r < 7; r++)
        {
            network.Forward(inputs.AsSpan(r * GradDropoutNet.InputSize, GradDropoutNet.InputSize), single);
            Assert.Equal(expected.AsSpan(r * 3, 3).ToArray(), single);
        }
        Assert.Equal(reference.ComputeLoss(inputs, targets), network.ComputeLoss(inputs, targets));
    }

    [Fact]
    public void BatchNormComputeLossChangesNothingAndTrainingUpdatesTheCount()
    {
        var network = new GradBatchNorm2dNet(2);
        float[] inputs = RandomVector(6 * GradBatchNorm2dNet.InputSize, 1);
        float[] targets = RandomVector(6 * GradBatchNorm2dNet.OutputSize, 2);
        float[] before = network.Parameters.ToArray();
        network.ComputeLoss(inputs, targets);
        Assert.Equal(before, network.Parameters.ToArray());

        network.ComputeGradients(inputs, targets);
        network.ComputeGradients(inputs, targets);
        Assert.Equal([2f], Export(network, "2.num_batches_tracked", network.Parameters));
        Assert.NotEqual(before, network.Parameters.ToArray()); // running statistics moved; the weights did not
        Assert.Equal(before.AsSpan(0, network.Gradients.Length).ToArray(), network.Parameters.Slice(0, network.Gradients.Length).ToArray());
    }

    [Fact]
    public void SampleCnnLearnsATinyProblem()
    {
        // Two classes told apart by which half of the image is bright: a few Adam steps fit them.
        var network = new FashionMnistCnn.FashionCnn(1);
        const int rows = 16;
        var inputs = new float[rows * FashionMnistCnn.FashionCnn.InputSize];
        var labels = new int[rows];
        var random = new Random(3);
        for (int r = 0; r < rows; r++)
        {
            labels[r] = r % 2;
            for (int h = 0; h < 28; h++)
                for (int w = 0; w < 28; w++)
                    inputs[r * 784 + h * 28 + w] = (float)random.NextDouble() * 0.2f + ((h < 14) == (labels[r] == 0) ? 0.8f : 0f);
        }
        var optimizer = new Adam(1e-3f);
        float first = network.ComputeLoss(inputs, labels);
        for (int step = 0; step < 15; step++) network.TrainStep(inputs, labels, optimizer);
        float last = network.ComputeLoss(inputs, labels);
        Assert.True(last < first * 0.5f, $"loss {first} → {last}");

        var outputs = new float[rows * FashionMnistCnn.FashionCnn.OutputSize];
        network.ForwardBatch(inputs, outputs);
        for (int r = 0; r < rows; r++)
            Assert.Equal(labels[r], Array.IndexOf(outputs, outputs.Skip(r * 10).Take(10).Max(), r * 10) - r * 10);
    }
}
