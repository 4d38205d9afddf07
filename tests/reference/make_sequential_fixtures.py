#!/usr/bin/env python3
"""Fixtures for StaticNet's default names (issue 17, "PyTorch's numbering"): the state_dict of a plain nn.Sequential
loads strictly into the StaticNet declaration with no Name, and that of a model holding it in `self.layers` loads into
the same declaration with [Network(NamePrefix = "layers.")].

Run from anywhere:  /usr/bin/python3 tests/reference/make_sequential_fixtures.py
Needs torch (1.13 was used). Deterministic (seeded). Writes to tests/reference/fixtures/:

  sequential_mlp.safetensors         nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).state_dict(),
                                     nothing else: keys 0.weight, 0.bias, 2.weight, 2.bias (the ReLU is module 1)
  sequential_mlp_layers.safetensors  the same weights as the state_dict of a module with self.layers = that
                                     nn.Sequential: layers.0.weight, layers.0.bias, layers.2.weight, layers.2.bias
  sequential_mlp_io.safetensors      input [3, 64] and output [3, 10] (eval mode)
  sequential_cnn.safetensors         nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                     nn.Flatten(), nn.Linear(4 * 4 * 4, 10)).state_dict(): 0.weight, 0.bias,
                                     4.weight, 4.bias
  sequential_cnn_io.safetensors      input [3, 1, 8, 8] and output [3, 10]
  sequential_gap.safetensors         nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                     nn.Linear(3, 2)).state_dict(): 0.weight, 0.bias, 4.weight, 4.bias
  sequential_gap_io.safetensors      input [3, 2, 6, 6] and output [3, 2]

The StaticNet declarations (tests/StaticNet.Tests/IO/SequentialNamesTests.cs):

  [Network] [Input(64)] [Dense(64, Activation.ReLU)] [Dense(10)]                     (0.*, 2.*)
  [Network(NamePrefix = "layers.")] [Input(64)] [Dense(64, Activation.ReLU)] [Dense(10)]   (layers.0.*, layers.2.*)
  [Network] [Input(1, 8, 8)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] [Flatten] [Dense(10)]  (0.*, 4.*)
  [Network] [Input(2, 6, 6)] [Conv2D(3, 3, Activation.ReLU)] [GlobalAvgPool] [Flatten] [Dense(2)]  (0.*, 4.*: the
      [Flatten] after [GlobalAvgPool], a copy, takes the index of PyTorch's nn.Flatten after nn.AdaptiveAvgPool2d(1))
"""

import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors as write_fixture  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def write_safetensors(name, tensors, metadata):
    """Writes fixtures/<name> with make_fixtures.py's writer (float32 safetensors, sorted metadata)."""
    write_fixture(os.path.join(OUT_DIR, name), tensors, metadata)


class Holder(nn.Module):
    """A model that keeps its nn.Sequential in self.layers: its state_dict keys start with 'layers.'."""

    def __init__(self, layers):
        super().__init__()
        self.layers = layers

    def forward(self, x):
        return self.layers(x)


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    metadata = {"torch_version": torch.__version__, "generator": "tests/reference/make_sequential_fixtures.py"}

    torch.manual_seed(1701)
    mlp = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).eval()
    write_safetensors("sequential_mlp.safetensors", mlp.state_dict(), dict(metadata, seed="1701"))
    write_safetensors("sequential_mlp_layers.safetensors", Holder(mlp).state_dict(), dict(metadata, seed="1701"))
    x = torch.randn(3, 64)
    with torch.no_grad():
        write_safetensors("sequential_mlp_io.safetensors", OrderedDict(input=x, output=mlp(x)), dict(metadata, seed="1701"))

    torch.manual_seed(1702)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 10)).eval()
    write_safetensors("sequential_cnn.safetensors", cnn.state_dict(), dict(metadata, seed="1702"))
    x = torch.randn(3, 1, 8, 8)
    with torch.no_grad():
        write_safetensors("sequential_cnn_io.safetensors", OrderedDict(input=x, output=cnn(x)), dict(metadata, seed="1702"))

    torch.manual_seed(1703)
    gap = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 2)).eval()
    write_safetensors("sequential_gap.safetensors", gap.state_dict(), dict(metadata, seed="1703"))
    x = torch.randn(3, 2, 6, 6)
    with torch.no_grad():
        write_safetensors("sequential_gap_io.safetensors", OrderedDict(input=x, output=gap(x)), dict(metadata, seed="1703"))


if __name__ == "__main__":
    main()
