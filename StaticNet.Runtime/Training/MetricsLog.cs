using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace StaticNet.Training;

/// <summary>The CSV metrics log of <see cref="TrainerOptions.MetricsLogPath"/>: a header, then one flushed row per epoch or validation.</summary>
internal sealed class MetricsLog : IDisposable
{
    public const string Header = "kind,epoch,step,train_loss,validation_loss,validation_accuracy,learning_rate,seconds";

    private readonly StreamWriter _writer;

    private MetricsLog(StreamWriter writer) => _writer = writer;

    /// <summary>Creates the file with its header, or appends to an existing one when resuming.</summary>
    public static MetricsLog Open(string path, bool append)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        bool writeHeader = !append || !File.Exists(path) || new FileInfo(path).Length == 0;
        var writer = new StreamWriter(path, append && !writeHeader, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        if (writeHeader)
        {
            writer.WriteLine(Header);
            writer.Flush();
        }
        return new MetricsLog(writer);
    }

    public void Write(string kind, int epoch, long step, double trainLoss, double? validationLoss, double? validationAccuracy, float learningRate, TimeSpan elapsed)
    {
        var row = new StringBuilder(96);
        row.Append(kind).Append(',')
            .Append(epoch.ToString(CultureInfo.InvariantCulture)).Append(',')
            .Append(step.ToString(CultureInfo.InvariantCulture)).Append(',')
            .Append(Number(trainLoss)).Append(',')
            .Append(validationLoss is double l ? Number(l) : "").Append(',')
            .Append(validationAccuracy is double a ? Number(a) : "").Append(',')
            .Append(learningRate.ToString("G9", CultureInfo.InvariantCulture)).Append(',')
            .Append(elapsed.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture));
        _writer.WriteLine(row.ToString());
        _writer.Flush();
    }

    private static string Number(double value) => value.ToString("G9", CultureInfo.InvariantCulture);

    public void Dispose() => _writer.Dispose();
}
