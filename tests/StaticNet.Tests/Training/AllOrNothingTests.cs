using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using StaticNet.Optimizers;
using StaticNet.Tests.Networks;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Training;

// BatchNorm (running statistics, num_batches_tracked), Dropout (the generator's state), Adam (moments, step count).
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(6)] [Dense(16, Activation.ReLU)] [BatchNorm(Momentum = 0.2f)] [Dropout(0.3f)] [Dense(4)]
public partial class AllOrNothingNet { }

// The same state in a convolutional network with float targets (BatchNorm2d over positions).
[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 5, 5)] [Conv2D(3, 3, Activation.Tanh, Padding = 1)] [BatchNorm] [Dropout(0.25f)] [Flatten] [Dense(3)]
public partial class AllOrNothingConvNet { }

/// <summary>
/// A training call that throws changes nothing: weights, BatchNorm's running statistics and counts, dropout's
/// generator, the optimizer's moments and step count. Each test runs two identical networks and optimizers, makes a
/// call fail on one of them, then checks that the state is bitwise equal and that further identical training gives
/// bitwise identical results (which covers what is not public: the moments and the generator).
/// </summary>
public sealed class AllOrNothingTests
{
    private const int Rows = 40; // more than one chunk (32 rows): the first chunk's statistics are updated before the failure

    private static int[] Bits(ReadOnlySpan<float> values) => MemoryMarshal.Cast<float, int>(values).ToArray();

    private static (float[] Inputs, int[] Labels) Batch(int seed)
    {
        float[] inputs = RandomVector(Rows * AllOrNothingNet.InputSize, seed);
        int[] labels = Enumerable.Range(0, Rows).Select(i => (i * 7 + seed) % AllOrNothingNet.OutputSize).ToArray();
        return (inputs, labels);
    }

    private static Adam NewAdam() => new(1e-2f) { MaxGradientNorm = 10f };

    /// <summary>Two networks and optimizers in the same state, trained a few steps (moments, statistics, generator all in use).</summary>
    private static (AllOrNothingNet, Adam, AllOrNothingNet, Adam) Twins()
    {
        var (a, b) = (new AllOrNothingNet(11), new AllOrNothingNet(11));
        var (adamA, adamB) = (NewAdam(), NewAdam());
        for (int step = 0; step < 3; step++)
        {
            var (x, y) = Batch(step);
            Assert.Equal(a.TrainStep(x, y, adamA), b.TrainStep(x, y, adamB));
        }
        return (a, adamA, b, adamB);
    }

