using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Onnx;

/// <summary>
/// LSTM, GRU and RNN nodes as torch.onnx.export writes a batch-first <c>nn.LSTM</c> / <c>nn.GRU</c> / <c>nn.RNN</c>: one
/// node per layer of the stack (<c>num_layers</c>), both directions in one node (<c>bidirectional</c>), joined in
/// time-major order by Squeeze (one direction) or Transpose(0, 2, 1, 3) + Reshape (two), each layer's zero initial state a
/// zero constant, a Slice of one, or absent. The consecutive nodes become one recurrent layer with <c>NumLayers</c> and
/// <c>Bidirectional</c>, whose tensors are PyTorch's (<c>weight_ih_l1_reverse</c>, …).
/// </summary>
internal sealed partial class OnnxImporter
{
    private static string TorchModule(LayerKind kind) => kind switch { LayerKind.LSTM => "nn.LSTM", LayerKind.GRU => "nn.GRU", _ => "nn.RNN" };

    /// <summary>One node of a recurrent stack, checked: its weights, hidden size, directions and activation.</summary>
    private sealed record RecurrentNode(OnnxTensor W, OnnxTensor R, OnnxTensor B, long Hidden, int Directions, ActivationKind Activation);

    private string? Recurrent(OnnxNode first, List<long> dims, LayerKind kind, int gates, string order)
    {
        if (!_timeMajor || dims.Count != 2)
        {
            Error(first, $"its input is not a batch-first sequence [batch, T, features] transposed to time-major; expected the pattern torch.onnx.export writes for {TorchModule(kind)}(batch_first=True)");
            return null;
        }
        _timeMajor = false;
        long steps = dims[0], features = dims[1];
        string name = LayerName(first, null);
        var sources = new List<OnnxSourceSpec>();
        var nodeNames = new List<string>();
        OnnxNode node = first;
        RecurrentNode? bottom = null;
        int layers = 0;
        bool sequences;
        string result;
        while (true)
        {
            RecurrentNode? checkedNode = CheckRecurrent(node, kind, gates, features);
            if (checkedNode is null) return null;
            if (bottom is null) bottom = checkedNode;
            else if (checkedNode.Hidden != bottom.Hidden || checkedNode.Directions != bottom.Directions || checkedNode.Activation != bottom.Activation)
            {
                Error(node, $"is stacked on '{NodeName(first)}' with hidden_size {checkedNode.Hidden}, {Direction(checkedNode.Directions)}{(kind == LayerKind.SimpleRNN ? ", " + checkedNode.Activation : "")}; " +
                    $"expected the layers of one {TorchModule(kind)}(num_layers > 1): hidden_size {bottom.Hidden}, {Direction(bottom.Directions)}{(kind == LayerKind.SimpleRNN ? ", " + bottom.Activation : "")}");
                return null;
            }
            long hidden = checkedNode.Hidden;
            int size = (int)(gates * hidden);
            for (int d = 0; d < checkedNode.Directions; d++)
            {
                string suffix = "_l" + layers + (d == 1 ? "_reverse" : "");
                sources.Add(new OnnxSourceSpec(name + ".weight_ih" + suffix, checkedNode.W.Name, (int)(d * size * features), GateOrder: order));
                sources.Add(new OnnxSourceSpec(name + ".weight_hh" + suffix, checkedNode.R.Name, (int)(d * size * hidden), GateOrder: order));
                sources.Add(new OnnxSourceSpec(name + ".bias_ih" + suffix, checkedNode.B.Name, d * 2 * size, GateOrder: order));
                sources.Add(new OnnxSourceSpec(name + ".bias_hh" + suffix, checkedNode.B.Name, d * 2 * size + size, GateOrder: order));
            }
            layers++;
            features = checkedNode.Directions * hidden;
            if (layers > 1) nodeNames.Add($"'{NodeName(node)}'");

            if (node.Outputs.Count > 2 && node.Outputs[2].Length > 0 && DataConsumers(node.Outputs[2]).Count > 0)
            {
                Error(node, "its final cell state Y_c is used; expected only the hidden states");
                return null;
            }
            List<OnnxNode> yReaders = DataConsumers(node.Outputs[0]);
            List<OnnxNode> hReaders = node.Outputs.Count > 1 && node.Outputs[1].Length > 0 ? DataConsumers(node.Outputs[1]) : new List<OnnxNode>();
            // Every step, time-major [T, batch, D·H]: the next layer of the stack, or the Transpose back to batch-first.
            if (hReaders.Count == 0 && TimeMajorSteps(node, checkedNode, steps, nodeNames) is { } glued)
            {
                OnnxNode? next = SingleConsumer(glued);
                if (next is not null && next.OpType == node.OpType && next.Inputs.Count > 0 && next.Inputs[0] == glued)
                {
                    node = next;
                    continue;
                }
                if (next is { OpType: "Transpose" } back && back.Attribute("perm")?.Ints.SequenceEqual(new long[] { 1, 0, 2 }) == true)
                {
                    sequences = true;
                    result = back.Outputs[0];
                    nodeNames.Add($"'{NodeName(back)}'");
                    if (SingleConsumer(result) is { OpType: "Gather" } gather && gather.Inputs[0] == result && Int(gather, "axis", 0) == 1
                        && Evaluate(gather.Inputs[1]) is { Length: 1 } index && (index[0] == -1 || index[0] == steps - 1)
                        && (Constant(gather.Inputs[1])?.Dims.Length ?? 0) == 0)
                    {
                        sequences = false;
                        result = gather.Outputs[0];
                        nodeNames.Add($"'{NodeName(gather)}'");
                    }
                    break;
                }
                Error(next ?? node, $"reads the time-major output of {TorchModule(kind)} node '{NodeName(node)}'; expected another {node.OpType} node (the next layer of the stack) or Transpose(perm [1, 0, 2]) back to batch-first, as torch.onnx.export writes");
                return null;
            }
            // The last step's state, Y_h → Squeeze(axes [0]): one layer, one direction (PyTorch's h_n[0]).
            if (layers == 1 && checkedNode.Directions == 1 && yReaders.Count == 0 && hReaders.Count == 1 && hReaders[0] is { OpType: "Squeeze" } hs && OneAxis(SqueezeAxes(hs), 0))
            {
                sequences = false;
                result = hs.Outputs[0];
                nodeNames.Add($"'{NodeName(hs)}'");
                break;
            }
            Error(node, "its outputs are used in a way import does not know; expected Y → Squeeze(axes [1]) (one direction) or Y → Transpose(perm [0, 2, 1, 3]) → Reshape to [T, batch, 2·hidden] (bidirectional), " +
                "then the next layer of the stack or Transpose(perm [1, 0, 2]) (every step, optionally then Gather(axis 1, index -1) for the last); or, for one layer in one direction, Y_h → Squeeze(axes [0]) (the last step), as torch.onnx.export writes for a batch-first layer " +
                "(a model that reads h_n of a stacked or bidirectional layer: read output[:, -1] instead, or declare the network with attributes)");
            return null;
        }
        AddLayer(first, new LayerSpec(kind, 0, EquatableArray<int>.Empty, (int)bottom.Hidden, bottom.Activation, name,
            new RecurrentOptions(ReturnSequences: sequences, NumLayers: layers, Bidirectional: bottom.Directions == 2)));
        _layerNodes[_layerNodes.Count - 1] += ", " + string.Join(", ", nodeNames);
        foreach (OnnxSourceSpec source in sources) AddSource(source);
        dims.Clear();
        if (sequences) dims.Add(steps);
        dims.Add(features);
        return result;
    }

