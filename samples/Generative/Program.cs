using System;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using Generative;
using StaticNet;
using StaticNet.Data;
using StaticNet.IO;
using StaticNet.Optimizers;

// A variational autoencoder (the seed articles' VAE, PyTorch's examples/vae recipe) trained on Fashion-MNIST; writes
// reconstructions next to their originals and a grid of images decoded from N(0, I) as PNG files.
//   dotnet run -c Release --project samples/Generative [-- --epochs N] [--output DIR] [--data DIR] [--limit N] [--seed N]

var epochsOption = new Option<int>("--epochs") { Description = "Passes over the training images.", DefaultValueFactory = _ => 5 };
epochsOption.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"--epochs must be at least 1; found {r.GetValueOrDefault<int>()}."); });
var outputOption = new Option<string>("--output")
{
    Description = "Where to write reconstructions.png and samples.png.",
    DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "staticnet-vae"),
};
var dataOption = new Option<string>("--data")
{
    Description = "The directory of Fashion-MNIST's IDX files (Debian's dataset-fashion-mnist).",
    DefaultValueFactory = _ => "/usr/share/datasets/fashion-mnist",
};
var limitOption = new Option<int>("--limit") { Description = "Train on the first N training images only (0: all 60,000).", DefaultValueFactory = _ => 0 };
limitOption.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError($"--limit must be 0 (all) or positive; found {r.GetValueOrDefault<int>()}."); });
var seedOption = new Option<int>("--seed") { Description = "The weights', the shuffle's and the sampling's seed.", DefaultValueFactory = _ => 1 };
var requireOption = new Option<double?>("--require-elbo")
{
    Description = "Exit with code 1 unless the last epoch's test ELBO (z = mean) is at least this (for CI), e.g. -320.",
};
var command = new RootCommand("Trains a VAE on Fashion-MNIST and writes PNG images: reconstructions and samples from N(0, I).")
{
    epochsOption, outputOption, dataOption, limitOption, seedOption, requireOption,
};
command.SetAction(p => Run(p.GetValue(epochsOption), p.GetValue(outputOption)!, p.GetValue(dataOption)!, p.GetValue(limitOption),
    p.GetValue(seedOption), p.GetValue(requireOption)));
return command.Parse(args).Invoke();