    /// <summary>The failed network is in the twin's state, and stays in step with it.</summary>
    private static void AssertSameStateAndFuture(AllOrNothingNet failed, Adam failedAdam, AllOrNothingNet twin, Adam twinAdam)
    {
        Assert.Equal(Bits(twin.Parameters), Bits(failed.Parameters)); // weights, running_mean, running_var, num_batches_tracked
        Assert.Equal(twinAdam.StepCount, failedAdam.StepCount);
        for (int step = 10; step < 14; step++)
        {
            var (x, y) = Batch(step);
            float lossTwin = twin.TrainStep(x, y, twinAdam), lossFailed = failed.TrainStep(x, y, failedAdam);
            Assert.Equal(BitConverter.SingleToInt32Bits(lossTwin), BitConverter.SingleToInt32Bits(lossFailed));
        }
        Assert.Equal(Bits(twin.Parameters), Bits(failed.Parameters));
        var (clean, _) = Batch(99);
        var (outTwin, outFailed) = (new float[Rows * AllOrNothingNet.OutputSize], new float[Rows * AllOrNothingNet.OutputSize]);
        twin.ForwardBatch(clean, outTwin);
        failed.ForwardBatch(clean, outFailed);
        Assert.Equal(Bits(outTwin), Bits(outFailed));
        Assert.All(outFailed, v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData("nan input, TrainStep")]
    [InlineData("infinite input, TrainStep")]
    [InlineData("nan input, ComputeGradients")]
    [InlineData("nan target, TrainStep")]
    [InlineData("bad label in the last chunk")]
    [InlineData("negative label")]
    [InlineData("labels too short")]
    [InlineData("targets too long")]
    [InlineData("inputs not whole samples")]
    [InlineData("optimizer bound to another network")]
    public void AFailedCallChangesNothing(string failure)
    {
        var (failed, failedAdam, twin, twinAdam) = Twins();
        var (x, y) = Batch(5);
        float[] targets = OneHot(y, AllOrNothingNet.OutputSize);
        Adam other = NewAdam();
        if (failure.StartsWith("optimizer")) new AllOrNothingNet(3).TrainStep(x, y, other);
        long otherSteps = other.StepCount;
        float[] otherParameters = failed.Parameters.ToArray();

        Exception error = failure switch
        {
            "nan input, TrainStep" => Assert.Throws<TrainingDivergedException>(() => failed.TrainStep(Poison(x, float.NaN), y, failedAdam)),
            "infinite input, TrainStep" => Assert.Throws<TrainingDivergedException>(() => failed.TrainStep(Poison(x, float.PositiveInfinity), y, failedAdam)),
            "nan input, ComputeGradients" => Assert.Throws<TrainingDivergedException>(() => failed.ComputeGradients(Poison(x, float.NaN), y)),
            "nan target, TrainStep" => Assert.Throws<TrainingDivergedException>(() => failed.TrainStep(x, Poison(targets, float.NaN), failedAdam)),
            "bad label in the last chunk" => Assert.Throws<ArgumentOutOfRangeException>(() => failed.TrainStep(x, y.Take(Rows - 1).Append(4).ToArray(), failedAdam)),
            "negative label" => Assert.Throws<ArgumentOutOfRangeException>(() => failed.ComputeGradients(x, y.Take(Rows - 1).Append(-1).ToArray())),
            "labels too short" => Assert.Throws<ArgumentException>(() => failed.TrainStep(x, y.Take(Rows - 1).ToArray(), failedAdam)),
            "targets too long" => Assert.Throws<ArgumentException>(() => failed.TrainStep(x, targets.Append(0f).ToArray(), failedAdam)),
            "inputs not whole samples" => Assert.Throws<ArgumentException>(() => failed.TrainStep(x.Append(0f).ToArray(), y, failedAdam)),
            "optimizer bound to another network" => Assert.Throws<InvalidOperationException>(() => failed.TrainStep(x, y, other)),
            _ => throw new ArgumentException(failure),
        };

        Assert.NotEmpty(error.Message);
        Assert.Equal(otherSteps, other.StepCount);
        AssertSameStateAndFuture(failed, failedAdam, twin, twinAdam);
    }

    private static float[] Poison(float[] values, float value)
    {
        float[] copy = (float[])values.Clone();
        copy[^1] = value; // in the last chunk, after the first chunk's forward pass has run
        return copy;
    }

    [Fact]
    public void TheReproduction_ForwardAfterAFailedStepIsNotNaN()
    {
        var network = new AllOrNothingNet(1);
        var adam = new Adam();
        var (x, y) = Batch(1);
        float[] before = network.Parameters.ToArray();
        Assert.Throws<TrainingDivergedException>(() => network.TrainStep(Poison(x, float.NaN), y, adam));

        Assert.Equal(Bits(before), Bits(network.Parameters));
        Assert.Equal(0, adam.StepCount);
        var output = new float[AllOrNothingNet.OutputSize];
        network.Forward(x.AsSpan(0, AllOrNothingNet.InputSize), output);
        Assert.All(output, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ConvolutionalNetworkWithTargets_AFailedCallChangesNothing()
    {
        var (a, b) = (new AllOrNothingConvNet(2), new AllOrNothingConvNet(2));
        var (sgdA, sgdB) = (new Sgd(0.05f, momentum: 0.9f), new Sgd(0.05f, momentum: 0.9f));
        float[] x = RandomVector(Rows * AllOrNothingConvNet.InputSize, 1), t = RandomVector(Rows * AllOrNothingConvNet.OutputSize, 2);
        a.TrainStep(x, t, sgdA);
        b.TrainStep(x, t, sgdB);

        Assert.Throws<TrainingDivergedException>(() => a.TrainStep(Poison(x, float.NaN), t, sgdA));
        Assert.Throws<TrainingDivergedException>(() => a.ComputeGradients(x, Poison(t, float.PositiveInfinity)));
        Assert.Throws<ArgumentException>(() => a.TrainStep(x, t.AsSpan(1).ToArray(), sgdA));

        Assert.Equal(Bits(b.Parameters), Bits(a.Parameters));
        for (int step = 0; step < 3; step++)
            Assert.Equal(b.TrainStep(x, t, sgdB), a.TrainStep(x, t, sgdA));
        Assert.Equal(Bits(b.Parameters), Bits(a.Parameters));
    }

    [Fact]
    public void ANaNGradientIsRefusedByTheOptimizerBeforeAnyChange()
    {
        float[] parametersA = { 1f, 2f, 3f }, parametersB = { 1f, 2f, 3f };
        var (adamA, adamB) = (new Adam(0.1f), new Adam(0.1f));
        float[] gradient = { 0.5f, -0.25f, 1f };
        adamA.Step(parametersA, gradient);
        adamB.Step(parametersB, gradient);

        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var error = Assert.Throws<TrainingDivergedException>(() => adamA.Step(parametersA, new[] { 0.5f, bad, 1f }));
            Assert.Contains("gradient", error.Message);
            Assert.Equal(1, adamA.StepCount);
            Assert.Equal(Bits(parametersB), Bits(parametersA));
        }
        for (int step = 0; step < 3; step++)
        {
            adamA.Step(parametersA, gradient);
            adamB.Step(parametersB, gradient);
        }
        Assert.Equal(Bits(parametersB), Bits(parametersA)); // the moments were not touched either
    }

    [Fact]
    public void AnOptimizerIsBoundToTheFirstNetworkItSteps()
    {
        var (first, second) = (new AllOrNothingNet(1), new AllOrNothingNet(2));
        var adam = new Adam();
        var (x, y) = Batch(1);
        first.TrainStep(x, y, adam);
        float[] secondBefore = second.Parameters.ToArray();

        var error = Assert.Throws<InvalidOperationException>(() => second.TrainStep(x, y, adam));
        Assert.Contains("one optimizer per network", error.Message);
        Assert.Contains("Reset()", error.Message);
        Assert.Equal(1, adam.StepCount);
        Assert.Equal(Bits(secondBefore), Bits(second.Parameters));

        first.TrainStep(x, y, adam); // still bound to the first
        adam.Reset();
        second.TrainStep(x, y, adam); // now bound to the second
        Assert.Equal(1, adam.StepCount);
        Assert.Throws<InvalidOperationException>(() => first.TrainStep(x, y, adam));
        Assert.Throws<ArgumentNullException>(() => adam.Step(new float[3], new float[3], owner: null!));
    }

    [Fact]
    public void FourThreadsTrainingOneInstanceAreRefusedAndNeverCorruptIt()
    {
        var network = new MnistNet(5);
        var adam = new Adam(1e-3f);
        float[] x = RandomVector(32 * MnistNet.InputSize, 3);
        int[] y = Enumerable.Range(0, 32).Select(i => i % 10).ToArray();
        int succeeded = 0, refused = 0;
        using var start = new Barrier(4);

        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            start.SignalAndWait();
            for (int i = 0; i < 100; i++)
            {
                try
                {
                    network.TrainStep(x, y, adam);
                    Interlocked.Increment(ref succeeded);
                }
                catch (InvalidOperationException e)
                {
                    Assert.Contains("another thread", e.Message);
                    Interlocked.Increment(ref refused);
                }
            }
        });

        Assert.Equal(400, succeeded + refused);
        Assert.Equal(succeeded, adam.StepCount);
        // Every step that succeeded was a whole step: the same number of steps on one thread gives the same weights.
        var sequential = new MnistNet(5);
        var sequentialAdam = new Adam(1e-3f);
        for (int i = 0; i < succeeded; i++) sequential.TrainStep(x, y, sequentialAdam);
        Assert.Equal(Bits(sequential.Parameters), Bits(network.Parameters));
        Assert.True(refused > 0, "four threads of 100 steps each never overlapped");
    }

