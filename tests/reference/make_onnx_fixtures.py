#!/usr/bin/env python3
"""ONNX import fixtures (issue 21): small PyTorch models exported with torch.onnx.export, which StaticNet's generator
imports at build time ([Network(Onnx = "...")]), plus reference inputs and PyTorch outputs.

Run from anywhere:  /usr/bin/python3 tests/reference/make_onnx_fixtures.py
Needs torch (1.13 was used; torch.onnx.export needs no onnx package). Deterministic: each model seeds torch itself.

Writes tests/reference/fixtures/onnx/
  {name}.onnx                the exported model (opset 13, weights as initializers, batch dimension dynamic)
  {name}_io.safetensors      input [batch, ...] and output [batch, ...] (float32), PyTorch's eval-mode output
Models:
  mlp          Linear(20, 64) ReLU Linear(64, 32) Tanh Linear(32, 10)          (Gemm, Relu, Tanh)
  mlp_matmul   the mlp's first layer as x @ W + b with W a [20, 64] parameter   (MatMul + Add, transposed at load)
  cnn          Conv2d(1, 8, 3, padding=1) ReLU MaxPool2d(2) Conv2d(8, 16, 3, padding=1) ReLU MaxPool2d(2) Flatten
               Linear(784, 32) ReLU Linear(32, 10): the Fashion-MNIST CNN's shape, smaller
  cnn_bn_gap   Conv2d(3, 8, 3) BatchNorm2d ReLU AvgPool2d(2) Conv2d(8, 8, 3, stride=2) Sigmoid GlobalAvgPool Flatten Linear
  lstm         nn.LSTM(8, 16, batch_first=True), last step, Linear(16, 4)
  gru_seq      nn.GRU(6, 12, batch_first=True), every step, Linear(12, 3) on each step
  resnet_block a residual CNN: stem Conv2d(2, 4, 3, padding=1) BatchNorm2d ReLU; an identity block (Conv-BN-ReLU-Conv-BN
               + the block's input, Add, ReLU); a stride-2 block whose shortcut is a 1x1 Conv2d(4, 6, stride=2) + BatchNorm2d;
               GlobalAvgPool Flatten Linear(6, 3). BatchNorm kept as nodes (PRESERVE)
  unsupported  Linear(4, 4) then torch.sin (ONNX Sin): must fail the build naming the node
  gemm_transb0 mlp.onnx with fc1's Gemm rewritten to transB = 0 and its weight stored [in, out] (the same function:
               its reference is mlp_io.safetensors). torch.onnx.export never writes transB = 0, so this one needs the
               onnx package (Debian: apt-get install python3-onnx); without it the file is left as it is.
"""
import json
import os
import struct

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "onnx")


def write_safetensors(path, tensors):
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"torch": torch.__version__}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 64)
        self.fc2 = nn.Linear(64, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc3(torch.tanh(self.fc2(torch.relu(self.fc1(x)))))


class MlpMatMul(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(20, 64) * 0.2)
        self.b = nn.Parameter(torch.randn(64) * 0.1)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc2(torch.relu(x @ self.w + self.b))


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc2(torch.relu(self.fc1(x)))


class CnnBnGap(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, stride=2)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = nn.functional.avg_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
        x = torch.sigmoid(self.conv2(x))
        x = nn.functional.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[:, -1, :])


class GruSeq(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(6, 12, batch_first=True)
        self.fc = nn.Linear(12, 3)

    def forward(self, x):
        y, _ = self.gru(x)
        return self.fc(y)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride), nn.BatchNorm2d(cout))
                         if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + self.shortcut(x))


class ResNetBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(2, 4, 3, padding=1)
        self.stem_bn = nn.BatchNorm2d(4)
        self.block1 = Block(4, 4, 1)
        self.block2 = Block(4, 6, 2)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        x = torch.relu(self.stem_bn(self.stem(x)))
        x = self.block2(self.block1(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return torch.sin(self.fc(x))


def make(name, model, input_shape, batch=3, seed=0, keep_batchnorm=False):
    torch.manual_seed(seed)
    model = model()
    with torch.no_grad():  # BatchNorm: non-trivial running statistics, so that the import must use them
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    model.eval()
    x = torch.randn(batch, *input_shape)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, torch.randn(1, *input_shape), path, opset_version=13, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      # EVAL (the default) folds BatchNorm into the convolution before it; PRESERVE keeps the node
                      training=torch.onnx.TrainingMode.PRESERVE if keep_batchnorm else torch.onnx.TrainingMode.EVAL)
    with torch.no_grad():
        y = model(x)
    write_safetensors(os.path.join(OUT, name + "_io.safetensors"), {"input": x, "output": y})
    print(name, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make("mlp", Mlp, (20,), seed=1)
    make("mlp_matmul", MlpMatMul, (20,), seed=2)
    make("cnn", Cnn, (1, 28, 28), seed=3)
    make("cnn_bn_gap", CnnBnGap, (3, 12, 12), seed=4, keep_batchnorm=True)
    make("lstm", Lstm, (12, 8), seed=5)
    make("gru_seq", GruSeq, (7, 6), seed=6)
    make("unsupported", Unsupported, (4,), seed=7)
    make("resnet_block", ResNetBlock, (2, 8, 8), seed=8, keep_batchnorm=True)
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        print("gemm_transb0: no onnx package, left as it is")
    else:
        model = onnx.load(os.path.join(OUT, "mlp.onnx"))
        for i, t in enumerate(model.graph.initializer):
            if t.name == "fc1.weight":
                model.graph.initializer[i].CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t).T.copy(), "fc1.weight"))
        for node in model.graph.node:
            if node.name == "/fc1/Gemm":
                for a in node.attribute:
                    if a.name == "transB":
                        a.i = 0
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(OUT, "gemm_transb0.onnx"))
        print("gemm_transb0", os.path.getsize(os.path.join(OUT, "gemm_transb0.onnx")), "bytes")
