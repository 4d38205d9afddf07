using System;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using ResNet;
using SeedRecipes;
using StaticNet;
using StaticNet.Metrics;
using StaticNet.Optimizers;
using StaticNet.Training;

// A residual CNN (README.md) on Fashion-MNIST: trained with the Trainer (SGD with Nesterov momentum along a one-cycle
// schedule, random shifts and flips), tested after every epoch, timed, saved with PyTorch's names and reloaded.
//   dotnet run -c Release --project samples/ResNet [-- --epochs N] [--limit N] [--seed N] [--require-accuracy P] [--data DIR] [--save FILE]
// Exit code 0 when it ran (and reached --require-accuracy, if given) and the reloaded weights answer identically;
// 1 otherwise; 2 for bad arguments or missing data.

var epochsOption = new Option<int>("--epochs") { Description = "Passes over the training images.", DefaultValueFactory = _ => 6 };
epochsOption.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"--epochs must be at least 1; found {r.GetValueOrDefault<int>()}."); });
var limitOption = new Option<int>("--limit") { Description = "Train on the first N training images only (0: all 60,000).", DefaultValueFactory = _ => 0 };
limitOption.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 0 or (> 0 and < 128)) r.AddError($"--limit must be 0 (all) or at least 128 (one batch); found {r.GetValueOrDefault<int>()}."); });
var seedOption = new Option<int>("--seed") { Description = "The weights', the shuffle's and the augmentation's seed.", DefaultValueFactory = _ => 1 };
var requireOption = new Option<double?>("--require-accuracy")
{
    Description = "Exit with code 1 unless the final test accuracy is at least this fraction (for CI), e.g. 0.80.",
};
requireOption.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is double v && !(v >= 0 && v <= 1)) r.AddError($"--require-accuracy must be a fraction in [0, 1]; found {v}."); });
var dataOption = new Option<string>("--data")
{
    Description = "The directory of Fashion-MNIST's IDX files (Debian's dataset-fashion-mnist).",
    DefaultValueFactory = _ => FashionMnist.DefaultDirectory,
};
var saveOption = new Option<string?>("--save") { Description = "Also keep the trained weights in this safetensors file (PyTorch's names)." };
var command = new RootCommand("Trains a ResNet-style CNN on Fashion-MNIST and reports the test accuracy per epoch and the training time.")
{
    epochsOption, limitOption, seedOption, requireOption, dataOption, saveOption,
};
command.SetAction(p => Run(p.GetValue(epochsOption), p.GetValue(limitOption), p.GetValue(seedOption), p.GetValue(requireOption), p.GetValue(dataOption)!,
    p.GetValue(saveOption)));
return command.Parse(args).Invoke();

static int Run(int epochs, int limit, int seed, double? requiredAccuracy, string dataDirectory, string? savePath)
{
    if (!FashionMnist.IsPresent(dataDirectory))
    {
        Console.Error.WriteLine($"Fashion-MNIST not found in {dataDirectory}. Install Debian's package " +
                                "(sudo apt-get install dataset-fashion-mnist) or pass --data DIR with the four IDX files " +
                                "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz).");
        return 2;
    }
    // Pixels in [0, 1] (transforms.ToTensor()): a shift's uncovered border is 0, the background, as RandomCrop's padding.
    FashionMnist data = FashionMnist.Load(dataDirectory);
    Dataset train = data.Train, test = data.Test;
    if (limit > 0 && limit < train.Count)
    {
        var first = new int[limit];
        for (int i = 0; i < limit; i++) first[i] = i;
        train = train.Subset(first);
    }

    // The recipe, the same in benchmarks/pytorch/resnet_fashion.py: SGD(lr 0.1 peak, momentum 0.9, Nesterov, weight
    // decay 5e-4) along OneCycleLR (cosine, 30 % warm-up, PyTorch's factors) per step, batch 128, RandomCrop(28,
    // padding=2) and RandomHorizontalFlip. The test images are watched after each epoch, never used to choose.
    const int BatchSize = 128;
    const float PeakLearningRate = 0.1f, WeightDecay = 5e-4f;
    var network = new FashionResNet(seed);
    var options = new TrainerOptions
    {
        Epochs = epochs, BatchSize = BatchSize, Seed = seed, RestoreBestWeights = false,
        Scheduler = new OneCycleLearningRate(PeakLearningRate),
        Augmentation = new Augmentation { Image = new ImageShape(1, 28, 28), MaxShift = 2, HorizontalFlip = true },
    };
    Console.WriteLine($"Fashion-MNIST: {train.Count:N0} training, {test.Count:N0} test images");
    Console.WriteLine($"FashionResNet: stem 16 → layer1 (16) → layer2 (32, stride 2, projected shortcut) → global average → 10; " +
                      $"{FashionResNet.ParameterCount:N0} parameters; SGD(Nesterov 0.9, wd {WeightDecay}) one-cycle to {PeakLearningRate}, " +
                      $"batch {BatchSize}, shift ±2 + flip, {epochs} epoch{(epochs == 1 ? "" : "s")}, seed {seed}, " +
                      $"{network.MaxDegreeOfParallelism} thread{(network.MaxDegreeOfParallelism == 1 ? "" : "s")}");
    Console.WriteLine(network.Summary());
    Console.WriteLine();

    var optimizer = new Sgd(PeakLearningRate, momentum: 0.9f, nesterov: true, weightDecay: WeightDecay);
    TrainingResult result = new Trainer(network, optimizer, options).Fit(train, validation: test, new ConsoleProgress { ValidationLabel = "test" });
    double trainingSeconds = 0;
    Console.WriteLine("epoch  test accuracy  training s");
    foreach (EpochRecord epoch in result.History)
    {
        trainingSeconds += epoch.TrainingSeconds;
        Console.WriteLine($"{epoch.Epoch,5}  {epoch.ValidationAccuracy,13:P2}  {epoch.TrainingSeconds,10:F1}");
    }
    ConfusionMatrix confusion = ConfusionMatrix.Compute(network, test);
    Console.WriteLine($"Trained {result.EpochsRun} epochs in {trainingSeconds:F1} s ({trainingSeconds / result.EpochsRun:F1} s per epoch, evaluation excluded)");
    Console.WriteLine($"Test accuracy {confusion.Accuracy:P2} (macro F1 {confusion.MacroF1:P2})");

    // Save with PyTorch's names (conv1.weight, layer2.0.downsample.0.weight, bn1.running_mean, …), reload, compare.
    string path = savePath ?? Path.Combine(Path.GetTempPath(), $"fashion-resnet-{Environment.ProcessId}.safetensors");
    network.SaveSafetensors(path);
    var reloaded = new FashionResNet(seed + 1);
    reloaded.LoadSafetensors(path);
    var outputA = new float[test.Count * FashionResNet.OutputSize];
    var outputB = new float[outputA.Length];
    network.ForwardBatch(test.Features, outputA);
    reloaded.ForwardBatch(test.Features, outputB);
    bool identical = outputA.AsSpan().SequenceEqual(outputB);
    Console.WriteLine($"Saved {path}; reloaded: test outputs {(identical ? "identical" : "DIFFERENT")}");
    Console.WriteLine("  in PyTorch: FashionResNet().load_state_dict(safetensors.torch.load_file(path)) (benchmarks/pytorch/resnet_fashion.py)");
    if (savePath is null) File.Delete(path);

    if (requiredAccuracy is double required && !(confusion.Accuracy >= required))
    {
        Console.Error.WriteLine($"Test accuracy {confusion.Accuracy:P2} is below the required {required:P2}.");
        return 1;
    }
    return identical ? 0 : 1;
}