    private static string Direction(int directions) => directions == 2 ? "bidirectional" : "forward";

    /// <summary>
    /// Y [T, D, batch, H] as time-major steps [T, batch, D·H]: Squeeze(axes [1]) for one direction, Transpose(perm
    /// [0, 2, 1, 3]) + Reshape for two; the glue's output, or null when Y is read otherwise.
    /// </summary>
    private string? TimeMajorSteps(OnnxNode node, RecurrentNode layer, long steps, List<string> nodeNames)
    {
        OnnxNode? reader = SingleConsumer(node.Outputs[0]);
        if (layer.Directions == 1)
        {
            if (reader is { OpType: "Squeeze" } squeeze && OneAxis(SqueezeAxes(squeeze), 1))
            {
                nodeNames.Add($"'{NodeName(squeeze)}'");
                return squeeze.Outputs[0];
            }
            return null;
        }
        if (reader is not { OpType: "Transpose" } transpose || transpose.Attribute("perm")?.Ints.SequenceEqual(new long[] { 0, 2, 1, 3 }) != true) return null;
        if (SingleConsumer(transpose.Outputs[0]) is not { OpType: "Reshape" } reshape || reshape.Inputs.Count < 2 || reshape.Inputs[0] != transpose.Outputs[0]) return null;
        long[]? shape = Evaluate(reshape.Inputs[1]);
        long width = 2 * layer.Hidden;
        bool fits = shape is { Length: 3 } && (shape[0] == 0 || shape[0] == steps)
            && (shape[1] is 0 || shape[1] == Batch || shape[1] == -1 && shape[2] == width)
            && (shape[2] == width || shape[2] == -1 && shape[1] != -1);
        if (!fits) return null;
        nodeNames.Add($"'{NodeName(transpose)}'");
        nodeNames.Add($"'{NodeName(reshape)}'");
        return reshape.Outputs[0];
    }

