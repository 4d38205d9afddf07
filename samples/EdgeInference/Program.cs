using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using EdgeInference;
using StaticNet.Data;
using StaticNet.Metrics;
using StaticNet.Optimizers;
using StaticNet.Training;

// Edge inference with a NativeAOT binary: load weights from a safetensors file, classify, report start-up and latency.
//   dotnet publish samples/EdgeInference -c Release -r linux-x64 -o out/edge && out/edge/EdgeInference
//   EdgeInference [WEIGHTS.safetensors]      default: digits.safetensors beside the executable
//   EdgeInference --startup-only [WEIGHTS]   exits after the first inference
//   EdgeInference --train OUT.safetensors    trains the weights it ships (UCI digits, embedded) and saves them

long mainTimestamp = Stopwatch.GetTimestamp();
string? weightsPath = null;
bool startupOnly = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--train" when i + 1 < args.Length: return Train(args[++i]);
        case "--startup-only": startupOnly = true; break; // stop after the first inference (to time whole runs from outside)
        case "-h" or "--help":
            Console.WriteLine("usage: EdgeInference [--startup-only] [WEIGHTS.safetensors] | --train OUT.safetensors");
            return 0;
        default:
            if (args[i].StartsWith('-') || weightsPath is not null)
            {
                Console.Error.WriteLine($"Unexpected argument '{args[i]}'. usage: EdgeInference [--startup-only] [WEIGHTS.safetensors] | --train OUT.safetensors");
                return 2;
            }
            weightsPath = args[i];
            break;
    }
}
weightsPath ??= Path.Combine(AppContext.BaseDirectory, "digits.safetensors");

// 1. Start-up: load the weights and classify one digit (the first of the UCI set, a 0).
var network = new DigitsNet();
network.LoadSafetensors(weightsPath);
var logits = new float[DigitsNet.OutputSize];
float[] first = new float[DigitsNet.InputSize];
for (int p = 0; p < first.Length; p++) first[p] = FirstDigit[p] / 16f;
network.Forward(first, logits);
int firstClass = ArgMax(logits);
long firstInferenceTimestamp = Stopwatch.GetTimestamp();
DateTime firstInferenceTime = DateTime.Now;

double sinceMain = Stopwatch.GetElapsedTime(mainTimestamp, firstInferenceTimestamp).TotalMilliseconds;
double sinceProcessStart = (firstInferenceTime - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
Console.WriteLine($"Weights: {weightsPath} ({new FileInfo(weightsPath).Length:N0} bytes), {DigitsNet.ParameterCount:N0} parameters");
Console.WriteLine($"First inference: class {firstClass} (expected 0)");
Console.WriteLine($"Start-up to first inference: {sinceProcessStart:F0} ms from process start (kernel start time, 10 ms resolution), " +
                  $"{sinceMain:F2} ms from Main");
if (startupOnly) return firstClass == 0 ? 0 : 1;

// 2. Accuracy on every embedded digit (a sanity check of the loaded weights; most of them trained it).
using Stream stream = typeof(DigitsNet).Assembly.GetManifestResourceStream("digits.csv.gz")!;
Dataset digits = CsvLoader.Load(stream, DigitsOptions());
ConfusionMatrix confusion = ConfusionMatrix.Compute(network, digits);
Console.WriteLine($"Accuracy on the {digits.Count:N0} embedded digits: {confusion.Accuracy:P2}");

// 3. Latency: single-sample Forward, as a sensor loop would call it; median of 7 rounds of 20,000 calls.
const int Calls = 20_000, Rounds = 7;
double[] rounds = new double[Rounds];
int sample = 0;
for (int round = -1; round < Rounds; round++) // round −1 warms up
{
    long start = Stopwatch.GetTimestamp();
    for (int c = 0; c < Calls; c++)
    {
        network.Forward(digits.GetFeatures(sample), logits);
        if (++sample == digits.Count) sample = 0;
    }
    if (round >= 0) rounds[round] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / Calls;
}
Array.Sort(rounds);
Console.WriteLine($"Latency: {rounds[Rounds / 2]:F0} ns per inference (Forward, batch 1, one thread, median of {Rounds} rounds of {Calls:N0}; " +
                  $"fastest round {rounds[0]:F0} ns)");

bool ok = firstClass == 0 && confusion.Accuracy >= 0.95;
Console.WriteLine(ok ? "OK" : "FAILED: the first digit or the accuracy is wrong");
return ok ? 0 : 1;

static CsvOptions DigitsOptions() => new() { FeatureScale = 1f / 16f, ClassCount = 10 };

static int ArgMax(ReadOnlySpan<float> values)
{
    int best = 0;
    for (int j = 1; j < values.Length; j++) if (values[j] > values[best]) best = j;
    return best;
}

// Trains the shipped weights: the quick start's recipe (70 % train, 10 % validation, Adam 1e-3, batch 32, early stopping).
static int Train(string path)
{
    using Stream stream = typeof(DigitsNet).Assembly.GetManifestResourceStream("digits.csv.gz")!;
    Dataset all = CsvLoader.Load(stream, DigitsOptions());
    var (train, validation, test) = DataSplit.Stratified(all, trainFraction: 0.7, validationFraction: 0.1, seed: 1);
    var network = new DigitsNet(seed: 1);
    var trainer = new Trainer(network, new Adam(1e-3f), new TrainerOptions { Epochs = 100, BatchSize = 32, Seed = 1, EarlyStoppingPatience = 10 });
    TrainingResult result = trainer.Fit(train, validation);
    double accuracy = ConfusionMatrix.Compute(network, test).Accuracy;
    network.SaveSafetensors(path);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Trained {result.EpochsRun} epochs; test accuracy {accuracy:P2}; saved {new FileInfo(path).Length:N0} bytes to {path}"));
    return 0;
}

partial class Program
{
    /// <summary>The first digit of the UCI set (a 0), pixel values 0–16, row by row.</summary>
    private static ReadOnlySpan<byte> FirstDigit =>
    [
        0, 0, 5, 13, 9, 1, 0, 0,
        0, 0, 13, 15, 10, 15, 5, 0,
        0, 3, 15, 2, 0, 11, 8, 0,
        0, 4, 12, 0, 0, 8, 8, 0,
        0, 5, 8, 0, 0, 9, 8, 0,
        0, 4, 11, 0, 1, 12, 7, 0,
        0, 2, 14, 5, 10, 12, 0, 0,
        0, 0, 6, 13, 10, 0, 0, 0,
    ];
}
