"""Builds the TorchScript fixtures the import tests serve on DJL's PyTorch engine, and PyTorch's
own outputs for them.

Writes server/src/test/resources/imports-torchscript/:
  ae_encoder.pt, ae_decoder.pt, ae_manifest.json, ae_expected.json     (torch.jit.script)
  vae_encoder.pt, vae_decoder.pt, vae_manifest.json, vae_expected.json (torch.jit.trace; the
                                                                        encoder returns (mu, logvar))
  and the wrong modules a user saves by mistake:
  static_batch_encoder.pt   reshapes its input to a fixed batch of 4 rows
  latent4_decoder.pt        takes 4 latent values per row (the encoder gives 3)
  double_input_encoder.pt   float64 weights: it takes float64 rows, not float32
  div_encoder.pt            divides x by itself: NaN for a golden row holding 0
  generated_with.txt        the PyTorch version that made them

Needs PyTorch (not installed by the test command: it is too large). Weights come from fixed seeds
and torch.jit.save writes the same bytes for the same module, so a run with the same PyTorch
reproduces the committed files; check-torchscript-fixtures regenerates them when a PyTorch is
available. The modules use only Linear, Tanh, Sigmoid and ReLU, so the libtorch inside aeserve
(2.7.1, through DJL) loads what newer PyTorch versions save.

Usage: python make_torchscript_fixtures.py [OUT_DIR]
"""
import json
import os
import sys

import torch
from torch import nn

INPUT_DIM = 6
HIDDEN = 5
LATENT = 3


class Encoder(nn.Module):
    def __init__(self, latent=LATENT):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(INPUT_DIM, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, latent))

    def forward(self, x):
        return self.body(x)


class Decoder(nn.Module):
    def __init__(self, latent=LATENT):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(latent, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, INPUT_DIM), nn.Sigmoid())

    def forward(self, z):
        return self.body(z)


class VaeEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(INPUT_DIM, HIDDEN), nn.ReLU())
        self.mean = nn.Linear(HIDDEN, LATENT)
        self.log_var = nn.Linear(HIDDEN, LATENT)

    def forward(self, rows):
        h = self.body(rows)
        return self.mean(h), self.log_var(h)


class StaticBatchEncoder(Encoder):
    def forward(self, x):
        return self.body(x.reshape(4, 6))  # a batch of 4 rows of INPUT_DIM, fixed at export


class DivEncoder(Encoder):
    def forward(self, x):
        return self.body(x / x)


def seeded(seed, make):
    torch.manual_seed(seed)
    return make().eval()


def rows(t):
    return [[float(v) for v in row] for row in t.tolist()]


def main(out):
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(14)
    x = torch.rand(5, INPUT_DIM, generator=g)
    z = torch.randn(4, LATENT, generator=g)
    golden = torch.rand(4, INPUT_DIM, generator=g)
    golden[0, 2] = 0.0  # a feature at its lower bound: what div_encoder cannot take
    unit = {"lower": [0.0] * INPUT_DIM, "upper": [1.0] * INPUT_DIM}

    with torch.no_grad():
        enc, dec = seeded(1, Encoder), seeded(2, Decoder)
        enc_ts, dec_ts = torch.jit.script(enc), torch.jit.script(dec)
        ae_z = enc_ts(x)
        write(out, "ae", enc_ts, dec_ts, {
            "format": "torchscript", "family": "ae", "inputDim": INPUT_DIM, "latentDim": LATENT,
            "encoder": {"input": "x", "output": "z"}, "decoder": {"input": "z", "output": "x_hat"},
            "score": "bce", "inputDomain": unit, "goldenBatch": {"rows": rows(golden)}},
            {"x": rows(x), "encoded": rows(ae_z), "reconstructed": rows(dec_ts(ae_z)), "z": rows(z),
             "decoded": rows(dec_ts(z))})

        venc, vdec = seeded(3, VaeEncoder), seeded(4, Decoder)
        venc_ts = torch.jit.trace(venc, golden)
        vdec_ts = torch.jit.trace(vdec, z)
        mu, logvar = venc_ts(x)
        write(out, "vae", venc_ts, vdec_ts, {
            "format": "torchscript", "family": "vae", "inputDim": INPUT_DIM, "latentDim": LATENT,
            "encoder": {"input": "rows", "mean": "mu", "logVariance": "logvar"},
            "decoder": {"input": "z", "output": "recon"}, "score": "mse", "inputDomain": unit},
            {"x": rows(x), "encoded": rows(mu), "logVariance": rows(logvar), "reconstructed": rows(vdec_ts(mu)),
             "z": rows(z), "decoded": rows(vdec_ts(z))})

        save(out, "static_batch_encoder", torch.jit.script(seeded(1, StaticBatchEncoder)))
        save(out, "latent4_decoder", torch.jit.script(seeded(2, lambda: Decoder(latent=4))))
        save(out, "double_input_encoder", torch.jit.script(seeded(1, Encoder).double()))
        save(out, "div_encoder", torch.jit.script(seeded(1, DivEncoder)))
    with open(os.path.join(out, "generated_with.txt"), "w") as f:
        f.write("torch " + torch.__version__ + "\n")


def save(out, name, module):
    module.save(os.path.join(out, name + ".pt"))


def write(out, family, enc, dec, manifest, expected):
    save(out, family + "_encoder", enc)
    save(out, family + "_decoder", dec)
    for name, doc in ((family + "_manifest.json", manifest), (family + "_expected.json", expected)):
        with open(os.path.join(out, name), "w") as f:
            f.write(compact(doc) + "\n")


def compact(doc):
    """One key per line, one matrix row per line: readable in a diff."""
    lines = []
    for key, value in doc.items():
        if isinstance(value, list) or (isinstance(value, dict) and "rows" in value):
            matrix = value if isinstance(value, list) else value["rows"]
            body = "[\n" + ",\n".join("    " + json.dumps(r) for r in matrix) + "\n  ]"
            lines.append("  " + json.dumps(key) + ": " + (body if isinstance(value, list) else '{"rows": ' + body + "}"))
        else:
            lines.append("  " + json.dumps(key) + ": " + json.dumps(value))
    return "{\n" + ",\n".join(lines) + "\n}"


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "resources", "imports-torchscript"))
