using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticNet;
using StaticNet.Data;
using StaticNet.IO;
using StaticNet.Metrics;
using StaticNet.Optimizers;
using StaticNet.Training;
using TransferLearning;

// Transfer learning on Fashion-MNIST, as the seed articles describe it: pretrain a CNN on five classes, then train a new
// head (the classifier: Dense 1568 → 128 → 5) for the other five on only 100 images per class with the pretrained
// convolutions frozen, next to the same network trained from scratch on those 500 images, and the same head on frozen
// random convolutions.
//   dotnet run -c Release --project samples/TransferLearning [-- --data DIR] [--seed N] [--per-class N]
//        --data DIR       the IDX files (default /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist)
//        --seed N         weights and shuffling (default 1)
//        --per-class N    training images per class of the new task (default 100)
//        --split halves   task A = classes 0–4 (clothes), task B = 5–9 (shoes, bag, shirt) instead of the mixed split
// Exit code 0 when the frozen convolutions are bit for bit the pretrained ones after fine-tuning and the fine-tuned
// network reaches 80 % on task B's test images; 1 otherwise; 2 for bad arguments or missing data. Which of the three
// ways wins is printed, not checked: the margins are a point or two (see README.md).

string dataDirectory = "/usr/share/datasets/fashion-mnist";
int seed = 1, perClass = 100;
bool halves = false;
for (int i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--data": dataDirectory = Value(); break;
        case "--seed": seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--per-class": perClass = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--split" when Value() == "halves": halves = true; break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'; expected --data, --seed, --per-class or --split halves.");
            return 2;
    }
}
if (perClass < 1)
{
    Console.Error.WriteLine("--per-class must be at least 1.");
    return 2;
}
string[] names = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"];
string File(string name) => Path.Combine(dataDirectory, name);
string[] files = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];
if (files.FirstOrDefault(f => !System.IO.File.Exists(File(f))) is { } missing)
{
    Console.Error.WriteLine($"Fashion-MNIST not found: {File(missing)} is missing. Install Debian's package " +
                            "(sudo apt-get install dataset-fashion-mnist) or pass --data DIR with the four IDX files.");
    return 2;
}

// 1. Data: pixels in [0, 1], standardised with the training images' mean and deviation. By default each task mixes tops,
//    other clothes and footwear: task A is T-shirt, trouser, coat, sandal, bag; task B pullover, dress, shirt, sneaker,
//    boot (labels 0–4 within each task). Task B trains on the first `perClass` training images of each of its classes.
int[] taskA = halves ? [0, 1, 2, 3, 4] : [0, 1, 4, 5, 8];
int[] taskB = halves ? [5, 6, 7, 8, 9] : [2, 3, 6, 7, 9];
IdxImages trainImages = IdxReader.ReadImages(File(files[0])), testImages = IdxReader.ReadImages(File(files[2]));
int[] trainLabels = IdxReader.ReadLabels(File(files[1])), testLabels = IdxReader.ReadLabels(File(files[3]));
(float mean, float deviation) = MeanAndDeviation(trainImages.Pixels);
Standardize(trainImages.Pixels, mean, deviation);
Standardize(testImages.Pixels, mean, deviation);

Dataset pretrainSet = Task(trainImages.Pixels, trainLabels, taskA, perClassLimit: int.MaxValue);
Dataset pretrainTest = Task(testImages.Pixels, testLabels, taskA, perClassLimit: int.MaxValue);
Dataset fewShot = Task(trainImages.Pixels, trainLabels, taskB, perClassLimit: perClass);
Dataset fewShotTest = Task(testImages.Pixels, testLabels, taskB, perClassLimit: int.MaxValue);
Console.WriteLine($"Task A (pretraining): {string.Join(", ", taskA.Select(c => names[c]))}: {pretrainSet.Count:N0} training images");
Console.WriteLine($"Task B (new):         {string.Join(", ", taskB.Select(c => names[c]))}: {fewShot.Count:N0} training images ({perClass} per class), {fewShotTest.Count:N0} test images");
Console.WriteLine();

// 2. Pretrain on task A: 2 epochs, Adam, cosine schedule.
var pretrained = new PretrainCnn(seed);
var clock = Stopwatch.StartNew();
new Trainer(pretrained, new Adam(1e-3f), new TrainerOptions { Epochs = 2, BatchSize = 32, Seed = seed, LearningRateSchedule = LearningRateSchedule.Cosine })
    .Fit(pretrainSet);
Console.WriteLine($"Pretrained on task A in {clock.Elapsed.TotalSeconds:F1} s: test accuracy {ConfusionMatrix.Compute(pretrained, pretrainTest).Accuracy:P2} on task A");
var trunkFile = new MemoryStream();
pretrained.SaveSafetensors(trunkFile);

// 3. Task B, three ways, each with the same optimizer, schedule, epochs and batches.
var options = new TrainerOptions { Epochs = 30, BatchSize = 32, Seed = seed, LearningRateSchedule = LearningRateSchedule.Cosine };
// The frozen trunk: the two convolutions (the features); the classifier, Dense 1568 → 128 and the new head, trains.
string[] trunk = TransferCnn.Layers.Where(l => l.ModuleType.StartsWith("Conv", StringComparison.Ordinal)).Select(l => l.Name).ToArray();