static int Run(int epochs, string output, string data, int limit, int seed, double? requiredElbo)
{
    const int Pixels = 784, Latent = 20, BatchSize = 128;
    string train = Path.Combine(data, "train-images-idx3-ubyte.gz"), test = Path.Combine(data, "t10k-images-idx3-ubyte.gz");
    foreach (string file in new[] { train, test })
    {
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"Fashion-MNIST not found: {file} is missing. Install Debian's package " +
                                    "(sudo apt-get install dataset-fashion-mnist) or pass --data DIR with the IDX files " +
                                    "(train-images-idx3-ubyte.gz, t10k-images-idx3-ubyte.gz).");
            return 2;
        }
    }
    // Pixels in [0, 1]: they are the inputs and, as Bernoulli means, the reconstruction's targets.
    IdxImages trainImages = IdxReader.ReadImages(train), testImages = IdxReader.ReadImages(test);
    int count = limit == 0 ? trainImages.Count : Math.Min(limit, trainImages.Count);
    Console.WriteLine($"Fashion-MNIST: {count:N0} training, {testImages.Count:N0} test images. " +
                      $"VAE 784 → 400 → [20 | 20] → 20 → 400 → 784, {Vae.ParameterCount:N0} parameters; Adam 1e-3, batch {BatchSize}, seed {seed}");
    Console.WriteLine("ELBO in nats per image (higher is better): the training ELBO averaged over the epoch's batches (z sampled),");
    Console.WriteLine("the test ELBO at z = mean (ComputeLoss), as benchmarks/pytorch/vae.py computes both.");

    var vae = new Vae(seed);
    var adam = new Adam(1e-3f);
    var order = new int[count];
    for (int i = 0; i < count; i++) order[i] = i;
    var random = new Random(seed);
    var batch = new float[BatchSize * Pixels];
    double trainingSeconds = 0, lastTestElbo = double.NaN;
    for (int epoch = 1; epoch <= epochs; epoch++)
    {
        random.Shuffle(order);
        double lossSum = 0;
        int seen = 0;
        var epochClock = Stopwatch.StartNew();
        for (int start = 0; start < count; start += BatchSize)
        {
            int rows = Math.Min(BatchSize, count - start);
            for (int r = 0; r < rows; r++)
                trainImages.Pixels.AsSpan(order[start + r] * Pixels, Pixels).CopyTo(batch.AsSpan(r * Pixels));
            ReadOnlySpan<float> x = batch.AsSpan(0, rows * Pixels);
            float loss = vae.TrainStep(x, x, adam); // BCE(logits, x) + KL, over 784 × rows: −ELBO / 784 per image
            lossSum += (double)loss * rows;
            seen += rows;
        }
        double trainElbo = -lossSum / seen * Pixels, seconds = epochClock.Elapsed.TotalSeconds; // training only
        double testElbo = -vae.ComputeLoss(testImages.Pixels, testImages.Pixels) * Pixels;
        trainingSeconds += seconds;
        lastTestElbo = testElbo;
        Console.WriteLine($"epoch {epoch,2}: train ELBO {trainElbo,8:F2}, test ELBO (z = mean) {testElbo,8:F2}  ({seconds:F1} s)");
    }
    Console.WriteLine($"Training: {trainingSeconds:F1} s for {epochs} epoch(s), {Environment.ProcessorCount} threads");

    Directory.CreateDirectory(output);
    // Reconstructions: 16 test images (top rows) and their reconstructions, σ(logits) at z = mean (bottom rows).
    const int Shown = 16, Columns = 8;
    var originals = testImages.Pixels.AsSpan(0, Shown * Pixels).ToArray();
    var logits = new float[Shown * Pixels];
    vae.ForwardBatch(originals, logits);
    var reconstructions = Sigmoid(logits);
    var rows4 = new float[4 * Columns * Pixels];
    for (int block = 0; block < 2; block++)
    {
        originals.AsSpan(block * Columns * Pixels, Columns * Pixels).CopyTo(rows4.AsSpan(2 * block * Columns * Pixels));
        reconstructions.AsSpan(block * Columns * Pixels, Columns * Pixels).CopyTo(rows4.AsSpan((2 * block + 1) * Columns * Pixels));
    }
    string reconstructionsPath = Path.Combine(output, "reconstructions.png");
    WriteGrid(reconstructionsPath, rows4, 4, Columns);

    // Samples: the decoder alone (it loads the VAE's fc3 and fc4) on z ~ N(0, I).
    var decoder = new VaeDecoder();
    using (var weights = new MemoryStream())
    {
        vae.SaveSafetensors(weights);
        weights.Position = 0;
        decoder.LoadSafetensors(weights, new SafetensorsLoadOptions { Strict = false });
    }
    const int Grid = 8;
    var z = new float[Grid * Grid * Latent];
    for (int i = 0; i < z.Length; i++) z[i] = Normal(random);
    var sampleLogits = new float[Grid * Grid * Pixels];
    decoder.ForwardBatch(z, sampleLogits);
    string samplesPath = Path.Combine(output, "samples.png");
    WriteGrid(samplesPath, Sigmoid(sampleLogits), Grid, Grid);
    if (requiredElbo is { } required && !(lastTestElbo >= required))
    {
        Console.Error.WriteLine($"The test ELBO {lastTestElbo:F2} is below the required {required:F2}.");
        return 1;
    }
    Console.WriteLine($"Wrote {reconstructionsPath} (rows 1 and 3: test images; rows 2 and 4: their reconstructions) and {samplesPath} (64 samples from N(0, I))");
    return 0;
}

static float[] Sigmoid(float[] logits)
{
    var p = new float[logits.Length];
    for (int i = 0; i < p.Length; i++) p[i] = 1f / (1f + MathF.Exp(-logits[i]));
    return p;
}

static float Normal(Random random) =>
    (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

// Images of 28 × 28 values in [0, 1], rows × columns of them, scaled ×2 with a 2-pixel grey border, as a greyscale PNG.
static void WriteGrid(string path, float[] images, int rows, int columns)
{
    const int Side = 28, Scale = 2, Gap = 2, Cell = Side * Scale + Gap;
    int width = columns * Cell + Gap, height = rows * Cell + Gap;
    var pixels = new byte[width * height];
    Array.Fill(pixels, (byte)96);
    for (int image = 0; image < rows * columns; image++)
    {
        int left = Gap + image % columns * Cell, top = Gap + image / columns * Cell;
        for (int y = 0; y < Side * Scale; y++)
            for (int x = 0; x < Side * Scale; x++)
            {
                float v = images[image * Side * Side + y / Scale * Side + x / Scale];
                pixels[(top + y) * width + left + x] = (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
            }
    }
    Png.WriteGreyscale(path, pixels, width, height);
}
