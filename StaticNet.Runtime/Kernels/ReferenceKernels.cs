using System;

namespace StaticNet.Kernels;

/// <summary>
/// Plain scalar loops that define what every kernel computes: the scalar path of the SIMD kernels and the reference
/// the tests compare them with.
/// </summary>
internal static partial class ReferenceKernels
{
    public static void DenseForward(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int width)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<float> yRow = y.Slice(r * width, width);
            bias.Slice(0, width).CopyTo(yRow);
            ReadOnlySpan<float> xRow = x.Slice(r * xStride, inputs);
            for (int k = 0; k < inputs; k++)
            {
                float xk = xRow[k];
                ReadOnlySpan<float> wRow = weight.Slice(k * width, width);
                for (int j = 0; j < width; j++)
                    yRow[j] += xk * wRow[j];
            }
        }
    }

    public static void DenseForwardDot(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> weight, float bias, Span<float> y, int yStride)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xRow = x.Slice(r * xStride, inputs);
            float sum = 0;
            for (int k = 0; k < inputs; k++)
                sum += xRow[k] * weight[k];
            Span<float> yRow = y.Slice(r * yStride, yStride);
            yRow.Clear();
            yRow[0] = bias + sum;
        }
    }

    public static void DenseBackwardWeightsDot(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> dy, int dyStride, Span<float> dWeight, Span<float> dBias)
    {
        for (int r = 0; r < rows; r++)
        {
            float d = dy[r * dyStride];
            dBias[0] += d;
            ReadOnlySpan<float> xRow = x.Slice(r * xStride, inputs);
            for (int k = 0; k < inputs; k++)
                dWeight[k] += d * xRow[k];
        }
    }

    public static void DenseBackwardInputDot(ReadOnlySpan<float> dy, int rows, int dyStride, ReadOnlySpan<float> weight,
        int inputs, Span<float> dx, int dxStride)
    {
        for (int r = 0; r < rows; r++)
        {
            float d = dy[r * dyStride];
            Span<float> dxRow = dx.Slice(r * dxStride, inputs);
            for (int k = 0; k < inputs; k++)
                dxRow[k] = d * weight[k];
        }
    }

    public static void DenseBackwardWeights(ReadOnlySpan<float> x, int rows, int inputs, int xStride,
        ReadOnlySpan<float> dy, int width, Span<float> dWeight, Span<float> dBias)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> dyRow = dy.Slice(r * width, width);
            ReadOnlySpan<float> xRow = x.Slice(r * xStride, inputs);
            for (int j = 0; j < width; j++)
                dBias[j] += dyRow[j];
            for (int k = 0; k < inputs; k++)
            {
                float xk = xRow[k];
                Span<float> dwRow = dWeight.Slice(k * width, width);
                for (int j = 0; j < width; j++)
                    dwRow[j] += xk * dyRow[j];
            }
        }
    }

    public static void DenseBackwardInput(ReadOnlySpan<float> dy, int rows, int width, ReadOnlySpan<float> weight,
        int inputs, Span<float> dx, int dxStride)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> dyRow = dy.Slice(r * width, width);
            for (int k = 0; k < inputs; k++)
            {
                ReadOnlySpan<float> wRow = weight.Slice(k * width, width);
                float sum = 0f;
                for (int j = 0; j < width; j++)
                    sum += dyRow[j] * wRow[j];
                dx[r * dxStride + k] = sum;
            }
        }
    }
}
