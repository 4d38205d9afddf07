using System;
using StaticNet.Kernels;

namespace StaticNet.Tests.Kernels;

/// <summary>Which recurrent cell a test runs.</summary>
public enum CellKind { Lstm, Gru, RnnTanh, RnnReLU }

/// <summary>
/// One recurrent layer for the tests: its parameters in PyTorch's layout (double), packed into the kernels' internal
/// layout (float), the kernels called through one interface, and a double-precision reference forward pass written
/// from PyTorch's documented equations, independently of the kernels.
/// </summary>
internal sealed class RecurrentLayer
{
    public RecurrentLayer(CellKind kind, int inputs, int hidden)
    {
        Kind = kind;
        F = inputs;
        H = hidden;
        Wih = new double[G * H * F];
        Whh = new double[G * H * H];
        Bih = new double[G * H];
        Bhh = new double[G * H];
    }

    public CellKind Kind { get; }
    public int F { get; }
    public int H { get; }
    public int G => Kind == CellKind.Lstm ? 4 : Kind == CellKind.Gru ? 3 : 1;
    public int GW => (G * H + 15) / 16 * 16;
    public int Hp => (H + 15) / 16 * 16;

    // PyTorch layout: weight_ih_l0 [G·H, F], weight_hh_l0 [G·H, H], biases [G·H].
    public double[] Wih { get; }
    public double[] Whh { get; }
    public double[] Bih { get; }
    public double[] Bhh { get; }

    public double[][] All => [Wih, Whh, Bih, Bhh];

    public static readonly string[] Names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"];

