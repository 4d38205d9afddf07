using System;
using System.Numerics.Tensors;
using StaticNet.Kernels;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--train-bound</c> (issue 20, item 3): the batch-32 Adam training step of the MLP 784-128-10 and of the
/// Fashion-MNIST CNN against this core's FMA bound, and the step's parts (each dense kernel, the gradient's norm, the
/// optimizer's update) with their GFLOP/s and fraction of the bound. Everything is timed by the thread's CPU time
/// (<c>CLOCK_THREAD_CPUTIME_ID</c>), the median of rounds of several calls, because the machine is shared: a preempted
/// round lands in the tail, not in the median. The FMA peak is <see cref="FmaPeak.Measure512"/>.
/// <para>Multiply-adds are counted from each network's generated <c>Layers</c> table: the forward pass, the weight
/// gradients (as many as the forward pass) and the input gradients of every layer but the first (which has none to
/// propagate); "3 × forward" is the looser count that gives the first layer an input gradient too. The bound is
/// multiply-adds × 2 FLOP / peak; elementwise work (ReLU, pooling, the loss, the optimizer) is not counted.</para>
/// </summary>
public static class TrainBound
{
    private const int Batch = 32;

    public static void Run()
    {
        double peak = FmaPeak.Measure512();
        Console.WriteLine($"fp32 FMA peak (16 chains of Vector512 FMA, best of 30 rounds of thread CPU time): {peak:F1} GFLOP/s");
        Mlp(peak);
        Cnn(peak);
    }

