using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StaticNet.Kernels;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The SSE2 floor that the 128-bit kernels use where SSE4.1 is missing (NativeAOT binaries for the baseline x86-64 CPU),
/// against <see cref="MathF.Floor"/> bit for bit: the exp of the sigmoid, tanh and softmax kernels rounds through it.
/// </summary>
public class SimdFloorTests
{
    [Fact]
    public void Sse2FloorMatchesMathFloorBitForBit()
    {
        if (!Sse2.IsSupported)
            return; // not an x86 machine: the method is never called there
        var values = new System.Collections.Generic.List<float>
        {
            0f, -0f, 0.5f, -0.5f, 1f, -1f, 1.5f, -1.5f, 2.5f, -2.5f, 0.999999940f, -0.999999940f, 1e-30f, -1e-30f,
            float.Epsilon, -float.Epsilon, 8388607.5f, -8388607.5f, 8388608f, -8388608f, 8388609f, -8388609f, 16777217f,
            1e20f, -1e20f, 2147483520f, -2147483648f, 3e9f, -3e9f, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN,
        };
        var random = new Random(5);
        for (int i = 0; i < 100_000; i++)
            values.Add((float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-10, 40))));
        while (values.Count % 4 != 0)
            values.Add(0.25f);

        for (int i = 0; i < values.Count; i += 4)
        {
            var x = Vector128.Create(values[i], values[i + 1], values[i + 2], values[i + 3]);
            Vector128<float> floor = V128.FloorSse2(x);
            for (int lane = 0; lane < 4; lane++)
            {
                float expected = MathF.Floor(x.GetElement(lane)), actual = floor.GetElement(lane);
                if (float.IsNaN(expected))
                    Assert.True(float.IsNaN(actual), $"floor({x.GetElement(lane)}): expected NaN, found {actual}");
                else
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                        $"floor({x.GetElement(lane):R}): expected {expected:R}, found {actual:R}");
            }
        }
    }
}
