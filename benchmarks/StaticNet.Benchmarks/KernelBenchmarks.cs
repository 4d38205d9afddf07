using System;
using BenchmarkDotNet.Attributes;
using StaticNet.Kernels;

namespace StaticNet.Benchmarks;

/// <summary>
/// The dense kernels alone, called as generated code calls them (transposed weights <c>[inputs, width]</c>, widths
/// padded to 16, 64-byte-aligned buffers as the generated networks have): the 784 → 128 layer at batch 1 and 32, its
/// backward passes, the 784 → 128 (ReLU) → 10 forward, and the small network's 16 → 64 and 64 → 64 layers at batch 1.
/// </summary>
[MemoryDiagnoser]
public class DenseKernelBenchmarks
{
    private const int Inputs = 784, Width = 128, Batch = 32, OutWidth = 16;
    private readonly float[] _x = BenchmarkData.Random(Batch * Inputs, 1);
    private readonly float[] _weight = BenchmarkData.Random(Inputs * Width, 2);
    private readonly float[] _bias = BenchmarkData.Random(Width, 3);
    private readonly float[] _weight2 = BenchmarkData.Random(Width * OutWidth, 4);
    private readonly float[] _bias2 = BenchmarkData.Random(OutWidth, 5);
    private readonly float[] _y = new float[Batch * Width];
    private readonly float[] _y2 = new float[Batch * OutWidth];
    private readonly float[] _dy = BenchmarkData.Random(Batch * Width, 6);
    private readonly float[] _dWeight = new float[Inputs * Width];
    private readonly float[] _dBias = new float[Width];
    private readonly float[] _dx = new float[Batch * Inputs];
    private readonly AlignedBuffer _small = Aligned(16 + 16 * 64 + 64 * 64 + 64 + 64 + 64);

    private static AlignedBuffer Aligned(int length)
    {
        var buffer = new AlignedBuffer(length);
        BenchmarkData.Random(length, 8).CopyTo(buffer.Span);
        return buffer;
    }

    [Benchmark]
    public void Forward16x64Batch1()
    {
        Span<float> s = _small.Span;
        DenseKernels.Forward(s.Slice(0, 16), 1, 16, 16, s.Slice(16, 16 * 64), s.Slice(16 + 16 * 64 + 64 * 64, 64), s.Slice(16 + 16 * 64 + 64 * 64 + 64, 64), 64);
    }

    [Benchmark]
    public void Forward64x64Batch1()
    {
        Span<float> s = _small.Span;
        DenseKernels.Forward(s.Slice(16 + 16 * 64 + 64 * 64 + 64, 64), 1, 64, 64, s.Slice(16 + 16 * 64, 64 * 64), s.Slice(16 + 16 * 64 + 64 * 64, 64), s.Slice(16 + 16 * 64 + 64 * 64 + 128, 64), 64);
    }

    [Benchmark]
    public void Forward784x128Batch1() => DenseKernels.Forward(_x, 1, Inputs, Inputs, _weight, _bias, _y, Width);

    [Benchmark]
    public void Forward784x128Batch32() => DenseKernels.Forward(_x, Batch, Inputs, Inputs, _weight, _bias, _y, Width);

    [Benchmark]
    public void BackwardWeights784x128Batch32() =>
        DenseKernels.BackwardWeights(_x, Batch, Inputs, Inputs, _dy, Width, _dWeight, _dBias);

    [Benchmark]
    public void BackwardInput784x128Batch32() => DenseKernels.BackwardInput(_dy, Batch, Width, _weight, Inputs, _dx, Inputs);

    /// <summary>What <c>MnistMlp.Forward</c> does, without its argument checks: fc1, ReLU, fc2.</summary>
    [Benchmark]
    public void MnistForwardKernelsBatch1()
    {
        DenseKernels.Forward(_x, 1, Inputs, Inputs, _weight, _bias, _y, Width);
        ActivationKernels.ReLU(_y, 1, Width, Width);
        DenseKernels.Forward(_y, 1, Width, Width, _weight2, _bias2, _y2, OutWidth);
    }
}
