using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticNet.Optimizers;

namespace StaticNet.IO;

/// <summary>
/// Saves and loads a training checkpoint: a network's weights, its optimizer's state and (through
/// <see cref="Training.Trainer.SaveCheckpoint(string)"/>) the trainer's position, in one safetensors file.
/// </summary>
/// <remarks>
/// <para>The file's tensors, all in PyTorch's names and row-major layouts (the padded internal layout is mapped through
/// <see cref="INetwork.ParameterTensors"/>, as for the weights):</para>
/// <list type="bullet">
/// <item><c>&lt;name&gt;</c>: every tensor of the network, as <see cref="INetwork.SaveSafetensors(Stream)"/> writes it
/// (<c>fc1.weight</c>, …, BatchNorm's running statistics), so the weights load alone with
/// <c>SafetensorsLoadOptions { Strict = false }</c> or into PyTorch.</item>
/// <item><c>optimizer.state.&lt;name&gt;.&lt;buffer&gt;</c>: for each trainable tensor, the optimizer's buffers under
/// PyTorch's names, of the tensor's shape: <c>exp_avg</c> and <c>exp_avg_sq</c> (<see cref="Adam"/>,
/// <see cref="AdamW"/>), <c>momentum_buffer</c> (<see cref="Sgd"/> with momentum); and <c>step</c>, a float32 scalar as in
/// PyTorch. Absent before the optimizer's first step. (PyTorch keys its optimizer state by parameter index; here the
/// parameter's name stands for it.)</item>
/// <item><c>trainer.best_weights.&lt;name&gt;</c>: the weights of the best epoch so far, when the trainer keeps them.</item>
/// </list>
/// <para>The metadata (<c>__metadata__</c>, strings) holds <c>format</c> = <see cref="Format"/>, <c>optimizer.type</c>,
/// <c>optimizer.lr</c>, <c>optimizer.step</c> (exact), <c>optimizer.buffers</c> and the optimizer's hyperparameters
/// (<c>optimizer.beta1</c>, …), <c>network.random</c> (the dropout generator's state, when the network has one), and
/// the trainer's <c>trainer.*</c> entries (epoch, schedule position, early-stopping bookkeeping, history), all in the
/// invariant culture with round-trip precision.</para>
/// <para>Loading is all or nothing: the whole file is read and checked (format, optimizer type and hyperparameters,
/// every tensor's presence, shape and dtype) before anything changes, so a failed load leaves the network and the
/// optimizer as they were. Files are written to a temporary file first and then moved into place.</para>
/// </remarks>
public static class Checkpoint
{
    /// <summary>The value of the <c>format</c> metadata entry of a StaticNet checkpoint.</summary>
    public const string Format = "staticnet.checkpoint/1";

    /// <summary>The prefix of the optimizer's tensors: <c>optimizer.state.fc1.weight.exp_avg</c>.</summary>
    public const string OptimizerPrefix = "optimizer.state.";

    /// <summary>The prefix of the best epoch's weights: <c>trainer.best_weights.fc1.weight</c>.</summary>
    public const string BestWeightsPrefix = "trainer.best_weights.";

    internal const string StepBuffer = "step";

    /// <summary>Writes the network's weights and the optimizer's state to a checkpoint file (created or replaced).</summary>
    /// <param name="path">The file to write; it is replaced only once the new one is complete.</param>
    /// <param name="network">The network.</param>
    /// <param name="optimizer">Its optimizer, or null to save the weights with no optimizer state.</param>
    /// <exception cref="ArgumentException">The optimizer's state was sized for another number of parameters.</exception>
    public static void Save(string path, ITrainableNetwork network, Optimizer? optimizer) =>
        SaveFile(path, stream => Write(stream, network, optimizer, null));

    /// <summary>Writes the network's weights and the optimizer's state to a stream as a checkpoint.</summary>
    /// <param name="stream">Where to write, from its current position.</param>
    /// <param name="network">The network.</param>
    /// <param name="optimizer">Its optimizer, or null to save the weights with no optimizer state.</param>
    /// <exception cref="ArgumentException">The optimizer's state was sized for another number of parameters.</exception>
    public static void Save(Stream stream, ITrainableNetwork network, Optimizer? optimizer) =>
        Write(stream, network, optimizer, null);

