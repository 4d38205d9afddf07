using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>Every kernel allocates nothing once warm, on every path.</summary>
public class KernelAllocationTests
{
    private const int Calls = 200;

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

        AssertNoAllocation(Calls, path, "DenseKernels.Forward", () => DenseKernels.Forward(x, rows, inputs, stride, w, b, y, width));
        AssertNoAllocation(Calls, path, "DenseKernels.BackwardWeights", () => DenseKernels.BackwardWeights(x, rows, inputs, stride, dy, width, dW, dB));
        AssertNoAllocation(Calls, path, "DenseKernels.BackwardInput", () => DenseKernels.BackwardInput(dy, rows, width, w, inputs, dx, stride));
        AssertNoAllocation(Calls, path, "DenseKernels.ForwardDot", () => DenseKernels.ForwardDot(x, rows, inputs, stride, w, b, y, width));
        AssertNoAllocation(Calls, path, "DenseKernels.BackwardWeightsDot", () => DenseKernels.BackwardWeightsDot(x, rows, inputs, stride, dy, width, dW, dB));
        AssertNoAllocation(Calls, path, "DenseKernels.BackwardInputDot", () => DenseKernels.BackwardInputDot(dy, rows, width, w, inputs, dx, stride));
        AssertNoAllocation(Calls, path, "DenseKernels.ForwardStep", () => DenseKernels.ForwardStep(x.AsSpan(0, inputs), inputs, w, b, y.AsSpan(0, width), width));
        AssertNoAllocation(Calls, path, "ActivationKernels.ReLU", () => ActivationKernels.ReLU(a, rows, columns, width));
        AssertNoAllocation(Calls, path, "ActivationKernels.ReLUBackward", () => ActivationKernels.ReLUBackward(a, dy, rows, columns, width));
        AssertNoAllocation(Calls, path, "ActivationKernels.LeakyReLU", () => ActivationKernels.LeakyReLU(a, rows, columns, width));
        AssertNoAllocation(Calls, path, "ActivationKernels.LeakyReLUBackward", () => ActivationKernels.LeakyReLUBackward(a, dy, rows, columns, width));
        AssertNoAllocation(Calls, path, "ActivationKernels.Sigmoid", () => ActivationKernels.Sigmoid(a, rows, columns, width));
        AssertNoAllocation(Calls, path, "ActivationKernels.SigmoidBackward", () => ActivationKernels.SigmoidBackward(a, dy, rows, columns, width));
        AssertNoAllocation(Calls, path, "ActivationKernels.Tanh", () => ActivationKernels.Tanh(a, rows, columns, width));
        AssertNoAllocation(Calls, path, "ActivationKernels.TanhBackward", () => ActivationKernels.TanhBackward(a, dy, rows, columns, width));
        AssertNoAllocation(Calls, path, "ActivationKernels.Softmax", () => ActivationKernels.Softmax(a, rows, columns, width));
        AssertNoAllocation(Calls, path, "ActivationKernels.SoftmaxBackward", () => ActivationKernels.SoftmaxBackward(a, dy, rows, columns, width));
        AssertNoAllocation(Calls, path, "ActivationKernels.Gelu", () => ActivationKernels.Gelu(z, a, rows, columns, width));
        AssertNoAllocation(Calls, path, "ActivationKernels.GeluBackward", () => ActivationKernels.GeluBackward(z, dy, rows, columns, width));
        AssertNoAllocation(Calls, path, "LossKernels.MeanSquaredError", () => LossKernels.MeanSquaredError(y, targets, rows, columns, width, gradient, 0.2f));
        AssertNoAllocation(Calls, path, "LossKernels.BinaryCrossEntropy", () => LossKernels.BinaryCrossEntropy(y, targets, rows, columns, width, gradient, 0.2f));
        AssertNoAllocation(Calls, path, "LossKernels.SoftmaxCrossEntropy", () => LossKernels.SoftmaxCrossEntropy(y, targets, rows, columns, width, gradient, 0.2f));
        AssertNoAllocation(Calls, path, "LossKernels.SoftmaxCrossEntropy(labels)", () => LossKernels.SoftmaxCrossEntropy(y, labels, rows, columns, width, gradient, 0.2f));
    }
}
