using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using StaticNet.IO;
using StaticNet.Optimizers;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

/// <summary>What a user relies on besides the numbers: sizes, initialisation, errors, thread safety, weight files.</summary>
public class NetworkBehaviourTests
{
    [Fact]
    public void ConstantsDescribeTheNetwork()
    {
        Assert.Equal(784, MnistNet.InputSize);
        Assert.Equal(10, MnistNet.OutputSize);
        Assert.Equal(784 * 128 + 128 + 128 * 10 + 10, MnistNet.ParameterCount);
        INetwork network = new MnistNet(1);
        Assert.Equal(MnistNet.ParameterCount, network.ParameterTensors.Sum(t => t.ElementCount));
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" }, network.ParameterTensors.Select(t => t.Name));
        Assert.Equal(new[] { 128, 784 }, network.ParameterTensors[0].Shape.ToArray());
    }

    [Fact]
    public void GeneratedBufferTypesHoldOneSample()
    {
        var network = new DigitsNet(3);
        DigitsNet.InputBuffer input = default;
        DigitsNet.OutputBuffer output = default;
        Span<float> inputSpan = input;
        RandomVector(DigitsNet.InputSize, 9).CopyTo(inputSpan);
        network.Forward(input, output);

        var expected = new float[DigitsNet.OutputSize];
        network.Forward(inputSpan, expected);
        Assert.Equal(DigitsNet.InputSize, inputSpan.Length);
        Assert.True(expected.AsSpan().SequenceEqual(output));
    }

