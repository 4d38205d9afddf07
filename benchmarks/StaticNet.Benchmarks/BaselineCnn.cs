using System;
using System.Numerics.Tensors;

namespace StaticNet.Benchmarks;

/// <summary>
/// The sample CNN (samples/FashionMnistCnn) written by hand, for the baselines: Conv2d(1, 16, 3, padding=1) ReLU →
/// MaxPool2d(2) → Conv2d(16, 32, 3, padding=1) ReLU → MaxPool2d(2) → Flatten → Linear(1568, 128) ReLU → Dropout(0.25)
/// → Linear(128, 10), softmax cross-entropy, Adam with PyTorch's defaults. Activations in PyTorch's CHW layout, one flat
/// parameter array holding PyTorch's tensors in order (<c>[Cout, Cin, 3, 3]</c> and <c>[out, in]</c> weights, each
/// followed by its bias), so the flattened pool output is the Linear layer's input as is. Sizes are fixed to this network
/// but passed as run-time ints (what code without compile-time shapes does). The subclasses supply the inner loops:
/// <see cref="NaiveCnn"/> plain loops, <see cref="TensorPrimitivesCnn"/> <see cref="TensorPrimitives"/> calls; max
/// pooling, dropout and the 10-way softmax are the same scalar code in both (there is no TensorPrimitives operation for
/// them, and they are a small share of the time). Allocation-free after construction.
/// </summary>
public abstract class BaselineCnn
{
    protected const int Classes = 10, Hidden = 128, Flat = 32 * 7 * 7;
    private const float DropoutRate = 0.25f;

    // Parameter offsets, PyTorch's state_dict order: 0.weight/bias, 3.*, 7.*, 10.*.
    protected const int W1 = 0, B1 = W1 + 16 * 9, W2 = B1 + 16, B2 = W2 + 32 * 16 * 9, W3 = B2 + 32, B3 = W3 + Hidden * Flat,
        W4 = B3 + Hidden, B4 = W4 + Classes * Hidden, Count = B4 + Classes;

    protected readonly float[] Parameters = new float[Count];
    protected readonly float[] Gradients = new float[Count];
    protected readonly float[] M = new float[Count];
    protected readonly float[] V = new float[Count];
    private readonly float _learningRate;
    private long _step;
    private ulong _random;

    // Per-sample activations (× maxBatch) and their gradients.
    private readonly float[] _x, _a1, _p1, _a2, _p2, _h, _d, _z;
    private readonly int[] _i1, _i2;       // the argmax of each pool window (an index into _a1 / _a2)
    private readonly float[] _mask;        // dropout: 0 or 1 / (1 − rate)
    private readonly float[] _da1, _dp1, _da2, _dp2, _dh, _dd, _dz;

    protected BaselineCnn(int maxBatch, int seed, float learningRate)
    {
        _learningRate = learningRate;
        _random = (ulong)seed * 0x9E3779B97F4A7C15UL + 1;
        var random = new Random(seed);
        void Init(int weights, int bias, int end, int fanIn)
        {
            float bound = 1f / MathF.Sqrt(fanIn);
            for (int i = weights; i < end; i++) Parameters[i] = (float)(random.NextDouble() * 2 - 1) * bound;
        }
        Init(W1, B1, W2, 9);
        Init(W2, B2, W3, 16 * 9);
        Init(W3, B3, W4, Flat);
        Init(W4, B4, Count, Hidden);

        _x = new float[maxBatch * 784];
        _a1 = new float[maxBatch * 16 * 784]; _da1 = new float[_a1.Length];
        _p1 = new float[maxBatch * 16 * 196]; _dp1 = new float[_p1.Length]; _i1 = new int[_p1.Length];
        _a2 = new float[maxBatch * 32 * 196]; _da2 = new float[_a2.Length];
        _p2 = new float[maxBatch * Flat]; _dp2 = new float[_p2.Length]; _i2 = new int[_p2.Length];
        _h = new float[maxBatch * Hidden]; _dh = new float[_h.Length];
        _d = new float[maxBatch * Hidden]; _dd = new float[_d.Length]; _mask = new float[_d.Length];
        _z = new float[maxBatch * Classes]; _dz = new float[_z.Length];
    }

    /// <summary>Parameters in total (206,922).</summary>
    public static int ParameterCount => Count;

    /// <summary>Overwrites the weights with PyTorch-ordered tensors (e.g. a StaticNet network's, exported), so that the
    /// implementations can be compared from the same starting point.</summary>
    public void LoadParameters(ReadOnlySpan<float> pytorchOrdered) => pytorchOrdered.CopyTo(Parameters);

