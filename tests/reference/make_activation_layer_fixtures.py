#!/usr/bin/env python3
"""Fixtures for StaticNet's stand-alone activation layers (issue 17, item 2): plain nn.Sequential models built with
PyTorch's activation modules (nn.ReLU, nn.LeakyReLU(slope), nn.Sigmoid, nn.Tanh, nn.GELU, nn.SiLU, nn.ELU(alpha),
nn.Softmax(dim=-1)) after Linear, Conv2d, BatchNorm and pools, whose state_dict loads strictly into StaticNet
declarations with no Name (tests/StaticNet.Tests/Networks/ActivationLayerParityTests.cs).

Run from anywhere:  /usr/bin/python3 tests/reference/make_activation_layer_fixtures.py
Needs torch. Deterministic (seeded). Writes to tests/reference/fixtures/, for each fixture NAME:

  act_NAME.safetensors     model.state_dict(), nothing else (num_batches_tracked, int64 in PyTorch, stored as F32)
  act_NAME_io.safetensors  input; target (MSE); eval_output (eval mode, the initial running statistics); output and
                           loss (train mode, nn.MSELoss with mean reduction, one forward); grad.{name} for every
                           parameter (from that training-mode loss)
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


def fixtures():
    """(name, batch, input shape, nn.Sequential factory, the StaticNet declaration after [Input])."""
    yield ("conv_bn_relu", 4, (2, 6, 6),
           lambda: nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.SiLU(), nn.Conv2d(4, 3, 2), nn.BatchNorm2d(3), nn.LeakyReLU(0.2), nn.Flatten(),
                                 nn.Linear(12, 3), nn.GELU()),
           "[Conv2D(4, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)] [SiLU] [Conv2D(3, 2)] [BatchNorm] [LeakyReLU(0.2f)] [Flatten] [Dense(3)] [GELU]")
    yield ("linear_bn_silu", 5, (6,),
           lambda: nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.SiLU(), nn.Linear(8, 7), nn.ELU(0.5),
                                 nn.Linear(7, 6), nn.Tanh(), nn.Linear(6, 5), nn.Sigmoid(), nn.Linear(5, 4),
                                 nn.ELU(), nn.Linear(4, 3), nn.LeakyReLU(0.2)),
           "[Dense(8)] [BatchNorm] [SiLU] [Dense(7)] [ELU(0.5f)] [Dense(6)] [Tanh] [Dense(5)] [Sigmoid] [Dense(4)] [ELU] [Dense(3)] [LeakyReLU(0.2f)]")
    yield ("sequence_softmax", 3, (4, 5),
           lambda: nn.Sequential(nn.Linear(5, 6), nn.GELU(), nn.Linear(6, 4), nn.Softmax(dim=-1), nn.Linear(4, 3), nn.ELU(1.5)),
           "[Dense(6)] [GELU] [Dense(4)] [Softmax] [Dense(3)] [ELU(1.5f)]")
    # The fused Activation.SiLU and Activation.ELU (alpha 1): each activation module right after its Linear/Conv2d.
    yield ("fused_silu_elu", 4, (2, 6, 6),
           lambda: nn.Sequential(nn.Conv2d(2, 3, 3), nn.SiLU(), nn.Conv2d(3, 2, 2), nn.ELU(), nn.Flatten(),
                                 nn.Linear(18, 6), nn.SiLU(), nn.Linear(6, 3), nn.ELU()),
           "[Conv2D(3, 3, Activation.SiLU)] [Conv2D(2, 2, Activation.ELU)] [Flatten] [Dense(6, Activation.SiLU)] [Dense(3, Activation.ELU)]")


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    seed = 1717
    for name, batch, shape, factory, declaration in fixtures():
        seed += 1
        torch.manual_seed(seed)
        model = factory()
        # Non-trivial running statistics, so that eval mode differs from train mode.
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                with torch.no_grad():
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 1.5)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
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
                    "generator": "tests/reference/make_activation_layer_fixtures.py"}
        write_safetensors(f"act_{name}.safetensors", state, metadata)
        io = OrderedDict([("input", inputs), ("target", target), ("eval_output", eval_output), ("output", output),
                          ("loss", loss.reshape(1))])
        for n, p in model.named_parameters():
            io["grad." + n] = p.grad
        write_safetensors(f"act_{name}_io.safetensors", io, metadata)


if __name__ == "__main__":
    main()
