using System;
using StaticNet.Metrics;
using StaticNet.Optimizers;
using StaticNet.Training;

namespace Sequences;

/// <summary>
/// Part 2: a GRU reads 64 samples of a waveform and names its shape (sine, square, sawtooth or noise), whatever its
/// frequency, phase and level, trained with <see cref="Trainer"/> and tested on sequences it never saw.
/// </summary>
internal static class WaveformClassifier
{
    private static readonly string[] Classes = ["sine", "square", "sawtooth", "noise"];
    private const int L = WaveformNet.Length;

    public static bool Run(int seed, int epochs)
    {
        Console.WriteLine("2. A sequence classifier: which waveform is this?");
        Console.WriteLine($"   {L} samples of a sine, square, sawtooth or uniform noise; period 6–40 samples, random phase, amplitude 0.2–1, plus noise of σ 0.05");
        var random = new Random(seed + 2_000);
        Dataset train = Generate(4_000, random), validation = Generate(500, random), test = Generate(2_000, random);
        var network = new WaveformNet(seed);
        Console.WriteLine($"   {nameof(WaveformNet)}: [{L} steps, 1] → GRU(32), last state → Dense(4) (softmax), {WaveformNet.ParameterCount:N0} parameters; " +
                          $"{train.Count:N0} training, {validation.Count:N0} validation, {test.Count:N0} test sequences");

        var options = new TrainerOptions { Epochs = epochs, BatchSize = 32, Seed = seed, LearningRateSchedule = LearningRateSchedule.Cosine };
        TrainingResult result = new Trainer(network, new Adam(3e-3f) { MaxGradientNorm = 1f }, options).Fit(train, validation, new ConsoleProgress { Indent = "   " });
        double seconds = 0;
        foreach (EpochRecord epoch in result.History) seconds += epoch.Seconds;
        Console.WriteLine($"   trained {result.EpochsRun} epochs in {seconds:F1} s (Adam 3e-3 along a cosine, batch 32); best epoch {result.BestEpoch} restored");

        ConfusionMatrix confusion = ConfusionMatrix.Compute(network, test);
        Console.WriteLine($"   test accuracy {confusion.Accuracy:P2}; confusion matrix (rows: actual, columns: predicted):");
        foreach (string line in confusion.ToString(Classes).Split('\n'))
            if (line.Length > 0) Console.WriteLine("     " + line.TrimEnd('\r'));

        bool passed = confusion.Accuracy >= 0.9;
        Console.WriteLine(passed
            ? $"   passed: test accuracy {confusion.Accuracy:P2} ≥ 90 %"
            : $"   FAILED: test accuracy {confusion.Accuracy:P2} < 90 %");
        Console.WriteLine();
        return passed;
    }

    /// <summary><paramref name="count"/> labelled sequences, the classes in turn.</summary>
    private static Dataset Generate(int count, Random random)
    {
        var features = new float[count * L];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % Classes.Length;
            labels[i] = label;
            Span<float> x = features.AsSpan(i * L, L);
            double period = 6 + 34 * random.NextDouble(), phase = random.NextDouble(), amplitude = 0.2 + 0.8 * random.NextDouble();
            for (int n = 0; n < L; n++)
            {
                double cycle = (phase + n / period) % 1.0; // position in the period, 0 to 1
                double v = label switch
                {
                    0 => Math.Sin(2 * Math.PI * cycle),
                    1 => cycle < 0.5 ? 1 : -1,
                    2 => 2 * cycle - 1,
                    _ => 2 * random.NextDouble() - 1,
                };
                x[n] = (float)(amplitude * v + 0.05 * Gaussian(random));
            }
        }
        return Dataset.FromLabels(features, L, labels, Classes.Length);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
