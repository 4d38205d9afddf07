using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet.IO;
using Xunit;

namespace StaticNet.Tests.Networks;

/// <summary>Shared helpers: fixtures, tolerance comparisons, PyTorch-layout views of a network's buffers.</summary>
internal static class NetworkTestSupport
{
    /// <summary>
    /// Loads a PyTorch fixture's network tensors into <paramref name="network"/>. A fixture also holds inputs, outputs,
    /// gradients and optimizer steps, so the load is not strict; every tensor of the network must be there.
    /// </summary>
    public static void LoadFixtureWeights(INetwork network, Stream stream)
    {
        SafetensorsLoadResult result = network.LoadSafetensors(stream, new SafetensorsLoadOptions { Strict = false });
        Assert.Empty(result.MissingTensors);
        Assert.Equal(network.ParameterTensors.Count, result.LoadedTensors.Count);
    }

    public static SafetensorsFile Fixture(string file) =>
        Safetensors.Read(Path.Combine(AppContext.BaseDirectory, "fixtures", file));

    /// <summary>Asserts |expected − actual| ≤ tolerance · max(1, |expected|) elementwise, naming the first failure.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} values, found {actual.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            double allowed = tolerance * Math.Max(1.0, Math.Abs(expected[i]));
            Assert.True(error <= allowed, $"{what}[{i}]: expected {expected[i]:R}, found {actual[i]:R} (error {error:E2} > {allowed:E2})");
        }
    }

    /// <summary>A tensor of the network's buffer (parameters or gradients) in PyTorch's layout.</summary>
    public static float[] Export(INetwork network, string name, ReadOnlySpan<float> buffer) =>
        network.ParameterTensors.Single(t => t.Name == name).Export(buffer);

    public static IEnumerable<string> ParameterNames(INetwork network) => network.ParameterTensors.Select(t => t.Name);

    /// <summary>Deterministic inputs in [-1, 1).</summary>
    public static float[] RandomVector(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    public static float[] OneHot(int[] labels, int classes)
    {
        var targets = new float[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++) targets[i * classes + labels[i]] = 1f;
        return targets;
    }
}