    private static void Mlp(double peak)
    {
        var network = new MnistMlp(1) { MaxDegreeOfParallelism = 1 };
        float[] inputs = BenchmarkData.Random(Batch * 784, 3);
        int[] labels = BenchmarkData.Labels(Batch, 10, 4);
        var adam = new Adam(1e-3f);
        long forward = 0, firstLayer = -1;
        foreach (LayerInfo layer in MnistMlp.Layers)
        {
            forward += layer.MultiplyAdds;
            if (firstLayer < 0 && layer.MultiplyAdds > 0) firstLayer = layer.MultiplyAdds;
        }
        double macs = Batch * (3.0 * forward - firstLayer), loose = Batch * 3.0 * forward;
        double bound = 2 * macs / peak / 1e3; // µs
        Console.WriteLine($"MLP 784-128-10, batch 32: {macs / 1e6:F2} M multiply-adds (forward, weight gradients, input gradient of fc2); bound {bound:F1} µs " +
                          $"(3 × forward: {loose / 1e6:F2} M, {2 * loose / peak / 1e3:F1} µs)");

        WarmUp(() => { network.TrainStep(inputs, labels, adam); network.ComputeGradients(inputs, labels); });
        double step = Median(() => network.TrainStep(inputs, labels, adam), 10, 41);
        double gradients = Median(() => network.ComputeGradients(inputs, labels), 10, 41);
        Console.WriteLine($"  TrainStep (Adam)         median {step,8:F1} µs  = {step / bound:F2}× the bound ({bound / step:P0}); against 3 × forward {2 * loose / peak / 1e3 / step:P0}");
        Console.WriteLine($"  ComputeGradients         median {gradients,8:F1} µs  = {gradients / bound:F2}× the bound");

        // The kernels alone, with the layer's sizes and 64-byte-aligned buffers.
        var x = Buffer(Batch * 784, 5); var w1 = Buffer(784 * 128, 6); var b1 = Buffer(128, 7); var h = Buffer(Batch * 128, 8);
        var w2 = Buffer(128 * 16, 9); var b2 = Buffer(16, 10); var o = Buffer(Batch * 16, 0);
        var dW1 = Buffer(784 * 128, 0); var dB1 = Buffer(128, 0); var dh = Buffer(Batch * 128, 11);
        var dW2 = Buffer(128 * 16, 0); var dB2 = Buffer(16, 0); var dout = Buffer(Batch * 16, 12); var dx2 = Buffer(Batch * 128, 0);
        Kernel("fc1 forward 784→128", Batch * 784.0 * 128, peak, () => DenseKernels.Forward(x.Span, Batch, 784, 784, w1.Span, b1.Span, h.Span, 128), 20);
        Kernel("fc1 weight gradient 784→128", Batch * 784.0 * 128, peak, () => DenseKernels.BackwardWeights(x.Span, Batch, 784, 784, dh.Span, 128, dW1.Span, dB1.Span), 20);
        // As the training code calls it (the gradient overwritten) with ReLU-like deltas, half of them exact zeros: the
        // weight gradient that skips them (DenseSimdSparse.cs) takes over from the dense tiles.
        var dhHalf = Buffer(Batch * 128, 11);
        var zeros = new Random(17);
        for (int i = 0; i < Batch * 128; i++) if (zeros.Next(2) == 0) dhHalf.Span[i] = 0f;
        Kernel("fc1 weight gradient, 50 % zero dy", Batch * 784.0 * 128, peak, () => DenseKernels.BackwardWeights(x.Span, Batch, 784, 784, dhHalf.Span, 128, dW1.Span, dB1.Span, overwrite: true), 20);
        Kernel("fc1 input gradient (not run by the MLP)", Batch * 784.0 * 128, peak, () => DenseKernels.BackwardInput(dh.Span, Batch, 128, w1.Span, 784, x.Span, 784), 20);
        Kernel("fc2 forward 128→10 (width 16)", Batch * 128.0 * 10, peak, () => DenseKernels.Forward(h.Span, Batch, 128, 128, w2.Span, b2.Span, o.Span, 16), 200);
        Kernel("fc2 weight gradient", Batch * 128.0 * 10, peak, () => DenseKernels.BackwardWeights(h.Span, Batch, 128, 128, dout.Span, 16, dW2.Span, dB2.Span), 200);
        Kernel("fc2 input gradient", Batch * 128.0 * 10, peak, () => DenseKernels.BackwardInput(dout.Span, Batch, 16, w2.Span, 128, dx2.Span, 128), 200);

        int p = network.Parameters.Length;
        float[] parameters = BenchmarkData.Random(p, 13), g = BenchmarkData.Random(p, 14);
        for (int i = 0; i < p; i++) g[i] = (g[i] - 0.5f) * 1e-2f;
        var update = new Adam(1e-3f);
        double norm = Median(() => TensorPrimitives.Norm(g), 20, 41);
        double adamStep = Median(() => update.Step(parameters, g), 20, 41);
        update.MaxGradientNorm = 1e-3f; // clipping on: the same two passes, scaled gradients
        double clipped = Median(() => update.Step(parameters, g), 20, 41);
        // The same update on 4,096 parameters, whose p, g, m and v (64 KB) stay in L1 and L2: if its time per parameter is
        // about the large one's, the update is bound by its square root and division, not by memory.
        float[] smallP = BenchmarkData.Random(4096, 15), smallG = BenchmarkData.Random(4096, 16);
        var smallAdam = new Adam(1e-3f);
        double small = Median(() => smallAdam.Step(smallP, smallG), 400, 41);
        DividerOverlap.Report();
        Console.WriteLine($"  Adam Step per parameter: {adamStep * 1e3 / p:F3} ns ({p:N0} parameters), {small * 1e3 / 4096:F3} ns (4,096, cache-resident)");
        double bytes = 4.0 * p * 7; // p, g, m, v read; p, m, v written
        Console.WriteLine($"  TensorPrimitives.Norm, {p:N0} floats (what Step used before) median {norm,8:F2} µs  ({4.0 * p / norm / 1e3:F0} GB/s)");
        Console.WriteLine($"  Adam Step (norm + fused update)  median {adamStep,8:F2} µs  ({bytes / adamStep / 1e3:F0} GB/s of p, g, m, v traffic); with global-norm clipping {clipped:F2} µs");
        UpdateFloor.Report(p, bound, step);
    }