    /// <summary>
    /// Loads a checkpoint's weights into the network and its optimizer state into the optimizer (which is then bound to
    /// the network), all or nothing. A trainer's state in the file is ignored; use
    /// <see cref="Training.Trainer.LoadCheckpoint(string)"/> to resume a run.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="network">The network to load into; it must have exactly the checkpoint's tensors.</param>
    /// <param name="optimizer">The optimizer to load into, of the checkpoint's type and hyperparameters; or null to load only the weights.</param>
    /// <returns>What the checkpoint holds: the optimizer's step count and the trainer's epoch.</returns>
    /// <exception cref="SafetensorsMismatchException">Tensors are missing, unexpected or of another shape; the message lists them all.</exception>
    /// <exception cref="SafetensorsFormatException">The file is not valid safetensors, or not a StaticNet checkpoint.</exception>
    /// <exception cref="ArgumentException">The optimizer is of another type or has other hyperparameters than the checkpoint's.</exception>
    public static CheckpointInfo Load(string path, ITrainableNetwork network, Optimizer? optimizer)
    {
        using FileStream stream = File.OpenRead(path);
        return Load(stream, network, optimizer);
    }

    /// <summary>Loads a checkpoint from a stream (read to its end), all or nothing; see <see cref="Load(string, ITrainableNetwork, Optimizer?)"/>.</summary>
    /// <exception cref="SafetensorsMismatchException">Tensors are missing, unexpected or of another shape; the message lists them all.</exception>
    /// <exception cref="SafetensorsFormatException">The stream is not valid safetensors, or not a StaticNet checkpoint.</exception>
    /// <exception cref="ArgumentException">The optimizer is of another type or has other hyperparameters than the checkpoint's.</exception>
    public static CheckpointInfo Load(Stream stream, ITrainableNetwork network, Optimizer? optimizer)
    {
        StagedCheckpoint staged = Stage(stream, network, optimizer);
        staged.Commit();
        return staged.Info;
    }

