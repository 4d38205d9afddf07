using System;

namespace StaticNet.Kernels;

/// <summary>The scalar definitions of the convolution, pooling and batch-norm kernels (see ReferenceKernels.cs).</summary>
internal static partial class ReferenceKernels
{
    public static void Im2Col(ReadOnlySpan<float> x, in ConvGeometry g, Span<float> columns)
    {
        int i = 0;
        for (int oh = 0; oh < g.OutHeight; oh++)
            for (int ow = 0; ow < g.OutWidth; ow++)
                for (int ky = 0; ky < g.KernelHeight; ky++)
                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        int ih = oh * g.Stride - g.PadTop + ky * g.Dilation, iw = ow * g.Stride - g.PadLeft + kx * g.Dilation;
                        bool inside = ih >= 0 && ih < g.InHeight && iw >= 0 && iw < g.InWidth;
                        for (int ci = 0; ci < g.InChannels; ci++)
                            columns[i++] = inside ? x[(ih * g.InWidth + iw) * g.InputPositionStride + ci * g.InputChannelStride] : 0f;
                    }
    }

    public static void Col2Im(ReadOnlySpan<float> columns, in ConvGeometry g, Span<float> dx)
    {
        int i = 0;
        for (int oh = 0; oh < g.OutHeight; oh++)
            for (int ow = 0; ow < g.OutWidth; ow++)
                for (int ky = 0; ky < g.KernelHeight; ky++)
                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        int ih = oh * g.Stride - g.PadTop + ky * g.Dilation, iw = ow * g.Stride - g.PadLeft + kx * g.Dilation;
                        bool inside = ih >= 0 && ih < g.InHeight && iw >= 0 && iw < g.InWidth;
                        for (int ci = 0; ci < g.InChannels; ci++, i++)
                            if (inside)
                                dx[(ih * g.InWidth + iw) * g.InputPositionStride + ci * g.InputChannelStride] += columns[i];
                    }
    }

    public static void Pool(bool max, ReadOnlySpan<float> x, Span<float> y, int height, int width, int channels,
        int poolHeight, int poolWidth, int strideHeight, int strideWidth)
    {
        int outHeight = (height - poolHeight) / strideHeight + 1, outWidth = (width - poolWidth) / strideWidth + 1;
        for (int oh = 0; oh < outHeight; oh++)
            for (int ow = 0; ow < outWidth; ow++)
                for (int c = 0; c < channels; c++)
                {
                    float acc = 0f;
                    for (int ky = 0; ky < poolHeight; ky++)
                        for (int kx = 0; kx < poolWidth; kx++)
                        {
                            float v = x[((oh * strideHeight + ky) * width + ow * strideWidth + kx) * channels + c];
                            acc = ky == 0 && kx == 0 ? v : max ? MathF.Max(acc, v) : acc + v;
                        }
                    y[(oh * outWidth + ow) * channels + c] = max ? acc : acc / (poolHeight * poolWidth);
                }
    }

    public static void MaxPoolBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int height, int width,
        int channels, int poolHeight, int poolWidth, int strideHeight, int strideWidth)
    {
        int outHeight = (height - poolHeight) / strideHeight + 1, outWidth = (width - poolWidth) / strideWidth + 1;
        for (int oh = 0; oh < outHeight; oh++)
            for (int ow = 0; ow < outWidth; ow++)
                for (int c = 0; c < channels; c++)
                {
                    int best = -1;
                    float bestValue = 0f;
                    for (int ky = 0; ky < poolHeight; ky++)
                        for (int kx = 0; kx < poolWidth; kx++)
                        {
                            int at = ((oh * strideHeight + ky) * width + ow * strideWidth + kx) * channels + c;
                            if (best < 0 || x[at] > bestValue)
                            {
                                best = at;
                                bestValue = x[at];
                            }
                        }
                    dx[best] += dy[(oh * outWidth + ow) * channels + c];
                }
    }

    public static void AvgPoolBackward(ReadOnlySpan<float> dy, Span<float> dx, int height, int width, int channels,
        int poolHeight, int poolWidth, int strideHeight, int strideWidth)
    {
        int outHeight = (height - poolHeight) / strideHeight + 1, outWidth = (width - poolWidth) / strideWidth + 1;
        for (int oh = 0; oh < outHeight; oh++)
            for (int ow = 0; ow < outWidth; ow++)
                for (int c = 0; c < channels; c++)
                {
                    float share = dy[(oh * outWidth + ow) * channels + c] / (poolHeight * poolWidth);
                    for (int ky = 0; ky < poolHeight; ky++)
                        for (int kx = 0; kx < poolWidth; kx++)
                            dx[((oh * strideHeight + ky) * width + ow * strideWidth + kx) * channels + c] += share;
                }
    }

    /// <summary>Batch norm over <c>count</c> elements per channel; the statistics in double precision.</summary>
    public static void BatchNormForwardTraining(ReadOnlySpan<float> x, int count, int channels, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, float momentum, float epsilon,
        Span<float> normalized, Span<float> inverseStd, Span<float> y, bool deferred = false)
    {
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int i = 0; i < count; i++) sum += x[i * channels + c];
            float mean = (float)(sum / count);
            double squares = 0;
            for (int i = 0; i < count; i++)
            {
                double d = x[i * channels + c] - mean;
                squares += d * d;
            }
            float variance = (float)(squares / count);
            float invStd = 1f / MathF.Sqrt(variance + epsilon);
            inverseStd[c] = invStd;
            if (deferred)
            {
                runningMean[c] = mean; // the batch's statistics, for BatchNormUpdateRunning later
                runningVar[c] = (float)(squares / (count - 1));
            }
            else
            {
                runningMean[c] = (1f - momentum) * runningMean[c] + momentum * mean;
                runningVar[c] = (1f - momentum) * runningVar[c] + momentum * (float)(squares / (count - 1));
            }
            for (int i = 0; i < count; i++)
            {
                float xhat = (x[i * channels + c] - mean) * invStd;
                normalized[i * channels + c] = xhat;
                y[i * channels + c] = weight[c] * xhat + bias[c];
            }
        }
    }

    public static void BatchNormUpdateRunning(int channels, Span<float> runningMean, Span<float> runningVar,
        ReadOnlySpan<float> batchMean, ReadOnlySpan<float> batchVariance, float momentum)
    {
        for (int c = 0; c < channels; c++)
        {
            runningMean[c] = (1f - momentum) * runningMean[c] + momentum * batchMean[c];
            runningVar[c] = (1f - momentum) * runningVar[c] + momentum * batchVariance[c];
        }
    }

    public static void BatchNormForwardInference(ReadOnlySpan<float> x, int count, int channels, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, float epsilon, Span<float> y)
    {
        for (int c = 0; c < channels; c++)
        {
            float scale = weight[c] / MathF.Sqrt(runningVar[c] + epsilon), shift = bias[c] - runningMean[c] * scale;
            for (int i = 0; i < count; i++)
                y[i * channels + c] = x[i * channels + c] * scale + shift;
        }
    }

    public static void BatchNormBackward(ReadOnlySpan<float> dy, int count, int channels, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> normalized, ReadOnlySpan<float> inverseStd, Span<float> dWeight, Span<float> dBias, Span<float> dx)
    {
        for (int c = 0; c < channels; c++)
        {
            double sumDy = 0, sumDyXhat = 0;
            for (int i = 0; i < count; i++)
            {
                sumDy += dy[i * channels + c];
                sumDyXhat += (double)dy[i * channels + c] * normalized[i * channels + c];
            }
            dBias[c] += (float)sumDy;
            dWeight[c] += (float)sumDyXhat;
            float scale = weight[c] * inverseStd[c], meanDy = (float)(sumDy / count), meanDyXhat = (float)(sumDyXhat / count);
            for (int i = 0; i < count; i++)
                dx[i * channels + c] = scale * (dy[i * channels + c] - meanDy - normalized[i * channels + c] * meanDyXhat);
        }
    }
}

