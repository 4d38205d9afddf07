#!/usr/bin/env python3
"""Fixtures for StaticNet's several outputs (heads, issue 18): a two-input two-head network whose state_dict loads
strictly into tests/StaticNet.Tests/Graphs/HeadsTests.cs's TwoHeadNet.

  two_head  inputs state (6) and action (2), a tanh trunk on the state joined to the action, a shared ReLU layer, then
            a policy head (3 logits, softmax cross-entropy with probability targets, weight 1) and a value head (1 output,
            mean squared error, weight 0.5); "input" is StaticNet's packed [state | action], "target" and the outputs the
            packed [policy | value]

Run from anywhere:  /usr/bin/python3 tests/reference/make_heads_fixtures.py
Needs torch. Deterministic (seeded). Writes to tests/reference/fixtures/:

  heads_two_head.safetensors     model.state_dict()
  heads_two_head_io.safetensors  input; target; sample_weights; eval_output; loss (1 * ce + 0.5 * mse);
                                 grad.{name}; adam.{name} after one torch.optim.Adam(lr=0.01) step;
                                 weighted_loss and wgrad.{name}: each sample's loss times its weight, then the mean;
                                 from the initial weights, backward((policy_grad, value_grad)): bwd.{name},
                                 state_grad, action_grad
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
POLICY, VALUE_WEIGHT = 3, 0.5


class TwoHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Linear(6, 16)
        self.fc = nn.Linear(18, 16)
        self.policy = nn.Linear(16, POLICY)
        self.value = nn.Linear(16, 1)

    def forward(self, state, action):
        h = torch.tanh(self.trunk(state))
        f = F.relu(self.fc(torch.cat([h, action], -1)))
        return self.policy(f), self.value(f)


def split(x):
    return x[:, :6], x[:, 6:]


def loss_per_sample(policy, value, target):
    """Each sample's 1 * ce + 0.5 * mse (the value head's mean over its outputs)."""
    ce = F.cross_entropy(policy, target[:, :POLICY], reduction="none")
    mse = ((value - target[:, POLICY:]) ** 2).mean(-1)
    return ce + VALUE_WEIGHT * mse


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.manual_seed(1844)
    batch = 37  # more than one 32-row chunk
    model = TwoHead()
    inputs = torch.randn(batch, 8)
    target = torch.cat([torch.softmax(torch.randn(batch, POLICY) * 2, -1), torch.randn(batch, 1)], -1)
    weights = torch.rand(batch) * 2
    state = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    fresh, weighted = copy.deepcopy(model), copy.deepcopy(model)
    with torch.no_grad():
        eval_output = torch.cat(model(*split(inputs)), -1)
    loss = loss_per_sample(*model(*split(inputs)), target).mean()
    loss.backward()
    metadata = {"torch_version": torch.__version__, "seed": "1844", "generator": "tests/reference/make_heads_fixtures.py"}
    write_fixture(os.path.join(OUT_DIR, "heads_two_head.safetensors"), state, metadata)
    io = OrderedDict([("input", inputs), ("target", target), ("sample_weights", weights), ("eval_output", eval_output), ("loss", loss.reshape(1))])
    for n, p in model.named_parameters():
        io["grad." + n] = p.grad.detach().clone()
    torch.optim.Adam(model.parameters(), lr=0.01).step()
    for n, p in model.named_parameters():
        io["adam." + n] = p.detach().clone()
    weighted_loss = (loss_per_sample(*weighted(*split(inputs)), target) * weights).mean()
    weighted_loss.backward()
    io["weighted_loss"] = weighted_loss.reshape(1)
    for n, p in weighted.named_parameters():
        io["wgrad." + n] = p.grad.detach().clone()
    # Backward from gradients the caller gives for each head, with the gradients of both inputs.
    s, a = (t.clone().requires_grad_(True) for t in split(inputs))
    policy, value = fresh(s, a)
    policy_grad, value_grad = torch.randn_like(policy), torch.randn_like(value)
    torch.autograd.backward([policy, value], [policy_grad, value_grad])
    io["policy_grad"], io["value_grad"] = policy_grad, value_grad
    io["state_grad"], io["action_grad"] = s.grad.detach().clone(), a.grad.detach().clone()
    for n, p in fresh.named_parameters():
        io["bwd." + n] = p.grad.detach().clone()
    write_fixture(os.path.join(OUT_DIR, "heads_two_head_io.safetensors"), io, metadata)
    print("two_head loss", float(loss), "weighted", float(weighted_loss))


if __name__ == "__main__":
    main()