    /// <summary>Writes a file through a temporary one in the same directory, moved into place when complete.</summary>
    internal static void SaveFile(string path, Action<Stream> write)
    {
        Throw.IfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temporary = full + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
        try
        {
            using (FileStream file = File.Create(temporary))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
#if NET8_0_OR_GREATER
            File.Move(temporary, full, overwrite: true);
#else
            if (File.Exists(full)) File.Replace(temporary, full, null);
            else File.Move(temporary, full);
#endif
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    internal static void Write(Stream stream, ITrainableNetwork network, Optimizer? optimizer, IReadOnlyDictionary<string, string>? extraMetadata,
        float[]? bestWeights = null)
    {
        Throw.IfNull(stream);
        Throw.IfNull(network);
        int trainable = network.Gradients.Length;
        float[][]? buffers = optimizer?.CheckpointBuffers;
        long step = optimizer?.StepCount ?? 0;
        if (optimizer is not null && optimizer.ParameterCount != 0 && optimizer.ParameterCount != trainable)
            throw new ArgumentException($"The optimizer's state was sized for {optimizer.ParameterCount} parameters; the network has {trainable} trainable ones. Save the optimizer that trains this network.", nameof(optimizer));
        string[] names = optimizer?.CheckpointBufferNames ?? Array.Empty<string>();
        var layout = new Layout(network, names, withOptimizerState: optimizer is not null && step > 0, withBestWeights: bestWeights is not null);

        float[] buffer = new float[layout.Length];
        network.Parameters.CopyTo(buffer);
        if (layout.WithOptimizerState)
        {
            for (int b = 0; b < names.Length; b++)
                buffers![b].AsSpan(0, trainable).CopyTo(buffer.AsSpan(layout.BufferStart(b), trainable));
            buffer.AsSpan(layout.StepStart, layout.StepCount).Fill(step);
        }
        bestWeights?.CopyTo(buffer, layout.BestStart);

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = Format };
        if (optimizer is not null)
        {
            metadata["optimizer.type"] = optimizer.GetType().Name;
            metadata["optimizer.lr"] = Text(optimizer.LearningRate);
            metadata["optimizer.step"] = step.ToString(CultureInfo.InvariantCulture);
            metadata["optimizer.buffers"] = string.Join(",", names);
            foreach (KeyValuePair<string, string> entry in Hyperparameters(optimizer))
                metadata["optimizer." + entry.Key] = entry.Value;
        }
        if (NetworkRandom.TryGet(network, out ulong random))
            metadata["network.random"] = random.ToString(CultureInfo.InvariantCulture);
        if (extraMetadata is not null)
            foreach (KeyValuePair<string, string> entry in extraMetadata)
                metadata[entry.Key] = entry.Value;
        Safetensors.Save(stream, layout.Tensors, buffer, metadata);
    }

    /// <summary>Reads and checks a whole checkpoint without changing anything; <see cref="StagedCheckpoint.Commit"/> applies it.</summary>
    internal static StagedCheckpoint Stage(Stream stream, ITrainableNetwork network, Optimizer? optimizer)
    {
        Throw.IfNull(stream);
        Throw.IfNull(network);
        byte[] file;
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            file = copy.ToArray();
        }
        SafetensorsHeader header = SafetensorsHeader.Read(file, out _);
        IReadOnlyDictionary<string, string> metadata = header.Metadata;
        if (!metadata.TryGetValue("format", out string? format) || format != Format)
            throw new SafetensorsFormatException(
                $"Expected a StaticNet checkpoint (metadata \"format\": \"{Format}\"); found {(format is null ? "no format entry" : $"format \"{format}\"")}. " +
                "To load the weights of a plain safetensors file, use the network's LoadSafetensors.");

        long step = 0;
        string[] names = Array.Empty<string>();
        bool fileHasOptimizer = metadata.TryGetValue("optimizer.type", out string? type);
        if (fileHasOptimizer)
        {
            step = ParseLong(metadata, "optimizer.step", min: 0);
            names = metadata.TryGetValue("optimizer.buffers", out string? list) && list.Length > 0 ? list.Split(',') : Array.Empty<string>();
        }
        if (optimizer is not null)
        {
            if (!fileHasOptimizer)
                throw new ArgumentException($"The checkpoint holds no optimizer state; found a {optimizer.GetType().Name} to load it into. Pass null as the optimizer to load the weights alone.", nameof(optimizer));
            CheckOptimizer(optimizer, type!, names, metadata);
        }

        bool withBest = metadata.TryGetValue("trainer.best_weights", out string? best) && best == "true";
        var layout = new Layout(network, names, withOptimizerState: fileHasOptimizer && step > 0, withBestWeights: withBest);
        float[] staging = new float[layout.Length];
        network.Parameters.CopyTo(staging);
        Safetensors.Load(file, layout.Tensors, staging);

        int trainable = network.Gradients.Length;
        float[][]? buffers = null;
        if (layout.WithOptimizerState)
        {
            float expected = step;
            for (int i = 0; i < layout.StepCount; i++)
            {
                float found = staging[layout.StepStart + i];
                if (found != expected)
                    throw new SafetensorsFormatException($"Tensor \"{layout.Tensors[layout.StepTensorIndex + i].Name}\": expected the optimizer's step count {step} (as in the metadata \"optimizer.step\"); found {found}. StaticNet's optimizers keep one step count for every parameter.");
            }
            buffers = new float[names.Length][];
            for (int b = 0; b < names.Length; b++)
                buffers[b] = staging.AsSpan(layout.BufferStart(b), trainable).ToArray();
        }

        ulong? random = null;
        if (metadata.TryGetValue("network.random", out string? randomText))
        {
            if (!ulong.TryParse(randomText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
                throw new SafetensorsFormatException($"Checkpoint metadata \"network.random\": expected an unsigned 64-bit integer; found \"{randomText}\".");
            if (NetworkRandom.Has(network)) random = value;
        }
        float learningRate = optimizer is null ? 0f : ParseFloat(metadata, "optimizer.lr");
        if (!(learningRate >= 0f) || float.IsInfinity(learningRate))
            throw new SafetensorsFormatException($"Checkpoint metadata \"optimizer.lr\": expected a finite number ≥ 0; found {learningRate}.");
        float[]? bestWeights = withBest ? staging.AsSpan(layout.BestStart, network.Parameters.Length).ToArray() : null;
        float[] weights = staging.AsSpan(0, network.Parameters.Length).ToArray();
        int epoch = metadata.TryGetValue("trainer.epoch", out _) ? ParseInt(metadata, "trainer.epoch", min: 0) : 0;
        var info = new CheckpointInfo(fileHasOptimizer ? type : null, step, epoch, new Dictionary<string, string>(header.Metadata, StringComparer.Ordinal));
        return new StagedCheckpoint(info, metadata, bestWeights, () =>
        {
            weights.CopyTo(network.Parameters);
            optimizer?.RestoreCheckpoint(step, trainable, buffers, learningRate, network);
            if (random is ulong state) NetworkRandom.TrySet(network, state);
        });
    }

    private static IEnumerable<KeyValuePair<string, string>> Hyperparameters(Optimizer optimizer) =>
        optimizer.CheckpointHyperparameters.Append(new KeyValuePair<string, string>("max_grad_norm", Text(optimizer.MaxGradientNorm)));

    private static void CheckOptimizer(Optimizer optimizer, string type, string[] names, IReadOnlyDictionary<string, string> metadata)
    {
        string found = optimizer.GetType().Name;
        var problems = new List<string>();
        if (found != type)
            problems.Add($"the checkpoint's optimizer is a {type}; found a {found}");
        else
        {
            if (!names.SequenceEqual(optimizer.CheckpointBufferNames))
                problems.Add($"the checkpoint's optimizer state has the buffers [{string.Join(", ", names)}]; this {found} has [{string.Join(", ", optimizer.CheckpointBufferNames)}]");
            foreach (KeyValuePair<string, string> entry in Hyperparameters(optimizer))
            {
                metadata.TryGetValue("optimizer." + entry.Key, out string? saved);
                if (saved != entry.Value)
                    problems.Add($"{entry.Key} is {saved ?? "(not recorded)"} in the checkpoint; found {entry.Value}");
            }
        }
        if (problems.Count > 0)
            throw new ArgumentException(
                $"The optimizer does not match the checkpoint's: {string.Join("; ", problems)}. Create the optimizer with the checkpoint's settings to resume (nothing was loaded).",
                nameof(optimizer));
    }

    internal static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    internal static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    internal static long ParseLong(IReadOnlyDictionary<string, string> metadata, string key, long min)
    {
        if (!metadata.TryGetValue(key, out string? text))
            throw new SafetensorsFormatException($"Checkpoint metadata: expected an entry \"{key}\"; found none.");
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) || value < min)
            throw new SafetensorsFormatException($"Checkpoint metadata \"{key}\": expected an integer ≥ {min}; found \"{text}\".");
        return value;
    }

    internal static int ParseInt(IReadOnlyDictionary<string, string> metadata, string key, int min)
    {
        long value = ParseLong(metadata, key, min);
        if (value > int.MaxValue)
            throw new SafetensorsFormatException($"Checkpoint metadata \"{key}\": expected an integer in [{min}, {int.MaxValue}]; found \"{metadata[key]}\".");
        return (int)value;
    }

    internal static float ParseFloat(IReadOnlyDictionary<string, string> metadata, string key)
    {
        if (!metadata.TryGetValue(key, out string? text))
            throw new SafetensorsFormatException($"Checkpoint metadata: expected an entry \"{key}\"; found none.");
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
            throw new SafetensorsFormatException($"Checkpoint metadata \"{key}\": expected a number; found \"{text}\".");
        return value;
    }

    internal static double ParseDouble(IReadOnlyDictionary<string, string> metadata, string key)
    {
        if (!metadata.TryGetValue(key, out string? text))
            throw new SafetensorsFormatException($"Checkpoint metadata: expected an entry \"{key}\"; found none.");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            throw new SafetensorsFormatException($"Checkpoint metadata \"{key}\": expected a number; found \"{text}\".");
        return value;
    }

    /// <summary>
    /// Where each of the checkpoint's tensors lives in one flat buffer: the network's parameters, then each optimizer
    /// buffer (one float per trainable parameter, in the network's internal layout), then the step scalars, then the
    /// best weights. The tensors are the network's, re-based, so that the safetensors reader and writer map the padded
    /// internal layout to PyTorch's shapes for all of them.
    /// </summary>
    private sealed class Layout
    {
        public Layout(ITrainableNetwork network, string[] bufferNames, bool withOptimizerState, bool withBestWeights)
        {
            int parameters = network.Parameters.Length, trainable = network.Gradients.Length;
            IReadOnlyList<ParameterTensor> all = network.ParameterTensors;
            var trainableTensors = all.Where(t => t.Offset + t.Extent <= trainable).ToList();
            var tensors = new List<ParameterTensor>(all);
            long length = parameters;
            WithOptimizerState = withOptimizerState;
            _bufferStarts = new int[bufferNames.Length];
            if (withOptimizerState)
            {
                for (int b = 0; b < bufferNames.Length; b++)
                {
                    _bufferStarts[b] = checked((int)length);
                    foreach (ParameterTensor t in trainableTensors)
                        tensors.Add(Shift(t, OptimizerPrefix + t.Name + "." + bufferNames[b], _bufferStarts[b]));
                    length += trainable;
                }
                StepStart = checked((int)length);
                StepTensorIndex = tensors.Count;
                StepCount = trainableTensors.Count;
                for (int i = 0; i < trainableTensors.Count; i++)
                    tensors.Add(new ParameterTensor(OptimizerPrefix + trainableTensors[i].Name + "." + StepBuffer, Array.Empty<int>(), StepStart + i, Array.Empty<int>()));
                length += trainableTensors.Count;
            }
            if (withBestWeights)
            {
                BestStart = checked((int)length);
                foreach (ParameterTensor t in all)
                    tensors.Add(Shift(t, BestWeightsPrefix + t.Name, BestStart));
                length += parameters;
            }
            Length = checked((int)length);
            Tensors = tensors;
        }

        private readonly int[] _bufferStarts;

        public bool WithOptimizerState { get; }

        public List<ParameterTensor> Tensors { get; }

        public int Length { get; }

        public int StepStart { get; }

        public int StepCount { get; }

        public int StepTensorIndex { get; }

        public int BestStart { get; }

        public int BufferStart(int buffer) => _bufferStarts[buffer];

        private static ParameterTensor Shift(ParameterTensor t, string name, int by) =>
            new(name, t.Shape.ToArray(), t.Offset + by, t.Strides.ToArray(), t.IsInteger);
    }
}

