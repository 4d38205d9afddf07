#!/usr/bin/env python3
"""Network-level PyTorch golden fixtures for StaticNet's layer kinds (issues 4 and 5): convolutions, pools, BatchNorm,
recurrent layers, Embedding.

Run from anywhere:  /usr/bin/python3 tests/reference/make_layer_fixtures.py
Needs torch (1.13 was used). Writes tests/reference/fixtures/layer_{fixture}.safetensors and prints, for each fixture,
the C# declaration that matches it. Deterministic: each fixture seeds torch itself.

Each network is a bare nn.Sequential of PyTorch's own modules, so its state_dict keys are the names StaticNet gives
layers without a Name (docs/layers.md, "Names"): `{i}.weight`, i the module's index in the nn.Sequential, every
module counted: a fused activation is the module after its layer (Dense(…, ReLU) is nn.Linear at i, nn.ReLU at i + 1),
Flatten, pools, BatchNorm and Dropout are one module each, and no prefix. Recurrent layers and GlobalAvgPool are
one module each too: small subclasses of nn.LSTM, … (so that the parameter names stay PyTorch's own: 0.weight_ih_l0)
and a parameterless mean module.
Recurrent layers are one-layer nn.LSTM / nn.GRU / nn.RNN with batch_first=True and a zero initial state; without
ReturnSequences the layer's output is the last step's hidden state [batch, hidden], with it the whole sequence
[batch, T, hidden], and a Dense after a sequence applies to every step (nn.Linear on the last dimension).
Parameters have PyTorch's default initialisation under the fixture's seed.

Tensors (float32 throughout):
  {name}                 each state_dict entry: each parameter as initialised (PyTorch name and layout), and for BatchNorm the initial
                         buffers running_mean (zeros), running_var (ones), num_batches_tracked (0; int64 in PyTorch,
                         written here as F32 so that Safetensors.Load, which takes floating-point dtypes, accepts it)
  input                  [batch, *input shape] in PyTorch's layout ([C, H, W], [C, L], [T, F]); for the Embedding
                         fixture the token ids as floats, [batch, T]
  target                 the loss target, the output's shape; for softmax cross-entropy one-hot, plus
  labels                 [batch] class indices as floats
  output                 the network output (before the loss); in training mode (BatchNorm uses batch statistics)
  loss                   [1], mean reduction (MSELoss / CrossEntropyLoss)
  grad.{name}            the loss's gradient for each trainable parameter
BatchNorm fixtures also hold
  eval_output_initial    the output in inference mode (model.eval()) with the initial running statistics
  after.{name}           each BatchNorm buffer after the one training-mode forward that produced `output`
                         (running_var is updated with the unbiased batch variance, n / (n − 1), as PyTorch does;
                         num_batches_tracked becomes 1)
  eval_output            the output in inference mode with those updated statistics
cnn_small also holds
  adam.{name}            each parameter after one torch.optim.Adam(lr=0.01) step from the initial weights
  adam2.{name}           ... after two steps on the same batch
__metadata__ records the torch version, the seed, a description and the C# declaration.

Fixtures and the StaticNet declarations they match (the same text is in each file's metadata as `csharp`):

| fixture                | batch | loss        | C# declaration |
|------------------------|-------|-------------|----------------|
| conv2d_basic           | 4     | MSE         | [Input(2, 7, 7)] [Conv2D(3, 3, Activation.ReLU, Padding = 1)] [Flatten] [Dense(4)] |
| conv2d_stride_dilation | 3     | MSE         | [Input(3, 9, 8)] [Conv2D(4, 3, Activation.Tanh, Stride = 2, Padding = 2, Dilation = 2)] [Flatten] [Dense(3)] |
| conv2d_rect_same       | 4     | MSE         | [Input(1, 6, 6)] [Conv2D(2, 3, 2, PaddingMode = PaddingMode.Same)] [Flatten] [Dense(2)] |
| conv2d_valid_nobias    | 3     | MSE         | [Input(2, 6, 5)] [Conv2D(3, 2, PaddingMode = PaddingMode.Valid, Bias = false)] [Flatten] [Dense(2)] |
| conv1d                 | 4     | MSE         | [Input(2, 12)] [Conv1D(4, 3, Activation.ReLU, Stride = 2, Padding = 1)] [Flatten] [Dense(3)] |
| pools                  | 3     | MSE         | [Input(2, 8, 8)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] [AvgPool2D(2, Stride = 1)] [GlobalAvgPool] [Dense(3)] |
| pools_overlap          | 3     | MSE         | [Input(2, 9, 9)] [Conv2D(3, 2)] [MaxPool2D(3, Stride = 2)] [Flatten] [Dense(2)] |
| pool1d                 | 4     | MSE         | [Input(3, 10)] [Conv1D(4, 3)] [MaxPool1D(2)] [AvgPool1D(2)] [Flatten] [Dense(2)] |
| batchnorm2d            | 4     | MSE         | [Input(2, 5, 5)] [Conv2D(3, 3, Activation.ReLU, Padding = 1)] [BatchNorm] [Flatten] [Dense(2)] |
| batchnorm1d            | 5     | softmax CE  | [Input(6)] [Dense(5)] [BatchNorm] [Dense(2)] |
| cnn_small              | 4     | softmax CE  | [Input(1, 12, 12)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] [Conv2D(8, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] [Flatten] [Dense(16, Activation.ReLU)] [Dense(3)] |
| lstm_last              | 4     | MSE         | [Input(6, 3)] [LSTM(5)] [Dense(2)] |
| lstm_seq               | 4     | MSE         | [Input(6, 3)] [LSTM(5, ReturnSequences = true)] [Dense(2)] |
| gru_last               | 4     | MSE         | [Input(6, 3)] [GRU(5)] [Dense(2)] |
| gru_seq                | 4     | MSE         | [Input(6, 3)] [GRU(5, ReturnSequences = true)] [Dense(2)] |
| rnn_tanh_seq           | 4     | MSE         | [Input(6, 3)] [SimpleRNN(5, ReturnSequences = true)] [Dense(2)] |
| rnn_relu_last          | 4     | MSE         | [Input(6, 3)] [SimpleRNN(5, Activation.ReLU)] [Dense(2)] |
| stacked                | 3     | MSE         | [Input(5, 2)] [LSTM(4, ReturnSequences = true)] [GRU(3)] [Dense(2)] |
| embedding              | 4     | softmax CE  | [Input(7)] [Embedding(11, 4)] [LSTM(6)] [Dense(3)] |

Every declaration carries [Network(Loss = Loss.MeanSquaredError)] or [Network(Loss = Loss.SoftmaxCrossEntropy)]
as the loss column says; tests/StaticNet.Tests/Networks/ declares them all and LayerParityTests.cs checks them.

Notes on PyTorch semantics the C# side must match:
- padding='same' (conv2d_rect_same, kernel 3×2): the total padding is dilation·(k − 1) per dimension, split with the
  smaller half first: height 1 + 1, width 0 before and 1 after (PyTorch pads the extra column on the right).
- Pools floor the output size (pools_overlap: (8 − 3) / 2 + 1 = 3); AvgPool counts only window elements (no padding here).
- GlobalAvgPool is the mean over all positions of each channel, [C, H, W] -> [C].
- BatchNorm: Momentum 0.1, Epsilon 1e-5; training mode normalises with the biased batch variance, updates
  running_var with the unbiased one; BatchNorm2d statistics are over batch × H × W per channel.
- GRU: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h; gate order in the weights r, z, n.
  LSTM gate order i, f, g, o. RNN: h' = act(W_ih x + b_ih + W_hh h + b_hh).
- Embedding: weight [vocabulary, dimension], initialised N(0, 1); its gradient is dense (rows of unused ids are 0).
- No Dropout fixture: PyTorch's dropout mask cannot be reproduced. Dropout is the identity in inference.
"""

