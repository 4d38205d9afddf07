#!/usr/bin/env python3
"""Learning-rate sequences of torch.optim.lr_scheduler, for tests/StaticNet.Tests/Training/LearningRateSchedulerTests.cs.

Run from the repository root with a Python that has torch (Debian's python3-torch):
    /usr/bin/python3 tests/reference/make_lr_schedule_fixtures.py
It writes tests/reference/fixtures/lr_schedules.json:
    { "torch": version, "cases": [ { "name", "settings": {...}, "lrs": [the learning rate of each step or epoch] } ] }
"lrs" holds the rate used by each optimizer step (per-batch schedules) or in each epoch (per-epoch ones), or, for
ReduceLROnPlateau, the rate after each scheduler.step(metric) of "metrics". Every setting is rounded to float32 first,
because StaticNet's schedules take float settings.
"""
import json
import os

import torch


def f32(x):
    return float(torch.tensor(x, dtype=torch.float32).item())


def optimizer(lr):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def lr_of(opt):
    return opt.param_groups[0]["lr"]


def per_epoch(make, base, epochs):
    opt = optimizer(base)
    scheduler = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(lr_of(opt))
        opt.step()
        scheduler.step()
    return lrs


def main():
    cases = []
    base = f32(0.1)

    gamma = f32(0.5)
    cases.append({"name": "step", "settings": {"base": base, "stepSize": 3, "gamma": gamma, "epochs": 12},
                  "lrs": per_epoch(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=gamma), base, 12)})

    gamma = f32(0.9)
    cases.append({"name": "exponential", "settings": {"base": base, "gamma": gamma, "epochs": 10},
                  "lrs": per_epoch(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=gamma), base, 10)})

    # OneCycleLR per batch: 10 epochs of 5 batches, PyTorch's defaults (cosine, pct_start 0.3, div 25, final div 1e4).
    opt = optimizer(base)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=base, total_steps=50, cycle_momentum=False)
    lrs = []
    for _ in range(50):
        lrs.append(lr_of(opt))
        opt.step()
        scheduler.step()
    cases.append({"name": "onecycle", "settings": {"base": base, "epochs": 10, "batches": 5}, "lrs": lrs})

    # The linear three-phase variant, 40 steps.
    pct = f32(0.25)
    opt = optimizer(base)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=base, total_steps=40, pct_start=pct, anneal_strategy="linear",
                                                    three_phase=True, div_factor=f32(10), final_div_factor=f32(100), cycle_momentum=False)
    lrs = []
    for _ in range(40):
        lrs.append(lr_of(opt))
        opt.step()
        scheduler.step()
    cases.append({"name": "onecycle-linear-three-phase",
                  "settings": {"base": base, "epochs": 8, "batches": 5, "percentStart": pct, "divFactor": f32(10), "finalDivFactor": f32(100)},
                  "lrs": lrs})

    # ReduceLROnPlateau driven by a fixed metric sequence.
    metrics = [1.0, 0.9, 0.895, 0.894, 0.9, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0, 1.1]
    plateau_cases = [
        ("plateau-min-rel", dict(mode="min", factor=f32(0.5), patience=2, threshold=f32(0.01), threshold_mode="rel", cooldown=1, min_lr=f32(0.02))),
        ("plateau-max-abs", dict(mode="max", factor=f32(0.1), patience=1, threshold=f32(0.05), threshold_mode="abs", cooldown=0, min_lr=0.0)),
        ("plateau-defaults", dict()),
    ]
    for name, kwargs in plateau_cases:
        opt = optimizer(base)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        lrs = []
        for m in metrics:
            scheduler.step(m)
            lrs.append(lr_of(opt))
        settings = {k: v for k, v in kwargs.items()}
        settings["base"] = base
        cases.append({"name": name, "settings": settings, "metrics": metrics, "lrs": lrs})

    # Linear warm-up per batch (LinearLR) chained with StepLR per epoch: 6 epochs of 4 batches.
    opt = optimizer(base)
    warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=f32(0.25), total_iters=8)
    step = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=f32(0.5))
    lrs = []
    for _ in range(6):
        for _ in range(4):
            lrs.append(lr_of(opt))
            opt.step()
            warmup.step()
        step.step()
    cases.append({"name": "warmup-step", "settings": {"base": base, "startFactor": f32(0.25), "warmupSteps": 8, "stepSize": 2,
                                                      "gamma": f32(0.5), "epochs": 6, "batches": 4}, "lrs": lrs})

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "lr_schedules.json")
    with open(out, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
