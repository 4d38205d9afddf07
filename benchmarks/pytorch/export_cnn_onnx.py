"""Exports the benchmarks' Fashion-MNIST CNN to ONNX for the ONNX Runtime comparison (issue 20).

The module is samples/FashionMnistCnn/FashionCnn.cs's: Conv2d(1, 16, 3, padding=1), ReLU, MaxPool2d(2),
Conv2d(16, 32, 3, padding=1), ReLU, MaxPool2d(2), Flatten, Linear(1568, 128), ReLU, Dropout(0.25), Linear(128, 10).
It writes, next to this script:

- fashion_cnn.onnx: torch.onnx.export of the module in eval mode (Dropout is the identity and is dropped), input
  "input" [1, 1, 28, 28], output "logits" [1, 10], opset 13;
- fashion_cnn.safetensors: the same weights under the module's names ("0.weight", ... "10.bias"), which StaticNet's
  generated LoadSafetensors reads, so the StaticNet network and the ONNX model compute the same function;
- prints the logits for the benchmark's check input (x[i] = ((i * 37) % 256) / 255), which
  OnnxRuntimeCnnBenchmarks checks both engines against at start-up.

Run: /usr/bin/python3 benchmarks/pytorch/export_cnn_onnx.py   (torch 1.13; no onnx package needed)
"""
import json
import os
import struct

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


def write_safetensors(path, state):
    header, blobs, offset = {}, [], 0
    for name, tensor in state.items():
        data = tensor.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    torch.manual_seed(20)
    net = model().eval()
    write_safetensors(os.path.join(HERE, "fashion_cnn.safetensors"), net.state_dict())
    x = torch.tensor([((i * 37) % 256) / 255.0 for i in range(784)], dtype=torch.float32).reshape(1, 1, 28, 28)
    torch.onnx.export(net, x, os.path.join(HERE, "fashion_cnn.onnx"), input_names=["input"], output_names=["logits"],
                      opset_version=13, do_constant_folding=True)
    with torch.no_grad():
        print("logits:", ", ".join(f"{v:.6f}" for v in net(x)[0].tolist()))


if __name__ == "__main__":
    main()
