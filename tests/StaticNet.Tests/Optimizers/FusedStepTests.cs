using System;
using StaticNet.Kernels;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Optimizers;

/// <summary>
/// The optimizer update fused into a dense layer's weight gradient (<see cref="FusedStep"/>, internal: generated networks
/// do not use it, see docs/performance.md): the same bits as <c>DenseKernels.BackwardWeights</c> followed by
/// <c>Step</c>, on every vector width and tile shape, and a refusal that changes nothing whenever the gradient's norm is
/// not proven finite or the optimizer cannot be fused.
/// </summary>
public sealed class FusedStepTests
{
    /// <summary>A parameter buffer laid out as a network's: other layers' parameters, then the dense layer's weights and bias, then more.</summary>
    private sealed class Layout
    {
        public readonly int Rows, Inputs, Width, Before, After;
        public int WeightOffset => Before;
        public int BiasOffset => Before + Inputs * Width;
        public int Length => Before + Inputs * Width + Width + After;

        public Layout(int rows, int inputs, int width, int before, int after) =>
            (Rows, Inputs, Width, Before, After) = (rows, inputs, width, before, after);

        /// <summary>Inputs x, the layer's output gradient dy, and the other layers' gradients for step <paramref name="step"/>.</summary>
        public (float[] X, float[] Dy, float[] Gradients) Data(int step, float xScale = 1f)
        {
            float[] x = new float[Rows * Inputs], dy = new float[Rows * Width], gradients = new float[Length];
            for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(i * 0.37f + step) * xScale;
            for (int i = 0; i < dy.Length; i++) dy[i] = MathF.Cos(i * 0.11f - step) * 0.05f;
            for (int i = 0; i < Before; i++) gradients[i] = MathF.Sin(i + step) * 0.3f;
            for (int i = BiasOffset + Width; i < Length; i++) gradients[i] = MathF.Cos(i - step) * 0.2f;
            return (x, dy, gradients);
        }

        public AlignedBuffer Parameters()
        {
            var buffer = new AlignedBuffer(Length);
            for (int i = 0; i < Length; i++) buffer.Span[i] = MathF.Cos(i * 0.013f) * 0.1f;
            return buffer;
        }
    }

