"""numpy arrays to and from the wire Matrix: requests go out as raw little-endian float32."""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aeserve.v1 import common_pb2


def to_matrix(rows: npt.ArrayLike, what: str = "inputs") -> common_pb2.Matrix:
    a = np.asarray(rows, dtype="<f4")
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (rows x features), got shape {a.shape}")
    a = np.ascontiguousarray(a)
    return common_pb2.Matrix(rows=a.shape[0], cols=a.shape[1], raw_le=a.tobytes())


def from_matrix(m: common_pb2.Matrix) -> np.ndarray:
    """A (rows, cols) float32 array; (0, 0) for an absent matrix."""
    if m.raw_le:
        return np.frombuffer(m.raw_le, dtype="<f4").astype(np.float32).reshape(m.rows, m.cols)
    return np.asarray(m.values, dtype=np.float32).reshape(m.rows, m.cols)
