using StaticNet;

namespace TransferLearning;

// The same trunk twice: two convolutions and a 128-unit layer (tensors 0.*, 3.*, 7.*), then a 5-class head. The head's
// name differs, so that a non-strict load of the pretrained file fills the trunk and leaves the new head as initialised.

/// <summary>Pretraining: the trunk and a head for task A's five classes.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(16, 3, Activation.ReLU, Padding = 1)]
[MaxPool2D(2)]
[Conv2D(32, 3, Activation.ReLU, Padding = 1)]
[MaxPool2D(2)]
[Flatten]
[Dense(128, Activation.ReLU)]
[Dense(5, Name = "pretext")]
public partial class PretrainCnn { }

/// <summary>The new task: the same trunk and a new head for task B's five classes.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(16, 3, Activation.ReLU, Padding = 1)]
[MaxPool2D(2)]
[Conv2D(32, 3, Activation.ReLU, Padding = 1)]
[MaxPool2D(2)]
[Flatten]
[Dense(128, Activation.ReLU)]
[Dense(5, Name = "head")]
public partial class TransferCnn { }
