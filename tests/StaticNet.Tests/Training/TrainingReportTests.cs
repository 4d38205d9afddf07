using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using StaticNet.Metrics;
using StaticNet.Optimizers;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Training;

public sealed class TrainingReportTests
{
    private static readonly string[] ClassNames = { "Cat & \"Dog\"", "<script>x</script>", "Bird's" };

    private static (LinearModel Net, TrainingResult Result, Dataset Test) TrainThreeClasses()
    {
        var net = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        var options = new TrainerOptions { Epochs = 6, BatchSize = 16, LearningRateSchedule = LearningRateSchedule.Cosine, FinalLearningRateFactor = 0.1f };
        TrainingResult result = new Trainer(net, new Adam(0.05f), options).Fit(SyntheticData.Blobs(300, seed: 1), SyntheticData.Blobs(90, seed: 2));
        return (net, result, SyntheticData.Blobs(120, seed: 3));
    }

    [Fact]
    public void TheReportIsWellFormedAndHoldsEverySeries()
    {
        (LinearModel net, TrainingResult result, Dataset test) = TrainThreeClasses();
        TrainingReport report = TrainingReport.Create(net, result, test, ClassNames);
        string html = report.ToHtml();

        Assert.StartsWith("<!DOCTYPE html>", html);
        XDocument document = XDocument.Parse(html);   // throws unless the whole page is well-formed XML
        XElement[] svgs = document.Descendants("svg").ToArray();
        Assert.Equal(4, svgs.Length);   // loss, accuracy, learning rate, confusion matrix (three classes: no ROC)
        Assert.Equal(new[] { "Loss", "Accuracy", "Learning rate", "Confusion matrix" }, svgs.Select(s => s.Elements("text").First().Value));

        // One point per epoch in each curve: training and validation loss, training and validation accuracy, learning rate.
        XElement[] polylines = document.Descendants("polyline").ToArray();
        Assert.Equal(5, polylines.Length);
        Assert.All(polylines, p => Assert.Equal(result.EpochsRun, p.Attribute("points")!.Value.Split(' ').Length));
        string legend = string.Join("|", svgs.Take(3).SelectMany(s => s.Elements("text")).Select(t => t.Value));
        foreach (string name in new[] { "training loss", "validation loss", "training accuracy", "validation accuracy", "learning rate" })
            Assert.Contains(name, legend);

        // The learning rate falls along the cosine: the first point is highest on the page (smallest y).
        double[] lrY = polylines[4].Attribute("points")!.Value.Split(' ').Select(p => double.Parse(p.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.True(lrY.SequenceEqual(lrY.OrderBy(y => y)), "the learning-rate curve should fall epoch after epoch");

        // The heat map: one cell per pair of classes, with the counts of the confusion matrix.
        ConfusionMatrix confusion = ConfusionMatrix.Compute(net, test);
        XElement[] cells = svgs[3].Elements("rect").ToArray();
        Assert.Equal(9, cells.Length);
        Assert.Contains(Invariant($": {confusion[1, 2]} ("), cells[1 * 3 + 2].Element("title")!.Value);

        // The epoch table has a row per epoch.
        XElement epochs = document.Descendants("h2").Single(h => h.Value == "Epochs").ElementsAfterSelf("table").First();
        Assert.Equal(Enumerable.Range(1, result.EpochsRun).Select(e => e.ToString(CultureInfo.InvariantCulture)),
            epochs.Elements("tr").Where(tr => tr.Elements("td").Any()).Select(tr => tr.Elements("td").First().Value));
    }

    [Fact]
    public void NamesAreEscaped()
    {
        (LinearModel net, TrainingResult result, Dataset test) = TrainThreeClasses();
        string html = new TrainingReport(result) { Title = "Run <1> & \"friends\"", Confusion = ConfusionMatrix.Compute(net, test), ClassNames = ClassNames }.ToHtml();

        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;", html);
        Assert.Contains("Cat &amp; &quot;Dog&quot;", html);
        Assert.Contains("Run &lt;1&gt; &amp; &quot;friends&quot;", html);
        XDocument document = XDocument.Parse(html);
        Assert.Equal("Run <1> & \"friends\"", document.Descendants("h1").Single().Value);
        Assert.Contains(document.Descendants("text"), t => t.Value == "<script>x</script>");
        Assert.Contains(document.Descendants("text"), t => t.Value == "Bird's");
    }

    [Fact]
    public void ThePageLoadsNothingFromElsewhere()
    {
        (LinearModel net, TrainingResult result, Dataset test) = TrainThreeClasses();
        string html = TrainingReport.Create(net, result, test).ToHtml();

        foreach (string reference in new[] { "http:", "https:", "//", "<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import", "@font-face" })
            Assert.DoesNotContain(reference, html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void NumbersAreWrittenInTheInvariantCulture()
    {
        (LinearModel net, TrainingResult result, Dataset test) = TrainThreeClasses();
        TrainingReport report = TrainingReport.Create(net, result, test);
        string invariant = report.ToHtml();
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Equal(",", CultureInfo.CurrentCulture.NumberFormat.NumberDecimalSeparator);   // the test would prove nothing otherwise
            Assert.Equal(invariant, report.ToHtml());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
        // Coordinates are plain decimals.
        XDocument document = XDocument.Parse(invariant);
        foreach (XElement polyline in document.Descendants("polyline"))
            foreach (string point in polyline.Attribute("points")!.Value.Split(' '))
                Assert.All(point.Split(','), c => double.Parse(c, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ABinaryClassifierGetsItsRocCurveAndArea()
    {
        var net = new LinearModel(2, 2, Loss.SoftmaxCrossEntropy);
        Dataset Binary(int count, int seed)
        {
            Dataset blobs = SyntheticData.Blobs(count, seed);
            int[] twoClasses = Enumerable.Range(0, blobs.Count).Where(i => blobs.Labels[i] < 2).ToArray();
            Dataset subset = blobs.Subset(twoClasses);
            return Dataset.FromLabels(subset.Features.ToArray(), 2, subset.Labels.ToArray(), 2);
        }
        TrainingResult result = new Trainer(net, new Sgd(0.05f), new TrainerOptions { Epochs = 2 }).Fit(Binary(300, 1), Binary(90, 2));
        Dataset test = Binary(150, 3);
        TrainingReport report = TrainingReport.Create(net, result, test);

        Assert.NotNull(report.Roc);
        var scores = new float[test.Count];
        var output = new float[2];
        for (int i = 0; i < test.Count; i++)
        {
            net.Forward(test.GetFeatures(i), output);
            scores[i] = output[1] - output[0];
        }
        double auc = ClassificationMetrics.RocAuc(scores, test.Labels);
        Assert.Equal(auc, report.Roc!.Auc, 12);
        XDocument document = XDocument.Parse(report.ToHtml());
        XElement roc = document.Descendants("svg").Single(s => s.Attribute("aria-label")?.Value == "ROC curve");
        Assert.Equal(Invariant($"ROC curve (AUC {auc:0.0000})"), roc.Elements("text").First().Value);
        Assert.Contains(document.Descendants("div"), d => d.Value == "ROC AUC" + auc.ToString("0.0000", CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ARegressionRunHasNoAccuracyNorConfusion()
    {
        var net = new LinearModel(2, 1, Loss.MeanSquaredError);
        TrainingResult result = new Trainer(net, new Adam(0.05f), new TrainerOptions { Epochs = 3 }).Fit(SyntheticData.Line(64, seed: 3));
        XDocument document = XDocument.Parse(TrainingReport.Create(net, result, SyntheticData.Line(20, seed: 4)).ToHtml());

        Assert.Equal(new[] { "Loss", "Learning rate (constant)" }, document.Descendants("svg").Select(s => s.Elements("text").First().Value));
        Assert.DoesNotContain(document.Descendants("h2"), h => h.Value.StartsWith("Evaluation", StringComparison.Ordinal));
    }

    [Fact]
    public void WriteCreatesTheFileAndAWrongClassCountChangesNothing()
    {
        (LinearModel net, TrainingResult result, Dataset test) = TrainThreeClasses();
        string path = Path.Combine(Path.GetTempPath(), $"staticnet-report-{Guid.NewGuid():N}.html");
        try
        {
            var report = new TrainingReport(result) { Confusion = ConfusionMatrix.Compute(net, test), ClassNames = new[] { "a", "b" } };
            ArgumentException e = Assert.Throws<ArgumentException>(() => report.Write(path));
            Assert.Contains("Expected 3 class names", e.Message);
            Assert.Contains("found 2", e.Message);
            Assert.False(File.Exists(path));

            TrainingReport.Create(net, result, test).Write(path);
            Assert.Equal(TrainingReport.Create(net, result, test).ToHtml(), File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
