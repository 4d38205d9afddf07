using System;
using System.Diagnostics;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--scaling-model</c> (issue 20, item 4): measures a data-parallel training step's parts on this machine, from whole
/// calls only, and predicts the step on more cores. A call of batch <c>B</c> has <c>C = B / 32</c> chunks; on <c>W</c>
/// workers each runs <c>C / W</c> of them and its share of the work done once per call (the MLP's deferred first-layer
/// weight gradient, split by inputs; the reductions, split by range), so its time is <c>(C / W)·c_W + f_W</c>: a cost
/// per chunk and worker and a fixed cost per call. Measured (minima of 25 interleaved rounds, Stopwatch):
/// <list type="bullet">
/// <item><c>c₁</c> and <c>f₁</c> from <c>ComputeGradients</c> on one worker at batch 64 and 256 (slope and intercept);</item>
/// <item><c>c₂</c> and <c>f₂</c> likewise on two workers (1 and 4 chunks per worker): <c>c₂ / c₁</c> is what the second
/// core costs the first in shared caches and memory, <c>h = f₂ − f₁</c> the hand-over and barriers of a parallel call;</item>
/// <item>the update <c>U₁ = TrainStep − ComputeGradients</c> at batch 256 on one worker, and <c>U₂</c> on two (the split
/// step: each worker updates half the parameters, after a hand-over and two barriers).</item>
/// </list>
/// Model: one core <c>C·c₁ + f₁ + U₁</c>; <c>W</c> cores <c>(C / W)·c₂ + f₁ + sync(W) + 2U₂ / W</c>: the per-chunk cost as
/// measured with two cores busy, the split update scaled from its 2-worker time (as if memory bandwidth grew with the
/// cores), and the synchronisation between two bounds this 2-core machine cannot narrow: <c>sync(W) = h</c> (the workers
/// woken and gathered in parallel, as two are here) and <c>sync(W) = (W − 1)·h</c> (every extra worker costs a whole
/// hand-over, one after the other). <c>f₁</c> and <c>h</c> are differences of minima, taken as 0 when noise makes them
/// negative. The model needs <c>C ≥ W</c> (a call never has more workers than chunks).
/// </summary>
public static class ScalingModel
{
    public static void Run()
    {
        foreach (string network in new[] { "MLP", "CNN" })
        {
            var one = new Net(network, 1);
            var two = new Net(network, 2);
            Func<float>[] bodies =
            {
                () => one.Gradients(64), () => one.Gradients(256), () => two.Gradients(64), () => two.Gradients(256),
                () => one.Step(256), () => two.Step(256),
            };
            double[] t = Minima(bodies, network == "MLP" ? 8 : 1); // ms
            double c1 = (t[1] - t[0]) / 6, f1 = t[0] - 2 * c1;   // 2 and 8 chunks on one worker
            double c2 = (t[3] - t[2]) / 3, f2 = t[2] - c2;       // 1 and 4 chunks per worker on two
            double h = Math.Max(0, f2 - f1), fixedCost = Math.Max(0, f1), u1 = t[4] - t[1], u2 = t[5] - t[3];
            Console.WriteLine($"{network}, minima of 25 interleaved rounds (ms): ComputeGradients 1 worker b64 {t[0]:F3}, b256 {t[1]:F3}; 2 workers b64 {t[2]:F3}, b256 {t[3]:F3}; TrainStep b256 1 worker {t[4]:F3}, 2 workers {t[5]:F3}");
            Console.WriteLine($"  c1 {c1 * 1e3:F1} µs per chunk, f1 {f1 * 1e3:F1} µs per call (taken as {fixedCost * 1e3:F1}); c2 {c2 * 1e3:F1} µs per chunk and worker ({c2 / c1:F3}× c1), f2 {f2 * 1e3:F1} µs: h {h * 1e3:F1} µs (f2 − f1, at least 0); update U1 {u1 * 1e3:F1} µs, U2 {u2 * 1e3:F1} µs (split over 2)");
            foreach (int cores in new[] { 2, 8, 16, 64 })
                foreach (int chunksPerCore in new[] { 1, 4 })
                {
                    int chunks = cores * chunksPerCore, batch = 32 * chunks;
                    double serial = chunks * c1 + fixedCost + u1;
                    double best = chunksPerCore * c2 + fixedCost + h + 2 * u2 / cores;
                    double worst = best + (cores - 2) * h;
                    Console.WriteLine($"  {cores,2} cores, batch {batch,5} ({chunksPerCore} chunk{(chunksPerCore > 1 ? "s" : "")} each): 1 core {serial,8:F2} ms, {cores} cores {best,7:F3}–{worst,7:F3} ms, " +
                                      $"speed-up {serial / worst,5:F1}–{serial / best,5:F1}× ({serial / worst / cores,4:P0}–{serial / best / cores,4:P0} of linear)");
                }
        }
    }

    private sealed class Net
    {
        private readonly MnistMlp? _mlp;
        private readonly FashionMnistCnn.FashionCnn? _cnn;
        private readonly StaticNet.Optimizers.Adam _adam = new(1e-3f);
        private readonly float[] _inputs = BenchmarkData.Random(256 * 784, 3);
        private readonly int[] _labels = BenchmarkData.Labels(256, 10, 4);

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
                // One untimed call first: the bodies use two networks, and each evicts the other's weights and buffers
                // (untimed, the CNN's batch-64 call read 0.5 ms more after the other network's call than after its own).
                bodies[b]();
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < calls; i++) bodies[b]();
                best[b] = Math.Min(best[b], (Stopwatch.GetTimestamp() - start) * 1e3 / Stopwatch.Frequency / calls);
            }
        return best;
    }
}
