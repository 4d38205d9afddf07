"""Runs the PyTorch source StaticNet generates (PyTorchSource / ExportPyTorch) against StaticNet's own outputs.

    python3 check_pytorch_source.py DIR NAME...

For each NAME, DIR holds NAME.py (the generated module), NAME.safetensors (SaveSafetensors) and NAME.check.safetensors
(`input` [n, InputSize] and `output` [n, OutputSize] from ForwardBatch). Loads the weights with load_state_dict(strict=True),
runs the module in eval mode on the input reshaped to [n, *input shape], and prints "NAME difference", the largest
|PyTorch - StaticNet| / max(1, |StaticNet|). When the `onnx` package is there it also validates NAME.onnx (SaveOnnx's
file) with onnx.checker (full check, shape inference included) and prints "NAME onnx-checked".
Used by tests/StaticNet.Tests/Onnx/OnnxExportTests.cs; needs torch only.
"""
import importlib.util
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from staticnet_export import read_safetensors  # noqa: E402  (the standard-library reader: no safetensors package needed)


def check(directory, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(directory, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = getattr(module, name)()
    model.load_state_dict(read_safetensors(os.path.join(directory, name + ".safetensors")), strict=True)
    model.eval()
    check = read_safetensors(os.path.join(directory, name + ".check.safetensors"))
    x, expected = check["input"], check["output"]
    # The module's input shape is the one in the source's header comment: "Input [N, a, b]".
    with open(os.path.join(directory, name + ".py")) as source:
        header = next(line for line in source if line.startswith("# state_dict names"))
    dims = [int(d) for d in header.split("Input [N, ")[1].split("]")[0].split(", ")]
    with torch.no_grad():
        y = model(x.reshape(x.shape[0], *dims)).reshape(expected.shape)
    return ((y - expected).abs() / expected.abs().clamp(min=1)).max().item()


if __name__ == "__main__":
    directory = sys.argv[1]
    try:
        import onnx
        import onnx.checker
    except ImportError:
        onnx = None
    print("onnx", "absent" if onnx is None else onnx.__version__)
    for name in sys.argv[2:]:
        print(name, repr(check(directory, name)))
        if onnx is not None:
            model = onnx.load(os.path.join(directory, name + ".onnx"))
            assert model.opset_import[0].version == 17, model.opset_import
            onnx.checker.check_model(model, full_check=True)
            print(name, "onnx-checked")
