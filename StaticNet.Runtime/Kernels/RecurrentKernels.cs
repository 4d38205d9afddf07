using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// The shared driver of the recurrent layers (<see cref="LstmKernels"/>, <see cref="GruKernels"/>,
/// <see cref="RnnKernels"/>). Every matrix product goes through <see cref="DenseKernels"/>; the element-wise cell
/// arithmetic is in <see cref="RecurrentGates"/>.
/// </summary>
/// <remarks>
/// <para>Sizes: <c>F</c> inputs, <c>H</c> hidden units, <c>G</c> gates (LSTM 4, GRU 3, RNN 1), <c>Hp = RoundUp(H, 16)</c>,
/// <c>GW = RoundUp(G·H, 16)</c>. Parameters (PyTorch <c>weight_ih_l0 [G·H, F]</c> etc.) are stored transposed, as a
/// dense layer's: <c>weightIh [F, GW]</c>, <c>weightHh [H, GW]</c>, <c>biasIh</c>, <c>biasHh [GW]</c>, gate g's unit j in
/// column <c>g·H + j</c> (PyTorch's row order), columns from G·H on zero.</para>
/// <para>The saved region of a chunk of <c>rows</c> samples (<c>rows · SavedLength</c> floats), time-major so that each
/// step's rows are contiguous for the matrix kernels:
/// <c>gates [T, rows, GW]</c>, then per cell the state planes (LSTM <c>c, tanh c, h</c>; GRU <c>W_hn h + b_hn, h</c>;
/// RNN none: its h is the gates plane), each <c>[T, rows, Hp]</c>, then scratch <c>hz [rows, GW]</c>,
/// <c>dh [rows, Hp]</c>, <c>aux [rows, Hp]</c>.</para>
/// </remarks>
internal static class RecurrentCore
{
    public const int Lstm = LayoutArithmetic.LstmCell, Gru = LayoutArithmetic.GruCell, RnnTanh = LayoutArithmetic.RnnCell, RnnReLU = 3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Gates(int cell) => LayoutArithmetic.RecurrentGates(cell);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RoundUp(int n) => LayoutArithmetic.Padded(n);

    private static int StatePlanes(int cell) => LayoutArithmetic.RecurrentStatePlanes(cell);

    public static int GateWidth(int cell, int hidden) => (int)LayoutArithmetic.RecurrentGateWidth(cell, hidden);

    public static int SavedLength(int cell, int hidden, int steps) => (int)LayoutArithmetic.RecurrentSavedLength(cell, hidden, steps);

    public static int StepStateLength(int cell, int hidden) => (int)LayoutArithmetic.RecurrentStepStateLength(cell, hidden);

    private static string Name(int cell) => cell == Lstm ? "LSTM" : cell == Gru ? "GRU" : "RNN";

    /// <summary>Inlines to the comparisons; the message is built by a helper that only runs to throw.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckParameters(int cell, int inputs, int hidden, int weightIh, int weightHh, int biasIh, int biasHh)
    {
        int gw = GateWidth(cell, hidden);
        if (inputs <= 0 || hidden <= 0 || weightIh < inputs * gw || weightHh < hidden * gw || biasIh < gw || biasHh < gw)
            ThrowParameters(cell, inputs, hidden, weightIh, weightHh, biasIh, biasHh);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowParameters(int cell, int inputs, int hidden, int weightIh, int weightHh, int biasIh, int biasHh)
    {
        int gw = GateWidth(cell, hidden);
        throw new ArgumentException(
            $"{Name(cell)} kernel called with inconsistent parameters: inputs {inputs}, hidden {hidden} (gate width {gw}); " +
            $"expected weightIh {inputs * gw}, weightHh {hidden * gw}, biases {gw} floats; found {weightIh}, {weightHh}, {biasIh}, {biasHh}.");
    }

    private static void CheckSequence(int cell, int xLength, int rows, int steps, int inputs, int positionStride, int sampleStride,
        int savedLength, int hidden)
    {
        if (rows <= 0 || steps <= 0 || positionStride < inputs || (rows > 1 && sampleStride < (steps - 1) * positionStride + inputs) ||
            xLength < (long)(rows - 1) * sampleStride + (long)(steps - 1) * positionStride + inputs)
            throw new ArgumentException(
                $"{Name(cell)} kernel called with inconsistent input sizes: rows {rows}, steps {steps}, inputs {inputs}, " +
                $"position stride {positionStride}, sample stride {sampleStride}; input buffer {xLength} floats.");
        long saved = (long)rows * SavedLength(cell, hidden, steps);
        if (savedLength < saved)
            throw new ArgumentException(
                $"{Name(cell)} kernel called with a saved region of {savedLength} floats; expected {saved} ({rows} rows × {SavedLength(cell, hidden, steps)}).", "saved");
    }

    private static void CheckOutput(int cell, int length, int rows, int steps, int hidden, bool returnSequences, int offset, int width, string name)
    {
        long expected = (long)rows * (returnSequences ? steps : 1) * width;
        if (offset < 0 || offset + hidden > width || length < expected)
            ThrowOutput(cell, length, rows, steps, hidden, returnSequences, offset, width, name);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutput(int cell, int length, int rows, int steps, int hidden, bool returnSequences, int offset, int width, string name)
    {
        long expected = (long)rows * (returnSequences ? steps : 1) * width;
        throw new ArgumentException(
            $"{Name(cell)} kernel called with '{name}' of {length} floats, hidden {hidden} at column {offset} of rows {width} floats wide; expected " +
            $"0 <= column, column + hidden <= width, and {expected} floats ([{rows}, {(returnSequences ? steps + ", " : "")}{width}]).", name);
    }

    /// <summary>One direction of one layer with its output in the first <c>Hp</c> columns of <c>[rows, (T,) Hp]</c>: the one-layer call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(int cell, ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden,
        Span<float> saved, Span<float> y, bool returnSequences) =>
        Forward(cell, x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, biasIh, biasHh, hidden, saved, y,
            returnSequences, false, 0, RoundUp(hidden));

    /// <summary>See <see cref="Backward(int, ReadOnlySpan{float}, int, int, int, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float}, ReadOnlySpan{float}, bool, Span{float}, Span{float}, Span{float}, Span{float}, Span{float}, bool, int, int, bool)"/>: the one-layer call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(int cell, ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int hidden, Span<float> saved, ReadOnlySpan<float> dy, bool returnSequences,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh, Span<float> dx) =>
        Backward(cell, x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, hidden, saved, dy, returnSequences,
            dWeightIh, dWeightHh, dBiasIh, dBiasHh, dx, false, 0, RoundUp(hidden), false);

    /// <summary>
    /// One direction of one layer over the sequence. Every buffer (the saved gates and states, x, y) is indexed by the
    /// sequence's own time t; <paramref name="reverse"/> only changes the order of the recurrence (t = T − 1 down to 0,
    /// the previous state being t + 1's), as the reverse direction of PyTorch's bidirectional layers. The output is
    /// written at column <paramref name="outputOffset"/> of rows <paramref name="outputWidth"/> floats wide (element
    /// (r, t, j) at <c>(r·T + t)·width + offset + j</c>, or <c>r·width + offset + j</c> for the last step only), and the
    /// columns after it up to the width are cleared: a bidirectional layer writes its forward direction at 0, then its
    /// reverse direction at H. Without <paramref name="returnSequences"/> the output is the state at t = T − 1 in either
    /// direction (PyTorch's <c>output[:, -1]</c>: for the reverse direction, its first step).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(int cell, ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden,
        Span<float> saved, Span<float> y, bool returnSequences, bool reverse, int outputOffset, int outputWidth)
    {
        CheckParameters(cell, inputs, hidden, weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length);
        CheckSequence(cell, x.Length, rows, steps, inputs, positionStride, sampleStride, saved.Length, hidden);
        CheckOutput(cell, y.Length, rows, steps, hidden, returnSequences, outputOffset, outputWidth, nameof(y));
        int hp = RoundUp(hidden), gw = GateWidth(cell, hidden);
        int gateStep = rows * gw, stateStep = rows * hp;
        Span<float> gates = saved.Slice(0, steps * gateStep);
        int planes = StatePlanes(cell);
        Span<float> states = saved.Slice(steps * gateStep, planes * steps * stateStep);
        Span<float> hz = saved.Slice(steps * (gateStep + planes * stateStep), gateStep);

        // The input projection of every step: gates = x·W_ih + b_ih.
        if (rows == 1)
            DenseKernels.Forward(x, steps, inputs, positionStride, weightIh, biasIh, gates, gw);
        else
            for (int t = 0; t < steps; t++)
                DenseKernels.Forward(x.Slice(t * positionStride), rows, inputs, sampleStride, weightIh, biasIh, gates.Slice(t * gateStep, gateStep), gw);

        for (int s = 0; s < steps; s++)
        {
            int t = reverse ? steps - 1 - s : s, previous = reverse ? t + 1 : t - 1;
            Span<float> gt = gates.Slice(t * gateStep, gateStep);
            bool first = s == 0;
            ReadOnlySpan<float> hzt = biasHh;
            int hzStride = 0;
            if (!first)
            {
                DenseKernels.Forward(HPlane(cell, gates, states, previous, rows, gw, hp), rows, hidden, cell <= Gru ? hp : gw, weightHh, biasHh, hz, gw);
                hzt = hz;
                hzStride = gw;
            }
            switch (cell)
            {
                case Lstm:
                {
                    Span<float> c = states.Slice(0, steps * stateStep), tc = states.Slice(steps * stateStep, steps * stateStep);
                    Span<float> h = states.Slice(2 * steps * stateStep, steps * stateStep);
                    RecurrentGates.LstmForward(gt, gw, hzt, hzStride, first ? c : c.Slice(previous * stateStep), first,
                        c.Slice(t * stateStep), tc.Slice(t * stateStep), h.Slice(t * stateStep), hp, rows, hidden);
                    break;
                }
                case Gru:
                {
                    Span<float> hn = states.Slice(0, steps * stateStep), h = states.Slice(steps * stateStep, steps * stateStep);
                    RecurrentGates.GruForward(gt, gw, hzt, hzStride, first ? h : h.Slice(previous * stateStep), first,
                        hn.Slice(t * stateStep), h.Slice(t * stateStep), hp, rows, hidden);
                    break;
                }
                default:
                    RecurrentGates.RnnForward(gt, gw, hzt, hzStride, cell == RnnReLU, rows, hidden);
                    break;
            }
            if (returnSequences || t == steps - 1)
            {
                ReadOnlySpan<float> ht = HPlane(cell, gates, states, t, rows, gw, hp);
                int hStride = cell <= Gru ? hp : gw;
                for (int r = 0; r < rows; r++)
                {
                    Span<float> yr = y.Slice((returnSequences ? r * steps + t : r) * outputWidth + outputOffset, outputWidth - outputOffset);
                    ht.Slice(r * hStride, hidden).CopyTo(yr);
                    yr.Slice(hidden).Clear();
                }
            }
        }
    }

