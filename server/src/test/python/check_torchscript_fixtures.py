"""Compares freshly made TorchScript fixtures (make_torchscript_fixtures.py, in FRESH) with the
committed ones (COMMITTED).

With the PyTorch version that made the committed fixtures (generated_with.txt), every file must be
the same: JSON files byte for byte, and each .pt archive member by member (the weights and the
pickled module byte for byte; the generated code as the same lines, since torch.jit.save orders a
module's constants as a set iterates; never the debug tables, which hold the absolute path of the
script that made them, nor the archive's random serialization id). With another version, torch.jit.save may write other bytes for the same
module, so the check is about what the modules compute instead: the committed modules, run by this
PyTorch on the committed inputs, must give the committed expected outputs, and the fresh expected
outputs must equal the committed ones (both within 1e-6); the manifests must be identical.

Usage: python check_torchscript_fixtures.py COMMITTED FRESH
"""
import filecmp
import json
import os
import sys
import zipfile

import torch

TOLERANCE = 1e-6


def close(name, got, want):
    got, want = torch.tensor(got, dtype=torch.float64), torch.tensor(want, dtype=torch.float64)
    if got.shape != want.shape or (got - want).abs().max().item() > TOLERANCE:
        raise SystemExit("check-torchscript-fixtures: %s differs from the committed values" % name)


def same(committed, fresh):
    """Whether a fixture made again is the committed one (see the module's docstring)."""
    if not committed.endswith(".pt"):
        return filecmp.cmp(committed, fresh, shallow=False)
    with zipfile.ZipFile(committed) as a, zipfile.ZipFile(fresh) as b:
        if sorted(a.namelist()) != sorted(b.namelist()):
            return False
        for name in a.namelist():
            if name.endswith(".debug_pkl") or name.endswith("/.data/serialization_id"):
                continue
            if "/code/" in name:
                if sorted(a.read(name).splitlines()) != sorted(b.read(name).splitlines()):
                    return False
            elif a.read(name) != b.read(name):
                return False
    return True


def main(committed, fresh):
    made_with = open(os.path.join(committed, "generated_with.txt")).read().strip()
    this = "torch " + torch.__version__
    names = sorted(os.listdir(committed))
    if sorted(os.listdir(fresh)) != names:
        raise SystemExit("check-torchscript-fixtures: the script makes %s, the committed fixtures are %s"
                         % (sorted(os.listdir(fresh)), names))
    if made_with == this:
        differ = [n for n in names if not same(os.path.join(committed, n), os.path.join(fresh, n))]
        if differ:
            raise SystemExit("check-torchscript-fixtures: %s differ from what make_torchscript_fixtures.py makes "
                             "with %s" % (differ, this))
        print("check-torchscript-fixtures: %d fixtures match what make_torchscript_fixtures.py makes with %s "
              "(weights and pickled modules byte for byte, code line for line)" % (len(names), this))
        return
    for family in ("ae", "vae"):
        if not filecmp.cmp(os.path.join(committed, family + "_manifest.json"),
                           os.path.join(fresh, family + "_manifest.json"), shallow=False):
            raise SystemExit("check-torchscript-fixtures: %s_manifest.json differs" % family)
        want = json.load(open(os.path.join(committed, family + "_expected.json")))
        again = json.load(open(os.path.join(fresh, family + "_expected.json")))
        for key in want:
            close("%s_expected.json %s (made again with %s)" % (family, key, this), again[key], want[key])
        enc = torch.jit.load(os.path.join(committed, family + "_encoder.pt"))
        dec = torch.jit.load(os.path.join(committed, family + "_decoder.pt"))
        with torch.no_grad():
            encoded = enc(torch.tensor(want["x"]))
            mean = encoded[0] if isinstance(encoded, tuple) else encoded
            close("the committed %s encoder's output" % family, mean.tolist(), want["encoded"])
            close("the committed %s decoder's output" % family, dec(torch.tensor(want["z"])).tolist(), want["decoded"])
    print("check-torchscript-fixtures: the fixtures were made with %s, this is %s: the committed modules compute "
          "the committed outputs here and the script makes the same outputs again (within %g); the .pt bytes "
          "were not compared" % (made_with, this, TOLERANCE))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
