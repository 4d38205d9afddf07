using System;
using System.ComponentModel;

namespace StaticNet.Kernels;

/// <summary>Initial values for a network's parameters, as PyTorch's default initialisers draw them.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ParameterInitializer
{
    /// <summary>
    /// Fills a tensor with draws from U(−bound, bound) in PyTorch's element order, where
    /// <c>bound = 1/√fanIn</c>: what <c>nn.Linear.reset_parameters</c> gives both the weight (kaiming_uniform with
    /// a = √5) and the bias.
    /// </summary>
    /// <param name="tensor">The tensor to fill.</param>
    /// <param name="fanIn">The number of inputs of the layer.</param>
    /// <param name="random">The random source; seeded by the network's constructor.</param>
    /// <param name="parameters">The network's parameter buffer.</param>
    public static void UniformFanIn(ParameterTensor tensor, int fanIn, Random random, Span<float> parameters)
    {
        Throw.IfNull(tensor);
        Throw.IfNull(random);
        float bound = 1f / MathF.Sqrt(fanIn);
        var values = new float[tensor.ElementCount];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)((random.NextDouble() * 2.0 - 1.0) * bound);
        tensor.ImportFrom(values, parameters);
    }
}
