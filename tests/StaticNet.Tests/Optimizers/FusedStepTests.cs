using System;
using System.Reflection;
using StaticNet.Kernels;
using StaticNet.Optimizers;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Optimizers;

/// <summary>
/// <c>TrainStep</c>'s optimizer update fused into the first dense layer's weight gradient (<see cref="FusedStep"/>):
/// the same bits as <c>ComputeGradients</c> followed by <c>Step</c>, and every case it must not fuse falls back to that.
/// </summary>
public sealed class FusedStepTests
{
    private const int Batch = 32;

    private static (float[] Inputs, int[] Labels) Data(int rows, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        float[] inputs = new float[rows * 784];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)random.NextDouble() * scale;
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) labels[i] = random.Next(10);
        return (inputs, labels);
    }

    private static long FusedSteps(object network) =>
        ((FusedStep)network.GetType().GetField("_fusedStep", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(network)!).FusedSteps;

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
        float[][]? a = expected.CheckpointBuffers, b = actual.CheckpointBuffers;
        Assert.Equal(a is null, b is null);
        if (a is null) return;
        for (int i = 0; i < a.Length; i++) AssertSameBits(a[i], b![i], $"state {i}");
    }

    public static TheoryData<string, int> KindsAndPaths()
    {
        var data = new TheoryData<string, int>();
        foreach (string kind in new[] { "adam", "adam-l2", "adamw", "sgd-momentum", "adam-clipped" })
            foreach (int path in new[] { 512, 256, 128 })
                data.Add(kind, path);
        return data;
    }

    private static Optimizer Create(string kind) => kind switch
    {
        "adam" => new Adam(1e-3f),
        "adam-l2" => new Adam(2e-3f, weightDecay: 0.01f),
        "adamw" => new AdamW(1e-3f, weightDecay: 0.05f),
        "sgd-momentum" => new Sgd(0.01f, momentum: 0.9f, weightDecay: 0.01f),
        "adam-clipped" => new Adam(1e-3f) { MaxGradientNorm = 0.5f },
        _ => throw new ArgumentException(kind),
    };

    /// <summary>
    /// 20 steps (past a subnormal-flush step, every 16th) on every vector width: TrainStep gives the bits of
    /// ComputeGradients + Step (weights, gradients, moments, step count, loss), and fuses exactly when it should
    /// (Adam, AdamW, no clipping).
    /// </summary>
    [Theory]
    [MemberData(nameof(KindsAndPaths))]
    public void TrainStepGivesTheBitsOfTheUnfusedStep(string kind, int path)
    {
        int saved = KernelOptions.MaxVectorBits;
        KernelOptions.MaxVectorBits = path;
        try
        {
            var fused = new MnistNet(7) { MaxDegreeOfParallelism = 1 };
            var reference = new MnistNet(7) { MaxDegreeOfParallelism = 1 };
            Optimizer a = Create(kind), b = Create(kind);
            for (int step = 0; step < 20; step++)
            {
                (float[] inputs, int[] labels) = Data(step % 3 == 2 ? 17 : Batch, step); // a partial chunk too
                float lossA = fused.TrainStep(inputs, labels, a);
                float lossB = reference.ComputeGradients(inputs, labels);
                b.Step(reference.Parameters, reference.Gradients, reference);
                Assert.Equal(BitConverter.SingleToInt32Bits(lossB), BitConverter.SingleToInt32Bits(lossA));
            }
            AssertSameBits(reference.Parameters, fused.Parameters, "parameters");
            AssertSameBits(reference.Gradients, fused.Gradients, "gradients");
            AssertSameState(b, a);
            bool fuses = kind is "adam" or "adam-l2" or "adamw";
            Assert.Equal(fuses ? 20 : 0, FusedSteps(fused));
        }
        finally
        {
            KernelOptions.MaxVectorBits = saved;
        }
    }

    /// <summary>Two chunks, the scalar path, and frozen layers do not fuse, and give the unfused bits.</summary>
    [Fact]
    public void TwoChunksTheScalarPathAndFrozenLayersDoNotFuse()
    {
        var fused = new MnistNet(3) { MaxDegreeOfParallelism = 1 };
        var reference = new MnistNet(3) { MaxDegreeOfParallelism = 1 };
        Optimizer a = new Adam(), b = new Adam();
        (float[] inputs, int[] labels) = Data(40, 1);
        fused.TrainStep(inputs, labels, a);
        reference.ComputeGradients(inputs, labels);
        b.Step(reference.Parameters, reference.Gradients, reference);
        Assert.Equal(0, FusedSteps(fused));

        int saved = KernelOptions.MaxVectorBits;
        KernelOptions.MaxVectorBits = 0;
        try
        {
            (inputs, labels) = Data(Batch, 2);
            fused.TrainStep(inputs, labels, a);
            reference.ComputeGradients(inputs, labels);
            b.Step(reference.Parameters, reference.Gradients, reference);
            Assert.Equal(0, FusedSteps(fused));
        }
        finally
        {
            KernelOptions.MaxVectorBits = saved;
        }
        AssertSameBits(reference.Parameters, fused.Parameters, "parameters");
        AssertSameState(b, a);

        fused.Freeze("fc2");
        float[] fc2 = fused.Parameters.Slice(784 * 128 + 128).ToArray();
        (inputs, labels) = Data(Batch, 4);
        fused.TrainStep(inputs, labels, a);
        Assert.Equal(0, FusedSteps(fused));
        AssertSameBits(fc2, fused.Parameters.Slice(784 * 128 + 128), "frozen fc2");
    }

    /// <summary>
    /// Inputs so large that the bound on the first layer's gradient (rows · max|x| · max|dy|) exceeds 1e16 fall back to
    /// the unfused step, which still finds a finite norm here and takes the same step.
    /// </summary>
    [Fact]
    public void HugeInputsFallBackToTheUnfusedStep()
    {
        var fused = new MnistNet(5) { MaxDegreeOfParallelism = 1 };
        var reference = new MnistNet(5) { MaxDegreeOfParallelism = 1 };
        Optimizer a = new Adam(), b = new Adam();
        (float[] inputs, int[] labels) = Data(Batch, 9, scale: 1e18f);
        float lossA = fused.TrainStep(inputs, labels, a);
        float lossB = reference.ComputeGradients(inputs, labels);
        b.Step(reference.Parameters, reference.Gradients, reference);
        Assert.True(float.IsFinite(lossA));
        Assert.Equal(lossB, lossA);
        Assert.Equal(0, FusedSteps(fused));
        Assert.Equal(1, a.StepCount);
        AssertSameBits(reference.Parameters, fused.Parameters, "parameters");
        AssertSameState(b, a);
    }

    /// <summary>
    /// A finite loss with a NaN gradient (a NaN weight in fc2's padding column: the loss ignores that logit, but fc2's
    /// input gradient carries it to fc1): TrainStep throws and changes neither the weights nor the optimizer.
    /// </summary>
    [Fact]
    public void ANaNGradientThrowsAndChangesNothing()
    {
        var network = new MnistNet(11) { MaxDegreeOfParallelism = 1 };
        var adam = new Adam();
        (float[] inputs, int[] labels) = Data(Batch, 12);
        network.TrainStep(inputs, labels, adam); // state sized, one step taken (fused)
        Assert.Equal(1, FusedSteps(network));
        int fc2Weight = 784 * 128 + 128;
        network.Parameters[fc2Weight + 12] = float.NaN; // input 0, output column 12 of 16 (10 classes)
        float[] parameters = network.Parameters.ToArray();
        float[][] state = Array.ConvertAll(adam.CheckpointBuffers!, buffer => (float[])buffer.Clone());
        Assert.Throws<TrainingDivergedException>(() => network.TrainStep(inputs, labels, adam));
        Assert.Equal(1, FusedSteps(network));
        Assert.Equal(1, adam.StepCount);
        AssertSameBits(parameters, network.Parameters, "parameters");
        for (int i = 0; i < state.Length; i++) AssertSameBits(state[i], adam.CheckpointBuffers![i], $"state {i}");
    }

    /// <summary>A NaN in the gradient of a layer computed before the fused one: the fused kernel refuses, changing nothing.</summary>
    [Fact]
    public void ANonFiniteEarlierGradientIsRefusedBeforeAnyChange()
    {
        var owner = new object();
        var adam = new Adam();
        const int rows = 4, inputs = 8, width = 16, length = inputs * width + width + 5;
        var parameters = new AlignedBuffer(length);
        for (int i = 0; i < length; i++) parameters.Span[i] = i * 0.01f;
        float[] x = new float[rows * inputs], dy = new float[rows * width], gradients = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = 1f;
        for (int i = 0; i < dy.Length; i++) dy[i] = 0.5f;
        var step = new FusedStep();
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, 1e17f })
        {
            gradients[length - 2] = bad; // another layer's gradient
            step.Arm(adam, owner, parameters, length);
            Assert.False(step.TryBackwardWeights(x, rows, inputs, inputs, dy, width, gradients, 0, inputs * width));
            Assert.False(step.Stepped);
            step.Disarm();
            Assert.Equal(0, adam.StepCount);
            Assert.Equal(0f, gradients[0]);
            for (int i = 0; i < length; i++) Assert.Equal(i * 0.01f, parameters.Span[i]);
        }
        gradients[length - 2] = 1f;
        step.Arm(adam, owner, parameters, length);
        Assert.True(step.TryBackwardWeights(x, rows, inputs, inputs, dy, width, gradients, 0, inputs * width));
        Assert.True(step.Stepped);
        Assert.Equal(1, adam.StepCount);
        Assert.Equal(rows * 0.5f, gradients[0]);
    }

    /// <summary>The fused TrainStep allocates nothing after the optimizer's first step.</summary>
    [Fact]
    public void FusedTrainStepAllocatesNothing()
    {
        var network = new MnistNet(13) { MaxDegreeOfParallelism = 1 };
        var adam = new AdamW();
        (float[] inputs, int[] labels) = Data(Batch, 14);
        long bytes = Allocations.Fewest(() => network.TrainStep(inputs, labels, adam), 20, warmUp: 3);
        Assert.True(FusedSteps(network) > 0);
        Assert.Equal(0, bytes);
    }
}
