"""Triton's Python client (tritonclient[grpc], unchanged) against aeserve's Open Inference Protocol.

Each call is compared with the native RPC for the same inputs and version: the v2 service is an
adapter over the same inference path, so the numbers must agree (within float32 rounding of a batch).
"""
import numpy as np
import pytest
import tritonclient.grpc as triton
from tritonclient.utils import InferenceServerException

from aeserve import Corruption, Model

from conftest import csv


def infer_input(name: str, array: np.ndarray) -> triton.InferInput:
    t = triton.InferInput(name, list(array.shape), "BYTES" if array.dtype == np.object_ else "FP32")
    t.set_data_from_numpy(array)
    return t


def test_server_and_models_are_ready(triton_client):
    assert triton_client.is_server_live()
    assert triton_client.is_server_ready()
    assert triton_client.is_model_ready("demo-ae.encode")
    assert triton_client.is_model_ready("demo-vae.sample", "1")
    assert not triton_client.is_model_ready("demo-ae.sample")  # an ae has no prior to sample from
    assert not triton_client.is_model_ready("no-such-model.encode")
    assert triton_client.get_server_metadata().name == "aeserve"


def test_model_metadata_declares_the_tensors(triton_client, demo_dir):
    width = csv(demo_dir, "demo-ae.csv").shape[1]
    md = triton_client.get_model_metadata("demo-ae.encode", "1")
    assert md.name == "demo-ae.encode" and list(md.versions) == ["1"] and md.platform == "aeserve_ae"
    assert [(t.name, t.datatype, list(t.shape)) for t in md.inputs] == [("input", "FP32", [-1, width])]
    assert [t.name for t in md.outputs] == ["latent"]
    assert md.outputs[0].shape[0] == -1
    vae = triton_client.get_model_metadata("demo-vae.encode")
    assert [t.name for t in vae.outputs] == ["latent", "log_variance", "sample"]
    rec = triton_client.get_model_metadata("demo-autorec.recommend")
    assert [(t.name, t.datatype) for t in rec.inputs][:2] == [("item_id", "BYTES"), ("value", "FP32")]


def test_encode_equals_native_encode(triton_client, native, demo_dir):
    rows = csv(demo_dir, "demo-ae.csv")
    r = triton_client.infer("demo-ae.encode", [infer_input("input", rows)], model_version="1", request_id="r-1")
    want = native.encode(Model("demo-ae", version=1), rows)
    np.testing.assert_allclose(r.as_numpy("latent"), want.latents, rtol=1e-5, atol=1e-6)
    resp = r.get_response()
    assert resp.model_version == "1" and resp.id == "r-1"
    assert resp.parameters["served_version"].int64_param == 1
    assert resp.parameters["latent_fingerprint"].string_param == want.latent_fingerprint