    [Fact]
    public void DefaultNamesAreTheIndicesOfTheEquivalentSequential()
    {
        INetwork network = new InferenceOnlyNet(1); // nn.Sequential(nn.Linear(3, 5), nn.Sigmoid(), nn.Linear(5, 2))
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, network.ParameterTensors.Select(t => t.Name));
        Assert.IsNotAssignableFrom<ITrainableNetwork>(network);
    }

    [Fact]
    public void NestedNetworksAreGenerated()
    {
        var network = new Outer.NestedNet(1);
        var output = new float[1];
        network.Forward([1f, 2f], output);
        Assert.Equal(3, Outer.NestedNet.ParameterCount);
    }

    [Fact]
    public void InitialisationIsSeededAndWithinPyTorchBounds()
    {
        var a = new MnistNet(42);
        var b = new MnistNet(42);
        var c = new MnistNet(43);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        Assert.False(a.Parameters.SequenceEqual(c.Parameters));

        foreach (ParameterTensor tensor in a.ParameterTensors)
        {
            int fanIn = tensor.Name.StartsWith("fc1") ? 784 : 128;
            float bound = 1f / MathF.Sqrt(fanIn);
            float[] values = tensor.Export(a.Parameters);
            Assert.All(values, v => Assert.InRange(v, -bound, bound));
            // U(-b, b) has standard deviation b/√3: the draws should fill the range, not sit near zero.
            double std = Math.Sqrt(values.Select(v => (double)v * v).Average());
            Assert.InRange(std, 0.9 * bound / Math.Sqrt(3), 1.1 * bound / Math.Sqrt(3));
        }
    }

    [Fact]
    public void WrongSpanLengthsThrowClearErrors()
    {
        // Lengths the analyzers cannot see (SNET020-022 would reject them at build time): as buffers sized at run time.
        static float[] Floats(int length) => new float[length];
        static int[] Ints(int length) => new int[length];
        var network = new DigitsNet(1);
        var output = Floats(10);
        var error = Assert.Throws<ArgumentException>(() => network.Forward(Floats(63), output));
        Assert.Contains("64", error.Message);
        Assert.Contains("found 63", error.Message);
        Assert.Equal("input", error.ParamName);

        Assert.Throws<ArgumentException>(() => network.Forward(Floats(64), Floats(9)));

        error = Assert.Throws<ArgumentException>(() => network.ForwardBatch(Floats(64 * 3 + 1), Floats(30)));
        Assert.Contains("whole samples of 64", error.Message);
        error = Assert.Throws<ArgumentException>(() => network.ForwardBatch(Floats(64 * 3), Floats(20)));
        Assert.Contains("expected 'outputs' to hold 30 floats", error.Message);

        var adam = new Adam();
        error = Assert.Throws<ArgumentException>(() => network.TrainStep(Floats(64 * 2), Floats(10), adam));
        Assert.Contains("expected 'targets' to hold 20 floats", error.Message);
        error = Assert.Throws<ArgumentException>(() => network.TrainStep(Floats(64 * 2), Ints(3), adam));
        Assert.Contains("expected 'labels' to hold 2 class ids (one class id per sample); found 3", error.Message);
        error = Assert.Throws<ArgumentException>(() => network.TrainStep(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, adam));
        Assert.Contains("at least one sample", error.Message);
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => network.TrainStep(Floats(64), new[] { 10 }, adam));
        Assert.Contains("[0, 10)", outOfRange.Message);
        Assert.Throws<ArgumentNullException>(() => network.TrainStep(Floats(64), new[] { 1 }, null!));
        Assert.Equal(0, adam.StepCount);
    }

    [Fact]
    public void DivergingStepThrowsAndLeavesWeightsUnchanged()
    {
        var network = new LossMseNet(3);
        float[] before = network.Parameters.ToArray();
        var inputs = new float[LossMseNet.InputSize];
        inputs[0] = float.NaN;
        var optimizer = new Sgd(0.1f);

        var error = Assert.Throws<TrainingDivergedException>(() => network.TrainStep(inputs, new float[LossMseNet.OutputSize], optimizer));
        Assert.True(float.IsNaN(error.Loss));
        Assert.Contains("diverged", error.Message);
        Assert.True(before.AsSpan().SequenceEqual(network.Parameters));
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void ExplodingLearningRateIsReportedNotHidden()
    {
        var network = new LossMseNet(3);
        float[] inputs = RandomVector(8 * LossMseNet.InputSize, 2).Select(v => v * 1e3f).ToArray();
        float[] targets = RandomVector(8 * LossMseNet.OutputSize, 3);
        var optimizer = new Sgd(10f);
        Assert.Throws<TrainingDivergedException>(() =>
        {
            for (int i = 0; i < 100; i++) network.TrainStep(inputs, targets, optimizer);
        });
        Assert.All(network.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ThreadsShareOneInstanceForInference()
    {
        var network = new MnistNet(7);
        float[] inputs = RandomVector(16 * MnistNet.InputSize, 5);
        var expected = new float[16 * MnistNet.OutputSize];
        network.ForwardBatch(inputs, expected);

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
        {
            var output = new float[MnistNet.OutputSize];
            for (int repeat = 0; repeat < 50; repeat++)
            {
                int row = (worker + repeat) % 16;
                network.Forward(inputs.AsSpan(row * MnistNet.InputSize, MnistNet.InputSize), output);
                Assert.True(expected.AsSpan(row * MnistNet.OutputSize, MnistNet.OutputSize).SequenceEqual(output));
            }
        });
    }

    [Fact]
    public void TrainingLowersTheLossAndSaveLoadRoundTrips()
    {
        var network = new DigitsNet(1);
        var random = new Random(4);
        float[] inputs = RandomVector(64 * DigitsNet.InputSize, 6);
        int[] labels = Enumerable.Range(0, 64).Select(_ => random.Next(10)).ToArray();
        var adam = new Adam(1e-2f);
        float first = network.TrainStep(inputs, labels, adam);
        float last = first;
        for (int i = 0; i < 100; i++) last = network.TrainStep(inputs, labels, adam);
        Assert.True(last < first * 0.2f, $"loss went from {first} to {last}");

        using var stream = new MemoryStream();
        network.SaveSafetensors(stream);
        var copy = new DigitsNet(99);
        stream.Position = 0;
        copy.LoadSafetensors(stream);
        Assert.True(network.Parameters.SequenceEqual(copy.Parameters));

        string path = Path.Combine(Path.GetTempPath(), $"staticnet-{Guid.NewGuid():N}.safetensors");
        try
        {
            network.SaveSafetensors(path);
            var fromFile = new DigitsNet(5);
            fromFile.LoadSafetensors(path);
            Assert.True(network.Parameters.SequenceEqual(fromFile.Parameters));
            SafetensorsFile file = Safetensors.Read(path);
            Assert.Equal(new[] { 64, 64 }, file.Get("fc1.weight").Shape.ToArray());
            Assert.Equal(new[] { 10, 64 }, file.Get("fc2.weight").Shape.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadingAnIncompatibleFileLeavesTheWeightsUnchanged()
    {
        var source = new LossMseNet(1);      // fc1 [8, 5], fc2 [4, 8]
        var target = new MnistNet(2);        // fc1 [128, 784]
        float[] before = target.Parameters.ToArray();
        using var stream = new MemoryStream();
        source.SaveSafetensors(stream);
        stream.Position = 0;

        var error = Assert.Throws<SafetensorsMismatchException>(() => target.LoadSafetensors(stream));
        Assert.Contains("fc1.weight", error.Message);
        Assert.Contains("[128, 784]", error.Message);
        Assert.True(before.AsSpan().SequenceEqual(target.Parameters));

        Assert.ThrowsAny<IOException>(() => target.LoadSafetensors("/nonexistent/weights.safetensors"));
        Assert.True(before.AsSpan().SequenceEqual(target.Parameters));
    }
}
