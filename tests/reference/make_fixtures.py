#!/usr/bin/env python3
"""Writes the PyTorch golden fixtures that StaticNet's numeric tests compare against.

Run from anywhere:  python3 tests/reference/make_fixtures.py
Needs torch (1.13 was used; Debian: apt-get install python3-torch). The Python `safetensors` package
is not needed: a minimal writer below produces the same format (8-byte little-endian header length,
UTF-8 JSON header padded with spaces to a multiple of 8, then the little-endian tensor bytes).
The output is deterministic: every fixture seeds torch itself, so re-running rewrites identical files.

Every fixture holds one small network built from nn.Linear layers named as in the StaticNet
declaration, with PyTorch's default initialisation, and these float32 tensors:
  {name}           each parameter as initialised, e.g. hidden.weight [out, in], hidden.bias [out]
  input            [batch, in], from randn
  target           [batch, out]; for classification losses one-hot, plus
  labels           [batch] class indices as floats (softmax cross-entropy only)
  output           [batch, out], the network output before the loss (logits)
  loss             [1], mean reduction
  grad.{name}      the gradient of the loss for each parameter
  sgd.{name}       each parameter after two SGD steps (lr 0.1, momentum 0.9, nesterov, weight_decay 0.01)
  adam.{name}      ... after two Adam steps (lr 0.01, weight_decay 0.001)
  adamw.{name}     ... after two AdamW steps (lr 0.01, weight_decay 0.1)
Each optimizer starts from the initial weights and takes two full steps (forward, backward, step) on the
same batch. __metadata__ records the torch version, the seed and a description.
"""

import json
import os
import struct
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")

OPTIMIZERS = OrderedDict([
    ("sgd", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("adam", lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.001)),
    ("adamw", lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1)),
])

OPTIMIZER_TEXT = ("sgd: SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01); "
                  "adam: Adam(lr=0.01, weight_decay=0.001); adamw: AdamW(lr=0.01, weight_decay=0.1); "
                  "two steps each from the initial weights on the same batch")


def write_safetensors(path, tensors, metadata):
    """Writes an ordered dict of name -> float32 tensor as a safetensors file."""
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


class Net(nn.Module):
    """Linear layers named as given, each followed by its activation (None for the last layer)."""

    def __init__(self, sizes, names, activations):
        super().__init__()
        self.names = names
        self.activations = activations
        for name, n_in, n_out in zip(names, sizes[:-1], sizes[1:]):
            setattr(self, name, nn.Linear(n_in, n_out))

    def forward(self, x):
        for name, activation in zip(self.names, self.activations):
            x = getattr(self, name)(x)
            if activation is not None:
                x = activation(x)
        return x


ACTIVATIONS = OrderedDict([
    ("none", None),
    ("relu", F.relu),
    ("leakyrelu", lambda x: F.leaky_relu(x, negative_slope=0.01)),
    ("sigmoid", torch.sigmoid),
    ("tanh", torch.tanh),
    ("softmax", lambda x: F.softmax(x, dim=1)),
    ("gelu", lambda x: F.gelu(x)),  # exact erf form
])


def make_targets(loss, batch, outputs):
    """Returns (targets dict to store, the tensor the loss function takes)."""
    if loss == "mse":
        target = torch.randn(batch, outputs)
        return OrderedDict([("target", target)]), target
    if loss == "bce":
        target = torch.randint(0, 2, (batch, outputs)).to(torch.float32)
        return OrderedDict([("target", target)]), target
    if loss == "softmax_ce":
        labels = torch.randint(0, outputs, (batch,))
        one_hot = F.one_hot(labels, outputs).to(torch.float32)
        return OrderedDict([("target", one_hot), ("labels", labels.to(torch.float32))]), labels
    raise ValueError(loss)


LOSS_FUNCTIONS = {
    "mse": nn.MSELoss(),
    "bce": nn.BCEWithLogitsLoss(),
    "softmax_ce": nn.CrossEntropyLoss(),
}


def make_fixture(file_name, seed, description, sizes, names, activations, loss, batch):
    torch.manual_seed(seed)
    net = Net(sizes, names, activations)
    inputs = torch.randn(batch, sizes[0])
    stored_targets, loss_target = make_targets(loss, batch, sizes[-1])
    loss_fn = LOSS_FUNCTIONS[loss]
    initial = OrderedDict((n, p.detach().clone()) for n, p in net.named_parameters())

    tensors = OrderedDict(initial)
    tensors["input"] = inputs
    tensors.update(stored_targets)
    net.zero_grad()
    output = net(inputs)
    value = loss_fn(output, loss_target)
    value.backward()
    tensors["output"] = output
    tensors["loss"] = value.reshape(1)
    for n, p in net.named_parameters():
        tensors["grad." + n] = p.grad.detach().clone()

    for prefix, make_optimizer in OPTIMIZERS.items():
        with torch.no_grad():
            for n, p in net.named_parameters():
                p.copy_(initial[n])
        optimizer = make_optimizer(net.parameters())
        for _ in range(2):
            optimizer.zero_grad()
            loss_fn(net(inputs), loss_target).backward()
            optimizer.step()
        for n, p in net.named_parameters():
            tensors[prefix + "." + n] = p.detach().clone()

    metadata = {
        "torch_version": torch.__version__,
        "seed": str(seed),
        "description": description,
        "loss": loss + " (mean reduction)",
        "optimizers": OPTIMIZER_TEXT,
        "generator": "tests/reference/make_fixtures.py",
    }
    write_safetensors(os.path.join(OUT_DIR, file_name), tensors, metadata)
    print("wrote", file_name, sum(t.numel() for t in tensors.values()) * 4, "bytes of data")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    seed = 1000
    for name, activation in ACTIVATIONS.items():
        seed += 1
        make_fixture("activation_%s.safetensors" % name, seed,
                     "Linear 5->6 'hidden', activation %s, Linear 6->3 'out'; MSE loss; batch 4" % name,
                     [5, 6, 3], ["hidden", "out"], [activation, None], "mse", 4)
    for loss in ["mse", "bce", "softmax_ce"]:
        seed += 1
        make_fixture("loss_%s.safetensors" % loss, seed,
                     "Linear 5->8 'fc1', ReLU, Linear 8->4 'fc2'; loss %s; batch 4" % loss,
                     [5, 8, 4], ["fc1", "fc2"], [F.relu, None], loss, 4)
    seed += 1
    make_fixture("mlp_deep.safetensors", seed,
                 "Linear 7->9 'fc1' ReLU, Linear 9->10 'fc2' Tanh, Linear 10->17 'fc3' GELU (exact), "
                 "Linear 17->4 'out'; softmax cross-entropy; batch 6",
                 [7, 9, 10, 17, 4], ["fc1", "fc2", "fc3", "out"], [F.relu, torch.tanh, F.gelu, None],
                 "softmax_ce", 6)


if __name__ == "__main__":
    main()
