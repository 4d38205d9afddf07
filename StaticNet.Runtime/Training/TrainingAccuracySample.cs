using System;
using StaticNet.Metrics;

namespace StaticNet.Training;

/// <summary>
/// The training samples whose accuracy <see cref="Trainer.Fit"/> records after each epoch
/// (<see cref="EpochRecord.TrainAccuracy"/>): as many as the validation set has, chosen once with the run's seed (the
/// whole training set when it is no larger), read in place through one chunk buffer rather than copied.
/// </summary>
internal sealed class TrainingAccuracySample
{
    private const int ChunkRows = ConfusionMatrix.PredictionChunkRows;
    private readonly int[] _indices;
    private readonly float[] _inputs;
    private readonly float[] _outputs;

    private TrainingAccuracySample(int[] indices, int inputSize, int outputSize)
    {
        _indices = indices;
        _inputs = new float[Math.Min(ChunkRows, indices.Length) * inputSize];
        _outputs = new float[Math.Min(ChunkRows, indices.Length) * outputSize];
    }

    /// <summary>The sample for a run, or null when nothing is to be measured (no validation set, or not a classifier).</summary>
    public static TrainingAccuracySample? For(ITrainableNetwork network, Dataset train, Dataset? validation, int seed)
    {
        bool classifier = network.OutputSize > 1 || network.Loss == Loss.BinaryCrossEntropy;
        if (validation is null || !classifier) return null;
        var indices = new int[train.Count];
        for (int i = 0; i < indices.Length; i++) indices[i] = i;
        if (validation.Count < train.Count)
        {
            // Its own generator, so that the training shuffle is the same with or without this measurement.
            SeededShuffle.Shuffle(indices, new Random(unchecked(seed * 31 + 17)));
            Array.Resize(ref indices, validation.Count);
            Array.Sort(indices);   // read the chosen rows in memory order
        }
        return new TrainingAccuracySample(indices, train.InputSize, train.OutputSize);
    }

    /// <summary>The number of samples measured.</summary>
    public int Count => _indices.Length;

    /// <summary>The network's accuracy on the sample, in inference mode (<see cref="INetwork.ForwardBatch"/>). Allocates nothing.</summary>
    public double Measure(INetwork network, Dataset train)
    {
        int inputSize = train.InputSize, outputSize = train.OutputSize;
        long correct = 0;
        for (int start = 0; start < _indices.Length; start += ChunkRows)
        {
            int rows = Math.Min(ChunkRows, _indices.Length - start);
            for (int r = 0; r < rows; r++)
                train.GetFeatures(_indices[start + r]).CopyTo(_inputs.AsSpan(r * inputSize, inputSize));
            Span<float> outputs = _outputs.AsSpan(0, rows * outputSize);
            network.ForwardBatch(_inputs.AsSpan(0, rows * inputSize), outputs);
            for (int r = 0; r < rows; r++)
                if (ClassificationMetrics.PredictedClass(outputs.Slice(r * outputSize, outputSize)) == train.GetClass(_indices[start + r])) correct++;
        }
        return (double)correct / _indices.Length;
    }
}
