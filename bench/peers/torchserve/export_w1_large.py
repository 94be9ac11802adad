"""Exports aeserve's W1-large encoder as TorchScript for the TorchServe peer.

The weights are aeserve's own (the benchmark's trained W1-large): the suite writes each Linear
layer's weight (out x in) and bias as little-endian float32 in layers.bin, described by
layers.json, with a few input rows and the latents aeserve's Encode gives for them. This script
builds the same network in PyTorch, checks that it reproduces those latents, and saves it with
torch.jit.script, so both servers compute the same function.

Usage: python export_w1_large.py DIR   (reads DIR/layers.json, DIR/layers.bin; writes DIR/w1-large.pt)
"""
import json
import sys

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def floats(raw, offset, count):
    return torch.frombuffer(bytearray(raw[offset:offset + 4 * count]), dtype=torch.float32), offset + 4 * count


def main(directory):
    with open(f"{directory}/layers.json") as f:
        desc = json.load(f)
    with open(f"{directory}/layers.bin", "rb") as f:
        raw = f.read()
    widths, activation = desc["widths"], desc["activation"]
    modules, offset = [], 0
    for i in range(1, len(widths)):
        linear = nn.Linear(widths[i - 1], widths[i])
        w, offset = floats(raw, offset, widths[i] * widths[i - 1])
        b, offset = floats(raw, offset, widths[i])
        with torch.no_grad():
            linear.weight.copy_(w.reshape(widths[i], widths[i - 1]))
            linear.bias.copy_(b)
        modules.append(linear)
        if i < len(widths) - 1:
            modules.append(ACTIVATIONS[activation]())
    if offset != len(raw) - 4 * (desc["check_rows"] * (widths[0] + widths[-1])):
        sys.exit(f"layers.bin has {len(raw)} bytes, not what layers.json describes")
    inputs, offset = floats(raw, offset, desc["check_rows"] * widths[0])
    expected, offset = floats(raw, offset, desc["check_rows"] * widths[-1])
    model = nn.Sequential(*modules).eval()
    with torch.no_grad():
        got = model(inputs.reshape(desc["check_rows"], widths[0]))
    diff = (got - expected.reshape(desc["check_rows"], widths[-1])).abs().max().item()
    if diff > 1e-3:
        sys.exit(f"the exported encoder differs from aeserve's Encode by {diff}")
    scripted = torch.jit.script(model)
    scripted.save(f"{directory}/w1-large.pt")
    print(f"exported {directory}/w1-large.pt: widths {widths}, {activation}; max |diff| against aeserve {diff:.2e}")


if __name__ == "__main__":
    main(sys.argv[1])