    private static void Cnn(double peak)
    {
        var network = new FashionMnistCnn.FashionCnn(1) { MaxDegreeOfParallelism = 1 };
        float[] inputs = BenchmarkData.Random(Batch * 784, 3);
        int[] labels = BenchmarkData.Labels(Batch, 10, 4);
        var adam = new Adam(1e-3f);
        long forward = 0, firstLayer = -1;
        foreach (LayerInfo layer in FashionMnistCnn.FashionCnn.Layers)
        {
            forward += layer.MultiplyAdds;
            if (firstLayer < 0 && layer.MultiplyAdds > 0) firstLayer = layer.MultiplyAdds;
        }
        double macs = Batch * (3.0 * forward - firstLayer), loose = Batch * 3.0 * forward;
        double bound = 2 * macs / peak / 1e3;
        Console.WriteLine($"Fashion-MNIST CNN, batch 32: {macs / 1e6:F1} M multiply-adds; bound {bound / 1e3:F2} ms (3 × forward: {2 * loose / peak / 1e6:F2} ms)");
        WarmUp(() => { network.TrainStep(inputs, labels, adam); network.ComputeGradients(inputs, labels); });
        double step = Median(() => network.TrainStep(inputs, labels, adam), 2, 41);
        double gradients = Median(() => network.ComputeGradients(inputs, labels), 2, 41);
        Console.WriteLine($"  TrainStep (Adam)         median {step / 1e3,8:F2} ms  = {step / bound:F2}× the bound ({bound / step:P0}); against 3 × forward {2 * loose / peak / 1e3 / step:P0}");
        Console.WriteLine($"  ComputeGradients         median {gradients / 1e3,8:F2} ms  = {gradients / bound:F2}× the bound");

        // The convolutions' backward passes alone (the forward kernels are timed by --cnn-parts).
        var conv1 = new ConvGeometry(1, 28, 28, 784, 1, 784, 16, 3, 3, 1, 1, 1, 1, 28, 28);
        var conv2 = new ConvGeometry(16, 14, 14, 196 * 16, 16, 1, 32, 3, 3, 1, 1, 1, 1, 14, 14);
        var x1 = Buffer(Batch * 784, 1); var w1 = Buffer(9 * 16, 2); var dy1 = Buffer(Batch * 12544, 10); var dW1 = Buffer(9 * 16, 0);
        var x2 = Buffer(Batch * 3136, 3); var w2 = Buffer(144 * 32, 4); var dy2 = Buffer(Batch * 6272, 9); var dW2 = Buffer(144 * 32, 0);
        var dB = Buffer(32, 0); var dx2 = Buffer(Batch * 3136, 0);
        var s1 = Buffer(784 * 9, 0); var s2 = Buffer(196 * 144, 0);
        double conv1Macs = Batch * 784.0 * 16 * 9, conv2Macs = Batch * 196.0 * 32 * 144;
        Kernel("conv1 weight gradient (1→16, 28×28)", conv1Macs, peak, () => ConvKernels.Backward(x1.Span, dy1.Span, Batch, conv1, w1.Span, s1.Span, dW1.Span, dB.Span.Slice(0, 16), default), 4);
        Kernel("conv2 weight gradient (16→32, 14×14)", conv2Macs, peak, () => ConvKernels.Backward(x2.Span, dy2.Span, Batch, conv2, w2.Span, s2.Span, dW2.Span, dB.Span, default), 2);
        Kernel("conv2 input gradient", conv2Macs, peak, () => ConvKernels.Backward(x2.Span, dy2.Span, Batch, conv2, w2.Span, s2.Span, default, default, dx2.Span), 2);
    }

    private static void Kernel(string name, double macs, double peak, Action body, int calls)
    {
        double t = Median(() => { body(); return 0f; }, calls, 41);
        double gflops = 2 * macs / t / 1e3;
        Console.WriteLine($"  {name,-40} median {t,8:F2} µs  {gflops,6:F1} GFLOP/s  {gflops / peak,5:P0} of the peak");
    }

    /// <summary>
    /// Runs <paramref name="body"/> for at least a second of wall time before it is timed, so that the tiered JIT has
    /// compiled the path's glue fully optimised and the process's first uses of its buffers are past (after 5 steps the
    /// CNN's `TrainStep` read up to 50 % slow in some runs and not in others; the kernels and generated methods are
    /// compiled optimised from their first call anyway).
    /// </summary>
    private static void WarmUp(Action body)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 1000) body();
    }

    /// <summary>The median over <paramref name="rounds"/> rounds of <paramref name="calls"/> calls, µs of thread CPU time per call.</summary>
    internal static double Median(Func<float> body, int calls, int rounds)
    {
        float sink = 0;
        for (int i = 0; i < 2 * calls; i++) sink += body();
        var times = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            double start = TransformerBenchmarks.ThreadCpuMicroseconds();
            for (int i = 0; i < calls; i++) sink += body();
            times[r] = (TransformerBenchmarks.ThreadCpuMicroseconds() - start) / calls;
        }
        Array.Sort(times);
        if (sink == 1234.5f) Console.WriteLine(sink);
        return times[rounds / 2];
    }

    private static double Median(Action body, int calls, int rounds) => Median(() => { body(); return 0f; }, calls, rounds);

    private static AlignedBuffer Buffer(int length, int seed)
    {
        var buffer = new AlignedBuffer(length);
        if (seed != 0) BenchmarkData.Random(length, seed).CopyTo(buffer.Span);
        return buffer;
    }
}
