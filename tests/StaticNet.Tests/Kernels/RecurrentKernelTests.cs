using System;
using System.IO;
using StaticNet.IO;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.KernelTestSupport;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// LstmKernels, GruKernels, RnnKernels: PyTorch golden tensors, finite differences of a double-precision reference,
/// Step against the sequence forward, vector paths against the scalar one, size checks.
/// </summary>
public class RecurrentKernelTests
{
    public static TheoryData<CellKind> Cells => new() { CellKind.Lstm, CellKind.Gru, CellKind.RnnTanh, CellKind.RnnReLU };

    public static TheoryData<CellKind, bool> CellsAndModes()
    {
        var data = new TheoryData<CellKind, bool>();
        foreach (CellKind cell in Enum.GetValues<CellKind>())
        {
            data.Add(cell, true);
            data.Add(cell, false);
        }
        return data;
    }

    public static TheoryData<CellKind, int> CellsAndPaths()
    {
        var data = new TheoryData<CellKind, int>();
        foreach (CellKind cell in Enum.GetValues<CellKind>())
            foreach (int path in Paths)
                data.Add(cell, path);
        return data;
    }

    private static float[] ToFloat(double[] v) => Array.ConvertAll(v, d => (float)d);

    private static double[] ToDouble(float[] v) => Array.ConvertAll(v, f => (double)f);

    /// <summary>Loss = Σ dy·y over every step (sequences) or the last step; dy in PyTorch's [rows, (T,) H].</summary>
    private static double Loss(double[] allH, double[] dy, int rows, int steps, int hidden, bool sequences)
    {
        double sum = 0;
        for (int r = 0; r < rows; r++)
            for (int t = sequences ? 0 : steps - 1; t < steps; t++)
                for (int j = 0; j < hidden; j++)
                    sum += allH[(r * steps + t) * hidden + j] * dy[sequences ? (r * steps + t) * hidden + j : r * hidden + j];
        return sum;
    }

