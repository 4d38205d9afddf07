using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

/// <summary>
/// Whole generated networks on every vector width the machine has and on the scalar reference path: the same outputs
/// and gradients (to float rounding), so a machine without AVX-512, or without SIMD at all, computes the same network.
/// </summary>
public class VectorPathTests
{
    [Theory]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void EveryPathComputesTheSameNetwork(int maxVectorBits)
    {
        var network = new DeepNet(8);
        float[] inputs = RandomVector(37 * DeepNet.InputSize, 4);
        int[] labels = new int[37];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % DeepNet.OutputSize;

        var expected = new float[37 * DeepNet.OutputSize];
        network.ForwardBatch(inputs, expected);
        float expectedLoss = network.ComputeGradients(inputs, labels);
        float[] expectedGradients = network.Gradients.ToArray();

        int saved = KernelOptions.MaxVectorBits;
        try
        {
            KernelOptions.MaxVectorBits = maxVectorBits;
            var outputs = new float[expected.Length];
            network.ForwardBatch(inputs, outputs);
            float loss = network.ComputeGradients(inputs, labels);
            AssertClose(expected, outputs, 1e-5, $"outputs on the {maxVectorBits}-bit path");
            AssertClose([expectedLoss], [loss], 1e-5, $"loss on the {maxVectorBits}-bit path");
            AssertClose(expectedGradients, network.Gradients, 1e-4, $"gradients on the {maxVectorBits}-bit path");
        }
        finally
        {
            KernelOptions.MaxVectorBits = saved;
        }
    }
}
