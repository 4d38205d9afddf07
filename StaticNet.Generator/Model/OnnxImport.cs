namespace StaticNet.Generator.Model;

/// <summary>Where one of an imported network's tensors comes from (mirrors the runtime's <c>OnnxTensorSource</c>).</summary>
/// <param name="Tensor">The network's tensor name, e.g. <c>fc1.weight</c>, <c>lstm.bias_hh_l0</c> (without the name prefix).</param>
/// <param name="Initializer">The ONNX initializer, or null for a tensor that starts at zero (a missing bias, num_batches_tracked).</param>
/// <param name="Start">The initializer's first element the tensor takes.</param>
/// <param name="Transpose">Whether the initializer is the tensor's 2-D transpose.</param>
/// <param name="GateOrder">For recurrent tensors, the ONNX row block of each PyTorch row block, comma-separated; empty otherwise.</param>
/// <param name="Elements">The initializer's element count at build time (checked again when the weights load), or 0 without one.</param>
internal sealed record OnnxSourceSpec(string Tensor, string? Initializer, int Start = 0, bool Transpose = false, string GateOrder = "", long Elements = 0);

/// <summary>What an imported network adds to its spec: the embedded model's resource name and each tensor's source.</summary>
internal sealed record OnnxImport(string Resource, EquatableArray<OnnxSourceSpec> Sources, EquatableArray<string> LayerNodes);
