"""Every RPC of the Python client against a real `aeserve demo` server (one model per family)."""
import grpc
import numpy as np
import pytest

from aeserve import AeserveClient, AeserveError, Corruption, Model
from conftest import csv


@pytest.fixture(scope="module")
def ae_rows(demo_dir):
    return csv(demo_dir, "demo-ae.csv")


def test_encode_reports_the_serving_version_and_decode_checks_the_latent_space(client, ae_rows):
    enc = client.encode("demo-ae@production", ae_rows)
    assert enc.latents.shape == (5, 4) and enc.latents.dtype == np.float32
    assert (enc.served_by.model, enc.served_by.version, enc.served_by.route) == ("demo-ae", 1, "alias")
    assert enc.served_by.alias == "production" and enc.served_by.family == "ae"
    assert enc.latent_fingerprint and enc.log_variances is None

    dec = client.decode(Model("demo-ae", version=1), enc.latents, fingerprint=enc.latent_fingerprint)
    assert dec.outputs.shape == ae_rows.shape
    assert dec.served_by.route == "version" and dec.latent_fingerprint == enc.latent_fingerprint

    vae_fingerprint = client.encode("demo-vae:1", ae_rows).latent_fingerprint
    with pytest.raises(AeserveError) as e:
        client.decode("demo-ae:1", enc.latents, fingerprint=vae_fingerprint)
    assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION


