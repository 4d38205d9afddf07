using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;
using static StaticNet.Tests.Kernels.LayerKernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// Convolution forward and backward on every path against a double-precision direct convolution and its finite
/// differences: strides, padding (asymmetric too), dilation, rectangular kernels, Cin &gt; 1 read channels first and
/// channels last, Conv1D as H = 1, the direct path for one input channel.
/// </summary>
public class ConvKernelTests
{
    public enum Layout { ChannelsFirst, ChannelsLast, SequenceLast }

    public sealed record Case(string Name, Layout Layout, int Cin, int H, int W, int Cout, int Kh, int Kw, int Stride,
        int Dilation, int PadTop, int PadLeft, int Ho, int Wo, int Rows)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    {
        new("chw cin3 rect stride2 pad1", Layout.ChannelsFirst, 3, 7, 6, 5, 3, 2, 2, 1, 1, 1, 4, 4, 2),
        new("channels-last cin5 dilation2 pad2", Layout.ChannelsLast, 5, 6, 7, 20, 3, 3, 1, 2, 2, 2, 6, 7, 3),
        new("channels-last cin18 stride2", Layout.ChannelsLast, 18, 5, 5, 7, 3, 3, 2, 1, 0, 0, 2, 2, 2),
        new("cin1 direct pad1", Layout.ChannelsFirst, 1, 8, 9, 20, 3, 3, 1, 1, 1, 1, 8, 9, 2),
        new("cin1 direct stride2 dilation2", Layout.ChannelsFirst, 1, 9, 11, 3, 3, 3, 2, 2, 2, 2, 5, 6, 1),
        new("cin2 even kernel same (asymmetric)", Layout.ChannelsFirst, 2, 5, 6, 4, 4, 4, 1, 1, 1, 1, 5, 6, 2),
        new("conv1d [C, L] input", Layout.ChannelsFirst, 3, 1, 10, 6, 1, 3, 1, 1, 0, 1, 1, 10, 3),
        new("conv1d [T, F] input stride2", Layout.SequenceLast, 4, 1, 9, 8, 1, 3, 2, 1, 0, 1, 1, 5, 2),
        new("conv1d channels-last dilation3", Layout.ChannelsLast, 16, 1, 12, 16, 1, 3, 1, 3, 0, 0, 1, 6, 2),
    };

    public static TheoryData<int, int> CaseAndPath()
    {
        var data = new TheoryData<int, int>();
        for (int c = 0; c < Cases.Length; c++)
            foreach (int path in Paths) data.Add(c, path);
        return data;
    }

    internal static ConvGeometry Geometry(Case c)
    {
        int cs = (c.Cin + 15) / 16 * 16;
        return c.Layout switch
        {
            Layout.ChannelsFirst => new ConvGeometry(c.Cin, c.H, c.W, c.Cin * c.H * c.W, 1, c.H * c.W, c.Cout, c.Kh, c.Kw, c.Stride, c.Dilation, c.PadTop, c.PadLeft, c.Ho, c.Wo),
            Layout.SequenceLast => new ConvGeometry(c.Cin, c.H, c.W, c.Cin * c.H * c.W, c.Cin, 1, c.Cout, c.Kh, c.Kw, c.Stride, c.Dilation, c.PadTop, c.PadLeft, c.Ho, c.Wo),
            _ => new ConvGeometry(c.Cin, c.H, c.W, c.H * c.W * cs, cs, 1, c.Cout, c.Kh, c.Kw, c.Stride, c.Dilation, c.PadTop, c.PadLeft, c.Ho, c.Wo),
        };
    }

