using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using StaticNet.Kernels;

namespace StaticNet.Benchmarks;

/// <summary>
/// One streaming step (one sample, one time step: new input → new state → output) of LSTM(1 → 32) + Dense(32 → 1) and
/// GRU(1 → 32) + Dense(32 → 1), the latency-critical path of a recurrent model running online. Three implementations in
/// the same run: StaticNet's kernels as generated code calls them (<see cref="LstmKernels.Step"/> /
/// <see cref="GruKernels.Step"/> then <see cref="DenseKernels.Forward"/>, 64-byte-aligned parameters and state), a
/// naive scalar loop over PyTorch's layouts, and the same with <see cref="TensorPrimitives"/> (a <c>Dot</c> per gate row,
/// vectorised <c>Sigmoid</c>/<c>Tanh</c>). Each call consumes the next input of a fixed 1024-step signal.
/// </summary>
[MemoryDiagnoser]
public class RecurrentStepBenchmarks
{
    private const int H = 32, F = 1;
    private readonly float[] _signal = new float[1024];
    private int _t;

    // StaticNet layouts: W_ih [F, GW], W_hh [H, GW], biases [GW]; dense weight [32, 16], bias [16].
    private AlignedBuffer _lstm = null!, _gru = null!, _lstmState = null!, _gruState = null!;
    private readonly float[] _output = new float[1024];

    // PyTorch layouts for the baselines.
    private readonly NaiveRecurrent _naiveLstm = new(4, H, 1), _naiveGru = new(3, H, 2);

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < _signal.Length; i++) _signal[i] = MathF.Sin(i * 0.05f);
        _lstm = Pack(_naiveLstm, LstmKernels.GateWidth(H));
        _gru = Pack(_naiveGru, GruKernels.GateWidth(H));
        _lstmState = new AlignedBuffer(LstmKernels.StepStateLength(H));
        _gruState = new AlignedBuffer(GruKernels.StepStateLength(H));
    }

    /// <summary>The baseline's parameters in StaticNet's layout: W_ih | W_hh | b_ih | b_hh | dense W | dense b.</summary>
    private static AlignedBuffer Pack(NaiveRecurrent n, int gw)
    {
        var buffer = new AlignedBuffer((F + H + 2) * gw + H * 16 + 16);
        Span<float> s = buffer.Span;
        int gh = n.Gates * H;
        for (int r = 0; r < gh; r++)
        {
            s[r] = n.Wih[r];
            for (int k = 0; k < H; k++) s[gw + k * gw + r] = n.Whh[r * H + k];
            s[(1 + H) * gw + r] = n.Bih[r];
            s[(2 + H) * gw + r] = n.Bhh[r];
        }
        int d = (F + H + 2) * gw;
        for (int k = 0; k < H; k++) s[d + k * 16] = n.Wd[k];
        s[d + H * 16] = n.Bd;
        return buffer;
    }

    private float NextInput()
    {
        float x = _signal[_t];
        _t = (_t + 1) & 1023;
        return x;
    }

    [Benchmark]
    public void LstmStep_StaticNet()
    {
        const int gw = 128;
        Span<float> p = _lstm.Span, state = _lstmState.Span;
        int t = _t;
        ReadOnlySpan<float> x = _signal.AsSpan(t, 1);
        _t = (t + 1) & 1023;
        int d = (F + H + 2) * gw; // the Dense(32 → 1) readout: one row of H weights, fused into the step as the generated code does
        LstmKernels.Step(x, F, p.Slice(0, gw), p.Slice(gw, H * gw), p.Slice((1 + H) * gw, gw), p.Slice((2 + H) * gw, gw), H, state,
            p.Slice(d, H), p.Slice(d + H * 16, 1), readoutWidth: 1, _output.AsSpan(t, 1)); // sample t of an output block, as the generated step's callers write it
    }

    [Benchmark]
    public float LstmStep_Naive() => _naiveLstm.LstmStepNaive(NextInput());

    [Benchmark]
    public float LstmStep_TensorPrimitives() => _naiveLstm.LstmStepTensorPrimitives(NextInput());

    [Benchmark]
    public void GruStep_StaticNet()
    {
        const int gw = 96;
        Span<float> p = _gru.Span, state = _gruState.Span;
        int t = _t;
        ReadOnlySpan<float> x = _signal.AsSpan(t, 1);
        _t = (t + 1) & 1023;
        int d = (F + H + 2) * gw; // the Dense(32 → 1) readout: one row of H weights, fused into the step as the generated code does
        GruKernels.Step(x, F, p.Slice(0, gw), p.Slice(gw, H * gw), p.Slice((1 + H) * gw, gw), p.Slice((2 + H) * gw, gw), H, state,
            p.Slice(d, H), p.Slice(d + H * 16, 1), readoutWidth: 1, _output.AsSpan(t, 1)); // sample t of an output block, as the generated step's callers write it
    }

    [Benchmark]
    public float GruStep_Naive() => _naiveGru.GruStepNaive(NextInput());

    [Benchmark]
    public float GruStep_TensorPrimitives() => _naiveGru.GruStepTensorPrimitives(NextInput());
}

/// <summary>
/// The baselines: one recurrent layer (input size 1) + Dense(H → 1) in PyTorch's layouts (<c>weight_ih [G·H, 1]</c>,
/// <c>weight_hh [G·H, H]</c>, gates i f g o / r z n), state in plain arrays, written once as naive loops and once with
/// <see cref="TensorPrimitives"/>. Allocation-free after construction.
/// </summary>
public sealed class NaiveRecurrent
{
    private readonly int _h;
    private readonly float[] _hState, _cState, _a, _b, _t1;

