#!/usr/bin/env python3
"""Exports a trained PyTorch model to StaticNet: the C# declaration, the weights, and a check.

    import staticnet_export                      # tools/ on sys.path
    result = staticnet_export.export(model, input_shape=(1, 28, 28), class_name="FashionNet",
                                     namespace="MyApp", loss="cross_entropy", out_dir="export")

writes, in out_dir:

  FashionNet.cs                  the declaration: [Network], [Input], one attribute per layer, each with
                                 Name = its state_dict prefix (so the file loads strictly whatever StaticNet's
                                 default names are)
  FashionNet.safetensors         model.state_dict(), keys unchanged, PyTorch layouts, float32 (num_batches_tracked
                                 int64, as PyTorch keeps it)
  FashionNet.check.safetensors   `input` [n, *input_shape] and `output` [n, *output_shape]: what the model computes in
                                 eval() mode on n seeded random samples
  FashionNet.Check.cs            FashionNetPyTorchCheck.MaxAbsDifference(weights, reference) and .Verify(...): loads
                                 the weights into the generated class, runs Forward on every reference input and
                                 compares with PyTorch's outputs

Or from the command line, for a model saved with torch.save(model, "model.pt"):

    python3 tools/staticnet_export.py model.pt --input-shape 1,28,28 --class-name FashionNet --out export

Supported: an nn.Sequential (nested ones are flattened, names dotted as in the state_dict), or a module whose forward
runs its children in order (checked on the reference inputs; so are blocks of your own types inside), made of nn.Linear, nn.Conv1d, nn.Conv2d,
nn.MaxPool1d/2d, nn.AvgPool1d/2d, nn.AdaptiveAvgPool1d/2d(1) + nn.Flatten, nn.Flatten, nn.BatchNorm1d/2d, nn.Dropout,
nn.Embedding, nn.Identity, nn.RNN/nn.LSTM/nn.GRU (batch_first=True, any num_layers, bidirectional, dropout; followed by
RecurrentOutput below), and nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.GELU (exact), nn.SiLU, nn.ELU, nn.Softmax(dim=-1):
fused into the Linear or convolution right before it as its Activation when that expresses it exactly (LeakyReLU slope
0.01, ELU alpha 1, Softmax after a Linear with a vector output), else the stand-alone layer ([ReLU], [LeakyReLU(slope)],
[ELU(alpha)], ..., [Softmax]). Anything else is an ExportError that names the module's path and
type and says what is supported. See docs/pytorch.md.

Needs torch only (no safetensors package: the writer below produces the format).
"""

import argparse
import json
import math
import os
import struct
import sys
import warnings
from collections import OrderedDict

import torch
import torch.nn as nn

__all__ = ["export", "ExportError", "ExportResult", "RecurrentOutput", "write_safetensors", "read_safetensors", "declaration"]

SUPPORTED = ("nn.Sequential (nested ones flattened), nn.Linear, nn.Conv1d, nn.Conv2d, nn.MaxPool1d, nn.MaxPool2d, "
             "nn.AvgPool1d, nn.AvgPool2d, nn.AdaptiveAvgPool1d(1)/nn.AdaptiveAvgPool2d(1) followed by nn.Flatten, "
             "nn.Flatten, nn.BatchNorm1d, nn.BatchNorm2d, nn.Dropout, nn.Embedding, nn.Identity, "
             "nn.RNN/nn.LSTM/nn.GRU (batch_first=True; num_layers, bidirectional, dropout) followed by "
             "staticnet_export.RecurrentOutput, and nn.ReLU, nn.LeakyReLU (slope >= 0), nn.Sigmoid, nn.Tanh, "
             "nn.GELU (approximate='none'), nn.SiLU, nn.ELU (alpha > 0), nn.Softmax(dim=-1) on vectors and sequences")


class ExportError(ValueError):
    """A model, or one of its modules, that StaticNet cannot express."""


class RecurrentOutput(nn.Module):
    """Put after nn.RNN/nn.LSTM/nn.GRU in an nn.Sequential (which cannot pass their (output, state) tuple on).

    return_sequences=False keeps the last step's hidden state, [batch, hidden]; True keeps every step's,
    [batch, steps, hidden]. StaticNet's ReturnSequences option is the same choice. It has no parameters, so the
    state_dict is unchanged.
    """

    def __init__(self, return_sequences=False):
        super().__init__()
        self.return_sequences = bool(return_sequences)

    def forward(self, x):
        output = x[0] if isinstance(x, tuple) else x
        return output if self.return_sequences else output[:, -1]

    def extra_repr(self):
        return f"return_sequences={self.return_sequences}"


