using System;
using System.Linq;
using StaticNet.Optimizers;
using StaticNet.Training;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Training;

public sealed class AugmentationTests
{
    private static readonly ImageShape Shape = new(2, 4, 5);   // 40 floats: non-square, two channels

    private static float At(float[] sample, int c, int y, int x) => sample[c * 20 + y * 5 + x];

    /// <summary>The (dx, dy, flip) that turns <paramref name="input"/> into <paramref name="output"/>, or null.</summary>
    private static (int, int, bool)? FindMove(float[] input, float[] output, int maxShift, float fill)
    {
        foreach (bool flip in new[] { false, true })
            for (int dy = -maxShift; dy <= maxShift; dy++)
                for (int dx = -maxShift; dx <= maxShift; dx++)
                {
                    bool all = true;
                    for (int c = 0; c < 2 && all; c++)
                        for (int y = 0; y < 4 && all; y++)
                            for (int x = 0; x < 5 && all; x++)
                            {
                                int sy = y - dy, sx = (flip ? 4 - x : x) - dx;
                                float expected = sy is >= 0 and < 4 && sx is >= 0 and < 5 ? At(input, c, sy, sx) : fill;
                                all = At(output, c, y, x) == expected;
                            }
                    if (all) return (dx, dy, flip);
                }
        return null;
    }

    [Fact]
    public void ShiftsAndFlips_MoveWholePixelsWithinTheRange_AndAllOccur()
    {
        var settings = new Augmentation { Image = Shape, MaxShift = 1, HorizontalFlip = true, FillValue = -7f };
        var augmenter = new Augmenter(settings, 40, Augmenter.InitialState(seed: 1));
        var seen = new System.Collections.Generic.HashSet<(int, int, bool)>();
        for (int i = 0; i < 400; i++)
        {
            float[] input = RandomVector(40, i);
            float[] output = (float[])input.Clone();
            augmenter.Apply(output, 1);
            (int, int, bool)? move = FindMove(input, output, 1, -7f);
            Assert.True(move is not null, $"Sample {i} is not a shift by at most 1 pixel and an optional flip of its input.");
            seen.Add(move!.Value);
        }
        Assert.Equal(18, seen.Count);   // every dx, dy in {-1, 0, 1}, flipped or not
    }

    [Fact]
    public void Noise_HasTheGivenStandardDeviation()
    {
        var augmenter = new Augmenter(new Augmentation { NoiseStandardDeviation = 0.5f }, 1000, Augmenter.InitialState(seed: 3));
        var batch = new float[100 * 1000];
        augmenter.Apply(batch, 100);
        double mean = batch.Average(v => (double)v);
        double deviation = Math.Sqrt(batch.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.01, 0.01);          // 5 standard errors (0.5 / √100000 = 0.0016)
        Assert.InRange(deviation, 0.49, 0.51);
        Assert.InRange(batch.Count(v => Math.Abs(v) > 1f) / (double)batch.Length, 0.040, 0.051);   // P(|z| > 2) = 0.0455
    }

    [Fact]
    public void TheSameSeedGivesTheSameChanges_AnotherSeedOthers()
    {
        var settings = new Augmentation { Image = Shape, MaxShift = 2, HorizontalFlip = true, NoiseStandardDeviation = 0.1f };
        float[] Run(int seed)
        {
            var augmenter = new Augmenter(settings, 40, Augmenter.InitialState(seed));
            float[] batch = RandomVector(8 * 40, 11);
            for (int i = 0; i < 3; i++) augmenter.Apply(batch, 8);
            return batch;
        }
        Assert.Equal(Run(5), Run(5));
        Assert.NotEqual(Run(5), Run(6));
    }

    [Fact]
    public void ApplyingABatch_AllocatesNothing()
    {
        var settings = new Augmentation { Image = Shape, MaxShift = 2, HorizontalFlip = true, NoiseStandardDeviation = 0.1f };
        var augmenter = new Augmenter(settings, 40, Augmenter.InitialState(1));
        float[] batch = RandomVector(32 * 40, 1);
        Assert.Equal(0, Allocations.Fewest(() => augmenter.Apply(batch, 32), calls: 100));
    }

    [Fact]
    public void FitWithAugmentation_IsDeterministicForASeed()
    {
        Dataset train = Dataset.FromLabels(RandomVector(60 * 6, 2), 6, Enumerable.Range(0, 60).Select(i => i % 4).ToArray(), 4);
        float[] Run(int seed, Augmentation? augmentation)
        {
            var net = new AllOrNothingNet(seed: 1);
            new Trainer(net, new Adam(1e-2f), new TrainerOptions { Epochs = 3, BatchSize = 8, Seed = seed, Augmentation = augmentation }).Fit(train);
            return net.Parameters.ToArray();
        }
        var noise = new Augmentation { NoiseStandardDeviation = 0.2f };
        Assert.Equal(Run(1, noise), Run(1, noise));
        Assert.NotEqual(Run(1, noise), Run(2, noise));
        Assert.NotEqual(Run(1, noise), Run(1, null));
    }

    [Fact]
    public void BadSettingsAreReported()
    {
        var net = new AllOrNothingNet(seed: 1);
        Dataset train = Dataset.FromLabels(new float[12], 6, [0, 1], 4);
        string Fails(Augmentation augmentation) =>
            Assert.Throws<ArgumentException>(() => new Trainer(net, new Adam(), new TrainerOptions { Augmentation = augmentation }).Fit(train)).Message;
        Assert.StartsWith("Shifts and flips need the image shape", Fails(new Augmentation { HorizontalFlip = true }));
        Assert.StartsWith("Expected an image shape of positive sizes with C·H·W = the network's input size 6; found [1, 2, 2].",
            Fails(new Augmentation { MaxShift = 1, Image = new ImageShape(1, 2, 2) }));
        Assert.StartsWith("Expected NoiseStandardDeviation to be a finite number ≥ 0; found -1.", Fails(new Augmentation { NoiseStandardDeviation = -1f }));
        Assert.StartsWith("Expected MaxShift ≥ 0; found -1.", Fails(new Augmentation { MaxShift = -1 }));
    }

    [Fact]
    public void Fit_AllocatesNothingPerBatch_WithAScheduleWarmUpAndAugmentation()
    {
        float[] features = RandomVector(160 * 50, 3);
        var train = new Dataset(features, 50, RandomVector(160 * 3, 4), 3);
        var net = new AllOrNothingConvNet(seed: 1);
        var adam = new Adam(1e-3f);
        long Allocated(int epochs)
        {
            var options = new TrainerOptions
            {
                Epochs = epochs, BatchSize = 4, Scheduler = new OneCycleLearningRate(), WarmupSteps = 10,
                Augmentation = new Augmentation { Image = new ImageShape(2, 5, 5), MaxShift = 1, HorizontalFlip = true, NoiseStandardDeviation = 0.01f },
            };
            var trainer = new Trainer(net, adam, options);
            long fewest = long.MaxValue;
            for (int i = 0; i < 3; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                trainer.Fit(train);
                fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            return fewest;
        }
        Allocated(2);   // warm up (the optimizer's state, the network's scratch, the JIT)
        long few = Allocated(2), many = Allocated(12);
        // 10 more epochs of 40 batches: a few hundred bytes of per-epoch records, and nothing per batch (400 batches).
        Assert.True(many - few < 2000, $"2 epochs allocated {few} bytes, 12 epochs {many}: {(many - few) / 400.0:F1} bytes per extra batch.");
    }
}
