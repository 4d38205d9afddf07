"""The ONNX Runtime side of TransformerBenchmarks (issue 19): the same nn.TransformerEncoderLayer(64, 4, 128, dropout=0,
batch_first=True) as benchmarks/pytorch/transformer_layer.py (seed 0), in eval mode, exported with torch.onnx.export
for a fixed [1, 32, 64] input (the benchmark's batch-1 forward).

    /usr/bin/python3 benchmarks/pytorch/export_transformer_onnx.py

Writes, next to this script:

  transformer_layer.onnx         the graph, input "x" [1, 32, 64], output "y" [1, 32, 64], opset 14
  transformer_layer.safetensors  the layer's state_dict under StaticNet's names for EncoderLayerNet ("0." + PyTorch's),
                                 and "input"/"output": one input and PyTorch's eval output, so that the benchmark checks
                                 that StaticNet, ONNX Runtime and PyTorch compute the same function before timing it
"""
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "reference"))
from make_fixtures import write_safetensors  # noqa: E402

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True).eval()
x = torch.rand(1, 32, 64)

# torch.onnx.export traces the module; the eval fast path (torch._transformer_encoder_layer_fwd, which ONNX cannot
# express) is not taken while tracing, so the graph is the composite MatMul/Softmax/LayerNormalization form.
torch.onnx.export(layer, (x,), os.path.join(HERE, "transformer_layer.onnx"), input_names=["x"], output_names=["y"],
                  opset_version=14, do_constant_folding=True)

with torch.no_grad():
    y = layer(x)
tensors = {"0." + k: v.detach().float() for k, v in layer.state_dict().items()}
tensors["input"] = x.reshape(-1)
tensors["output"] = y.reshape(-1)
write_safetensors(os.path.join(HERE, "transformer_layer.safetensors"), tensors,
                  {"model": "nn.TransformerEncoderLayer(64, 4, 128, dropout=0, batch_first=True), seed 0, eval", "torch": torch.__version__})
print(f"torch {torch.__version__}: wrote transformer_layer.onnx and transformer_layer.safetensors")
