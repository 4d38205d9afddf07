#!/usr/bin/env python3
"""Resumes a StaticNet checkpoint in torch.optim and takes one step, for CheckpointTorchTests (a [TorchFact]).

    /usr/bin/python3 tests/reference/checkpoint_step.py CHECKPOINT GRADIENTS OUTPUT

CHECKPOINT is a StaticNet checkpoint (docs/training.md): the network's tensors under their PyTorch names and the
optimizer's state under optimizer.state.<name>.{exp_avg, exp_avg_sq, momentum_buffer, step}, with the optimizer's
type and hyperparameters in the metadata. GRADIENTS holds one gradient per trainable tensor, under the tensor's name.
The script rebuilds the optimizer's state_dict from the file (PyTorch keys the state by parameter index), loads it
with load_state_dict, sets the gradients, takes one optimizer.step() and writes the parameters to OUTPUT.
"""
import json
import os
import struct
import sys
from collections import OrderedDict

import numpy
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors  # noqa: E402  (the fixtures' own writer: Debian has no safetensors package)

DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}


def read_safetensors(path):
    """(name -> float32 tensor, metadata) of a safetensors file with F32, F64 or I64 tensors."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        body = f.read()
    meta = header.pop("__metadata__", {})
    tensors = OrderedDict()
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        values = numpy.frombuffer(body[begin:end], dtype=DTYPES[entry["dtype"]]).astype(numpy.float32)
        tensors[name] = torch.from_numpy(values.reshape(entry["shape"]).copy())
    return tensors, meta


def main(checkpoint, gradients_path, output):
    tensors, meta = read_safetensors(checkpoint)
    gradients, _ = read_safetensors(gradients_path)
    names = [n for n in gradients]          # the trainable tensors, in the network's order
    params = [torch.nn.Parameter(tensors[n].clone()) for n in names]
    kind = meta["optimizer.type"]
    lr = float(meta["optimizer.lr"])
    wd = float(meta["optimizer.weight_decay"])
    if kind in ("Adam", "AdamW"):
        cls = torch.optim.Adam if kind == "Adam" else torch.optim.AdamW
        opt = cls(params, lr=lr, betas=(float(meta["optimizer.beta1"]), float(meta["optimizer.beta2"])),
                  eps=float(meta["optimizer.eps"]), weight_decay=wd)
    else:
        opt = torch.optim.SGD(params, lr=lr, momentum=float(meta["optimizer.momentum"]),
                              nesterov=meta["optimizer.nesterov"] == "true", weight_decay=wd)
    buffers = [b for b in meta["optimizer.buffers"].split(",") if b]
    state = opt.state_dict()
    for i, n in enumerate(names):
        entry = {b: tensors[f"optimizer.state.{n}.{b}"] for b in buffers}
        if kind in ("Adam", "AdamW"):
            entry["step"] = tensors[f"optimizer.state.{n}.step"]
        state["state"][i] = entry
    opt.load_state_dict(state)
    for p, n in zip(params, names):
        p.grad = gradients[n].clone()
    opt.step()
    write_safetensors(output, OrderedDict((n, p.detach()) for n, p in zip(names, params)), {"torch": torch.__version__})


if __name__ == "__main__":
    main(*sys.argv[1:])