def test_reconstruct_scores_each_row_and_returns_feature_errors(client, ae_rows):
    r = client.reconstruct("demo-ae:1", ae_rows, feature_errors=True, score_kind="mse")
    assert r.outputs.shape == ae_rows.shape and r.scores.shape == (5,)
    assert r.score_kind == "mse" and r.feature_errors.shape == ae_rows.shape
    np.testing.assert_allclose(r.feature_errors.mean(axis=1), r.scores, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(((r.outputs - ae_rows) ** 2).mean(axis=1), r.scores, rtol=1e-4, atol=1e-7)
    assert r.served_by.version == 1

    scores_only = client.reconstruct("demo-ae:1", ae_rows, omit_outputs=True, score_kind="mse")
    assert scores_only.outputs is None
    np.testing.assert_allclose(scores_only.scores, r.scores, atol=1e-6)


def test_reconstruct_stream_answers_each_window_in_order(client, ae_rows):
    windows = [ae_rows[:1], ae_rows[1:3], ae_rows[3:]]
    results = list(client.reconstruct_stream("demo-ae:1", windows))
    assert [len(r.scores) for r in results] == [1, 2, 2]
    whole = client.reconstruct("demo-ae:1", ae_rows).scores
    np.testing.assert_allclose(np.concatenate([r.scores for r in results]), whole, atol=1e-6)


def test_vae_encode_returns_log_variances_and_a_seeded_sample(client, demo_dir):
    rows = csv(demo_dir, "demo-vae.csv")
    a = client.encode("demo-vae", rows, sample=True, seed=11)
    b = client.encode("demo-vae", rows, sample=True, seed=11)
    assert a.log_variances.shape == a.latents.shape == a.samples.shape
    assert a.seed == 11
    np.testing.assert_array_equal(a.samples, b.samples)


def test_sample_is_reproducible_by_seed_and_interpolates(client, demo_dir):
    a = client.sample("demo-vae@production", 3, seed=7)
    b = client.sample("demo-vae@production", 3, seed=7, temperature=1.0)
    assert a.samples.shape == (3, 64) and a.seed == 7 and a.served_by.family == "vae"
    np.testing.assert_array_equal(a.samples, b.samples)
    cooler = client.sample("demo-vae@production", 3, seed=7, temperature=0.1)
    assert np.abs(cooler.latents).mean() < np.abs(a.latents).mean()

    ends = csv(demo_dir, "demo-vae-endpoints.csv")
    path = client.sample("demo-vae", interpolate_inputs=ends, steps=5, method="slerp", seed=1)
    assert path.samples.shape == (5, 64) and path.latents.shape == (5, 4)


def test_cvae_samples_and_reconstructs_under_a_condition(client, demo_dir):
    s = client.sample("demo-cvae", 4, seed=3, condition=["2"])
    assert s.samples.shape == (4, 32)
    rows = csv(demo_dir, "demo-cvae.csv")
    r = client.reconstruct("demo-cvae", rows, condition=["0"])
    assert r.scores.shape == (5,)
    with pytest.raises(AeserveError) as e:
        client.sample("demo-cvae", 2, condition=["no-such-label"])
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_denoise_with_server_side_corruption(client, demo_dir):
    clean = csv(demo_dir, "demo-dae.csv")
    corruption = Corruption(gaussian_sigma=0.2, seed=5, clip_min=0.0, clip_max=1.0)
    r = client.denoise("demo-dae", clean, corruption=corruption, return_corrupted=True)
    assert r.outputs.shape == clean.shape and r.corrupted.shape == clean.shape
    assert r.corruption_seed == 5 and r.clean_errors.shape == (5,)
    assert r.corrupted.min() >= 0.0 and r.corrupted.max() <= 1.0
    again = client.denoise("demo-dae", clean, corruption=corruption, return_corrupted=True)
    np.testing.assert_array_equal(r.corrupted, again.corrupted)
    plain = client.denoise("demo-dae", r.corrupted)
    assert plain.clean_errors is None and plain.served_by.family == "dae"


def test_recommend_ranks_items_and_reports_unknown_ones(client, demo_dir):
    history = {line.split(",")[0]: float(line.split(",")[1])
               for line in (demo_dir / "history.csv").read_text().split()}
    r = client.recommend("demo-autorec", {"u1": {**history, "no-such-item": 1.0}, "u2": {"i1": 5.0}}, k=5)
    assert [u.user_id for u in r.users] == ["u1", "u2"]
    items = r.users[0].items
    assert len(items) == 5 and not set(i.item_id for i in items) & set(history)
    assert [i.score for i in items] == sorted((i.score for i in items), reverse=True)
    assert r.users[0].unknown_items == ["no-such-item"]
    only = client.recommend("demo-multvae", {"u": {"i1": 1.0}}, k=2, candidates=["i2", "i3", "i4"])
    assert {i.item_id for i in only.users[0].items} <= {"i2", "i3", "i4"}


def test_unknown_model_is_not_found(client, ae_rows):
    for call in (lambda: client.encode("no-such-model", ae_rows),
                 lambda: client.reconstruct("demo-ae:99", ae_rows),
                 lambda: client.encode("demo-ae@no-such-alias", ae_rows)):
        with pytest.raises(AeserveError) as e:
            call()
        assert e.value.code == grpc.StatusCode.NOT_FOUND, e.value


def test_malformed_input_is_invalid_argument(client, ae_rows):
    bad = ae_rows.copy()
    bad[0, 3] = np.nan
    for rows in (ae_rows[:, :10], bad):
        with pytest.raises(AeserveError) as e:
            client.encode("demo-ae", rows)
        assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(ValueError):
        client.encode("demo-ae", np.zeros((2, 2, 2)))


def test_a_call_the_family_does_not_serve_is_failed_precondition(client):
    with pytest.raises(AeserveError) as e:
        client.sample("demo-ae", 2)
    assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION and "ae" in e.value.message


def test_registry_reads(client):
    names = {m.name for m in client.list_models()}
    assert {"demo-ae", "demo-dae", "demo-vae", "demo-cvae", "demo-conv-ae", "demo-autorec", "demo-multvae"} <= names
    details = client.get_model("demo-ae")
    assert any(a.alias == "production" for a in details.aliases)
    assert client.get_version("demo-ae", alias="production").version == 1


def test_a_per_call_timeout_is_a_deadline(client, ae_rows):
    with pytest.raises(AeserveError) as e:
        client.reconstruct("demo-conv-ae", np.repeat(ae_rows, 400, axis=0), timeout=0.001)
    assert e.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


def test_the_timeout_reaches_the_server_as_its_deadline():
    # A 1 ms timeout fires in the client whatever the server does, so the test above cannot tell
    # whether the deadline was sent. A server of our own records the deadline each call arrived with.
    from concurrent import futures

    from aeserve.v1 import autoencoder_pb2, common_pb2

    seen = []

    def encode(request, context):
        seen.append(context.time_remaining())
        return autoencoder_pb2.EncodeResponse(
            served_by=common_pb2.ServedBy(model=request.model.name, version=1),
            latents=common_pb2.Matrix(rows=1, cols=1, values=[0.5]))

    handler = grpc.method_handlers_generic_handler("aeserve.v1.Autoencoder", {
        "Encode": grpc.unary_unary_rpc_method_handler(
            encode, request_deserializer=autoencoder_pb2.EncodeRequest.FromString,
            response_serializer=autoencoder_pb2.EncodeResponse.SerializeToString)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with AeserveClient(f"127.0.0.1:{port}", timeout=30) as own:
            own.encode("m", [[1.0]])
            own.encode("m", [[1.0]], timeout=2.5)
    finally:
        server.stop(None)
    assert len(seen) == 2
    # The two deadlines differ by 27.5 s, so what reached the server tells them apart; the margins cover
    # gRPC's own rounding up of the grpc-timeout header to a coarser unit (a 2.5 s timeout once arrived
    # as 2.508 s, a 30 s one as 30.098 s).
    assert 10 < seen[0] <= 31, f"the client's own 30 s deadline arrived as {seen[0]} s"
    assert 0 < seen[1] <= 2.6, f"timeout=2.5 arrived as {seen[1]} s"


def test_routing_key_is_sticky_across_the_split(client, ae_rows):
    traffic = client.get_traffic("demo-ae")
    assert len(traffic.primaries) == 2, "clients/test-all sets a 50/50 split on demo-ae before the suites run"
    seen = {}
    # The split's salt is drawn at random when it is set, so which arm a key lands on is a coin flip
    # per key: with 20 keys all on one arm 1 run in 2^19 (1.9e-6); with 64 keys 1 in 2^63 (1.1e-19).
    # The cross-language outputs route the same 64 keys (clients/cross compares them).
    for key in (f"user-{i}" for i in range(64)):
        first = client.encode("demo-ae", ae_rows, routing_key=key).served_by
        again = client.encode(Model("demo-ae", routing_key=key), ae_rows).served_by
        assert first.route == "split" and first.version == again.version and first.arm == again.arm
        seen[key] = first.version
    assert set(seen.values()) == {a.version for a in traffic.primaries}
