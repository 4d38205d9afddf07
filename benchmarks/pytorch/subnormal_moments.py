"""Issue 16: what flushing subnormal optimizer state to zero changes, measured in PyTorch itself.

StaticNet's Adam/AdamW set m and v to +0 when |m| or v falls below float32's smallest normal number (1.17549435e-38),
right after computing them and before using them; SGD does the same to its momentum buffer. PyTorch does not (on x86
CPUs torch.set_flush_denormal(False) is the default), so its moments keep subnormal values. This script runs
torch.optim.Adam / SGD as is (A) against the same update written out in torch float32 operations, in torch's own order,
with the flush added (B), on a parameter vector where half the entries get gradients of magnitudes 1e0 ... 1e-20 for a
few steps and then exactly zero (dead ReLU units), and half keep getting gradients. It prints how many moment values
PyTorch leaves subnormal and how far apart the two parameter vectors end up.

    /usr/bin/python3 benchmarks/pytorch/subnormal_moments.py
"""
import math

import torch

MIN_NORMAL = torch.finfo(torch.float32).tiny  # 1.17549435e-38


PERIOD = 16  # StaticNet flushes on the steps whose number is a multiple of 16 (SubnormalFlush.Period)


def flush(x):
    return torch.where(x.abs() < MIN_NORMAL, torch.zeros_like(x), x)


def flush_on(t, x):
    return flush(x) if t % PERIOD == 0 else x


def gradients(steps, n, live_from_step, seed=0):
    g = torch.Generator().manual_seed(seed)
    scales = torch.tensor([10.0 ** -(i % 21) for i in range(n)], dtype=torch.float32)
    for t in range(steps):
        grad = torch.randn(n, generator=g) * scales
        if t >= live_from_step:
            grad[: n // 2] = 0.0  # the dead half: exactly zero from here on
        yield grad


def adam_reference_with_flush(p0, grads, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, decoupled=False,
                              staticnet_order=False, do_flush=True):
    """torch.optim.Adam/AdamW's single-tensor update (torch 1.13, amsgrad off), step for step, plus the flush; or, with
    staticnet_order, StaticNet's rounding of the same formula (AdamMoments.Update: the inverse square root of the bias
    correction multiplied in, the step size folded into one float)."""
    p = p0.clone()
    m = torch.zeros_like(p)
    v = torch.zeros_like(p)
    for t, grad in enumerate(grads, start=1):
        if decoupled:
            p.mul_(1 - lr * weight_decay)
        elif weight_decay:
            grad = grad.add(p, alpha=weight_decay)
        m.mul_(beta1).add_(grad, alpha=1 - beta1)
        v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        if do_flush:
            m = flush_on(t, m)
            v = flush_on(t, v)
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        step_size = lr / bias_correction1
        if staticnet_order:
            denom = v.sqrt() * torch.tensor(1 / math.sqrt(bias_correction2), dtype=torch.float32) + eps
            p.add_(m * torch.tensor(-step_size, dtype=torch.float32) / denom)
        else:
            denom = (v.sqrt() / math.sqrt(bias_correction2)).add_(eps)
            p.addcdiv_(m, denom, value=-step_size)
    return p, m, v


def sgd_reference_with_flush(p0, grads, lr=1e-2, momentum=0.9, nesterov=False):
    p = p0.clone()
    buf = None
    for t, grad in enumerate(grads, start=1):
        buf = grad.clone() if buf is None else buf.mul_(momentum).add_(grad)
        buf = flush_on(t, buf)
        d = grad.add(buf, alpha=momentum) if nesterov else buf
        p.add_(d, alpha=-lr)
    return p, buf


def subnormal_count(x):
    return int(((x != 0) & (x.abs() < MIN_NORMAL)).sum())


def report(name, p_torch, p_flush, states, label="with the flush"):
    diff = (p_torch - p_flush).abs()
    differing = diff != 0
    largest = float(p_torch.abs()[differing].max()) if bool(differing.any()) else 0.0
    state = f"PyTorch's state subnormal values: {', '.join(f'{k} {subnormal_count(s)}' for k, s in states.items())}; " if states else ""
    print(f"{name}: {state}{label}, parameters differing: {int(differing.sum())} of {p_torch.numel()}, "
          f"max |diff| {float(diff.max()):.3g}, largest |p| among them {largest:.3g}")


def main():
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}; flush-to-zero is off by default (torch.set_flush_denormal(False))")
    n, steps, live = 4096, 5000, 20
    p0 = torch.randn(n, generator=torch.Generator().manual_seed(1))

    for name, kwargs, decoupled in [("Adam", {}, False), ("Adam wd=1e-2", {"weight_decay": 1e-2}, False),
                                    ("AdamW wd=1e-2", {"weight_decay": 1e-2}, True)]:
        p = p0.clone().requires_grad_(True)
        opt = (torch.optim.AdamW if decoupled else torch.optim.Adam)([p], lr=1e-3, **kwargs)
        for grad in gradients(steps, n, live):
            p.grad = grad.clone()
            opt.step()
        state = opt.state[p]
        p_flush, _, _ = adam_reference_with_flush(p0, gradients(steps, n, live), decoupled=decoupled, **kwargs)
        report(name, p.detach(), p_flush, {"m": state["exp_avg"], "v": state["exp_avg_sq"]})
        # For scale: StaticNet's own rounding order, without any flush, against PyTorch.
        p_order, _, _ = adam_reference_with_flush(p0, gradients(steps, n, live), decoupled=decoupled, staticnet_order=True,
                                                  do_flush=False, **kwargs)
        report(name, p.detach(), p_order, None, label="   for scale, StaticNet's rounding order without the flush")

    for name, nesterov in [("SGD momentum 0.9", False), ("SGD Nesterov 0.9", True)]:
        p = p0.clone().requires_grad_(True)
        opt = torch.optim.SGD([p], lr=1e-2, momentum=0.9, nesterov=nesterov)
        for grad in gradients(steps, n, live):
            p.grad = grad.clone()
            opt.step()
        p_flush, _ = sgd_reference_with_flush(p0, gradients(steps, n, live), nesterov=nesterov)
        report(name, p.detach(), p_flush, {"momentum_buffer": opt.state[p]["momentum_buffer"]})

    # Without the flush the written-out update must reproduce torch.optim.Adam exactly, or the comparison above would
    # measure something else.
    p = p0.clone().requires_grad_(True)
    opt = torch.optim.Adam([p], lr=1e-3)
    for grad in gradients(steps, n, live):
        p.grad = grad.clone()
        opt.step()
    p_plain, _, _ = adam_reference_with_flush(p0, gradients(steps, n, live), do_flush=False)
    print(f"check: the written-out Adam without the flush equals torch.optim.Adam bit for bit: {bool(torch.equal(p.detach(), p_plain))}")


if __name__ == "__main__":
    main()
