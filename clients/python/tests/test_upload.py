"""Uploads carry an idempotency key: a retried upload never makes a second version (a real demo server)."""
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from aeserve import AeserveClient, AeserveError


@dataclass(frozen=True)
class Artifact:
    spec: str
    metrics: str
    weights: bytes

    @staticmethod
    def read(d: Path) -> "Artifact":
        return Artifact((d / "spec.json").read_text(), (d / "metrics.json").read_text(), (d / "weights.bin").read_bytes())


@pytest.fixture(scope="module")
def artifacts(upload_dir):
    a, b = Artifact.read(upload_dir / "a"), Artifact.read(upload_dir / "b")
    assert a.weights != b.weights, "the two upload artifacts must differ"
    return a, b


def fresh_model(client: AeserveClient) -> str:
    name = f"py-upload-{uuid.uuid4().hex[:10]}"
    client.create_model(name, "ae", "python upload test")
    return name


def upload(client: AeserveClient, model: str, art: Artifact, key=None) -> int:
    return client.upload_version(model, art.spec, art.weights, metrics_json=art.metrics, idempotency_key=key).version


class _Unavailable(grpc.RpcError):
    """The status a call ends with when its connection drops after the last byte."""

    def code(self):
        return grpc.StatusCode.UNAVAILABLE

    def details(self):
        return "connection lost (test)"

    def result(self, timeout=None):
        raise self


class LoseFirstUploadAnswer(grpc.StreamUnaryClientInterceptor):
    """The first UploadVersion reaches the server and completes there; this side sees UNAVAILABLE."""

    def __init__(self):
        self.uploads = 0

    def intercept_stream_unary(self, continuation, details, request_iterator):
        outcome = continuation(details, request_iterator)
        if "UploadVersion" not in str(details.method):
            return outcome
        self.uploads += 1
        if self.uploads == 1 and outcome.code() == grpc.StatusCode.OK:
            return _Unavailable()
        return outcome


def test_the_same_key_and_bytes_return_the_first_version(client, artifacts):
    a, _ = artifacts
    model = fresh_model(client)
    first = upload(client, model, a, "key-1")
    assert upload(client, model, a, "key-1") == first
    assert [v.version for v in client.list_versions(model)] == [first]
    # Another key is another upload.
    second = upload(client, model, a, "key-2")
    assert second != first
    assert sorted(v.version for v in client.list_versions(model)) == sorted([first, second])


def test_the_same_key_with_other_bytes_is_refused_naming_the_version(client, artifacts):
    a, b = artifacts
    model = fresh_model(client)
    first = upload(client, model, a, "key-1")
    with pytest.raises(AeserveError) as e:
        upload(client, model, b, "key-1")
    assert e.value.code == grpc.StatusCode.ALREADY_EXISTS
    assert f"version {first}" in e.value.message, e.value.message
    assert [v.version for v in client.list_versions(model)] == [first]


def test_an_upload_without_a_key_sends_a_fresh_one(client, artifacts):
    a, _ = artifacts
    model = fresh_model(client)
    first, second = upload(client, model, a), upload(client, model, a)
    # Two logical uploads of the same bytes: two keys, two versions.
    assert first != second
    keys = [json.loads(e.details_json).get("idempotency_key") for e in client.list_events(model)
            if e.action == "version.create"]
    assert len(keys) == 2 and len(set(keys)) == 2, keys
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", k) for k in keys), keys


def test_an_upload_whose_answer_was_lost_is_retried_into_one_version(client, target, artifacts):
    a, _ = artifacts
    model = fresh_model(client)
    lose = LoseFirstUploadAnswer()
    with AeserveClient(target, timeout=60, actor="python-tests", interceptors=[lose]) as lossy:
        version = upload(lossy, model, a)  # no key given: the client's own key must be reused on retry
    assert lose.uploads == 2, "the client retried once"
    assert [v.version for v in client.list_versions(model)] == [version]
