#!/usr/bin/env python3
"""The walkthrough of docs/pytorch.md, as tests/StaticNet.Tests/PyTorchExport/PyTorchExportTests.cs runs it.

    python3 tools/pytorch_walkthrough.py export DIR   # train small models in PyTorch (seeded), export each into DIR
    (build and run a C# program over DIR: each <Class>PyTorchCheck.Verify, then Mlp trained on and saved by StaticNet)
    python3 tools/pytorch_walkthrough.py back DIR     # load StaticNet's Mlp.trained.safetensors with strict=True

`export` prints one JSON line: {"classes": [...], "namespace": ..., "seconds": ...}. `back` prints the largest
difference between PyTorch's outputs with the loaded weights and StaticNet's, and fails above 1e-5.
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import staticnet_export  # noqa: E402
from staticnet_export import RecurrentOutput  # noqa: E402

NAMESPACE = "Walkthrough"


def mlp():
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 6 * 6, 10))


def models():
    """(class name, module factory, input shape, loss, data kind)."""
    return [
        ("Mlp", mlp, (64,), nn.CrossEntropyLoss(), "classes"),
        ("Cnn", cnn, (1, 12, 12), nn.CrossEntropyLoss(), "classes"),
        # The other supported modules, nested Sequentials (dotted names), options and a GlobalAvgPool.
        ("ConvNet", lambda: nn.Sequential(
            nn.Sequential(nn.Conv2d(2, 6, (3, 5), stride=2, padding=1, bias=False), nn.LeakyReLU()),
            nn.BatchNorm2d(6, momentum=0.2),
            nn.AvgPool2d(2, stride=1),
            nn.Conv2d(6, 8, 3, padding="same", dilation=2), nn.GELU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.BatchNorm1d(8, eps=1e-4), nn.Identity(), nn.Dropout(0.25),
            nn.Linear(8, 3), nn.Sigmoid()), (2, 11, 13), nn.MSELoss(), "regression"),
        ("Conv1dNet", lambda: nn.Sequential(
            nn.Conv1d(3, 5, 3, padding="valid"), nn.Tanh(), nn.MaxPool1d(2), nn.BatchNorm1d(5),
            nn.Conv1d(5, 4, 3, padding=1), nn.AvgPool1d(2),
            nn.Flatten(), nn.Linear(4 * 4, 8), nn.Softmax(dim=-1)), (3, 18), nn.MSELoss(), "regression"),
        ("Recurrent", lambda: nn.Sequential(
            nn.LSTM(3, 8, batch_first=True), RecurrentOutput(return_sequences=True),
            nn.GRU(8, 6, batch_first=True), RecurrentOutput(return_sequences=True),
            nn.RNN(6, 5, batch_first=True, nonlinearity="relu"), RecurrentOutput(),
            nn.Linear(5, 2)), (7, 3), nn.MSELoss(), "regression"),
        # Stacked and bidirectional recurrent modules (num_layers, bidirectional, dropout between the layers).
        ("RecurrentStack", lambda: nn.Sequential(
            nn.LSTM(3, 8, num_layers=2, dropout=0.1, batch_first=True), RecurrentOutput(return_sequences=True),
            nn.GRU(8, 6, num_layers=2, bidirectional=True, batch_first=True), RecurrentOutput(),
            nn.Linear(12, 2)), (7, 3), nn.MSELoss(), "regression"),
        ("Tokens", lambda: nn.Sequential(
            nn.Embedding(20, 6), nn.GRU(6, 8, batch_first=True), RecurrentOutput(),
            nn.Linear(8, 4)), (9,), nn.CrossEntropyLoss(), "tokens"),
        # Stand-alone activations: after a BatchNorm, one after another, and slopes/alphas the fused ones do not have.
        ("ConvBnRelu", lambda: nn.Sequential(
            nn.Conv2d(1, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(6 * 5 * 5, 10)), (1, 10, 10), nn.CrossEntropyLoss(), "classes"),
        ("BnActivations", lambda: nn.Sequential(
            nn.Linear(12, 16), nn.BatchNorm1d(16), nn.SiLU(),
            nn.Linear(16, 8), nn.ELU(alpha=0.5), nn.LeakyReLU(0.2),
            nn.Linear(8, 3), nn.ELU(), nn.Linear(3, 3), nn.Softmax(dim=-1)), (12,), nn.MSELoss(), "regression"),
    ]


def data(shape, kind, factory, count=64, seed=1):
    g = torch.Generator().manual_seed(seed)
    if kind == "tokens":
        x = torch.randint(0, 20, (count,) + shape, generator=g)
        return x, (x[:, 0] % 4)
    x = torch.randn((count,) + shape, generator=g)
    if kind == "classes":
        return x, (x.flatten(1).sum(1) * 3).long().clamp(-4, 5) + 4
    with torch.no_grad():
        y = torch.tanh(factory()(x)).detach()
    return x, y


def train(model, x, y, loss_fn, steps=30):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
    model.train()
    for step in range(steps):
        i = torch.arange(step * 16, step * 16 + 16) % len(x)
        optimizer.zero_grad()
        loss_fn(model(x[i]), y[i]).backward()
        optimizer.step()
    return model


def export(out_dir):
    start = time.time()
    torch.manual_seed(0)
    classes = []
    for name, factory, shape, loss_fn, kind in models():
        model = factory()
        x, y = data(shape, kind, factory)
        train(model, x, y, loss_fn)
        # Tokens goes to the global namespace, the others to Walkthrough: both kinds of file are compiled.
        staticnet_export.export(model, shape, name, out_dir, namespace=None if name == "Tokens" else NAMESPACE, loss=loss_fn)
        classes.append(name)
    # For the way back: the data StaticNet trains the exported Mlp on, and its architecture's description.
    x, y = data((64,), "classes", mlp, count=16, seed=2)
    staticnet_export.write_safetensors(os.path.join(out_dir, "Mlp.train.safetensors"),
                                       {"input": x, "labels": y.to(torch.float32)})
    print(json.dumps({"classes": classes, "namespace": NAMESPACE, "seconds": round(time.time() - start, 2)}))


def back(out_dir):
    model = mlp()
    state = staticnet_export.read_safetensors(os.path.join(out_dir, "Mlp.trained.safetensors"))
    model.load_state_dict(state, strict=True)
    model.eval()
    reference = staticnet_export.read_safetensors(os.path.join(out_dir, "Mlp.trained-output.safetensors"))
    with torch.no_grad():
        output = model(reference["input"])
    before = staticnet_export.read_safetensors(os.path.join(out_dir, "Mlp.safetensors"))
    changed = max((state[k] - before[k]).abs().max().item() for k in state)
    diff = (output - reference["output"]).abs().max().item()
    print(json.dumps({"max_abs_diff": diff, "weights_changed_by": changed}))
    if not diff <= 1e-5 or not changed > 0:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("export", "back"):
        sys.exit("usage: pytorch_walkthrough.py export|back DIR")
    (export if sys.argv[1] == "export" else back)(sys.argv[2])
