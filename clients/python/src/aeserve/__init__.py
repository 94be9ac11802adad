"""aeserve: Python client for the aeserve autoencoder server.

    from aeserve import AeserveClient
    with AeserveClient("127.0.0.1:50051") as client:
        r = client.reconstruct("demo-cvae@production", rows, condition=["0"])
        print(r.scores, "served by version", r.served_by.version)
"""
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

__all__ = [
    "AeserveClient", "AeserveError", "Corruption", "DecodeResult", "DenoiseResult", "EncodeResult", "Model",
    "RecommendResult", "ReconstructResult", "SampleResult", "ScoredItem", "ServedBy", "UserItems",
]