    /// <summary>The rows of h at step t: the h plane (LSTM, GRU; row stride Hp) or the gates plane (RNN; row stride GW).</summary>
    private static Span<float> HPlane(int cell, Span<float> gates, Span<float> states, int t, int rows, int gw, int hp)
    {
        int steps = gates.Length / (rows * gw);
        return cell switch
        {
            Lstm => states.Slice((2 * steps + t) * rows * hp, rows * hp),
            Gru => states.Slice((steps + t) * rows * hp, rows * hp),
            _ => gates.Slice(t * rows * gw, rows * gw),
        };
    }

    /// <summary>
    /// Backpropagation through time for one direction of one layer, the counterpart of <see cref="Forward(int, ReadOnlySpan{float}, int, int, int, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float}, Span{float}, bool, bool, int, int)"/>
    /// with the same <paramref name="reverse"/>, offset and width (dy in y's layout). With <paramref name="accumulateDx"/>
    /// the input gradient is added into <paramref name="dx"/> (the second direction of a bidirectional layer) instead of
    /// overwriting it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(int cell, ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int hidden, Span<float> saved, ReadOnlySpan<float> dy, bool returnSequences,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh, Span<float> dx,
        bool reverse, int outputOffset, int outputWidth, bool accumulateDx)
    {
        CheckParameters(cell, inputs, hidden, weightIh.Length, weightHh.Length, dBiasIh.Length, dBiasHh.Length);
        CheckParameters(cell, inputs, hidden, dWeightIh.Length, dWeightHh.Length, dBiasIh.Length, dBiasHh.Length);
        CheckSequence(cell, x.Length, rows, steps, inputs, positionStride, sampleStride, saved.Length, hidden);
        CheckOutput(cell, dy.Length, rows, steps, hidden, returnSequences, outputOffset, outputWidth, nameof(dy));
        if (!dx.IsEmpty && dx.Length < (long)(rows - 1) * sampleStride + (long)(steps - 1) * positionStride + inputs)
            throw new ArgumentException($"{Name(cell)} kernel called with 'dx' of {dx.Length} floats; expected the input's layout.", nameof(dx));
        int hp = RoundUp(hidden), gw = GateWidth(cell, hidden);
        int gateStep = rows * gw, stateStep = rows * hp;
        Span<float> gates = saved.Slice(0, steps * gateStep);
        int planes = StatePlanes(cell);
        Span<float> states = saved.Slice(steps * gateStep, planes * steps * stateStep);
        int scratch = steps * (gateStep + planes * stateStep);
        Span<float> hzGrad = saved.Slice(scratch, gateStep);
        Span<float> dh = saved.Slice(scratch + gateStep, stateStep);
        Span<float> aux = saved.Slice(scratch + gateStep + stateStep, stateStep);
        hzGrad.Clear();
        dh.Clear();
        aux.Clear();
        int hStride = cell <= Gru ? hp : gw;

        for (int s = steps - 1; s >= 0; s--)
        {
            int t = reverse ? steps - 1 - s : s, previous = reverse ? t + 1 : t - 1;
            bool first = s == 0;
            if (returnSequences || t == steps - 1)
                for (int r = 0; r < rows; r++)
                {
                    Span<float> dhr = dh.Slice(r * hp, hidden);
                    TensorPrimitives.Add(dhr, dy.Slice((returnSequences ? r * steps + t : r) * outputWidth + outputOffset, hidden), dhr);
                }
            Span<float> gt = gates.Slice(t * gateStep, gateStep);
            ReadOnlySpan<float> dzh = gt;
            switch (cell)
            {
                case Lstm:
                {
                    Span<float> c = states.Slice(0, steps * stateStep), tc = states.Slice(steps * stateStep, steps * stateStep);
                    RecurrentGates.LstmBackward(gt, gw, first ? c : c.Slice(previous * stateStep), first, tc.Slice(t * stateStep), dh, aux, hp, rows, hidden);
                    break;
                }
                case Gru:
                {
                    Span<float> hn = states.Slice(0, steps * stateStep), h = states.Slice(steps * stateStep, steps * stateStep);
                    RecurrentGates.GruBackward(gt, gw, hn.Slice(t * stateStep), first ? h : h.Slice(previous * stateStep), first, dh, hzGrad, aux, hp, rows, hidden);
                    dzh = hzGrad;
                    break;
                }
                default:
                    RecurrentGates.RnnBackward(gt, gw, dh, hp, cell == RnnReLU, rows, hidden);
                    break;
            }
            if (!first)
            {
                DenseKernels.BackwardWeights(HPlane(cell, gates, states, previous, rows, gw, hp), rows, hidden, hStride, dzh, gw, dWeightHh, dBiasHh);
                DenseKernels.BackwardInput(dzh, rows, gw, weightHh, hidden, dh, hp);
                if (cell == Gru)
                    TensorPrimitives.Add(dh, aux, dh);
            }
            else
            {
                for (int r = 0; r < rows; r++)
                    TensorPrimitives.Add(dBiasHh.Slice(0, gw), dzh.Slice(r * gw, gw), dBiasHh.Slice(0, gw));
            }
        }

        // The input side of every step: dW_ih += xᵀ·dz, db_ih += Σ dz, dx = dz·W_ihᵀ (or dx += dz·W_ihᵀ).
        bool dxInOneCall = !dx.IsEmpty && !accumulateDx;
        if (rows == 1)
        {
            DenseKernels.BackwardWeights(x, steps, inputs, positionStride, gates, gw, dWeightIh, dBiasIh);
            if (dxInOneCall)
                DenseKernels.BackwardInput(gates, steps, gw, weightIh, inputs, dx, positionStride);
        }
        else
        {
            for (int t = 0; t < steps; t++)
            {
                ReadOnlySpan<float> dz = gates.Slice(t * gateStep, gateStep);
                DenseKernels.BackwardWeights(x.Slice(t * positionStride), rows, inputs, sampleStride, dz, gw, dWeightIh, dBiasIh);
                if (dxInOneCall)
                    DenseKernels.BackwardInput(dz, rows, gw, weightIh, inputs, dx.Slice(t * positionStride), sampleStride);
            }
        }
        if (!dx.IsEmpty && accumulateDx)
            AccumulateInputGradient(gates, rows, steps, gw, weightIh, inputs, dx, positionStride, sampleStride,
                saved.Slice(scratch, gateStep + 2 * stateStep), gw + 2 * hp);
    }

    /// <summary>
    /// <c>dx += dz·W_ihᵀ</c> for every step, through the scratch rows that backward no longer needs (<paramref name="chunk"/>
    /// floats per row): the inputs in blocks of at most that many columns, each block's product written to the scratch and
    /// added into dx.
    /// </summary>
    private static void AccumulateInputGradient(ReadOnlySpan<float> gates, int rows, int steps, int gw, ReadOnlySpan<float> weightIh, int inputs,
        Span<float> dx, int positionStride, int sampleStride, Span<float> scratch, int chunk)
    {
        int gateStep = rows * gw;
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<float> dz = gates.Slice(t * gateStep, gateStep);
            for (int k = 0; k < inputs; k += chunk)
            {
                int columns = Math.Min(chunk, inputs - k);
                DenseKernels.BackwardInput(dz, rows, gw, weightIh.Slice(k * gw), columns, scratch, columns);
                for (int r = 0; r < rows; r++)
                {
                    Span<float> target = dx.Slice(r * sampleStride + t * positionStride + k, columns);
                    TensorPrimitives.Add(target, scratch.Slice(r * columns, columns), target);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(int cell, ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Span<float> state) =>
        Step(cell, x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state, default, default, 0, default);

    /// <summary>
    /// One step of one sample, then (when <paramref name="readoutWidth"/> &gt; 0) the Dense layer that reads the new h:
    /// <c>y[0, width) = b + h·W</c>, W <c>[hidden, width]</c> as <see cref="DenseKernels.ForwardStep"/>. Fusing the readout
    /// saves the streaming step a second dispatch and its checks, and reads h while it is still in the store buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Step(int cell, ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Span<float> state,
        ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias, int readoutWidth, Span<float> y)
    {
        CheckParameters(cell, inputs, hidden, weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length);
        int hp = RoundUp(hidden), gw = GateWidth(cell, hidden);
        if (x.Length < inputs || state.Length < 3 * hp + 2 * gw)
            ThrowStepSizes(cell, x.Length, inputs, state.Length, 3 * hp + 2 * gw);
        if (readoutWidth != 0)
            CheckReadout(hidden, readoutWeight.Length, readoutBias.Length, readoutWidth, y.Length);
        Run(cell, x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state, readoutWeight, readoutBias, readoutWidth, y, 1);
    }

    /// <summary>
    /// <see cref="Step(int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float})"/>
    /// over <paramref name="steps"/> consecutive time steps of one sample in one call: step t reads
    /// <c>x[t·inputs, (t + 1)·inputs)</c> and writes its readout to <c>y[t·width, (t + 1)·width)</c> (nothing when
    /// <paramref name="readoutWidth"/> is 0). The same bits as that many calls of <c>Step</c>; the arguments are checked once,
    /// and the register-resident kernels run the whole block in one call, so nothing but the step's own work sits between
    /// two steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void StepBlock(int cell, ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Span<float> state,
        ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias, int readoutWidth, Span<float> y, int steps)
    {
        CheckParameters(cell, inputs, hidden, weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length);
        int hp = RoundUp(hidden), gw = GateWidth(cell, hidden);
        if (steps < 0 || x.Length < (long)steps * inputs || state.Length < 3 * hp + 2 * gw || y.Length < (long)steps * readoutWidth)
            ThrowBlockSizes(cell, steps, x.Length, inputs, state.Length, 3 * hp + 2 * gw, y.Length, readoutWidth);
        if (readoutWidth != 0)
            CheckReadout(hidden, readoutWeight.Length, readoutBias.Length, readoutWidth, readoutWidth);
        Run(cell, x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state, readoutWeight, readoutBias, readoutWidth, y, steps);
    }

    /// <summary>
    /// <c>Step</c> and <c>StepBlock</c> once their arguments are checked: the vector width's kernels (see
    /// <c>BlockAndReadout</c>), or the span kernels' scalar path one step after another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Run(int cell, ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Span<float> state,
        ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias, int readoutWidth, Span<float> y, int steps)
    {
#if NET8_0_OR_GREATER
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wih = ref MemoryMarshal.GetReference(weightIh);
        ref float whh = ref MemoryMarshal.GetReference(weightHh);
        ref float bih = ref MemoryMarshal.GetReference(biasIh);
        ref float bhh = ref MemoryMarshal.GetReference(biasHh);
        ref float sr = ref MemoryMarshal.GetReference(state);
        ref float rw = ref MemoryMarshal.GetReference(readoutWeight);
        ref float rb = ref MemoryMarshal.GetReference(readoutBias);
        ref float yr = ref MemoryMarshal.GetReference(y);
        switch (KernelOptions.Path)
        {
            case 512: BlockAndReadout<V512>(cell, ref xr, inputs, ref wih, ref whh, ref bih, ref bhh, hidden, ref sr, ref rw, ref rb, readoutWidth, ref yr, steps); return;
            case 256: BlockAndReadout<V256>(cell, ref xr, inputs, ref wih, ref whh, ref bih, ref bhh, hidden, ref sr, ref rw, ref rb, readoutWidth, ref yr, steps); return;
            case 128: BlockAndReadout<V128>(cell, ref xr, inputs, ref wih, ref whh, ref bih, ref bhh, hidden, ref sr, ref rw, ref rb, readoutWidth, ref yr, steps); return;
        }
#endif
        if (steps == 1) // Step: a constant, so the loop below is not compiled into it
        {
            StepScalar(cell, x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state, readoutWeight, readoutBias, readoutWidth, y);
            return;
        }
        for (int t = 0; t < steps; t++)
            StepScalar(cell, x.Slice(t * inputs, inputs), inputs, weightIh, weightHh, biasIh, biasHh, hidden, state, readoutWeight, readoutBias,
                readoutWidth, readoutWidth == 0 ? default : y.Slice(t * readoutWidth, readoutWidth));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBlockSizes(int cell, int steps, int x, int inputs, int state, int expectedState, int y, int width) =>
        throw new ArgumentException(
            $"{Name(cell)} step block of {steps} steps called with x of {x} floats (expected at least {(long)Math.Max(steps, 0) * inputs}: {inputs} per step), " +
            $"y of {y} floats (expected at least {(long)Math.Max(steps, 0) * width}: {width} per step) and a state of {state} floats (expected {expectedState}).");

    /// <summary><c>Step</c> through the span kernels (their scalar path when no vector width is available or allowed).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepScalar(int cell, ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Span<float> state,
        ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias, int readoutWidth, Span<float> y)
    {
        int hp = RoundUp(hidden), gw = GateWidth(cell, hidden);
        Span<float> h = state.Slice(0, hp), aux1 = state.Slice(hp, hp), aux2 = state.Slice(2 * hp, hp);
        Span<float> xz = state.Slice(3 * hp, gw), hz = state.Slice(3 * hp + gw, gw);
        DenseKernels.Forward(x, 1, inputs, inputs, weightIh, biasIh, xz, gw);
        DenseKernels.Forward(h, 1, hidden, hp, weightHh, biasHh, hz, gw);
        switch (cell)
        {
            case Lstm:
                RecurrentGates.LstmForward(xz, gw, hz, gw, aux1, false, aux1, aux2, h, hp, 1, hidden);
                break;
            case Gru:
                RecurrentGates.GruForward(xz, gw, hz, gw, h, false, aux2, h, hp, 1, hidden);
                break;
            default:
                RecurrentGates.RnnForward(xz, gw, hz, gw, cell == RnnReLU, 1, hidden);
                xz.Slice(0, hidden).CopyTo(h);
                break;
        }
        if (readoutWidth == 1)
            DenseKernels.ForwardDot(h, 1, hidden, hp, readoutWeight, readoutBias, y, 1);
        else if (readoutWidth != 0)
            DenseKernels.Forward(h, 1, hidden, hp, readoutWeight, readoutBias, y, readoutWidth);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowStepSizes(int cell, int x, int inputs, int state, int expectedState) =>
        throw new ArgumentException(
            $"{Name(cell)} step called with x of {x} floats (expected {inputs}) and a state of {state} floats (expected {expectedState}).");

    /// <summary>The readout is a Dense weight <c>[hidden, width]</c> (width a multiple of 16), or a one-unit Dense's row <c>[hidden]</c> (width 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckReadout(int hidden, int weight, int bias, int width, int y)
    {
        if (width <= 0 || (width != 1 && width % DenseKernels.WidthAlignment != 0) || weight < hidden * width || bias < width || y < width)
            ThrowReadout(hidden, weight, bias, width, y);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowReadout(int hidden, int weight, int bias, int width, int y) =>
        throw new ArgumentException(
            $"Recurrent step called with an inconsistent readout: hidden {hidden}, width {width} (1, or a positive multiple of {DenseKernels.WidthAlignment}); " +
            $"expected weight {hidden * width}, bias {width}, y {width} floats; found {weight}, {bias}, {y}.");

#if NET8_0_OR_GREATER
    /// <summary>
    /// Steps and their readouts on one vector width, dispatched by shape: one call to the register-resident kernel of
    /// <see cref="RecurrentStepSimd"/> for all the steps when it handles the cell and size (and the readout is none or
    /// one unit, which it takes from the registers that hold h), otherwise <see cref="StepThenReadout{V}"/> one step after
    /// another (step t's input at <c>t·inputs</c>, its readout at <c>t·readoutWidth</c>). Inlined into <c>Step</c> with a
    /// step count of 1, so that the latency-bound path is one call from the kernel's entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BlockAndReadout<V>(int cell, ref float x, int inputs, ref float weightIh, ref float weightHh, ref float biasIh,
        ref float biasHh, int hidden, ref float state, ref float readoutWeight, ref float readoutBias, int readoutWidth, ref float y, int steps)
        where V : struct, ISimdVector<V>
    {
        if (readoutWidth <= 1 && RecurrentStepSimd.Handles<V>(cell, hidden))
        {
            bool dot = readoutWidth == 1;
            StepInRegisters<V>(cell, ref x, inputs, ref weightIh, ref weightHh, ref biasIh, ref biasHh, hidden, ref state, dot, ref readoutWeight,
                dot ? readoutBias : 0f, ref y, steps);
            return;
        }
        if (steps == 1) // Step: as above
        {
            StepThenReadout<V>(cell, ref x, inputs, ref weightIh, ref weightHh, ref biasIh, ref biasHh, hidden, ref state, ref readoutWeight,
                ref readoutBias, readoutWidth, ref y);
            return;
        }
        for (int t = 0; t < steps; t++)
            StepThenReadout<V>(cell, ref Unsafe.Add(ref x, t * inputs), inputs, ref weightIh, ref weightHh, ref biasIh, ref biasHh, hidden, ref state,
                ref readoutWeight, ref readoutBias, readoutWidth, ref Unsafe.Add(ref y, t * readoutWidth));
    }

    /// <summary>One call to the LSTM or GRU kernel of <see cref="RecurrentStepSimd"/> (which must handle the size) for <paramref name="steps"/> steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepInRegisters<V>(int cell, ref float x, int inputs, ref float weightIh, ref float weightHh, ref float biasIh,
        ref float biasHh, int hidden, ref float state, bool dot, ref float readoutWeight, float readoutBias, ref float y, int steps)
        where V : struct, ISimdVector<V>
    {
        int hp = RoundUp(hidden), gw = GateWidth(cell, hidden);
        if (cell == Lstm)
            RecurrentStepSimd.Lstm<V>(ref x, inputs, ref weightIh, ref weightHh, ref biasIh, ref biasHh, hidden, hp, gw, ref state, dot, ref readoutWeight, readoutBias, ref y, steps);
        else
            RecurrentStepSimd.Gru<V>(ref x, inputs, ref weightIh, ref weightHh, ref biasIh, ref biasHh, hidden, hp, gw, ref state, dot, ref readoutWeight, readoutBias, ref y, steps);
    }

    /// <summary>
    /// The step on one vector width (<see cref="RecurrentStepSimd"/> where it handles the size, otherwise
    /// <see cref="StepInMemory{V}"/>), then a wider readout (if any) from h where the step left it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void StepThenReadout<V>(int cell, ref float x, int inputs, ref float weightIh, ref float weightHh, ref float biasIh,
        ref float biasHh, int hidden, ref float state, ref float readoutWeight, ref float readoutBias, int readoutWidth, ref float y)
        where V : struct, ISimdVector<V>
    {
        if (RecurrentStepSimd.Handles<V>(cell, hidden))
            StepInRegisters<V>(cell, ref x, inputs, ref weightIh, ref weightHh, ref biasIh, ref biasHh, hidden, ref state, false, ref state, 0f, ref state, 1);
        else
            StepInMemory<V>(cell, ref x, inputs, ref weightIh, ref weightHh, ref biasIh, ref biasHh, hidden, ref state);
        if (readoutWidth == 1)
            DenseSimd.ForwardDot<V>(ref state, 1, hidden, hidden, ref readoutWeight, readoutBias, ref y, 1);
        else if (readoutWidth != 0)
            DenseSimd.ForwardStep<V>(ref state, hidden, ref readoutWeight, ref readoutBias, ref y, readoutWidth);
    }

    /// <summary>The step of any cell and size through the dense tiles and the sequence kernels' gate arithmetic (one sample).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepInMemory<V>(int cell, ref float x, int inputs, ref float weightIh, ref float weightHh, ref float biasIh,
        ref float biasHh, int hidden, ref float state) where V : struct, ISimdVector<V>
    {
        int hp = RoundUp(hidden), gw = GateWidth(cell, hidden);
        ref float h = ref state;
        ref float aux1 = ref Unsafe.Add(ref state, hp);
        ref float aux2 = ref Unsafe.Add(ref state, 2 * hp);
        ref float xz = ref Unsafe.Add(ref state, 3 * hp);
        ref float hz = ref Unsafe.Add(ref state, 3 * hp + gw);
        DenseSimd.Forward<V>(ref x, 1, inputs, inputs, ref weightIh, ref biasIh, ref xz, gw);
        DenseSimd.Forward<V>(ref h, 1, hidden, hp, ref weightHh, ref biasHh, ref hz, gw);
        switch (cell)
        {
            case Lstm:
                RecurrentGates.LstmForward<V>(ref xz, gw, ref hz, gw, ref aux1, false, ref aux1, ref aux2, ref h, hp, 1, hidden);
                break;
            case Gru:
                RecurrentGates.GruForward<V>(ref xz, gw, ref hz, gw, ref h, false, ref aux2, ref h, hp, 1, hidden);
                break;
            default:
                RecurrentGates.RnnForward<V>(ref xz, gw, ref hz, gw, cell == RnnReLU, 1, hidden);
                Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref h), ref Unsafe.As<float, byte>(ref xz), (uint)(hidden * sizeof(float)));
                break;
        }
    }
