using System;
using System.Linq;
using System.Reflection;
using StaticNet.Kernels;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Optimizers;

/// <summary>
/// Issue 16, no performance cliffs: a parameter whose gradient stays exactly zero (a ReLU unit that stopped firing)
/// must not leave subnormal floats in the optimizer's state, where every later step would pay microcode assists. The
/// update loops flush m, v and the momentum buffer below <see cref="SubnormalFlush.MinNormal"/> to zero on every
/// <see cref="SubnormalFlush.Period"/>-th step.
/// </summary>
public sealed class SubnormalStateTests
{
    public static TheoryData<string, int> KindsAndPaths()
    {
        var data = new TheoryData<string, int>();
        foreach (string kind in new[] { "sgd-momentum", "sgd-nesterov", "adam", "adamw" })
            foreach (int path in new[] { 512, 256, 128, 0 })
                data.Add(kind, path);
        return data;
    }

    // Momentum 0.9 for both SGD forms: with 0.5 the buffer decays to zero by itself (0.5 · 1 ulp rounds to even, 0), so
    // the test would pass without the flush.
    private static Optimizer Create(string kind) => kind switch
    {
        "sgd-momentum" => new Sgd(0.01f, momentum: 0.9f),
        "sgd-nesterov" => new Sgd(0.01f, momentum: 0.9f, nesterov: true),
        "adam" => new Adam(),
        "adamw" => new AdamW(),
        _ => throw new ArgumentException(kind),
    };

    /// <summary>
    /// One step with gradients spanning 1e-1 … 1e-20 (so that some second moments start near the subnormal range, and
    /// the first moments of all of them decay through it), then thousands of steps with zero gradients, on every vector
    /// width and the scalar path, with a length that leaves a scalar tail.
    /// </summary>
    [Theory]
    [MemberData(nameof(KindsAndPaths))]
    public void ZeroGradientsLeaveNoSubnormalState(string kind, int path)
    {
        int saved = KernelOptions.MaxVectorBits;
        KernelOptions.MaxVectorBits = path;
        try
        {
            Optimizer optimizer = Create(kind);
            const int n = 1027;
            var parameters = new float[n];
            var gradients = new float[n];
            for (int i = 0; i < n; i++)
            {
                parameters[i] = MathF.Cos(i);
                gradients[i] = MathF.Sin(i + 1) * MathF.Pow(10f, -(i % 20) - 1);
            }
            optimizer.Step(parameters, gradients);
            Array.Clear(gradients);

            // Without the flush, 0.9 · m reaches the subnormals after ~800 steps and sticks there (0.9 · k ulps rounds back
            // to k ulps for k ≤ 5); v = 0.999^t · v from 1e-38..1e-5 crosses 1.18e-38 within 4,000 steps for the smallest.
            for (int step = 0; step < 4000; step++)
            {
                optimizer.Step(parameters, gradients);
                // Every SubnormalFlush.Period-th step flushes: after it, nothing in the state is subnormal (so no
                // subnormal lives more than Period − 1 steps).
                if (SubnormalFlush.IsFlushStep(optimizer.StepCount))
                    foreach (float[] state in States(optimizer))
                        AssertNoSubnormal(state, kind, path, optimizer.StepCount);
            }

            // The flushed state is exactly zero where it decayed, and the parameters stopped moving there.
            float[][] states = States(optimizer);
            Assert.NotEmpty(states);
            Assert.Contains(states[0], x => x == 0f);
            Assert.All(parameters, p => Assert.True(float.IsFinite(p)));

            // And the update still allocates nothing.
            // (the quietest of a few windows: the runtime's one-off tier-up allocations were seen here under load)
            Assert.Equal(0, Allocations.Fewest(() => optimizer.Step(parameters, gradients), calls: 100, warmUp: 0));
        }
        finally
        {
            KernelOptions.MaxVectorBits = saved;
        }
    }

