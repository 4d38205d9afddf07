using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Metrics;

namespace StaticNet.Training;

/// <summary>
/// A training report as one self-contained HTML file: the loss and accuracy curves of training and validation, the
/// learning rate, the confusion matrix as a heat map, the ROC curve of a binary classifier, the model summary and the
/// per-epoch figures. Charts are inline SVG; the file loads nothing from anywhere (no script, style sheet, font or
/// image), so it opens offline in any browser and can be attached to a CI run.
/// </summary>
/// <example>
/// <code>
/// TrainingResult result = trainer.Fit(train, validation, new ConsoleProgress());
/// TrainingReport.Create(net, result, test, classNames).Write("report.html");
/// </code>
/// </example>
public sealed class TrainingReport
{
    private static readonly string[] SeriesColors = { "#1f77b4", "#d95f02", "#2ca02c", "#7570b3" };

    /// <summary>A report of a run; add the evaluation and the model with the properties, or use <see cref="Create"/>.</summary>
    /// <param name="result">What <see cref="Trainer.Fit"/> returned.</param>
    public TrainingReport(TrainingResult result)
    {
        Throw.IfNull(result);
        Result = result;
    }

    /// <summary>The run: its per-epoch history, best epoch and early stop.</summary>
    public TrainingResult Result { get; }

    /// <summary>The page's heading. Default "Training report".</summary>
    public string Title { get; set; } = "Training report";

    /// <summary>A sentence or two under the heading (data, optimizer, …); null for none.</summary>
    public string? Description { get; set; }

    /// <summary>The network's modules and parameters, for the model section; null to leave it out.</summary>
    public NetworkSummary? Model { get; set; }

    /// <summary>The predictions on <see cref="EvaluationName"/>'s samples, drawn as a heat map; null to leave it out.</summary>
    public ConfusionMatrix? Confusion { get; set; }

    /// <summary>The ROC curve on <see cref="EvaluationName"/>'s samples, for a binary classifier; null to leave it out.</summary>
    public RocCurve? Roc { get; set; }

    /// <summary>One name per class, for the confusion matrix; null for the class indices.</summary>
    public IReadOnlyList<string>? ClassNames { get; set; }

    /// <summary>What the confusion matrix and ROC curve were computed on, e.g. "test" or "10,000 test images". Default "test".</summary>
    public string EvaluationName { get; set; } = "test";

    /// <summary>What the run's validation set is called in the charts (e.g. "test" when it was only watched). Default "validation".</summary>
    public string ValidationName { get; set; } = "validation";

    /// <summary>
    /// A report of a run with everything the network and an evaluation set give: the model summary, and for a classifier
    /// (softmax or binary cross-entropy) the confusion matrix on <paramref name="evaluation"/> and, with two classes, its
    /// ROC curve.
    /// </summary>
    /// <param name="network">The trained network.</param>
    /// <param name="result">What <see cref="Trainer.Fit"/> returned.</param>
    /// <param name="evaluation">Samples the training never saw (the test set); null for the curves and model only.</param>
    /// <param name="classNames">One name per class; null for the class indices.</param>
    /// <exception cref="ArgumentException">
    /// The evaluation set does not fit the network or is empty, or there is not one class name per class.
    /// </exception>
    public static TrainingReport Create(ITrainableNetwork network, TrainingResult result, Dataset? evaluation = null,
        IReadOnlyList<string>? classNames = null)
    {
        Throw.IfNull(network);
        Throw.IfNull(result);
        bool classifier = network.Loss is Loss.SoftmaxCrossEntropy or Loss.BinaryCrossEntropy;
        int classCount = Math.Max(2, network.OutputSize);
        if (classNames is not null && classNames.Count != classCount)
            throw new ArgumentException($"Expected {classCount} class names (one per class of the network); found {classNames.Count}.", nameof(classNames));
        ConfusionMatrix? confusion = null;
        RocCurve? roc = null;
        if (evaluation is not null && classifier)
        {
            confusion = ConfusionMatrix.Compute(network, evaluation);
            if (classCount == 2 && HasBothClasses(confusion)) roc = RocCurve.Compute(network, evaluation);
        }
        else if (evaluation is not null)
        {
            Dataset.CheckCompatible(network, evaluation, nameof(evaluation));
        }
        return new TrainingReport(result)
        {
            Model = network.Summary(),
            Confusion = confusion,
            Roc = roc,
            ClassNames = classNames,
            EvaluationName = evaluation is null ? "test" : Invariant($"{evaluation.Count:#,0} held-out samples"),
        };
    }

    private static bool HasBothClasses(ConfusionMatrix confusion) =>
        confusion[0, 0] + confusion[0, 1] > 0 && confusion[1, 0] + confusion[1, 1] > 0;

