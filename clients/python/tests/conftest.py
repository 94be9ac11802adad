"""Fixtures for tests against a running `aeserve demo` server.

clients/test-all starts the server and sets AESERVE_TARGET (host:port), AESERVE_DEMO_DIR (the demo's
sample files) and AESERVE_UPLOAD_DIR (two trained artifacts, a/ and b/, for the upload tests). To run
these alone: start `./aeserve demo --generated --port 50061 --data-dir /tmp/x/pg`, train the artifacts
(`./aeserve train --data /tmp/x/pg/demo/demo-ae.csv --epochs 1 --seed 1 --save /tmp/x/upload/a`, and
`--seed 2` into `b`), then `AESERVE_TARGET=127.0.0.1:50061 AESERVE_DEMO_DIR=/tmp/x/pg/demo
AESERVE_UPLOAD_DIR=/tmp/x/upload .venv/bin/pytest`.
"""
import os
from pathlib import Path

import numpy as np
import pytest

from aeserve import AeserveClient


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run clients/test-all, or start `./aeserve demo --generated` and set "
                    "AESERVE_TARGET, AESERVE_DEMO_DIR and AESERVE_UPLOAD_DIR", pytrace=False)
    return value


@pytest.fixture(scope="session")
def target() -> str:
    return _env("AESERVE_TARGET")


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return Path(_env("AESERVE_DEMO_DIR"))


@pytest.fixture(scope="session")
def upload_dir() -> Path:
    return Path(_env("AESERVE_UPLOAD_DIR"))


@pytest.fixture(scope="session")
def client(target: str):
    with AeserveClient(target, timeout=30, actor="python-tests") as c:
        yield c


def csv(demo_dir: Path, name: str) -> np.ndarray:
    return np.loadtxt(demo_dir / name, delimiter=",", dtype=np.float32, ndmin=2)
