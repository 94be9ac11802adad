"""Builds the ONNX fixtures the import tests serve, and ONNX Runtime's own outputs for them.

Writes server/src/test/resources/imports/:
  ae_encoder.onnx, ae_decoder.onnx, ae_manifest.json, ae_expected.json
  vae_encoder.onnx, vae_decoder.onnx, vae_manifest.json, vae_expected.json
  multvae_encoder.onnx, multvae_decoder.onnx, multvae_manifest.json, multvae_expected.json
                              a Mult-VAE-style recommender: item counts in (L2-normalized inside
                              the encoder, as Mult-VAE's forward does), mean and log-variance,
                              item logits out, the item vocabulary in the manifest
  and the wrong graphs a user exports by mistake:
  static_batch_encoder.onnx   the ae encoder with a batch axis fixed at 4
  latent4_decoder.onnx        an ae decoder that takes 4 latent values (the encoder gives 3)
  double_input_encoder.onnx   the ae encoder taking float64 rows
  div_encoder.onnx            an encoder that divides x by itself: NaN for a golden row holding 0
  batch_mean_encoder.onnx     an encoder that subtracts the batch's mean (a row depends on the others)

The graphs are small dense networks built with onnx.helper (no PyTorch needed), with a dynamic
batch axis, opset 17 and IR version 8 so that the ONNX Runtime inside aeserve (1.21, through DJL)
loads them. Weights come from a fixed seed, so a run reproduces the committed bytes exactly;
check-import-fixtures regenerates them and fails when they differ.

Usage: python make_import_fixtures.py [OUT_DIR]
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

INPUT_DIM = 6
HIDDEN = 5
LATENT = 3
OPSET = 17
IR_VERSION = 8


def dense(name, rng, rows, cols):
    w = (rng.standard_normal((rows, cols)) * 0.5).astype(np.float32)
    b = (rng.standard_normal(cols) * 0.1).astype(np.float32)
    return [numpy_helper.from_array(w, name + "_w"), numpy_helper.from_array(b, name + "_b")]


def layer(name, x, out, activation=None):
    nodes = [helper.make_node("MatMul", [x, name + "_w"], [name + "_mm"]),
             helper.make_node("Add", [name + "_mm", name + "_b"], [out if activation is None else name + "_pre"])]
    if activation is not None:
        nodes.append(helper.make_node(activation, [name + "_pre"], [out]))
    return nodes


def model(graph_name, nodes, inputs, outputs, initializers):
    graph = helper.make_graph(nodes, graph_name, inputs, outputs, initializers)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="aeserve-fixtures")
    m.ir_version = IR_VERSION
    onnx.checker.check_model(m)
    return m


def tensor(name, dtype, batch, width):
    return helper.make_tensor_value_info(name, dtype, [batch, width])


def ae_encoder(rng, batch="batch", dtype=TensorProto.FLOAT, pre=None):
    init = dense("e1", rng, INPUT_DIM, HIDDEN) + dense("e2", rng, HIDDEN, LATENT)
    nodes = []
    x = "x"
    if dtype != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", ["x"], ["x_float"], to=TensorProto.FLOAT))
        x = "x_float"
    if pre == "div":
        nodes.append(helper.make_node("Div", [x, x], ["x_div"]))
        x = "x_div"
    if pre == "batch_mean":
        nodes.append(helper.make_node("ReduceMean", [x], ["x_mean"], axes=[0], keepdims=1))
        nodes.append(helper.make_node("Sub", [x, "x_mean"], ["x_centered"]))
        x = "x_centered"
    nodes += layer("e1", x, "h", "Tanh") + layer("e2", "h", "z")
    return model("ae_encoder", nodes, [tensor("x", dtype, batch, INPUT_DIM)], [tensor("z", TensorProto.FLOAT, batch,
                 LATENT)], init)


def ae_decoder(rng, latent=LATENT):
    init = dense("d1", rng, latent, HIDDEN) + dense("d2", rng, HIDDEN, INPUT_DIM)
    nodes = layer("d1", "z", "g", "Tanh") + layer("d2", "g", "x_hat", "Sigmoid")
    return model("ae_decoder", nodes, [tensor("z", TensorProto.FLOAT, "batch", latent)],
                 [tensor("x_hat", TensorProto.FLOAT, "batch", INPUT_DIM)], init)


def vae_encoder(rng):
    init = dense("e1", rng, INPUT_DIM, HIDDEN) + dense("mu", rng, HIDDEN, LATENT) + dense("lv", rng, HIDDEN, LATENT)
    nodes = layer("e1", "input", "h", "Relu") + layer("mu", "h", "mu") + layer("lv", "h", "logvar")
    return model("vae_encoder", nodes, [tensor("input", TensorProto.FLOAT, "N", INPUT_DIM)],
                 [tensor("mu", TensorProto.FLOAT, "N", LATENT), tensor("logvar", TensorProto.FLOAT, "N", LATENT)], init)


def vae_decoder(rng):
    init = dense("d1", rng, LATENT, HIDDEN) + dense("d2", rng, HIDDEN, INPUT_DIM)
    nodes = layer("d1", "latent", "g", "Relu") + layer("d2", "g", "recon", "Sigmoid")
    return model("vae_decoder", nodes, [tensor("latent", TensorProto.FLOAT, "N", LATENT)],
                 [tensor("recon", TensorProto.FLOAT, "N", INPUT_DIM)], init)


ITEMS = ["item-%s" % c for c in "abcdefgh"]


def multvae_encoder(rng):
    items = len(ITEMS)
    init = dense("e1", rng, items, HIDDEN) + dense("mu", rng, HIDDEN, LATENT) + dense("lv", rng, HIDDEN, LATENT)
    init.append(numpy_helper.from_array(np.array([1e-12], dtype=np.float32), "eps"))
    # F.normalize(x): x / max(||x||_2, eps) per row. aeserve normalizes the row before the graph too
    # (as for a native multvae); normalizing a unit row again changes nothing.
    nodes = [helper.make_node("ReduceL2", ["counts"], ["norm"], axes=[1], keepdims=1),
             helper.make_node("Max", ["norm", "eps"], ["norm_eps"]),
             helper.make_node("Div", ["counts", "norm_eps"], ["x_unit"])]
    nodes += layer("e1", "x_unit", "h", "Tanh") + layer("mu", "h", "mu") + layer("lv", "h", "logvar")
    return model("multvae_encoder", nodes, [tensor("counts", TensorProto.FLOAT, "users", items)],
                 [tensor("mu", TensorProto.FLOAT, "users", LATENT), tensor("logvar", TensorProto.FLOAT, "users",
                                                                            LATENT)], init)


def multvae_decoder(rng):
    init = dense("d1", rng, LATENT, HIDDEN) + dense("d2", rng, HIDDEN, len(ITEMS))
    nodes = layer("d1", "z", "g", "Tanh") + layer("d2", "g", "logits")
    return model("multvae_decoder", nodes, [tensor("z", TensorProto.FLOAT, "users", LATENT)],
                 [tensor("logits", TensorProto.FLOAT, "users", len(ITEMS))], init)


def softmax(logits):
    e = np.exp(logits.astype(np.float64) - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def run(m, feeds):
    session = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def rows(values):
    return [[float(v) for v in row] for row in values]


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(14)
    x = rng.uniform(0.0, 1.0, (5, INPUT_DIM)).astype(np.float32)
    z = rng.standard_normal((4, LATENT)).astype(np.float32)
    golden = rng.uniform(0.0, 1.0, (4, INPUT_DIM)).astype(np.float32)
    golden[0, 2] = 0.0  # a feature at its lower bound: what div_encoder cannot take
    unit = {"lower": [0.0] * INPUT_DIM, "upper": [1.0] * INPUT_DIM}

    enc, dec = ae_encoder(np.random.default_rng(1)), ae_decoder(np.random.default_rng(2))
    (ae_z,) = run(enc, {"x": x})
    (ae_recon,) = run(dec, {"z": ae_z})
    (ae_decoded,) = run(dec, {"z": z})
    write(out, "ae", enc, dec, {
        "format": "onnx", "family": "ae", "inputDim": INPUT_DIM, "latentDim": LATENT,
        "encoder": {"input": "x", "output": "z"}, "decoder": {"input": "z", "output": "x_hat"},
        "score": "bce", "inputDomain": unit, "goldenBatch": {"rows": rows(golden)}},
        {"x": rows(x), "encoded": rows(ae_z), "reconstructed": rows(ae_recon), "z": rows(z), "decoded": rows(ae_decoded)})

    enc, dec = vae_encoder(np.random.default_rng(3)), vae_decoder(np.random.default_rng(4))
    vae_mu, vae_logvar = run(enc, {"input": x})
    (vae_recon,) = run(dec, {"latent": vae_mu})
    (vae_decoded,) = run(dec, {"latent": z})
    write(out, "vae", enc, dec, {
        "format": "onnx", "family": "vae", "inputDim": INPUT_DIM, "latentDim": LATENT,
        "encoder": {"input": "input", "mean": "mu", "logVariance": "logvar"},
        "decoder": {"input": "latent", "output": "recon"}, "score": "mse", "inputDomain": unit},
        {"x": rows(x), "encoded": rows(vae_mu), "logVariance": rows(vae_logvar), "reconstructed": rows(vae_recon),
         "z": rows(z), "decoded": rows(vae_decoded)})

    # Users' item counts: each has 1 to 4 items, some counted twice.
    counts = np.zeros((5, len(ITEMS)), dtype=np.float32)
    crng = np.random.default_rng(15)
    for u in range(counts.shape[0]):
        for i in crng.choice(len(ITEMS), size=int(crng.integers(1, 5)), replace=False):
            counts[u, i] = float(crng.integers(1, 3))
    golden_counts = np.zeros((4, len(ITEMS)), dtype=np.float32)
    for u in range(golden_counts.shape[0]):
        golden_counts[u, crng.choice(len(ITEMS), size=3, replace=False)] = 1.0
    enc, dec = multvae_encoder(np.random.default_rng(5)), multvae_decoder(np.random.default_rng(6))
    mv_mu, mv_logvar = run(enc, {"counts": counts})
    (mv_logits,) = run(dec, {"z": mv_mu})
    write(out, "multvae", enc, dec, {
        "format": "onnx", "family": "multvae", "inputDim": len(ITEMS), "latentDim": LATENT, "itemIds": ITEMS,
        "encoder": {"input": "counts", "mean": "mu", "logVariance": "logvar"},
        "decoder": {"input": "z", "output": "logits"}, "goldenBatch": {"rows": rows(golden_counts)}},
        {"x": rows(counts), "encoded": rows(mv_mu), "logVariance": rows(mv_logvar), "logits": rows(mv_logits),
         "reconstructed": rows(softmax(mv_logits))})

    save(out, "static_batch_encoder", ae_encoder(np.random.default_rng(1), batch=4))
    save(out, "latent4_decoder", ae_decoder(np.random.default_rng(2), latent=4))
    save(out, "double_input_encoder", ae_encoder(np.random.default_rng(1), dtype=TensorProto.DOUBLE))
    save(out, "div_encoder", ae_encoder(np.random.default_rng(1), pre="div"))
    save(out, "batch_mean_encoder", ae_encoder(np.random.default_rng(1), pre="batch_mean"))


def save(out, name, m):
    with open(os.path.join(out, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())


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
        if isinstance(value, list) and value and isinstance(value[0], str):
            lines.append("  " + json.dumps(key) + ": " + json.dumps(value))
        elif isinstance(value, list) or (isinstance(value, dict) and "rows" in value):
            matrix = value if isinstance(value, list) else value["rows"]
            body = "[\n" + ",\n".join("    " + json.dumps(r) for r in matrix) + "\n  ]"
            lines.append("  " + json.dumps(key) + ": " + (body if isinstance(value, list) else '{"rows": ' + body + "}"))
        else:
            lines.append("  " + json.dumps(key) + ": " + json.dumps(value))
    return "{\n" + ",\n".join(lines) + "\n}"


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "resources", "imports"))
