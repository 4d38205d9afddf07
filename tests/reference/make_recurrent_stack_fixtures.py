#!/usr/bin/env python3
"""PyTorch golden fixtures for stacked and bidirectional recurrent layers (issue 17, item 3): nn.LSTM / nn.GRU / nn.RNN
with num_layers, bidirectional=True and dropout, each network a bare nn.Sequential whose state_dict keys are the names
StaticNet gives layers without a Name (`0.weight_ih_l1`, `0.weight_hh_l0_reverse`, `1.weight`, ...).

    /usr/bin/python3 tests/reference/make_recurrent_stack_fixtures.py              # writes the fixtures
    /usr/bin/python3 tests/reference/make_recurrent_stack_fixtures.py load NAME FILE [NAME FILE ...]
        # for each pair: builds fixture NAME's module, load_state_dict(FILE, strict=True) (a file StaticNet saved, its
        # state_dict plus `input` and `output`), runs it on `input` and prints one JSON line {"fixture", "max_abs_diff"}
        # against `output`; exits 1 if any differs by more than 1e-5

Needs torch (1.13 was used). Writes tests/reference/fixtures/rstack_{fixture}.safetensors with make_fixtures.py's
writer, and prints the C# declaration each matches. Deterministic: each fixture seeds torch itself.

A recurrent module is one module of the nn.Sequential: a small subclass of nn.LSTM, ... (so that its parameter names
are PyTorch's own) that returns the whole output sequence (ReturnSequences) or `output[:, -1]`. For a bidirectional
layer `output[:, -1]` is [h_fwd after the last step, h_rev at the last step], h_rev there being the reverse direction's
state after its first step (not its final state h_n), and that is what StaticNet's layer without ReturnSequences
gives. A Dense after a sequence applies to every step.

Tensors (float32):
  {name}          each state_dict entry as initialised (PyTorch's default initialisation under the fixture's seed)
  input           [batch, T, F]
  target          [batch, *output shape], the MSE target
  output          the network output in training mode (lstm2_dropout and stream_lstm2: in inference mode, model.eval())
  loss            [1], MSELoss (mean)
  grad.{name}     the loss's gradient per parameter (not for lstm2_dropout, whose mask is random, nor stream_lstm2)
  adam.{name}     each parameter after one torch.optim.Adam(lr=0.01) step from the initial weights (idem)
__metadata__: torch version, seed, description, the C# declaration.

| fixture        | C# declaration (batch 4 unless noted, MSE) |
|----------------|--------------------------------------------|
| lstm2_last     | [Input(6, 3)] [LSTM(5, NumLayers = 2)] [Dense(2)] |
| gru3_seq       | [Input(5, 2)] [GRU(4, NumLayers = 3, ReturnSequences = true)] [Dense(2)] |
| gru_bi_seq     | [Input(6, 3)] [GRU(4, Bidirectional = true, ReturnSequences = true)] [Dense(2)] |
| lstm_bi_last   | [Input(6, 3)] [LSTM(4, Bidirectional = true)] [Dense(2)] |
| lstm_bi2_last  | [Input(5, 3)] [LSTM(4, NumLayers = 2, Bidirectional = true)] [Dense(3)] |
| rnn_bi2_seq    | [Input(5, 2)] [SimpleRNN(3, NumLayers = 2, Bidirectional = true, ReturnSequences = true)] [Dense(2)] |
| rnn_relu2_last | [Input(6, 2)] [SimpleRNN(5, Activation.ReLU, NumLayers = 2)] [Dense(2)] |
| lstm2_dropout  | [Input(6, 3)] [LSTM(5, NumLayers = 2, Dropout = 0.3f, ReturnSequences = true)] [Dense(2)] (inference) |
| stream_lstm2   | [Input(16, 1)] [LSTM(32, NumLayers = 2, ReturnSequences = true)] [Dense(1)] (batch 2, inference; the benchmark's shape) |
"""
import json
import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors as write_fixture  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


class _Recurrent:
    """Mixin: batch_first, zero initial state; the whole output sequence or output[:, -1]."""

    def forward(self, x):
        out, _ = super().forward(x)
        return out if self.return_sequences else out[:, -1, :]


class LSTM(_Recurrent, nn.LSTM):
    def __init__(self, n_in, hidden, return_sequences=False, **options):
        nn.LSTM.__init__(self, n_in, hidden, batch_first=True, **options)
        self.return_sequences = return_sequences


class GRU(_Recurrent, nn.GRU):
    def __init__(self, n_in, hidden, return_sequences=False, **options):
        nn.GRU.__init__(self, n_in, hidden, batch_first=True, **options)
        self.return_sequences = return_sequences


class RNN(_Recurrent, nn.RNN):
    def __init__(self, n_in, hidden, return_sequences=False, **options):
        nn.RNN.__init__(self, n_in, hidden, batch_first=True, **options)
        self.return_sequences = return_sequences


