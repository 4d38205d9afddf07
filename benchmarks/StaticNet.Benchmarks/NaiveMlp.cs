using System;

namespace StaticNet.Benchmarks;

/// <summary>Which loss a baseline MLP trains with.</summary>
public enum BaselineLoss
{
    /// <summary>Softmax cross-entropy with class labels.</summary>
    SoftmaxCrossEntropy,

    /// <summary>Mean squared error (the mean over samples and outputs, as PyTorch's MSELoss).</summary>
    MeanSquaredError,
}

/// <summary>
/// The naive baseline: an MLP written the way most C# code would, with plain float[] loops. Sizes are given at run time
/// (<c>sizes[0]</c> inputs, then one Dense layer per following entry, ReLU on every hidden layer, a linear output);
/// weights are <c>[out, in]</c> as PyTorch's; one flat parameter array (per layer W then b); Adam with PyTorch's defaults.
/// Allocation-free after construction.
/// </summary>
public sealed class NaiveMlp
{
    private readonly int[] _sizes;
    private readonly int[] _weightOffsets;
    private readonly int[] _biasOffsets;
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _m;
    private readonly float[] _v;
    private readonly float[][] _activations; // per layer, maxBatch × size (index 0 holds the inputs)
    private readonly float[][] _deltas;
    private readonly BaselineLoss _loss;
    private readonly float _learningRate;
    private long _step;

    public NaiveMlp(int[] sizes, BaselineLoss loss, int maxBatch, int seed, float learningRate = 1e-3f)
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
            float[] x = _activations[l], y = _activations[l + 1], p = _parameters;
            int w = _weightOffsets[l], b = _biasOffsets[l];
            bool relu = l + 2 < _sizes.Length;
            for (int o = 0; o < m; o++)
            {
                float sum = p[b + o];
                for (int i = 0; i < n; i++)
                    sum += p[w + o * n + i] * x[s * n + i];
                y[s * m + o] = relu && sum < 0f ? 0f : sum;
            }
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
        int inputSize = _sizes[0], outputSize = _sizes[^1], last = _sizes.Length - 1;
        int batch = inputs.Length / inputSize;
        inputs.CopyTo(_activations[0]);
        Array.Clear(_gradients);
        double loss = 0;
        float[] logits = _activations[last], delta = _deltas[last];
        for (int s = 0; s < batch; s++)
        {
            ForwardSample(s);
            int o0 = s * outputSize;
            if (_loss == BaselineLoss.SoftmaxCrossEntropy)
            {
                float max = float.NegativeInfinity;
                for (int j = 0; j < outputSize; j++) max = MathF.Max(max, logits[o0 + j]);
                float sum = 0f;
                for (int j = 0; j < outputSize; j++) sum += MathF.Exp(logits[o0 + j] - max);
                loss -= logits[o0 + labels[s]] - max - MathF.Log(sum);
                for (int j = 0; j < outputSize; j++)
                    delta[o0 + j] = (MathF.Exp(logits[o0 + j] - max) / sum - (j == labels[s] ? 1f : 0f)) / batch;
            }
            else
            {
                for (int j = 0; j < outputSize; j++)
                {
                    float d = logits[o0 + j] - targets[o0 + j];
                    loss += d * d;
                    delta[o0 + j] = 2f * d / (batch * outputSize);
                }
            }
        }
        if (_loss == BaselineLoss.MeanSquaredError) loss /= outputSize;

        for (int s = 0; s < batch; s++)
        {
            for (int l = last - 1; l >= 0; l--)
            {
                int n = _sizes[l], m = _sizes[l + 1];
                float[] x = _activations[l], dy = _deltas[l + 1], dx = _deltas[l], p = _parameters, g = _gradients;
                int w = _weightOffsets[l], b = _biasOffsets[l];
                for (int o = 0; o < m; o++)
                {
                    float d = dy[s * m + o];
                    g[b + o] += d;
                    for (int i = 0; i < n; i++)
                        g[w + o * n + i] += d * x[s * n + i];
                }
                if (l == 0) break;
                for (int i = 0; i < n; i++)
                {
                    float sum = 0f;
                    for (int o = 0; o < m; o++)
                        sum += p[w + o * n + i] * dy[s * m + o];
                    dx[s * n + i] = x[s * n + i] > 0f ? sum : 0f; // ReLU'
                }
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
        float stepSize = _learningRate / correction1;
        float inverseSqrtCorrection2 = 1f / MathF.Sqrt(correction2);
        float[] p = _parameters, g = _gradients, m = _m, v = _v;
        for (int i = 0; i < p.Length; i++)
        {
            m[i] = Beta1 * m[i] + (1f - Beta1) * g[i];
            v[i] = Beta2 * v[i] + (1f - Beta2) * g[i] * g[i];
            p[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) * inverseSqrtCorrection2 + Epsilon);
        }
    }
}
