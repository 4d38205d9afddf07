using StaticNet;

namespace SeedRecipes;

/// <summary>
/// Recipe 1, the article's Keras model (section 5.2): <c>Dense(20, relu)</c> on 10 inputs → <c>Dense(30, relu)</c> →
/// <c>Dense(1, sigmoid)</c> with binary cross-entropy. The sigmoid lives in the loss (<see cref="Loss.BinaryCrossEntropy"/>
/// is on logits, as PyTorch's <c>BCEWithLogitsLoss</c>): the output is the logit, positive means class 1.
/// </summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(10)]
[Dense(20, Activation.ReLU, Name = "fc1")]
[Dense(30, Activation.ReLU, Name = "fc2")]
[Dense(1, Name = "out")]
public partial class ArticleBinaryNet { }

/// <summary>Recipe 2, the digit classifier: 28 × 28 pixels → 128 ReLU → 10 classes (softmax in the loss).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU, Name = "fc1")]
[Dense(10, Name = "fc2")]
public partial class Mlp784x128x10 { }

/// <summary>
/// Recipe 2 on the real handwritten digits the repository has, which are 8 × 8: the same hidden layer and output on
/// 64 pixels.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(128, Activation.ReLU, Name = "fc1")]
[Dense(10, Name = "fc2")]
public partial class Mlp64x128x10 { }

/// <summary>Recipe 3: 784 → 50 ReLU → 10 ReLU → 1 output, a binary classifier (sigmoid in the loss).</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(784)]
[Dense(50, Activation.ReLU, Name = "fc1")]
[Dense(10, Activation.ReLU, Name = "fc2")]
[Dense(1, Name = "out")]
public partial class Mlp784x50x10x1 { }