    /// <summary>Random parameters, rounded to float so that the float kernels and the double reference see the same values.</summary>
    public RecurrentLayer Randomize(int seed, double scale = 0.5)
    {
        var random = new Random(seed);
        foreach (double[] p in All)
            for (int i = 0; i < p.Length; i++)
                p[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return this;
    }

    public void Set(int index, float[] values)
    {
        double[] p = All[index];
        for (int i = 0; i < p.Length; i++) p[i] = values[i];
    }

    // ---- internal layout ----

    public float[] PackedWih()
    {
        var w = new float[F * GW];
        for (int r = 0; r < G * H; r++)
            for (int f = 0; f < F; f++)
                w[f * GW + r] = (float)Wih[r * F + f];
        return w;
    }

    public float[] PackedWhh()
    {
        var w = new float[H * GW];
        for (int r = 0; r < G * H; r++)
            for (int k = 0; k < H; k++)
                w[k * GW + r] = (float)Whh[r * H + k];
        return w;
    }

    public float[] PackedBias(double[] b)
    {
        var v = new float[GW];
        for (int r = 0; r < G * H; r++) v[r] = (float)b[r];
        return v;
    }

    /// <summary>The internal gradient buffers turned back into PyTorch's layout, in <see cref="Names"/> order.</summary>
    public double[][] Unpack(float[] dWih, float[] dWhh, float[] dBih, float[] dBhh)
    {
        var wih = new double[G * H * F];
        var whh = new double[G * H * H];
        var bih = new double[G * H];
        var bhh = new double[G * H];
        for (int r = 0; r < G * H; r++)
        {
            for (int f = 0; f < F; f++) wih[r * F + f] = dWih[f * GW + r];
            for (int k = 0; k < H; k++) whh[r * H + k] = dWhh[k * GW + r];
            bih[r] = dBih[r];
            bhh[r] = dBhh[r];
        }
        return [wih, whh, bih, bhh];
    }

    // ---- kernel calls ----

    public sealed class Grads
    {
        public Grads(RecurrentLayer l)
        {
            Wih = new float[l.F * l.GW];
            Whh = new float[l.H * l.GW];
            Bih = new float[l.GW];
            Bhh = new float[l.GW];
        }

        public float[] Wih, Whh, Bih, Bhh;
    }

    public sealed class Packed
    {
        public Packed(RecurrentLayer l)
        {
            Wih = l.PackedWih();
            Whh = l.PackedWhh();
            Bih = l.PackedBias(l.Bih);
            Bhh = l.PackedBias(l.Bhh);
        }

        public float[] Wih, Whh, Bih, Bhh;
    }

    public int SavedLength(int steps) => Kind switch
    {
        CellKind.Lstm => LstmKernels.SavedLength(H, steps),
        CellKind.Gru => GruKernels.SavedLength(H, steps),
        _ => RnnKernels.SavedLength(H, steps),
    };

    public int StepStateLength => Kind switch
    {
        CellKind.Lstm => LstmKernels.StepStateLength(H),
        CellKind.Gru => GruKernels.StepStateLength(H),
        _ => RnnKernels.StepStateLength(H),
    };

    private Activation Act => Kind == CellKind.RnnReLU ? Activation.ReLU : Activation.Tanh;

    public void Forward(Packed p, ReadOnlySpan<float> x, int rows, int steps, int positionStride, int sampleStride, Span<float> saved,
        Span<float> y, bool sequences)
    {
        switch (Kind)
        {
            case CellKind.Lstm: LstmKernels.Forward(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, p.Bih, p.Bhh, H, saved, y, sequences); break;
            case CellKind.Gru: GruKernels.Forward(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, p.Bih, p.Bhh, H, saved, y, sequences); break;
            default: RnnKernels.Forward(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, p.Bih, p.Bhh, H, Act, saved, y, sequences); break;
        }
    }

    public void Backward(Packed p, ReadOnlySpan<float> x, int rows, int steps, int positionStride, int sampleStride, Span<float> saved,
        ReadOnlySpan<float> dy, bool sequences, Grads g, Span<float> dx)
    {
        switch (Kind)
        {
            case CellKind.Lstm: LstmKernels.Backward(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, H, saved, dy, sequences, g.Wih, g.Whh, g.Bih, g.Bhh, dx); break;
            case CellKind.Gru: GruKernels.Backward(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, H, saved, dy, sequences, g.Wih, g.Whh, g.Bih, g.Bhh, dx); break;
            default: RnnKernels.Backward(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, H, Act, saved, dy, sequences, g.Wih, g.Whh, g.Bih, g.Bhh, dx); break;
        }
    }

    /// <summary>One direction of a stacked or bidirectional layer (<c>ForwardDirection</c>): output at a column of wider rows.</summary>
    public void ForwardDirection(Packed p, ReadOnlySpan<float> x, int rows, int steps, int positionStride, int sampleStride, Span<float> saved,
        Span<float> y, bool sequences, bool reverse, int offset, int width)
    {
        switch (Kind)
        {
            case CellKind.Lstm: LstmKernels.ForwardDirection(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, p.Bih, p.Bhh, H, saved, y, sequences, reverse, offset, width); break;
            case CellKind.Gru: GruKernels.ForwardDirection(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, p.Bih, p.Bhh, H, saved, y, sequences, reverse, offset, width); break;
            default: RnnKernels.ForwardDirection(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, p.Bih, p.Bhh, H, Act, saved, y, sequences, reverse, offset, width); break;
        }
    }

    /// <summary><c>BackwardDirection</c> after <see cref="ForwardDirection"/> with the same arguments.</summary>
    public void BackwardDirection(Packed p, ReadOnlySpan<float> x, int rows, int steps, int positionStride, int sampleStride, Span<float> saved,
        ReadOnlySpan<float> dy, bool sequences, bool reverse, int offset, int width, Grads g, Span<float> dx, bool accumulate)
    {
        switch (Kind)
        {
            case CellKind.Lstm: LstmKernels.BackwardDirection(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, H, saved, dy, sequences, reverse, offset, width, g.Wih, g.Whh, g.Bih, g.Bhh, dx, accumulate); break;
            case CellKind.Gru: GruKernels.BackwardDirection(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, H, saved, dy, sequences, reverse, offset, width, g.Wih, g.Whh, g.Bih, g.Bhh, dx, accumulate); break;
            default: RnnKernels.BackwardDirection(x, rows, steps, F, positionStride, sampleStride, p.Wih, p.Whh, H, Act, saved, dy, sequences, reverse, offset, width, g.Wih, g.Whh, g.Bih, g.Bhh, dx, accumulate); break;
        }
    }

    public void Step(Packed p, ReadOnlySpan<float> x, Span<float> state)
    {
        switch (Kind)
        {
            case CellKind.Lstm: LstmKernels.Step(x, F, p.Wih, p.Whh, p.Bih, p.Bhh, H, state); break;
            case CellKind.Gru: GruKernels.Step(x, F, p.Wih, p.Whh, p.Bih, p.Bhh, H, state); break;
            default: RnnKernels.Step(x, F, p.Wih, p.Whh, p.Bih, p.Bhh, H, Act, state); break;
        }
    }

    /// <summary>The step with a fused Dense readout: <c>[H, width]</c>, or a one-unit row <c>[H]</c> when width is 1.</summary>
    public void Step(Packed p, ReadOnlySpan<float> x, Span<float> state, ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias,
        int readoutWidth, Span<float> y)
    {
        switch (Kind)
        {
            case CellKind.Lstm: LstmKernels.Step(x, F, p.Wih, p.Whh, p.Bih, p.Bhh, H, state, readoutWeight, readoutBias, readoutWidth, y); break;
            case CellKind.Gru: GruKernels.Step(x, F, p.Wih, p.Whh, p.Bih, p.Bhh, H, state, readoutWeight, readoutBias, readoutWidth, y); break;
            default: RnnKernels.Step(x, F, p.Wih, p.Whh, p.Bih, p.Bhh, H, Act, state, readoutWeight, readoutBias, readoutWidth, y); break;
        }
    }

    /// <summary><c>StepBlock</c>: <paramref name="steps"/> steps in one call, the readout of step t at <c>y[t·width]</c> (none for width 0).</summary>
    public void StepBlock(Packed p, ReadOnlySpan<float> x, Span<float> state, ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias,
        int readoutWidth, Span<float> y, int steps)
    {
        switch (Kind)
        {
            case CellKind.Lstm: LstmKernels.StepBlock(x, F, p.Wih, p.Whh, p.Bih, p.Bhh, H, state, readoutWeight, readoutBias, readoutWidth, y, steps); break;
            case CellKind.Gru: GruKernels.StepBlock(x, F, p.Wih, p.Whh, p.Bih, p.Bhh, H, state, readoutWeight, readoutBias, readoutWidth, y, steps); break;
            default: RnnKernels.StepBlock(x, F, p.Wih, p.Whh, p.Bih, p.Bhh, H, Act, state, readoutWeight, readoutBias, readoutWidth, y, steps); break;
        }
    }

    // ---- double reference ----

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    /// <summary>
    /// Every step's h, <c>[rows, T, H]</c>, for x element (r, t, f) at <c>r·sampleStride + t·positionStride + f</c>; with
    /// <paramref name="reverse"/> the recurrence runs from the last step to the first (PyTorch's reverse direction), h
    /// still stored at its own step.
    /// </summary>
    public double[] ReferenceForward(ReadOnlySpan<double> x, int rows, int steps, int positionStride, int sampleStride, bool reverse = false)
    {
        var output = new double[rows * steps * H];
        var h = new double[H];
        var c = new double[H];
        var ax = new double[G * H];
        var ah = new double[G * H];
        for (int r = 0; r < rows; r++)
        {
            Array.Clear(h);
            Array.Clear(c);
            for (int s = 0; s < steps; s++)
            {
                int t = reverse ? steps - 1 - s : s;
                for (int row = 0; row < G * H; row++)
                {
                    double sx = Bih[row], sh = Bhh[row];
                    for (int f = 0; f < F; f++) sx += Wih[row * F + f] * x[r * sampleStride + t * positionStride + f];
                    for (int k = 0; k < H; k++) sh += Whh[row * H + k] * h[k];
                    ax[row] = sx;
                    ah[row] = sh;
                }
                for (int j = 0; j < H; j++)
                {
                    switch (Kind)
                    {
                        case CellKind.Lstm:
                        {
                            double i = Sigmoid(ax[j] + ah[j]), f = Sigmoid(ax[H + j] + ah[H + j]);
                            double g = Math.Tanh(ax[2 * H + j] + ah[2 * H + j]), o = Sigmoid(ax[3 * H + j] + ah[3 * H + j]);
                            c[j] = f * c[j] + i * g;
                            h[j] = o * Math.Tanh(c[j]);
                            break;
                        }
                        case CellKind.Gru:
                        {
                            double rg = Sigmoid(ax[j] + ah[j]), z = Sigmoid(ax[H + j] + ah[H + j]);
                            double n = Math.Tanh(ax[2 * H + j] + rg * ah[2 * H + j]);
                            h[j] = (1 - z) * n + z * h[j];
                            break;
                        }
                        case CellKind.RnnTanh:
                            h[j] = Math.Tanh(ax[j] + ah[j]);
                            break;
                        default:
                            h[j] = Math.Max(0, ax[j] + ah[j]);
                            break;
                    }
                }
                Array.Copy(h, 0, output, (r * steps + t) * H, H);
            }
        }
        return output;
    }
}
