using System.Collections.Generic;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Shapes;

/// <summary>
/// The names of the members the emitter adds to a network's class, so that the analyzers can report a user's member
/// that would collide with one. A test compiles generated networks and checks this list against what was emitted.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>Name → the parameter counts of the generated methods of that name, or null for a field, property or constant.</summary>
    public static Dictionary<string, int[]?> Of(ShapedNetwork network)
    {
        var members = new Dictionary<string, int[]?>
        {
            ["InputSize"] = null, ["OutputSize"] = null, ["InputBuffer"] = null, ["OutputBuffer"] = null, ["ParameterCount"] = null, ["ParameterBufferLength"] = null,
            ["ChunkRows"] = null, ["ActivationBufferLength"] = null, ["RowActivationLength"] = null, ["TrainableLength"] = null, ["s_parameterTensors"] = null, ["s_parameterTensorList"] = null,
            ["t_inferenceActivations"] = null, ["_parameters"] = null, ["Parameters"] = null, ["ParameterTensors"] = null,
            ["Forward"] = new[] { 2 }, ["ForwardBatch"] = new[] { 2 }, ["InferenceActivations"] = new[] { 0 },
            ["LoadSafetensors"] = new[] { 1, 2 }, ["SaveSafetensors"] = new[] { 1, 2 }, ["ForwardRows"] = new[] { 4 },
        };
        if (network.Spec.EmbeddedWeights is not null) members["LoadEmbeddedWeights"] = new[] { 0 };
        bool trainable = network.Spec.Loss != LossKind.None;
        if (trainable)
        {
            foreach (string field in new[] { "_gradients", "_activations", "_deltas", "Gradients" }) members[field] = null;
            members["ComputeLoss"] = new[] { 2 };
            members["ComputeGradients"] = new[] { 2 };
            members["TrainStep"] = new[] { 3 };
            members["Evaluate"] = new[] { 4 };
            members["Step"] = new[] { 2 };
            members["BackwardRows"] = new[] { 6 };
        }
        if (network.InputCopyOffset >= 0) members["InputCopy"] = null;
        if (network.TakesTokens) members["t_tokens"] = null;
        if (network.SupportsStep)
        {
            foreach (string name in new[] { "StepInputSize", "StepOutputSize", "StepStateLength", "_stepState" }) members[name] = null;
            members["Step"] = new[] { 2 };
            members["ResetState"] = new[] { 0 };
            members["StepBlock"] = new[] { 2 };
            foreach (ShapedLayer layer in network.Layers)
                if (layer.Kind != LayerKind.Dropout) members[layer.Identifier + "Step"] = null;
        }
        if (trainable && network.HasTrainingMode) members["TrainingForwardRows"] = new[] { 4 };
        if (trainable && network.UsesRandom) members["_random"] = null;
        foreach (ShapedLayer layer in network.Layers)
        {
            // Layer members: one constant per tensor and region, and the layer's methods (any parameter list).
            string id = layer.Identifier;
            foreach (TensorSpec tensor in layer.Tensors) members[id + tensor.ConstantSuffix] = null;
            foreach (Region region in layer.Regions) members[id + region.Name] = null;
            members[id + "Forward"] = AnyParameters;
            if (trainable) members[id + "Backward"] = AnyParameters;
            if (layer.Kind is LayerKind.Conv2D or LayerKind.Conv1D) members[id + "Geometry"] = null;
            if (trainable && layer.Kind is LayerKind.BatchNorm or LayerKind.Dropout) members[id + "TrainingForward"] = AnyParameters;
        }
        return members;
    }

    /// <summary>Marks a method name as taken whatever its parameters.</summary>
    public static readonly int[] AnyParameters = { -1 };
}