    /// <summary>One image's logits (inference: no dropout).</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        input.CopyTo(_x);
        ForwardRows(1, training: false);
        _z.AsSpan(0, Classes).CopyTo(output);
    }

    /// <summary>The mean softmax cross-entropy over a batch in inference mode (no dropout).</summary>
    public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        inputs.CopyTo(_x);
        ForwardRows(labels.Length, training: false);
        return SoftmaxCrossEntropy(labels);
    }

    /// <summary>One Adam step on a batch (forward with dropout, loss, backward, update); returns the mean loss.</summary>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        int rows = labels.Length;
        inputs.CopyTo(_x);
        ForwardRows(rows, training: true);
        float loss = SoftmaxCrossEntropy(labels);

        Array.Clear(Gradients);
        DenseBackward(_d, W4, _dz, _dd, rows, Hidden, Classes, inputGradient: true);
        for (int i = 0; i < rows * Hidden; i++) _dh[i] = _h[i] > 0f ? _dd[i] * _mask[i] : 0f;   // dropout', ReLU'
        DenseBackward(_p2, W3, _dh, _dp2, rows, Flat, Hidden, inputGradient: true);
        MaxPoolBackward(_dp2, _i2, _da2, rows * Flat);
        ReluBackward(_da2.AsSpan(0, rows * 32 * 196), _a2);
        ConvBackward(_p1, W2, _da2, _dp1, rows, 16, 14, 14, 32, inputGradient: true);
        MaxPoolBackward(_dp1, _i1, _da1, rows * 16 * 196);
        ReluBackward(_da1.AsSpan(0, rows * 16 * 784), _a1);
        ConvBackward(_x, W1, _da1, null, rows, 1, 28, 28, 16, inputGradient: false);

        _step++;
        Adam(_learningRate, _step);
        return loss;
    }

    private void ForwardRows(int rows, bool training)
    {
        ConvForward(_x, W1, _a1, rows, 1, 28, 28, 16);
        Relu(_a1.AsSpan(0, rows * 16 * 784));
        MaxPool(_a1, _p1, _i1, rows * 16, 28, 28);
        ConvForward(_p1, W2, _a2, rows, 16, 14, 14, 32);
        Relu(_a2.AsSpan(0, rows * 32 * 196));
        MaxPool(_a2, _p2, _i2, rows * 32, 14, 14);
        DenseForward(_p2, W3, _h, rows, Flat, Hidden);
        Relu(_h.AsSpan(0, rows * Hidden));
        if (training)
        {
            float keep = 1f / (1f - DropoutRate);
            for (int i = 0; i < rows * Hidden; i++)
            {
                _mask[i] = NextUniform() < DropoutRate ? 0f : keep;
                _d[i] = _h[i] * _mask[i];
            }
        }
        else
        {
            _h.AsSpan(0, rows * Hidden).CopyTo(_d);
        }
        DenseForward(_d, W4, _z, rows, Hidden, Classes);
    }

    private float SoftmaxCrossEntropy(ReadOnlySpan<int> labels)
    {
        int rows = labels.Length;
        double loss = 0;
        for (int s = 0; s < rows; s++)
        {
            int o = s * Classes;
            float max = float.NegativeInfinity;
            for (int j = 0; j < Classes; j++) max = MathF.Max(max, _z[o + j]);
            float sum = 0f;
            for (int j = 0; j < Classes; j++) sum += MathF.Exp(_z[o + j] - max);
            loss -= _z[o + labels[s]] - max - MathF.Log(sum);
            for (int j = 0; j < Classes; j++)
                _dz[o + j] = (MathF.Exp(_z[o + j] - max) / sum - (j == labels[s] ? 1f : 0f)) / rows;
        }
        return (float)(loss / rows);
    }

    /// <summary>2×2 max pooling, stride 2, of <paramref name="planes"/> h×w planes; records each window's argmax.</summary>
    private static void MaxPool(float[] x, float[] y, int[] argmax, int planes, int h, int w)
    {
        int oh = h / 2, ow = w / 2;
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int best = p * h * w + 2 * i * w + 2 * j;
                    int first = best;
                    if (x[first + 1] > x[best]) best = first + 1;
                    if (x[first + w] > x[best]) best = first + w;
                    if (x[first + w + 1] > x[best]) best = first + w + 1;
                    int o = (p * oh + i) * ow + j;
                    y[o] = x[best];
                    argmax[o] = best;
                }
    }

    private static void MaxPoolBackward(float[] dy, int[] argmax, float[] dx, int outputs)
    {
        Array.Clear(dx);
        for (int o = 0; o < outputs; o++) dx[argmax[o]] += dy[o];
    }

    private float NextUniform()
    {
        _random ^= _random << 13; _random ^= _random >> 7; _random ^= _random << 17;   // xorshift64
        return (_random >> 40) * (1f / (1 << 24));
    }

    /// <summary>y = conv(x, w) + b, 3×3, stride 1, padding 1, CHW, for <paramref name="rows"/> samples.</summary>
    protected abstract void ConvForward(float[] x, int weights, float[] y, int rows, int cin, int h, int w, int cout);

    /// <summary>dW, dB += …; dx = … (skipped when <paramref name="inputGradient"/> is false).</summary>
    protected abstract void ConvBackward(float[] x, int weights, float[] dy, float[]? dx, int rows, int cin, int h, int w, int cout, bool inputGradient);

    /// <summary>y = W·x + b per sample; W is <c>[m, n]</c> at <paramref name="weights"/>, b follows it.</summary>
    protected abstract void DenseForward(float[] x, int weights, float[] y, int rows, int n, int m);

    /// <summary>dW += dy·xᵀ, dB += dy; dx = Wᵀ·dy when <paramref name="inputGradient"/>.</summary>
    protected abstract void DenseBackward(float[] x, int weights, float[] dy, float[] dx, int rows, int n, int m, bool inputGradient);

    protected abstract void Relu(Span<float> values);

    /// <summary>dy := 0 where the ReLU output y was not positive.</summary>
    protected abstract void ReluBackward(Span<float> dy, float[] y);

    protected abstract void Adam(float learningRate, long step);
}

