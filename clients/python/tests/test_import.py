"""import_onnx: an exported encoder/decoder pair registered from Python, served as ONNX Runtime computes it."""
import json
import uuid
from pathlib import Path

import grpc
import numpy as np
import pytest

from aeserve import AeserveError, Model

# The ONNX fixtures the server's ImportTest uses (made by server/src/test/python/make_import_fixtures.py).
IMPORTS = Path(__file__).resolve().parents[3] / "server" / "src" / "test" / "resources" / "imports"


def test_an_onnx_pair_imported_from_python_encodes_as_onnx_runtime_does(client):
    name = f"py-import-{uuid.uuid4().hex[:8]}"
    key = str(uuid.uuid4())
    v = client.import_onnx(name, IMPORTS / "ae_encoder.onnx", IMPORTS / "ae_decoder.onnx", IMPORTS / "ae_manifest.json",
                           idempotency_key=key)
    assert json.loads(v.spec_json)["family"] == "ae"
    assert json.loads(v.metrics_json)["importedFrom"] == "onnx"
    expected = json.loads((IMPORTS / "ae_expected.json").read_text())
    x = np.asarray(expected["x"], dtype=np.float32)
    z = client.encode(Model(name, version=v.version), x).latents
    np.testing.assert_allclose(z, np.asarray(expected["encoded"], dtype=np.float32), rtol=1e-5, atol=1e-6)
    # The same import again (a retry) is the same version, not a second one.
    again = client.import_onnx(name, (IMPORTS / "ae_encoder.onnx").read_bytes(),
                               (IMPORTS / "ae_decoder.onnx").read_bytes(),
                               json.loads((IMPORTS / "ae_manifest.json").read_text()), idempotency_key=key)
    assert again.version == v.version
    assert [x.version for x in client.list_versions(name)] == [v.version]


def test_a_manifest_that_disagrees_with_the_graphs_is_refused_and_leaves_no_version(client):
    name = f"py-import-bad-{uuid.uuid4().hex[:8]}"
    manifest = json.loads((IMPORTS / "ae_manifest.json").read_text())
    manifest["latentDim"] = 4
    with pytest.raises(AeserveError) as e:
        client.import_onnx(name, IMPORTS / "ae_encoder.onnx", IMPORTS / "ae_decoder.onnx", manifest)
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "latent" in e.value.message.lower()
    assert client.list_versions(name) == []