    /// <summary>Every width computes the same bits, flush included.</summary>
    [Theory]
    [InlineData("sgd-momentum")]
    [InlineData("sgd-nesterov")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void EveryPathFlushesTheSameLanes(string kind)
    {
        float[]? reference = null;
        int saved = KernelOptions.MaxVectorBits;
        try
        {
            foreach (int path in new[] { 0, 128, 256, 512 })
            {
                KernelOptions.MaxVectorBits = path;
                Optimizer optimizer = Create(kind);
                var parameters = new float[515];
                var gradients = new float[515];
                for (int step = 0; step < 1500; step++)
                {
                    for (int i = 0; i < gradients.Length; i++)
                        gradients[i] = step < 10 ? MathF.Sin(i * step + 1) * MathF.Pow(10f, -(i % 25)) : 0f;
                    optimizer.Step(parameters, gradients);
                }
                float[] state = States(optimizer).SelectMany(s => s).Concat(parameters).ToArray();
                if (reference is null) reference = state;
                else Assert.Equal(reference, state);
            }
        }
        finally
        {
            KernelOptions.MaxVectorBits = saved;
        }
    }

    /// <summary>Without zero gradients nothing is flushed that PyTorch would keep: a normal state is left bit for bit.</summary>
    [Fact]
    public void NormalStateIsNotTouched()
    {
        var flushed = new Adam();
        var parameters = new float[100];
        var gradients = new float[100];
        var expected = new float[100];
        var m = new float[100];
        var v = new float[100];
        for (int i = 0; i < 100; i++) parameters[i] = expected[i] = MathF.Cos(i);
        for (int step = 1; step <= 64; step++)
        {
            for (int i = 0; i < 100; i++) gradients[i] = MathF.Sin(i * step);
            flushed.Step(parameters, gradients);
            // The scalar update without any flush, in the loop's order.
            double bc1 = 1.0 - Math.Pow(0.9f, step), bc2 = 1.0 - Math.Pow(0.999f, step);
            float negativeStepSize = (float)(-1e-3f / bc1), inverse = (float)(1.0 / Math.Sqrt(bc2));
            for (int i = 0; i < 100; i++)
            {
                m[i] = m[i] * 0.9f + gradients[i] * (float)(1.0 - 0.9f);
                v[i] = v[i] * 0.999f + gradients[i] * (float)(1.0 - 0.999f) * gradients[i];
                expected[i] = expected[i] + m[i] * negativeStepSize / (MathF.Sqrt(v[i]) * inverse + 1e-8f);
            }
        }
        Assert.Equal(expected, parameters);
    }

    [Fact]
    public void FlushKeepsNormalsInfinitiesAndNaN()
    {
        float[] kept = { SubnormalFlush.MinNormal, -SubnormalFlush.MinNormal, 1f, -3.5e-30f, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity };
        foreach (float x in kept) Assert.Equal(x, SubnormalFlush.Flush(x));
        Assert.True(float.IsNaN(SubnormalFlush.Flush(float.NaN)));
        float[] flushed = { float.Epsilon, -float.Epsilon, 1e-39f, -1.1754942e-38f, -0f };
        foreach (float x in flushed) Assert.Equal(0, BitConverter.SingleToInt32Bits(SubnormalFlush.Flush(x)));

        // The vector form, lane by lane, on every accelerated width.
        float[] values = kept.Concat(flushed).Append(float.NaN).Concat(Enumerable.Range(0, 16).Select(i => (float)i * 1e-40f)).ToArray();
        Array.Resize(ref values, 64);
        float[] expected = values.Select(SubnormalFlush.Flush).ToArray();
        Assert.Equal(expected, Apply<V128>(values));
        Assert.Equal(expected, Apply<V256>(values));
        Assert.Equal(expected, Apply<V512>(values));
    }

    private static float[] Apply<V>(float[] values) where V : struct, ISimdVector<V>
    {
        var result = new float[values.Length];
        for (int i = 0; i + V.Count <= values.Length; i += V.Count)
            V.Store(ref result[i], V.FlushSubnormal(V.Load(ref values[i])));
        return result;
    }

    private static void AssertNoSubnormal(float[] state, string kind, int path, long step)
    {
        int index = Array.FindIndex(state, x => x != 0f && float.IsSubnormal(x));
        Assert.True(index < 0, $"{kind}, path {path}, after step {step}: state[{index}] = {(index < 0 ? 0 : state[index]):R} is subnormal.");
    }

    /// <summary>The optimizer's per-parameter state arrays (m and v, or the momentum buffer), found by type.</summary>
    private static float[][] States(Optimizer optimizer)
    {
        const BindingFlags flags = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
        return optimizer.GetType().GetFields(flags).SelectMany(f => f.GetValue(optimizer) switch
        {
            float[] array => new[] { array },
            AdamMoments moments => new[] { moments.First, moments.Second },
            _ => Array.Empty<float[]>(),
        }).ToArray();
    }
}
