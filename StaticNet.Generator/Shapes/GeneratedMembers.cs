using System.Collections.Generic;
using System.Linq;
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
        Dictionary<string, int[]?> members = NetworkMembers(network);
        foreach (ShapedLayer layer in network.Layers)
            foreach (KeyValuePair<string, int[]?> member in LayerMembers(network, layer))
                members[member.Key] = member.Value;
        return members;
    }

    /// <summary>The members that are not named after a layer.</summary>
    private static Dictionary<string, int[]?> NetworkMembers(ShapedNetwork network)
    {
        var members = new Dictionary<string, int[]?>
        {
            ["InputSize"] = null, ["OutputSize"] = null, ["InputBuffer"] = null, ["OutputBuffer"] = null, ["ParameterCount"] = null, ["ParameterBufferLength"] = null,
            ["ChunkRows"] = null, ["AggressiveOptimization"] = null, ["ActivationBufferLength"] = null, ["RowActivationLength"] = null, ["TrainableLength"] = null, ["s_parameterTensors"] = null, ["s_parameterTensorList"] = null,
            ["t_inferenceActivations"] = null, ["_parameters"] = null, ["Parameters"] = null, ["ParameterTensors"] = null,
            ["Forward"] = new[] { 2 }, ["ForwardBatch"] = new[] { 2 }, ["InferenceActivations"] = new[] { 0 },
            ["LoadSafetensors"] = new[] { 1, 2 }, ["SaveSafetensors"] = new[] { 1, 2 }, ["ForwardRows"] = new[] { 4 },
            ["_exclusive"] = null, ["EnterExclusive"] = new[] { 1 }, ["ExitExclusive"] = new[] { 0 },
            ["s_layers"] = null, ["Layers"] = null,
            ["MaxDegreeOfParallelism"] = null, ["_maxDegreeOfParallelism"] = null, ["_inference"] = null,
            ["InferChunk"] = new[] { 4 }, ["InferenceBatch"] = new[] { 0 },
            ["SaveOnnx"] = new[] { 1 }, ["PyTorchSource"] = null, ["ExportPyTorch"] = new[] { 1 },
        };
        if (network.Spec.EmbeddedWeights is not null) members["LoadEmbeddedWeights"] = new[] { 0 };
        if (network.Spec.Onnx is not null) { members["LoadOnnxWeights"] = new[] { 0 }; members["s_onnxSources"] = null; members["s_onnxResource"] = null; }
        bool trainable = network.Spec.Loss != LossKind.None;
        if (trainable)
        {
            foreach (string field in new[] { "_gradients", "_activations", "_deltas", "Gradients" }) members[field] = null;
            members["ComputeLoss"] = new[] { 2 };
            members["ComputeGradients"] = new[] { 2, 3 };
            members["TrainStep"] = new[] { 3, 4 };
            members["Evaluate"] = new[] { 5 };
            members["TrainingCall"] = new[] { 6 };
            members["BackwardRows"] = new[] { (network.HasInputGradient ? 10 : 9) + (Layers.DenseLayer.DeferredLayer(network) is null ? 0 : 1) }; // + the deferred dy (issue 20)
            foreach (string field in new[] { "s_layerParameters", "s_declaredFrozen", "s_declaredRanges", "_frozen", "_firstTrainable", "_trainableRanges" }) members[field] = null;
            members["Freeze"] = new[] { 1 };
            members["Unfreeze"] = new[] { 1 };
            members["IsFrozen"] = new[] { 1 };
            members["SetFrozen"] = new[] { 3 };
            members["_training"] = null;
            members["TrainChunk"] = new[] { 4 };
            members["LossChunk"] = new[] { 4 };
            members["LossBatch"] = new[] { 0 };
            members["_lossBatch"] = null;
            if (Emit.NetworkEmitter.HasStatistics(network)) members["CommitStatistics"] = new[] { 2 };
            if (network.TrainableLength != network.ParameterBufferLength) members["_stateBackup"] = null;
        }
        if (network.InputCopyOffset >= 0) members["InputCopy"] = null;
        if (network.TakesTokens) members["t_tokens"] = null;
        if (network.SupportsStep)
        {
            foreach (string name in new[] { "StepInputSize", "StepOutputSize", "StepStateLength", "_stepState" }) members[name] = null;
            members["Step"] = new[] { 2 };
            members["ResetState"] = new[] { 0 };
            members["StepBlock"] = new[] { 2 };
        }
        if (trainable && network.HasTrainingMode)
            members["TrainingForwardRows"] = new[] { 4 + (Emit.NetworkEmitter.HasStatistics(network) ? 1 : 0) + (network.UsesRandom ? 1 : 0) };
        if (trainable && network.UsesRandom) members["_random"] = null;
        if (trainable && network.HasInputGradient)
        {
            // [Network(GradientsFromCaller = true)]
            foreach (string field in new[] { "_callerActivations", "_callerDeltas", "_callerInputs", "_callerCount" }) members[field] = null;
            if (Emit.NetworkEmitter.HasStatistics(network)) members["_callerStatistics"] = null;
            foreach (Region region in network.InputGradientRegions) members[region.Name] = null;
            members["ForwardTraining"] = new[] { 2 };
            members["Backward"] = new[] { 1, 2 };
            members["ApplyGradients"] = new[] { 1 };
        }
        if (Emit.SeveralInputsEmitter.Applies(network))
        {
            // Several named inputs: the per-input constants and overloads (SeveralInputsEmitter).
            int inputs = 0;
            foreach (ShapedLayer slice in network.Layers)
            {
                if (slice.Kind != LayerKind.InputSlice) continue;
                members[slice.Identifier + "InputOffset"] = null;
                members[slice.Identifier + "InputSize"] = null;
                members[slice.Identifier + "InputBuffer"] = null;
                inputs++;
            }
            AddCount(members, "Forward", inputs + 1);
            AddCount(members, "ForwardBatch", inputs + 1);
            members["PackInputs"] = new[] { inputs + 1 };
            if (trainable && !Emit.HeadsEmitter.Applies(network))
            {
                AddCount(members, "ComputeLoss", inputs + 1);
                AddCount(members, "ComputeGradients", inputs + 2);
                AddCount(members, "TrainStep", inputs + 3);
            }
            if (trainable && network.HasInputGradient)
            {
                AddCount(members, "ForwardTraining", inputs + 1);
                AddCount(members, "Backward", inputs + 1);
            }
        }
        Emit.HeadsEmitter.AddMembers(network, members); // several [Output]s
        return members;
    }

    /// <summary>Adds a parameter count to a method's.</summary>
    internal static void AddCount(Dictionary<string, int[]?> members, string name, int count) =>
        members[name] = (members.TryGetValue(name, out int[]? counts) && counts is not null ? counts : new int[0]).Concat(new[] { count }).Distinct().ToArray();

    /// <summary>The members named after one layer's identifier: a constant per tensor and region, its methods (any parameter list).</summary>
    private static IEnumerable<KeyValuePair<string, int[]?>> LayerMembers(ShapedNetwork network, ShapedLayer layer)
    {
        bool trainable = network.Spec.Loss != LossKind.None;
        string id = layer.Identifier;
        foreach (TensorSpec tensor in layer.Tensors) yield return new(id + tensor.ConstantSuffix, null);
        foreach (Region region in layer.Regions) yield return new(id + region.Name, null);
        if (layer.Fusion != LayerFusion.IntoPrevious) yield return new(id + "Forward", AnyParameters); // a fused activation has no code of its own
        if (trainable) yield return new(id + "Backward", AnyParameters);
        foreach ((string suffix, bool isMethod) in layer.Definition.ExtraMembers(layer.Spec, trainable))
            yield return new(id + suffix, isMethod ? AnyParameters : null);
        if (network.SupportsStep && !layer.Definition.IsIdentityAtInference) yield return new(id + "Step", null);
    }

    /// <summary>
    /// The network with layer identifiers whose members do not collide with each other's or with the network's (a layer
    /// named <c>train</c> would declare <c>TrainStep</c>; layers <c>a</c> and <c>a.training</c> would both declare
    /// <c>ATrainingForward</c>): a colliding layer's identifier gets <c>_</c> and its index, which no name-made identifier
    /// contains. Called by shape inference, so the generator and the analyzers see the same names.
    /// </summary>
    public static ShapedNetwork WithDistinctMemberNames(ShapedNetwork network)
    {
        ShapedLayer[] layers = network.Layers.AsSpan().ToArray();
        var taken = new HashSet<string>(NetworkMembers(network).Keys);
        bool changed = false;
        for (int i = 0; i < layers.Length; i++)
        {
            List<string> names = LayerMembers(network, layers[i]).Select(m => m.Key).ToList();
            if (names.Exists(taken.Contains) || names.Distinct().Count() != names.Count)
            {
                layers[i] = layers[i] with { Identifier = layers[i].Identifier + "_" + i };
                names = LayerMembers(network, layers[i]).Select(m => m.Key).ToList();
                changed = true;
            }
            taken.UnionWith(names);
        }
        return changed ? network with { Layers = new EquatableArray<ShapedLayer>(layers) } : network;
    }

    /// <summary>Marks a method name as taken whatever its parameters.</summary>
    public static readonly int[] AnyParameters = { -1 };

    /// <summary>A user member's key: its name and, for a method, its parameter count (-1 for anything else).</summary>
    public static string Key(string name, int parameters) => parameters < 0 ? name : name + "(" + parameters + ")";

    /// <summary>Whether a user member with this key clashes with a member generated for the network.</summary>
    public static bool Clashes(Dictionary<string, int[]?> generated, string key)
    {
        int open = key.IndexOf('(');
        string name = open < 0 ? key : key.Substring(0, open);
        if (name == ".ctor") return true; // a constructor taking nothing or one int: the generated ones do
        if (!generated.TryGetValue(name, out int[]? parameterCounts)) return false;
        if (open < 0 || parameterCounts is null || ReferenceEquals(parameterCounts, AnyParameters)) return true;
        int parameters = int.Parse(key.Substring(open + 1, key.Length - open - 2), System.Globalization.CultureInfo.InvariantCulture);
        return System.Array.IndexOf(parameterCounts, parameters) >= 0;
    }

    /// <summary>
    /// Whether the generated code would not compile next to the user's: a member of the user's clashes with a generated
    /// one, or the class has the name of a generated member (a member cannot have its class's name).
    /// </summary>
    public static bool HasConflict(ShapedNetwork network)
    {
        Dictionary<string, int[]?> generated = Of(network);
        if (generated.ContainsKey(network.Spec.ClassName)) return true;
        foreach (string key in network.Spec.UserMembers)
            if (Clashes(generated, key)) return true;
        return false;
    }
}
