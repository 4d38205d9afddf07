#!/usr/bin/env python3
"""Writes the PyTorch golden fixtures for StaticNet's recurrent kernels (LstmKernels, GruKernels, RnnKernels).

Run from anywhere:  /usr/bin/python3 tests/reference/make_rnn_kernel_fixtures.py   (torch 1.13 was used)
Writes tests/reference/fixtures/kernel_{lstm,gru,rnn_tanh,rnn_relu}.safetensors, deterministic (seeded).

Each file holds one single-layer batch_first module (input_size F, hidden_size H) with PyTorch's default
initialisation and these float32 tensors:
  weight_ih_l0 [G*H, F], weight_hh_l0 [G*H, H], bias_ih_l0 [G*H], bias_hh_l0 [G*H]   the parameters
  input      [B, T, F]   from randn
  output     [B, T, H]   every step's h (zero initial state)
  seq.dy     [B, T, H]   an upstream gradient on every step (loss = sum(output * seq.dy))
  seq.grad.{param}, seq.dx [B, T, F]   the gradients for that loss
  last.dy    [B, H]      an upstream gradient on the last step only (loss = sum(output[:, -1] * last.dy))
  last.grad.{param}, last.dx [B, T, F]
__metadata__ records the torch version, sizes and seed.
"""

import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
B, T, F, H = 3, 6, 3, 20
PARAMS = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]


def make(name, factory, seed):
    torch.manual_seed(seed)
    module = factory()
    x = torch.randn(B, T, F)
    dy_seq = torch.randn(B, T, H)
    dy_last = torch.randn(B, H)
    tensors = {p: getattr(module, p).detach().clone() for p in PARAMS}
    tensors["input"] = x
    for mode, dy in (("seq", dy_seq), ("last", dy_last)):
        module.zero_grad()
        xi = x.clone().requires_grad_(True)
        out, _ = module(xi)
        if mode == "seq":
            tensors["output"] = out.detach()
            loss = (out * dy).sum()
        else:
            loss = (out[:, -1] * dy).sum()
        loss.backward()
        tensors[mode + ".dy"] = dy
        for p in PARAMS:
            tensors[mode + ".grad." + p] = getattr(module, p).grad.detach().clone()
        tensors[mode + ".dx"] = xi.grad.detach().clone()
    metadata = {"torch": torch.__version__, "seed": str(seed), "module": name,
                "sizes": f"B={B} T={T} F={F} H={H}", "description": __doc__.strip().splitlines()[0]}
    write_safetensors(os.path.join(OUT_DIR, f"kernel_{name}.safetensors"), tensors, metadata)
    print("wrote", name, {k: list(v.shape) for k, v in tensors.items() if k in ("input", "output")})


if __name__ == "__main__":
    make("lstm", lambda: nn.LSTM(F, H, batch_first=True), 11)
    make("gru", lambda: nn.GRU(F, H, batch_first=True), 12)
    make("rnn_tanh", lambda: nn.RNN(F, H, nonlinearity="tanh", batch_first=True), 13)
    make("rnn_relu", lambda: nn.RNN(F, H, nonlinearity="relu", batch_first=True), 14)
