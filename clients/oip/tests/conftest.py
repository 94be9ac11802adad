"""Fixtures for the Open Inference Protocol tests against a running `aeserve demo` server.

clients/test-all starts the server and sets AESERVE_TARGET (host:port) and AESERVE_DEMO_DIR (the demo's
sample files). To run these alone: start `./aeserve demo --generated --port 50061 --data-dir /tmp/x/pg`,
then `AESERVE_TARGET=127.0.0.1:50061 AESERVE_DEMO_DIR=/tmp/x/pg/demo .venv/bin/pytest` here.
"""
import os
from pathlib import Path

import numpy as np
import pytest
import tritonclient.grpc as triton

from aeserve import AeserveClient


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run clients/test-all, or start `./aeserve demo --generated` and set "
                    "AESERVE_TARGET and AESERVE_DEMO_DIR", pytrace=False)
    return value


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return Path(_env("AESERVE_DEMO_DIR"))


@pytest.fixture(scope="session")
def triton_client():
    """Triton's own client, as a team that runs Triton would point it at aeserve."""
    c = triton.InferenceServerClient(url=_env("AESERVE_TARGET"))
    yield c
    c.close()


@pytest.fixture(scope="session")
def native():
    with AeserveClient(_env("AESERVE_TARGET"), timeout=30, actor="oip-tests") as c:
        yield c


def csv(demo_dir: Path, name: str) -> np.ndarray:
    return np.loadtxt(demo_dir / name, delimiter=",", dtype=np.float32, ndmin=2)