def fixtures():
    """(name, batch, input shape, module factory, C# attributes, trains): trains=False (outputs only) for the dropout
    fixture (its mask is random) and the streaming one (kept small)."""
    yield ("lstm2_last", 4, (6, 3), lambda: [LSTM(3, 5, num_layers=2), nn.Linear(5, 2)],
           "[Input(6, 3)] [LSTM(5, NumLayers = 2)] [Dense(2)]", True)
    yield ("gru3_seq", 4, (5, 2), lambda: [GRU(2, 4, True, num_layers=3), nn.Linear(4, 2)],
           "[Input(5, 2)] [GRU(4, NumLayers = 3, ReturnSequences = true)] [Dense(2)]", True)
    yield ("gru_bi_seq", 4, (6, 3), lambda: [GRU(3, 4, True, bidirectional=True), nn.Linear(8, 2)],
           "[Input(6, 3)] [GRU(4, Bidirectional = true, ReturnSequences = true)] [Dense(2)]", True)
    yield ("lstm_bi_last", 4, (6, 3), lambda: [LSTM(3, 4, bidirectional=True), nn.Linear(8, 2)],
           "[Input(6, 3)] [LSTM(4, Bidirectional = true)] [Dense(2)]", True)
    yield ("lstm_bi2_last", 4, (5, 3), lambda: [LSTM(3, 4, num_layers=2, bidirectional=True), nn.Linear(8, 3)],
           "[Input(5, 3)] [LSTM(4, NumLayers = 2, Bidirectional = true)] [Dense(3)]", True)
    yield ("rnn_bi2_seq", 4, (5, 2), lambda: [RNN(2, 3, True, num_layers=2, bidirectional=True), nn.Linear(6, 2)],
           "[Input(5, 2)] [SimpleRNN(3, NumLayers = 2, Bidirectional = true, ReturnSequences = true)] [Dense(2)]", True)
    yield ("rnn_relu2_last", 4, (6, 2), lambda: [RNN(2, 5, num_layers=2, nonlinearity="relu"), nn.Linear(5, 2)],
           "[Input(6, 2)] [SimpleRNN(5, Activation.ReLU, NumLayers = 2)] [Dense(2)]", True)
    yield ("lstm2_dropout", 4, (6, 3), lambda: [LSTM(3, 5, True, num_layers=2, dropout=0.3), nn.Linear(5, 2)],
           "[Input(6, 3)] [LSTM(5, NumLayers = 2, Dropout = 0.3f, ReturnSequences = true)] [Dense(2)]", False)
    yield ("stream_lstm2", 2, (16, 1), lambda: [LSTM(1, 32, True, num_layers=2), nn.Linear(32, 1)],
           "[Input(16, 1)] [LSTM(32, NumLayers = 2, ReturnSequences = true)] [Dense(1)]", False)


def build(name):
    for index, (fixture, batch, shape, factory, attributes, trains) in enumerate(fixtures()):
        if fixture == name:
            seed = 7001 + index
            torch.manual_seed(seed)
            return nn.Sequential(*factory()), seed, batch, shape, attributes, trains
    raise SystemExit(f"no fixture named {name!r}")


def make_fixture(name):
    model, seed, batch, shape, attributes, trains = build(name)
    inputs = torch.randn(batch, *shape)
    tensors = OrderedDict((n, t.detach().clone()) for n, t in model.state_dict().items())
    tensors["input"] = inputs
    if not trains:
        model.eval()
        with torch.no_grad():
            output = model(inputs)
        tensors["target"] = torch.randn(output.shape)
        tensors["output"] = output
        tensors["loss"] = F.mse_loss(output, tensors["target"]).reshape(1)
    else:
        model.train()
        output = model(inputs)
        target = torch.randn(output.shape)
        value = F.mse_loss(output, target)
        model.zero_grad()
        value.backward()
        tensors["target"] = target
        tensors["output"] = output
        tensors["loss"] = value.reshape(1)
        for n, p in model.named_parameters():
            tensors["grad." + n] = p.grad.detach().clone()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        optimizer.zero_grad()
        F.mse_loss(model(inputs), target).backward()
        optimizer.step()
        for n, p in model.named_parameters():
            tensors["adam." + n] = p.detach().clone()

    class_name = "RStack" + "".join(part.capitalize() for part in name.split("_")) + "Net"
    declaration = f"[Network(Loss = Loss.MeanSquaredError)] {attributes}\npublic partial class {class_name} {{ }}"
    metadata = {
        "torch_version": torch.__version__,
        "seed": str(seed),
        "description": f"{name}: {attributes}; batch {batch}; MSE (mean)" + ("" if trains else "; output in inference mode"),
        "csharp": declaration,
        "generator": "tests/reference/make_recurrent_stack_fixtures.py",
    }
    path = os.path.join(OUT_DIR, f"rstack_{name}.safetensors")
    write_fixture(path, tensors, metadata)
    size = os.path.getsize(path)
    assert size < 120_000, (name, size)
    print(f"// rstack_{name}.safetensors ({size} bytes): " +
          ", ".join(f"{k} {list(v.shape)}" for k, v in tensors.items() if not k.startswith(("grad.", "adam."))))
    print(declaration)
    print()


def read_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        assert info["dtype"] == "F32", (key, info["dtype"])
        start, end = info["data_offsets"]
        out[key] = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32).reshape(info["shape"])
    return out


def load(name, path):
    """Loads a file StaticNet saved into fixture NAME's module with strict=True and compares the outputs."""
    model, *_ = build(name)
    tensors = read_safetensors(path)
    state = OrderedDict((k, v) for k, v in tensors.items() if k not in ("input", "output"))
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        output = model(tensors["input"])
    difference = (output - tensors["output"]).abs().max().item()
    print(json.dumps({"fixture": name, "max_abs_diff": difference, "keys": len(state)}))
    return 0 if difference <= 1e-5 else 1


def main(argv):
    torch.set_num_threads(1)
    if argv[:1] == ["load"]:
        pairs = argv[1:]
        return max(load(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2))
    os.makedirs(OUT_DIR, exist_ok=True)
    for fixture, *_ in fixtures():
        make_fixture(fixture)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