import json
import math
import os
import struct
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")

ACT = {None: None, "ReLU": nn.ReLU, "Tanh": nn.Tanh}


def write_safetensors(path, tensors, metadata):
    """Writes an ordered dict of name -> tensor as float32 safetensors (same writer as make_fixtures.py)."""
    header = OrderedDict()
    header["__metadata__"] = OrderedDict(sorted(metadata.items()))
    blobs = []
    offset = 0
    for name, tensor in tensors.items():
        t = tensor.detach().to(torch.float32).contiguous()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = OrderedDict([("dtype", "F32"), ("shape", list(t.shape)),
                                    ("data_offsets", [offset, offset + len(data)])])
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    return 8 + len(text) + offset


# ---- the modules of each StaticNet layer: one, and the activation's module after it when one is fused ----

def _with_activation(module, act):
    return [module] if ACT[act] is None else [module, ACT[act]()]


def Conv2D(cin, filters, kh, kw=None, act=None, stride=1, padding=0, dilation=1, bias=True, same=False):
    kw = kh if kw is None else kw
    return _with_activation(nn.Conv2d(cin, filters, (kh, kw), stride=stride, padding="same" if same else padding,
                                      dilation=dilation, bias=bias), act)


def Conv1D(cin, filters, k, act=None, stride=1, padding=0, dilation=1, bias=True):
    return _with_activation(nn.Conv1d(cin, filters, k, stride=stride, padding=padding, dilation=dilation, bias=bias), act)


