"""Runs the PyTorch source StaticNet generates for a network with several named inputs, and sends trained weights back.

    python3 check_pytorch_several_inputs.py DIR NAME INPUT...

DIR holds NAME.py (ExportPyTorch), NAME.safetensors (SaveSafetensors), NAME.onnx (SaveOnnx) and NAME.check.safetensors
(one tensor per INPUT, [n, size], and `output` [n, OutputSize] from Forward). Loads the weights strictly, calls
forward(*inputs) in eval mode and prints "forward DIFFERENCE" (the largest |PyTorch - StaticNet| / max(1, |StaticNet|)).
Then it takes one SGD step (lr 0.1, loss mean(y²)) in PyTorch, writes the state_dict as NAME.trained.safetensors and the
new outputs as NAME.trained.check.safetensors (`output`), for StaticNet's LoadSafetensors to match, and prints "trained".
With the `onnx` package it checks NAME.onnx (onnx.checker, full) and prints "onnx-checked INPUT..." with the graph's
input names in order. Used by tests/StaticNet.Tests/Onnx/OnnxExportSeveralInputsTests.cs; needs torch only.
"""
import importlib.util
import os
import sys
from collections import OrderedDict

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from staticnet_export import read_safetensors, write_safetensors  # noqa: E402


def main(directory, name, inputs):
    spec = importlib.util.spec_from_file_location(name, os.path.join(directory, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = getattr(module, name)()
    model.load_state_dict(read_safetensors(os.path.join(directory, name + ".safetensors")), strict=True)
    model.eval()
    check = read_safetensors(os.path.join(directory, name + ".check.safetensors"))
    xs, expected = [check[i] for i in inputs], check["output"]
    with torch.no_grad():
        y = model(*xs).reshape(expected.shape)
    print("forward", repr(((y - expected).abs() / expected.abs().clamp(min=1)).max().item()))

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    (model(*xs) ** 2).mean().backward()
    optimizer.step()
    write_safetensors(os.path.join(directory, name + ".trained.safetensors"), OrderedDict(model.state_dict()))
    with torch.no_grad():
        trained = model(*xs).reshape(expected.shape)
    write_safetensors(os.path.join(directory, name + ".trained.check.safetensors"), OrderedDict([("output", trained)]))
    print("trained")

    try:
        import onnx
        import onnx.checker
    except ImportError:
        print("onnx absent")
        return
    graph = onnx.load(os.path.join(directory, name + ".onnx"))
    onnx.checker.check_model(graph, full_check=True)
    print("onnx-checked", " ".join(i.name for i in graph.graph.input if i.name not in {t.name for t in graph.graph.initializer}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
