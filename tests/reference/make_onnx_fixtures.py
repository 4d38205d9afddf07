#!/usr/bin/env python3
"""ONNX import fixtures (issue 21): small PyTorch models exported with torch.onnx.export, which StaticNet's generator
imports at build time ([Network(Onnx = "...")]), plus reference inputs and PyTorch outputs.

Run from anywhere:  /usr/bin/python3 tests/reference/make_onnx_fixtures.py [name ...]   (no names: every model)
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
  lstm_stack   nn.LSTM(6, 8, num_layers=2, batch_first=True), last step, Linear(8, 3): two LSTM nodes joined by a Squeeze,
               their zero initial states Slices of one ConstantOfShape
  lstm_bi_stack nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True), every step, Linear(10, 2) on each step:
               direction "bidirectional", Y joined by Transpose(0, 2, 1, 3) + Reshape
  gru_bi       nn.GRU(5, 6, bidirectional=True, batch_first=True), last step (output[:, -1]), Linear(12, 3)
  rnn_bi_stack nn.RNN(4, 5, num_layers=2, nonlinearity="relu", bidirectional=True, batch_first=True), last step, Linear
  layernorm    Linear(10, 16) LayerNorm(16) ReLU Linear(16, 4), opset 17: one LayerNormalization node
  layernorm_seq a sequence [5, 6]: Linear(6, 8) (MatMul + Add per step) LayerNorm(8) Tanh Linear(8, 3), opset 13, where
               torch writes LayerNorm decomposed (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add)
  transformer  Linear(5, 8) then nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), opset 17: attention exported as
               Transpose, MatMul, Slice, Reshape, Div, Softmax, Gemm..., then Add, LayerNormalization, MatMul + Add, Relu, ...
  mha          Linear(5, 8), nn.MultiheadAttention(8, 4, batch_first=True) as self-attention (need_weights=False), Linear(8, 3)
               (transformer keeps PyTorch's initial LayerNorm and attention biases, which torch.onnx.export writes once and
               aliases with Identity nodes; mha and layernorm_seq have them perturbed, so that the import must load them)
  attention_causal the transformer with a causal src_mask (an Add of the mask before the Softmax): must fail naming the node
  layernorm_2d nn.LayerNorm([4, 6]) over a [4, 6] sample, opset 17 (LayerNormalization axis -2): must fail naming the node
  lstm_h0      nn.LSTM(3, 4, batch_first=True) started from a learned h0, c0 (not zero): must fail naming the node
  gemm_transb0 mlp.onnx with fc1's Gemm rewritten to transB = 0 and its weight stored [in, out] (the same function:
               its reference is mlp_io.safetensors). torch.onnx.export never writes transB = 0, so this one needs the
               onnx package (Debian: apt-get install python3-onnx); without it the file is left as it is.
"""
import json
import os
import struct
import sys

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


class LstmStack(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 8, num_layers=2, batch_first=True)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[:, -1])


class LstmBiStack(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(10, 2)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y)


class GruBi(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(5, 6, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(12, 3)

    def forward(self, x):
        y, _ = self.gru(x)
        return self.fc(y[:, -1])


class RnnBiStack(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(4, 5, num_layers=2, nonlinearity="relu", bidirectional=True, batch_first=True)
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1])


class LayerNormMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 16)
        self.norm = nn.LayerNorm(16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.norm(self.fc1(x))))


class LayerNormSeq(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.norm = nn.LayerNorm(8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(torch.tanh(self.norm(self.fc1(x))))


class Transformer(nn.Module):
    def __init__(self, causal=False):
        super().__init__()
        self.fc = nn.Linear(5, 8)
        self.encoder = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
        self.causal = causal

    def forward(self, x):
        x = self.fc(x)
        if self.causal:
            steps = x.size(1)
            mask = torch.triu(torch.full((steps, steps), float("-inf")), diagonal=1)
            return self.encoder(x, src_mask=mask)
        return self.encoder(x)


class TransformerCausal(Transformer):
    def __init__(self):
        super().__init__(causal=True)


class Mha(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 8)
        self.attn = nn.MultiheadAttention(8, 4, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        x = self.fc(x)
        return self.head(self.attn(x, x, x, need_weights=False)[0])


class LayerNorm2d(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm([4, 6])

    def forward(self, x):
        return self.norm(x)


class LstmH0(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=True)
        self.h0 = nn.Parameter(torch.randn(1, 1, 4))
        self.c0 = nn.Parameter(torch.randn(1, 1, 4))

    def forward(self, x):
        n = x.size(0)
        y, _ = self.lstm(x, (self.h0.expand(1, n, 4).contiguous(), self.c0.expand(1, n, 4).contiguous()))
        return y[:, -1]


ONLY = set(sys.argv[1:])


def make(name, model, input_shape, batch=3, seed=0, keep_batchnorm=False, opset=13, perturb=False):
    if ONLY and name not in ONLY:
        return
    torch.manual_seed(seed)
    model = model()
    with torch.no_grad():  # BatchNorm: non-trivial running statistics, so that the import must use them
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
        if perturb:  # LayerNorm's ones and zeros, attention's zero biases: values the import must really load
            for p_name, p in model.named_parameters():
                if p.dim() == 1:
                    p.copy_(torch.empty_like(p).uniform_(0.5, 1.5) if "norm" in p_name and p_name.endswith("weight")
                            else torch.empty_like(p).uniform_(-0.3, 0.3))
    model.eval()
    x = torch.randn(batch, *input_shape)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, torch.randn(1, *input_shape), path, opset_version=opset, input_names=["input"],
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
    make("lstm_stack", LstmStack, (5, 6), seed=9)
    make("lstm_bi_stack", LstmBiStack, (4, 4), seed=10)
    make("gru_bi", GruBi, (5, 5), seed=11)
    make("rnn_bi_stack", RnnBiStack, (4, 4), seed=12)
    make("layernorm", LayerNormMlp, (10,), seed=13, opset=17)
    make("layernorm_seq", LayerNormSeq, (5, 6), seed=14, perturb=True)
    make("transformer", Transformer, (4, 5), seed=15, opset=17)
    make("mha", Mha, (6, 5), seed=18, opset=17, perturb=True)
    make("attention_causal", TransformerCausal, (4, 5), seed=19, opset=17)
    make("layernorm_2d", LayerNorm2d, (4, 6), seed=16, opset=17)
    make("lstm_h0", LstmH0, (3, 3), seed=17)
    if ONLY and "gemm_transb0" not in ONLY:
        sys.exit(0)
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