/// <summary>The CNN baseline as most C# would write it: plain loops (<see cref="NaiveConv"/> for the convolutions).</summary>
public sealed class NaiveCnn(int maxBatch, int seed, float learningRate = 1e-3f) : BaselineCnn(maxBatch, seed, learningRate)
{
    protected override void ConvForward(float[] x, int weights, float[] y, int rows, int cin, int h, int w, int cout) =>
        NaiveConv.Forward(x, Parameters.AsSpan(weights), Parameters.AsSpan(weights + cout * cin * 9), y, rows, cin, h, w, cout);

    protected override void ConvBackward(float[] x, int weights, float[] dy, float[]? dx, int rows, int cin, int h, int w, int cout, bool inputGradient) =>
        NaiveConv.Backward(x, Parameters.AsSpan(weights), dy, Gradients.AsSpan(weights), Gradients.AsSpan(weights + cout * cin * 9),
            inputGradient ? dx : null, rows, cin, h, w, cout);

    protected override void DenseForward(float[] x, int weights, float[] y, int rows, int n, int m)
    {
        float[] p = Parameters;
        int b = weights + n * m;
        for (int s = 0; s < rows; s++)
            for (int o = 0; o < m; o++)
            {
                float sum = p[b + o];
                for (int i = 0; i < n; i++) sum += p[weights + o * n + i] * x[s * n + i];
                y[s * m + o] = sum;
            }
    }

    protected override void DenseBackward(float[] x, int weights, float[] dy, float[] dx, int rows, int n, int m, bool inputGradient)
    {
        float[] p = Parameters, g = Gradients;
        int b = weights + n * m;
        for (int s = 0; s < rows; s++)
        {
            for (int o = 0; o < m; o++)
            {
                float d = dy[s * m + o];
                g[b + o] += d;
                for (int i = 0; i < n; i++) g[weights + o * n + i] += d * x[s * n + i];
            }
            if (!inputGradient) continue;
            for (int i = 0; i < n; i++)
            {
                float sum = 0f;
                for (int o = 0; o < m; o++) sum += p[weights + o * n + i] * dy[s * m + o];
                dx[s * n + i] = sum;
            }
        }
    }

    protected override void Relu(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) if (values[i] < 0f) values[i] = 0f;
    }

    protected override void ReluBackward(Span<float> dy, float[] y)
    {
        for (int i = 0; i < dy.Length; i++) if (!(y[i] > 0f)) dy[i] = 0f;
    }

    protected override void Adam(float learningRate, long step)
    {
        const float Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;
        float stepSize = learningRate / (1f - MathF.Pow(Beta1, step));
        float inverseSqrtCorrection2 = 1f / MathF.Sqrt(1f - MathF.Pow(Beta2, step));
        float[] p = Parameters, g = Gradients, m = M, v = V;
        for (int i = 0; i < p.Length; i++)
        {
            m[i] = Beta1 * m[i] + (1f - Beta1) * g[i];
            v[i] = Beta2 * v[i] + (1f - Beta2) * g[i] * g[i];
            p[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) * inverseSqrtCorrection2 + Epsilon);
        }
    }
}

