using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using StaticNet.Optimizers;
using StaticNet.Tests.Data;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>
/// The schedules against torch.optim.lr_scheduler, from fixtures/lr_schedules.json written by
/// tests/reference/make_lr_schedule_fixtures.py; the validation interval and the CSV metrics log.
/// </summary>
public sealed class LearningRateSchedulerTests : IDisposable
{
    // Relative: PyTorch's recursive products in double against StaticNet's closed forms, then a float.
    private const double Tolerance = 1e-6;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly Lazy<JsonDocument> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "lr_schedules.json"))));

    private static JsonElement Case(string name) =>
        Fixture.Value.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>An optimizer that records the learning rate of every step and changes nothing.</summary>
    private sealed class RecordingOptimizer(float learningRate) : Optimizer(learningRate)
    {
        public List<float> Rates { get; } = new();
        protected override void InitializeState(int parameterCount) { }
        protected override void ResetState() { }
        protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale) => Rates.Add(LearningRate);
    }

    /// <summary>The rate of every step of a Fit of <paramref name="epochs"/> epochs of <paramref name="batches"/> batches.</summary>
    private static List<float> Rates(float baseRate, int epochs, int batches, Action<TrainerOptions> configure)
    {
        var optimizer = new RecordingOptimizer(baseRate);
        var options = new TrainerOptions { Epochs = epochs, BatchSize = 3, Shuffle = false };
        configure(options);
        new Trainer(new LinearModel(2, 3, Loss.SoftmaxCrossEntropy), optimizer, options).Fit(SyntheticData.Blobs(3 * batches, seed: 1));
        Assert.Equal(baseRate, optimizer.LearningRate);   // the optimizer's rate is restored after the run
        return optimizer.Rates;
    }

    private static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<float> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= Tolerance * Math.Abs(expected[i]) + 1e-12,
                $"Step {i}: expected {expected[i]:R} (PyTorch), found {actual[i]:R}.");
    }

    [Fact]
    public void StepLR_MatchesPyTorch()
    {
        JsonElement c = Case("step");
        List<float> rates = Rates(0.1f, 12, 1, o => o.Scheduler = new StepLearningRate(3, 0.5f));
        AssertClose(Doubles(c.GetProperty("lrs")), rates);
    }

    [Fact]
    public void ExponentialLR_MatchesPyTorch_PerEpoch()
    {
        JsonElement c = Case("exponential");
        List<float> rates = Rates(0.1f, 10, 3, o => o.Scheduler = new ExponentialLearningRate(0.9f));
        AssertClose(Doubles(c.GetProperty("lrs")), rates.Where((_, i) => i % 3 == 0).ToList());
        Assert.Equal(rates[0], rates[2]);   // constant within an epoch
    }

    [Fact]
    public void OneCycleLR_MatchesPyTorch_WithItsDefaults()
    {
        List<float> rates = Rates(0.1f, 10, 5, o => o.Scheduler = new OneCycleLearningRate());
        AssertClose(Doubles(Case("onecycle").GetProperty("lrs")), rates);
    }

    [Fact]
    public void OneCycleLR_LinearThreePhase_MatchesPyTorch()
    {
        List<float> rates = Rates(0.1f, 8, 5, o => o.Scheduler =
            new OneCycleLearningRate(percentStart: 0.25f, divFactor: 10f, finalDivFactor: 100f, cosine: false, threePhase: true));
        AssertClose(Doubles(Case("onecycle-linear-three-phase").GetProperty("lrs")), rates);
    }

    [Theory]
    [InlineData("plateau-min-rel")]
    [InlineData("plateau-max-abs")]
    [InlineData("plateau-defaults")]
    public void ReduceLROnPlateau_MatchesPyTorch(string name)
    {
        JsonElement c = Case(name);
        JsonElement s = c.GetProperty("settings");
        float F(string key, float fallback) => s.TryGetProperty(key, out JsonElement v) ? (float)v.GetDouble() : fallback;
        int I(string key, int fallback) => s.TryGetProperty(key, out JsonElement v) ? v.GetInt32() : fallback;
        var scheduler = new ReduceLearningRateOnPlateau(
            mode: s.TryGetProperty("mode", out JsonElement mode) && mode.GetString() == "max" ? PlateauMode.Max : PlateauMode.Min,
            factor: F("factor", 0.1f), patience: I("patience", 10), threshold: F("threshold", 1e-4f),
            thresholdMode: s.TryGetProperty("threshold_mode", out JsonElement tm) && tm.GetString() == "abs" ? ThresholdMode.Absolute : ThresholdMode.Relative,
            cooldown: I("cooldown", 0), minLearningRate: F("min_lr", 0f));
        var state = new double[scheduler.StateLength];
        scheduler.Initialize(0.1f, state);
        var rates = new List<float>();
        foreach (double metric in Doubles(c.GetProperty("metrics")))
        {
            scheduler.OnValidation(metric, state);
            rates.Add((float)scheduler.LearningRate(0.1f, 0, 0, 1, state));
        }
        AssertClose(Doubles(c.GetProperty("lrs")), rates);
    }

    [Fact]
    public void LinearWarmupChainedWithStepLR_MatchesPyTorch()
    {
        List<float> rates = Rates(0.1f, 6, 4, o =>
        {
            o.Scheduler = new StepLearningRate(2, 0.5f);
            o.WarmupSteps = 8;
            o.WarmupStartFactor = 0.25f;
        });
        AssertClose(Doubles(Case("warmup-step").GetProperty("lrs")), rates);
    }

    [Fact]
    public void WarmupCombinesWithTheCosineSchedule()
    {
        List<float> plain = Rates(0.2f, 3, 4, o => o.LearningRateSchedule = LearningRateSchedule.Cosine);
        List<float> warm = Rates(0.2f, 3, 4, o => { o.LearningRateSchedule = LearningRateSchedule.Cosine; o.WarmupSteps = 4; o.WarmupStartFactor = 0.5f; });
        for (int i = 0; i < plain.Count; i++)
            Assert.Equal(i < 4 ? (float)(plain[i] * (0.5 + 0.5 * i / 4.0)) : plain[i], warm[i]);
    }

    [Fact]
    public void PlateauInATrainer_ReducesWhenTheValidationLossStalls()
    {
        // A learning rate of 0 never improves anything: every validation after the first is a bad one.
        var optimizer = new RecordingOptimizer(0.1f);
        var options = new TrainerOptions
        {
            Epochs = 6, BatchSize = 30, Scheduler = new ReduceLearningRateOnPlateau(patience: 1, factor: 0.5f),
        };
        new Trainer(new LinearModel(2, 3, Loss.SoftmaxCrossEntropy), optimizer, options).Fit(SyntheticData.Blobs(30, 1), SyntheticData.Blobs(30, 2));
        // Validations 1..5 before epochs 2..6: best, bad, bad → reduce (after the 3rd), bad, bad → reduce (after the 5th).
        Assert.Equal(new[] { 0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.025f }, optimizer.Rates);
    }

    [Fact]
    public void BadSchedulerSettingsAreReported()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        void Fails(TrainerOptions options, string message)
        {
            var e = Assert.Throws<ArgumentException>(() => new Trainer(net, new Sgd(0.1f), options).Fit(SyntheticData.Blobs(30, 1)));
            Assert.Contains(message, e.Message);
        }
        Fails(new TrainerOptions { Scheduler = new StepLearningRate(0) }, "Expected StepSize ≥ 1; found 0");
        Fails(new TrainerOptions { Scheduler = new StepLearningRate(2), LearningRateSchedule = LearningRateSchedule.Cosine }, "found both set");
        Fails(new TrainerOptions { WarmupStartFactor = 0f, WarmupSteps = 2 }, "Expected WarmupStartFactor in (0, 1]; found 0");
        Fails(new TrainerOptions { Scheduler = new OneCycleLearningRate(percentStart: 1.5f) }, "Expected PercentStart in (0, 1); found 1.5");
        Fails(new TrainerOptions { Epochs = 1, BatchSize = 30, Scheduler = new OneCycleLearningRate() }, "has a phase of no steps");
        Fails(new TrainerOptions { Scheduler = new ReduceLearningRateOnPlateau(PlateauMode.Max) }, "for which Min is better; found mode Max");
        Fails(new TrainerOptions { ValidationInterval = 3 }, "found no validation set");
    }

    private sealed class Recorder : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = new();
        public void Report(TrainingProgress value) => Reports.Add(value);
    }

    [Fact]
    public void ValidationInterval_ValidatesWithinEpochs_AndTheMetricsLogHasARowForEach()
    {
        CultureInfo culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");   // decimal commas must not reach the file
        try
        {
            string log = Path.Combine(_temp.Path, "logs", "metrics.csv");
            var recorder = new Recorder();
            var options = new TrainerOptions { Epochs = 2, BatchSize = 10, ValidationInterval = 4, MetricsLogPath = log, WarmupSteps = 3 };
            new Trainer(new LinearModel(2, 3, Loss.SoftmaxCrossEntropy), new Sgd(0.1f), options)
                .Fit(SyntheticData.Blobs(100, 1), SyntheticData.Blobs(30, 2), recorder);

            // 10 steps an epoch: validations after steps 4 and 8, then 12 and 16 (20 is the second epoch's end).
            var within = recorder.Reports.Where(r => !r.IsEpochEnd && r.ValidationLoss is not null).ToList();
            Assert.Equal(new[] { (1, 4), (1, 8), (2, 2), (2, 6) }, within.Select(r => (r.Epoch, r.Batch)));
            Assert.All(within, r => Assert.NotNull(r.ValidationAccuracy));

            string[] lines = File.ReadAllLines(log);
            Assert.Equal("kind,epoch,step,train_loss,validation_loss,validation_accuracy,learning_rate,seconds", lines[0]);
            Assert.Equal(new[] { "validation,1,4", "validation,1,8", "epoch,1,10", "validation,2,12", "validation,2,16", "epoch,2,20" },
                lines.Skip(1).Select(l => string.Join(",", l.Split(',').Take(3))));
            foreach (string line in lines.Skip(1))
            {
                string[] f = line.Split(',');
                Assert.Equal(8, f.Length);
                Assert.All(f.Skip(1), v => Assert.True(double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _), $"'{v}' in '{line}'"));
            }
            Assert.Equal(0.1f, float.Parse(lines[^1].Split(',')[6], CultureInfo.InvariantCulture));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }
}
