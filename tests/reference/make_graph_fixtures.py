#!/usr/bin/env python3
"""Fixtures for StaticNet's graphs (issue 18): nn.Modules whose forward is a graph, not a stack, and whose state_dict
loads strictly into the StaticNet declarations of tests/StaticNet.Tests/Networks/GraphParityTests.cs.

  residual  a ResNet basic block with BatchNorm and a projected shortcut (1x1 conv, stride 2), after a stem, then
            global average pooling and a Linear head: the shortcut reads stem_relu (From), the sum is [Add]
  seqcat    concatenation skips on sequences: an LSTM's output joined to the network's input, a Linear per step,
            its output joined to the LSTM's output again (the LSTM's output feeds two layers: gradients add up)
  critic    two inputs, state (6) and action (2): a tanh trunk on the state, joined to the action, then ReLU and a
            1-unit head; "input" is the packed [state | action] of StaticNet's several named inputs (forward splits it)

Run from anywhere:  /usr/bin/python3 tests/reference/make_graph_fixtures.py
Needs torch. Deterministic (seeded). Writes to tests/reference/fixtures/, for each fixture NAME:

  graph_NAME.safetensors     model.state_dict()
  graph_NAME_io.safetensors  input; target; eval_output (eval mode); loss (train mode, nn.MSELoss, mean);
                             grad.{name} for every parameter; adam.{name} after one torch.optim.Adam(lr=0.01) step;
                             and, from the initial weights, one training-mode forward and backward(grad_output):
                             grad_output, input_grad (dL/dx), bwd.{name} (the parameters' gradients)
"""

import copy
import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors as write_fixture  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


class Block(nn.Module):
    """A ResNet basic block whose first convolution has stride 2, with a projected shortcut."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=2), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + self.shortcut(x))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.stem_bn = nn.BatchNorm2d(8)
        self.block = Block(8, 16)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        s = F.relu(self.stem_bn(self.stem(x)))
        return self.head(self.block(s).mean((2, 3)))


class SeqCat(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 6, batch_first=True)
        self.proj = nn.Linear(9, 4)
        self.out = nn.Linear(10, 2)

    def forward(self, x):
        h, _ = self.lstm(x)
        p = torch.tanh(self.proj(torch.cat([h, x], -1)))
        return self.out(torch.cat([p, h], -1))


class Critic(nn.Module):
    """Q(s, a): forward splits StaticNet's packed [state | action] sample."""

    def __init__(self):
        super().__init__()
        self.trunk = nn.Linear(6, 16)
        self.fc = nn.Linear(18, 16)
        self.q = nn.Linear(16, 1)

    def forward(self, x):
        state, action = x[:, :6], x[:, 6:]
        h = torch.tanh(self.trunk(state))
        return self.q(F.relu(self.fc(torch.cat([h, action], -1))))


def fixtures():
    """(name, batch, input shape, factory)."""
    yield "residual", 4, (3, 8, 8), Residual
    yield "seqcat", 3, (5, 3), SeqCat
    yield "critic", 5, (8,), Critic


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    seed = 1818
    for name, batch, shape, factory in fixtures():
        seed += 1
        torch.manual_seed(seed)
        model = factory()
        for m in model.modules():  # non-trivial statistics and affine parameters, so that eval differs from train
            if isinstance(m, nn.BatchNorm2d):
                with torch.no_grad():
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 1.5)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
        inputs = torch.randn(batch, *shape)
        state = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
        fresh = copy.deepcopy(model)
        model.eval()
        with torch.no_grad():
            eval_output = model(inputs)
        target = torch.randn_like(eval_output)
        model.train()
        loss = nn.MSELoss()(model(inputs), target)
        loss.backward()
        metadata = {"torch_version": torch.__version__, "seed": str(seed), "generator": "tests/reference/make_graph_fixtures.py"}
        write_fixture(os.path.join(OUT_DIR, f"graph_{name}.safetensors"), state, metadata)
        io = OrderedDict([("input", inputs), ("target", target), ("eval_output", eval_output), ("loss", loss.reshape(1))])
        for n, p in model.named_parameters():
            io["grad." + n] = p.grad.detach().clone()
        torch.optim.Adam(model.parameters(), lr=0.01).step()
        for n, p in model.named_parameters():
            io["adam." + n] = p.detach().clone()
        # Backward from a gradient the caller gives, with the gradient of the input.
        fresh.train()
        x = inputs.clone().requires_grad_(True)
        output = fresh(x)
        grad_output = torch.randn_like(output)
        output.backward(grad_output)
        io["grad_output"] = grad_output
        io["input_grad"] = x.grad.detach().clone()
        for n, p in fresh.named_parameters():
            io["bwd." + n] = p.grad.detach().clone()
        write_fixture(os.path.join(OUT_DIR, f"graph_{name}_io.safetensors"), io, metadata)
        print(name, "loss", float(loss))


if __name__ == "__main__":
    main()
