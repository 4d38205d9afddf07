using System;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticNet.Optimizers;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Training;

public sealed class ConsoleProgressTests
{
    private static readonly Dataset Train = SyntheticData.Blobs(300, seed: 1);
    private static readonly Dataset Validation = SyntheticData.Blobs(90, seed: 2);

    [Fact]
    public void RedirectedOutputHasOneLinePerEpochAndEveryLineIsWrittenBeforeFitReturns()
    {
        var writer = new StringWriter();
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        var options = new TrainerOptions { Epochs = 20, BatchSize = 16, RestoreBestWeights = false };

        new Trainer(net, new Adam(0.01f), options).Fit(Train, Validation, new ConsoleProgress(writer, interactive: false));

        // Read at once: a reporter that posted its reports (as Progress<T> does) would miss some here.
        string[] lines = writer.ToString().Split(Environment.NewLine);
        Assert.Equal("", lines[^1]);
        Assert.Equal(20, lines.Length - 1);
        for (int epoch = 1; epoch <= 20; epoch++)
        {
            string line = lines[epoch - 1];
            Assert.StartsWith(FormattableString.Invariant($"epoch {epoch,2}/20  19/19  loss "), line);
            Assert.Contains("  acc ", line);
            Assert.Contains("  val loss ", line);
            Assert.Contains("  val acc ", line);
            Assert.Contains("  lr 1.0e-2", line);
            Assert.Contains(" samples/s", line);
            Assert.Equal(epoch < 20, line.Contains("  ETA "));
        }
        Assert.DoesNotContain('\r', writer.ToString());
    }

    [Fact]
    public void ATerminalLineIsRedrawnInPlaceAndKeptAtTheEpochsEnd()
    {
        var writer = new StringWriter();
        var progress = new ConsoleProgress(writer, interactive: true, width: 200);
        TrainingProgress live = Live(epoch: 1, batch: 5, samples: 160, seconds: 2);

        progress.Report(live with { Batch = 50, Samples = 1600 });
        progress.Report(live);   // a shorter line: the rest of the longer one is blanked
        progress.Report(EpochEnd(epoch: 1, seconds: 4));

        string first = ConsoleProgress.LiveLine(live with { Batch = 50, Samples = 1600 });
        string second = ConsoleProgress.LiveLine(live);
        string end = ConsoleProgress.EpochLine(EpochEnd(epoch: 1, seconds: 4));
        Assert.True(first.Length > second.Length, $"'{first}' should be longer than '{second}'.");
        string expected = "\r" + first + "\r" + second + new string(' ', first.Length - second.Length) +
                          "\r" + new string(' ', second.Length) + "\r" + end + Environment.NewLine;
        Assert.Equal(expected, writer.ToString());
        Assert.Equal("epoch 1/3  [#...................]    5/100  loss 0.5000  lr 1.0e-3  80 samples/s  ETA 1:58", second);
    }

    [Fact]
    public void ARedirectedReporterIgnoresReportsWithinAnEpoch()
    {
        var writer = new StringWriter();
        var progress = new ConsoleProgress(writer, interactive: false);
        progress.Report(Live(epoch: 1, batch: 5, samples: 160, seconds: 2));
        Assert.Equal("", writer.ToString());
        progress.Report(EpochEnd(epoch: 1, seconds: 4));
        Assert.Equal(ConsoleProgress.EpochLine(EpochEnd(epoch: 1, seconds: 4)) + Environment.NewLine, writer.ToString());

        var indented = new StringWriter();
        new ConsoleProgress(indented, interactive: false) { Indent = "   ", ValidationLabel = "test" }.Report(EpochEnd(epoch: 1, seconds: 4));
        Assert.StartsWith("   epoch 1/3  100/100  loss 0.2500  test loss 0.3125  test acc 0.8750  lr", indented.ToString());
    }

