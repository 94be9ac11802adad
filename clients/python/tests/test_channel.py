"""Channel behaviour against an in-process fake server: retries from the service config, bearer token."""
from concurrent import futures

import grpc
import numpy as np
import pytest

from aeserve import AeserveClient, AeserveError
from aeserve.v1 import autoencoder_pb2, autoencoder_pb2_grpc, common_pb2


class FlakyAutoencoder(autoencoder_pb2_grpc.AutoencoderServicer):
    """Fails the first `failures` calls with `code`, then encodes every row to [row sum]."""

    def __init__(self, failures: int, code: grpc.StatusCode):
        self.failures, self.code, self.calls, self.metadata = failures, code, 0, []

    def Encode(self, request, context):
        self.calls += 1
        self.metadata.append(dict(context.invocation_metadata()))
        if self.calls <= self.failures:
            context.abort(self.code, "try again")
        x = np.frombuffer(request.inputs.raw_le, dtype="<f4").reshape(request.inputs.rows, request.inputs.cols)
        z = x.sum(axis=1, keepdims=True).astype("<f4")
        return autoencoder_pb2.EncodeResponse(
            served_by=common_pb2.ServedBy(model=request.model.name, version=3, route=common_pb2.ROUTE_LATEST),
            latents=common_pb2.Matrix(rows=z.shape[0], cols=1, raw_le=z.tobytes()))


@pytest.fixture
def fake():
    servers = []

    def start(failures: int, code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE):
        service = FlakyAutoencoder(failures, code)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        autoencoder_pb2_grpc.add_AutoencoderServicer_to_server(service, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        return service, f"127.0.0.1:{port}"

    yield start
    for s in servers:
        s.stop(None)


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED])
def test_retries_transient_codes_with_backoff(fake, code):
    service, target = fake(2, code)
    with AeserveClient(target, initial_backoff=0.01, max_backoff=0.05) as client:
        r = client.encode("m", np.ones((2, 3), dtype=np.float32))
    assert service.calls == 3
    np.testing.assert_array_equal(r.latents, [[3.0], [3.0]])
    assert r.served_by.version == 3 and r.served_by.route == "latest"


def test_does_not_retry_other_codes_or_past_max_attempts(fake):
    service, target = fake(1, grpc.StatusCode.INVALID_ARGUMENT)
    with AeserveClient(target) as client, pytest.raises(AeserveError) as e:
        client.encode("m", np.ones((1, 3)))
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT and service.calls == 1

    service, target = fake(10)
    with AeserveClient(target, max_attempts=2, initial_backoff=0.01) as client, pytest.raises(AeserveError) as e:
        client.encode("m", np.ones((1, 3)))
    assert e.value.code == grpc.StatusCode.UNAVAILABLE and service.calls == 2


def test_sends_the_bearer_token_and_actor(fake):
    service, target = fake(0)
    with AeserveClient(target, token="s3cret", actor="ci") as client:
        client.encode("m", np.ones((1, 3)))
    assert service.metadata[0]["authorization"] == "Bearer s3cret"
    assert service.metadata[0]["x-aeserve-actor"] == "ci"