#endif
}

/// <summary>
/// <c>nn.LSTM</c> (one layer, <c>batch_first</c>, zero initial state) with PyTorch's gates i, f, g, o:
/// <c>c' = σ(f)⊙c + σ(i)⊙tanh(g)</c>, <c>h' = σ(o)⊙tanh(c')</c>, each gate <c>W_ih x + b_ih + W_hh h + b_hh</c>.
/// </summary>
/// <remarks>
/// <para>Parameter layout (PyTorch shape → internal, <c>GW = RoundUp(4·hidden, 16)</c>): <c>weight_ih_l0 [4H, F]</c> →
/// <c>[F, GW]</c>, element (r, f) at <c>r + f·GW</c>; <c>weight_hh_l0 [4H, H]</c> → <c>[H, GW]</c>, (r, k) at
/// <c>r + k·GW</c>; <c>bias_ih_l0</c>, <c>bias_hh_l0 [4H]</c> → <c>[GW]</c>, r at r. Padding columns are zero.</para>
/// <para>Sequences: input element (r, t, f) at <c>r·sampleStride + t·positionStride + f</c>; output <c>[rows, T, Hp]</c>
/// (<c>returnSequences</c>) or <c>[rows, Hp]</c>, <c>Hp = RoundUp(hidden, 16)</c>, padding written as zero.</para>
/// Not for direct use: called by generated code with literal sizes.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LstmKernels
{
    /// <summary>The padded width of the gate matrices' rows, <c>RoundUp(4·hidden, 16)</c>.</summary>
    public static int GateWidth(int hidden) => RecurrentCore.GateWidth(RecurrentCore.Lstm, hidden);

    /// <summary>Floats of the saved region per sample (a chunk of <c>rows</c> samples needs <c>rows ×</c> this).</summary>
    public static int SavedLength(int hidden, int steps) => RecurrentCore.SavedLength(RecurrentCore.Lstm, hidden, steps);

    /// <summary>Floats of a streaming state for <c>Step</c>: <c>h</c> in the first <c>Hp</c>, then <c>c</c>, then scratch. Zero = the initial state.</summary>
    public static int StepStateLength(int hidden) => RecurrentCore.StepStateLength(RecurrentCore.Lstm, hidden);

    /// <summary>The forward pass over <paramref name="steps"/> time steps for <paramref name="rows"/> samples; saves what <see cref="Backward"/> needs.</summary>
    /// <param name="x">The input: element (r, t, f) at <c>r·sampleStride + t·positionStride + f</c>.</param>
    /// <param name="rows">The number of samples (≤ 32).</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[GW]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[GW]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="saved">The saved region, <c>rows · SavedLength(hidden, steps)</c> floats, overwritten.</param>
    /// <param name="y">The output, <c>[rows, T, Hp]</c> or <c>[rows, Hp]</c>, overwritten.</param>
    /// <param name="returnSequences">Whether to write every step's h or only the last.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden,
        Span<float> saved, Span<float> y, bool returnSequences) =>
        RecurrentCore.Forward(RecurrentCore.Lstm, x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, biasIh, biasHh,
            hidden, saved, y, returnSequences);

    /// <summary>Backpropagation through time after <see cref="Forward"/> with the same arguments (consumes <paramref name="saved"/>).</summary>
    /// <param name="x">The input as in <see cref="Forward"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="saved">The region <see cref="Forward"/> filled; used as scratch.</param>
    /// <param name="dy">The output gradient, <c>[rows, T, Hp]</c> or <c>[rows, Hp]</c> (last step only).</param>
    /// <param name="returnSequences">Which of the two <paramref name="dy"/> holds.</param>
    /// <param name="dWeightIh">Accumulated into, <c>[F, GW]</c>.</param>
    /// <param name="dWeightHh">Accumulated into, <c>[H, GW]</c>.</param>
    /// <param name="dBiasIh">Accumulated into, <c>[GW]</c>.</param>
    /// <param name="dBiasHh">Accumulated into, <c>[GW]</c>.</param>
    /// <param name="dx">The input gradient in the input's layout (only <c>f &lt; F</c> written), or empty to skip it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int hidden, Span<float> saved, ReadOnlySpan<float> dy, bool returnSequences,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh, Span<float> dx) =>
        RecurrentCore.Backward(RecurrentCore.Lstm, x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, hidden, saved,
            dy, returnSequences, dWeightIh, dWeightHh, dBiasIh, dBiasHh, dx);

    /// <summary>
    /// One direction of one layer of a stacked or bidirectional LstmKernels (PyTorch's <c>num_layers</c>, <c>bidirectional</c>):
    /// the <c>Forward</c> above, with the recurrence run from the last step to the first when <paramref name="reverse"/>
    /// (every buffer still indexed by the sequence's time), and the output at column <paramref name="outputOffset"/> of rows
    /// <paramref name="outputWidth"/> floats wide, the columns after it cleared. A bidirectional layer calls it for its
    /// forward direction at column 0, then for its reverse direction at column H, giving PyTorch's <c>[T, 2H]</c>. Without
    /// <paramref name="returnSequences"/> the output is the state at the last time step in either direction (PyTorch's
    /// <c>output[:, -1]</c>).
    /// </summary>
    /// <param name="x">The input: element (r, t, f) at <c>r·sampleStride + t·positionStride + f</c>.</param>
    /// <param name="rows">The number of samples (≤ 32).</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[GW]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[GW]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="saved">The saved region, <c>rows · SavedLength(hidden, steps)</c> floats, overwritten.</param>
    /// <param name="y">The output, <c>[rows, T, width]</c> or <c>[rows, width]</c>; columns from the offset on overwritten.</param>
    /// <param name="returnSequences">Whether to write every step's h or only the last time step's.</param>
    /// <param name="reverse">Whether the recurrence runs from the last time step to the first.</param>
    /// <param name="outputOffset">The column of h's first unit in each output row.</param>
    /// <param name="outputWidth">The floats of each output row (a step's or a sample's), at least offset + H.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardDirection(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden,
        Span<float> saved, Span<float> y, bool returnSequences, bool reverse, int outputOffset, int outputWidth) =>
        RecurrentCore.Forward(RecurrentCore.Lstm, x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, biasIh, biasHh,
            hidden, saved, y, returnSequences, reverse, outputOffset, outputWidth);

    /// <summary>
    /// Backpropagation through time after <see cref="ForwardDirection"/> with the same arguments (consumes
    /// <paramref name="saved"/>); dy in y's layout. With <paramref name="accumulateDx"/> the input gradient is added into
    /// <paramref name="dx"/> rather than written: the second direction of a bidirectional layer.
    /// </summary>
    /// <param name="x">The input as in <see cref="ForwardDirection"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="saved">The region <see cref="ForwardDirection"/> filled; used as scratch.</param>
    /// <param name="dy">The output gradient in the output's layout.</param>
    /// <param name="returnSequences">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="reverse">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="outputOffset">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="outputWidth">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="dWeightIh">Accumulated into, <c>[F, GW]</c>.</param>
    /// <param name="dWeightHh">Accumulated into, <c>[H, GW]</c>.</param>
    /// <param name="dBiasIh">Accumulated into, <c>[GW]</c>.</param>
    /// <param name="dBiasHh">Accumulated into, <c>[GW]</c>.</param>
    /// <param name="dx">The input gradient in the input's layout (only <c>f &lt; F</c> touched), or empty to skip it.</param>
    /// <param name="accumulateDx">Whether to add into <paramref name="dx"/> instead of overwriting it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardDirection(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int hidden, Span<float> saved, ReadOnlySpan<float> dy,
        bool returnSequences, bool reverse, int outputOffset, int outputWidth,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh, Span<float> dx, bool accumulateDx) =>
        RecurrentCore.Backward(RecurrentCore.Lstm, x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, hidden, saved,
            dy, returnSequences, dWeightIh, dWeightHh, dBiasIh, dBiasHh, dx, reverse, outputOffset, outputWidth, accumulateDx);

    /// <summary>One time step of one sample: <paramref name="state"/> (h, c) becomes the next state; the new h is <c>state[0..Hp)</c>.</summary>
    /// <param name="x">The step's input, <c>[F]</c>.</param>
    /// <param name="inputs">F.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[GW]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[GW]</c>.</param>
    /// <param name="hidden">H.</param>
    /// <param name="state">The network's state, <see cref="StepStateLength"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Step(ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Span<float> state) =>
        RecurrentCore.Step(RecurrentCore.Lstm, x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state);

    /// <summary>
    /// <see cref="Step(ReadOnlySpan{float}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float})"/>,
    /// then the Dense layer that reads the new h (no activation): <c>y[0, width) = b + h·W</c>. The streaming step of a
    /// recurrent layer followed by a small Dense head, in one call.
    /// </summary>
    /// <param name="x">The step's input, <c>[F]</c>.</param>
    /// <param name="inputs">F.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[GW]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[GW]</c>.</param>
    /// <param name="hidden">H.</param>
    /// <param name="state">The network's state, <see cref="StepStateLength"/> floats.</param>
    /// <param name="readoutWeight">The Dense weight, transposed and padded, <c>[H, width]</c>; for a one-unit Dense (width 1) its row <c>[H]</c>.</param>
    /// <param name="readoutBias">The Dense bias, <c>[width]</c>.</param>
    /// <param name="readoutWidth">The Dense layer's padded output width (a multiple of 16), or 1 for a one-unit Dense (see <see cref="DenseKernels.ForwardDot"/>).</param>
    /// <param name="y">The Dense output, <c>[width]</c>, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Step(ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Span<float> state,
        ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias, int readoutWidth, Span<float> y) =>
        RecurrentCore.Step(RecurrentCore.Lstm, x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state, readoutWeight, readoutBias, readoutWidth, y);

    /// <summary>
    /// The fused <c>Step</c> with its readout over <paramref name="steps"/> consecutive time steps of one sample, in one
    /// call: the same bits as that many calls, for a streaming caller that has a block of input (an audio callback's
    /// buffer). Step t reads <c>x[t·F, (t + 1)·F)</c> and writes <c>y[t·width, (t + 1)·width)</c>.
    /// </summary>
    /// <param name="x">The steps' inputs one after another, <c>[steps, F]</c>.</param>
    /// <param name="inputs">F.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[GW]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[GW]</c>.</param>
    /// <param name="hidden">H.</param>
    /// <param name="state">The network's state, <see cref="StepStateLength"/> floats; left after the last step.</param>
    /// <param name="readoutWeight">The Dense weight, as for <c>Step</c>.</param>
    /// <param name="readoutBias">The Dense bias, <c>[width]</c>.</param>
    /// <param name="readoutWidth">The Dense layer's padded output width (a multiple of 16), 1 for a one-unit Dense, or 0 for no readout.</param>
    /// <param name="y">The steps' Dense outputs one after another, <c>[steps, width]</c>, overwritten.</param>
    /// <param name="steps">The number of time steps.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StepBlock(ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Span<float> state,
        ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias, int readoutWidth, Span<float> y, int steps) =>
        RecurrentCore.StepBlock(RecurrentCore.Lstm, x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state, readoutWeight, readoutBias, readoutWidth, y, steps);
}

