using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>Every kernel allocates nothing once warm, on every path.</summary>
public class KernelAllocationTests
{
    private const int Calls = 200;

    /// <summary>
    /// As <c>AllocationTests</c>: the fewest bytes over up to five windows of <see cref="Calls"/> calls after a warm-up
    /// window. A kernel that allocates does so in every window; a one-off allocation by the runtime on this thread (a
    /// few KB while it tiers up methods, seen now and then when the whole suite runs) shows in one window only.
    /// </summary>
    private static void AssertNoAllocation(int path, string name, Action action)
    {
        WithPath(path, () =>
        {
            for (int i = 0; i < Calls; i++) action();
            long allocated = long.MaxValue;
            for (int window = 0; window < 5 && allocated > 0; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < Calls; i++) action();
                allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            Assert.True(allocated == 0, $"path {path}: {name} allocated {allocated} bytes in each of five windows of {Calls} calls");
        });
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void KernelsDoNotAllocate(int path)
    {
        const int rows = 5, inputs = 37, stride = 40, width = 48, columns = 42;
        float[] x = Random(rows * stride, 1), w = Random(inputs * width, 2), b = Random(width, 3);
        float[] y = new float[rows * width], dy = Random(rows * width, 4), dW = new float[inputs * width], dB = new float[width];
        float[] dx = new float[rows * stride], z = Random(rows * width, 5), a = Random(rows * width, 6);
        float[] targets = Random(rows * columns, 7), gradient = new float[rows * width];
        int[] labels = { 0, 3, 9, 41, 7 };

        AssertNoAllocation(path, "DenseKernels.Forward", () => DenseKernels.Forward(x, rows, inputs, stride, w, b, y, width));
        AssertNoAllocation(path, "DenseKernels.BackwardWeights", () => DenseKernels.BackwardWeights(x, rows, inputs, stride, dy, width, dW, dB));
        AssertNoAllocation(path, "DenseKernels.BackwardInput", () => DenseKernels.BackwardInput(dy, rows, width, w, inputs, dx, stride));
        AssertNoAllocation(path, "ActivationKernels.ReLU", () => ActivationKernels.ReLU(a, rows, columns, width));
        AssertNoAllocation(path, "ActivationKernels.ReLUBackward", () => ActivationKernels.ReLUBackward(a, dy, rows, columns, width));
        AssertNoAllocation(path, "ActivationKernels.LeakyReLU", () => ActivationKernels.LeakyReLU(a, rows, columns, width));
        AssertNoAllocation(path, "ActivationKernels.LeakyReLUBackward", () => ActivationKernels.LeakyReLUBackward(a, dy, rows, columns, width));
        AssertNoAllocation(path, "ActivationKernels.Sigmoid", () => ActivationKernels.Sigmoid(a, rows, columns, width));
        AssertNoAllocation(path, "ActivationKernels.SigmoidBackward", () => ActivationKernels.SigmoidBackward(a, dy, rows, columns, width));
        AssertNoAllocation(path, "ActivationKernels.Tanh", () => ActivationKernels.Tanh(a, rows, columns, width));
        AssertNoAllocation(path, "ActivationKernels.TanhBackward", () => ActivationKernels.TanhBackward(a, dy, rows, columns, width));
        AssertNoAllocation(path, "ActivationKernels.Softmax", () => ActivationKernels.Softmax(a, rows, columns, width));
        AssertNoAllocation(path, "ActivationKernels.SoftmaxBackward", () => ActivationKernels.SoftmaxBackward(a, dy, rows, columns, width));
        AssertNoAllocation(path, "ActivationKernels.Gelu", () => ActivationKernels.Gelu(z, a, rows, columns, width));
        AssertNoAllocation(path, "ActivationKernels.GeluBackward", () => ActivationKernels.GeluBackward(z, dy, rows, columns, width));
        AssertNoAllocation(path, "LossKernels.MeanSquaredError", () => LossKernels.MeanSquaredError(y, targets, rows, columns, width, gradient, 0.2f));
        AssertNoAllocation(path, "LossKernels.BinaryCrossEntropy", () => LossKernels.BinaryCrossEntropy(y, targets, rows, columns, width, gradient, 0.2f));
        AssertNoAllocation(path, "LossKernels.SoftmaxCrossEntropy", () => LossKernels.SoftmaxCrossEntropy(y, targets, rows, columns, width, gradient, 0.2f));
        AssertNoAllocation(path, "LossKernels.SoftmaxCrossEntropy(labels)", () => LossKernels.SoftmaxCrossEntropy(y, labels, rows, columns, width, gradient, 0.2f));
    }
}
