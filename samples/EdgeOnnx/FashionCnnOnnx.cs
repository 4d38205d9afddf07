using StaticNet;

namespace EdgeOnnx;

/// <summary>
/// The Fashion-MNIST CNN, imported at build time from <c>fashion_cnn.onnx</c> (written by torch.onnx.export):
/// 1×28×28 → Conv(16, 3×3, pad 1)-ReLU-MaxPool(2) → Conv(32, 3×3, pad 1)-ReLU-MaxPool(2) → Flatten → Dense(128)-ReLU →
/// Dense(10). The generator maps the model's operators to StaticNet's layers; its weights are the model's initializers,
/// embedded in the binary and copied in by the constructor.
/// </summary>
[Network(Onnx = "fashion_cnn.onnx")]
public partial class FashionCnnOnnx { }