/// <summary>The scalar definitions of the layer-norm and attention kernels (see ReferenceKernels.cs).</summary>
internal static partial class ReferenceKernels
{
    /// <summary>Layer norm of each row over its <c>features</c> values; the statistics in double precision; padding written zero.</summary>
    public static void LayerNormForward(ReadOnlySpan<float> x, int count, int features, int stride, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, float epsilon, Span<float> normalized, Span<float> inverseStd, Span<float> y)
    {
        bool save = !normalized.IsEmpty;
        for (int r = 0; r < count; r++)
        {
            int o = r * stride;
            double sum = 0;
            for (int c = 0; c < features; c++) sum += x[o + c];
            float mean = (float)(sum / features);
            double squares = 0;
            for (int c = 0; c < features; c++)
            {
                double d = x[o + c] - mean;
                squares += d * d;
            }
            float invStd = 1f / MathF.Sqrt((float)(squares / features) + epsilon);
            if (save) inverseStd[r] = invStd;
            for (int c = 0; c < stride; c++)
            {
                float xhat = c < features ? (x[o + c] - mean) * invStd : 0f;
                if (save) normalized[o + c] = xhat;
                y[o + c] = c < features ? weight[c] * xhat + bias[c] : 0f;
            }
        }
    }

    public static void LayerNormBackward(ReadOnlySpan<float> dy, int count, int features, int stride, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> normalized, ReadOnlySpan<float> inverseStd, Span<float> dWeight, Span<float> dBias, Span<float> dx)
    {
        for (int r = 0; r < count; r++)
        {
            int o = r * stride;
            double sumG = 0, sumGx = 0;
            for (int c = 0; c < features; c++)
            {
                double g = (double)weight[c] * dy[o + c];
                sumG += g;
                sumGx += g * normalized[o + c];
                dWeight[c] += dy[o + c] * normalized[o + c];
                dBias[c] += dy[o + c];
            }
            float meanG = (float)(sumG / features), meanGx = (float)(sumGx / features);
            for (int c = 0; c < stride; c++)
                dx[o + c] = c < features ? (weight[c] * dy[o + c] - meanG - normalized[o + c] * meanGx) * inverseStd[r] : 0f;
        }
    }
}