    /// <summary>Checks one LSTM / GRU / RNN node reading <paramref name="features"/> per step; null after an error.</summary>
    private RecurrentNode? CheckRecurrent(OnnxNode node, LayerKind kind, int gates, long features)
    {
        if (!Floats(node, 1, out OnnxTensor? w) || w is null || !Floats(node, 2, out OnnxTensor? r) || r is null) return null;
        if (node.Inputs.Count <= 3 || node.Inputs[3].Length == 0)
        {
            Error(node, $"has no bias B ({TorchModule(kind)}(bias=False)); expected B, as StaticNet's recurrent layers always have bias_ih and bias_hh");
            return null;
        }
        if (!Floats(node, 3, out OnnxTensor? b) || b is null) return null;
        if (node.Inputs.Count > 4 && node.Inputs[4].Length > 0) { Error(node, "sequence_lens is set; expected every sequence to have the full length (no sequence_lens)"); return null; }
        for (int i = 5; i < node.Inputs.Count; i++)
            if (node.Inputs[i].Length > 0 && !IsZero(node.Inputs[i]))
            {
                Error(node, $"initial state '{node.Inputs[i]}' is not zero; expected a zero (or absent) initial state, as {TorchModule(kind)} starts without one");
                return null;
            }
        string direction = node.Attribute("direction")?.S ?? "forward";
        int directions = direction switch { "forward" => 1, "bidirectional" => 2, _ => 0 };
        if (directions == 0)
        {
            Error(node, $"direction = \"{direction}\" is not supported; expected \"forward\" or \"bidirectional\" (PyTorch's bidirectional = False or True)");
            return null;
        }
        long hidden = Int(node, "hidden_size", 0);
        if (hidden <= 0 || w.Dims.Length != 3 || w.Dims[0] != directions || w.Dims[1] != gates * hidden || w.Dims[2] != features)
        {
            Error(node, $"W '{w.Name}' {w.ShapeText} with hidden_size {hidden} does not fit an input of {features} features; expected [{directions}, {gates}·hidden, {features}]");
            return null;
        }
        if (r.Dims.Length != 3 || r.Dims[0] != directions || r.Dims[1] != gates * hidden || r.Dims[2] != hidden)
        {
            Error(node, $"R '{r.Name}' {r.ShapeText}; expected [{directions}, {gates * hidden}, {hidden}]");
            return null;
        }
        if (b.ElementCount != directions * 2 * gates * hidden) { Error(node, $"B '{b.Name}' {b.ShapeText}; expected [{directions}, {2 * gates * hidden}]"); return null; }
        if (node.Attribute("clip") is not null) { Error(node, "clip is set; expected no cell clipping (PyTorch has none)"); return null; }
        if (Int(node, "input_forget", 0) != 0) { Error(node, "input_forget = 1 is not supported; expected 0"); return null; }
        if (Int(node, "layout", 0) != 0) { Error(node, "layout = 1 is not supported; expected 0 (time-major, as torch.onnx.export writes)"); return null; }
        if (kind == LayerKind.GRU && Int(node, "linear_before_reset", 0) != 1)
        {
            Error(node, "linear_before_reset = 0 is not supported; expected 1 (PyTorch's GRU, which applies the reset gate after the hidden-to-hidden product)");
            return null;
        }
        ActivationKind activation = ActivationKind.None;
        List<string> activations = node.Attribute("activations") is { } a ? ReadStrings(a) : new List<string>();
        int perDirection = kind switch { LayerKind.LSTM => 3, LayerKind.GRU => 2, _ => 1 };
        if (activations.Count > 0 && activations.Count != perDirection * directions)
        {
            Error(node, $"activations [{string.Join(", ", activations)}] has {activations.Count} entries; expected {perDirection * directions} ({perDirection} per direction)");
            return null;
        }
        for (int d = 1; d < directions && activations.Count > 0; d++)
            if (!activations.Skip(d * perDirection).Take(perDirection).SequenceEqual(activations.Take(perDirection)))
            {
                Error(node, $"activations [{string.Join(", ", activations)}] differ between the directions; expected the same functions for both (as PyTorch's)");
                return null;
            }
        if (kind == LayerKind.SimpleRNN)
        {
            string f = activations.Count > 0 ? activations[0] : "Tanh";
            activation = f switch { "Tanh" => ActivationKind.Tanh, "Relu" => ActivationKind.ReLU, _ => ActivationKind.None };
            if (activation == ActivationKind.None) { Error(node, $"activation \"{f}\" is not supported; expected Tanh or Relu (nn.RNN's nonlinearity)"); return null; }
        }
        else if (activations.Count > 0 && !activations.Take(perDirection).SequenceEqual(kind == LayerKind.LSTM ? new[] { "Sigmoid", "Tanh", "Tanh" } : new[] { "Sigmoid", "Tanh" }))
        {
            Error(node, $"activations [{string.Join(", ", activations)}] are not supported; expected the defaults");
            return null;
        }
        return new RecurrentNode(w, r, b, hidden, directions, activation);
    }
}
