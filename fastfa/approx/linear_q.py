"""Linear action values ``q̂(s, a; w) = Σ_j x_j(s) · w[j, a]`` (S&B 10.1), weights float64[F, A].

A state is encoded once, whatever the action (``x(s, a) = x(s) ⊗ e_a``): sparse
binary features (GridTileCoder, TileCoder without ``n_actions``, Discretizer,
StateAggregation) as their active indices, dense bases (Fourier, Polynomial,
RBF, ...) as all indices with their values.  The pair ``(i, v)`` is what the
kernels of :mod:`fastfa.kernels.linear.control` take.

Example::

    >>> from fastfa.approx import LinearQ
    >>> from fastfa.features import GridTileCoder
    >>> Q = LinearQ(GridTileCoder([-1.2, -0.07], [0.5, 0.07]), n_actions=3)
    >>> Q.q_values([-0.5, 0.0])
    array([0., 0., 0.])
"""

from __future__ import annotations

import numpy as np

from .linear_v import features_from_state, features_to_state

__all__ = ["LinearQ"]


class LinearQ:
    """Weights ``w`` float64[n_features, n_actions] over a fastfa feature object.

    Args:
        features: a fastfa feature object of the *state* (``n_features`` and ``indices`` or ``transform``).
        n_actions: number of discrete actions (>= 1).
        w: optional initial weights (default zeros: optimistic when rewards are negative).
    """

    def __init__(self, features, n_actions: int, w=None) -> None:
        if not hasattr(features, "n_features"):
            raise TypeError(f"features must be a fastfa feature object, got {type(features).__name__}")
        if getattr(features, "n_actions", None) is not None:
            raise ValueError(
                "features: give state features (TileCoder without n_actions); LinearQ keeps one "
                "weight column per action"
            )
        if isinstance(n_actions, bool) or not isinstance(n_actions, (int, np.integer)) or n_actions < 1:
            raise ValueError(f"n_actions must be an int >= 1, got {n_actions!r}")
        self.features = features
        self.n_actions = int(n_actions)
        self.sparse = bool(getattr(features, "sparse", False))
        F = int(features.n_features)
        if w is None:
            self.w = np.zeros((F, self.n_actions))
        else:
            w = np.array(w, dtype=np.float64)
            if w.shape != (F, self.n_actions):
                raise ValueError(f"w must have shape ({F}, {self.n_actions}), got {w.shape}")
            if not np.isfinite(w).all():
                raise ValueError("w must be finite")
            self.w = w
        self._arange = np.arange(F, dtype=np.int64)
        self._ones = None
        self._trusted = getattr(features, "_indices_trusted", None)

    @property
    def n_features(self) -> int:
        return int(self.w.shape[0])

    def encode(self, obs):
        """``(i, v)``: int64 indices and float64 values of x(obs)."""
        if self.sparse:
            i = np.ascontiguousarray(self.features.indices(obs), dtype=np.int64)
            if self._ones is None or self._ones.shape[0] != i.shape[0]:
                self._ones = np.ones(i.shape[0])
            return i, self._ones
        return self._arange, np.ascontiguousarray(self.features.transform(obs), dtype=np.float64)

    def q_values(self, obs) -> np.ndarray:
        """float64[n_actions]: q̂(obs, a) for every a."""
        from ..kernels.linear.control import q_values

        i, v = self.encode(obs)
        out = np.empty(self.n_actions)
        q_values(self.w, i, v, out)
        return out

    def value(self, obs) -> float:
        """max_a q̂(obs, a) (the greedy state value)."""
        return float(self.q_values(obs).max())

    def __repr__(self) -> str:
        return f"LinearQ({self.features!r}, n_actions={self.n_actions})"

    def get_state(self) -> tuple[dict, dict]:
        meta, arrays = features_to_state(self.features)
        return (
            {"features": meta, "n_actions": self.n_actions},
            {"w": self.w, **{f"features.{k}": a for k, a in arrays.items()}},
        )

    @classmethod
    def from_state(cls, meta: dict, arrays: dict) -> "LinearQ":
        fa = {k[len("features.") :]: a for k, a in arrays.items() if k.startswith("features.")}
        return cls(features_from_state(meta["features"], fa), meta["n_actions"], w=arrays["w"])