def Dense(n_in, n_out, act=None):
    return _with_activation(nn.Linear(n_in, n_out), act)


def flatten(layers):
    """The factory's list with each StaticNet layer's modules spliced in: the nn.Sequential's modules in order."""
    return [m for layer in layers for m in (layer if isinstance(layer, list) else [layer])]


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean(dim=tuple(range(2, x.dim())))


class _Recurrent:
    """Mixin: one layer, batch_first, zero initial state; the last step's output or the whole sequence."""

    def forward(self, x):
        out, _ = super().forward(x)
        return out if self.return_sequences else out[:, -1, :]


class LSTM(_Recurrent, nn.LSTM):
    def __init__(self, n_in, hidden, return_sequences=False):
        nn.LSTM.__init__(self, n_in, hidden, batch_first=True)
        self.return_sequences = return_sequences


class GRU(_Recurrent, nn.GRU):
    def __init__(self, n_in, hidden, return_sequences=False):
        nn.GRU.__init__(self, n_in, hidden, batch_first=True)
        self.return_sequences = return_sequences


class SimpleRNN(_Recurrent, nn.RNN):
    def __init__(self, n_in, hidden, act="Tanh", return_sequences=False):
        nn.RNN.__init__(self, n_in, hidden, nonlinearity=act.lower(), batch_first=True)
        self.return_sequences = return_sequences


class Embedding(nn.Embedding):
    def forward(self, x):
        return super().forward(x.to(torch.int64))


# ---- fixtures: (name, batch, loss, input shape, module factory, C# attributes, description) ----