/// <summary>What a loaded checkpoint held.</summary>
public sealed class CheckpointInfo
{
    internal CheckpointInfo(string? optimizerType, long optimizerStepCount, int epoch, IReadOnlyDictionary<string, string> metadata)
    {
        OptimizerType = optimizerType;
        OptimizerStepCount = optimizerStepCount;
        Epoch = epoch;
        Metadata = metadata;
    }

    /// <summary>The type name of the optimizer whose state the checkpoint holds (<c>Adam</c>, <c>Sgd</c>…), or null for none.</summary>
    public string? OptimizerType { get; }

    /// <summary>The optimizer's step count when the checkpoint was saved.</summary>
    public long OptimizerStepCount { get; }

    /// <summary>The number of epochs the trainer had completed, or 0 for a checkpoint saved without a trainer.</summary>
    public int Epoch { get; }

    /// <summary>Every metadata entry of the file.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
}

/// <summary>A checked checkpoint, ready to apply.</summary>
internal sealed class StagedCheckpoint
{
    private readonly Action _commit;

    public StagedCheckpoint(CheckpointInfo info, IReadOnlyDictionary<string, string> metadata, float[]? bestWeights, Action commit)
    {
        Info = info;
        Metadata = metadata;
        BestWeights = bestWeights;
        _commit = commit;
    }

    public CheckpointInfo Info { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The best epoch's weights in the network's internal layout, when the file has them.</summary>
    public float[]? BestWeights { get; }

    /// <summary>Applies the checkpoint; cannot fail.</summary>
    public void Commit() => _commit();
}
