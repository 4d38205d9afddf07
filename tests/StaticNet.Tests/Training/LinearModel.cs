using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using StaticNet.Optimizers;

namespace StaticNet.Tests.Training;

/// <summary>
/// A hand-written trainable network for the trainer's tests: z = W·x + b, with either mean squared error (linear
/// regression) or softmax cross-entropy (softmax regression), and hand-coded gradients.
/// Parameters: W [outputs, inputs] row-major, then b [outputs].
/// </summary>
internal sealed class LinearModel : ITrainableNetwork
{
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _logits;

    public LinearModel(int inputs, int outputs, Loss loss, int seed = 1)
    {
        InputSize = inputs;
        OutputSize = outputs;
        Loss = loss;
        _parameters = new float[outputs * inputs + outputs];
        _gradients = new float[_parameters.Length];
        _logits = new float[outputs];
        var random = new Random(seed);
        for (int i = 0; i < outputs * inputs; i++) _parameters[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
        ParameterTensors = new[]
        {
            new ParameterTensor("fc.weight", new[] { outputs, inputs }, 0),
            new ParameterTensor("fc.bias", new[] { outputs }, outputs * inputs),
        };
    }

    /// <summary>When set, every training step sleeps this long (to make progress reports happen).</summary>
    public TimeSpan StepDelay { get; set; }

    /// <summary>The number of TrainStep calls that applied an update.</summary>
    public int StepsTaken { get; private set; }

    public int InputSize { get; }
    public int OutputSize { get; }
    public int ParameterCount => _parameters.Length;
    public Span<float> Parameters => _parameters;
    public IReadOnlyList<ParameterTensor> ParameterTensors { get; }
    public Loss Loss { get; }
    public Span<float> Gradients => _gradients;

    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        for (int o = 0; o < OutputSize; o++)
        {
            double z = _parameters[OutputSize * InputSize + o];
            for (int i = 0; i < InputSize; i++) z += _parameters[o * InputSize + i] * input[i];
            output[o] = (float)z;
        }
    }

    public void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int rows = inputs.Length / InputSize;
        for (int r = 0; r < rows; r++)
            Forward(inputs.Slice(r * InputSize, InputSize), outputs.Slice(r * OutputSize, OutputSize));
    }

    public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets) => Run(inputs, targets, accumulateGradients: false);

    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
    {
        Array.Clear(_gradients);
        return Run(inputs, targets, accumulateGradients: true);
    }

    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Optimizer optimizer)
    {
        float loss = ComputeGradients(inputs, targets);
        if (!float.IsFinite(loss)) throw new TrainingDivergedException(loss);
        if (StepDelay > TimeSpan.Zero) Thread.Sleep(StepDelay);
        optimizer.Step(_parameters, _gradients);
        StepsTaken++;
        return loss;
    }

    public void LoadSafetensors(Stream stream) => throw new NotSupportedException();
    public void SaveSafetensors(Stream stream) => throw new NotSupportedException();

    // The mean loss; with accumulateGradients, adds dLoss/dParameters into _gradients.
    private float Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, bool accumulateGradients)
    {
        int rows = inputs.Length / InputSize;
        double loss = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = inputs.Slice(r * InputSize, InputSize);
            ReadOnlySpan<float> t = targets.Slice(r * OutputSize, OutputSize);
            Forward(x, _logits);
            if (Loss == Loss.MeanSquaredError)
            {
                for (int o = 0; o < OutputSize; o++)
                {
                    float d = _logits[o] - t[o];
                    loss += (double)d * d / OutputSize;
                    _logits[o] = 2f * d / (rows * OutputSize);   // dLoss/dz
                }
            }
            else
            {
                float max = float.NegativeInfinity;
                foreach (float z in _logits) max = MathF.Max(max, z);
                double sum = 0;
                foreach (float z in _logits) sum += Math.Exp(z - max);
                for (int o = 0; o < OutputSize; o++)
                {
                    double logSoftmax = _logits[o] - max - Math.Log(sum);
                    loss -= t[o] * logSoftmax;
                    _logits[o] = (float)((Math.Exp(logSoftmax) - t[o]) / rows);   // dLoss/dz
                }
            }
            if (!accumulateGradients) continue;
            for (int o = 0; o < OutputSize; o++)
            {
                for (int i = 0; i < InputSize; i++) _gradients[o * InputSize + i] += _logits[o] * x[i];
                _gradients[OutputSize * InputSize + o] += _logits[o];
            }
        }
        return (float)(loss / rows);
    }
}