    /// <summary>dy [rows, (T,) H] padded to the kernels' [rows, (T,) Hp].</summary>
    private static float[] PadRows(double[] dy, int count, int hidden, int hp)
    {
        var padded = new float[count * hp];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < hidden; j++)
                padded[i * hp + j] = (float)dy[i * hidden + j];
        return padded;
    }

    private static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        double bound = tolerance * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(actual - expected) <= bound, $"{what}: expected {expected}, got {actual} (±{bound})");
    }

    // ---------------------------------------------------------------- PyTorch

    [Theory]
    [MemberData(nameof(CellsAndPaths))]
    public void MatchesPyTorch(CellKind cell, int path)
    {
        string file = cell switch { CellKind.Lstm => "lstm", CellKind.Gru => "gru", CellKind.RnnTanh => "rnn_tanh", _ => "rnn_relu" };
        SafetensorsFile fixture = Safetensors.Read(Path.Combine(AppContext.BaseDirectory, "fixtures", $"kernel_{file}.safetensors"));
        int[] shape = fixture.Get("input").Shape.ToArray();
        int rows = shape[0], steps = shape[1], inputs = shape[2];
        int hidden = fixture.Get("output").Shape[2];
        var layer = new RecurrentLayer(cell, inputs, hidden);
        for (int i = 0; i < 4; i++) layer.Set(i, fixture.Get(RecurrentLayer.Names[i]).Data);
        var packed = new RecurrentLayer.Packed(layer);
        float[] x = fixture.Get("input").Data;
        int hp = layer.Hp;
        var saved = new float[rows * layer.SavedLength(steps)];

        foreach (bool sequences in new[] { true, false })
        {
            string mode = sequences ? "seq" : "last";
            var y = new float[rows * (sequences ? steps : 1) * hp];
            var grads = new RecurrentLayer.Grads(layer);
            var dx = new float[x.Length];
            float[] dy = PadRows(ToDouble(fixture.Get(mode + ".dy").Data), rows * (sequences ? steps : 1), hidden, hp);
            WithPath(path, () =>
            {
                layer.Forward(packed, x, rows, steps, inputs, steps * inputs, saved, y, sequences);
                layer.Backward(packed, x, rows, steps, inputs, steps * inputs, saved, dy, sequences, grads, dx);
            });

            float[] expected = fixture.Get("output").Data;
            for (int r = 0; r < rows; r++)
                for (int t = sequences ? 0 : steps - 1; t < steps; t++)
                    for (int j = 0; j < hp; j++)
                    {
                        float actual = y[(r * (sequences ? steps : 1) + (sequences ? t : 0)) * hp + j];
                        if (j >= hidden)
                            Assert.Equal(0f, actual);
                        else
                            AssertClose(expected[(r * steps + t) * hidden + j], actual, 1e-5, $"{cell} path {path} {mode}: output[{r},{t},{j}]");
                    }

            double[][] actualGrads = layer.Unpack(grads.Wih, grads.Whh, grads.Bih, grads.Bhh);
            for (int p = 0; p < 4; p++)
            {
                float[] want = fixture.Get($"{mode}.grad.{RecurrentLayer.Names[p]}").Data;
                for (int i = 0; i < want.Length; i++)
                    AssertClose(want[i], actualGrads[p][i], 1e-4, $"{cell} path {path} {mode}: grad {RecurrentLayer.Names[p]}[{i}]");
            }
            float[] wantDx = fixture.Get(mode + ".dx").Data;
            for (int i = 0; i < wantDx.Length; i++)
                AssertClose(wantDx[i], dx[i], 1e-4, $"{cell} path {path} {mode}: dx[{i}]");
        }
    }

    // ---------------------------------------------------------------- finite differences

    /// <summary>
    /// The kernels' gradients (float) against central differences of the double-precision reference loss, for every
    /// parameter and input element; the input is read with padded strides (position stride F + 2, an extra float
    /// between samples) as a later layer's would be.
    /// </summary>
    [Theory]
    [MemberData(nameof(CellsAndModes))]
    public void GradientsMatchFiniteDifferences(CellKind cell, bool sequences)
    {
        const int rows = 2, steps = 5, inputs = 3, hidden = 18;
        const int positionStride = inputs + 2, sampleStride = steps * positionStride + 1;
        var layer = new RecurrentLayer(cell, inputs, hidden).Randomize(100 + (int)cell);
        double[] x = ToDouble(Random(rows * sampleStride, 7 + (int)cell));
        double[] dy = ToDouble(Random(rows * (sequences ? steps : 1) * hidden, 8));
        if (cell == CellKind.RnnReLU)
            for (int i = 0; i < layer.Bih.Length; i++) layer.Bih[i] += 0.3f; // keep most units away from the kink

        var packed = new RecurrentLayer.Packed(layer);
        float[] xf = ToFloat(x);
        var saved = new float[rows * layer.SavedLength(steps)];
        var y = new float[rows * (sequences ? steps : 1) * layer.Hp];
        var grads = new RecurrentLayer.Grads(layer);
        float[] dx = Filled(xf.Length, float.NaN);
        layer.Forward(packed, xf, rows, steps, positionStride, sampleStride, saved, y, sequences);
        layer.Backward(packed, xf, rows, steps, positionStride, sampleStride, saved, PadRows(dy, rows * (sequences ? steps : 1), hidden, layer.Hp),
            sequences, grads, dx);
        double[][] actual = layer.Unpack(grads.Wih, grads.Whh, grads.Bih, grads.Bhh);

        double LossAt() => Loss(layer.ReferenceForward(x, rows, steps, positionStride, sampleStride), dy, rows, steps, hidden, sequences);
        const double eps = 1e-5;
        for (int p = 0; p < 4; p++)
        {
            double[] param = layer.All[p];
            for (int i = 0; i < param.Length; i++)
            {
                double saved0 = param[i];
                param[i] = saved0 + eps;
                double plus = LossAt();
                param[i] = saved0 - eps;
                double minus = LossAt();
                param[i] = saved0;
                AssertClose((plus - minus) / (2 * eps), actual[p][i], 2e-4, $"{cell} sequences={sequences}: d{RecurrentLayer.Names[p]}[{i}]");
            }
        }
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < steps; t++)
            {
                for (int f = 0; f < positionStride; f++)
                {
                    int i = r * sampleStride + t * positionStride + f;
                    if (f >= inputs)
                    {
                        Assert.True(float.IsNaN(dx[i]), $"{cell}: dx wrote the padding at {i}");
                        continue;
                    }
                    double saved0 = x[i];
                    x[i] = saved0 + eps;
                    double plus = LossAt();
                    x[i] = saved0 - eps;
                    double minus = LossAt();
                    x[i] = saved0;
                    AssertClose((plus - minus) / (2 * eps), dx[i], 2e-4, $"{cell} sequences={sequences}: dx[{r},{t},{f}]");
                }
            }

        // The forward output against the double reference too.
        double[] reference = layer.ReferenceForward(x, rows, steps, positionStride, sampleStride);
        for (int r = 0; r < rows; r++)
            for (int t = sequences ? 0 : steps - 1; t < steps; t++)
                for (int j = 0; j < hidden; j++)
                    AssertClose(reference[(r * steps + t) * hidden + j], y[(r * (sequences ? steps : 1) + (sequences ? t : 0)) * layer.Hp + j], 1e-5,
                        $"{cell}: y[{r},{t},{j}]");
    }

    /// <summary>
    /// Two layers chained as generated code chains them: an LSTM returning sequences (output [rows, T, Hp]) read by a GRU
    /// with position stride Hp, the GRU's dx (written into the LSTM's padded dy) driving the LSTM's backward pass;
    /// checked against finite differences of the composed double-precision reference.
    /// </summary>
    [Theory]
    [InlineData(CellKind.Lstm, CellKind.Gru)]
    [InlineData(CellKind.Gru, CellKind.RnnTanh)]
    [InlineData(CellKind.RnnReLU, CellKind.Lstm)]
    public void StackedLayersBackpropagateThroughBoth(CellKind firstCell, CellKind secondCell)
    {
        const int rows = 3, steps = 5, inputs = 2, hidden1 = 9, hidden2 = 6;
        var l1 = new RecurrentLayer(firstCell, inputs, hidden1).Randomize(201);
        var l2 = new RecurrentLayer(secondCell, hidden1, hidden2).Randomize(202);
        if (firstCell == CellKind.RnnReLU)
            for (int i = 0; i < l1.Bih.Length; i++) l1.Bih[i] += 0.3f;
        double[] x = ToDouble(Random(rows * steps * inputs, 203));
        double[] dy = ToDouble(Random(rows * hidden2, 204));
        int hp1 = l1.Hp;

        var p1 = new RecurrentLayer.Packed(l1);
        var p2 = new RecurrentLayer.Packed(l2);
        float[] xf = ToFloat(x);
        var saved1 = new float[rows * l1.SavedLength(steps)];
        var saved2 = new float[rows * l2.SavedLength(steps)];
        var y1 = new float[rows * steps * hp1];
        var y2 = new float[rows * l2.Hp];
        l1.Forward(p1, xf, rows, steps, inputs, steps * inputs, saved1, y1, true);
        l2.Forward(p2, y1, rows, steps, hp1, steps * hp1, saved2, y2, false);
        var g1 = new RecurrentLayer.Grads(l1);
        var g2 = new RecurrentLayer.Grads(l2);
        var dy1 = new float[y1.Length];
        var dx = new float[xf.Length];
        l2.Backward(p2, y1, rows, steps, hp1, steps * hp1, saved2, PadRows(dy, rows, hidden2, l2.Hp), false, g2, dy1);
        for (int i = 0; i < dy1.Length; i++)
            if (i % hp1 >= hidden1) Assert.Equal(0f, dy1[i]);
        l1.Backward(p1, xf, rows, steps, inputs, steps * inputs, saved1, dy1, true, g1, dx);

        double LossAt()
        {
            double[] h1 = l1.ReferenceForward(x, rows, steps, inputs, steps * inputs);
            double[] h2 = l2.ReferenceForward(h1, rows, steps, hidden1, steps * hidden1);
            return Loss(h2, dy, rows, steps, hidden2, false);
        }

        const double eps = 1e-5;
        void Check(double[] values, double actual, int i, string what)
        {
            double v = values[i];
            values[i] = v + eps;
            double plus = LossAt();
            values[i] = v - eps;
            double minus = LossAt();
            values[i] = v;
            AssertClose((plus - minus) / (2 * eps), actual, 3e-4, $"{firstCell}->{secondCell}: {what}");
        }

        double[][] a1 = l1.Unpack(g1.Wih, g1.Whh, g1.Bih, g1.Bhh), a2 = l2.Unpack(g2.Wih, g2.Whh, g2.Bih, g2.Bhh);
        for (int p = 0; p < 4; p++)
        {
            for (int i = 0; i < l1.All[p].Length; i++) Check(l1.All[p], a1[p][i], i, $"layer 1 d{RecurrentLayer.Names[p]}[{i}]");
            for (int i = 0; i < l2.All[p].Length; i++) Check(l2.All[p], a2[p][i], i, $"layer 2 d{RecurrentLayer.Names[p]}[{i}]");
        }
        for (int i = 0; i < x.Length; i++) Check(x, dx[i], i, $"dx[{i}]");
    }

    // ---------------------------------------------------------------- Step

    /// <summary>Streaming one step at a time from a zero state gives the sequence forward's h at every step.</summary>
    [Theory]
    [MemberData(nameof(CellsAndPaths))]
    public void StepMatchesTheSequenceForward(CellKind cell, int path)
    {
        // 64, 32, 16, 8: the register-resident step's one- and two-pass shapes on each vector width; 18, 7: the general step.
        foreach ((int inputs, int hidden) in new[] { (1, 64), (1, 32), (2, 16), (3, 8), (3, 18), (5, 7) })
        {
            const int rows = 3, steps = 9;
            var layer = new RecurrentLayer(cell, inputs, hidden).Randomize(300 + hidden);
            var packed = new RecurrentLayer.Packed(layer);
            float[] x = Random(rows * steps * inputs, 301);
            var saved = new float[rows * layer.SavedLength(steps)];
            var y = new float[rows * steps * layer.Hp];
            var state = new float[layer.StepStateLength];
            WithPath(path, () =>
            {
                layer.Forward(packed, x, rows, steps, inputs, steps * inputs, saved, y, true);
                for (int r = 0; r < rows; r++)
                {
                    Array.Clear(state);
                    for (int t = 0; t < steps; t++)
                    {
                        layer.Step(packed, x.AsSpan((r * steps + t) * inputs, inputs), state);
                        for (int j = 0; j < layer.Hp; j++)
                        {
                            float expected = y[(r * steps + t) * layer.Hp + j];
                            Assert.True(Math.Abs(state[j] - expected) <= 1e-6,
                                $"{cell} path {path} F={inputs} H={hidden}: step h[{r},{t},{j}] = {state[j]}, sequence {expected}");
                        }
                    }
                }
            });
        }
    }

    /// <summary>
    /// The fused readout (a Dense layer reading the new h in the same call) gives the step's h unchanged and the Dense
    /// output in double precision: a padded weight of one and two vectors, and a one-unit row (width 1, the dot product).
    /// </summary>
    [Theory]
    [MemberData(nameof(CellsAndPaths))]
    public void StepWithReadoutMatchesStepThenDense(CellKind cell, int path)
    {
        // 64, 32, 16 and 8 units: the register-resident step of the 512-, 256- and 128-bit paths (two or four vectors per
        // gate: one pass or two); 18 and 7: the general step.
        foreach ((int inputs, int hidden) in new[] { (1, 64), (1, 32), (2, 16), (1, 8), (3, 18), (5, 7) })
        foreach (int width in new[] { 1, 16, 32 })
        {
            var layer = new RecurrentLayer(cell, inputs, hidden).Randomize(310 + hidden);
            var packed = new RecurrentLayer.Packed(layer);
            float[] x = Random(6 * inputs, 311);
            float[] weight = width == 1 ? Random(hidden, 312) : PaddedWeight(hidden, width - 3, width, 312);
            float[] bias = Random(width, 313);
            var fused = new float[layer.StepStateLength];
            var plain = new float[layer.StepStateLength];
            var y = Filled(width + 3, float.NaN);
            WithPath(path, () =>
            {
                for (int t = 0; t < 6; t++)
                {
                    layer.Step(packed, x.AsSpan(t * inputs, inputs), fused, weight, bias, width, y);
                    layer.Step(packed, x.AsSpan(t * inputs, inputs), plain);
                    for (int j = 0; j < layer.Hp; j++)
                        Assert.True(fused[j] == plain[j], $"{cell} path {path} H={hidden} width {width}: h[{j}] {fused[j]} vs {plain[j]}");
                    int units = width == 1 ? 1 : width - 3;
                    for (int j = 0; j < units; j++)
                    {
                        double expected = bias[j], magnitude = Math.Abs(bias[j]);
                        for (int k = 0; k < hidden; k++)
                        {
                            double term = (double)plain[k] * (width == 1 ? weight[k] : weight[k * width + j]);
                            expected += term;
                            magnitude += Math.Abs(term);
                        }
                        Assert.True(Math.Abs(y[j] - expected) <= 2e-6 * magnitude + 1e-7,
                            $"{cell} path {path} H={hidden} width {width}: y[{j}] = {y[j]}, expected {expected}");
                    }
                    if (width == 1)
                    {
                        // Read from the registers that hold h, the dot product still gives the Dense kernel's bits.
                        var separate = new float[1];
                        DenseKernels.ForwardDot(plain.AsSpan(0, hidden), 1, hidden, hidden, weight, bias, separate, 1);
                        Assert.True(y[0] == separate[0], $"{cell} path {path} H={hidden}: fused readout {y[0]}, ForwardDot {separate[0]}");
                    }
                    for (int j = width; j < y.Length; j++)
                        Assert.True(float.IsNaN(y[j]), $"{cell} path {path}: the readout wrote past its {width} floats at {j}");
                }
            });
        }
    }

    /// <summary>
    /// A block of steps in one call gives the bits of one <c>Step</c> per time step: every step's readout and the state
    /// left after the last (the register-resident kernels loop inside; other sizes and wide readouts step one by one).
    /// </summary>
    [Theory]
    [MemberData(nameof(CellsAndPaths))]
    public void StepBlockMatchesOneStepAtATime(CellKind cell, int path)
    {
        foreach ((int inputs, int hidden) in new[] { (1, 32), (2, 16), (1, 8), (1, 64), (3, 18) })
        foreach (int width in new[] { 0, 1, 16 })
        foreach (int steps in new[] { 0, 1, 7 })
        {
            var layer = new RecurrentLayer(cell, inputs, hidden).Randomize(330 + hidden);
            var packed = new RecurrentLayer.Packed(layer);
            float[] x = Random(steps * inputs, 331);
            float[] weight = width == 1 ? Random(hidden, 332) : PaddedWeight(hidden, 13, Math.Max(width, 16), 332);
            float[] bias = Random(Math.Max(width, 1), 333);
            var block = new float[layer.StepStateLength];
            var single = new float[layer.StepStateLength];
            float[] y = Filled(steps * width + 2, float.NaN), expected = Filled(steps * width + 2, float.NaN);
            WithPath(path, () =>
            {
                // Both start from the same non-zero state: a warm-up step each.
                layer.Step(packed, Random(inputs, 334), block);
                layer.Step(packed, Random(inputs, 334), single);
                layer.StepBlock(packed, x, block, weight, bias, width, y, steps);
                for (int t = 0; t < steps; t++)
                {
                    if (width == 0)
                        layer.Step(packed, x.AsSpan(t * inputs, inputs), single);
                    else
                        layer.Step(packed, x.AsSpan(t * inputs, inputs), single, weight, bias, width, expected.AsSpan(t * width, width));
                }
            });
            string what = $"{cell} path {path} F={inputs} H={hidden} width {width}, {steps} steps";
            for (int j = 0; j < layer.StepStateLength; j++)
                Assert.True(block[j].Equals(single[j]), $"{what}: state[{j}] {block[j]} vs {single[j]}");
            for (int j = 0; j < y.Length; j++)
                Assert.True(y[j].Equals(expected[j]), $"{what}: y[{j}] {y[j]} vs {expected[j]}");
        }
    }

    [Fact]
    public void InconsistentBlockThrowsAndChangesNothing()
    {
        var layer = new RecurrentLayer(CellKind.Lstm, 2, 32).Randomize(2);
        var p = new RecurrentLayer.Packed(layer);
        float[] x = Random(10, 3), state = new float[layer.StepStateLength], w = Random(32, 4), b = { 0.5f }, y = new float[5];
        string message = Assert.Throws<ArgumentException>(() => layer.StepBlock(p, x, state, w, b, 1, y, 6)).Message;
        Assert.Contains("x of 10 floats (expected at least 12", message);
        message = Assert.Throws<ArgumentException>(() => layer.StepBlock(p, x, state, w, b, 1, y.AsSpan(0, 4), 5)).Message;
        Assert.Contains("y of 4 floats (expected at least 5", message);
        Assert.Throws<ArgumentException>(() => layer.StepBlock(p, x, state, w, b, 1, y, -1));
        Assert.Throws<ArgumentException>(() => layer.StepBlock(p, x, state.AsSpan(1), w, b, 1, y, 5));
        Assert.Throws<ArgumentException>(() => layer.StepBlock(p, x, state, w.AsSpan(1), b, 1, y, 5));
        Assert.All(state, v => Assert.Equal(0f, v)); // a refused call changes nothing
        Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void InconsistentReadoutThrows()
    {
        var layer = new RecurrentLayer(CellKind.Gru, 3, 8).Randomize(1);
        var p = new RecurrentLayer.Packed(layer);
        float[] x = new float[3], state = new float[layer.StepStateLength], w = new float[8 * 16], b = new float[16], y = new float[16];
        string message = Assert.Throws<ArgumentException>(() => layer.Step(p, x, state, w, b, 8, y)).Message;
        Assert.Contains("width 8", message);
        Assert.Throws<ArgumentException>(() => layer.Step(p, x, state, w.AsSpan(1), b, 16, y));
        Assert.Throws<ArgumentException>(() => layer.Step(p, x, state, w, b, 16, y.AsSpan(1)));
        Assert.Throws<ArgumentException>(() => layer.Step(p, x, state, w.AsSpan(0, 7), b, 1, y));
        Assert.All(state, v => Assert.Equal(0f, v)); // a refused call changes nothing
    }

    // ---------------------------------------------------------------- paths

    [Theory]
    [MemberData(nameof(CellsAndPaths))]
    public void VectorPathsAgreeWithTheScalarPath(CellKind cell, int path)
    {
        const int rows = 5, steps = 6, inputs = 4, hidden = 37;
        var layer = new RecurrentLayer(cell, inputs, hidden).Randomize(400);
        var packed = new RecurrentLayer.Packed(layer);
        float[] x = Random(rows * steps * inputs, 401, 2f);
        float[] dy = Random(rows * steps * layer.Hp, 402);
        (float[] y, RecurrentLayer.Grads g, float[] dx) Run(int p)
        {
            var saved = new float[rows * layer.SavedLength(steps)];
            var y = new float[rows * steps * layer.Hp];
            var g = new RecurrentLayer.Grads(layer);
            var dx = new float[x.Length];
            WithPath(p, () =>
            {
                layer.Forward(packed, x, rows, steps, inputs, steps * inputs, saved, y, true);
                layer.Backward(packed, x, rows, steps, inputs, steps * inputs, saved, dy, true, g, dx);
            });
            return (y, g, dx);
        }
        var scalar = Run(0);
        var vector = Run(path);
        void Same(float[] a, float[] b, string what)
        {
            for (int i = 0; i < a.Length; i++)
                Assert.True(Math.Abs(a[i] - b[i]) <= 2e-5 * Math.Max(1, Math.Abs(a[i])), $"{cell} path {path}: {what}[{i}] scalar {a[i]}, vector {b[i]}");
        }
        Same(scalar.y, vector.y, "y");
        Same(scalar.g.Wih, vector.g.Wih, "dWih");
        Same(scalar.g.Whh, vector.g.Whh, "dWhh");
        Same(scalar.g.Bih, vector.g.Bih, "dBih");
        Same(scalar.g.Bhh, vector.g.Bhh, "dBhh");
        Same(scalar.dx, vector.dx, "dx");
    }

    /// <summary>The vector sigmoid and tanh against double precision over a dense grid, including the polynomial/exp switch at 0.625.</summary>
    [Theory]
    [MemberData(nameof(PathData), MemberType = typeof(KernelTestSupport))]
    public void GateNonlinearitiesAreAccurate(int path)
    {
        // RNN tanh with zero weights and x·W_ih = x: h = tanh(x + b). Use W_ih = 1 for unit 0..H−1 and F = 1.
        const int hidden = 16, steps = 1;
        int count = 4001;
        var layer = new RecurrentLayer(CellKind.RnnTanh, 1, hidden);
        for (int j = 0; j < hidden; j++) layer.Wih[j] = 1;
        var packed = new RecurrentLayer.Packed(layer);
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (i - count / 2) * 0.005f;
        var saved = new float[count * layer.SavedLength(steps)];
        var y = new float[count * layer.Hp];
        WithPath(path, () =>
        {
            for (int start = 0; start < count; start += 32)
            {
                int rows = Math.Min(32, count - start);
                layer.Forward(packed, x.AsSpan(start), rows, steps, 1, 1, saved, y.AsSpan(start * layer.Hp), false);
            }
        });
        for (int i = 0; i < count; i++)
        {
            double expected = Math.Tanh(x[i]);
            Assert.True(Math.Abs(y[i * layer.Hp] - expected) <= 2e-7 + 3e-7 * Math.Abs(expected), $"path {path}: tanh({x[i]}) = {y[i * layer.Hp]}, expected {expected}");
        }
    }

    /// <summary>The gates' vector sigmoid and tanh on every width against double precision over [−100, 100], extremes included.</summary>
    [Fact]
    public void VectorSigmoidAndTanhAreAccurateEverywhere()
    {
        var values = new float[4096 + 16];
        for (int i = 0; i < 4096; i++) values[i] = (i - 2048) * (100f / 2048);
        float[] extremes = { 0f, -0f, 1e-30f, -1e-7f, 88.5f, -88.5f, float.MaxValue, float.MinValue, 0.625f, -0.625f, 0.6249999f, 9f, -9.5f, 20f, 1e-3f, -3e-4f };
        extremes.CopyTo(values, 4096);
        // sigmoid (exp form) within about 1 ulp; tanh (rational form) within 2.9e-7 relative, about 2.5 ulp.
        void Check(string name, float[] x, float[] y, Func<double, double> f, double relative)
        {
            for (int i = 0; i < x.Length; i++)
            {
                double expected = f(x[i]);
                Assert.True(Math.Abs(y[i] - expected) <= relative * Math.Max(1e-30, Math.Abs(expected)) + 1e-38,
                    $"{name}({x[i]}) = {y[i]}, expected {expected}");
            }
        }
        void Run<V>(string width) where V : struct, ISimdVector<V>
        {
            var s = new float[values.Length];
            var t = new float[values.Length];
            for (int i = 0; i + V.Count <= values.Length; i += V.Count)
            {
                V.Store(ref s[i], RecurrentGates.Sigmoid(V.Load(ref values[i])));
                V.Store(ref t[i], RecurrentGates.Tanh(V.Load(ref values[i])));
            }
            Check($"sigmoid{width}", values, s, v => 1 / (1 + Math.Exp(-v)), 1.5e-7);
            Check($"tanh{width}", values, t, Math.Tanh, 3e-7);
        }
        Run<V512>("512");
        Run<V256>("256");
        Run<V128>("128");
    }

    [Fact]
    public void InconsistentSizesThrow()
    {
        var layer = new RecurrentLayer(CellKind.Lstm, 3, 8).Randomize(1);
        var p = new RecurrentLayer.Packed(layer);
        float[] x = new float[2 * 5 * 3], y = new float[2 * 5 * 16];
        var saved = new float[2 * LstmKernels.SavedLength(8, 5)];
        Assert.Throws<ArgumentException>(() => LstmKernels.Forward(x, 2, 5, 3, 3, 15, p.Wih, p.Whh, p.Bih, p.Bhh, 8, saved.AsSpan(1), y, true));
        Assert.Throws<ArgumentException>(() => LstmKernels.Forward(x, 2, 5, 3, 3, 15, p.Wih, p.Whh, p.Bih, p.Bhh, 8, saved, y.AsSpan(1), true));
        Assert.Throws<ArgumentException>(() => LstmKernels.Forward(x.AsSpan(1), 2, 5, 3, 3, 15, p.Wih, p.Whh, p.Bih, p.Bhh, 8, saved, y, true));
        Assert.Throws<ArgumentException>(() => LstmKernels.Forward(x, 2, 5, 3, 3, 15, p.Wih.AsSpan(1), p.Whh, p.Bih, p.Bhh, 8, saved, y, true));
        Assert.Throws<ArgumentException>(() => LstmKernels.Step(x, 3, p.Wih, p.Whh, p.Bih, p.Bhh, 8, new float[LstmKernels.StepStateLength(8) - 1]));
        Assert.Throws<ArgumentException>(() => RnnKernels.Step(x, 3, p.Wih, p.Whh, p.Bih, p.Bhh, 8, Activation.Sigmoid, new float[100]));
    }
}
