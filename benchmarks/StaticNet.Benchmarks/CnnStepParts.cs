using System;
using StaticNet.Kernels;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--cnn-step-parts</c> (issue 20, item 3): the Fashion-MNIST CNN's batch-32 Adam <c>TrainStep</c> taken apart. The
/// kernels the generated <c>TrainChunk</c> calls, in its order and with its buffers' sizes (one activation and one delta
/// buffer laid out as the generated code lays them out, the network's own parameters), are run as one sequence; each part
/// is timed by the thread's CPU time inside the sequence (so it sees the caches the step leaves it), and the medians of
/// the parts are added up and set beside the median of the network's own <c>TrainStep</c> and <c>ComputeGradients</c>,
/// measured in interleaved rounds of the same run. The bound is the one <c>--train-bound</c> uses.
/// </summary>
public static class CnnStepParts
{
    private const int B = 32;
    private static readonly ConvGeometry Conv1 = new(1, 28, 28, 784, 1, 784, 16, 3, 3, 1, 1, 1, 1, 28, 28);
    private static readonly ConvGeometry Conv2 = new(16, 14, 14, 196 * 16, 16, 1, 32, 3, 3, 1, 1, 1, 1, 14, 14);

    // The generated layout (FashionCnn.g.cs): parameters, then per-row activations × 32 rows, then the two im2col scratches.
    private const int W0 = 0, B0 = 144, W3 = 160, B3 = 4768, W7 = 4800, B7 = 205504, W10 = 205632, B10 = 207680, P = 207696;
    private const int L0 = 0, L2 = 12544 * B, L3 = 15680 * B, L5 = 21952 * B, L6 = 23520 * B, L7 = 25088 * B, L9 = 25216 * B,
        Mask = 25344 * B, L10 = 25472 * B, C0 = 25488 * B, C3 = C0 + 7056, Length = C0 + 35280;

    private static readonly string[] Names =
    {
        "gradient buffer cleared (207,696 floats)",
        "conv1 forward (direct, batch 32)", "  conv1 ReLU", "  pool1 forward", "conv2 forward", "  conv2 ReLU", "  pool2 forward",
        "  flatten", "dense 1568→128 forward + ReLU", "  dropout forward", "dense 128→10 forward", "  loss and dLogits",
        "dense 128→10 dW + dx", "  dropout backward", "  dense1 ReLU backward", "dense 1568→128 dW", "dense 1568→128 dx",
        "  flatten backward", "  pool2 backward (+ conv2 ReLU backward unless unfused)", "  conv2 ReLU backward (when unfused)", "conv2 dW + dx",
        "  pool1 backward (+ conv1 ReLU backward unless unfused)", "  conv1 ReLU backward (when unfused)", "conv1 dW", "Adam step (norm + update, 207,696 parameters)",
    };