    private static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, found {actual[i]:R}.");
    }

    private static void AssertSameState(Optimizer expected, Optimizer actual)
    {
        Assert.Equal(expected.StepCount, actual.StepCount);
        float[][] a = expected.CheckpointBuffers!, b = actual.CheckpointBuffers!;
        for (int i = 0; i < a.Length; i++) AssertSameBits(a[i], b[i], $"state {i}");
    }

    public static TheoryData<string, int> KindsAndPaths()
    {
        var data = new TheoryData<string, int>();
        foreach (string kind in new[] { "adam", "adam-l2", "adamw" })
            foreach (int path in new[] { 512, 256, 128 })
                data.Add(kind, path);
        return data;
    }

    private static Optimizer Create(string kind) => kind switch
    {
        "adam" => new Adam(1e-3f),
        "adam-l2" => new Adam(2e-3f, weightDecay: 0.01f),
        "adamw" => new AdamW(1e-3f, weightDecay: 0.05f),
        _ => throw new ArgumentException(kind),
    };

    /// <summary>
    /// 20 steps (past a subnormal-flush step, every 16th) on layouts that use every tile shape (4, 2 and 1 inputs; 4, 2 and
    /// 1 vectors) with the layer first, in the middle and last: dW, db, the weights, the other parameters, m, v and the
    /// step count are the bits of BackwardWeights followed by Step.
    /// </summary>
    [Theory]
    [MemberData(nameof(KindsAndPaths))]
    public void FusedStepGivesTheBitsOfTheKernelThenStep(string kind, int path)
    {
        int saved = KernelOptions.MaxVectorBits;
        KernelOptions.MaxVectorBits = path;
        try
        {
            foreach (Layout layout in new[] { new Layout(32, 37, 128, 0, 1290), new Layout(5, 8, 48, 19, 0), new Layout(32, 43, 112, 7, 33) })
            {
                var owner = new object();
                Optimizer fused = Create(kind), reference = Create(kind);
                AlignedBuffer a = layout.Parameters(), b = layout.Parameters();
                var step = new FusedStep();
                for (int t = 0; t < 20; t++)
                {
                    (float[] x, float[] dy, float[] gradients) = layout.Data(t);
                    float[] expected = (float[])gradients.Clone();
                    DenseKernels.BackwardWeights(x, layout.Rows, layout.Inputs, layout.Inputs, dy, layout.Width,
                        expected.AsSpan(layout.WeightOffset, layout.Inputs * layout.Width), expected.AsSpan(layout.BiasOffset, layout.Width));
                    reference.Step(b.Span, expected, owner);

                    step.Arm(fused, owner, a, layout.Length);
                    Assert.True(step.TryBackwardWeights(x, layout.Rows, layout.Inputs, layout.Inputs, dy, layout.Width, gradients, layout.WeightOffset, layout.BiasOffset));
                    Assert.True(step.Stepped);
                    step.Disarm();
                    AssertSameBits(expected, gradients, "gradients");
                }
                AssertSameBits(b.Span, a.Span, "parameters");
                AssertSameState(reference, fused);
                Assert.Equal(20, step.FusedSteps);
            }
        }
        finally
        {
            KernelOptions.MaxVectorBits = saved;
        }
    }

    /// <summary>Clipping, SGD, no optimizer and the scalar path are not fused: the call refuses and changes nothing.</summary>
    [Fact]
    public void OptimizersAndPathsThatCannotFuseAreRefused()
    {
        var layout = new Layout(32, 16, 64, 3, 5);
        (float[] x, float[] dy, float[] gradients) = layout.Data(0);
        float[] before = (float[])gradients.Clone();
        AlignedBuffer parameters = layout.Parameters();
        float[] original = parameters.Span.ToArray();
        var owner = new object();
        var step = new FusedStep();
        foreach (Optimizer? optimizer in new Optimizer?[] { new Adam { MaxGradientNorm = 1f }, new Sgd(0.1f, momentum: 0.9f), null })
        {
            step.Arm(optimizer, owner, parameters, layout.Length);
            Assert.False(step.TryBackwardWeights(x, layout.Rows, layout.Inputs, layout.Inputs, dy, layout.Width, gradients, layout.WeightOffset, layout.BiasOffset));
            step.Disarm();
            Assert.Equal(0, optimizer?.StepCount ?? 0);
        }
        int saved = KernelOptions.MaxVectorBits;
        KernelOptions.MaxVectorBits = 0;
        try
        {
            var adam = new Adam();
            step.Arm(adam, owner, parameters, layout.Length);
            Assert.False(step.TryBackwardWeights(x, layout.Rows, layout.Inputs, layout.Inputs, dy, layout.Width, gradients, layout.WeightOffset, layout.BiasOffset));
            step.Disarm();
            Assert.Equal(0, adam.StepCount);
        }
        finally
        {
            KernelOptions.MaxVectorBits = saved;
        }
        AssertSameBits(before, gradients, "gradients");
        AssertSameBits(original, parameters.Span, "parameters");
    }

    /// <summary>
    /// A NaN, an infinity or a magnitude above 1e16 in another layer's gradient, a NaN in dy, or inputs so large that
    /// rows · max|x| · max|dy| exceeds 1e16: refused before any change (the optimizer then steps unfused, and throws on a
    /// non-finite norm).
    /// </summary>
    [Fact]
    public void AGradientNotProvenFiniteIsRefusedBeforeAnyChange()
    {
        var layout = new Layout(32, 16, 64, 3, 5);
        AlignedBuffer parameters = layout.Parameters();
        float[] original = parameters.Span.ToArray();
        var owner = new object();
        var adam = new Adam();
        var step = new FusedStep();
        void Refused(float[] x, float[] dy, float[] gradients)
        {
            float[] before = (float[])gradients.Clone();
            step.Arm(adam, owner, parameters, layout.Length);
            Assert.False(step.TryBackwardWeights(x, layout.Rows, layout.Inputs, layout.Inputs, dy, layout.Width, gradients, layout.WeightOffset, layout.BiasOffset));
            Assert.False(step.Stepped);
            step.Disarm();
            Assert.Equal(0, adam.StepCount);
            Assert.Equal(0, adam.ParameterCount); // the state was not even sized
            AssertSameBits(before, gradients, "gradients");
            AssertSameBits(original, parameters.Span, "parameters");
        }
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, -1e17f })
            foreach (int at in new[] { 1, layout.Length - 2 })
            {
                (float[] x, float[] dy, float[] gradients) = layout.Data(1);
                gradients[at] = bad;
                Refused(x, dy, gradients);
            }
        (float[] x2, float[] dy2, float[] g2) = layout.Data(2);
        dy2[77] = float.NaN;
        Refused(x2, dy2, g2);
        (float[] x3, float[] dy3, float[] g3) = layout.Data(3, xScale: 1e16f);
        Refused(x3, dy3, g3);
    }

    /// <summary>An optimizer bound to another network throws before anything changes, as Step does.</summary>
    [Fact]
    public void AnOptimizerOfAnotherNetworkThrowsBeforeAnyChange()
    {
        var layout = new Layout(8, 16, 32, 0, 4);
        AlignedBuffer parameters = layout.Parameters();
        var adam = new Adam();
        adam.Step(new float[layout.Length], new float[layout.Length], new object()); // bound to another owner
        float[] original = parameters.Span.ToArray();
        (float[] x, float[] dy, float[] gradients) = layout.Data(0);
        float[] before = (float[])gradients.Clone();
        var step = new FusedStep();
        step.Arm(adam, new object(), parameters, layout.Length);
        Assert.Throws<InvalidOperationException>(() => step.TryBackwardWeights(x, layout.Rows, layout.Inputs, layout.Inputs, dy, layout.Width, gradients, 0, layout.BiasOffset));
        step.Disarm();
        Assert.Equal(1, adam.StepCount);
        AssertSameBits(before, gradients, "gradients");
        AssertSameBits(original, parameters.Span, "parameters");
    }

    /// <summary>The fused step allocates nothing after the optimizer's first step.</summary>
    [Fact]
    public void TheFusedStepAllocatesNothing()
    {
        var layout = new Layout(32, 64, 128, 10, 10);
        AlignedBuffer parameters = layout.Parameters();
        (float[] x, float[] dy, float[] gradients) = layout.Data(0);
        var owner = new object();
        var adam = new AdamW();
        var step = new FusedStep();
        long bytes = Allocations.Fewest(() =>
        {
            gradients.AsSpan(layout.WeightOffset, layout.Inputs * layout.Width + layout.Width).Clear();
            step.Arm(adam, owner, parameters, layout.Length);
            if (!step.TryBackwardWeights(x, layout.Rows, layout.Inputs, layout.Inputs, dy, layout.Width, gradients, layout.WeightOffset, layout.BiasOffset))
                throw new InvalidOperationException("not fused");
            step.Disarm();
        }, 20, warmUp: 3);
        Assert.Equal(0, bytes);
    }
}
