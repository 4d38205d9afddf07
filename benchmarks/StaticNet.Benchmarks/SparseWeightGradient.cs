using System;
using StaticNet.Kernels;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--sparse-dw</c> (issue 20, item 3): the weight gradient that skips exact-zero deltas (DenseSimdSparse.cs) against
/// the dense tiles, in interleaved rounds of thread CPU time in one process: the MLP's first layer (784→128, 32 rows,
/// gradient overwritten as the training code asks) at several fractions of nonzero <c>dy</c>, then the MLP's batch-32
/// <c>ComputeGradients</c> and <c>TrainStep</c> with the sparse path off, automatic and forced, and the Fashion-MNIST
/// CNN's <c>TrainStep</c> off and automatic. Minimum and median of each.
/// </summary>
public static class SparseWeightGradient
{
    private static readonly int[] Modes = { 1, 0, 2 };
    private const int Rows = 32, Inputs = 784, Width = 128;

    public static void Run()
    {
        // x one float past a cache line, as a float[]'s data is (the network's input is the first layer's x).
        var xBuffer = new AlignedBuffer(Rows * Inputs + 16);
        BenchmarkData.Random(Rows * Inputs, 5).CopyTo(xBuffer.Span.Slice(4));
        var x = xBuffer;
        var dW = new AlignedBuffer(Inputs * Width);
        var dB = new AlignedBuffer(Width);
        double[] densities = { 0, 0.25, 0.5, 0.625, 0.75, 1, -0.4, -0.6 }; // negative: that share of dead columns, the rest dense
        var dys = new AlignedBuffer[densities.Length];
        for (int d = 0; d < densities.Length; d++)
        {
            dys[d] = new AlignedBuffer(Rows * Width);
            var random = new Random(11 + d);
            float[] values = BenchmarkData.Random(Rows * Width, 20 + d);
            for (int i = 0; i < values.Length; i++)
                dys[d].Span[i] = densities[d] < 0 ? values[i] - 0.5f : random.NextDouble() < densities[d] ? values[i] - 0.5f : 0f;
            if (densities[d] < 0)
                for (int j = 0; j < Width; j++)
                    if (random.NextDouble() < -densities[d])
                        for (int r = 0; r < Rows; r++) dys[d].Span[r * Width + j] = 0f;
        }
        const int calls = 20, rounds = 31;
        var dense = new double[densities.Length, rounds];
        var sparse = new double[densities.Length, rounds];
        var automatic = new double[densities.Length, rounds];
        for (int warm = 0; warm < 200; warm++)
            for (int d = 0; d < densities.Length; d++)
            {
                Time(x, dys[d], dW, dB, 1, 1);
                Time(x, dys[d], dW, dB, 2, 1);
                Time(x, dys[d], dW, dB, 0, 1);
            }
        for (int r = 0; r < rounds; r++)
            for (int d = 0; d < densities.Length; d++)
            {
                dense[d, r] = Time(x, dys[d], dW, dB, 1, calls);
                sparse[d, r] = Time(x, dys[d], dW, dB, 2, calls);
                automatic[d, r] = Time(x, dys[d], dW, dB, 0, calls);
            }
        Console.WriteLine($"fc1 weight gradient 784→128, 32 rows, overwrite, x 16 bytes past a cache line (µs of thread CPU time per call; min / median of {rounds} interleaved rounds of {calls}):");
        Console.WriteLine($"  {"nonzero dy",10}  {"dense min/med",16}  {"zeros skipped",16}  {"automatic min/med",17}  sparse/dense, automatic/dense (medians)");
        for (int d = 0; d < densities.Length; d++)
        {
            (double dMin, double dMed) = Stats(dense, d);
            (double sMin, double sMed) = Stats(sparse, d);
            (double aMin, double aMed) = Stats(automatic, d);
            string label = densities[d] >= 0 ? $"{densities[d],10:P1}" : $"{-densities[d],4:P0} dead";
            Console.WriteLine($"  {label,10}  {dMin,7:F2} /{dMed,7:F2}  {sMin,7:F2} /{sMed,7:F2}  {aMin,8:F2} /{aMed,7:F2}  {sMed / dMed,6:F2} {aMed / dMed,6:F2}");
        }
        DenseSimd.SparseWeightGradientMode = 0;
        Mlp();
        Cnn();
    }

    private static double Time(AlignedBuffer x, AlignedBuffer dy, AlignedBuffer dW, AlignedBuffer dB, int mode, int calls)
    {
        DenseSimd.SparseWeightGradientMode = mode;
        double start = TransformerBenchmarks.ThreadCpuMicroseconds();
        for (int i = 0; i < calls; i++)
            DenseKernels.BackwardWeights(x.Span.Slice(4, Rows * Inputs), Rows, Inputs, Inputs, dy.Span, Width, dW.Span, dB.Span, overwrite: true);
        return (TransformerBenchmarks.ThreadCpuMicroseconds() - start) / calls;
    }