class ExportResult:
    """What export() wrote and computed."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self):
        return "ExportResult(" + ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if k != "declaration") + ")"


# ----------------------------------------------------------------------------------------------------------------------
# safetensors, standard library + torch

_DTYPES = {torch.float32: ("F32", "<f4"), torch.int64: ("I64", "<i8")}


def write_safetensors(path, tensors, metadata=None):
    """Writes an ordered mapping name -> tensor: float tensors as F32, integer ones as I64 (as PyTorch keeps
    num_batches_tracked). The header is UTF-8 JSON padded with spaces to a multiple of 8; data little-endian."""
    header = OrderedDict()
    if metadata:
        header["__metadata__"] = OrderedDict(sorted((str(k), str(v)) for k, v in metadata.items()))
    blobs, offset = [], 0
    for name, tensor in tensors.items():
        t = tensor.detach().cpu()
        t = t.to(torch.int64) if not (t.is_floating_point() or t.is_complex()) else t.to(torch.float32)
        dtype, layout = _DTYPES[t.dtype]
        data = t.contiguous().numpy().astype(layout).tobytes()
        header[name] = OrderedDict([("dtype", dtype), ("shape", list(t.shape)), ("data_offsets", [offset, offset + len(data)])])
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    """Reads a safetensors file of F32/I64 tensors (what StaticNet's SaveSafetensors writes) into an OrderedDict."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length].decode("utf-8"), object_pairs_hook=OrderedDict)
    body = memoryview(data)[8 + length:]
    result = OrderedDict()
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        kind = {"F32": ("f", 4, torch.float32), "I64": ("q", 8, torch.int64)}.get(entry["dtype"])
        if kind is None:
            raise ExportError(f"{path}: tensor {name!r} has dtype {entry['dtype']}; this reader takes F32 and I64")
        fmt, size, dtype = kind
        count = (end - begin) // size
        values = struct.unpack(f"<{count}{fmt}", body[begin:end])
        result[name] = torch.tensor(values, dtype=dtype).reshape(entry["shape"])
    return result


# ----------------------------------------------------------------------------------------------------------------------
# the model as a chain of named modules

def _container(module):
    """Whether the exporter looks inside: an nn.Sequential, or a module of another type (not one of PyTorch's) that has
    children; export() checks that the chain computes what the whole model computes."""
    return isinstance(module, nn.Sequential) or (
        not type(module).__module__.startswith("torch.") and not isinstance(module, RecurrentOutput)
        and any(True for _ in module.children()))


def _flatten(module, prefix, out):
    for name, child in module.named_children():
        path = prefix + name
        if _container(child):
            _flatten(child, path + ".", out)
        else:
            out.append((path, child))


def _chain(model):
    """[(state_dict prefix, module)] in the order they run, nested Sequentials (and blocks) flattened."""
    chain = []
    _flatten(model, "", chain)
    if not chain:
        raise ExportError(f"{type(model).__name__} has no child modules; expected an nn.Sequential or a module whose "
                          f"forward runs its children in order. Supported: {SUPPORTED}.")
    return chain


def _run_chain(chain, x):
    for _, module in chain:
        x = module(x)
    return x


def _type(module):
    t = type(module)
    return f"{t.__module__}.{t.__qualname__}" if not t.__module__.startswith("torch.nn") else "nn." + t.__name__


def _fail(path, module, why):
    raise ExportError(f"module '{path}' ({_type(module)}): {why}. Supported: {SUPPORTED}.")


def _pair(value, path, module, what):
    if isinstance(value, (tuple, list)):
        if len(set(value)) != 1:
            _fail(path, module, f"{what} {tuple(value)} differs between dimensions; StaticNet takes one {what} for all")
        return value[0]
    return value


def _float(value):
    text = repr(float(value))
    return text.replace("e-0", "e-").replace("e+0", "e+") + "f"


_ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.GELU, nn.SiLU, nn.ELU, nn.Softmax)


