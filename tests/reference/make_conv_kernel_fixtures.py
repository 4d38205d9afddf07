#!/usr/bin/env python3
"""Writes kernel-level PyTorch golden tensors for StaticNet's convolution, pooling and batch-norm kernels.

Run:  /usr/bin/python3 tests/reference/make_conv_kernel_fixtures.py   (torch 1.13; deterministic, seeded)
Writes tests/reference/fixtures/kernel_{conv2d,pool,batchnorm}.safetensors (float32, PyTorch layouts: NCHW
activations, [Cout, Cin, kh, kw] weights). For every case `{case}.`:
  input, weight, bias, output, grad_output (random), grad_input, grad_weight, grad_bias (what applies)
  batchnorm also: running_mean, running_var (before), running_mean_after, running_var_after
"""

import os
from collections import OrderedDict

import torch
import torch.nn.functional as F

from make_fixtures import write_safetensors

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def conv_cases():
    t = OrderedDict()
    # name, N, Cin, H, W, Cout, (kh, kw), stride, (padH, padW), dilation
    for name, n, cin, h, w, cout, k, s, p, d in [
        ("s2p1", 2, 3, 7, 8, 5, (3, 3), 2, (1, 1), 1),
        ("d2", 2, 4, 8, 7, 6, (3, 3), 1, (2, 2), 2),
        ("rect", 3, 2, 6, 9, 17, (3, 2), 1, (1, 0), 1),
        ("conv1d", 2, 3, 1, 11, 4, (1, 5), 2, (0, 2), 1),
    ]:
        torch.manual_seed(len(t) + 1)
        x = torch.randn(n, cin, h, w, requires_grad=True)
        weight = (torch.randn(cout, cin, *k) * 0.3).requires_grad_()
        bias = torch.randn(cout, requires_grad=True)
        y = F.conv2d(x, weight, bias, stride=s, padding=p, dilation=d)
        g = torch.randn_like(y)
        y.backward(g)
        for key, v in [("input", x), ("weight", weight), ("bias", bias), ("output", y), ("grad_output", g),
                       ("grad_input", x.grad), ("grad_weight", weight.grad), ("grad_bias", bias.grad)]:
            t[f"{name}.{key}"] = v
    return t


def pool_cases():
    t = OrderedDict()
    for name, kind, k, s in [("max3s2", "max", (3, 3), (2, 2)), ("max2", "max", (2, 2), (2, 2)),
                             ("avg2s1", "avg", (2, 2), (1, 1)), ("max1d3s1", "max", (1, 3), (1, 1))]:
        torch.manual_seed(100 + len(t))
        x = torch.randn(2, 5, 7, 8, requires_grad=True)
        y = F.max_pool2d(x, k, s) if kind == "max" else F.avg_pool2d(x, k, s)
        g = torch.randn_like(y)
        y.backward(g)
        for key, v in [("input", x), ("output", y), ("grad_output", g), ("grad_input", x.grad)]:
            t[f"{name}.{key}"] = v
    return t


def batchnorm_cases():
    t = OrderedDict()
    torch.manual_seed(200)
    bn = torch.nn.BatchNorm2d(5, momentum=0.1, eps=1e-5)
    with torch.no_grad():
        bn.weight.copy_(torch.rand(5) + 0.5)
        bn.bias.copy_(torch.randn(5))
        bn.running_mean.copy_(torch.randn(5))
        bn.running_var.copy_(torch.rand(5) + 0.5)
    t["bn2d.running_mean"] = bn.running_mean.clone()
    t["bn2d.running_var"] = bn.running_var.clone()
    bn.train()
    x = (torch.randn(3, 5, 4, 6) * 2 + 1).requires_grad_()
    y = bn(x)
    g = torch.randn_like(y)
    y.backward(g)
    for key, v in [("input", x), ("weight", bn.weight), ("bias", bn.bias), ("output", y), ("grad_output", g),
                   ("grad_input", x.grad), ("grad_weight", bn.weight.grad), ("grad_bias", bn.bias.grad),
                   ("running_mean_after", bn.running_mean), ("running_var_after", bn.running_var)]:
        t[f"bn2d.{key}"] = v
    return t


def main():
    meta = {"torch": torch.__version__, "script": "tests/reference/make_conv_kernel_fixtures.py"}
    for name, tensors in [("kernel_conv2d", conv_cases()), ("kernel_pool", pool_cases()),
                          ("kernel_batchnorm", batchnorm_cases())]:
        write_safetensors(os.path.join(OUT_DIR, name + ".safetensors"), tensors, dict(meta, description=name))
        print(name, len(tensors), "tensors")


if __name__ == "__main__":
    main()
