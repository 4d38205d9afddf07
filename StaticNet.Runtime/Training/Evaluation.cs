namespace StaticNet.Training;

/// <summary>The mean loss of a network on a dataset and, for classifiers, its accuracy (see <see cref="Trainer.Evaluate"/>).</summary>
/// <param name="Loss">The mean loss over every sample.</param>
/// <param name="Accuracy">The fraction of samples classified correctly, or null when the network is not a classifier.</param>
public readonly record struct Evaluation(double Loss, double? Accuracy);
