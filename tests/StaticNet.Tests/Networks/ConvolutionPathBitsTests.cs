using System;
using Xunit;

namespace StaticNet.Tests.Networks;

/// <summary>The Fashion-MNIST CNN's shapes: conv2 has 16 input channels, so on AVX-512 it runs Winograd F(2×4, 3×3).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)] [Conv2D(16, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)]
[Conv2D(32, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] [Flatten] [Dense(24, Activation.ReLU)] [Dense(10)]
public partial class ConvPathCnn { }

/// <summary>
/// What docs/layers.md says of convolutions: the algorithm (and so the last bits) depends on the layer's shape and the
/// vector width, never on the batch size or the number of threads. <c>Forward</c> of each sample equals its row of
/// <c>ForwardBatch</c> bit for bit, on 1 and 2 workers, with batches of one chunk, several chunks and a partial chunk.
/// </summary>
[Collection("worker pool")]
public sealed class ConvolutionPathBitsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(37, 1)]
    [InlineData(37, 2)]
    [InlineData(70, 2)]
    public void ForwardBatchRowsEqualForward(int samples, int workers)
    {
        var network = new ConvPathCnn(11) { MaxDegreeOfParallelism = workers };
        var random = new Random(3);
        var inputs = new float[samples * ConvPathCnn.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)random.NextDouble();
        var batch = new float[samples * ConvPathCnn.OutputSize];
        network.ForwardBatch(inputs, batch);

        var one = new float[ConvPathCnn.OutputSize];
        for (int s = 0; s < samples; s++)
        {
            network.Forward(inputs.AsSpan(s * ConvPathCnn.InputSize, ConvPathCnn.InputSize), one);
            for (int k = 0; k < one.Length; k++)
            {
                float expected = one[k], actual = batch[s * ConvPathCnn.OutputSize + k];
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                    $"sample {s} of {samples}, output {k}, {workers} worker(s): Forward {expected:R}, ForwardBatch {actual:R}");
            }
        }
        Assert.All(batch, v => Assert.True(float.IsFinite(v)));
    }
}
