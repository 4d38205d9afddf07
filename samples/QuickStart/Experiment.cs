using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using StaticNet;
using StaticNet.Metrics;
using StaticNet.Optimizers;
using StaticNet.Training;

namespace QuickStart;

/// <summary>Train, test, save, reload and time one network: the whole life of a model in a few screens of output.</summary>
internal static class Experiment
{
    public static int Run<TNetwork>(string title, Func<int, TNetwork> create, int seed, Dataset train, Dataset validation,
        Dataset test, TrainerOptions options, float learningRate, string[] classNames, double targetAccuracy)
        where TNetwork : ITrainableNetwork
    {
        TNetwork network = create(seed);
        Console.WriteLine($"{title}: {train.Count:N0} training, {validation.Count:N0} validation, {test.Count:N0} test samples");
        Console.WriteLine($"{typeof(TNetwork).Name}: {Layers(typeof(TNetwork))}, {network.ParameterCount:N0} parameters; " +
                          $"Adam({learningRate}), batch {options.BatchSize}, up to {options.Epochs} epochs");
        Console.WriteLine();

        // 1. Train: shuffled mini-batches, validation after each epoch, early stopping with the best weights restored.
        var trainer = new Trainer(network, new Adam(learningRate), options);
        TrainingResult result = trainer.Fit(train, validation, new ConsoleProgress());
        double seconds = 0;
        foreach (EpochRecord epoch in result.History) seconds += epoch.Seconds;
        Console.WriteLine($"Trained {result.EpochsRun} epochs in {seconds:F2} s ({seconds / result.EpochsRun:F3} s per epoch)" +
                          (result.StoppedEarly ? $"; stopped early, best epoch {result.BestEpoch}" : ""));
        Console.WriteLine();

        // 2. Test on samples the training never saw.
        ConfusionMatrix confusion = ConfusionMatrix.Compute(network, test);
        Console.WriteLine($"Test accuracy {confusion.Accuracy:P2}  (macro precision {confusion.MacroPrecision:P2}, " +
                          $"recall {confusion.MacroRecall:P2}, F1 {confusion.MacroF1:P2})");
        Console.WriteLine("Confusion matrix (rows: actual, columns: predicted):");
        Console.WriteLine(confusion.ToString(classNames));

        // The learning curves, the confusion matrix and the model in one HTML page (no script, opens offline).
        string report = Path.Combine(Path.GetTempPath(), typeof(TNetwork).Name.ToLowerInvariant() + "-report.html");
        new TrainingReport(result)
        {
            Title = $"{typeof(TNetwork).Name} on {title}",
            Description = $"Adam({learningRate.ToString(CultureInfo.InvariantCulture)}), batch {options.BatchSize}, {train.Count:N0} training, {validation.Count:N0} validation samples.",
            Model = network.Summary(),
            Confusion = confusion,
            ClassNames = classNames,
            EvaluationName = $"{test.Count:N0} test samples",
        }.Write(report);
        Console.WriteLine($"Training report: {report}");

        // 3. Save with PyTorch's names and layouts, reload into a fresh network, and check it answers the same.
        string path = Path.Combine(Path.GetTempPath(), typeof(TNetwork).Name.ToLowerInvariant() + ".safetensors");
        network.SaveSafetensors(path);
        TNetwork reloaded = create(seed + 1);
        reloaded.LoadSafetensors(path);
        bool identical = SameOutputs(network, reloaded, test);
        Console.WriteLine($"Saved {new FileInfo(path).Length:N0} bytes to {path}; reloaded: outputs {(identical ? "identical" : "DIFFERENT")}");
        Console.WriteLine("  in PyTorch: model.load_state_dict(safetensors.torch.load_file(path))");

        // 4. Inference latency, one sample at a time, as a game loop or a request handler would call it.
        (double nanoseconds, long allocated) = MeasureLatency(network, test);
        Console.WriteLine($"Inference: {nanoseconds:F0} ns per sample (Forward, batch 1, one thread, median of 5 rounds), {allocated} bytes allocated");
        Console.WriteLine();

        bool reached = confusion.Accuracy >= targetAccuracy;
        Console.WriteLine(reached
            ? $"Test accuracy {confusion.Accuracy:P2} reaches the {targetAccuracy:P0} target."
            : $"Test accuracy {confusion.Accuracy:P2} is below the {targetAccuracy:P0} target.");
        return reached && identical ? 0 : 1;
    }

