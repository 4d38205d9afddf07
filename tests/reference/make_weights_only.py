#!/usr/bin/env python3
"""Writes fixtures/loss_mse_weights.safetensors: the network tensors of fixtures/loss_mse.safetensors (fc1, fc2) and
nothing else, for the embedded-weights tests (LoadEmbeddedWeights is strict: a file with the fixture's inputs,
outputs and gradients in it does not load). Standard library only; the bytes of each tensor are copied unchanged."""
import json
import os
import struct
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "fixtures", "loss_mse.safetensors")
TARGET = os.path.join(HERE, "fixtures", "loss_mse_weights.safetensors")
NAMES = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]


def main():
    with open(SOURCE, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length], object_pairs_hook=OrderedDict)
    body = data[8 + length:]
    out = OrderedDict()
    metadata = OrderedDict(header.get("__metadata__", {}))
    metadata["generator"] = "tests/reference/make_weights_only.py from loss_mse.safetensors"
    out["__metadata__"] = OrderedDict(sorted(metadata.items()))
    blobs, offset = [], 0
    for name in NAMES:
        entry = header[name]
        begin, end = entry["data_offsets"]
        blobs.append(body[begin:end])
        out[name] = OrderedDict([("dtype", entry["dtype"]), ("shape", entry["shape"]),
                                 ("data_offsets", [offset, offset + end - begin])])
        offset += end - begin
    text = json.dumps(out, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(TARGET, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    print("wrote", TARGET)


if __name__ == "__main__":
    main()