    private static (double Min, double Median) Stats(double[,] times, int d)
    {
        var row = new double[times.GetLength(1)];
        for (int r = 0; r < row.Length; r++) row[r] = times[d, r];
        Array.Sort(row);
        return (row[0], row[row.Length / 2]);
    }

    /// <summary>The Fashion-MNIST CNN's batch-32 step (its Dense 1568→128 behind a ReLU), the dense tiles against automatic.</summary>
    private static void Cnn()
    {
        var network = new FashionMnistCnn.FashionCnn(1) { MaxDegreeOfParallelism = 1 };
        float[] inputs = BenchmarkData.Random(32 * 784, 3);
        int[] labels = BenchmarkData.Labels(32, 10, 4);
        var adam = new Adam(1e-3f);
        for (int i = 0; i < 20; i++)
            foreach (int mode in new[] { 1, 0 })
            {
                DenseSimd.SparseWeightGradientMode = mode;
                network.TrainStep(inputs, labels, adam);
            }
        const int rounds = 15;
        var step = new double[2, rounds];
        for (int r = 0; r < rounds; r++)
            for (int m = 0; m < 2; m++)
            {
                DenseSimd.SparseWeightGradientMode = m == 0 ? 1 : 0;
                double start = TransformerBenchmarks.ThreadCpuMicroseconds();
                for (int i = 0; i < 2; i++) network.TrainStep(inputs, labels, adam);
                step[m, r] = (TransformerBenchmarks.ThreadCpuMicroseconds() - start) / 2;
            }
        DenseSimd.SparseWeightGradientMode = 0;
        (double d, double dm) = Stats(step, 0);
        (double a, double am) = Stats(step, 1);
        Console.WriteLine($"Fashion-MNIST CNN, batch 32, TrainStep (Adam; µs, min / median of {rounds} interleaved rounds of 2): " +
                          $"dense tiles {d:F0} / {dm:F0}, automatic {a:F0} / {am:F0} ({am / dm:F3}); its Dense 1568→128 dy {(double)DenseSimd.LastNonZero / DenseSimd.LastEntries:P1} nonzero");
    }

    private static void Mlp()
    {
        var network = new MnistMlp(1) { MaxDegreeOfParallelism = 1 };
        float[] inputs = BenchmarkData.Random(32 * 784, 3);
        int[] labels = BenchmarkData.Labels(32, 10, 4);
        var adam = new Adam(1e-3f);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 1000)
        {
            foreach (int mode in Modes)
            {
                DenseSimd.SparseWeightGradientMode = mode;
                network.TrainStep(inputs, labels, adam);
                network.ComputeGradients(inputs, labels);
            }
        }
        const int calls = 10, rounds = 31;
        var step = new double[Modes.Length, rounds];
        var gradients = new double[Modes.Length, rounds];
        for (int r = 0; r < rounds; r++)
            for (int m = 0; m < Modes.Length; m++)
            {
                DenseSimd.SparseWeightGradientMode = Modes[m];
                double start = TransformerBenchmarks.ThreadCpuMicroseconds();
                for (int i = 0; i < calls; i++) network.ComputeGradients(inputs, labels);
                double middle = TransformerBenchmarks.ThreadCpuMicroseconds();
                for (int i = 0; i < calls; i++) network.TrainStep(inputs, labels, adam);
                double end = TransformerBenchmarks.ThreadCpuMicroseconds();
                gradients[m, r] = (middle - start) / calls;
                step[m, r] = (end - middle) / calls;
            }
        DenseSimd.SparseWeightGradientMode = 0;
        Console.WriteLine($"  (the MLP's fc1 dy, the last Dense backward of a step: {DenseSimd.LastNonZero} of {DenseSimd.LastEntries} nonzero, {(double)DenseSimd.LastNonZero / DenseSimd.LastEntries:P1})");
        Console.WriteLine($"MLP 784-128-10, batch 32 (µs, min / median of {rounds} interleaved rounds of {calls}):");
        string[] names = { "dense tiles", "automatic", "zeros skipped" };
        (double d, double dm) = Stats(gradients, 0);
        for (int m = 0; m < Modes.Length; m++)
        {
            (double g, double gm) = Stats(gradients, m);
            (double t, double tm) = Stats(step, m);
            Console.WriteLine($"  {names[m],-14} ComputeGradients {g,7:F1} /{gm,7:F1}  ({gm / dm:F2})   TrainStep (Adam) {t,7:F1} /{tm,7:F1}");
        }
    }
}