    [Fact]
    public void TheEpochLineShowsEveryMetricInTheInvariantCulture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            string line = ConsoleProgress.EpochLine(EpochEnd(epoch: 2, seconds: 80) with { TrainAccuracy = 0.91234, Samples = 3200 });
            Assert.Equal("epoch 2/3  100/100  loss 0.2500  acc 0.9123  val loss 0.3125  val acc 0.8750  lr 1.0e-3  80 samples/s  80.0 s  ETA 0:40", line);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void TimeLeftFollowsThePaceSoFar()
    {
        // 150 of 400 samples in 15 s: 250 more take 25 s.
        TrainingProgress p = Live(epoch: 2, batch: 2, samples: 50, seconds: 15) with { Epochs = 4, SamplesPerEpoch = 100 };
        Assert.Equal(TimeSpan.FromSeconds(25), ConsoleProgress.Remaining(p));
        Assert.Equal(10.0, ConsoleProgress.SamplesPerSecond(p));
        // Without sample counts, batches set the pace: 6 of 16 batches in 15 s.
        TrainingProgress batches = p with { SamplesPerEpoch = 0, Samples = 0, BatchesPerEpoch = 4 };
        Assert.Equal(TimeSpan.FromSeconds(25), ConsoleProgress.Remaining(batches));
        Assert.Null(ConsoleProgress.SamplesPerSecond(batches));
        Assert.Equal("0:25", ConsoleProgress.Duration(TimeSpan.FromSeconds(25)));
        Assert.Equal("12:05", ConsoleProgress.Duration(TimeSpan.FromSeconds(725)));
        Assert.Equal("1:02:03", ConsoleProgress.Duration(TimeSpan.FromSeconds(3723)));
    }

    [Fact]
    public void ALongLiveLineIsCutToTheTerminalWidthAndTheKeptLineIsNot()
    {
        var writer = new StringWriter();
        var progress = new ConsoleProgress(writer, interactive: true, width: 40);
        progress.Report(Live(epoch: 1, batch: 5, samples: 160, seconds: 2));
        Assert.Equal("\r" + ConsoleProgress.LiveLine(Live(epoch: 1, batch: 5, samples: 160, seconds: 2))[..39], writer.ToString());
        progress.Report(EpochEnd(epoch: 1, seconds: 4));
        Assert.EndsWith("\r" + ConsoleProgress.EpochLine(EpochEnd(epoch: 1, seconds: 4)) + Environment.NewLine, writer.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConsoleProgress(writer, interactive: true, width: 19));
    }

    [Fact]
    public void ReportsFromATrainerOnATerminalEndEveryEpochWithANewLine()
    {
        var writer = new StringWriter();
        // Slow steps so that reports within an epoch happen (at most every 50 ms).
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy) { StepDelay = TimeSpan.FromMilliseconds(15) };
        new Trainer(net, new Sgd(0.1f), new TrainerOptions { Epochs = 2, BatchSize = 30 })
            .Fit(Train, null, new ConsoleProgress(writer, interactive: true, width: 200));

        string text = writer.ToString();
        Assert.Contains("[", text);   // a live line was drawn
        string[] kept = text.Split(Environment.NewLine);
        Assert.Equal(3, kept.Length);
        Assert.Equal("", kept[2]);
        Assert.StartsWith("epoch 1/2  10/10  loss ", kept[0].Split('\r')[^1]);
        Assert.StartsWith("epoch 2/2  10/10  loss ", kept[1].Split('\r')[^1]);
        Assert.DoesNotContain("val loss", text);
    }

    private static TrainingProgress Live(int epoch, int batch, int samples, double seconds) =>
        new(epoch, 3, batch, 100, 0.5, null, null, TimeSpan.FromSeconds(seconds), IsEpochEnd: false)
        {
            Samples = samples, SamplesPerEpoch = 3200, LearningRate = 1e-3,
        };

    private static TrainingProgress EpochEnd(int epoch, double seconds) =>
        new(epoch, 3, 100, 100, 0.25, 0.3125, 0.875, TimeSpan.FromSeconds(seconds), IsEpochEnd: true)
        {
            Samples = 3200, SamplesPerEpoch = 3200, LearningRate = 1e-3,
        };
}
