using System;
using StaticNet.Training;

namespace QuickStart;

/// <summary>
/// A one-line live progress bar for <see cref="Trainer.Fit"/>, redrawn in place; one line per epoch when the output is
/// redirected (CI logs). Reports arrive on the training thread, so it implements <see cref="IProgress{T}"/> directly
/// rather than through <see cref="Progress{T}"/>, which would post them to the thread pool.
/// </summary>
internal sealed class ProgressBar : IProgress<TrainingProgress>
{
    private const int Width = 30;
    private readonly bool _interactive = !Console.IsOutputRedirected;

    public void Report(TrainingProgress p)
    {
        if (p.IsEpochEnd)
        {
            string validation = p.ValidationLoss is double loss
                ? $"  val loss {loss:F4}" + (p.ValidationAccuracy is double accuracy ? $"  val acc {accuracy:P2}" : "")
                : "";
            Write($"  epoch {p.Epoch,3}/{p.Epochs}  loss {p.TrainLoss:F4}{validation}  {p.Elapsed.TotalSeconds,6:F1} s", endLine: true);
        }
        else if (_interactive)
        {
            int filled = (int)((long)Width * p.Batch / p.BatchesPerEpoch);
            string bar = new string('█', filled) + new string('░', Width - filled);
            Write($"  epoch {p.Epoch,3}/{p.Epochs} [{bar}] {p.Batch}/{p.BatchesPerEpoch}  loss {p.TrainLoss:F4}", endLine: false);
        }
    }

    private void Write(string text, bool endLine)
    {
        if (_interactive)
        {
            int width = Math.Max(0, SafeWindowWidth() - 1);
            Console.Write("\r" + (text.Length < width ? text.PadRight(width) : text));
            if (endLine) Console.WriteLine();
        }
        else if (endLine)
        {
            Console.WriteLine(text);
        }
    }

    private static int SafeWindowWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 100; }
        catch (System.IO.IOException) { return 100; }
    }
}
