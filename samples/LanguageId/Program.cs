using System;
using System.Diagnostics;
using System.Globalization;
using LanguageId;
using StaticNet;
using StaticNet.Metrics;
using StaticNet.Optimizers;
using StaticNet.Training;

// Character-level language identification of single words from Debian's word lists: a small transformer next to a
// GRU of similar size, trained with the Trainer, compared on test accuracy, parameters and latency per word.
//   dotnet run -c Release --project samples/LanguageId
//   dotnet run -c Release --project samples/LanguageId -- --seed 7 [--epochs N] [--words N] [--dict DIR] [--require-data]
// Exits with 0 and a message when the word lists are missing (2 with --require-data); 1 if a model's test accuracy
// is below the bar.

int seed = 1, epochs = 6, perLanguage = 3_000;
bool requireData = false;
for (int i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--seed": seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--epochs": epochs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--words": perLanguage = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--require-data": requireData = true; break;
        case "--dict": Words.Folder = Value(); break;
        case "-h" or "--help":
            Console.WriteLine("usage: LanguageId [--seed N] [--epochs N] [--words N] [--dict DIR] [--require-data]");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'; expected --seed, --epochs, --words, --dict or --require-data.");
            return 2;
    }
}

string[] missing = Words.Missing();
if (missing.Length > 0)
{
    Console.WriteLine($"The word lists {string.Join(", ", missing)} are not installed; install them with");
    Console.WriteLine($"  {Words.InstallCommand}");
    Console.WriteLine(requireData ? "and run again (--require-data: failing)." : "and run again. Skipping the sample.");
    return requireData ? 2 : 0;
}

var clock = Stopwatch.StartNew();
const double Bar = 0.60; // chance is 1/6 ≈ 16.7 %
Words.Data data = Words.Load(perLanguage, 300, 500, seed);
Console.WriteLine($"{Words.Languages} languages ({string.Join(", ", Array.ConvertAll(Words.Lists, l => l.Name))}): " +
                  $"{data.Train.Count:N0} training, {data.Validation.Count:N0} validation, {data.Test.Count:N0} test words " +
                  $"(3–{Words.Length} letters, in one list only; {data.Alphabet.Length} characters + padding + unknown)");
Console.WriteLine($"loaded in {clock.Elapsed.TotalSeconds:F1} s");
Console.WriteLine();

var transformer = new WordTransformer(seed);
var gru = new WordGru(seed);
var rows = new (string Name, int Parameters, double Accuracy, double Microseconds, double Seconds)[2];
rows[0] = Run("WordTransformer: Embedding(64, 32) + positions → 2 × TransformerEncoderLayer(32, 4, 64) → mean → Dense(6)", transformer, WordTransformer.ParameterCount, 2e-3f, (i, o) => transformer.Forward(i, o));
rows[1] = Run("WordGru: Embedding(64, 32) → GRU(64), last state → Dense(6)", gru, WordGru.ParameterCount, 3e-3f, (i, o) => gru.Forward(i, o));

Console.WriteLine("| model | test accuracy | parameters | latency per word (batch 1, median) | training |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var r in rows)
    Console.WriteLine($"| {r.Name} | {r.Accuracy:P1} | {r.Parameters:N0} | {r.Microseconds:F1} µs | {r.Seconds:F1} s |");
Console.WriteLine();

// A few test words with the transformer's guess.
var scores = new float[Words.Languages];
var ids = new int[Words.Length];
Console.Write("examples (transformer):");
for (int i = 0; i < 12; i++)
{
    int row = i * 7 % data.Test.Count;
    Ids(data.Test, row, ids);
    transformer.Forward(ids, scores);
    int guess = ArgMax(scores);
    Console.Write($" {data.TestWords[row]}→{Words.Lists[guess].Name}{(guess == data.TestLabels[row] ? "" : "(✗)")}");
}
Console.WriteLine();

Console.WriteLine();
Console.WriteLine($"A tiny causal character model (Embedding(64, 32) → causal TransformerEncoderLayer(32, 4, 64) → Dense(64), {CharModel.ParameterCount:N0} parameters) streams made-up words with Step:");
bool streaming = Streaming.Run(data, [1, 4, 5], 15, seed);
bool passed = rows[0].Accuracy >= Bar && rows[1].Accuracy >= Bar && streaming;
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F1} s: {(passed ? "passed" : "FAILED")} (bar: {Bar:P0} test accuracy for both, chance {1.0 / Words.Languages:P1}; Step equals Forward to 1e-4).");
return passed ? 0 : 1;

(string, int, double, double, double) Run<TNet>(string title, TNet network, int parameters, float learningRate, Action<int[], float[]> forward) where TNet : ITrainableNetwork
{
    Console.WriteLine(title);
    var options = new TrainerOptions { Epochs = epochs, BatchSize = 32, Seed = seed, LearningRateSchedule = LearningRateSchedule.Cosine };
    var watch = Stopwatch.StartNew();
    TrainingResult result = new Trainer(network, new Adam(learningRate) { MaxGradientNorm = 1f }, options)
        .Fit(data.Train, data.Validation, new ConsoleProgress { Indent = "   " });
    double seconds = watch.Elapsed.TotalSeconds;
    double accuracy = ConfusionMatrix.Compute(network, data.Test).Accuracy;
    Console.WriteLine($"   {result.EpochsRun} epochs in {seconds:F1} s; best epoch {result.BestEpoch} restored; test accuracy {accuracy:P1}");
    Console.WriteLine();
    return (typeof(TNet).Name, parameters, accuracy, Latency(forward), seconds);
}

// Batch-1 Forward on 1,000 test words after a warm-up: the median time per word in microseconds.
double Latency(Action<int[], float[]> forward)
{
    var input = new int[Words.Length];
    var output = new float[Words.Languages];
    int n = Math.Min(1_000, data.Test.Count);
    var times = new double[n];
    for (int i = 0; i < 200; i++) { Ids(data.Test, i % n, input); forward(input, output); }
    for (int i = 0; i < n; i++)
    {
        Ids(data.Test, i, input);
        long start = Stopwatch.GetTimestamp();
        forward(input, output);
        times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }
    Array.Sort(times);
    return times[n / 2];
}

static void Ids(Dataset set, int row, int[] into)
{
    ReadOnlySpan<float> f = set.GetFeatures(row);
    for (int i = 0; i < into.Length; i++) into[i] = (int)f[i];
}

static int ArgMax(ReadOnlySpan<float> x)
{
    int best = 0;
    for (int i = 1; i < x.Length; i++) if (x[i] > x[best]) best = i;
    return best;
}
