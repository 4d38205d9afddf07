using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace StaticNet.Training;

/// <summary>
/// Shows a <see cref="Trainer.Fit"/> run on the console: on a terminal, one line redrawn in place during each epoch
/// (progress bar, batch, samples per second, time left, loss, learning rate) and kept at the epoch's end with its
/// validation metrics; when the output is redirected (a log, CI), one line per epoch and nothing in between.
/// </summary>
/// <remarks>
/// <see cref="Report"/> writes before it returns, on the training thread, so every report is shown and in order, and
/// the last epoch's line is written before <see cref="Trainer.Fit"/> returns. (<see cref="Progress{T}"/> posts each
/// report to the thread pool or a synchronization context instead, so reports can arrive late, out of order or after
/// the run.) Numbers are formatted with the invariant culture. Not meant for use from several threads at once.
/// </remarks>
/// <example>
/// <code>
/// TrainingResult result = new Trainer(net, new Adam(1e-3f), options).Fit(train, validation, new ConsoleProgress());
/// // epoch  3/20  1688/1688  loss 0.3120  acc 0.8951  val loss 0.3319  val acc 0.8807  lr 1.0e-3  21,804 samples/s  2.5 s  ETA 0:42
/// </code>
/// </example>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private const int BarWidth = 20;
    private readonly TextWriter _writer;
    private readonly bool _interactive;
    private readonly int _width;
    private string _indent = "";
    private string _validationLabel = "val";
    private int _drawnLength;   // the length of the line being redrawn in place, 0 when none is open

    /// <summary>Writes to <see cref="Console.Out"/>, redrawing in place unless the output is redirected.</summary>
    public ConsoleProgress() : this(Console.Out, !Console.IsOutputRedirected, TerminalWidth())
    {
    }

    /// <summary>Writes to <paramref name="writer"/>, redrawing in place or one line per epoch, as told.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="interactive">
    /// True to redraw one line in place with <c>'\r'</c> (a terminal); false to write only one line per epoch (a log).
    /// </param>
    /// <param name="width">
    /// On a terminal, the most characters a redrawn line may have (a longer line would wrap, and <c>'\r'</c> would then
    /// redraw only its last part); at least 20. Default 120.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is less than 20.</exception>
    public ConsoleProgress(TextWriter writer, bool interactive, int width = 120)
    {
        Throw.IfNull(writer);
        if (width < 20)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"Expected a line width of at least 20 characters; found {width}.");
        _writer = writer;
        _interactive = interactive;
        _width = width;
    }

    /// <summary>Whether lines are redrawn in place (a terminal) rather than written one per epoch.</summary>
    public bool IsInteractive => _interactive;

    /// <summary>
    /// What the validation metrics are called on the line (<c>val loss</c>, <c>val acc</c>); e.g. <c>"test"</c> when the
    /// test set is passed to be watched. Default <c>"val"</c>.
    /// </summary>
    public string ValidationLabel
    {
        get => _validationLabel;
        set
        {
            Throw.IfNull(value);
            _validationLabel = value;
        }
    }

    /// <summary>Text written at the start of every line, e.g. spaces to indent the lines under a heading. Default empty.</summary>
    public string Indent
    {
        get => _indent;
        set
        {
            Throw.IfNull(value);
            _indent = value;
        }
    }

    /// <summary>Shows one report: redraws the live line during an epoch (on a terminal only), writes a line at its end.</summary>
    public void Report(TrainingProgress value)
    {
        if (value.IsEpochEnd)
        {
            // Blank the live line, then write the kept one in full (it may wrap: nothing redraws it).
            if (_interactive && _drawnLength > 0)
            {
                _writer.Write('\r');
                _writer.Write(new string(' ', _drawnLength));
                _writer.Write('\r');
            }
            _writer.Write(_indent + EpochLine(value, _validationLabel));
            _writer.WriteLine();
            _drawnLength = 0;
        }
        else if (_interactive)
        {
            Redraw(_indent + LiveLine(value));
        }
        _writer.Flush();
    }

    /// <summary>The line kept for an epoch, e.g. <c>epoch  3/20  1688/1688  loss 0.3120  val loss 0.3319  val acc 0.8807  lr 1.0e-3  21,804 samples/s  2.5 s  ETA 0:42</c>.</summary>
    internal static string EpochLine(TrainingProgress p, string validationLabel = "val")
    {
        var text = new StringBuilder();
        AppendEpoch(text, p);
        text.Append("  ").Append(Invariant($"{p.BatchesPerEpoch}/{p.BatchesPerEpoch}"));
        text.Append("  loss ").Append(Metric(p.TrainLoss));
        if (p.TrainAccuracy is double trainAccuracy) text.Append("  acc ").Append(Metric(trainAccuracy));
        if (p.ValidationLoss is double validationLoss) text.Append("  ").Append(validationLabel).Append(" loss ").Append(Metric(validationLoss));
        if (p.ValidationAccuracy is double validationAccuracy) text.Append("  ").Append(validationLabel).Append(" acc ").Append(Metric(validationAccuracy));
        AppendRates(text, p);
        text.Append("  ").Append(Invariant($"{p.Elapsed.TotalSeconds:0.0} s"));
        if (p.Epoch < p.Epochs && Remaining(p) is TimeSpan left) text.Append("  ETA ").Append(Duration(left));
        return text.ToString();
    }

    /// <summary>The live line during an epoch, e.g. <c>epoch  3/20  [######......]  812/1688  loss 0.3202  lr 1.0e-3  21,804 samples/s  ETA 0:45</c>.</summary>
    internal static string LiveLine(TrainingProgress p)
    {
        var text = new StringBuilder();
        AppendEpoch(text, p);
        int filled = p.BatchesPerEpoch <= 0 ? 0 : (int)Math.Min(BarWidth, (long)BarWidth * p.Batch / p.BatchesPerEpoch);
        text.Append("  [").Append('#', filled).Append('.', BarWidth - filled).Append(']');
        int digits = p.BatchesPerEpoch.ToString(CultureInfo.InvariantCulture).Length;
        text.Append("  ").Append(p.Batch.ToString(CultureInfo.InvariantCulture).PadLeft(digits)).Append('/')
            .Append(p.BatchesPerEpoch.ToString(CultureInfo.InvariantCulture));
        text.Append("  loss ").Append(Metric(p.TrainLoss));
        AppendRates(text, p);
        if (Remaining(p) is TimeSpan left) text.Append("  ETA ").Append(Duration(left));
        return text.ToString();
    }

    private void Redraw(string line)
    {
        if (line.Length > _width - 1) line = line.Substring(0, _width - 1);
        // Overwrite what is left of a longer previous line with spaces ('\r' only moves the cursor).
        int padding = Math.Max(0, _drawnLength - line.Length);
        _writer.Write('\r');
        _writer.Write(line);
        if (padding > 0) _writer.Write(new string(' ', padding));
        _drawnLength = line.Length;
    }

    private static void AppendEpoch(StringBuilder text, TrainingProgress p)
    {
        int digits = p.Epochs.ToString(CultureInfo.InvariantCulture).Length;
        text.Append("epoch ").Append(p.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(digits)).Append('/')
            .Append(p.Epochs.ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendRates(StringBuilder text, TrainingProgress p)
    {
        if (p.LearningRate is double rate) text.Append("  lr ").Append(rate == 0 ? "0" : rate.ToString("0.0#e0", CultureInfo.InvariantCulture));
        if (SamplesPerSecond(p) is double perSecond) text.Append("  ").Append(perSecond.ToString("#,0", CultureInfo.InvariantCulture)).Append(" samples/s");
    }

    /// <summary>Training samples per second over the run so far, or null when the report does not count samples.</summary>
    internal static double? SamplesPerSecond(TrainingProgress p)
    {
        double seconds = p.Elapsed.TotalSeconds;
        long done = SamplesDone(p);
        return done > 0 && seconds > 0 ? done / seconds : null;
    }

    /// <summary>
    /// The time left if every epoch runs, at the pace so far (batches, or samples when counted); null before any
    /// progress. Early stopping may end the run sooner.
    /// </summary>
    internal static TimeSpan? Remaining(TrainingProgress p)
    {
        double done, total;
        if (p.SamplesPerEpoch > 0)
        {
            done = SamplesDone(p);
            total = (double)p.SamplesPerEpoch * p.Epochs;
        }
        else
        {
            done = (double)(p.Epoch - 1) * p.BatchesPerEpoch + p.Batch;
            total = (double)p.BatchesPerEpoch * p.Epochs;
        }
        if (done <= 0 || p.Elapsed <= TimeSpan.Zero || total < done) return null;
        double seconds = p.Elapsed.TotalSeconds * (total - done) / done;
        return seconds < TimeSpan.MaxValue.TotalSeconds / 2 ? TimeSpan.FromSeconds(seconds) : null;
    }

    private static long SamplesDone(TrainingProgress p) =>
        p.SamplesPerEpoch > 0 ? (long)(p.Epoch - 1) * p.SamplesPerEpoch + p.Samples : 0;

    /// <summary>Four decimals below 10, two from 10 on, exponent form for the very large or small: <c>0.3120</c>, <c>12.41</c>.</summary>
    private static string Metric(double value) =>
        double.IsNaN(value) || double.IsInfinity(value) || Math.Abs(value) >= 1e5 || (value != 0 && Math.Abs(value) < 1e-4)
            ? value.ToString("G4", CultureInfo.InvariantCulture)
            : value.ToString(Math.Abs(value) >= 10 ? "0.00" : "0.0000", CultureInfo.InvariantCulture);

    /// <summary><c>0:42</c>, <c>12:05</c>, <c>1:02:03</c>.</summary>
    internal static string Duration(TimeSpan time)
    {
        long seconds = (long)Math.Round(time.TotalSeconds);
        long hours = seconds / 3600, minutes = seconds / 60 % 60;
        return hours > 0
            ? Invariant($"{hours}:{minutes:00}:{seconds % 60:00}")
            : Invariant($"{minutes}:{seconds % 60:00}");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static int TerminalWidth()
    {
        try
        {
            int width = Console.IsOutputRedirected ? 0 : Console.WindowWidth;
            return width >= 20 ? width : 120;
        }
        catch (IOException)
        {
            return 120;
        }
        catch (PlatformNotSupportedException)
        {
            return 120;
        }
    }
}
