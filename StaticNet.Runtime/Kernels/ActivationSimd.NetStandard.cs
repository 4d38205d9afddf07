// netstandard2.1 only: the scalar forms of ActivationSimd's operations (static abstract interface members are not
// available there, so each operation is a struct with an instance method; `default(TOp).Apply` is specialised per
// struct by the JIT). The definitions are the scalar halves of ActivationSimd.cs.
using System;

namespace StaticNet.Kernels;

internal interface IUnaryOp
{
    float Apply(float value);
}

internal interface IBackwardOp
{
    float Apply(float saved, float gradient);
}

internal static class ActivationSimd
{
    public static void Unary<TOp>(ReadOnlySpan<float> source, Span<float> destination, int rows, int columns, int stride)
        where TOp : struct, IUnaryOp
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> s = source.Slice(r * stride, columns);
            Span<float> d = destination.Slice(r * stride, columns);
            for (int j = 0; j < columns; j++)
                d[j] = default(TOp).Apply(s[j]);
        }
    }

    public static void Backward<TOp>(ReadOnlySpan<float> saved, Span<float> gradient, int rows, int columns, int stride)
        where TOp : struct, IBackwardOp
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> s = saved.Slice(r * stride, columns);
            Span<float> g = gradient.Slice(r * stride, columns);
            for (int j = 0; j < columns; j++)
                g[j] = default(TOp).Apply(s[j], g[j]);
        }
    }
}

internal struct ReLUOp : IUnaryOp
{
    public float Apply(float value) => value <= 0f ? 0f : value;
}

internal struct ReLUBackwardOp : IBackwardOp
{
    public float Apply(float saved, float gradient) => saved > 0f ? gradient : 0f;
}

internal struct LeakyReLUOp : IUnaryOp
{
    public float Apply(float value) => value < 0f ? value * ActivationKernels.LeakyReLUSlope : value;
}

internal struct LeakyReLUBackwardOp : IBackwardOp
{
    public float Apply(float saved, float gradient) => saved > 0f ? gradient : gradient * ActivationKernels.LeakyReLUSlope;
}

internal struct SigmoidBackwardOp : IBackwardOp
{
    public float Apply(float saved, float gradient) => gradient * (saved * (1f - saved));
}

internal struct TanhBackwardOp : IBackwardOp
{
    public float Apply(float saved, float gradient) => gradient * (1f - saved * saved);
}

internal struct GeluOp : IUnaryOp
{
    public float Apply(float value) => value * ActivationKernels.NormalCdf(value);
}

internal struct GeluBackwardOp : IBackwardOp
{
    private const double InvSqrt2Pi = 0.3989422804014327;

    public float Apply(float saved, float gradient) =>
        gradient * (float)(ActivationKernels.NormalCdf(saved) + saved * (InvSqrt2Pi * Math.Exp(-0.5 * saved * saved)));
}

internal struct SiLUOp : IUnaryOp
{
    public float Apply(float value) => (float)(value * ActivationKernels.Logistic(value));
}

internal struct SiLUBackwardOp : IBackwardOp
{
    public float Apply(float saved, float gradient)
    {
        double sigma = ActivationKernels.Logistic(saved);
        return gradient * (float)(sigma * (1 + saved * (1 - sigma)));
    }
}

internal struct ELUOp : IUnaryOp
{
    public float Apply(float value) => value > 0f ? value : (float)(Math.Exp(value) - 1.0);
}

internal struct ELUBackwardOp : IBackwardOp
{
    public float Apply(float saved, float gradient) => saved > 0f ? gradient : gradient * (saved + 1f);
}