/// <summary>
/// <c>nn.GRU</c> (one layer, <c>batch_first</c>, zero initial state) with PyTorch's gates r, z, n:
/// <c>n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))</c>, <c>h' = (1−z)⊙n + z⊙h</c>.
/// </summary>
/// <remarks>
/// Layouts as <see cref="LstmKernels"/> with 3 gates: <c>GW = RoundUp(3·hidden, 16)</c>; <c>weight_ih_l0 [3H, F]</c> →
/// strides (1, GW); <c>weight_hh_l0 [3H, H]</c> → strides (1, GW); biases <c>[GW]</c>, stride 1.
/// Not for direct use: called by generated code with literal sizes.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GruKernels
{
    /// <summary>The padded width of the gate matrices' rows, <c>RoundUp(3·hidden, 16)</c>.</summary>
    public static int GateWidth(int hidden) => RecurrentCore.GateWidth(RecurrentCore.Gru, hidden);

    /// <summary>Floats of the saved region per sample (a chunk of <c>rows</c> samples needs <c>rows ×</c> this).</summary>
    public static int SavedLength(int hidden, int steps) => RecurrentCore.SavedLength(RecurrentCore.Gru, hidden, steps);

    /// <summary>Floats of a streaming state for <c>Step</c>: <c>h</c> in the first <c>Hp</c>, then scratch. Zero = the initial state.</summary>
    public static int StepStateLength(int hidden) => RecurrentCore.StepStateLength(RecurrentCore.Gru, hidden);

    /// <summary>See <see cref="LstmKernels.Forward"/>.</summary>
    /// <param name="x">The input: element (r, t, f) at <c>r·sampleStride + t·positionStride + f</c>.</param>
    /// <param name="rows">The number of samples (≤ 32).</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[GW]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[GW]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="saved">The saved region, <c>rows · SavedLength(hidden, steps)</c> floats, overwritten.</param>
    /// <param name="y">The output, <c>[rows, T, Hp]</c> or <c>[rows, Hp]</c>, overwritten.</param>
    /// <param name="returnSequences">Whether to write every step's h or only the last.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden,
        Span<float> saved, Span<float> y, bool returnSequences) =>
        RecurrentCore.Forward(RecurrentCore.Gru, x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, biasIh, biasHh,
            hidden, saved, y, returnSequences);

    /// <summary>See <see cref="LstmKernels.Backward"/>.</summary>
    /// <param name="x">The input as in <see cref="Forward"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="saved">The region <see cref="Forward"/> filled; used as scratch.</param>
    /// <param name="dy">The output gradient, <c>[rows, T, Hp]</c> or <c>[rows, Hp]</c> (last step only).</param>
    /// <param name="returnSequences">Which of the two <paramref name="dy"/> holds.</param>
    /// <param name="dWeightIh">Accumulated into, <c>[F, GW]</c>.</param>
    /// <param name="dWeightHh">Accumulated into, <c>[H, GW]</c>.</param>
    /// <param name="dBiasIh">Accumulated into, <c>[GW]</c>.</param>
    /// <param name="dBiasHh">Accumulated into, <c>[GW]</c>.</param>
    /// <param name="dx">The input gradient in the input's layout (only <c>f &lt; F</c> written), or empty to skip it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int hidden, Span<float> saved, ReadOnlySpan<float> dy, bool returnSequences,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh, Span<float> dx) =>
        RecurrentCore.Backward(RecurrentCore.Gru, x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, hidden, saved,
            dy, returnSequences, dWeightIh, dWeightHh, dBiasIh, dBiasHh, dx);

    /// <summary>
    /// One direction of one layer of a stacked or bidirectional GruKernels (PyTorch's <c>num_layers</c>, <c>bidirectional</c>):
    /// the <c>Forward</c> above, with the recurrence run from the last step to the first when <paramref name="reverse"/>
    /// (every buffer still indexed by the sequence's time), and the output at column <paramref name="outputOffset"/> of rows
    /// <paramref name="outputWidth"/> floats wide, the columns after it cleared. A bidirectional layer calls it for its
    /// forward direction at column 0, then for its reverse direction at column H, giving PyTorch's <c>[T, 2H]</c>. Without
    /// <paramref name="returnSequences"/> the output is the state at the last time step in either direction (PyTorch's
    /// <c>output[:, -1]</c>).
    /// </summary>
    /// <param name="x">The input: element (r, t, f) at <c>r·sampleStride + t·positionStride + f</c>.</param>
    /// <param name="rows">The number of samples (≤ 32).</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[GW]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[GW]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="saved">The saved region, <c>rows · SavedLength(hidden, steps)</c> floats, overwritten.</param>
    /// <param name="y">The output, <c>[rows, T, width]</c> or <c>[rows, width]</c>; columns from the offset on overwritten.</param>
    /// <param name="returnSequences">Whether to write every step's h or only the last time step's.</param>
    /// <param name="reverse">Whether the recurrence runs from the last time step to the first.</param>
    /// <param name="outputOffset">The column of h's first unit in each output row.</param>
    /// <param name="outputWidth">The floats of each output row (a step's or a sample's), at least offset + H.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardDirection(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden,
        Span<float> saved, Span<float> y, bool returnSequences, bool reverse, int outputOffset, int outputWidth) =>
        RecurrentCore.Forward(RecurrentCore.Gru, x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, biasIh, biasHh,
            hidden, saved, y, returnSequences, reverse, outputOffset, outputWidth);

    /// <summary>
    /// Backpropagation through time after <see cref="ForwardDirection"/> with the same arguments (consumes
    /// <paramref name="saved"/>); dy in y's layout. With <paramref name="accumulateDx"/> the input gradient is added into
    /// <paramref name="dx"/> rather than written: the second direction of a bidirectional layer.
    /// </summary>
    /// <param name="x">The input as in <see cref="ForwardDirection"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="saved">The region <see cref="ForwardDirection"/> filled; used as scratch.</param>
    /// <param name="dy">The output gradient in the output's layout.</param>
    /// <param name="returnSequences">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="reverse">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="outputOffset">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="outputWidth">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="dWeightIh">Accumulated into, <c>[F, GW]</c>.</param>
    /// <param name="dWeightHh">Accumulated into, <c>[H, GW]</c>.</param>
    /// <param name="dBiasIh">Accumulated into, <c>[GW]</c>.</param>
    /// <param name="dBiasHh">Accumulated into, <c>[GW]</c>.</param>
    /// <param name="dx">The input gradient in the input's layout (only <c>f &lt; F</c> touched), or empty to skip it.</param>
    /// <param name="accumulateDx">Whether to add into <paramref name="dx"/> instead of overwriting it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardDirection(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int hidden, Span<float> saved, ReadOnlySpan<float> dy,
        bool returnSequences, bool reverse, int outputOffset, int outputWidth,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh, Span<float> dx, bool accumulateDx) =>
        RecurrentCore.Backward(RecurrentCore.Gru, x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, hidden, saved,
            dy, returnSequences, dWeightIh, dWeightHh, dBiasIh, dBiasHh, dx, reverse, outputOffset, outputWidth, accumulateDx);

    /// <summary>One time step of one sample: <paramref name="state"/> (h) becomes the next state; the new h is <c>state[0..Hp)</c>.</summary>
    /// <param name="x">The step's input, <c>[F]</c>.</param>
    /// <param name="inputs">F.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[GW]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[GW]</c>.</param>
    /// <param name="hidden">H.</param>
    /// <param name="state">The network's state, <see cref="StepStateLength"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Step(ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Span<float> state) =>
        RecurrentCore.Step(RecurrentCore.Gru, x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state);

    /// <summary>
    /// <see cref="Step(ReadOnlySpan{float}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float})"/>,
    /// then the Dense layer that reads the new h (no activation): <c>y[0, width) = b + h·W</c>. The streaming step of a
    /// recurrent layer followed by a small Dense head, in one call.
    /// </summary>
    /// <param name="x">The step's input, <c>[F]</c>.</param>
    /// <param name="inputs">F.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[GW]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[GW]</c>.</param>
    /// <param name="hidden">H.</param>
    /// <param name="state">The network's state, <see cref="StepStateLength"/> floats.</param>
    /// <param name="readoutWeight">The Dense weight, transposed and padded, <c>[H, width]</c>; for a one-unit Dense (width 1) its row <c>[H]</c>.</param>
    /// <param name="readoutBias">The Dense bias, <c>[width]</c>.</param>
    /// <param name="readoutWidth">The Dense layer's padded output width (a multiple of 16), or 1 for a one-unit Dense (see <see cref="DenseKernels.ForwardDot"/>).</param>
    /// <param name="y">The Dense output, <c>[width]</c>, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Step(ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Span<float> state,
        ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias, int readoutWidth, Span<float> y) =>
        RecurrentCore.Step(RecurrentCore.Gru, x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state, readoutWeight, readoutBias, readoutWidth, y);

    /// <summary>
    /// The fused <c>Step</c> with its readout over <paramref name="steps"/> consecutive time steps of one sample, in one
    /// call: the same bits as that many calls, for a streaming caller that has a block of input (an audio callback's
    /// buffer). Step t reads <c>x[t·F, (t + 1)·F)</c> and writes <c>y[t·width, (t + 1)·width)</c>.
    /// </summary>
    /// <param name="x">The steps' inputs one after another, <c>[steps, F]</c>.</param>
    /// <param name="inputs">F.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[GW]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[GW]</c>.</param>
    /// <param name="hidden">H.</param>
    /// <param name="state">The network's state, <see cref="StepStateLength"/> floats; left after the last step.</param>
    /// <param name="readoutWeight">The Dense weight, as for <c>Step</c>.</param>
    /// <param name="readoutBias">The Dense bias, <c>[width]</c>.</param>
    /// <param name="readoutWidth">The Dense layer's padded output width (a multiple of 16), 1 for a one-unit Dense, or 0 for no readout.</param>
    /// <param name="y">The steps' Dense outputs one after another, <c>[steps, width]</c>, overwritten.</param>
    /// <param name="steps">The number of time steps.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StepBlock(ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Span<float> state,
        ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias, int readoutWidth, Span<float> y, int steps) =>
        RecurrentCore.StepBlock(RecurrentCore.Gru, x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state, readoutWeight, readoutBias, readoutWidth, y, steps);
}

