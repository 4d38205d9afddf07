#!/usr/bin/env python3
"""Expected parameters after three steps of torch.optim.SGD, Adam and AdamW, for tests/StaticNet.Tests/Optimizers.

Run from the repository root with a Python that has torch (Debian's python3-torch, 1.13):
    /usr/bin/python3 tests/reference/make_optimizer_fixtures.py
It writes tests/reference/fixtures/optimizers.json:
    { "torch": version, "initial": [37 floats], "gradients": [[37 floats] x 3],
      "cases": [ { "name", "optimizer", "hyperparameters": {...}, "maxGradientNorm",
                   "expected": [[37 floats] after step 1, after step 2, after step 3] } ] }
Floats are float32 values written with repr() of their exact double value, so nothing is lost.
Every hyperparameter is rounded to float32 first, because StaticNet's optimizers take float hyperparameters.
"""
import json
import os

import torch

SIZE = 37    # not a multiple of any vector width, so the SIMD loops and the scalar tail both run
STEPS = 3


def f32(x):
    """The float32 value nearest x, as a Python float (what a C# float literal holds)."""
    return float(torch.tensor(x, dtype=torch.float32).item())


def fixed_inputs():
    g = torch.Generator().manual_seed(1234)
    initial = torch.randn(SIZE, generator=g, dtype=torch.float32)
    # Gradients of mixed scale, including exact zeros, so that Adam's epsilon and clipping matter.
    gradients = []
    for step in range(STEPS):
        grad = torch.randn(SIZE, generator=g, dtype=torch.float32) * (0.5 + step)
        grad[step::11] = 0.0
        gradients.append(grad)
    return initial, gradients


CASES = [
    # name, optimizer class, hyperparameters (C# parameter names), max gradient norm (0 = no clipping)
    ("sgd", "Sgd", {"learningRate": 0.1}, 0.0),
    ("sgd_momentum", "Sgd", {"learningRate": 0.05, "momentum": 0.9}, 0.0),
    ("sgd_nesterov", "Sgd", {"learningRate": 0.05, "momentum": 0.8, "nesterov": True}, 0.0),
    ("sgd_weight_decay", "Sgd", {"learningRate": 0.1, "weightDecay": 0.01}, 0.0),
    ("sgd_momentum_weight_decay_clipped", "Sgd", {"learningRate": 0.05, "momentum": 0.9, "weightDecay": 0.05}, 1.0),
    ("sgd_nesterov_weight_decay", "Sgd", {"learningRate": 0.02, "momentum": 0.5, "nesterov": True, "weightDecay": 0.1}, 0.0),
    ("adam_defaults", "Adam", {}, 0.0),
    ("adam", "Adam", {"learningRate": 0.1, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}, 0.0),
    ("adam_weight_decay", "Adam", {"learningRate": 0.05, "weightDecay": 0.1}, 0.0),
    ("adam_clipped", "Adam", {"learningRate": 0.01, "epsilon": 1e-3}, 0.5),
    ("adamw_defaults", "AdamW", {}, 0.0),
    ("adamw", "AdamW", {"learningRate": 0.1, "beta1": 0.5, "beta2": 0.9, "weightDecay": 0.2}, 0.0),
    ("adamw_clipped", "AdamW", {"learningRate": 0.05, "weightDecay": 0.05, "epsilon": 1e-4}, 2.0),
]


def make_torch_optimizer(kind, params, hp):
    lr = f32(hp.get("learningRate", 1e-3))
    if kind == "Sgd":
        return torch.optim.SGD(params, lr=lr, momentum=f32(hp.get("momentum", 0.0)),
                               nesterov=hp.get("nesterov", False), weight_decay=f32(hp.get("weightDecay", 0.0)))
    betas = (f32(hp.get("beta1", 0.9)), f32(hp.get("beta2", 0.999)))
    eps = f32(hp.get("epsilon", 1e-8))
    if kind == "Adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=f32(hp.get("weightDecay", 0.0)))
    if kind == "AdamW":
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=eps, weight_decay=f32(hp.get("weightDecay", 1e-2)))
    raise ValueError(kind)


def run_case(kind, hp, max_norm, initial, gradients):
    param = torch.nn.Parameter(initial.clone())
    optimizer = make_torch_optimizer(kind, [param], hp)
    expected = []
    for grad in gradients:
        optimizer.zero_grad()
        param.grad = grad.clone()
        if max_norm > 0:
            torch.nn.utils.clip_grad_norm_([param], f32(max_norm))
        optimizer.step()
        expected.append([float(x) for x in param.detach()])
    return expected


def main():
    torch.set_num_threads(1)
    initial, gradients = fixed_inputs()
    fixture = {
        "torch": torch.__version__,
        "initial": [float(x) for x in initial],
        "gradients": [[float(x) for x in g] for g in gradients],
        "cases": [
            {"name": name, "optimizer": kind, "hyperparameters": hp, "maxGradientNorm": max_norm,
             "expected": run_case(kind, hp, max_norm, initial, gradients)}
            for name, kind, hp, max_norm in CASES
        ],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "optimizers.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {path}: {len(CASES)} cases")


if __name__ == "__main__":
    main()