    public NaiveRecurrent(int gates, int hidden, int seed)
    {
        Gates = gates;
        _h = hidden;
        var random = new Random(seed);
        float bound = 1f / MathF.Sqrt(hidden);
        float[] Init(int n)
        {
            var v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float)(random.NextDouble() * 2 - 1) * bound;
            return v;
        }
        Wih = Init(gates * hidden);
        Whh = Init(gates * hidden * hidden);
        Bih = Init(gates * hidden);
        Bhh = Init(gates * hidden);
        Wd = Init(hidden);
        Bd = Init(1)[0];
        _hState = new float[hidden];
        _cState = new float[hidden];
        _a = new float[gates * hidden];
        _b = new float[gates * hidden];
        _t1 = new float[hidden];
    }

    public int Gates { get; }
    public float[] Wih { get; }
    public float[] Whh { get; }
    public float[] Bih { get; }
    public float[] Bhh { get; }
    public float[] Wd { get; }
    public float Bd { get; }

    private static float Sigmoid(float v) => 1f / (1f + MathF.Exp(-v));

    public float LstmStepNaive(float x)
    {
        int h = _h;
        float[] a = _a, hs = _hState, cs = _cState;
        for (int r = 0; r < 4 * h; r++)
        {
            float sum = Bih[r] + Bhh[r] + Wih[r] * x;
            for (int k = 0; k < h; k++) sum += Whh[r * h + k] * hs[k];
            a[r] = sum;
        }
        float y = Bd;
        for (int j = 0; j < h; j++)
        {
            float i = Sigmoid(a[j]), f = Sigmoid(a[h + j]), g = MathF.Tanh(a[2 * h + j]), o = Sigmoid(a[3 * h + j]);
            cs[j] = f * cs[j] + i * g;
            hs[j] = o * MathF.Tanh(cs[j]);
            y += Wd[j] * hs[j];
        }
        return y;
    }

    public float LstmStepTensorPrimitives(float x)
    {
        int h = _h;
        Span<float> a = _a, hs = _hState, cs = _cState, t = _t1;
        for (int r = 0; r < 4 * h; r++)
            a[r] = TensorPrimitives.Dot(Whh.AsSpan(r * h, h), hs);
        TensorPrimitives.MultiplyAdd(Wih, x, a, a);
        TensorPrimitives.Add(a, Bih, a);
        TensorPrimitives.Add(a, Bhh, a);
        TensorPrimitives.Sigmoid(a.Slice(0, 2 * h), a.Slice(0, 2 * h));
        TensorPrimitives.Tanh(a.Slice(2 * h, h), a.Slice(2 * h, h));
        TensorPrimitives.Sigmoid(a.Slice(3 * h, h), a.Slice(3 * h, h));
        TensorPrimitives.Multiply(a.Slice(0, h), a.Slice(2 * h, h), t);        // i·g
        TensorPrimitives.MultiplyAdd(a.Slice(h, h), cs, t, cs);                // c = f·c + i·g
        TensorPrimitives.Tanh(cs, hs);
        TensorPrimitives.Multiply(a.Slice(3 * h, h), hs, hs);                  // h = o·tanh(c)
        return TensorPrimitives.Dot(Wd, hs) + Bd;
    }

    public float GruStepNaive(float x)
    {
        int h = _h;
        float[] a = _a, b = _b, hs = _hState;
        for (int r = 0; r < 3 * h; r++)
        {
            float sum = Bhh[r];
            for (int k = 0; k < h; k++) sum += Whh[r * h + k] * hs[k];
            b[r] = sum;
            a[r] = Bih[r] + Wih[r] * x;
        }
        float y = Bd;
        for (int j = 0; j < h; j++)
        {
            float rg = Sigmoid(a[j] + b[j]), z = Sigmoid(a[h + j] + b[h + j]);
            float n = MathF.Tanh(a[2 * h + j] + rg * b[2 * h + j]);
            hs[j] = (1f - z) * n + z * hs[j];
            y += Wd[j] * hs[j];
        }
        return y;
    }

    public float GruStepTensorPrimitives(float x)
    {
        int h = _h;
        Span<float> a = _a, b = _b, hs = _hState, t = _t1;
        for (int r = 0; r < 3 * h; r++)
            b[r] = TensorPrimitives.Dot(Whh.AsSpan(r * h, h), hs);
        TensorPrimitives.Add(b, Bhh, b);                                       // W_hh h + b_hh
        TensorPrimitives.MultiplyAdd(Wih, x, Bih, a);                          // W_ih x + b_ih
        TensorPrimitives.Add(a.Slice(0, 2 * h), b.Slice(0, 2 * h), a.Slice(0, 2 * h));
        TensorPrimitives.Sigmoid(a.Slice(0, 2 * h), a.Slice(0, 2 * h));       // r, z
        TensorPrimitives.MultiplyAdd(a.Slice(0, h), b.Slice(2 * h, h), a.Slice(2 * h, h), t);
        TensorPrimitives.Tanh(t, t);                                           // n
        TensorPrimitives.Subtract(hs, t, hs);                                  // h − n
        TensorPrimitives.MultiplyAdd(a.Slice(h, h), hs, t, hs);                // h' = n + z·(h − n)
        return TensorPrimitives.Dot(Wd, hs) + Bd;
    }
}
