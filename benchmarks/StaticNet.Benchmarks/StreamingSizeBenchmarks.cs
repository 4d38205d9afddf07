using System;
using BenchmarkDotNet.Attributes;

namespace StaticNet.Benchmarks;

/// <summary>
/// The generated streaming <c>Step</c> at sizes other than the LSTM(1 → 32): 16 and 64 units, GRU(64), and two
/// stacked LSTM(32) layers, each followed by Dense(→ 1), called as <see cref="StreamingStepBenchmarks"/> calls it. Where
/// the time goes with size: the register-resident step covers 2 vectors of units per gate (32 on AVX-512); beyond the
/// 48 KiB L1 data cache the weights stream from L2 every step.
/// </summary>
[MemoryDiagnoser]
public class StreamingSizeBenchmarks
{
    private readonly StreamingLstm16Net _lstm16 = new(1);
    private readonly StreamingLstm64Net _lstm64 = new(1);
    private readonly StreamingGru64Net _gru64 = new(1);
    private readonly StreamingStackedLstmNet _stacked = new(1);
    private readonly float[] _x = BenchmarkData.Random(1024, 3);
    private readonly float[] _y = new float[1024];
    private int _t;

    [Benchmark]
    public void Lstm16Step()
    {
        int t = _t = (_t + 1) & 1023;
        _lstm16.Step(_x.AsSpan(t, 1), _y.AsSpan(t, 1));
    }

    [Benchmark]
    public void Lstm64Step()
    {
        int t = _t = (_t + 1) & 1023;
        _lstm64.Step(_x.AsSpan(t, 1), _y.AsSpan(t, 1));
    }

    [Benchmark]
    public void Gru64Step()
    {
        int t = _t = (_t + 1) & 1023;
        _gru64.Step(_x.AsSpan(t, 1), _y.AsSpan(t, 1));
    }

    [Benchmark]
    public void StackedLstm32Step()
    {
        int t = _t = (_t + 1) & 1023;
        _stacked.Step(_x.AsSpan(t, 1), _y.AsSpan(t, 1));
    }
}
