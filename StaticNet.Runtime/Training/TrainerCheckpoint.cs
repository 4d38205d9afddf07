using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using StaticNet.IO;

namespace StaticNet.Training;

/// <summary>
/// The trainer's position after an epoch, as a checkpoint records it in its <c>trainer.*</c> metadata: everything a
/// resumed <see cref="Trainer.Fit"/> needs to continue exactly as the uninterrupted run would have (the shuffle order is
/// replayed from the seed and the epoch count).
/// </summary>
internal sealed class TrainerCheckpoint
{
    public int Epoch;                     // completed epochs
    public int Epochs;                    // the run's planned epochs
    public long Step;                     // training steps done
    public int Seed;
    public bool Shuffle;
    public int TrainCount;
    public int BatchSize;
    public bool HasValidation;
    public MonitoredMetric Monitor;
    public float InitialLearningRate;
    public string Schedule = "";          // describes the schedule, to refuse resuming under another
    public double[] ScheduleState = Array.Empty<double>();
    public ulong? AugmentationState;
    public double BestScore = double.NaN;
    public int BestEpoch;
    public int EpochsWithoutImprovement;
    public bool StoppedEarly;
    public List<EpochRecord> History = new();
    public float[]? BestWeights;

    public Dictionary<string, string> ToMetadata()
    {
        var m = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["trainer.epoch"] = Int(Epoch),
            ["trainer.epochs"] = Int(Epochs),
            ["trainer.step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["trainer.seed"] = Int(Seed),
            ["trainer.shuffle"] = Bool(Shuffle),
            ["trainer.train_count"] = Int(TrainCount),
            ["trainer.batch_size"] = Int(BatchSize),
            ["trainer.has_validation"] = Bool(HasValidation),
            ["trainer.monitor"] = Monitor.ToString(),
            ["trainer.initial_lr"] = Checkpoint.Text(InitialLearningRate),
            ["trainer.schedule"] = Schedule,
            ["trainer.schedule_state"] = string.Join(";", ScheduleState.Select(Checkpoint.Text)),
            ["trainer.best_score"] = Checkpoint.Text(BestScore),
            ["trainer.best_epoch"] = Int(BestEpoch),
            ["trainer.epochs_without_improvement"] = Int(EpochsWithoutImprovement),
            ["trainer.stopped_early"] = Bool(StoppedEarly),
            ["trainer.best_weights"] = Bool(BestWeights is not null),
            ["trainer.history"] = HistoryText(),
        };
        if (AugmentationState is ulong a) m["trainer.augmentation_random"] = a.ToString(CultureInfo.InvariantCulture);
        return m;
    }