def fixtures():
    yield ("conv2d_basic", 4, "mse", (2, 7, 7),
           lambda: [Conv2D(2, 3, 3, act="ReLU", padding=1), nn.Flatten(), Dense(3 * 7 * 7, 4)],
           "[Input(2, 7, 7)] [Conv2D(3, 3, Activation.ReLU, Padding = 1)] [Flatten] [Dense(4)]")
    yield ("conv2d_stride_dilation", 3, "mse", (3, 9, 8),
           lambda: [Conv2D(3, 4, 3, act="Tanh", stride=2, padding=2, dilation=2), nn.Flatten(), Dense(4 * 5 * 4, 3)],
           "[Input(3, 9, 8)] [Conv2D(4, 3, Activation.Tanh, Stride = 2, Padding = 2, Dilation = 2)] [Flatten] [Dense(3)]")
    yield ("conv2d_rect_same", 4, "mse", (1, 6, 6),
           lambda: [Conv2D(1, 2, 3, 2, same=True), nn.Flatten(), Dense(2 * 6 * 6, 2)],
           "[Input(1, 6, 6)] [Conv2D(2, 3, 2, PaddingMode = PaddingMode.Same)] [Flatten] [Dense(2)]")
    yield ("conv2d_valid_nobias", 3, "mse", (2, 6, 5),
           lambda: [Conv2D(2, 3, 2, bias=False), nn.Flatten(), Dense(3 * 5 * 4, 2)],
           "[Input(2, 6, 5)] [Conv2D(3, 2, PaddingMode = PaddingMode.Valid, Bias = false)] [Flatten] [Dense(2)]")
    yield ("conv1d", 4, "mse", (2, 12),
           lambda: [Conv1D(2, 4, 3, act="ReLU", stride=2, padding=1), nn.Flatten(), Dense(4 * 6, 3)],
           "[Input(2, 12)] [Conv1D(4, 3, Activation.ReLU, Stride = 2, Padding = 1)] [Flatten] [Dense(3)]")
    yield ("pools", 3, "mse", (2, 8, 8),
           lambda: [Conv2D(2, 4, 3, act="ReLU", padding=1), nn.MaxPool2d(2), nn.AvgPool2d(2, stride=1),
                    GlobalAvgPool(), Dense(4, 3)],
           "[Input(2, 8, 8)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] [AvgPool2D(2, Stride = 1)] "
           "[GlobalAvgPool] [Dense(3)]")
    yield ("pools_overlap", 3, "mse", (2, 9, 9),
           lambda: [Conv2D(2, 3, 2), nn.MaxPool2d(3, stride=2), nn.Flatten(), Dense(3 * 3 * 3, 2)],
           "[Input(2, 9, 9)] [Conv2D(3, 2)] [MaxPool2D(3, Stride = 2)] [Flatten] [Dense(2)]")
    yield ("pool1d", 4, "mse", (3, 10),
           lambda: [Conv1D(3, 4, 3), nn.MaxPool1d(2), nn.AvgPool1d(2), nn.Flatten(), Dense(4 * 2, 2)],
           "[Input(3, 10)] [Conv1D(4, 3)] [MaxPool1D(2)] [AvgPool1D(2)] [Flatten] [Dense(2)]")
    yield ("batchnorm2d", 4, "mse", (2, 5, 5),
           lambda: [Conv2D(2, 3, 3, act="ReLU", padding=1), nn.BatchNorm2d(3), nn.Flatten(), Dense(3 * 5 * 5, 2)],
           "[Input(2, 5, 5)] [Conv2D(3, 3, Activation.ReLU, Padding = 1)] [BatchNorm] [Flatten] [Dense(2)]")
    yield ("batchnorm1d", 5, "softmax_ce", (6,),
           lambda: [Dense(6, 5), nn.BatchNorm1d(5), Dense(5, 2)],
           "[Input(6)] [Dense(5)] [BatchNorm] [Dense(2)]")
    yield ("cnn_small", 4, "softmax_ce", (1, 12, 12),
           lambda: [Conv2D(1, 4, 3, act="ReLU", padding=1), nn.MaxPool2d(2), Conv2D(4, 8, 3, act="ReLU", padding=1),
                    nn.MaxPool2d(2), nn.Flatten(), Dense(8 * 3 * 3, 16, act="ReLU"), Dense(16, 3)],
           "[Input(1, 12, 12)] [Conv2D(4, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] "
           "[Conv2D(8, 3, Activation.ReLU, Padding = 1)] [MaxPool2D(2)] [Flatten] [Dense(16, Activation.ReLU)] [Dense(3)]")
    yield ("lstm_last", 4, "mse", (6, 3), lambda: [LSTM(3, 5), Dense(5, 2)],
           "[Input(6, 3)] [LSTM(5)] [Dense(2)]")
    yield ("lstm_seq", 4, "mse", (6, 3), lambda: [LSTM(3, 5, return_sequences=True), Dense(5, 2)],
           "[Input(6, 3)] [LSTM(5, ReturnSequences = true)] [Dense(2)]")
    yield ("gru_last", 4, "mse", (6, 3), lambda: [GRU(3, 5), Dense(5, 2)],
           "[Input(6, 3)] [GRU(5)] [Dense(2)]")
    yield ("gru_seq", 4, "mse", (6, 3), lambda: [GRU(3, 5, return_sequences=True), Dense(5, 2)],
           "[Input(6, 3)] [GRU(5, ReturnSequences = true)] [Dense(2)]")
    yield ("rnn_tanh_seq", 4, "mse", (6, 3), lambda: [SimpleRNN(3, 5, return_sequences=True), Dense(5, 2)],
           "[Input(6, 3)] [SimpleRNN(5, ReturnSequences = true)] [Dense(2)]")
    yield ("rnn_relu_last", 4, "mse", (6, 3), lambda: [SimpleRNN(3, 5, act="ReLU"), Dense(5, 2)],
           "[Input(6, 3)] [SimpleRNN(5, Activation.ReLU)] [Dense(2)]")
    yield ("stacked", 3, "mse", (5, 2), lambda: [LSTM(2, 4, return_sequences=True), GRU(4, 3), Dense(3, 2)],
           "[Input(5, 2)] [LSTM(4, ReturnSequences = true)] [GRU(3)] [Dense(2)]")
    yield ("embedding", 4, "softmax_ce", ("tokens", 7, 11), lambda: [Embedding(11, 4), LSTM(4, 6), Dense(6, 3)],
           "[Input(7)] [Embedding(11, 4)] [LSTM(6)] [Dense(3)]")


