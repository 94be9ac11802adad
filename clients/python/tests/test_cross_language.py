"""Writes what clients/cross/compare.py compares across the four clients (when AESERVE_CROSS_OUT is set)."""
import json
import os
from pathlib import Path

import pytest

from conftest import csv


def test_cross_language_outputs(client, demo_dir):
    out = os.environ.get("AESERVE_CROSS_OUT")
    if not out:
        pytest.skip("AESERVE_CROSS_OUT not set (clients/test-all sets it)")
    x = csv(demo_dir, "demo-ae.csv")
    enc = client.encode("demo-ae:1", x)
    rec = client.reconstruct("demo-ae:1", x)
    dec = client.decode("demo-ae:1", enc.latents)
    smp = client.sample("demo-vae:1", 3, seed=7)
    history = {line.split(",")[0]: float(line.split(",")[1]) for line in (demo_dir / "history.csv").read_text().split()}
    recs = client.recommend("demo-autorec:1", {"u": history}, k=5)
    routing = {f"user-{i}": client.encode("demo-ae", x[:1], routing_key=f"user-{i}").served_by.version
               for i in range(64)}
    doc = {
        "client": "python",
        "encode_latents": enc.latents.tolist(),
        "encode_version": enc.served_by.version,
        "latent_fingerprint": enc.latent_fingerprint,
        "reconstruct_outputs": rec.outputs.tolist(),
        "reconstruct_scores": rec.scores.tolist(),
        "decode_outputs": dec.outputs.tolist(),
        "sample_samples": smp.samples.tolist(),
        "recommend_items": [[i.item_id, i.score] for i in recs.users[0].items],
        "routing": routing,
    }
    Path(out, "python.json").write_text(json.dumps(doc, indent=1))
