using System;
using System.Globalization;
using Sequences;

// StaticNet sequence models: an LSTM learns an audio effect with memory and streams it sample by sample at 48 kHz,
// and a GRU classifies waveforms by shape.
//   dotnet run -c Release --project samples/Sequences
//   dotnet run -c Release --project samples/Sequences -- --seed 7 [--effect-steps N] [--epochs N]
// Exits with 1 if the effect's streaming error does not beat the memoryless baseline by 10 dB (or streaming
// allocates), or if the classifier's test accuracy is below 90 %.

int seed = 1, effectSteps = 3_000, epochs = 12;
for (int i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--seed": seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--effect-steps": effectSteps = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--epochs": epochs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "-h" or "--help":
            Console.WriteLine("usage: Sequences [--seed N] [--effect-steps N] [--epochs N]");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'; expected --seed, --effect-steps or --epochs.");
            return 2;
    }
}

var clock = System.Diagnostics.Stopwatch.StartNew();
bool effect = AudioEffect.Run(seed, effectSteps);
bool classifier = WaveformClassifier.Run(seed, epochs);
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F1} s: effect {(effect ? "passed" : "FAILED")}, classifier {(classifier ? "passed" : "FAILED")}.");
return effect && classifier ? 0 : 1;