    private string HistoryText()
    {
        // One record per line: epoch, train loss, validation loss, validation accuracy, seconds (empty when null). Readers
        // ignore further fields, so that later versions can add some.
        var text = new StringBuilder();
        foreach (EpochRecord r in History)
        {
            text.Append(Int(r.Epoch)).Append(',').Append(Checkpoint.Text(r.TrainLoss)).Append(',')
                .Append(r.ValidationLoss is double l ? Checkpoint.Text(l) : "").Append(',')
                .Append(r.ValidationAccuracy is double a ? Checkpoint.Text(a) : "").Append(',')
                .Append(Checkpoint.Text(r.Seconds)).Append(',')
                .Append(r.TrainAccuracy is double t ? Checkpoint.Text(t) : "").Append(',')
                .Append(r.LearningRate is double lr ? Checkpoint.Text(lr) : "").Append(',')
                .Append(Checkpoint.Text(r.EvaluationSeconds)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The trainer's state in a checkpoint's metadata, or null when it has none; throws on malformed entries.</summary>
    public static TrainerCheckpoint? Parse(IReadOnlyDictionary<string, string> m, float[]? bestWeights)
    {
        if (!m.ContainsKey("trainer.epoch")) return null;
        var t = new TrainerCheckpoint
        {
            Epoch = Checkpoint.ParseInt(m, "trainer.epoch", 0),
            Epochs = Checkpoint.ParseInt(m, "trainer.epochs", 1),
            Step = Checkpoint.ParseLong(m, "trainer.step", 0),
            Seed = Checkpoint.ParseInt(m, "trainer.seed", int.MinValue),
            Shuffle = ParseBool(m, "trainer.shuffle"),
            TrainCount = Checkpoint.ParseInt(m, "trainer.train_count", 1),
            BatchSize = Checkpoint.ParseInt(m, "trainer.batch_size", 1),
            HasValidation = ParseBool(m, "trainer.has_validation"),
            InitialLearningRate = Checkpoint.ParseFloat(m, "trainer.initial_lr"),
            Schedule = Get(m, "trainer.schedule"),
            BestScore = Checkpoint.ParseDouble(m, "trainer.best_score"),
            BestEpoch = Checkpoint.ParseInt(m, "trainer.best_epoch", 0),
            EpochsWithoutImprovement = Checkpoint.ParseInt(m, "trainer.epochs_without_improvement", 0),
            StoppedEarly = ParseBool(m, "trainer.stopped_early"),
            BestWeights = bestWeights,
        };
        if (!Enum.TryParse(Get(m, "trainer.monitor"), out t.Monitor) || !Compat.IsDefined(t.Monitor))
            throw Bad("trainer.monitor", "ValidationLoss or ValidationAccuracy", Get(m, "trainer.monitor"));
        string state = Get(m, "trainer.schedule_state");
        t.ScheduleState = state.Length == 0 ? Array.Empty<double>() : state.Split(';').Select(v =>
            double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : throw Bad("trainer.schedule_state", "numbers separated by ';'", state)).ToArray();
        if (m.TryGetValue("trainer.augmentation_random", out string? a))
            t.AugmentationState = ulong.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : throw Bad("trainer.augmentation_random", "an unsigned 64-bit integer", a);
        foreach (string line in Get(m, "trainer.history").Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(',');
            if (f.Length < 5 || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int epoch) ||
                !TryDouble(f[1], out double? train) || train is null || !TryDouble(f[2], out double? loss) ||
                !TryDouble(f[3], out double? accuracy) || !TryDouble(f[4], out double? seconds) || seconds is null)
                throw Bad("trainer.history", "lines of epoch,train loss,validation loss,validation accuracy,seconds", line);
            double? trainAccuracy = null, learningRate = null, evaluationSeconds = null;
            if (f.Length >= 8 && !(TryDouble(f[5], out trainAccuracy) && TryDouble(f[6], out learningRate) && TryDouble(f[7], out evaluationSeconds)))
                throw Bad("trainer.history", "lines of epoch,train loss,validation loss,validation accuracy,seconds,train accuracy,learning rate,evaluation seconds", line);
            t.History.Add(new EpochRecord(epoch, train.Value, loss, accuracy, seconds.Value)
                { TrainAccuracy = trainAccuracy, LearningRate = learningRate, EvaluationSeconds = evaluationSeconds ?? 0 });
        }
        if (t.History.Count != t.Epoch)
            throw Bad("trainer.history", $"{t.Epoch} records (one per completed epoch)", $"{t.History.Count}");
        if (bestWeights is null != !ParseBool(m, "trainer.best_weights"))
            throw Bad("trainer.best_weights", "the best weights' tensors to be present when it is true", Get(m, "trainer.best_weights"));
        return t;
    }

    private static bool TryDouble(string text, out double? value)
    {
        value = null;
        if (text.Length == 0) return true;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return false;
        value = d;
        return true;
    }

    private static string Get(IReadOnlyDictionary<string, string> m, string key) =>
        m.TryGetValue(key, out string? value) ? value : throw new SafetensorsFormatException($"Checkpoint metadata: expected an entry \"{key}\"; found none.");

    private static bool ParseBool(IReadOnlyDictionary<string, string> m, string key) => Get(m, key) switch
    {
        "true" => true,
        "false" => false,
        string other => throw Bad(key, "true or false", other),
    };

    private static SafetensorsFormatException Bad(string key, string expected, string found) =>
        new($"Checkpoint metadata \"{key}\": expected {expected}; found \"{(found.Length <= 60 ? found : found.Substring(0, 60) + "…")}\".");

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool value) => value ? "true" : "false";
}
