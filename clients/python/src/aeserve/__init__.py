"""aeserve: Python client for the aeserve autoencoder server.

    from aeserve import AeserveClient
    with AeserveClient("127.0.0.1:50051") as client:
        r = client.reconstruct("demo-cvae@production", rows, condition=["0"])
        print(r.scores, "served by version", r.served_by.version)
"""
from importlib.metadata import PackageNotFoundError, version as _version

from aeserve.client import (
    AeserveClient,
    AeserveError,
    Corruption,
    DecodeResult,
    DenoiseResult,
    EncodeResult,
    Model,
    RecommendResult,
    ReconstructResult,
    SampleResult,
    ScoredItem,
    ServedBy,
    UserItems,
)

try:
    __version__ = _version("aeserve-client")  # the project's version, from the installed package
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "AeserveClient", "AeserveError", "Corruption", "DecodeResult", "DenoiseResult", "EncodeResult", "Model",
    "RecommendResult", "ReconstructResult", "SampleResult", "ScoredItem", "ServedBy", "UserItems",
]
