using System;
using StaticNet;

namespace StaticNet.Benchmarks;

// The dense sweep's N → N (ReLU) → N as generated networks (one parameter buffer, one activation buffer), for
// --dense-sweep's "generated network" row: what a user's network of that size runs, Forward and all.
#pragma warning disable CS1591
[Input(64)] [Dense(64, Activation.ReLU)] [Dense(64)] public partial class Sweep64 { }
[Input(128)] [Dense(128, Activation.ReLU)] [Dense(128)] public partial class Sweep128 { }
[Input(256)] [Dense(256, Activation.ReLU)] [Dense(256)] public partial class Sweep256 { }
[Input(512)] [Dense(512, Activation.ReLU)] [Dense(512)] public partial class Sweep512 { }
[Input(1024)] [Dense(1024, Activation.ReLU)] [Dense(1024)] public partial class Sweep1024 { }
[Input(2048)] [Dense(2048, Activation.ReLU)] [Dense(2048)] public partial class Sweep2048 { }
#pragma warning restore CS1591

/// <summary>A generated sweep network of size N behind one <c>Forward</c> call, with the sweep's weights.</summary>
internal sealed class SweepNetwork
{
    private readonly Action<float[], float[]> _forward;
    private readonly float[] _x, _y;

    private SweepNetwork(Action<float[], float[]> forward, Span<float> parameters, int n,
        ReadOnlySpan<float> w1, ReadOnlySpan<float> b1, ReadOnlySpan<float> w2, ReadOnlySpan<float> b2, ReadOnlySpan<float> x)
    {
        // A plain Dense stack's parameters: W1 [in, out], b1, W2 [in, out], b2, in that order (N is a multiple of 16: no padding).
        if (parameters.Length != 2 * n * n + 2 * n)
            throw new InvalidOperationException($"expected {2 * n * n + 2 * n} parameters for N = {n}, found {parameters.Length}.");
        w1.CopyTo(parameters);
        b1.CopyTo(parameters.Slice(n * n));
        w2.CopyTo(parameters.Slice(n * n + n));
        b2.CopyTo(parameters.Slice(2 * n * n + n));
        _forward = forward;
        _x = x.ToArray();
        _y = new float[n];
    }

    public static SweepNetwork Create(int n, ReadOnlySpan<float> w1, ReadOnlySpan<float> b1, ReadOnlySpan<float> w2,
        ReadOnlySpan<float> b2, ReadOnlySpan<float> x)
    {
        switch (n)
        {
            case 64: { var net = new Sweep64(1); return new((a, b) => net.Forward(a, b), net.Parameters, n, w1, b1, w2, b2, x); }
            case 128: { var net = new Sweep128(1); return new((a, b) => net.Forward(a, b), net.Parameters, n, w1, b1, w2, b2, x); }
            case 256: { var net = new Sweep256(1); return new((a, b) => net.Forward(a, b), net.Parameters, n, w1, b1, w2, b2, x); }
            case 512: { var net = new Sweep512(1); return new((a, b) => net.Forward(a, b), net.Parameters, n, w1, b1, w2, b2, x); }
            case 1024: { var net = new Sweep1024(1); return new((a, b) => net.Forward(a, b), net.Parameters, n, w1, b1, w2, b2, x); }
            case 2048: { var net = new Sweep2048(1); return new((a, b) => net.Forward(a, b), net.Parameters, n, w1, b1, w2, b2, x); }
            default: throw new InvalidOperationException($"expected one of the sweep's sizes, found N = {n}.");
        }
    }

    public void Forward() => _forward(_x, _y);

    public double OutputSum()
    {
        double sum = 0;
        foreach (float v in _y) sum += v;
        return sum;
    }
}
