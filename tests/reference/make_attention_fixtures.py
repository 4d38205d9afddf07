#!/usr/bin/env python3
"""Fixtures for StaticNet's attention-family layers (issue 19): LayerNorm on vectors and sequences, positional
encodings, sequence pooling, multi-head attention and transformer encoder layers, each in a small PyTorch model whose
state_dict loads strictly into the StaticNet declaration in the metadata's "csharp"
(tests/StaticNet.Tests/Networks/AttentionParityTests.cs).

Run from anywhere:  /usr/bin/python3 tests/reference/make_attention_fixtures.py
Needs torch. Deterministic (seeded). Writes to tests/reference/fixtures/, for each fixture NAME:

  attn_NAME.safetensors     model.state_dict(), nothing else
  attn_NAME_io.safetensors  input; target; output (eval mode); loss (train mode, nn.MSELoss, mean); grad.{name} for
                            every parameter; adam.{name}, every parameter after one torch.optim.Adam(lr=0.01) step
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


def perturb_norms(model):
    """Non-trivial LayerNorm affine parameters (PyTorch initialises them to ones and zeros)."""
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)


def fixtures():
    """(name, batch, input shape, module factory, the StaticNet declaration after [Input])."""
    # A vector: LayerNorm over 20 features (one and a quarter 16-float vectors, so the padding mask matters).
    yield ("layernorm_vector", 4, (6,),
           lambda: nn.Sequential(nn.Linear(6, 20), nn.LayerNorm(20), nn.ReLU(), nn.Linear(20, 3)),
           "[Dense(20)] [LayerNorm] [ReLU] [Dense(3)]")
    # A sequence: LayerNorm first (on the input's 7 features), then per step Linear → LayerNorm(eps 1e-3) → Linear.
    yield ("layernorm_sequence", 3, (5, 7),
           lambda: nn.Sequential(nn.LayerNorm(7), nn.Linear(7, 18), nn.LayerNorm(18, eps=1e-3), nn.Linear(18, 4)),
           "[LayerNorm] [Dense(18)] [LayerNorm(Epsilon = 1e-3f)] [Dense(4)]")


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    seed = 1919
    only = set(sys.argv[1:])
    for name, batch, shape, factory, declaration in fixtures():
        seed += 1
        if only and name not in only:
            continue
        torch.manual_seed(seed)
        model = factory()
        perturb_norms(model)
        inputs = torch.randn(batch, *shape)
        state = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
        model.eval()
        with torch.no_grad():
            eval_output = model(inputs)
        target = torch.randn_like(eval_output)
        model.train()
        output = model(inputs)
        loss = nn.MSELoss()(output, target)
        loss.backward()
        metadata = {"torch_version": torch.__version__, "seed": str(seed), "csharp": declaration,
                    "generator": "tests/reference/make_attention_fixtures.py"}
        write_safetensors(f"attn_{name}.safetensors", state, metadata)
        io = OrderedDict([("input", inputs), ("target", target), ("output", eval_output), ("loss", loss.reshape(1))])
        for n, p in model.named_parameters():
            io["grad." + n] = p.grad.detach().clone()
        torch.optim.Adam(model.parameters(), lr=0.01).step()
        for n, p in model.named_parameters():
            io["adam." + n] = p.detach().clone()
        write_safetensors(f"attn_{name}_io.safetensors", io, metadata)


if __name__ == "__main__":
    main()