// a. Fine-tuning: the pretrained weights (a non-strict load: the file's head, "pretext", is not this network's), the
//    convolutions frozen; the classifier trains, and the backward pass stops at it (no gradient through the convolutions).
var fineTuned = new TransferCnn(seed + 1);
trunkFile.Position = 0;
SafetensorsLoadResult loaded = fineTuned.LoadSafetensors(trunkFile, new SafetensorsLoadOptions { Strict = false });
Console.WriteLine($"Loaded the pretrained trunk: {string.Join(", ", loaded.LoadedTensors)} (new head: {string.Join(", ", loaded.MissingTensors)})");
foreach (string layer in trunk) fineTuned.Freeze(layer);
float[] trunkBefore = fineTuned.Parameters.ToArray();
(double fineTunedAccuracy, double fineTunedSeconds) = TrainAndTest(fineTuned, fewShot, fewShotTest, options);

// b. The whole network from scratch on the 500 images.
var scratch = new TransferCnn(seed + 1);
(double scratchAccuracy, double scratchSeconds) = TrainAndTest(scratch, fewShot, fewShotTest, options);

// c. The same head on frozen random convolutions: what it learns without pretrained features.
var randomTrunk = new TransferCnn(seed + 1);
foreach (string layer in trunk) randomTrunk.Freeze(layer);
(double randomTrunkAccuracy, double randomTrunkSeconds) = TrainAndTest(randomTrunk, fewShot, fewShotTest, options);

bool trunkKept = TrunkUnchanged(fineTuned, trunk, trunkBefore);
Console.WriteLine();
Console.WriteLine("The layers of TransferCnn (TransferCnn.Layers) during fine-tuning:");
foreach (LayerInfo layer in TransferCnn.Layers)
{
    string state = layer.ParameterCount == 0 ? "" : fineTuned.IsFrozen(layer.Name) ? "frozen" : "trains";
    Console.WriteLine($"  {layer.Name,-5} {layer.ModuleType,-14} {Shape(layer.InputShape),-12} → {Shape(layer.OutputShape),-12} {layer.ParameterCount,9:N0} params {layer.MultiplyAdds,11:N0} MACs  {state}");
}
Console.WriteLine();
Console.WriteLine($"Task B test accuracy ({fewShotTest.Count:N0} images), {options.Epochs} epochs on {fewShot.Count} images, Adam(1e-3) cosine, batch {options.BatchSize}:");
Console.WriteLine($"  new head on the frozen pretrained convolutions  {fineTunedAccuracy,8:P2}   ({fineTunedSeconds:F1} s; convolutions {(trunkKept ? "bit for bit unchanged" : "CHANGED")})");
Console.WriteLine($"  whole network trained from scratch              {scratchAccuracy,8:P2}   ({scratchSeconds:F1} s)");
Console.WriteLine($"  new head on frozen random convolutions          {randomTrunkAccuracy,8:P2}   ({randomTrunkSeconds:F1} s)");
Console.WriteLine(fineTunedAccuracy > scratchAccuracy
    ? $"Fine-tuning beats training from scratch by {(fineTunedAccuracy - scratchAccuracy) * 100:F1} points, in {fineTunedSeconds / scratchSeconds:P0} of the time."
    : $"Training from scratch beats fine-tuning by {(scratchAccuracy - fineTunedAccuracy) * 100:F1} points here.");
return trunkKept && fineTunedAccuracy >= 0.80 ? 0 : 1;

// The images of the five classes, relabelled 0–4 in that order, at most perClassLimit of each class in file order.
static Dataset Task(float[] pixels, int[] labels, int[] classes, int perClassLimit)
{
    var counts = new int[5];
    var indices = new List<int>();
    var taskLabels = new List<int>();
    for (int i = 0; i < labels.Length; i++)
    {
        int label = Array.IndexOf(classes, labels[i]);
        if (label < 0 || counts[label] == perClassLimit) continue;
        counts[label]++;
        indices.Add(i);
        taskLabels.Add(label);
    }
    var features = new float[indices.Count * 784];
    for (int k = 0; k < indices.Count; k++)
        pixels.AsSpan(indices[k] * 784, 784).CopyTo(features.AsSpan(k * 784));
    return Dataset.FromLabels(features, 784, taskLabels.ToArray(), 5);
}

static (double Accuracy, double Seconds) TrainAndTest(ITrainableNetwork network, Dataset train, Dataset test, TrainerOptions options)
{
    var clock = Stopwatch.StartNew();
    new Trainer(network, new Adam(1e-3f), options).Fit(train);
    double seconds = clock.Elapsed.TotalSeconds;
    return (ConfusionMatrix.Compute(network, test).Accuracy, seconds);
}

// Every tensor of the frozen layers as before fine-tuning, bit for bit.
static bool TrunkUnchanged(TransferCnn network, string[] frozen, float[] before)
{
    foreach (ParameterTensor tensor in network.ParameterTensors)
    {
        if (!frozen.Any(layer => tensor.Name.StartsWith(layer + ".", StringComparison.Ordinal))) continue;
        if (!network.Parameters.Slice(tensor.Offset, (int)tensor.Extent).SequenceEqual(before.AsSpan(tensor.Offset, (int)tensor.Extent)))
            return false;
    }
    return true;
}

static string Shape(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";

static (float Mean, float Deviation) MeanAndDeviation(float[] values)
{
    double sum = 0, squares = 0;
    foreach (float v in values) { sum += v; squares += (double)v * v; }
    double mean = sum / values.Length;
    return ((float)mean, (float)Math.Sqrt(squares / values.Length - mean * mean));
}

static void Standardize(float[] values, float mean, float deviation)
{
    for (int i = 0; i < values.Length; i++) values[i] = (values[i] - mean) / deviation;
}
