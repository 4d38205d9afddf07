using System;
using System.Diagnostics;
using System.Numerics.Tensors;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--scaling-model</c> (issue 20, item 4): measures the parts of a data-parallel training step on this machine and
/// predicts the step time and speed-up on more cores. A step of batch <c>B</c> on <c>W</c> workers runs
/// <c>R = ⌈B / 32W⌉</c> rounds; in each, every worker computes one 32-row chunk (<c>t_chunk</c>), waits at a barrier,
/// adds its 1/W slice of the round's W chunk gradients (P/W floats from each: P additions per worker, the same as one
/// chunk's own reduction on one worker, <c>t_add</c>), and waits at a second barrier; then the workers compute the
/// gradient's norm and the optimizer update, each over its 1/W of the parameters (<c>t_update / W</c>). Measured here: <c>t_chunk</c> as <c>ComputeGradients</c> at batch 32 (one
/// chunk: no reduction, no barrier), <c>t_update</c> as <c>TrainStep</c> minus that, <c>t_add</c> as one add-and-clear
/// pass over P floats, and the synchronisation and cross-core cost per round <c>t_sync</c> as the 2-worker
/// <c>ComputeGradients</c> at batch 64 (one round) minus <c>t_chunk + t_add</c>. Minima of interleaved rounds (the
/// machine is shared). One core at batch B costs <c>(B/32)·t_chunk + (B/32 − 1)·t_add + t_update</c>; W cores
/// <c>R·(t_chunk + t_add + t_sync) + t_update / W</c> (the split step's own two barriers counted in neither).
/// </summary>
public static class ScalingModel
{
    public static void Run()
    {
        foreach (string network in new[] { "MLP", "CNN" })
        {
            int parameters = network == "MLP" ? 101_770 : 206_922;
            var one = new Net(network, 1);
            var two = new Net(network, 2);
            // Interleaved minima: one chunk's gradient (batch 32: no reduction, no barrier), a whole step at batch 32,
            // and the 2-worker gradient at batch 64 (one round: two chunks, the reduction, two barriers).
            Func<float>[] bodies = { () => one.Gradients(32), () => one.Step(32), () => two.Gradients(64), () => one.Gradients(64) };
            double[] best = Minima(bodies, network == "MLP" ? 40 : 4);
            double chunk = best[0], update = best[1] - best[0], add = AddPass(parameters);
            double sync = best[2] - chunk - add; // the second worker's chunk runs alongside the first
            Console.WriteLine($"{network} ({parameters:N0} parameters), minima of 25 interleaved rounds:");
            Console.WriteLine($"  gradient batch 32 (1 chunk) {best[0]:F3} ms; step batch 32 {best[1]:F3} ms; gradient batch 64 on 1 worker {best[3]:F3} ms, on 2 workers {best[2]:F3} ms (speed-up {best[3] / best[2]:F2}×)");
            Console.WriteLine($"  t_chunk {chunk * 1e3:F0} µs   t_add {add * 1e3:F1} µs   t_update {update * 1e3:F0} µs   t_sync+cross-core per round (2 workers) {sync * 1e3:F0} µs");
            foreach (int cores in new[] { 2, 8, 16, 64 })
                foreach (int rounds in new[] { 1, 4 })
                {
                    int batch = 32 * cores * rounds;
                    double serial = batch / 32 * (chunk + add) - add + update;
                    double parallel = rounds * (chunk + add + sync) + update / cores;
                    Console.WriteLine($"  {cores,2} cores, batch {batch,5} ({rounds} round{(rounds > 1 ? "s" : "")}): 1 core {serial,8:F2} ms, {cores} cores {parallel,7:F3} ms, speed-up {serial / parallel,5:F1}× ({serial / parallel / cores,4:P0} of linear)");
                }
        }
    }

    private sealed class Net
    {
        private readonly MnistMlp? _mlp;
        private readonly FashionMnistCnn.FashionCnn? _cnn;
        private readonly StaticNet.Optimizers.Adam _adam = new(1e-3f);
        private readonly float[] _inputs = BenchmarkData.Random(64 * 784, 3);
        private readonly int[] _labels = BenchmarkData.Labels(64, 10, 4);

        public Net(string network, int workers)
        {
            if (network == "MLP") _mlp = new MnistMlp(1) { MaxDegreeOfParallelism = workers };
            else _cnn = new FashionMnistCnn.FashionCnn(1) { MaxDegreeOfParallelism = workers };
        }

        public float Gradients(int batch) => _mlp != null
            ? _mlp.ComputeGradients(_inputs.AsSpan(0, batch * 784), _labels.AsSpan(0, batch))
            : _cnn!.ComputeGradients(_inputs.AsSpan(0, batch * 784), _labels.AsSpan(0, batch));

        public float Step(int batch) => _mlp != null
            ? _mlp.TrainStep(_inputs.AsSpan(0, batch * 784), _labels.AsSpan(0, batch), _adam)
            : _cnn!.TrainStep(_inputs.AsSpan(0, batch * 784), _labels.AsSpan(0, batch), _adam);
    }

    private static double[] Minima(Func<float>[] bodies, int calls)
    {
        var best = new double[bodies.Length];
        Array.Fill(best, double.MaxValue);
        foreach (var body in bodies) for (int i = 0; i < 3 * calls; i++) body();
        for (int round = 0; round < 25; round++)
            for (int b = 0; b < bodies.Length; b++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < calls; i++) bodies[b]();
                best[b] = Math.Min(best[b], (Stopwatch.GetTimestamp() - start) * 1e3 / Stopwatch.Frequency / calls);
            }
        return best;
    }

    /// <summary>One <c>g += own; own = 0</c> pass over <paramref name="length"/> floats (ParallelBatch's reduction), ms.</summary>
    private static double AddPass(int length)
    {
        float[] g = BenchmarkData.Random(length, 1), own = BenchmarkData.Random(length, 2);
        double best = double.MaxValue;
        for (int round = 0; round < 31; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 10; i++)
            {
                TensorPrimitives.Add(g, own, g);
                Array.Clear(own);
            }
            best = Math.Min(best, (Stopwatch.GetTimestamp() - start) * 1e3 / Stopwatch.Frequency / 10);
        }
        return best;
    }
}
