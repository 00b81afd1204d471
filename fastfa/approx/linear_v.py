"""Linear state-value function ``v̂(s; w) = wᵀx(s)`` over any fastfa feature object (S&B 9.4).

Sparse binary features (TileCoder, StateAggregation, Discretizer, CoarseCoding)
take the sparse path: ``v̂(s) = Σ_{i active} w_i`` from ``features.indices``,
never a dense vector.  Dense bases (Fourier, Polynomial, Wavelet, RBF) use
``features.transform``.  Either way a state is encoded as the pair ``(i, v)``
(indices, values) the kernels of :mod:`fastfa.kernels.linear.prediction` take.

Example::

    >>> from fastfa.approx import LinearV
    >>> from fastfa.features import Fourier
    >>> V = LinearV(Fourier(1, 1000, order=5))
    >>> V.value(500), V.values([1, 500, 1000]).shape
    (0.0, (3,))
"""

from __future__ import annotations

import importlib

import numpy as np

from .. import io as _io

__all__ = ["LinearV", "features_to_state", "features_from_state"]


def features_to_state(features) -> tuple[dict, dict]:
    """``(meta, arrays)`` of a fastfa feature object (class name + its ``get_state``)."""
    if not hasattr(features, "get_state"):
        raise TypeError(f"features of type {type(features).__name__} cannot be saved (no get_state())")
    meta, arrays = features.get_state()
    return {"class": type(features).__name__, "state": meta}, dict(arrays)


def features_from_state(meta: dict, arrays: dict):
    """Inverse of :func:`features_to_state` (only fastfa.features classes)."""
    feats = importlib.import_module("fastfa.features")
    name = meta["class"]
    if name not in feats._LAZY:
        raise ValueError(f"unknown feature class {name!r}")
    return getattr(feats, name).from_state(meta["state"], arrays)


class LinearV:
    """Weights ``w`` float64[n_features] and the value of a state or a batch.

    Args:
        features: a fastfa feature object (``n_features`` and ``indices`` or ``transform``).
        w: optional initial weights (default zeros).

    Attributes: ``features``, ``w``, ``sparse`` (the path taken).
    """

    def __init__(self, features, w=None) -> None:
        if not hasattr(features, "n_features"):
            raise TypeError(f"features must be a fastfa feature object, got {type(features).__name__}")
        self.features = features
        self.sparse = bool(getattr(features, "sparse", False))
        F = int(features.n_features)
        if w is None:
            self.w = np.zeros(F)
        else:
            w = np.array(w, dtype=np.float64)
            if w.shape != (F,):
                raise ValueError(f"w must have shape ({F},), got {w.shape}")
            if not np.isfinite(w).all():
                raise ValueError("w must be finite")
            self.w = w
        self._arange = np.arange(F, dtype=np.int64)
        self._ones = np.ones(max(int(getattr(features, "n_active", None) or 1), 1))  # shared values (v = 1)

    @property
    def n_features(self) -> int:
        return int(self.w.shape[0])

    def encode(self, obs):
        """``(i, v)``: int64 indices and float64 values of x(obs) (sparse: the active features, v = 1)."""
        if self.sparse:
            i = self.features.indices(obs)
            if i.dtype != np.int64 or not i.flags.c_contiguous:
                i = np.ascontiguousarray(i, dtype=np.int64)
            k = i.shape[0]
            if k > self._ones.shape[0]:
                self._ones = np.ones(2 * k)
            return i, self._ones[:k]
        return self._arange, self.features.transform(obs)

    def encode_batch(self, obs):
        """``(I, V)`` of a batch: int64[n, k] and float64[n, k] (CoarseCoding pads with index 0, value 0)."""
        if self.sparse:
            I = np.ascontiguousarray(self.features.indices_batch(obs), dtype=np.int64)
            V = (I >= 0).astype(np.float64)
            return np.where(I >= 0, I, 0), V
        V = np.ascontiguousarray(self.features.transform_batch(obs))
        return np.ascontiguousarray(np.broadcast_to(self._arange, V.shape)), V

    def value(self, obs) -> float:
        """``v̂(obs) = wᵀx(obs)``."""
        from ..kernels.linear.prediction import v_value

        i, v = self.encode(obs)
        return float(v_value(self.w, i, v))

    def values(self, obs) -> np.ndarray:
        """``v̂`` of every row of a batch: float64[n]."""
        from ..kernels.linear.prediction import v_values_batch

        I, V = self.encode_batch(obs)
        out = np.empty(I.shape[0])
        v_values_batch(self.w, I, V, out)
        return out

    def __repr__(self) -> str:
        return f"LinearV({self.features!r}, sparse={self.sparse})"

    def get_state(self) -> tuple[dict, dict]:
        meta, arrays = features_to_state(self.features)
        return {"features": meta}, {"w": self.w, **{f"features.{k}": a for k, a in arrays.items()}}

    @classmethod
    def from_state(cls, meta: dict, arrays: dict) -> "LinearV":
        fa = {k[len("features.") :]: a for k, a in arrays.items() if k.startswith("features.")}
        return cls(features_from_state(meta["features"], fa), w=arrays["w"])

    def save(self, path):
        from ..io import save

        meta, arrays = self.get_state()
        return save(path, "LinearV", meta, arrays)

    @classmethod
    @_io.loader
    def load(cls, path) -> "LinearV":
        from ..io import load

        _, meta, arrays = load(path, kind="LinearV")
        return cls.from_state(meta, arrays)