    /// <summary>An Sgd-like optimizer whose update waits for the test, so that a training call is held open deterministically.</summary>
    private sealed class GateOptimizer : Optimizer
    {
        public readonly ManualResetEventSlim Entered = new(), Release = new();

        public GateOptimizer() : base(0.1f) { }

        protected override void InitializeState(int parameterCount) { }

        protected override void ResetState() { }

        protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale)
        {
            Entered.Set();
            Release.Wait(TimeSpan.FromSeconds(30));
            for (int i = 0; i < parameters.Length; i++) parameters[i] -= LearningRate * gradientScale * gradients[i];
        }
    }

    [Fact]
    public void DuringATrainingCallOtherTrainingAndLoadingAreRefusedAndInferenceRuns()
    {
        var network = new AllOrNothingNet(6);
        var (x, y) = Batch(1);
        using var saved = new System.IO.MemoryStream();
        network.SaveSafetensors(saved);
        float[] before = network.Parameters.ToArray();
        var gate = new GateOptimizer();

        var training = new Thread(() => network.TrainStep(x, y, gate));
        training.Start();
        Assert.True(gate.Entered.Wait(TimeSpan.FromSeconds(30)));
        try
        {
            Assert.Contains("another thread", Assert.Throws<InvalidOperationException>(() => network.TrainStep(x, y, new Adam())).Message);
            Assert.Throws<InvalidOperationException>(() => network.ComputeGradients(x, y));
            Assert.Throws<InvalidOperationException>(() => { saved.Position = 0; network.LoadSafetensors(saved); });
            Assert.Throws<InvalidOperationException>(() => network.SaveSafetensors(new System.IO.MemoryStream()));
            Assert.Throws<InvalidOperationException>(() => network.Parameters.ToArray());
            Assert.Contains("already taking a step", Assert.Throws<InvalidOperationException>(() => gate.Step(new float[3], new float[3])).Message);

            // Inference takes no lock and is not refused (it reads the running statistics as the training call left
            // them so far: inference during training reads state mid-update, as documented).
            var outputs = new float[Rows * AllOrNothingNet.OutputSize];
            network.ForwardBatch(x, outputs);
            Assert.All(outputs, v => Assert.True(float.IsFinite(v)));
            Assert.True(float.IsFinite(network.ComputeLoss(x, y)));
        }
        finally
        {
            gate.Release.Set();
            Assert.True(training.Join(TimeSpan.FromSeconds(30)));
        }

        // The refused calls changed nothing: the instance took exactly one step, as a twin with the same optimizer.
        var twin = new AllOrNothingNet(6);
        var twinGate = new GateOptimizer();
        twinGate.Release.Set();
        twin.TrainStep(x, y, twinGate);
        Assert.Equal(Bits(twin.Parameters), Bits(network.Parameters));
        Assert.NotEqual(Bits(before), Bits(network.Parameters));
        Assert.Equal(1, gate.StepCount);
    }

    [Fact]
    public void ComputeLossIsShareableAcrossThreads()
    {
        var network = new AllOrNothingNet(4);
        var (x, y) = Batch(2);
        float expected = network.ComputeLoss(x, y);
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (int i = 0; i < 50; i++) Assert.Equal(expected, network.ComputeLoss(x, y));
        });
    }

    [Fact]
    public void TrainStepWithBatchNormAndDropoutAllocatesNothing()
    {
        var network = new AllOrNothingNet(1);
        var adam = NewAdam();
        var (x, y) = Batch(1);
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.TrainStep(x, y, adam)));
        Assert.Equal(0, AllocationTests.AllocatedBy(() => network.ComputeGradients(x, y)));
    }
}