/// <summary>
/// <c>nn.RNN</c> (one layer, <c>batch_first</c>, zero initial state, <c>nonlinearity</c> tanh or relu):
/// <c>h' = act(W_ih x + b_ih + W_hh h + b_hh)</c>.
/// </summary>
/// <remarks>
/// Layouts as <see cref="LstmKernels"/> with 1 gate: <c>GW = Hp = RoundUp(hidden, 16)</c>; <c>weight_ih_l0 [H, F]</c> →
/// strides (1, Hp); <c>weight_hh_l0 [H, H]</c> → strides (1, Hp); biases <c>[Hp]</c>, stride 1.
/// Not for direct use: called by generated code with literal sizes.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RnnKernels
{
    private static int Cell(Activation activation) => activation switch
    {
        Activation.Tanh => RecurrentCore.RnnTanh,
        Activation.ReLU => RecurrentCore.RnnReLU,
        _ => throw new ArgumentException($"RNN kernel called with activation {activation}; expected Tanh or ReLU.", nameof(activation)),
    };

    /// <summary>The padded width of the gate matrices' rows, <c>RoundUp(hidden, 16)</c>.</summary>
    public static int GateWidth(int hidden) => RecurrentCore.GateWidth(RecurrentCore.RnnTanh, hidden);

    /// <summary>Floats of the saved region per sample (a chunk of <c>rows</c> samples needs <c>rows ×</c> this).</summary>
    public static int SavedLength(int hidden, int steps) => RecurrentCore.SavedLength(RecurrentCore.RnnTanh, hidden, steps);

    /// <summary>Floats of a streaming state for <c>Step</c>: <c>h</c> in the first <c>Hp</c>, then scratch. Zero = the initial state.</summary>
    public static int StepStateLength(int hidden) => RecurrentCore.StepStateLength(RecurrentCore.RnnTanh, hidden);

    /// <summary>See <see cref="LstmKernels.Forward"/>.</summary>
    /// <param name="x">The input: element (r, t, f) at <c>r·sampleStride + t·positionStride + f</c>.</param>
    /// <param name="rows">The number of samples (≤ 32).</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, Hp]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, Hp]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[Hp]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[Hp]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="activation"><see cref="Activation.Tanh"/> or <see cref="Activation.ReLU"/>.</param>
    /// <param name="saved">The saved region, <c>rows · SavedLength(hidden, steps)</c> floats, overwritten.</param>
    /// <param name="y">The output, <c>[rows, T, Hp]</c> or <c>[rows, Hp]</c>, overwritten.</param>
    /// <param name="returnSequences">Whether to write every step's h or only the last.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden,
        Activation activation, Span<float> saved, Span<float> y, bool returnSequences) =>
        RecurrentCore.Forward(Cell(activation), x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, biasIh, biasHh,
            hidden, saved, y, returnSequences);

    /// <summary>See <see cref="LstmKernels.Backward"/>.</summary>
    /// <param name="x">The input as in <see cref="Forward"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, Hp]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, Hp]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="activation">As in <see cref="Forward"/>.</param>
    /// <param name="saved">The region <see cref="Forward"/> filled; used as scratch.</param>
    /// <param name="dy">The output gradient, <c>[rows, T, Hp]</c> or <c>[rows, Hp]</c> (last step only).</param>
    /// <param name="returnSequences">Which of the two <paramref name="dy"/> holds.</param>
    /// <param name="dWeightIh">Accumulated into, <c>[F, Hp]</c>.</param>
    /// <param name="dWeightHh">Accumulated into, <c>[H, Hp]</c>.</param>
    /// <param name="dBiasIh">Accumulated into, <c>[Hp]</c>.</param>
    /// <param name="dBiasHh">Accumulated into, <c>[Hp]</c>.</param>
    /// <param name="dx">The input gradient in the input's layout (only <c>f &lt; F</c> written), or empty to skip it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int hidden, Activation activation, Span<float> saved,
        ReadOnlySpan<float> dy, bool returnSequences, Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh,
        Span<float> dx) =>
        RecurrentCore.Backward(Cell(activation), x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, hidden, saved,
            dy, returnSequences, dWeightIh, dWeightHh, dBiasIh, dBiasHh, dx);

    /// <summary>
    /// One direction of one layer of a stacked or bidirectional RnnKernels (PyTorch's <c>num_layers</c>, <c>bidirectional</c>):
    /// the <c>Forward</c> above, with the recurrence run from the last step to the first when <paramref name="reverse"/>
    /// (every buffer still indexed by the sequence's time), and the output at column <paramref name="outputOffset"/> of rows
    /// <paramref name="outputWidth"/> floats wide, the columns after it cleared. A bidirectional layer calls it for its
    /// forward direction at column 0, then for its reverse direction at column H, giving PyTorch's <c>[T, 2H]</c>. Without
    /// <paramref name="returnSequences"/> the output is the state at the last time step in either direction (PyTorch's
    /// <c>output[:, -1]</c>).
    /// </summary>
    /// <param name="x">The input: element (r, t, f) at <c>r·sampleStride + t·positionStride + f</c>.</param>
    /// <param name="rows">The number of samples (≤ 32).</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, Hp]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, Hp]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[Hp]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[Hp]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="activation"><see cref="Activation.Tanh"/> or <see cref="Activation.ReLU"/>.</param>
    /// <param name="saved">The saved region, <c>rows · SavedLength(hidden, steps)</c> floats, overwritten.</param>
    /// <param name="y">The output, <c>[rows, T, width]</c> or <c>[rows, width]</c>; columns from the offset on overwritten.</param>
    /// <param name="returnSequences">Whether to write every step's h or only the last time step's.</param>
    /// <param name="reverse">Whether the recurrence runs from the last time step to the first.</param>
    /// <param name="outputOffset">The column of h's first unit in each output row.</param>
    /// <param name="outputWidth">The floats of each output row (a step's or a sample's), at least offset + H.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardDirection(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Activation activation,
        Span<float> saved, Span<float> y, bool returnSequences, bool reverse, int outputOffset, int outputWidth) =>
        RecurrentCore.Forward(Cell(activation), x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, biasIh, biasHh,
            hidden, saved, y, returnSequences, reverse, outputOffset, outputWidth);

    /// <summary>
    /// Backpropagation through time after <see cref="ForwardDirection"/> with the same arguments (consumes
    /// <paramref name="saved"/>); dy in y's layout. With <paramref name="accumulateDx"/> the input gradient is added into
    /// <paramref name="dx"/> rather than written: the second direction of a bidirectional layer.
    /// </summary>
    /// <param name="x">The input as in <see cref="ForwardDirection"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="steps">The sequence length T.</param>
    /// <param name="inputs">The features per step F.</param>
    /// <param name="positionStride">The distance between two time steps of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="sampleStride">The distance between two samples of <paramref name="x"/> and <paramref name="dx"/>.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, Hp]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, Hp]</c>.</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="activation"><see cref="Activation.Tanh"/> or <see cref="Activation.ReLU"/>.</param>
    /// <param name="saved">The region <see cref="ForwardDirection"/> filled; used as scratch.</param>
    /// <param name="dy">The output gradient in the output's layout.</param>
    /// <param name="returnSequences">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="reverse">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="outputOffset">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="outputWidth">As in <see cref="ForwardDirection"/>.</param>
    /// <param name="dWeightIh">Accumulated into, <c>[F, Hp]</c>.</param>
    /// <param name="dWeightHh">Accumulated into, <c>[H, Hp]</c>.</param>
    /// <param name="dBiasIh">Accumulated into, <c>[Hp]</c>.</param>
    /// <param name="dBiasHh">Accumulated into, <c>[Hp]</c>.</param>
    /// <param name="dx">The input gradient in the input's layout (only <c>f &lt; F</c> touched), or empty to skip it.</param>
    /// <param name="accumulateDx">Whether to add into <paramref name="dx"/> instead of overwriting it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardDirection(ReadOnlySpan<float> x, int rows, int steps, int inputs, int positionStride, int sampleStride,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int hidden, Activation activation, Span<float> saved, ReadOnlySpan<float> dy,
        bool returnSequences, bool reverse, int outputOffset, int outputWidth,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh, Span<float> dx, bool accumulateDx) =>
        RecurrentCore.Backward(Cell(activation), x, rows, steps, inputs, positionStride, sampleStride, weightIh, weightHh, hidden, saved,
            dy, returnSequences, dWeightIh, dWeightHh, dBiasIh, dBiasHh, dx, reverse, outputOffset, outputWidth, accumulateDx);

    /// <summary>One time step of one sample: <paramref name="state"/> (h) becomes the next state; the new h is <c>state[0..Hp)</c>.</summary>
    /// <param name="x">The step's input, <c>[F]</c>.</param>
    /// <param name="inputs">F.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, Hp]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, Hp]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[Hp]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[Hp]</c>.</param>
    /// <param name="hidden">H.</param>
    /// <param name="activation"><see cref="Activation.Tanh"/> or <see cref="Activation.ReLU"/>.</param>
    /// <param name="state">The network's state, <see cref="StepStateLength"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Step(ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Activation activation, Span<float> state) =>
        RecurrentCore.Step(Cell(activation), x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state);

    /// <summary>
    /// <see cref="Step(ReadOnlySpan{float}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Activation, Span{float})"/>,
    /// then the Dense layer that reads the new h (no activation): <c>y[0, width) = b + h·W</c>.
    /// </summary>
    /// <param name="x">The step's input, <c>[F]</c>.</param>
    /// <param name="inputs">F.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, Hp]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, Hp]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[Hp]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[Hp]</c>.</param>
    /// <param name="hidden">H.</param>
    /// <param name="activation"><see cref="Activation.Tanh"/> or <see cref="Activation.ReLU"/>.</param>
    /// <param name="state">The network's state, <see cref="StepStateLength"/> floats.</param>
    /// <param name="readoutWeight">The Dense weight, transposed and padded, <c>[H, width]</c>; for a one-unit Dense (width 1) its row <c>[H]</c>.</param>
    /// <param name="readoutBias">The Dense bias, <c>[width]</c>.</param>
    /// <param name="readoutWidth">The Dense layer's padded output width (a multiple of 16), or 1 for a one-unit Dense (see <see cref="DenseKernels.ForwardDot"/>).</param>
    /// <param name="y">The Dense output, <c>[width]</c>, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Step(ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Activation activation, Span<float> state,
        ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias, int readoutWidth, Span<float> y) =>
        RecurrentCore.Step(Cell(activation), x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state, readoutWeight, readoutBias, readoutWidth, y);

    /// <summary>
    /// The fused <c>Step</c> with its readout over <paramref name="steps"/> consecutive time steps of one sample, in one
    /// call: the same bits as that many calls. Step t reads <c>x[t·F, (t + 1)·F)</c> and writes <c>y[t·width, (t + 1)·width)</c>.
    /// </summary>
    /// <param name="x">The steps' inputs one after another, <c>[steps, F]</c>.</param>
    /// <param name="inputs">F.</param>
    /// <param name="weightIh">W_ih transposed, <c>[F, GW]</c>.</param>
    /// <param name="weightHh">W_hh transposed, <c>[H, GW]</c>.</param>
    /// <param name="biasIh">b_ih, <c>[GW]</c>.</param>
    /// <param name="biasHh">b_hh, <c>[GW]</c>.</param>
    /// <param name="hidden">H.</param>
    /// <param name="activation"><see cref="Activation.Tanh"/> or <see cref="Activation.ReLU"/>.</param>
    /// <param name="state">The network's state, <see cref="StepStateLength"/> floats; left after the last step.</param>
    /// <param name="readoutWeight">The Dense weight, as for <c>Step</c>.</param>
    /// <param name="readoutBias">The Dense bias, <c>[width]</c>.</param>
    /// <param name="readoutWidth">The Dense layer's padded output width (a multiple of 16), 1 for a one-unit Dense, or 0 for no readout.</param>
    /// <param name="y">The steps' Dense outputs one after another, <c>[steps, width]</c>, overwritten.</param>
    /// <param name="steps">The number of time steps.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StepBlock(ReadOnlySpan<float> x, int inputs, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int hidden, Activation activation, Span<float> state,
        ReadOnlySpan<float> readoutWeight, ReadOnlySpan<float> readoutBias, int readoutWidth, Span<float> y, int steps) =>
        RecurrentCore.StepBlock(Cell(activation), x, inputs, weightIh, weightHh, biasIh, biasHh, hidden, state, readoutWeight, readoutBias, readoutWidth, y, steps);
}
