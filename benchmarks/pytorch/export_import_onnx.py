"""Exports the extra models of OnnxImportBenchmarks (issue 21): the Fashion-MNIST MLP and a streaming LSTM.

Writes, next to this script (torch 1.13, opset 13, eval mode, seeded weights; no onnx package needed):

- fashion_mlp.onnx: Linear(784, 128), ReLU, Linear(128, 10) (the benchmarks' FashionMlp), input "input" [1, 784],
  output "output" [1, 10]; imported by StaticNet and run by ONNX Runtime.
- lstm_stream.onnx: nn.LSTM(1, 32, batch_first=True) returning every step, then Linear(32, 1) on each step (the
  streaming benchmark's network), input "input" [1, 64, 1], output "output" [1, 64, 1]. Imported by StaticNet, whose
  network then streams it with Step.
- lstm_stream_step.onnx: the same weights as one time step with explicit state, for ONNX Runtime: inputs "input"
  [1, 1, 1], "h0" [1, 1, 32], "c0" [1, 1, 32]; outputs "output" [1, 1, 1], "hn", "cn" (fed back as h0, c0 next step).

Run: /usr/bin/python3 benchmarks/pytorch/export_import_onnx.py
"""
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


class Stream(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 32, batch_first=True)
        self.fc = nn.Linear(32, 1)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y)


class StreamStep(nn.Module):
    def __init__(self, stream):
        super().__init__()
        self.lstm, self.fc = stream.lstm, stream.fc

    def forward(self, x, h0, c0):
        y, (hn, cn) = self.lstm(x, (h0, c0))
        return self.fc(y), hn, cn


def main():
    torch.manual_seed(21)
    mlp = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)).eval()
    torch.onnx.export(mlp, torch.rand(1, 784), os.path.join(HERE, "fashion_mlp.onnx"), input_names=["input"],
                      output_names=["output"], opset_version=13, do_constant_folding=True)
    stream = Stream().eval()
    torch.onnx.export(stream, torch.randn(1, 64, 1), os.path.join(HERE, "lstm_stream.onnx"), input_names=["input"],
                      output_names=["output"], opset_version=13, do_constant_folding=True)
    step = StreamStep(stream).eval()
    torch.onnx.export(step, (torch.randn(1, 1, 1), torch.zeros(1, 1, 32), torch.zeros(1, 1, 32)),
                      os.path.join(HERE, "lstm_stream_step.onnx"), input_names=["input", "h0", "c0"],
                      output_names=["output", "hn", "cn"], opset_version=13, do_constant_folding=True)


if __name__ == "__main__":
    main()