_SPATIAL = (nn.Conv1d, nn.Conv2d, nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)
_PASS_THROUGH = _ACTIVATIONS + (nn.BatchNorm1d, nn.BatchNorm2d, nn.Dropout, nn.Identity)


def _check_activation(path, module, out_shape, spatial):
    """Refuses what neither a fused Activation nor a stand-alone activation layer can express."""
    if isinstance(module, nn.GELU) and getattr(module, "approximate", "none") != "none":
        _fail(path, module, f"approximate={module.approximate!r}; StaticNet's GELU is the exact (erf) form "
                            f"(use nn.GELU(), approximate='none')")
    if isinstance(module, nn.LeakyReLU) and not module.negative_slope >= 0:
        _fail(path, module, f"negative_slope={module.negative_slope}; StaticNet's LeakyReLU takes a slope >= 0")
    if isinstance(module, nn.ELU) and not module.alpha > 0:
        _fail(path, module, f"alpha={module.alpha}; StaticNet's ELU takes an alpha > 0")
    if isinstance(module, nn.Softmax):
        if spatial or len(out_shape) > 2:
            _fail(path, module, "StaticNet's Softmax is over a vector or over each step's features of a sequence, "
                                "not over a spatial shape (put nn.Flatten before it)")
        if module.dim not in (-1, len(out_shape)):
            _fail(path, module, f"dim={module.dim}; expected the features' dimension, -1 (or {len(out_shape)})")


def _activation(path, module, out_shape, layer_kind):
    """The C# Activation that fuses the activation module into the Dense/Conv before it exactly, or None (the module
    then becomes a stand-alone activation layer)."""
    if isinstance(module, nn.ReLU):
        return "ReLU"
    if isinstance(module, nn.LeakyReLU):
        return "LeakyReLU" if math.isclose(module.negative_slope, 0.01, rel_tol=0, abs_tol=1e-12) else None
    if isinstance(module, nn.Sigmoid):
        return "Sigmoid"
    if isinstance(module, nn.Tanh):
        return "Tanh"
    if isinstance(module, nn.GELU):
        return "GELU"
    if isinstance(module, nn.SiLU):
        return "SiLU"
    if isinstance(module, nn.ELU):
        return "ELU" if module.alpha == 1.0 else None
    if isinstance(module, nn.Softmax):  # the fused Softmax is over all of a sample's outputs: a Dense's vector only
        return "Softmax" if layer_kind == "Dense" and len(out_shape) == 1 else None
    raise AssertionError(module)


def _standalone(module):
    """The stand-alone activation attribute's kind and positional arguments."""
    if isinstance(module, nn.LeakyReLU):
        slope = module.negative_slope
        return "LeakyReLU", [] if math.isclose(slope, 0.01, rel_tol=0, abs_tol=1e-12) else [_float(slope)]
    if isinstance(module, nn.ELU):
        return "ELU", [] if module.alpha == 1.0 else [_float(module.alpha)]
    return {nn.ReLU: "ReLU", nn.Sigmoid: "Sigmoid", nn.Tanh: "Tanh", nn.GELU: "GELU", nn.SiLU: "SiLU",
            nn.Softmax: "Softmax"}[type(module)], []


def _attribute(kind, positional, options, name):
    args = [str(a) for a in positional]
    args += [f"{k} = {v}" for k, v in options]
    args.append(f"Name = {json.dumps(name)}")
    return f"[{kind}({', '.join(args)})]"


