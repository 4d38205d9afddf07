using FashionMnistCnn;
using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>
/// The Fashion-MNIST sample's CNN (<see cref="FashionCnn"/>; 206,922 parameters) as whole networks: batch-1 inference
/// and one batch-32 Adam training step (forward with dropout, softmax cross-entropy, backward, update), StaticNet
/// against the naive and TensorPrimitives baselines (<see cref="BaselineCnn"/>), all starting from StaticNet's initial
/// weights. PyTorch 1.13 on the same machine: <c>/usr/bin/python3 benchmarks/pytorch/fashion_cnn.py --latency</c>.
/// Ratios are per category (Forward, TrainStep) against the naive baseline. Run: <c>--job short --filter '*Cnn*'</c>.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CnnBenchmarks
{
    private const int Batch = 32;
    private readonly FashionCnn _staticNet = new(1);
    private readonly NaiveCnn _naive = new(Batch, 1);
    private readonly TensorPrimitivesCnn _tensorPrimitives = new(Batch, 1);
    private readonly Adam _adam = new(1e-3f);
    private readonly float[] _input = BenchmarkData.Random(784, 2);
    private readonly float[] _output = new float[10];
    private readonly float[] _inputs = BenchmarkData.Random(Batch * 784, 3);
    private readonly int[] _labels = BenchmarkData.Labels(Batch, 10, 4);

    public CnnBenchmarks()
    {
        float[] weights = CnnWeights.Export(_staticNet);
        _naive.LoadParameters(weights);
        _tensorPrimitives.LoadParameters(weights);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Forward")]
    public void ForwardNaive() => _naive.Forward(_input, _output);

    [Benchmark]
    [BenchmarkCategory("Forward")]
    public void ForwardTensorPrimitives() => _tensorPrimitives.Forward(_input, _output);

    [Benchmark]
    [BenchmarkCategory("Forward")]
    public void ForwardStaticNet() => _staticNet.Forward(_input, _output);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("TrainStep")]
    public float TrainStepNaive() => _naive.TrainStep(_inputs, _labels);

    [Benchmark]
    [BenchmarkCategory("TrainStep")]
    public float TrainStepTensorPrimitives() => _tensorPrimitives.TrainStep(_inputs, _labels);

    [Benchmark]
    [BenchmarkCategory("TrainStep")]
    public float TrainStepStaticNet() => _staticNet.TrainStep(_inputs, _labels, _adam);
}

/// <summary>A StaticNet CNN's weights as PyTorch-ordered tensors, one after another (the baselines' parameter layout).</summary>
internal static class CnnWeights
{
    public static float[] Export(FashionCnn network)
    {
        var all = new List<float>();
        foreach (ParameterTensor tensor in network.ParameterTensors) all.AddRange(tensor.Export(network.Parameters));
        if (all.Count != BaselineCnn.ParameterCount)
            throw new InvalidOperationException($"Expected {BaselineCnn.ParameterCount} parameters; found {all.Count}.");
        return all.ToArray();
    }
}