    /// <param name="unfused">Run each max pool's backward pass and its convolution's ReLU backward as two passes, as the
    /// generated code did before <c>PoolKernels.MaxPoolReLUBackward</c> (<c>--cnn-step-parts unfused</c>).</param>
    public static void Run(bool unfused = false)
    {
        double peak = FmaPeak.Measure512();
        var network = new FashionMnistCnn.FashionCnn(1) { MaxDegreeOfParallelism = 1 };
        float[] inputs = BenchmarkData.Random(B * 784, 3);
        int[] labels = BenchmarkData.Labels(B, 10, 4);
        long forward = 0, firstLayer = -1;
        foreach (LayerInfo layer in FashionMnistCnn.FashionCnn.Layers)
        {
            forward += layer.MultiplyAdds;
            if (firstLayer < 0 && layer.MultiplyAdds > 0) firstLayer = layer.MultiplyAdds;
        }
        double bound = 2 * B * (3.0 * forward - firstLayer) / peak / 1e3; // µs

        var parameters = new AlignedBuffer(P); network.Parameters.CopyTo(parameters.Span);
        var gradients = new AlignedBuffer(P);
        var activations = new AlignedBuffer(Length); var deltas = new AlignedBuffer(Length);
        var x = new AlignedBuffer(B * 784); inputs.CopyTo(x.Span);
        var adam = new Adam(1e-3f); var networkAdam = new Adam(1e-3f);
        var parts = new double[Names.Length];
        ulong random = 12345;

        void Sequence(bool timed)
        {
            Span<float> p = parameters.Span, g = gradients.Span, a = activations.Span, d = deltas.Span;
            int part = 0;
            double t = timed ? TransformerBenchmarks.ThreadCpuMicroseconds() : 0;
            void Mark(ref double t)
            {
                if (!timed) return;
                double now = TransformerBenchmarks.ThreadCpuMicroseconds();
                parts[part++] = now - t;
                t = now;
            }
            g.Clear(); Mark(ref t);
            ConvKernels.Forward(x.Span, B, Conv1, p.Slice(W0, 144), p.Slice(B0, 16), a.Slice(C0, 7056), a.Slice(L0, B * 12544)); Mark(ref t);
            ActivationKernels.ReLU(a.Slice(L0, B * 12544), B * 784, 16, 16); Mark(ref t);
            PoolKernels.MaxPool(a.Slice(L0, B * 12544), B, 28, 28, 16, 2, 2, 2, 2, a.Slice(L2, B * 3136)); Mark(ref t);
            ConvKernels.Forward(a.Slice(L2, B * 3136), B, Conv2, p.Slice(W3, 4608), p.Slice(B3, 32), a.Slice(C3, 28224), a.Slice(L3, B * 6272)); Mark(ref t);
            ActivationKernels.ReLU(a.Slice(L3, B * 6272), B * 196, 32, 32); Mark(ref t);
            PoolKernels.MaxPool(a.Slice(L3, B * 6272), B, 14, 14, 32, 2, 2, 2, 2, a.Slice(L5, B * 1568)); Mark(ref t);
            LayoutKernels.Reorder(a.Slice(L5, B * 1568), B, 49, 32, 1568, 32, 1, a.Slice(L6, B * 1568), 1568, 1, 49); Mark(ref t);
            DenseKernels.ForwardReLU(a.Slice(L6, B * 1568), B, 1568, 1568, p.Slice(W7, 200704), p.Slice(B7, 128), a.Slice(L7, B * 128), 128, 128); Mark(ref t);
            DropoutKernels.Forward(a.Slice(L7, B * 128), B, 128, 128, 0.25f, ref random, a.Slice(Mask, B * 128), a.Slice(L9, B * 128)); Mark(ref t);
            DenseKernels.Forward(a.Slice(L9, B * 128), B, 128, 128, p.Slice(W10, 2048), p.Slice(B10, 16), a.Slice(L10, B * 16), 16); Mark(ref t);
            LossKernels.SoftmaxCrossEntropy(a.Slice(L10, B * 16), labels, B, 10, 16, d.Slice(L10, B * 16), 1f / B); Mark(ref t);
            DenseKernels.BackwardWeights(a.Slice(L9, B * 128), B, 128, 128, d.Slice(L10, B * 16), 16, g.Slice(W10, 2048), g.Slice(B10, 16));
            DenseKernels.BackwardInput(d.Slice(L10, B * 16), B, 16, p.Slice(W10, 2048), 128, d.Slice(L9, B * 128), 128); Mark(ref t);
            DropoutKernels.Backward(d.Slice(L9, B * 128), a.Slice(Mask, B * 128), B, 128, d.Slice(L7, B * 128)); Mark(ref t);
            ActivationKernels.ReLUBackward(a.Slice(L7, B * 128), d.Slice(L7, B * 128), B, 128, 128); Mark(ref t);
            DenseKernels.BackwardWeights(a.Slice(L6, B * 1568), B, 1568, 1568, d.Slice(L7, B * 128), 128, g.Slice(W7, 200704), g.Slice(B7, 128)); Mark(ref t);
            DenseKernels.BackwardInput(d.Slice(L7, B * 128), B, 128, p.Slice(W7, 200704), 1568, d.Slice(L6, B * 1568), 1568); Mark(ref t);
            LayoutKernels.Reorder(d.Slice(L6, B * 1568), B, 49, 32, 1568, 1, 49, d.Slice(L5, B * 1568), 1568, 32, 1); Mark(ref t);
            if (unfused)
            {
                PoolKernels.MaxPoolBackward(a.Slice(L3, B * 6272), d.Slice(L5, B * 1568), B, 14, 14, 32, 2, 2, 2, 2, d.Slice(L3, B * 6272)); Mark(ref t);
                ActivationKernels.ReLUBackward(a.Slice(L3, B * 6272), d.Slice(L3, B * 6272), B * 196, 32, 32); Mark(ref t);
            }
            else
            {
                PoolKernels.MaxPoolReLUBackward(a.Slice(L3, B * 6272), d.Slice(L5, B * 1568), B, 14, 14, 32, 32, 2, 2, 2, 2, d.Slice(L3, B * 6272)); Mark(ref t);
                Mark(ref t);
            }
            ConvKernels.Backward(a.Slice(L2, B * 3136), d.Slice(L3, B * 6272), B, Conv2, p.Slice(W3, 4608), d.Slice(C3, 28224),
                g.Slice(W3, 4608), g.Slice(B3, 32), d.Slice(L2, B * 3136)); Mark(ref t);
            if (unfused)
            {
                PoolKernels.MaxPoolBackward(a.Slice(L0, B * 12544), d.Slice(L2, B * 3136), B, 28, 28, 16, 2, 2, 2, 2, d.Slice(L0, B * 12544)); Mark(ref t);
                ActivationKernels.ReLUBackward(a.Slice(L0, B * 12544), d.Slice(L0, B * 12544), B * 784, 16, 16); Mark(ref t);
            }
            else
            {
                PoolKernels.MaxPoolReLUBackward(a.Slice(L0, B * 12544), d.Slice(L2, B * 3136), B, 28, 28, 16, 16, 2, 2, 2, 2, d.Slice(L0, B * 12544)); Mark(ref t);
                Mark(ref t);
            }
            ConvKernels.Backward(x.Span, d.Slice(L0, B * 12544), B, Conv1, p.Slice(W0, 144), d.Slice(C0, 7056), g.Slice(W0, 144), g.Slice(B0, 16), default); Mark(ref t);
            adam.Step(p, g); Mark(ref t);
        }

        for (int i = 0; i < 5; i++) { Sequence(false); network.TrainStep(inputs, labels, networkAdam); }
        const int Rounds = 25;
        var partTimes = new double[Names.Length, Rounds];
        var sums = new double[Rounds]; var steps = new double[Rounds]; var grads = new double[Rounds];
        for (int r = 0; r < Rounds; r++)
        {
            double start = TransformerBenchmarks.ThreadCpuMicroseconds();
            Sequence(true);
            sums[r] = TransformerBenchmarks.ThreadCpuMicroseconds() - start;
            for (int k = 0; k < Names.Length; k++) partTimes[k, r] = parts[k];
            start = TransformerBenchmarks.ThreadCpuMicroseconds();
            network.TrainStep(inputs, labels, networkAdam);
            steps[r] = TransformerBenchmarks.ThreadCpuMicroseconds() - start;
            start = TransformerBenchmarks.ThreadCpuMicroseconds();
            network.ComputeGradients(inputs, labels);
            grads[r] = TransformerBenchmarks.ThreadCpuMicroseconds() - start;
        }
        double step = Median(steps), gradient = Median(grads), sequence = Median(sums);
        Console.WriteLine($"fp32 FMA peak {peak:F1} GFLOP/s; Fashion-MNIST CNN batch-32 Adam step, bound {bound:F1} µs; medians of {Rounds} interleaved rounds, thread CPU time");
        Console.WriteLine($"  TrainStep          {step,9:F1} µs = {step / bound:F3}× the bound");
        Console.WriteLine($"  ComputeGradients   {gradient,9:F1} µs = {gradient / bound:F3}×");
        Console.WriteLine($"  the parts in sequence {sequence,6:F1} µs = {sequence / bound:F3}×");
        double total = 0;
        for (int k = 0; k < Names.Length; k++)
        {
            var row = new double[Rounds];
            for (int r = 0; r < Rounds; r++) row[r] = partTimes[k, r];
            double m = Median(row);
            total += m;
            Console.WriteLine($"    {Names[k],-48} {m,8:F1} µs  {m / step,6:P1} of the step");
        }
        Console.WriteLine($"    {"sum of the parts' medians",-48} {total,8:F1} µs");
    }

    private static double Median(double[] values)
    {
        var copy = (double[])values.Clone();
        Array.Sort(copy);
        return copy[copy.Length / 2];
    }
}
