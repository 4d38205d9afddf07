using System;
using BenchmarkDotNet.Attributes;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>One nn.TransformerEncoderLayer(64, 4, 128, dropout=0, batch_first=True) on a [32, 64] sequence (issue 19).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(32, 64)]
[TransformerEncoderLayer(64, 4, 128, Dropout = 0f)]
public partial class EncoderLayerNet { }

/// <summary>
/// A TransformerEncoderLayer (d 64, 4 heads, feed-forward 128, T 32): batch-1 forward and a batch-32 training step
/// (MSE, Adam), the same as benchmarks/pytorch/transformer_layer.py measures in PyTorch.
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class TransformerBenchmarks
{
    private readonly EncoderLayerNet _network = new(1);
    private readonly float[] _inputs = BenchmarkData.Random(32 * EncoderLayerNet.InputSize, 3);
    private readonly float[] _targets = BenchmarkData.Random(32 * EncoderLayerNet.OutputSize, 4);
    private readonly float[] _output = new float[EncoderLayerNet.OutputSize];
    private readonly Adam _adam = new(1e-4f);

    [Benchmark]
    public void Forward_Batch1() => _network.Forward(_inputs.AsSpan(0, EncoderLayerNet.InputSize), _output);

    [Benchmark]
    public float TrainStep_Batch32() => _network.TrainStep(_inputs, _targets, _adam);
}
