using System;
using System.Numerics.Tensors;

namespace StaticNet.Benchmarks;

/// <summary>
/// The dynamic SIMD baseline: the same MLP as <see cref="NaiveMlp"/> (sizes at run time, weights <c>[out, in]</c>, one
/// flat parameter array, ReLU hidden layers, Adam), with every inner loop a vectorised
/// <see cref="TensorPrimitives"/> call: a <c>Dot</c> per output row forward, <c>MultiplyAdd</c> rows backward, and
/// element-wise spans for the loss and Adam. What a careful developer writes without compile-time shapes.
/// Allocation-free after construction.
/// </summary>
public sealed class TensorPrimitivesMlp
{
    private readonly int[] _sizes;
    private readonly int[] _weightOffsets;
    private readonly int[] _biasOffsets;
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _m;
    private readonly float[] _v;
    private readonly float[] _scratch;
    private readonly float[][] _activations;
    private readonly float[][] _deltas;
    private readonly BaselineLoss _loss;
    private readonly float _learningRate;
    private long _step;

    public TensorPrimitivesMlp(int[] sizes, BaselineLoss loss, int maxBatch, int seed, float learningRate = 1e-3f)
    {
        _sizes = sizes;
        _loss = loss;
        _learningRate = learningRate;
        int layers = sizes.Length - 1;
        _weightOffsets = new int[layers];
        _biasOffsets = new int[layers];
        int count = 0;
        for (int l = 0; l < layers; l++)
        {
            _weightOffsets[l] = count;
            count += sizes[l] * sizes[l + 1];
            _biasOffsets[l] = count;
            count += sizes[l + 1];
        }
        _parameters = new float[count];
        _gradients = new float[count];
        _m = new float[count];
        _v = new float[count];
        _scratch = new float[count];
        var random = new Random(seed);
        for (int l = 0; l < layers; l++)
        {
            float bound = 1f / MathF.Sqrt(sizes[l]);
            for (int i = _weightOffsets[l]; i < _biasOffsets[l] + sizes[l + 1]; i++)
                _parameters[i] = (float)(random.NextDouble() * 2 - 1) * bound;
        }
        _activations = new float[sizes.Length][];
        _deltas = new float[sizes.Length][];
        for (int l = 0; l < sizes.Length; l++)
        {
            _activations[l] = new float[maxBatch * sizes[l]];
            _deltas[l] = new float[maxBatch * sizes[l]];
        }
    }

    public int ParameterCount => _parameters.Length;

    private Span<float> Weights(int layer) => _parameters.AsSpan(_weightOffsets[layer], _sizes[layer] * _sizes[layer + 1]);

    private Span<float> Bias(int layer) => _parameters.AsSpan(_biasOffsets[layer], _sizes[layer + 1]);

    /// <summary>One sample's logits.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        input.CopyTo(_activations[0]);
        ForwardSample(0);
        _activations[^1].AsSpan(0, _sizes[^1]).CopyTo(output);
    }

    private void ForwardSample(int s)
    {
        for (int l = 0; l + 1 < _sizes.Length; l++)
        {
            int n = _sizes[l], m = _sizes[l + 1];
            ReadOnlySpan<float> x = _activations[l].AsSpan(s * n, n);
            Span<float> y = _activations[l + 1].AsSpan(s * m, m);
            ReadOnlySpan<float> w = Weights(l), b = Bias(l);
            for (int o = 0; o < m; o++)
                y[o] = TensorPrimitives.Dot(w.Slice(o * n, n), x) + b[o];
            if (l + 2 < _sizes.Length) TensorPrimitives.Max(y, 0f, y);
        }
    }

    /// <summary>One Adam step on a batch with class labels (softmax cross-entropy); returns the mean loss.</summary>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels) =>
        TrainStep(inputs, labels, ReadOnlySpan<float>.Empty);

    /// <summary>One Adam step on a batch with float targets (mean squared error); returns the mean loss.</summary>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets) =>
        TrainStep(inputs, ReadOnlySpan<int>.Empty, targets);

    private float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets)
    {
        int outputSize = _sizes[^1], last = _sizes.Length - 1;
        int batch = inputs.Length / _sizes[0];
        inputs.CopyTo(_activations[0]);
        _gradients.AsSpan().Clear();
        double loss = 0;
        for (int s = 0; s < batch; s++)
        {
            ForwardSample(s);
            Span<float> logits = _activations[last].AsSpan(s * outputSize, outputSize);
            Span<float> delta = _deltas[last].AsSpan(s * outputSize, outputSize);
            if (_loss == BaselineLoss.SoftmaxCrossEntropy)
            {
                TensorPrimitives.SoftMax(logits, delta);
                loss -= MathF.Log(delta[labels[s]]);
                delta[labels[s]] -= 1f;
                TensorPrimitives.Multiply(delta, 1f / batch, delta);
            }
            else
            {
                TensorPrimitives.Subtract(logits, targets.Slice(s * outputSize, outputSize), delta);
                loss += TensorPrimitives.SumOfSquares(delta);
                TensorPrimitives.Multiply(delta, 2f / (batch * outputSize), delta);
            }
        }
        if (_loss == BaselineLoss.MeanSquaredError) loss /= outputSize;

        for (int s = 0; s < batch; s++)
        {
            for (int l = last - 1; l >= 0; l--)
            {
                int n = _sizes[l], m = _sizes[l + 1];
                ReadOnlySpan<float> x = _activations[l].AsSpan(s * n, n);
                ReadOnlySpan<float> dy = _deltas[l + 1].AsSpan(s * m, m);
                Span<float> gw = _gradients.AsSpan(_weightOffsets[l], n * m);
                Span<float> gb = _gradients.AsSpan(_biasOffsets[l], m);
                ReadOnlySpan<float> w = Weights(l);
                TensorPrimitives.Add(gb, dy, gb);
                for (int o = 0; o < m; o++)
                {
                    Span<float> row = gw.Slice(o * n, n);
                    TensorPrimitives.MultiplyAdd(x, dy[o], row, row);
                }
                if (l == 0) break;
                Span<float> dx = _deltas[l].AsSpan(s * n, n);
                dx.Clear();
                for (int o = 0; o < m; o++)
                    TensorPrimitives.MultiplyAdd(w.Slice(o * n, n), dy[o], dx, dx);
                for (int i = 0; i < n; i++)
                    if (!(x[i] > 0f)) dx[i] = 0f; // ReLU'
            }
        }

        Adam();
        return (float)(loss / batch);
    }

    private void Adam()
    {
        const float Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;
        _step++;
        float correction1 = 1f - MathF.Pow(Beta1, _step);
        float correction2 = 1f - MathF.Pow(Beta2, _step);
        Span<float> p = _parameters, m = _m, v = _v, t = _scratch;
        ReadOnlySpan<float> g = _gradients;
        TensorPrimitives.Multiply(m, Beta1, m);
        TensorPrimitives.MultiplyAdd(g, 1f - Beta1, m, m);          // m = β₁m + (1−β₁)g
        TensorPrimitives.Multiply(g, g, t);
        TensorPrimitives.Multiply(v, Beta2, v);
        TensorPrimitives.MultiplyAdd(t, 1f - Beta2, v, v);          // v = β₂v + (1−β₂)g²
        TensorPrimitives.Sqrt(v, t);
        TensorPrimitives.Multiply(t, 1f / MathF.Sqrt(correction2), t);
        TensorPrimitives.Add(t, Epsilon, t);                         // √v̂ + ε
        TensorPrimitives.Divide(m, t, t);
        TensorPrimitives.MultiplyAdd(t, -_learningRate / correction1, p, p);
    }
}
