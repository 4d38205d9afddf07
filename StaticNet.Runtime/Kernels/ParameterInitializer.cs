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

    /// <summary>Fills a tensor with draws from N(0, 1) in PyTorch's element order: what <c>nn.Embedding</c> starts from.</summary>
    /// <param name="tensor">The tensor to fill.</param>
    /// <param name="random">The random source; seeded by the network's constructor.</param>
    /// <param name="parameters">The network's parameter buffer.</param>
    public static void StandardNormal(ParameterTensor tensor, Random random, Span<float> parameters)
    {
        Throw.IfNull(tensor);
        Throw.IfNull(random);
        var values = new float[tensor.ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            // Box–Muller: two uniform draws per value keep the sequence simple and reproducible.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
        tensor.ImportFrom(values, parameters);
    }

    /// <summary>Sets every element of a tensor to <paramref name="value"/> (BatchNorm's weight and running variance start at 1).</summary>
    /// <param name="tensor">The tensor to fill.</param>
    /// <param name="value">The value.</param>
    /// <param name="parameters">The network's parameter buffer.</param>
    public static void Fill(ParameterTensor tensor, float value, Span<float> parameters)
    {
        Throw.IfNull(tensor);
        var values = new float[tensor.ElementCount];
        values.AsSpan().Fill(value);
        tensor.ImportFrom(values, parameters);
    }
}