    /// <summary>An input in the case's layout: random real elements, zero padding channels.</summary>
    internal static float[] Input(in ConvGeometry g, int rows, int seed)
    {
        var x = new float[rows * g.InputSampleStride];
        var random = new Random(seed);
        for (int r = 0; r < rows; r++)
            for (int p = 0; p < g.InHeight * g.InWidth; p++)
                for (int ci = 0; ci < g.InChannels; ci++)
                    x[r * g.InputSampleStride + p * g.InputPositionStride + ci * g.InputChannelStride] = (float)(random.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Direct convolution in double, from PyTorch's definition, with the weight in the kernel layout.</summary>
    internal static double[] ForwardDouble(double[] x, double[] w, double[] b, ConvGeometry g, int rows)
    {
        int cp = g.OutChannelsPadded;
        var y = new double[rows * g.OutputSampleLength];
        for (int r = 0; r < rows; r++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                    for (int co = 0; co < g.OutChannels; co++)
                    {
                        double sum = b[co];
                        for (int ky = 0; ky < g.KernelHeight; ky++)
                            for (int kx = 0; kx < g.KernelWidth; kx++)
                            {
                                int ih = oh * g.Stride - g.PadTop + ky * g.Dilation, iw = ow * g.Stride - g.PadLeft + kx * g.Dilation;
                                if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                for (int ci = 0; ci < g.InChannels; ci++)
                                    sum += x[r * g.InputSampleStride + (ih * g.InWidth + iw) * g.InputPositionStride + ci * g.InputChannelStride]
                                           * w[((ky * g.KernelWidth + kx) * g.InChannels + ci) * cp + co];
                            }
                        y[(r * g.OutPositions + oh * g.OutWidth + ow) * cp + co] = sum;
                    }
        return y;
    }

    [Theory]
    [MemberData(nameof(CaseAndPath))]
    public void ForwardAndGradientsMatchFiniteDifferences(int caseIndex, int path)
    {
        Case c = Cases[caseIndex];
        ConvGeometry g = Geometry(c);
        int rows = c.Rows, cp = g.OutChannelsPadded;
        float[] x = Input(g, rows, 1 + caseIndex);
        float[] w = PaddedWeight(g.Taps, c.Cout, cp, 2 + caseIndex);
        float[] b = Random(cp, 3 + caseIndex);
        for (int j = c.Cout; j < cp; j++) b[j] = 0f;
        float[] dy = Random(rows * g.OutputSampleLength, 4 + caseIndex);
        for (int i = 0; i < dy.Length; i++) if (i % cp >= c.Cout) dy[i] = 0f;

        double[] xd = ToDouble(x), wd = ToDouble(w), bd = ToDouble(b);
        double[] expected = ForwardDouble(xd, wd, bd, g, rows);
        double Loss() => Dot(ForwardDouble(xd, wd, bd, g, rows), dy);

        foreach (bool direct in new[] { true, false })
        {
            string what = $"{c.Name}, path {path}, direct {direct}";
            float[] y = Filled(rows * g.OutputSampleLength, float.NaN);
            float[] scratch = new float[ConvKernels.ScratchLength(g)];
            float[] dW = new float[w.Length], dB = new float[cp];
            float[] dx = Filled(x.Length, float.NaN);
            WithPath(path, () =>
            {
                ConvKernels.DirectDisabled = !direct;
                try
                {
                    ConvKernels.Forward(x, rows, g, w, b, scratch, y);
                    ConvKernels.Backward(x, dy, rows, g, w, scratch, dW, dB, dx);
                }
                finally { ConvKernels.DirectDisabled = false; }
            });
            AssertClose(expected, y, 1e-5, what + " y");
            AssertClose(NumericGradient(Loss, wd), dW, 1e-4, what + " dW");
            AssertClose(NumericGradient(Loss, bd), dB, 1e-4, what + " dB");
            double[] dxExpected = NumericGradient(Loss, xd);
            for (int i = 0; i < dx.Length; i++)
            {
                bool real = IsReal(g, i);
                if (real)
                    Assert.True(Math.Abs(dx[i] - dxExpected[i]) <= 1e-4 * Math.Max(1, Math.Abs(dxExpected[i])), $"{what} dx[{i}]: expected {dxExpected[i]}, got {dx[i]}");
                else if (i % g.InputSampleStride < g.InputExtent)
                    Assert.True(dx[i] == 0f, $"{what}: padding dx[{i}] = {dx[i]}, expected 0");
            }
        }
    }

    private static bool IsReal(in ConvGeometry g, int index)
    {
        int offset = index % g.InputSampleStride;
        if (g.InputChannelStride == 1)
            return offset / g.InputPositionStride < g.InHeight * g.InWidth && offset % g.InputPositionStride < g.InChannels;
        return offset < g.InputExtent;
    }

    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void VectorPathsAgreeWithTheScalarReference(int path)
    {
        for (int caseIndex = 0; caseIndex < Cases.Length; caseIndex++)
        {
            Case c = Cases[caseIndex];
            ConvGeometry g = Geometry(c);
            float[] x = Input(g, c.Rows, 10 + caseIndex);
            float[] w = PaddedWeight(g.Taps, c.Cout, g.OutChannelsPadded, 11);
            float[] b = Random(g.OutChannelsPadded, 12);
            float[] dy = Random(c.Rows * g.OutputSampleLength, 13);
            (float[] y, float[] dW, float[] dB, float[] dx) Run(int p)
            {
                float[] y = new float[c.Rows * g.OutputSampleLength], dW = new float[w.Length], dB = new float[b.Length], dx = new float[x.Length];
                float[] scratch = new float[ConvKernels.ScratchLength(g)];
                WithPath(p, () =>
                {
                    ConvKernels.Forward(x, c.Rows, g, w, b, scratch, y);
                    ConvKernels.Backward(x, dy, c.Rows, g, w, scratch, dW, dB, dx);
                });
                return (y, dW, dB, dx);
            }
            var reference = Run(0);
            var actual = Run(path);
            AssertClose(reference.y, actual.y, 1e-5, $"{c.Name} path {path} y");
            AssertClose(reference.dW, actual.dW, 1e-5, $"{c.Name} path {path} dW");
            AssertClose(reference.dB, actual.dB, 1e-5, $"{c.Name} path {path} dB");
            AssertClose(reference.dx, actual.dx, 1e-5, $"{c.Name} path {path} dx");
        }
    }

    [Fact]
    public void FirstLayerBackwardSkipsDx()
    {
        ConvGeometry g = Geometry(Cases[3]);
        float[] x = Input(g, 2, 1), w = Random(g.Taps * g.OutChannelsPadded, 2), dy = Random(2 * g.OutputSampleLength, 3);
        float[] dW = new float[w.Length], dB = new float[g.OutChannelsPadded], scratch = new float[ConvKernels.ScratchLength(g)];
        ConvKernels.Backward(x, dy, 2, g, w, scratch, dW, dB, Span<float>.Empty);
        Assert.Contains(dW, v => v != 0f);
    }

    [Fact]
    public void InconsistentSizesThrow()
    {
        Assert.Throws<ArgumentException>(() => new ConvGeometry(1, 5, 5, 25, 1, 25, 4, 3, 3, 1, 1, 0, 0, 5, 3));
        Assert.Throws<ArgumentException>(() => new ConvGeometry(2, 5, 5, 30, 1, 25, 4, 3, 3, 1, 1, 0, 0, 3, 3));
        Assert.Throws<ArgumentException>(() => new ConvGeometry(1, 5, 5, 25, 1, 25, 4, 3, 3, 1, 1, 3, 0, 3, 3));
        ConvGeometry g = new(1, 5, 5, 25, 1, 25, 4, 3, 3, 1, 1, 0, 0, 3, 3);
        float[] x = new float[25], w = new float[9 * 16], b = new float[16], y = new float[9 * 16], s = new float[81];
        Assert.Throws<ArgumentException>(() => ConvKernels.Forward(x, 2, g, w, b, s, y));
        Assert.Throws<ArgumentException>(() => ConvKernels.Forward(x, 1, g, w.AsSpan(1), b, s, y));
        Assert.Throws<ArgumentException>(() => ConvKernels.Forward(x, 1, g, w, b, s, y.AsSpan(1)));
        ConvKernels.DirectDisabled = true;
        try { Assert.Throws<ArgumentException>(() => ConvKernels.Forward(x, 1, g, w, b, s.AsSpan(1), y)); }
        finally { ConvKernels.DirectDisabled = false; }
    }
}