/// <summary>
/// The CNN baseline with every inner loop a <see cref="TensorPrimitives"/> call: <see cref="TensorPrimitivesConv"/>
/// (a <c>MultiplyAdd</c> per output row and tap), a <c>Dot</c> per Linear output, <c>MultiplyAdd</c> rows backward,
/// span-wide ReLU and Adam.
/// </summary>
public sealed class TensorPrimitivesCnn : BaselineCnn
{
    private readonly float[] _scratch = new float[Count];

    public TensorPrimitivesCnn(int maxBatch, int seed, float learningRate = 1e-3f) : base(maxBatch, seed, learningRate) { }

    protected override void ConvForward(float[] x, int weights, float[] y, int rows, int cin, int h, int w, int cout) =>
        TensorPrimitivesConv.Forward(x, Parameters.AsSpan(weights), Parameters.AsSpan(weights + cout * cin * 9), y, rows, cin, h, w, cout);

    protected override void ConvBackward(float[] x, int weights, float[] dy, float[]? dx, int rows, int cin, int h, int w, int cout, bool inputGradient) =>
        TensorPrimitivesConv.Backward(x, Parameters.AsSpan(weights), dy, Gradients.AsSpan(weights), Gradients.AsSpan(weights + cout * cin * 9),
            inputGradient ? dx : null, rows, cin, h, w, cout);

    protected override void DenseForward(float[] x, int weights, float[] y, int rows, int n, int m)
    {
        ReadOnlySpan<float> p = Parameters;
        for (int s = 0; s < rows; s++)
        {
            ReadOnlySpan<float> xs = x.AsSpan(s * n, n);
            for (int o = 0; o < m; o++) y[s * m + o] = TensorPrimitives.Dot(p.Slice(weights + o * n, n), xs) + p[weights + n * m + o];
        }
    }

    protected override void DenseBackward(float[] x, int weights, float[] dy, float[] dx, int rows, int n, int m, bool inputGradient)
    {
        ReadOnlySpan<float> w = Parameters.AsSpan(weights, n * m);
        Span<float> gw = Gradients.AsSpan(weights, n * m), gb = Gradients.AsSpan(weights + n * m, m);
        for (int s = 0; s < rows; s++)
        {
            ReadOnlySpan<float> xs = x.AsSpan(s * n, n), dys = dy.AsSpan(s * m, m);
            TensorPrimitives.Add(gb, dys, gb);
            for (int o = 0; o < m; o++)
            {
                Span<float> row = gw.Slice(o * n, n);
                TensorPrimitives.MultiplyAdd(xs, dys[o], row, row);
            }
            if (!inputGradient) continue;
            Span<float> dxs = dx.AsSpan(s * n, n);
            dxs.Clear();
            for (int o = 0; o < m; o++) TensorPrimitives.MultiplyAdd(w.Slice(o * n, n), dys[o], dxs, dxs);
        }
    }

    protected override void Relu(Span<float> values) => TensorPrimitives.Max(values, 0f, values);

    protected override void ReluBackward(Span<float> dy, float[] y)
    {
        for (int i = 0; i < dy.Length; i++) if (!(y[i] > 0f)) dy[i] = 0f;
    }

    protected override void Adam(float learningRate, long step)
    {
        const float Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;
        float correction1 = 1f - MathF.Pow(Beta1, step), correction2 = 1f - MathF.Pow(Beta2, step);
        Span<float> p = Parameters, m = M, v = V, t = _scratch;
        ReadOnlySpan<float> g = Gradients;
        TensorPrimitives.Multiply(m, Beta1, m);
        TensorPrimitives.MultiplyAdd(g, 1f - Beta1, m, m);          // m = β₁m + (1−β₁)g
        TensorPrimitives.Multiply(g, g, t);
        TensorPrimitives.Multiply(v, Beta2, v);
        TensorPrimitives.MultiplyAdd(t, 1f - Beta2, v, v);          // v = β₂v + (1−β₂)g²
        TensorPrimitives.Sqrt(v, t);
        TensorPrimitives.Multiply(t, 1f / MathF.Sqrt(correction2), t);
        TensorPrimitives.Add(t, Epsilon, t);                         // √v̂ + ε
        TensorPrimitives.Divide(m, t, t);
        TensorPrimitives.MultiplyAdd(t, -learningRate / correction1, p, p);
    }
}