def test_reconstruct_equals_native_reconstruct(triton_client, native, demo_dir):
    rows = csv(demo_dir, "demo-ae.csv")
    outputs = [triton.InferRequestedOutput(n) for n in ("output", "score", "feature_errors")]
    r = triton_client.infer("demo-ae.reconstruct", [infer_input("input", rows)], model_version="1",
                            outputs=outputs, parameters={"score_kind": "mse"})
    want = native.reconstruct(Model("demo-ae", version=1), rows, feature_errors=True, score_kind="mse")
    np.testing.assert_allclose(r.as_numpy("output"), want.outputs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r.as_numpy("score"), want.scores, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(r.as_numpy("feature_errors"), want.feature_errors, rtol=1e-5, atol=1e-7)
    assert r.get_response().parameters["score_kind"].string_param == "mse"


def test_split_routing_follows_the_routing_key_like_native(triton_client, native, demo_dir):
    rows = csv(demo_dir, "demo-ae.csv")[:1]
    for key in ("user-1", "user-2", "user-3", "user-4"):
        r = triton_client.infer("demo-ae.encode", [infer_input("input", rows)], parameters={"routing_key": key})
        want = native.encode(Model("demo-ae", routing_key=key), rows)
        assert r.get_response().model_version == str(want.served_by.version), key
        assert r.get_response().parameters["route"].string_param == want.served_by.route


def test_seeded_sample_is_identical_to_native_sample(triton_client, native):
    r = triton_client.infer("demo-vae.sample", [], model_version="1",
                            parameters={"count": 4, "seed": 7, "temperature": 0.5})
    want = native.sample(Model("demo-vae", version=1), 4, seed=7, temperature=0.5)
    # Same version, seed and parameters: the same numbers, not merely close ones.
    np.testing.assert_array_equal(r.as_numpy("sample"), want.samples)
    np.testing.assert_array_equal(r.as_numpy("latent"), want.latents)
    assert r.get_response().parameters["seed"].int64_param == 7


def test_recommend_equals_native_recommend(triton_client, native):
    users = {"u1": {"i1": 5.0, "i2": 3.0, "i7": 4.0}, "u2": {"i3": 1.0}}
    items = np.array([[b"i1", b"i2", b"i7"], [b"i3", b"", b""]], dtype=np.object_)
    values = np.array([[5.0, 3.0, 4.0], [1.0, 0.0, 0.0]], dtype=np.float32)
    r = triton_client.infer("demo-autorec.recommend", [
        infer_input("item_id", items), infer_input("value", values),
        infer_input("user_id", np.array([b"u1", b"u2"], dtype=np.object_))], parameters={"k": 5})
    want = native.recommend("demo-autorec", users, k=5)
    got_items, got_scores = r.as_numpy("item_id"), r.as_numpy("score")
    for u, user in enumerate(want.users):
        n = len(user.items)
        assert [i.decode() for i in got_items[u][:n]] == [i.item_id for i in user.items]
        np.testing.assert_allclose(got_scores[u][:n], [i.score for i in user.items], rtol=1e-5, atol=1e-6)
        assert all(i == b"" for i in got_items[u][n:])


def test_decode_checks_the_fingerprint_like_native_decode(triton_client, native, demo_dir):
    rows = csv(demo_dir, "demo-vae.csv")
    enc = triton_client.infer("demo-vae.encode", [infer_input("input", rows)], model_version="1")
    fingerprint = enc.get_response().parameters["latent_fingerprint"].string_param
    dec = triton_client.infer("demo-vae.decode", [infer_input("latent", enc.as_numpy("latent"))], model_version="1",
                              parameters={"latent_fingerprint": fingerprint})
    want = native.decode(Model("demo-vae", version=1), enc.as_numpy("latent"), fingerprint=fingerprint)
    np.testing.assert_allclose(dec.as_numpy("output"), want.outputs, rtol=1e-5, atol=1e-6)
    with pytest.raises(InferenceServerException) as e:
        triton_client.infer("demo-ae.decode", [infer_input("latent", enc.as_numpy("latent"))],
                            parameters={"latent_fingerprint": fingerprint})
    assert e.value.status() == "StatusCode.FAILED_PRECONDITION"


def test_seeded_corruption_denoises_like_native_denoise(triton_client, native, demo_dir):
    clean = csv(demo_dir, "demo-dae.csv")
    r = triton_client.infer("demo-dae.denoise", [infer_input("input", clean)],
                            outputs=[triton.InferRequestedOutput(n) for n in ("output", "corrupted", "clean_error")],
                            parameters={"gaussian_sigma": 0.2, "mask_probability": 0.1, "corruption_seed": 5})
    want = native.denoise("demo-dae", clean, corruption=Corruption(gaussian_sigma=0.2, mask_probability=0.1, seed=5),
                          return_corrupted=True)
    np.testing.assert_array_equal(r.as_numpy("corrupted"), want.corrupted)
    np.testing.assert_allclose(r.as_numpy("output"), want.outputs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r.as_numpy("clean_error"), want.clean_errors, rtol=1e-5, atol=1e-7)
    assert r.get_response().parameters["corruption_seed"].int64_param == 5


def test_conditional_sample_takes_its_labels_as_a_bytes_tensor(triton_client, native):
    labels = np.array([b"2"], dtype=np.object_)
    r = triton_client.infer("demo-cvae.sample", [infer_input("condition", labels)], parameters={"count": 3, "seed": 3})
    want = native.sample("demo-cvae", 3, seed=3, condition=["2"])
    np.testing.assert_array_equal(r.as_numpy("sample"), want.samples)


def test_bad_requests_get_the_documented_codes(triton_client, demo_dir):
    rows = csv(demo_dir, "demo-ae.csv")
    fp64 = triton.InferInput("input", list(rows.shape), "FP64")
    fp64.set_data_from_numpy(rows.astype(np.float64))
    cases = [
        ("unknown model", "no-such-model.encode", [infer_input("input", rows)], {}, "NOT_FOUND"),
        ("wrong datatype", "demo-ae.encode", [fp64], {}, "INVALID_ARGUMENT"),
        ("wrong shape", "demo-ae.encode", [infer_input("input", rows[:, :-1])], {}, "INVALID_ARGUMENT"),
        ("missing input", "demo-ae.encode", [], {}, "INVALID_ARGUMENT"),
        ("unknown parameter", "demo-ae.encode", [infer_input("input", rows)], {"temperatur": 0.5}, "INVALID_ARGUMENT"),
        ("operation the family does not serve", "demo-ae.sample", [], {"count": 2}, "FAILED_PRECONDITION"),
    ]
    for what, model, inputs, params, code in cases:
        with pytest.raises(InferenceServerException) as e:
            triton_client.infer(model, inputs, parameters=params)
        assert e.value.status() == "StatusCode." + code, (what, e.value)
