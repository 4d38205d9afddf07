using System;
using BenchmarkDotNet.Attributes;
using StaticNet.Kernels;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>
/// One streaming step of the GENERATED networks (<see cref="StreamingLstmNet.Step"/>, <see cref="StreamingGruNet.Step"/>:
/// LSTM or GRU(1 → 32) then Dense(32 → 1), state kept in the instance), next to the same step written with the kernels
/// directly and the naive and <see cref="System.Numerics.Tensors.TensorPrimitives"/> baselines of
/// <see cref="RecurrentStepBenchmarks"/>, in one run. Each call consumes the next input of a fixed 1024-step signal.
/// At 48 kHz a step has 20.8 µs; under 83 ns is 250× real time.
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class SequenceStepBenchmarks
{
    private readonly float[] _signal = new float[1024];
    private readonly float[] _output = new float[1024];
    private readonly StreamingLstmNet _lstm = new(1);
    private readonly StreamingGruNet _gru = new(1);
    private readonly RecurrentStepBenchmarks _kernels = new();
    private int _t;

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < _signal.Length; i++) _signal[i] = MathF.Sin(i * 0.05f);
        _kernels.Setup();
    }

    [Benchmark]
    public void LstmStep_Generated()
    {
        int t = _t = (_t + 1) & 1023;
        _lstm.Step(_signal.AsSpan(t, 1), _output.AsSpan(t, 1)); // sample t of an output block, as an audio callback writes it
    }

    [Benchmark]
    public void LstmStep_Kernels() => _kernels.LstmStep_StaticNet();

    [Benchmark]
    public float LstmStep_Naive() => _kernels.LstmStep_Naive();

    [Benchmark]
    public float LstmStep_TensorPrimitives() => _kernels.LstmStep_TensorPrimitives();

    [Benchmark]
    public void GruStep_Generated()
    {
        int t = _t = (_t + 1) & 1023;
        _gru.Step(_signal.AsSpan(t, 1), _output.AsSpan(t, 1)); // sample t of an output block, as an audio callback writes it
    }

    [Benchmark]
    public void GruStep_Kernels() => _kernels.GruStep_StaticNet();

    [Benchmark]
    public float GruStep_Naive() => _kernels.GruStep_Naive();

    [Benchmark]
    public float GruStep_TensorPrimitives() => _kernels.GruStep_TensorPrimitives();

    // Where a step's time goes: the recurrent kernel alone (state chained from call to call, so this is its latency),
    // and the Dense(32 → 1) head alone, a dot product (independent calls, so a throughput figure: its latency is hidden here).
    private readonly AlignedBuffer _cellParameters = Filled((1 + 32 + 2) * 128 + 32 * 16 + 16);
    private readonly AlignedBuffer _lstmCellState = new(LstmKernels.StepStateLength(32));
    private readonly AlignedBuffer _gruCellState = new(GruKernels.StepStateLength(32));
    private readonly AlignedBuffer _headOutput = new(16);

    private static AlignedBuffer Filled(int length)
    {
        var buffer = new AlignedBuffer(length);
        float[] values = BenchmarkData.Random(length, 21);
        for (int i = 0; i < length; i++) buffer.Span[i] = 0.3f * (values[i] - 0.5f);
        return buffer;
    }

    [Benchmark]
    public void LstmCellOnly_Kernel()
    {
        const int gw = 128;
        ReadOnlySpan<float> p = _cellParameters.Span;
        Span<float> state = _lstmCellState.Span;
        LstmKernels.Step(_signal.AsSpan(_t, 1), 1, p.Slice(0, gw), p.Slice(gw, 32 * gw), p.Slice(33 * gw, gw), p.Slice(34 * gw, gw), 32, state);
        _t = (_t + 1) & 1023;
    }

    [Benchmark]
    public void GruCellOnly_Kernel()
    {
        const int gw = 96;
        ReadOnlySpan<float> p = _cellParameters.Span;
        Span<float> state = _gruCellState.Span;
        GruKernels.Step(_signal.AsSpan(_t, 1), 1, p.Slice(0, gw), p.Slice(gw, 32 * gw), p.Slice(33 * gw, gw), p.Slice(34 * gw, gw), 32, state);
        _t = (_t + 1) & 1023;
    }

    [Benchmark]
    public float DenseHeadOnly_Kernel()
    {
        ReadOnlySpan<float> p = _cellParameters.Span;
        Span<float> y = _headOutput.Span;
        DenseKernels.ForwardDot(_lstmCellState.Span.Slice(0, 32), 1, 32, 32, p.Slice(35 * 128, 32), p.Slice(35 * 128 + 32 * 16, 1), y, 1);
        return y[0];
    }
}

/// <summary>
/// Whole sequences through the generated <see cref="StreamingLstmNet"/> (T = 64, one feature, LSTM(32) every step,
/// Dense(1)): one sequence's <c>Forward</c>, a batch of 32 through <c>ForwardBatch</c>, and one Adam <c>TrainStep</c> on
/// a batch of 32 (forward, MSE, backpropagation through time, update).
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class SequenceLstmWhole
{
    private const int Batch = 32;
    private readonly StreamingLstmNet _network = new(1);
    private readonly Adam _adam = new(1e-3f);
    private readonly float[] _inputs = BenchmarkData.Random(Batch * StreamingLstmNet.InputSize, 11);
    private readonly float[] _targets = BenchmarkData.Random(Batch * StreamingLstmNet.OutputSize, 12);
    private readonly float[] _outputs = new float[Batch * StreamingLstmNet.OutputSize];

    [Benchmark]
    public void Forward_Sequence() => _network.Forward(_inputs.AsSpan(0, StreamingLstmNet.InputSize), _outputs.AsSpan(0, StreamingLstmNet.OutputSize));

    [Benchmark]
    public void ForwardBatch_32Sequences() => _network.ForwardBatch(_inputs, _outputs);

    [Benchmark]
    public float TrainStep_32Sequences() => _network.TrainStep(_inputs, _targets, _adam);
}