def _layers(chain, shapes):
    """The attribute lines, the expected state_dict keys, whether the input is token ids, and the module names used."""
    lines, keys = [], []
    tokens = False
    # Whether the values are spatial ([channels, length] or [channels, height, width]) rather than a vector or a
    # [steps, features] sequence: a Softmax over the last dimension is StaticNet's over a vector or each step only.
    spatial = len(shapes[0][0]) == 3 if shapes else False
    for _, first in chain:
        if not isinstance(first, _PASS_THROUGH):
            spatial = spatial or isinstance(first, _SPATIAL)
            break
    i = 0
    while i < len(chain):
        path, m = chain[i]
        in_shape, out_shape = shapes[i]
        nxt = chain[i + 1] if i + 1 < len(chain) else None
        consumed = 1

        def fused(kind):
            if nxt is not None and isinstance(nxt[1], _ACTIVATIONS):
                _check_activation(nxt[0], nxt[1], shapes[i + 1][1], kind != "Dense")
                return _activation(nxt[0], nxt[1], shapes[i + 1][1], kind)
            return None

        if isinstance(m, nn.Identity):
            pass
        elif isinstance(m, nn.Linear):
            if m.bias is None:
                _fail(path, m, "bias=False; StaticNet's Dense always has a bias")
            if len(in_shape) > 2:
                _fail(path, m, f"its input is {list(in_shape)} per sample; StaticNet's Dense takes a vector, or a "
                               f"[steps, features] sequence (put nn.Flatten before it)")
            act = fused("Dense")
            lines.append(_attribute("Dense", [m.out_features] + ([f"Activation.{act}"] if act else []), [], path))
            keys += [path + ".weight", path + ".bias"]
            consumed += 1 if act else 0
        elif isinstance(m, (nn.Conv1d, nn.Conv2d)):
            kind = "Conv1D" if isinstance(m, nn.Conv1d) else "Conv2D"
            if m.groups != 1:
                _fail(path, m, f"groups={m.groups}; StaticNet's convolutions have groups=1")
            if m.padding_mode != "zeros":
                _fail(path, m, f"padding_mode={m.padding_mode!r}; StaticNet pads with zeros")
            stride = _pair(m.stride, path, m, "stride")
            dilation = _pair(m.dilation, path, m, "dilation")
            options = []
            if stride != 1:
                options.append(("Stride", stride))
            if isinstance(m.padding, str):
                if m.padding == "same":
                    options.append(("PaddingMode", "PaddingMode.Same"))
                elif m.padding == "valid":
                    options.append(("PaddingMode", "PaddingMode.Valid"))
            else:
                padding = _pair(m.padding, path, m, "padding")
                if padding != 0:
                    options.append(("Padding", padding))
            if dilation != 1:
                options.append(("Dilation", dilation))
            if m.bias is None:
                options.append(("Bias", "false"))
            act = fused(kind)
            if kind == "Conv1D":
                kernel = [m.kernel_size[0]]
            else:
                kh, kw = m.kernel_size
                kernel = [kh] if kh == kw else [kh, kw]
            lines.append(_attribute(kind, [m.out_channels] + kernel + ([f"Activation.{act}"] if act else []), options, path))
            keys += [path + ".weight"] + ([path + ".bias"] if m.bias is not None else [])
            consumed += 1 if act else 0
        elif isinstance(m, (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)):
            two = isinstance(m, (nn.MaxPool2d, nn.AvgPool2d))
            kind = ("MaxPool" if isinstance(m, (nn.MaxPool1d, nn.MaxPool2d)) else "AvgPool") + ("2D" if two else "1D")
            size = _pair(m.kernel_size, path, m, "kernel_size")
            stride = _pair(m.stride, path, m, "stride") if m.stride is not None else size
            if _pair(m.padding, path, m, "padding") != 0:
                _fail(path, m, f"padding={m.padding}; StaticNet's pools have no padding")
            if m.ceil_mode:
                _fail(path, m, "ceil_mode=True; StaticNet's pools floor, as PyTorch's default")
            if isinstance(m, (nn.MaxPool1d, nn.MaxPool2d)):
                if _pair(m.dilation, path, m, "dilation") != 1:
                    _fail(path, m, f"dilation={m.dilation}; StaticNet's pools have no dilation")
                if m.return_indices:
                    _fail(path, m, "return_indices=True")
            elif getattr(m, "divisor_override", None) is not None:
                _fail(path, m, "divisor_override is set; StaticNet's AvgPool divides by the window's size")
            lines.append(_attribute(kind, [size], [("Stride", stride)] if stride != size else [], path))
        elif isinstance(m, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d)):
            size = m.output_size if isinstance(m.output_size, (tuple, list)) else (m.output_size,)
            if any(s != 1 for s in size):
                _fail(path, m, f"output_size={m.output_size}; StaticNet's GlobalAvgPool is output_size 1")
            if nxt is None or not isinstance(nxt[1], nn.Flatten):
                _fail(path, m, "StaticNet's GlobalAvgPool is nn.AdaptiveAvgPool(1) followed by nn.Flatten(); add the Flatten")
            lines.append(_attribute("GlobalAvgPool", [], [], path))
            consumed = 2
        elif isinstance(m, nn.Flatten):
            if m.start_dim != 1 or m.end_dim != -1:
                _fail(path, m, f"start_dim={m.start_dim}, end_dim={m.end_dim}; StaticNet's Flatten is nn.Flatten()'s default")
            if len(in_shape) > 1:
                lines.append(_attribute("Flatten", [], [], path))
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if not m.affine or not m.track_running_stats:
                _fail(path, m, "affine=False or track_running_stats=False; StaticNet's BatchNorm has weight, bias and running statistics")
            if m.momentum is None:
                _fail(path, m, "momentum=None (a cumulative average); StaticNet's BatchNorm takes a momentum")
            options = []
            if not math.isclose(m.momentum, 0.1, rel_tol=1e-7):
                options.append(("Momentum", _float(m.momentum)))
            if not math.isclose(m.eps, 1e-5, rel_tol=1e-7):
                options.append(("Epsilon", _float(m.eps)))
            lines.append(_attribute("BatchNorm", [], options, path))
            keys += [path + "." + k for k in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")]
        elif isinstance(m, nn.Dropout) and type(m) is nn.Dropout:
            lines.append(_attribute("Dropout", [_float(m.p)], [], path))
        elif isinstance(m, nn.Embedding):
            if i != 0:
                _fail(path, m, "StaticNet's Embedding must be the first layer (the network then takes token ids)")
            if m.max_norm is not None:
                _fail(path, m, "max_norm is set; StaticNet's Embedding does not renormalise")
            if m.padding_idx is not None:
                warnings.warn(f"module '{path}' (nn.Embedding): padding_idx={m.padding_idx} is not kept: the outputs are "
                              f"the same, but StaticNet's training updates that row too")
            lines.append(_attribute("Embedding", [m.num_embeddings, m.embedding_dim], [], path))
            keys.append(path + ".weight")
            tokens = True
        elif isinstance(m, (nn.RNN, nn.LSTM, nn.GRU)):
            kind = {nn.RNN: "SimpleRNN", nn.LSTM: "LSTM", nn.GRU: "GRU"}[type(m)]
            if not m.batch_first:
                _fail(path, m, "batch_first=False; StaticNet's samples are [steps, features]: use batch_first=True")
            if not m.bias:
                _fail(path, m, "bias=False; StaticNet's recurrent layers have both biases")
            if getattr(m, "proj_size", 0):
                _fail(path, m, f"proj_size={m.proj_size}; StaticNet's LSTM has no projection")
            if nxt is None or not isinstance(nxt[1], RecurrentOutput):
                _fail(path, m, "in an nn.Sequential it must be followed by staticnet_export.RecurrentOutput(return_sequences=...) "
                               "(the next module would get its (output, state) tuple)")
            positional = [m.hidden_size]
            if kind == "SimpleRNN" and m.nonlinearity == "relu":
                positional.append("Activation.ReLU")
            options = [("ReturnSequences", "true")] if nxt[1].return_sequences else []
            if m.num_layers != 1:
                options.append(("NumLayers", str(m.num_layers)))
            if m.bidirectional:
                options.append(("Bidirectional", "true"))
            if m.dropout and m.num_layers > 1:  # PyTorch ignores (and warns about) dropout on one layer
                options.append(("Dropout", _float(m.dropout)))
            lines.append(_attribute(kind, positional, options, path))
            for layer in range(m.num_layers):
                for suffix in ("", "_reverse") if m.bidirectional else ("",):
                    keys += [f"{path}.{k}_l{layer}{suffix}" for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            consumed = 2
        elif isinstance(m, _ACTIVATIONS):  # not right after a Linear/convolution, or not expressible by its Activation
            _check_activation(path, m, out_shape, spatial)
            kind, positional = _standalone(m)
            lines.append(_attribute(kind, positional, [], path))
        elif isinstance(m, RecurrentOutput):
            _fail(path, m, "RecurrentOutput follows an nn.RNN, nn.LSTM or nn.GRU only")
        else:
            _fail(path, m, "not a module StaticNet has")
        if isinstance(m, _SPATIAL):
            spatial = True
        elif not isinstance(m, _PASS_THROUGH):
            spatial = False
        i += consumed
    return lines, keys, tokens


def _shapes(chain, sample):
    """Each module's input and output shape per sample (no batch dimension), from a forward pass."""
    shapes, x = [], sample
    with torch.no_grad():
        for path, m in chain:
            before = tuple(x[0].shape) if isinstance(x, tuple) else tuple(x.shape)
            try:
                x = m(x)
            except Exception as e:  # a shape mismatch, or a tuple given to a module that takes a tensor
                raise ExportError(f"module '{path}' ({_type(m)}) fails on its input {list(before[1:])}: {e}") from e
            after = tuple(x[0].shape) if isinstance(x, tuple) else tuple(x.shape)
            shapes.append((before[1:], after[1:]))
    return shapes


_LOSSES = {
    "none": "None", "mse": "MeanSquaredError", "meansquarederror": "MeanSquaredError",
    "bce": "BinaryCrossEntropy", "bce_with_logits": "BinaryCrossEntropy", "binarycrossentropy": "BinaryCrossEntropy",
    "cross_entropy": "SoftmaxCrossEntropy", "softmaxcrossentropy": "SoftmaxCrossEntropy",
}


def _loss(loss):
    if loss is None:
        return "None"
    if isinstance(loss, nn.Module):
        if getattr(loss, "reduction", "mean") != "mean":
            raise ExportError(f"loss {type(loss).__name__}(reduction={loss.reduction!r}): StaticNet's losses are means")
        if isinstance(loss, nn.MSELoss):
            return "MeanSquaredError"
        if isinstance(loss, nn.BCEWithLogitsLoss):
            if loss.weight is not None or loss.pos_weight is not None:
                raise ExportError("loss nn.BCEWithLogitsLoss with weight or pos_weight: StaticNet's is unweighted")
            return "BinaryCrossEntropy"
        if isinstance(loss, nn.CrossEntropyLoss):
            if loss.weight is not None or loss.label_smoothing != 0:
                raise ExportError("loss nn.CrossEntropyLoss with weight or label_smoothing: StaticNet's is plain")
            return "SoftmaxCrossEntropy"
        raise ExportError(f"loss {type(loss).__name__}: StaticNet has nn.MSELoss, nn.BCEWithLogitsLoss and nn.CrossEntropyLoss")
    key = str(loss).lower()
    if key not in _LOSSES:
        raise ExportError(f"loss {loss!r}: expected None, 'mse', 'bce_with_logits', 'cross_entropy' or a loss module")
    return _LOSSES[key]


def _identifier(text, what):
    parts = text.split(".") if what == "namespace" else [text]
    for part in parts:
        if not part or not (part[0].isalpha() or part[0] == "_") or not all(c.isalnum() or c == "_" for c in part):
            raise ExportError(f"{what} {text!r} is not a C# identifier")
    return text


def declaration(layers, input_shape, class_name, namespace, loss, weights_file, source):
    """The C# file text."""
    body = [f"[Network(Loss = Loss.{loss})]", f"[Input({', '.join(str(d) for d in input_shape)})]"] + layers
    body.append(f"public partial class {class_name} {{ }}")
    head = [f"// Written by tools/staticnet_export.py from {source} (torch {torch.__version__}).",
            f"// Weights: {weights_file} (its state_dict; every layer's Name is its prefix there).",
            "using StaticNet;", ""]
    if namespace:
        return "\n".join(head + [f"namespace {namespace}", "{"] + ["    " + line for line in body] + ["}", ""])
    return "\n".join(head + body + [""])


def check_source(class_name, namespace, tokens):
    """The C# file of {class_name}PyTorchCheck: loads the weights, runs Forward on the reference inputs, compares."""
    element = "int" if tokens else "float"
    convert = ("var input = new int[inputFloats.Length];\n"
               "                for (int i = 0; i < input.Length; i++) input[i] = (int)inputFloats[i];") if tokens else "var input = inputFloats;"
    text = f"""// Written by tools/staticnet_export.py: checks that {class_name} computes what the PyTorch module computed.
using System;
using StaticNet.IO;

{"namespace " + namespace if namespace else "namespace " + _GLOBAL}
{{
    /// <summary>Compares {class_name} with the outputs PyTorch wrote next to its weights (<c>{class_name}.check.safetensors</c>).</summary>
    public static class {class_name}PyTorchCheck
    {{
        /// <summary>Loads <paramref name="weightsPath"/> strictly, runs <c>Forward</c> on each reference input and returns the largest absolute difference from PyTorch's output.</summary>
        public static float MaxAbsDifference(string weightsPath, string referencePath)
        {{
            var net = new {class_name}();
            net.LoadSafetensors(weightsPath);
            SafetensorsFile reference = Safetensors.Read(referencePath);
            float[] inputFloats = reference.Get("input").Data;
            float[] expected = reference.Get("output").Data;
            {convert}
            int samples = input.Length / {class_name}.InputSize;
            if (samples * {class_name}.InputSize != input.Length || samples * {class_name}.OutputSize != expected.Length)
                throw new InvalidOperationException($"{{referencePath}} holds {{input.Length}} inputs and {{expected.Length}} outputs; {class_name} takes {{{class_name}.InputSize}} and gives {{{class_name}.OutputSize}} per sample.");
            var output = new float[{class_name}.OutputSize];
            float max = 0;
            for (int s = 0; s < samples; s++)
            {{
                net.Forward(new ReadOnlySpan<{element}>(input, s * {class_name}.InputSize, {class_name}.InputSize), output);
                for (int j = 0; j < output.Length; j++)
                {{
                    float d = Math.Abs(output[j] - expected[s * {class_name}.OutputSize + j]);
                    if (!(d <= max)) max = float.IsNaN(d) ? float.PositiveInfinity : d;
                }}
            }}
            return max;
        }}

        /// <summary>Throws <see cref="InvalidOperationException"/> unless every output is within <paramref name="tolerance"/> of PyTorch's.</summary>
        public static float Verify(string weightsPath, string referencePath, float tolerance = 1e-5f)
        {{
            float max = MaxAbsDifference(weightsPath, referencePath);
            if (!(max <= tolerance))
                throw new InvalidOperationException($"{class_name} differs from the PyTorch module by up to {{max}} (tolerance {{tolerance}}).");
            return max;
        }}
    }}
}}
"""
    if not namespace:  # the global namespace, as the declaration
        lines = text.split("\n")
        start = lines.index("namespace " + _GLOBAL)
        body = lines[start + 2:len(lines) - 2]
        text = "\n".join(lines[:start] + [line[4:] if line.startswith("    ") else line for line in body] + [""])
    return text


_GLOBAL = "__global__"


def export(module, input_shape, class_name, out_dir, namespace=None, loss=None, check_samples=8, seed=0, source=None):
    """Writes {class_name}.cs, {class_name}.safetensors, {class_name}.check.safetensors and {class_name}.Check.cs.

    module       a trained nn.Module: an nn.Sequential, or a module whose forward runs its children in order
    input_shape  one sample's shape, no batch dimension: (features,), (channels, length), (channels, height, width),
                 (steps, features), or (steps,) token ids for a model that starts with nn.Embedding
    class_name   the C# class; namespace: its namespace (None: the global namespace)
    loss         None (inference only), 'mse', 'bce_with_logits', 'cross_entropy', or nn.MSELoss()/... instance
    check_samples, seed: the reference inputs (randn, or random token ids)

    Returns an ExportResult (paths, declaration, output_shape, layers). The module is left in the mode it was in.
    Raises ExportError naming the module path and type of anything StaticNet cannot express.
    """
    _identifier(class_name, "class name")
    if namespace:
        _identifier(namespace, "namespace")
    input_shape = tuple(int(d) for d in input_shape)
    if not input_shape or any(d <= 0 for d in input_shape):
        raise ExportError(f"input_shape {input_shape}: expected positive sizes, one sample without the batch dimension")
    loss_name = _loss(loss)
    chain = _chain(module)

    was_training = module.training
    module.eval()
    try:
        generator = torch.Generator().manual_seed(seed)
        first = next(iter(module.state_dict().values()), None)  # the device (and float dtype) the model runs on
        device = first.device if first is not None else torch.device("cpu")
        if isinstance(chain[0][1], nn.Embedding):
            inputs = torch.randint(0, chain[0][1].num_embeddings, (check_samples,) + input_shape, generator=generator).to(device)
        else:
            dtype = first.dtype if first is not None and first.is_floating_point() else torch.float32
            inputs = torch.randn((check_samples,) + input_shape, generator=generator).to(device, dtype)
        shapes = _shapes(chain, inputs[:1])
        layers, keys, tokens = _layers(chain, shapes)
        with torch.no_grad():
            outputs = module(inputs)
            if isinstance(outputs, tuple):
                raise ExportError(f"{type(module).__name__} returns a tuple; end a recurrent layer with staticnet_export.RecurrentOutput")
            if not isinstance(module, nn.Sequential) or any(not isinstance(m, nn.Sequential) for _, m in module.named_modules()
                                                            if _container(m)):
                chained = _run_chain(chain, inputs)
                if chained.shape != outputs.shape or not torch.allclose(chained, outputs, rtol=0, atol=1e-6):
                    custom = sorted({_type(m) for _, m in module.named_modules() if _container(m) and not isinstance(m, nn.Sequential)}) or [_type(module)]
                    raise ExportError(f"the forward of {' or '.join(custom)} does not just run its children in order "
                                      f"({', '.join(p for p, _ in chain)}): StaticNet can express only a chain; "
                                      f"export an nn.Sequential")
    finally:
        module.train(was_training)

    state = module.state_dict()
    if list(state.keys()) != keys:
        extra = [k for k in state if k not in keys]
        missing = [k for k in keys if k not in state]
        raise ExportError(f"the state_dict does not hold exactly the declared layers' tensors: not declared {extra}, "
                          f"not in the state_dict {missing}")

    os.makedirs(out_dir, exist_ok=True)
    source = source or type(module).__name__
    weights = os.path.join(out_dir, class_name + ".safetensors")
    reference = os.path.join(out_dir, class_name + ".check.safetensors")
    cs = os.path.join(out_dir, class_name + ".cs")
    check = os.path.join(out_dir, class_name + ".Check.cs")
    text = declaration(layers, input_shape, class_name, namespace, loss_name, os.path.basename(weights), source)
    meta = {"generator": "tools/staticnet_export.py", "torch_version": torch.__version__, "csharp": text}
    write_safetensors(weights, state, meta)
    write_safetensors(reference, OrderedDict([("input", inputs.to(torch.float32)), ("output", outputs)]),
                      {"generator": "tools/staticnet_export.py", "description": f"{class_name}: eval() outputs of {check_samples} samples (seed {seed})"})
    with open(cs, "w", encoding="utf-8") as f:
        f.write(text)
    with open(check, "w", encoding="utf-8") as f:
        f.write(check_source(class_name, namespace, tokens))
    return ExportResult(declaration=text, cs_path=cs, weights_path=weights, reference_path=reference, check_path=check,
                        layers=layers, output_shape=tuple(outputs.shape[1:]), tokens=tokens)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Export a PyTorch model to a StaticNet declaration, safetensors weights and a check.")
    parser.add_argument("model", help="a model saved with torch.save(model, path) (the whole module, not a state_dict)")
    parser.add_argument("--input-shape", required=True, help="one sample's shape, comma-separated, e.g. 1,28,28")
    parser.add_argument("--class-name", required=True)
    parser.add_argument("--namespace")
    parser.add_argument("--loss", help="mse, bce_with_logits or cross_entropy (default: none, inference only)")
    parser.add_argument("--out", default=".", help="the output directory (default: .)")
    parser.add_argument("--check-samples", type=int, default=8)
    args = parser.parse_args(argv)
    try:  # torch >= 2.6 loads tensors only unless told otherwise; older versions have no weights_only
        model = torch.load(args.model, map_location="cpu", weights_only=False)
    except TypeError:
        model = torch.load(args.model, map_location="cpu")
    if not isinstance(model, nn.Module):
        parser.error(f"{args.model} holds a {type(model).__name__}, not an nn.Module: save the model itself with torch.save(model, path)")
    try:
        result = export(model, [int(d) for d in args.input_shape.split(",")], args.class_name, args.out,
                        namespace=args.namespace, loss=args.loss, check_samples=args.check_samples, source=os.path.basename(args.model))
    except ExportError as e:
        print(f"staticnet_export: {e}", file=sys.stderr)
        return 2
    print(result.declaration)
    print(f"wrote {result.cs_path}, {result.weights_path}, {result.reference_path}, {result.check_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