    /// <summary>Writes the report to a file (created or overwritten, UTF-8). The page is built first, so a failure leaves no partial file.</summary>
    /// <exception cref="ArgumentException"><see cref="ClassNames"/> does not have one name per class of <see cref="Confusion"/>.</exception>
    public void Write(string path)
    {
        Throw.IfNull(path);
        string html = ToHtml();
        File.WriteAllText(path, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>The report as an HTML page.</summary>
    /// <exception cref="ArgumentException"><see cref="ClassNames"/> does not have one name per class of <see cref="Confusion"/>.</exception>
    public string ToHtml()
    {
        if (Confusion is not null && ClassNames is not null && ClassNames.Count != Confusion.ClassCount)
            throw new ArgumentException($"Expected {Confusion.ClassCount} class names (one per class of the confusion matrix); found {ClassNames.Count}.", nameof(ClassNames));

        var html = new StringBuilder(32 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
            .Append("<title>").Append(Escape(Title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(Escape(Title)).Append("</h1>\n");
        if (Description is not null) html.Append("<p class=\"description\">").Append(Escape(Description)).Append("</p>\n");
        AppendKeyFigures(html);

        IReadOnlyList<EpochRecord> history = Result.History;
        html.Append("<h2>Learning curves</h2>\n<div class=\"charts\">\n");
        AppendLossChart(html, history);
        AppendAccuracyChart(html, history);
        AppendLearningRateChart(html, history);
        html.Append("</div>\n");

        if (Confusion is not null || Roc is not null)
        {
            html.Append("<h2>Evaluation on ").Append(Escape(EvaluationName)).Append("</h2>\n<div class=\"charts\">\n");
            if (Confusion is not null) AppendConfusion(html, Confusion);
            if (Roc is not null) AppendRoc(html, Roc);
            html.Append("</div>\n");
        }
        if (Model is not null) AppendModel(html, Model);
        AppendHistoryTable(html, history);
        html.Append("<p class=\"footer\">Written by StaticNet's TrainingReport.</p>\n</body>\n</html>\n");
        return html.ToString();
    }

    private const string Style =
        "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:24px auto;max-width:1180px;padding:0 16px;color:#222;background:#fff}\n" +
        "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}\n" +
        ".description{color:#444;margin:4px 0 12px}.footer{color:#888;font-size:12px;margin-top:32px}\n" +
        ".figures{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.figure{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}\n" +
        ".figure .label{font-size:12px;color:#666}.figure .value{font-size:18px;font-weight:600}\n" +
        ".charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.chart{border:1px solid #e4e4e4;border-radius:6px;padding:4px}.side{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.side table{margin-top:48px}\n" +
        ".note{color:#666;font-size:13px;max-width:1100px}\n" +
        "table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}\n" +
        "th{background:#f6f6f6;white-space:nowrap}td{white-space:nowrap}td.wrap{white-space:normal}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.best td{background:#fff6d5}\n" +
        "svg text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}\n";

    private void AppendKeyFigures(StringBuilder html)
    {
        IReadOnlyList<EpochRecord> history = Result.History;
        var figures = new List<(string Label, string Value)>();
        double seconds = 0;
        foreach (EpochRecord epoch in history) seconds += epoch.Seconds;
        figures.Add(("epochs run", Invariant($"{Result.EpochsRun}") + (Result.StoppedEarly ? " (stopped early)" : "")));
        figures.Add(("time, evaluation included", Invariant($"{seconds:0.0} s")));
        if (history.Count > 0)
        {
            // The figures of the epoch whose weights the network ended with: the best one when they were restored.
            EpochRecord kept = history[KeptEpoch - 1];
            if (Result.RestoredBestWeights) figures.Add(("best epoch (weights restored)", Invariant($"{kept.Epoch}")));
            string when = Result.RestoredBestWeights ? " (best epoch)" : " (last epoch)";
            figures.Add(("training loss" + when, FormatMetric(kept.TrainLoss)));
            if (kept.ValidationLoss is double loss) figures.Add((ValidationName + " loss" + when, FormatMetric(loss)));
            if (kept.ValidationAccuracy is double accuracy) figures.Add((ValidationName + " accuracy" + when, Percent(accuracy)));
        }
        if (Confusion is not null) figures.Add(("accuracy on " + EvaluationName, Percent(Confusion.Accuracy)));
        if (Roc is not null) figures.Add(("ROC AUC", Roc.Auc.ToString("0.0000", CultureInfo.InvariantCulture)));
        if (Model is not null) figures.Add(("parameters", Model.ParameterCount.ToString("#,0", CultureInfo.InvariantCulture)));

        html.Append("<div class=\"figures\">\n");
        foreach ((string label, string value) in figures)
            html.Append("<div class=\"figure\"><div class=\"label\">").Append(Escape(label)).Append("</div><div class=\"value\">")
                .Append(Escape(value)).Append("</div></div>\n");
        html.Append("</div>\n");
    }

    /// <summary>The epoch (from 1) whose weights the network ended with.</summary>
    private int KeptEpoch => Result.RestoredBestWeights ? Math.Min(Math.Max(Result.BestEpoch, 1), Result.History.Count) : Result.History.Count;

    private void AppendLossChart(StringBuilder html, IReadOnlyList<EpochRecord> history)
    {
        var series = new List<Series>
        {
            new("training loss (mean over the epoch)", SeriesColors[0], Dashed: false, Values(history, r => r.TrainLoss)),
        };
        if (Any(history, r => r.ValidationLoss))
            series.Add(new Series(ValidationName + " loss (after the epoch)", SeriesColors[1], Dashed: true, Values(history, r => r.ValidationLoss)));
        html.Append("<div class=\"chart\">");
        LineChart(html, "Loss", "loss", series, AxisFormat.Number, fromZero: false);
        html.Append("</div>\n");
    }

    private void AppendAccuracyChart(StringBuilder html, IReadOnlyList<EpochRecord> history)
    {
        var series = new List<Series>();
        if (Any(history, r => r.TrainAccuracy))
            series.Add(new Series("training accuracy (sample, after the epoch)", SeriesColors[0], Dashed: false, Values(history, r => r.TrainAccuracy)));
        if (Any(history, r => r.ValidationAccuracy))
            series.Add(new Series(ValidationName + " accuracy", SeriesColors[1], Dashed: true, Values(history, r => r.ValidationAccuracy)));
        if (series.Count == 0) return;
        html.Append("<div class=\"chart\">");
        LineChart(html, "Accuracy", "accuracy", series, AxisFormat.Percent, fromZero: false);
        html.Append("</div>\n");
    }

    private void AppendLearningRateChart(StringBuilder html, IReadOnlyList<EpochRecord> history)
    {
        if (!Any(history, r => r.LearningRate)) return;
        var series = new List<Series> { new("learning rate at the epoch's first step", SeriesColors[2], Dashed: false, Values(history, r => r.LearningRate)) };
        html.Append("<div class=\"chart\">");
        bool constant = series[0].Values.All(v => v is null || v == series[0].Values.First(x => x is not null));
        LineChart(html, constant ? "Learning rate (constant)" : "Learning rate", "learning rate", series, AxisFormat.Number, fromZero: true);
        html.Append("</div>\n");
    }

    private enum AxisFormat { Number, Percent }

    private sealed record Series(string Name, string Color, bool Dashed, double?[] Values);

    private static double?[] Values(IReadOnlyList<EpochRecord> history, Func<EpochRecord, double?> value)
    {
        var values = new double?[history.Count];
        for (int i = 0; i < values.Length; i++)
        {
            double? v = value(history[i]);
            values[i] = v is double d && !double.IsNaN(d) && !double.IsInfinity(d) ? d : null;
        }
        return values;
    }

    private static bool Any(IReadOnlyList<EpochRecord> history, Func<EpochRecord, double?> value)
    {
        foreach (EpochRecord record in history)
            if (value(record) is double d && !double.IsNaN(d) && !double.IsInfinity(d)) return true;
        return false;
    }

    // One chart: epochs on x, one polyline per series (broken where a value is missing), a legend above the plot.
    private void LineChart(StringBuilder svg, string title, string yTitle, List<Series> series, AxisFormat format, bool fromZero)
    {
        const double Width = 550, Height = 330, Left = 70, Right = 18, Top = 40 + 18, Bottom = 50;
        double legendHeight = 18 * series.Count;
        double plotTop = Top + legendHeight - 18, plotBottom = Height + legendHeight - Bottom, plotLeft = Left, plotRight = Width - Right;
        int epochs = Result.History.Count;

        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (Series s in series)
            foreach (double? v in s.Values)
                if (v is double d) { min = Math.Min(min, d); max = Math.Max(max, d); }
        if (double.IsInfinity(min)) { min = 0; max = 1; }
        if (fromZero && min > 0) min = 0;
        if (format == AxisFormat.Percent) { min = Math.Max(0, min); max = Math.Min(1, max); }
        // A loss that falls by more than a factor of 20 is drawn on a log scale, or the first epochs would flatten the rest.
        bool log = format == AxisFormat.Number && !fromZero && min > 0 && max / min >= 20;
        double yMin, yMax;
        double[] yTicks = log ? LogTicks(min, max, out yMin, out yMax) : NiceTicks(min, max, 5, out yMin, out yMax);
        if (format == AxisFormat.Percent) { yMin = Math.Max(0, yMin); yMax = Math.Min(1, Math.Max(yMax, yMin + 1e-9)); }
        double Scale(double value) => log ? Math.Log10(value) : value;

        double xMin = epochs == 1 ? 0 : 1, xMax = epochs == 1 ? 2 : epochs;
        double X(double epoch) => plotLeft + (epoch - xMin) / (xMax - xMin) * (plotRight - plotLeft);
        double Y(double value) => plotBottom - (Scale(value) - Scale(yMin)) / (Scale(yMax) - Scale(yMin)) * (plotBottom - plotTop);

        svg.Append(Invariant($"<svg width=\"{Width}\" height=\"{Height + legendHeight}\" viewBox=\"0 0 {Width} {Height + legendHeight}\" role=\"img\" aria-label=\"")).Append(Escape(title)).Append("\">\n");
        svg.Append(Invariant($"<text x=\"{Width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"600\">")).Append(Escape(title)).Append("</text>\n");
        for (int i = 0; i < series.Count; i++)
        {
            double y = 38 + 18 * i;
            svg.Append(Invariant($"<line x1=\"{plotLeft + 8}\" y1=\"{y - 4}\" x2=\"{plotLeft + 36}\" y2=\"{y - 4}\" stroke=\"{series[i].Color}\" stroke-width=\"2.5\"{Dash(series[i])}/>"))
                .Append(Invariant($"<text x=\"{plotLeft + 44}\" y=\"{y}\" font-size=\"12\">")).Append(Escape(series[i].Name)).Append("</text>\n");
        }

        // Grid, axes and tick labels.
        foreach (double tick in yTicks)
        {
            if (tick < yMin - 1e-12 || tick > yMax + 1e-12) continue;
            double y = Y(tick);
            svg.Append(Invariant($"<line x1=\"{plotLeft}\" y1=\"{y:0.##}\" x2=\"{plotRight}\" y2=\"{y:0.##}\" stroke=\"#e6e6e6\"/>"))
                .Append(Invariant($"<text x=\"{plotLeft - 6}\" y=\"{y + 4:0.##}\" font-size=\"11\" text-anchor=\"end\">"))
                .Append(format == AxisFormat.Percent ? Percent(tick, yTicks) : log ? LogTickLabel(tick) : TickLabel(tick, yTicks)).Append("</text>\n");
        }
        foreach (int epoch in EpochTicks(epochs))
        {
            double x = X(epoch);
            svg.Append(Invariant($"<line x1=\"{x:0.##}\" y1=\"{plotBottom}\" x2=\"{x:0.##}\" y2=\"{plotBottom + 4}\" stroke=\"#444\"/>"))
                .Append(Invariant($"<text x=\"{x:0.##}\" y=\"{plotBottom + 17}\" font-size=\"11\" text-anchor=\"middle\">{epoch}</text>\n"));
        }
        svg.Append(Invariant($"<line x1=\"{plotLeft}\" y1=\"{plotBottom}\" x2=\"{plotRight}\" y2=\"{plotBottom}\" stroke=\"#444\"/>"))
            .Append(Invariant($"<line x1=\"{plotLeft}\" y1=\"{plotTop}\" x2=\"{plotLeft}\" y2=\"{plotBottom}\" stroke=\"#444\"/>\n"));
        svg.Append(Invariant($"<text x=\"{(plotLeft + plotRight) / 2}\" y=\"{plotBottom + 38}\" font-size=\"12\" text-anchor=\"middle\">epoch</text>\n"));
        svg.Append(Invariant($"<text transform=\"translate(16,{(plotTop + plotBottom) / 2:0.##}) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">")).Append(Escape(log ? yTitle + " (log scale)" : yTitle)).Append("</text>\n");

        // The best epoch, when the run went back to its weights.
        if (Result.RestoredBestWeights && epochs > 1)
        {
            double x = X(KeptEpoch);
            bool labelLeft = x > (plotLeft + plotRight) / 2;
            svg.Append(Invariant($"<line x1=\"{x:0.##}\" y1=\"{plotTop}\" x2=\"{x:0.##}\" y2=\"{plotBottom}\" stroke=\"#999\" stroke-dasharray=\"3 3\"/>"))
                .Append(Invariant($"<text x=\"{(labelLeft ? x - 4 : x + 4):0.##}\" y=\"{plotTop - 5}\" font-size=\"11\" fill=\"#666\" text-anchor=\"{(labelLeft ? "end" : "start")}\">best epoch, weights restored</text>\n"));
        }

        // The series: polylines broken at missing values, with markers when there are few epochs.
        bool markers = epochs <= 40;
        foreach (Series s in series)
        {
            var points = new StringBuilder();
            void Flush()
            {
                if (points.Length == 0) return;
                svg.Append(Invariant($"<polyline fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\"{Dash(s)} points=\"")).Append(points.ToString().TrimEnd()).Append("\"/>\n");
                points.Clear();
            }
            for (int i = 0; i < s.Values.Length; i++)
            {
                if (s.Values[i] is double v) points.Append(Invariant($"{X(i + 1):0.##},{Y(v):0.##} "));
                else Flush();
            }
            Flush();
            if (!markers) continue;
            for (int i = 0; i < s.Values.Length; i++)
            {
                if (s.Values[i] is not double v) continue;
                svg.Append(Invariant($"<circle cx=\"{X(i + 1):0.##}\" cy=\"{Y(v):0.##}\" r=\"3\" fill=\"{(s.Dashed ? "#fff" : s.Color)}\" stroke=\"{s.Color}\" stroke-width=\"1.5\">"))
                    .Append("<title>").Append(Escape(s.Name)).Append(Invariant($", epoch {i + 1}: ")).Append(format == AxisFormat.Percent ? Percent(v) : FormatMetric(v)).Append("</title></circle>\n");
            }
        }
        svg.Append("</svg>");
    }

    private static string Dash(Series s) => s.Dashed ? " stroke-dasharray=\"7 4\"" : "";

    private static IEnumerable<int> EpochTicks(int epochs)
    {
        int step = epochs <= 12 ? 1 : (int)Math.Ceiling(NiceStep(epochs / 8.0));
        step = Math.Max(1, step);
        yield return 1;
        for (int e = step; e <= epochs; e += step)
            if (e != 1) yield return e;
    }

    // A 1-2-5 step that puts about `count` ticks on [min, max]; the axis range is widened to whole steps.
    internal static double[] NiceTicks(double min, double max, int count, out double axisMin, out double axisMax)
    {
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            min -= pad;
            max += pad;
        }
        double step = NiceStep((max - min) / count);
        axisMin = Math.Floor(min / step + 1e-9) * step;
        axisMax = Math.Ceiling(max / step - 1e-9) * step;
        var ticks = new List<double>();
        for (double t = axisMin; t <= axisMax + step * 1e-6; t += step) ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        return ticks.ToArray();
    }

    // 1-2-5 ticks over the decades of [min, max] (only the powers of ten beyond four decades); the axis spans whole ticks.
    internal static double[] LogTicks(double min, double max, out double axisMin, out double axisMax)
    {
        int low = (int)Math.Floor(Math.Log10(min)), high = (int)Math.Ceiling(Math.Log10(max));
        double[] mantissas = high - low > 4 ? new[] { 1.0 } : new[] { 1.0, 2.0, 5.0 };
        var candidates = new List<double>();
        for (int e = low; e <= high; e++)
            foreach (double m in mantissas) candidates.Add(m * Math.Pow(10, e));
        axisMin = candidates[0];
        axisMax = candidates[candidates.Count - 1];
        foreach (double c in candidates) if (c <= min * (1 + 1e-9)) axisMin = c;
        for (int i = candidates.Count - 1; i >= 0; i--) if (candidates[i] >= max * (1 - 1e-9)) axisMax = candidates[i];
        var ticks = new List<double>();
        foreach (double c in candidates) if (c >= axisMin && c <= axisMax) ticks.Add(c);
        return ticks.ToArray();
    }

    private static string LogTickLabel(double value) =>
        value >= 1e-3 && value < 1e6 ? value.ToString("0.####", CultureInfo.InvariantCulture) : value.ToString("0e0", CultureInfo.InvariantCulture);

    private static double NiceStep(double raw)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double fraction = raw / magnitude;
        double nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
        return nice * magnitude;
    }

    // Tick labels with as many decimals as the step needs, and the same for every tick of an axis.
    private static string TickLabel(double value, double[] ticks)
    {
        double step = ticks.Length > 1 ? ticks[1] - ticks[0] : Math.Abs(value);
        double largest = Math.Max(Math.Abs(ticks[0]), Math.Abs(ticks[ticks.Length - 1]));
        if (largest != 0 && (largest < 1e-3 || largest >= 1e6)) return value == 0 ? "0" : value.ToString("0.##e0", CultureInfo.InvariantCulture);
        int decimals = step <= 0 ? 2 : Math.Max(0, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        return value.ToString("F" + Math.Min(decimals, 8).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string Percent(double value, double[] ticks)
    {
        double step = ticks.Length > 1 ? ticks[1] - ticks[0] : 0.1;
        int decimals = Math.Max(0, (int)Math.Ceiling(-Math.Log10(step * 100) - 1e-9));
        return (value * 100).ToString("F" + Math.Min(decimals, 4).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " %";
    }

    private static string Percent(double value) => (value * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %";

    private static string FormatMetric(double value) =>
        Math.Abs(value) >= 1e5 || (value != 0 && Math.Abs(value) < 1e-4) ? value.ToString("G4", CultureInfo.InvariantCulture) : value.ToString("0.0000", CultureInfo.InvariantCulture);

    private string ClassName(int c) =>
        ClassNames is not null ? ClassNames[c] : c.ToString(CultureInfo.InvariantCulture);

    // The confusion matrix as a heat map: each cell's colour is its share of its row (the actual class), so the diagonal
    // reads as each class's recall; the counts are written in the cells.
    private void AppendConfusion(StringBuilder html, ConfusionMatrix confusion)
    {
        int n = confusion.ClassCount;
        int longest = 1;
        for (int c = 0; c < n; c++) longest = Math.Max(longest, ClassName(c).Length);
        double labelWidth = 14 + 7 * Math.Min(longest, 24);
        double cell = n <= 12 ? 46 : Math.Max(12, 560.0 / n);
        bool numbers = cell >= 28;
        double left = 30 + labelWidth, top = 46 + labelWidth * 0.72 + 10;
        // Wide enough for the last column's slanted label and for the caption under the matrix.
        double width = Math.Max(left + n * cell + labelWidth * 0.72 + 12, 430), height = top + n * cell + 40;

        // The per-class table beside a large matrix; under a small one, so that a ROC curve fits next to it.
        html.Append(n > 3 ? "<div class=\"chart side\">" : "<div class=\"chart\">");
        html.Append(Invariant($"<svg width=\"{width:0.##}\" height=\"{height:0.##}\" viewBox=\"0 0 {width:0.##} {height:0.##}\" role=\"img\" aria-label=\"confusion matrix\">\n"));
        html.Append(Invariant($"<text x=\"{width / 2:0.##}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"600\">Confusion matrix</text>\n"));
        html.Append(Invariant($"<text x=\"{left + n * cell / 2:0.##}\" y=\"40\" text-anchor=\"middle\" font-size=\"12\">predicted class</text>\n"));
        html.Append(Invariant($"<text transform=\"translate(14,{top + n * cell / 2:0.##}) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">actual class</text>\n"));
        for (int c = 0; c < n; c++)
        {
            double centre = top + c * cell + cell / 2;
            html.Append(Invariant($"<text x=\"{left - 6:0.##}\" y=\"{centre + 4:0.##}\" text-anchor=\"end\" font-size=\"12\">")).Append(Escape(Shorten(ClassName(c)))).Append("</text>\n");
            double x = left + c * cell + cell / 2;
            html.Append(Invariant($"<text transform=\"translate({x + 4:0.##},{top - 6:0.##}) rotate(-45)\" font-size=\"12\">")).Append(Escape(Shorten(ClassName(c)))).Append("</text>\n");
        }
        for (int actual = 0; actual < n; actual++)
        {
            long rowTotal = 0;
            for (int p = 0; p < n; p++) rowTotal += confusion[actual, p];
            for (int predicted = 0; predicted < n; predicted++)
            {
                long count = confusion[actual, predicted];
                double share = rowTotal == 0 ? 0 : (double)count / rowTotal;
                double x = left + predicted * cell, y = top + actual * cell;
                html.Append(Invariant($"<rect x=\"{x:0.##}\" y=\"{y:0.##}\" width=\"{cell:0.##}\" height=\"{cell:0.##}\" fill=\"{HeatColor(share)}\" stroke=\"#fff\"><title>"))
                    .Append(Escape(ClassName(actual))).Append(" predicted as ").Append(Escape(ClassName(predicted)))
                    .Append(Invariant($": {count} ({share * 100:0.0} % of the class)</title></rect>"));
                if (numbers)
                    html.Append(Invariant($"<text x=\"{x + cell / 2:0.##}\" y=\"{y + cell / 2 + 4:0.##}\" text-anchor=\"middle\" font-size=\"{(count >= 10000 ? 10 : 11)}\" fill=\"{(share > 0.5 ? "#fff" : "#222")}\">{count}</text>"));
                html.Append('\n');
            }
        }
        html.Append(Invariant($"<text x=\"12\" y=\"{top + n * cell + 22:0.##}\" font-size=\"11\" fill=\"#666\">colour: share of the actual class (row); the diagonal is each class's recall</text>\n"));
        html.Append("</svg>");

        html.Append("<table><tr><th>class</th><th class=\"n\">precision</th><th class=\"n\">recall</th><th class=\"n\">F1</th><th class=\"n\">samples</th></tr>\n");
        for (int c = 0; c < n; c++)
        {
            long support = 0;
            for (int p = 0; p < n; p++) support += confusion[c, p];
            html.Append("<tr><td>").Append(Escape(ClassName(c))).Append("</td>")
                .Append(Invariant($"<td class=\"n\">{confusion.Precision(c):0.0000}</td><td class=\"n\">{confusion.Recall(c):0.0000}</td><td class=\"n\">{confusion.F1(c):0.0000}</td><td class=\"n\">{support:#,0}</td></tr>\n"));
        }
        html.Append(Invariant($"<tr><th>accuracy {confusion.Accuracy * 100:0.00} %</th><th class=\"n\">{confusion.MacroPrecision:0.0000}</th><th class=\"n\">{confusion.MacroRecall:0.0000}</th><th class=\"n\">{confusion.MacroF1:0.0000}</th><th class=\"n\">{confusion.Total:#,0}</th></tr>\n"));
        html.Append("</table></div>\n");
    }

    private static string Shorten(string name) => name.Length <= 24 ? name : name.Substring(0, 23) + "…";

    // White to dark blue.
    private static string HeatColor(double share)
    {
        share = Math.Max(0, Math.Min(1, share));
        double t = Math.Sqrt(share);   // spreads the small off-diagonal shares, which matter most
        int r = (int)Math.Round(247 + (8 - 247) * t), g = (int)Math.Round(251 + (48 - 251) * t), b = (int)Math.Round(255 + (107 - 255) * t);
        return Invariant($"#{r:x2}{g:x2}{b:x2}");
    }

    private static void AppendRoc(StringBuilder html, RocCurve roc)
    {
        const double Size = 320, Left = 62, Top = 48, Width = Left + Size + 24, Height = Top + Size + 52;
        double X(double fpr) => Left + fpr * Size;
        double Y(double tpr) => Top + (1 - tpr) * Size;

        html.Append("<div class=\"chart\">");
        html.Append(Invariant($"<svg width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"ROC curve\">\n"));
        html.Append(Invariant($"<text x=\"{Width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"600\">ROC curve (AUC {roc.Auc:0.0000})</text>\n"));
        html.Append(Invariant($"<text x=\"{Width / 2}\" y=\"38\" text-anchor=\"middle\" font-size=\"11\" fill=\"#666\">{roc.Positives:#,0} positive, {roc.Negatives:#,0} negative samples</text>\n"));
        for (int i = 0; i <= 5; i++)
        {
            double v = i / 5.0;
            string label = v.ToString("0.0", CultureInfo.InvariantCulture);
            html.Append(Invariant($"<line x1=\"{X(v):0.##}\" y1=\"{Top}\" x2=\"{X(v):0.##}\" y2=\"{Top + Size}\" stroke=\"#eee\"/><line x1=\"{Left}\" y1=\"{Y(v):0.##}\" x2=\"{Left + Size}\" y2=\"{Y(v):0.##}\" stroke=\"#eee\"/>"))
                .Append(Invariant($"<text x=\"{X(v):0.##}\" y=\"{Top + Size + 16}\" font-size=\"11\" text-anchor=\"middle\">{label}</text>"))
                .Append(Invariant($"<text x=\"{Left - 6}\" y=\"{Y(v) + 4:0.##}\" font-size=\"11\" text-anchor=\"end\">{label}</text>\n"));
        }
        html.Append(Invariant($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Size}\" height=\"{Size}\" fill=\"none\" stroke=\"#444\"/>\n"));
        html.Append(Invariant($"<line x1=\"{X(0)}\" y1=\"{Y(0)}\" x2=\"{X(1)}\" y2=\"{Y(1)}\" stroke=\"#aaa\" stroke-dasharray=\"5 4\"/>"))
            .Append(Invariant($"<text x=\"{X(0.62):0.##}\" y=\"{Y(0.55):0.##}\" font-size=\"11\" fill=\"#888\" transform=\"rotate(-45 {X(0.62):0.##} {Y(0.55):0.##})\">chance</text>\n"));

        // Keep the points that move the curve by at least a thousandth (a drawing needs no more), and the ends.
        var points = new StringBuilder();
        RocPoint last = roc.Points[0];
        points.Append(Invariant($"{X(last.FalsePositiveRate):0.##},{Y(last.TruePositiveRate):0.##}"));
        for (int i = 1; i < roc.Points.Count; i++)
        {
            RocPoint p = roc.Points[i];
            bool end = i == roc.Points.Count - 1;
            if (!end && Math.Abs(p.FalsePositiveRate - last.FalsePositiveRate) < 1e-3 && Math.Abs(p.TruePositiveRate - last.TruePositiveRate) < 1e-3) continue;
            points.Append(Invariant($" {X(p.FalsePositiveRate):0.##},{Y(p.TruePositiveRate):0.##}"));
            last = p;
        }
        html.Append(Invariant($"<polyline fill=\"none\" stroke=\"{SeriesColors[0]}\" stroke-width=\"2.5\" points=\"")).Append(points).Append("\"/>\n");
        html.Append(Invariant($"<text x=\"{Left + Size / 2}\" y=\"{Top + Size + 36}\" font-size=\"12\" text-anchor=\"middle\">false positive rate</text>\n"));
        html.Append(Invariant($"<text transform=\"translate(16,{Top + Size / 2}) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">true positive rate</text>\n"));
        html.Append("</svg></div>\n");
    }

    private static void AppendModel(StringBuilder html, NetworkSummary model)
    {
        html.Append("<h2>Model: ").Append(Escape(model.NetworkName)).Append("</h2>\n");
        html.Append("<p class=\"note\">").Append(Escape(Invariant($"{Plural(model.InputSize, "input")} → {Plural(model.OutputSize, "output")}; {model.ParameterCount:#,0} trainable parameters ({model.ParameterCount * 4.0 / 1024:#,0.0} KiB as float32)")));
        if (model.BufferElements > 0) html.Append(Escape(Invariant($", {model.BufferElements:#,0} buffer elements (running statistics)")));
        html.Append(model.MultiplyAdds is long macs
            ? Escape(Invariant($"; {macs:#,0} multiply-adds ({macs * 2:#,0} FLOPs) per sample.")) : ".").Append("</p>\n");
        html.Append("<table><tr><th>module</th><th>kind</th><th>sizes</th><th>output</th><th>tensors (PyTorch names and shapes)</th><th class=\"n\">parameters</th><th class=\"n\">mult-adds</th></tr>\n");
        foreach (LayerSummary layer in model.Layers)
        {
            html.Append("<tr><td>").Append(Escape(layer.Name.Length == 0 ? "(top)" : layer.Name)).Append("</td><td>").Append(Escape(layer.Kind))
                .Append("</td><td>").Append(Escape(layer.Description)).Append("</td><td>").Append(Escape(layer.OutputShape)).Append("</td><td class=\"wrap\">");
            for (int i = 0; i < layer.Tensors.Count; i++)
            {
                if (i > 0) html.Append(", ");
                html.Append(Escape(layer.Tensors[i].Name)).Append(' ').Append(Escape(layer.Tensors[i].ShapeText));
            }
            html.Append(Invariant($"</td><td class=\"n\">{layer.Parameters:#,0}</td><td class=\"n\">"))
                .Append(layer.MultiplyAdds is long count ? count.ToString("#,0", CultureInfo.InvariantCulture) : "?").Append("</td></tr>\n");
        }
        html.Append("</table>\n");
        if (model.IsInferredFromTensors)
            html.Append("<p class=\"note\">Modules are told from their tensors; layers without tensors (activations, pooling, Flatten, Dropout) " +
                        "are not listed, and ? or … mark sizes the network does not expose at run time (see its generated file's header for the full topology).</p>\n");
    }

    private void AppendHistoryTable(StringBuilder html, IReadOnlyList<EpochRecord> history)
    {
        bool trainAccuracy = Any(history, r => r.TrainAccuracy), validationLoss = Any(history, r => r.ValidationLoss),
            validationAccuracy = Any(history, r => r.ValidationAccuracy), learningRate = Any(history, r => r.LearningRate);
        html.Append("<h2>Epochs</h2>\n<table><tr><th class=\"n\">epoch</th><th class=\"n\">training loss</th>");
        if (trainAccuracy) html.Append("<th class=\"n\">training accuracy</th>");
        if (validationLoss) html.Append("<th class=\"n\">").Append(Escape(ValidationName)).Append(" loss</th>");
        if (validationAccuracy) html.Append("<th class=\"n\">").Append(Escape(ValidationName)).Append(" accuracy</th>");
        if (learningRate) html.Append("<th class=\"n\">learning rate</th>");
        html.Append("<th class=\"n\">seconds</th></tr>\n");
        foreach (EpochRecord r in history)
        {
            html.Append(Result.RestoredBestWeights && r.Epoch == KeptEpoch ? "<tr class=\"best\">" : "<tr>")
                .Append(Invariant($"<td class=\"n\">{r.Epoch}</td><td class=\"n\">{FormatMetric(r.TrainLoss)}</td>"));
            if (trainAccuracy) html.Append("<td class=\"n\">").Append(r.TrainAccuracy is double a ? Percent(a) : "").Append("</td>");
            if (validationLoss) html.Append("<td class=\"n\">").Append(r.ValidationLoss is double l ? FormatMetric(l) : "").Append("</td>");
            if (validationAccuracy) html.Append("<td class=\"n\">").Append(r.ValidationAccuracy is double v ? Percent(v) : "").Append("</td>");
            if (learningRate) html.Append("<td class=\"n\">").Append(r.LearningRate is double lr ? lr.ToString("G4", CultureInfo.InvariantCulture) : "").Append("</td>");
            html.Append(Invariant($"<td class=\"n\">{r.Seconds:0.000}</td></tr>\n"));
        }
        html.Append("</table>\n");
        if (Result.RestoredBestWeights) html.Append("<p class=\"note\">The highlighted row is the best epoch, whose weights the network was given back at the end.</p>\n");
    }

    /// <summary>Text and attribute values with the five XML special characters escaped.</summary>
    internal static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': escaped.Append("&amp;"); break;
                case '<': escaped.Append("&lt;"); break;
                case '>': escaped.Append("&gt;"); break;
                case '"': escaped.Append("&quot;"); break;
                case '\'': escaped.Append("&#39;"); break;
                default:
                    // Control characters other than tab and newline are not allowed in XML; a name should not hold them.
                    if (c < ' ' && c != '\t' && c != '\n') escaped.Append('?');
                    else escaped.Append(c);
                    break;
            }
        }
        return escaped.ToString();
    }

    private static string Plural(long count, string noun) =>
        count.ToString("#,0", CultureInfo.InvariantCulture) + " " + noun + (count == 1 ? "" : "s");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
