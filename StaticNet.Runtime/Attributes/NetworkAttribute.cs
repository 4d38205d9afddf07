using System;

namespace StaticNet;

/// <summary>
/// Marks a <c>partial class</c> as a StaticNet network and sets its training loss. The layers are the
/// class's <see cref="InputAttribute"/> and layer attributes, in source order.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>The loss that <c>TrainStep</c> minimises; <see cref="StaticNet.Loss.None"/> makes the network inference-only.</summary>
    public Loss Loss { get; set; } = Loss.None;

    /// <summary>
    /// The name of a manifest resource of the assembly that holds the network's trained weights as safetensors (add the
    /// file with <c>&lt;EmbeddedResource Include="model.safetensors" LogicalName="model.safetensors" /&gt;</c>).
    /// When set, the class gets <c>LoadEmbeddedWeights()</c>, which reads them in place from the loaded assembly: no
    /// file system, and no allocation in proportion to the weights.
    /// </summary>
    public string? EmbeddedWeights { get; set; }

    /// <summary>
    /// The path of the layers' module in the state dict, ending with '.': with <c>"layers."</c> the tensors are named
    /// <c>layers.0.weight</c>, … as in a model that holds its <c>nn.Sequential</c> in <c>self.layers</c>. Empty by
    /// default: the names of a bare <c>nn.Sequential</c> (<c>0.weight</c>, <c>2.weight</c>, …). The prefix applies to
    /// explicit <c>Name</c>s too. An invalid prefix is error SNET008.
    /// </summary>
    public string NamePrefix { get; set; } = "";

    /// <summary>
    /// An ONNX model to import at build time instead of layer attributes: the path of a file given to the generator as an
    /// <c>AdditionalFiles</c> item and embedded in the assembly (add it with <c>&lt;StaticNetOnnx Include="model.onnx" /&gt;</c>).
    /// The generator maps the model's operators to StaticNet's layers and generates the same code as the equivalent
    /// attributes; the constructors load the model's initializers as the weights, read in place from the assembly. An
    /// operator, attribute or shape the import cannot honour is build error SNET027, naming the node.
    /// </summary>
    public string? Onnx { get; set; }

    /// <summary>
    /// The β of <see cref="StaticNet.Loss.Huber"/>, PyTorch's <c>SmoothL1Loss(beta=...)</c>: where the loss turns from
    /// quadratic (|y − t| &lt; β) to linear. 1 by default, as PyTorch's; must be positive and finite (error SNET019 otherwise).
    /// Ignored by the other losses.
    /// </summary>
    public float HuberBeta { get; set; } = 1f;

    /// <summary>
    /// Whether the network also trains from gradients the caller computes (<see langword="false"/> by default): it gets
    /// <c>ForwardTraining(inputs, outputs)</c>, a training-mode forward pass that keeps what the backward pass needs, and
    /// <c>Backward(outputGradients, inputGradients)</c>, which fills <c>Gradients</c> from ∂L/∂output and writes ∂L/∂input
    /// (DDPG's ∂Q/∂a, a GAN's generator through its discriminator, adversarial inputs); <c>ApplyGradients(optimizer)</c>
    /// then takes one step. Needs a <see cref="Loss"/> (the training members). Off by default because the first layers'
    /// backward passes then also compute the gradient of the input.
    /// </summary>
    public bool GradientsFromCaller { get; set; }
}