    /// <summary>
    /// Every layer as declared, in order: <c>Input(64) → fc1 Dense(64, ReLU) → fc2 Dense(10)</c>. Read from the class's
    /// attributes (kept in the assembly in declaration order), so a layer that does not change the shape (Dropout,
    /// BatchNorm, an activation) shows as well.
    /// </summary>
    private static string Layers(Type network)
    {
        var layers = new List<string>();
        foreach (CustomAttributeData attribute in network.GetCustomAttributesData())
        {
            Type type = attribute.AttributeType;
            if (type.Namespace != "StaticNet" || type == typeof(NetworkAttribute)) continue;
            // Constructor arguments as written, less the trailing ones left at their defaults (Activation.None).
            ParameterInfo[] parameters = attribute.Constructor.GetParameters();
            int count = attribute.ConstructorArguments.Count;
            while (count > 0 && parameters[count - 1].HasDefaultValue &&
                   Equals(Comparable(parameters[count - 1].DefaultValue), Comparable(attribute.ConstructorArguments[count - 1].Value)))
                count--;
            var arguments = new List<string>();
            for (int i = 0; i < count; i++)
                arguments.Add(Text(attribute.ConstructorArguments[i]));
            string? name = null;
            foreach (CustomAttributeNamedArgument named in attribute.NamedArguments)
            {
                if (named.MemberName == "Name") name = named.TypedValue.Value as string;
                else arguments.Add($"{named.MemberName} = {Text(named.TypedValue)}");
            }
            string kind = type.Name.EndsWith("Attribute", StringComparison.Ordinal) ? type.Name[..^"Attribute".Length] : type.Name;
            string layer = arguments.Count == 0 ? kind : $"{kind}({string.Join(", ", arguments)})";
            layers.Add(name is null ? layer : $"{name} {layer}");
        }
        return string.Join(" → ", layers);
    }

    /// <summary>Numbers and enums (boxed as their own type or as their underlying integer) as doubles, to compare.</summary>
    private static object? Comparable(object? value) =>
        value is IConvertible convertible and not string and not bool ? convertible.ToDouble(CultureInfo.InvariantCulture) : value;

    private static string Text(CustomAttributeTypedArgument argument) => argument.Value switch
    {
        IReadOnlyCollection<CustomAttributeTypedArgument> items => string.Join(", ", items.Select(Text)),
        _ when argument.ArgumentType.IsEnum => Enum.GetName(argument.ArgumentType, argument.Value!) ?? argument.Value!.ToString()!,
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        var value => value?.ToString() ?? "null",
    };

    private static bool SameOutputs(INetwork a, INetwork b, Dataset data)
    {
        var outputA = new float[data.Count * a.OutputSize];
        var outputB = new float[data.Count * b.OutputSize];
        a.ForwardBatch(data.Features, outputA);
        b.ForwardBatch(data.Features, outputB);
        return outputA.AsSpan().SequenceEqual(outputB);
    }

    /// <summary>
    /// The median of five timed rounds of single-sample Forward calls, after half a second of warm-up (so that the JIT
    /// has replaced its quick first compilation with optimised code), and the bytes allocated meanwhile.
    /// </summary>
    private static (double Nanoseconds, long Allocated) MeasureLatency(INetwork network, Dataset data)
    {
        var output = new float[network.OutputSize];
        int sample = 0;
        void Calls(int count)
        {
            for (int i = 0; i < count; i++)
            {
                network.Forward(data.GetFeatures(sample), output);
                if (++sample == data.Count) sample = 0;
            }
        }

        long warmUpEnd = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
        while (Stopwatch.GetTimestamp() < warmUpEnd) Calls(1_000);

        int calls = (int)Math.Clamp(50_000_000L / network.ParameterCount, 1_000, 1_000_000);
        var rounds = new double[5];
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < rounds.Length; round++)
        {
            long start = Stopwatch.GetTimestamp();
            Calls(calls);
            rounds[round] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Array.Sort(rounds);
        return (rounds[rounds.Length / 2], allocated);
    }
}
