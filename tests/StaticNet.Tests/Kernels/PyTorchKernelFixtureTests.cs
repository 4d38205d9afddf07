using System;
using StaticNet.IO;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The convolution, pooling and batch-norm kernels against PyTorch's (tests/reference/make_conv_kernel_fixtures.py):
/// outputs within 1e-5, gradients and running statistics within 1e-4, relative to max(1, |value|).
/// </summary>
public class PyTorchKernelFixtureTests
{
    /// <summary>NCHW → channels last, channels padded to <paramref name="cs"/>.</summary>
    private static float[] ToChannelsLast(float[] nchw, int n, int c, int positions, int cs)
    {
        var result = new float[n * positions * cs];
        for (int r = 0; r < n; r++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < positions; p++)
                    result[(r * positions + p) * cs + ch] = nchw[(r * c + ch) * positions + p];
        return result;
    }

    private static float[] ToNchw(float[] channelsLast, int n, int c, int positions, int cs)
    {
        var result = new float[n * c * positions];
        for (int r = 0; r < n; r++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < positions; p++)
                    result[(r * c + ch) * positions + p] = channelsLast[(r * positions + p) * cs + ch];
        return result;
    }

    private static double[] D(float[] v) => ToDouble(v);

    [Theory]
    [InlineData("s2p1", false)]
    [InlineData("s2p1", true)]
    [InlineData("d2", true)]
    [InlineData("rect", false)]
    [InlineData("rect", true)]
    [InlineData("conv1d", false)]
    public void Conv2DMatchesPyTorch(string name, bool channelsLastInput)
    {
        SafetensorsFile file = Fixture("kernel_conv2d.safetensors");
        SafetensorsTensor input = file.Get(name + ".input"), weight = file.Get(name + ".weight"), output = file.Get(name + ".output");
        int n = input.Shape[0], cin = input.Shape[1], h = input.Shape[2], w = input.Shape[3];
        int cout = weight.Shape[0], kh = weight.Shape[2], kw = weight.Shape[3], ho = output.Shape[2], wo = output.Shape[3];
        (int stride, int dilation, int padTop, int padLeft) = name switch
        {
            "s2p1" => (2, 1, 1, 1), "d2" => (1, 2, 2, 2), "rect" => (1, 1, 1, 0), _ => (2, 1, 0, 2),
        };
        int csIn = (cin + 15) / 16 * 16;
        ConvGeometry g = channelsLastInput
            ? new ConvGeometry(cin, h, w, h * w * csIn, csIn, 1, cout, kh, kw, stride, dilation, padTop, padLeft, ho, wo)
            : new ConvGeometry(cin, h, w, cin * h * w, 1, h * w, cout, kh, kw, stride, dilation, padTop, padLeft, ho, wo);
        int cp = g.OutChannelsPadded;
        float[] x = channelsLastInput ? ToChannelsLast(input.Data, n, cin, h * w, csIn) : input.Data;
        var wk = new float[g.Taps * cp];
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < cin; ci++)
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++)
                        wk[((ky * kw + kx) * cin + ci) * cp + co] = weight.Data[((co * cin + ci) * kh + ky) * kw + kx];
        var bias = new float[cp];
        file.Get(name + ".bias").Data.CopyTo(bias, 0);
        float[] y = new float[n * g.OutputSampleLength], scratch = new float[ConvKernels.ScratchLength(g)];
        float[] dy = ToChannelsLast(file.Get(name + ".grad_output").Data, n, cout, ho * wo, cp);
        float[] dW = new float[wk.Length], dB = new float[cp], dx = new float[x.Length];
        ConvKernels.Forward(x, n, g, wk, bias, scratch, y);
        ConvKernels.Backward(x, dy, n, g, wk, scratch, dW, dB, dx);

        AssertClose(D(output.Data), ToNchw(y, n, cout, ho * wo, cp), 1e-5, name + " output");
        float[] dxNchw = channelsLastInput ? ToNchw(dx, n, cin, h * w, csIn) : dx;
        AssertClose(D(file.Get(name + ".grad_input").Data), dxNchw, 1e-4, name + " grad_input");
        float[] gradWeight = file.Get(name + ".grad_weight").Data;
        var dWTorch = new float[gradWeight.Length];
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < cin; ci++)
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++)
                        dWTorch[((co * cin + ci) * kh + ky) * kw + kx] = dW[((ky * kw + kx) * cin + ci) * cp + co];
        AssertClose(D(gradWeight), dWTorch, 1e-4, name + " grad_weight");
        AssertClose(D(file.Get(name + ".grad_bias").Data), dB, 1e-4, name + " grad_bias");
    }

    [Theory]
    [InlineData("max3s2", true, 3, 3, 2, 2)]
    [InlineData("max2", true, 2, 2, 2, 2)]
    [InlineData("avg2s1", false, 2, 2, 1, 1)]
    [InlineData("max1d3s1", true, 1, 3, 1, 1)]
    public void PoolsMatchPyTorch(string name, bool max, int ph, int pw, int sh, int sw)
    {
        SafetensorsFile file = Fixture("kernel_pool.safetensors");
        SafetensorsTensor input = file.Get(name + ".input"), output = file.Get(name + ".output");
        int n = input.Shape[0], c = input.Shape[1], h = input.Shape[2], w = input.Shape[3], ho = output.Shape[2], wo = output.Shape[3];
        const int cs = 16;
        float[] x = ToChannelsLast(input.Data, n, c, h * w, cs), y = new float[n * ho * wo * cs], dx = new float[x.Length];
        float[] dy = ToChannelsLast(file.Get(name + ".grad_output").Data, n, c, ho * wo, cs);
        if (max)
        {
            PoolKernels.MaxPool(x, n, h, w, cs, ph, pw, sh, sw, y);
            PoolKernels.MaxPoolBackward(x, dy, n, h, w, cs, ph, pw, sh, sw, dx);
        }
        else
        {
            PoolKernels.AvgPool(x, n, h, w, cs, ph, pw, sh, sw, y);
            PoolKernels.AvgPoolBackward(dy, n, h, w, cs, ph, pw, sh, sw, dx);
        }
        AssertClose(D(output.Data), ToNchw(y, n, c, ho * wo, cs), 1e-5, name + " output");
        AssertClose(D(file.Get(name + ".grad_input").Data), ToNchw(dx, n, c, h * w, cs), 1e-4, name + " grad_input");
    }

    [Fact]
    public void BatchNormTrainingMatchesPyTorch()
    {
        SafetensorsFile file = Fixture("kernel_batchnorm.safetensors");
        SafetensorsTensor input = file.Get("bn2d.input");
        int n = input.Shape[0], c = input.Shape[1], positions = input.Shape[2] * input.Shape[3];
        const int cs = 16;
        float[] Padded(string key)
        {
            var v = new float[cs];
            file.Get("bn2d." + key).Data.CopyTo(v, 0);
            return v;
        }
        float[] x = ToChannelsLast(input.Data, n, c, positions, cs), dy = ToChannelsLast(file.Get("bn2d.grad_output").Data, n, c, positions, cs);
        float[] gamma = Padded("weight"), beta = Padded("bias"), mean = Padded("running_mean"), variance = Padded("running_var");
        float[] y = new float[x.Length], xhat = new float[x.Length], invStd = new float[cs], dG = new float[cs], dB = new float[cs], dx = new float[x.Length];
        BatchNormKernels.ForwardTraining(x, n, positions, cs, gamma, beta, mean, variance, 0.1f, 1e-5f, xhat, invStd, y);
        BatchNormKernels.Backward(dy, n, positions, cs, gamma, xhat, invStd, dG, dB, dx);
        AssertClose(D(file.Get("bn2d.output").Data), ToNchw(y, n, c, positions, cs), 1e-5, "output");
        AssertClose(D(file.Get("bn2d.running_mean_after").Data), mean, 1e-4, "running_mean");
        AssertClose(D(file.Get("bn2d.running_var_after").Data), variance, 1e-4, "running_var");
        AssertClose(D(file.Get("bn2d.grad_input").Data), ToNchw(dx, n, c, positions, cs), 1e-4, "grad_input");
        AssertClose(D(file.Get("bn2d.grad_weight").Data), dG, 1e-4, "grad_weight");
        AssertClose(D(file.Get("bn2d.grad_bias").Data), dB, 1e-4, "grad_bias");
    }
}