LOSS = {"mse": ("Loss.MeanSquaredError", nn.MSELoss()), "softmax_ce": ("Loss.SoftmaxCrossEntropy", nn.CrossEntropyLoss())}


def csharp_declaration(name, loss, attributes):
    class_name = "Layer" + "".join(part.capitalize() for part in name.split("_")) + "Net"
    return (f"[Network(Loss = {LOSS[loss][0]})] {attributes}\n"
            f"public partial class {class_name} {{ }}")


def make_fixture(name, seed, batch, loss, input_shape, factory, attributes):
    torch.manual_seed(seed)
    model = nn.Sequential(*flatten(factory()))
    if input_shape[0] == "tokens":
        _, steps, vocabulary = input_shape
        inputs = torch.randint(0, vocabulary, (batch, steps)).to(torch.float32)
    else:
        inputs = torch.randn(batch, *input_shape)
    loss_fn = LOSS[loss][1]
    batch_norms = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]

    tensors = OrderedDict((n, t.detach().clone()) for n, t in model.state_dict().items())
    tensors["input"] = inputs

    if batch_norms:
        model.eval()
        with torch.no_grad():
            eval_initial = model(inputs)
    model.train()
    output = model(inputs)
    if loss == "mse":
        target = torch.randn(output.shape)
        tensors["target"] = target
        loss_target = target
    else:
        labels = torch.randint(0, output.shape[-1], (batch,))
        tensors["target"] = F.one_hot(labels, output.shape[-1]).to(torch.float32)
        tensors["labels"] = labels.to(torch.float32)
        loss_target = labels
    value = loss_fn(output, loss_target)
    model.zero_grad()
    value.backward()
    tensors["output"] = output
    tensors["loss"] = value.reshape(1)
    for n, p in model.named_parameters():
        tensors["grad." + n] = p.grad.detach().clone()

    if batch_norms:
        tensors["eval_output_initial"] = eval_initial
        for n, m in batch_norms:
            for buffer in ("running_mean", "running_var", "num_batches_tracked"):
                tensors[f"after.{n}.{buffer}"] = getattr(m, buffer).detach().clone()
        model.eval()
        with torch.no_grad():
            tensors["eval_output"] = model(inputs)

    if name == "cnn_small":
        initial = {n: p.detach().clone() for n, p in model.named_parameters()}
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        model.train()
        for step in (1, 2):
            optimizer.zero_grad()
            loss_fn(model(inputs), loss_target).backward()
            optimizer.step()
            for n, p in model.named_parameters():
                tensors[("adam." if step == 1 else "adam2.") + n] = p.detach().clone()
        with torch.no_grad():
            for n, p in model.named_parameters():
                p.copy_(initial[n])

    declaration = csharp_declaration(name, loss, attributes)
    metadata = {
        "torch_version": torch.__version__,
        "seed": str(seed),
        "description": f"{name}: {attributes}; batch {batch}; loss {loss} (mean reduction)",
        "csharp": declaration,
        "generator": "tests/reference/make_layer_fixtures.py",
    }
    if name == "cnn_small":
        metadata["optimizer"] = "adam.*: one torch.optim.Adam(lr=0.01) step from the initial weights; adam2.*: two steps, same batch"
    if batch_norms:
        metadata["num_batches_tracked"] = "int64 in PyTorch, stored as F32"
    size = write_safetensors(os.path.join(OUT_DIR, f"layer_{name}.safetensors"), tensors, metadata)
    assert size < 50_000, (name, size)
    shapes = ", ".join(f"{k} {list(v.shape)}" for k, v in tensors.items() if not k.startswith(("grad.", "adam", "after.")))
    print(f"// layer_{name}.safetensors ({size} bytes): {shapes}")
    print(declaration)
    print()


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    seed = 4000
    for name, batch, loss, input_shape, factory, attributes in fixtures():
        seed += 1
        make_fixture(name, seed, batch, loss, input_shape, factory, attributes)


if __name__ == "__main__":
    main()
