using System;
using System.Diagnostics;
using StaticNet;
using StaticNet.Training;

namespace FashionMnistCnn;

/// <summary>
/// A live progress bar for <see cref="Trainer.Fit"/> (one line per epoch when the output is redirected, as in CI logs)
/// that, at the end of each epoch, evaluates the network on the given images (the test set) and prints the epoch's
/// training loss, test loss and accuracy and its training seconds. The evaluation is not timed: its own clock
/// pauses meanwhile, so <see cref="TrainingSeconds"/> is training alone. Reports arrive on the training thread.
/// </summary>
internal sealed class EpochReporter(ITrainableNetwork network, Dataset evaluated) : IProgress<TrainingProgress>
{
    private const int Width = 30;
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private readonly Stopwatch _training = Stopwatch.StartNew();
    private double _epochStart;

    /// <summary>Seconds spent training so far, without the evaluation passes.</summary>
    public double TrainingSeconds => _training.Elapsed.TotalSeconds;

    public void Report(TrainingProgress p)
    {
        if (p.IsEpochEnd)
        {
            _training.Stop();
            double seconds = TrainingSeconds - _epochStart;
            Evaluation evaluation = Trainer.Evaluate(network, evaluated);
            Write($"  epoch {p.Epoch}/{p.Epochs}  loss {p.TrainLoss:F4}  test loss {evaluation.Loss:F4}  " +
                  $"test acc {evaluation.Accuracy:P2}  {seconds,6:F1} s", endLine: true);
            _epochStart = TrainingSeconds;
            _training.Start();
        }
        else if (_interactive)
        {
            int filled = (int)((long)Width * p.Batch / p.BatchesPerEpoch);
            string bar = new string('█', filled) + new string('░', Width - filled);
            Write($"  epoch {p.Epoch}/{p.Epochs} [{bar}] {p.Batch}/{p.BatchesPerEpoch}  loss {p.TrainLoss:F4}", endLine: false);
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
