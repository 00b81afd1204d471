"""Sparse binary features: Discretizer (grid), StateAggregation, CoarseCoding.

All three return *indices* of the active binary features (``indices`` /
``indices_batch``); ``transform`` builds the dense 0/1 vector for
convenience only.  Examples::

    >>> from fastfa.features import Discretizer, StateAggregation, CoarseCoding
    >>> grid = Discretizer(low=[-1.2, -0.07], high=[0.6, 0.07], bins=[10, 10])
    >>> grid.indices([-0.5, 0.01])           # one cell of 100, row-major
    array([35])
    >>> agg = StateAggregation(n_states=1000, n_groups=10, first=1)   # S&B Example 9.1
    >>> agg.indices(250)                     # states 201..300 -> group 2
    array([2])
    >>> cc = CoarseCoding(0, 1, n_centres=20, radius=0.1)
    >>> cc.indices(0.5)                      # all intervals containing 0.5
"""

from __future__ import annotations

import itertools

import numpy as np

from ._common import as_box, as_int_vector, as_obs, as_obs_batch, as_pos_int
from .._typing import ArrayLike

__all__ = ["Discretizer", "StateAggregation", "CoarseCoding"]


def _dense(idx_rows, n_features):
    out = np.zeros((len(idx_rows), n_features))
    for i, idx in enumerate(idx_rows):
        idx = idx[idx >= 0]
        out[i, idx] = 1.0
    return out


class Discretizer:
    """Uniform grid over a box: one active feature, the cell holding the observation.

    The lecture's "discretise a continuous MDP".  Observations outside the box
    are clipped to it (they fall in a border cell).

    Args:
        low, high: the box (scalars or length-d), low < high.
        bins: cells per dimension (int or length-d ints, >= 1).

    Attributes: ``n_features = prod(bins)``, ``n_active = 1``; cell numbers are
    row-major (the last dimension varies fastest).
    """

    sparse = True
    n_active = 1

    def __init__(self, low: ArrayLike, high: ArrayLike, bins: ArrayLike) -> None:
        self.low, self.high = as_box(low, high)
        self.bins = as_int_vector(bins, self.low.shape[0], "bins")

    @property
    def n_dims(self) -> int:
        return int(self.low.shape[0])

    @property
    def n_features(self) -> int:
        return int(np.prod(self.bins))

    def __repr__(self) -> str:
        return f"Discretizer(low={self.low.tolist()}, high={self.high.tolist()}, bins={self.bins.tolist()})"

    def get_state(self) -> tuple[dict, dict]:
        """``(meta, arrays)``: the constructor arguments, for :mod:`fastfa.io`."""
        return {"low": self.low.tolist(), "high": self.high.tolist(), "bins": self.bins.tolist()}, {}

    @classmethod
    def from_state(cls, meta: dict, arrays: dict) -> Discretizer:
        return cls(**meta, **{k: v for k, v in arrays.items()})

    def cell(self, obs: ArrayLike) -> tuple:
        """Per-dimension bin numbers of ``obs``."""
        return tuple(int(v) for v in np.unravel_index(int(self.indices(obs)[0]), tuple(self.bins)))

    def indices(self, obs: ArrayLike) -> np.ndarray:
        """int64[1]: the cell number."""
        from ..kernels.features.bases import grid_index

        x = as_obs(obs, self.n_dims)
        return np.array([grid_index(x, self.low, self.high, self.bins)], dtype=np.int64)

    def indices_batch(self, obs: ArrayLike) -> np.ndarray:
        """int64[n, 1]: cell numbers of every row."""
        from ..kernels.features.bases import grid_index_batch

        x = as_obs_batch(obs, self.n_dims)
        out = np.empty(x.shape[0], dtype=np.int64)
        grid_index_batch(x, self.low, self.high, self.bins, out)
        return out.reshape(-1, 1)

    def transform(self, obs: ArrayLike) -> np.ndarray:
        return _dense(self.indices(obs)[None], self.n_features)[0]

    def transform_batch(self, obs: ArrayLike) -> np.ndarray:
        return _dense(self.indices_batch(obs), self.n_features)


class StateAggregation:
    """Groups of consecutive integer states (S&B 9.3, Example 9.1).

    State ``s ∈ [first, first + n_states)`` belongs to group
    ``⌊(s − first)·n_groups / n_states⌋`` (equal groups when n_groups divides
    n_states).  One active feature.

    Args:
        n_states: number of (non-terminal) states; n_groups: groups (1..n_states);
        first: the first state's number (1 for the 1000-state random walk).
    """

    sparse = True
    n_active = 1

    def __init__(self, n_states: int, n_groups: int, first: int = 0) -> None:
        self.n_states = as_pos_int(n_states, "n_states")
        self.n_groups = as_pos_int(n_groups, "n_groups")
        if self.n_groups > self.n_states:
            raise ValueError(f"n_groups must be <= n_states = {self.n_states}, got {n_groups}")
        if isinstance(first, bool) or not isinstance(first, (int, np.integer)):
            raise TypeError(f"first must be an int, got {type(first).__name__}")
        self.first = int(first)

    @property
    def n_features(self) -> int:
        return self.n_groups

    def __repr__(self) -> str:
        return f"StateAggregation(n_states={self.n_states}, n_groups={self.n_groups}, first={self.first})"

    def get_state(self) -> tuple[dict, dict]:
        """``(meta, arrays)``: the constructor arguments, for :mod:`fastfa.io`."""
        return {"n_states": self.n_states, "n_groups": self.n_groups, "first": self.first}, {}

    @classmethod
    def from_state(cls, meta: dict, arrays: dict) -> StateAggregation:
        return cls(**meta, **{k: v for k, v in arrays.items()})

    def _states(self, obs: ArrayLike, batch):
        s = np.asarray(obs)
        if s.dtype.kind == "f":
            if not np.all(np.isfinite(s)) or not np.all(s == np.round(s)):
                raise ValueError(f"states must be integers, got {obs!r}")
        elif s.dtype.kind not in "iu":
            raise TypeError(f"states must be integers, got dtype {s.dtype}")
        s = s.astype(np.int64)
        if batch:
            if s.ndim == 2 and s.shape[1] == 1:
                s = s[:, 0]
            if s.ndim != 1:
                raise ValueError(f"states must have shape (n,), got {np.shape(obs)}")
        else:
            if s.shape == (1,):
                s = s[0]
            if s.ndim != 0:
                raise ValueError(f"state must be a scalar int, got shape {s.shape}")
        lo, hi = self.first, self.first + self.n_states
        if s.size and (s.min() < lo or s.max() >= hi):
            bad = s.min() if s.min() < lo else s.max()
            raise ValueError(f"state {int(bad)} outside [{lo}, {hi - 1}]")
        return np.ascontiguousarray(s) if batch else int(s)

    def indices(self, obs: ArrayLike) -> np.ndarray:
        from ..kernels.features.bases import aggregate

        if isinstance(obs, (int, np.integer)) and not isinstance(obs, bool):  # fast path (Python loop agents)
            s = int(obs)
            if self.first <= s < self.first + self.n_states:
                return np.array([(s - self.first) * self.n_groups // self.n_states], dtype=np.int64)
        s = self._states(obs, False)
        return np.array([aggregate(s, self.first, self.n_states, self.n_groups)], dtype=np.int64)

    def indices_batch(self, obs: ArrayLike) -> np.ndarray:
        from ..kernels.features.bases import aggregate_batch

        s = self._states(obs, True)
        out = np.empty(s.shape[0], dtype=np.int64)
        aggregate_batch(s, self.first, self.n_states, self.n_groups, out)
        return out.reshape(-1, 1)

    def transform(self, obs: ArrayLike) -> np.ndarray:
        return _dense(self.indices(obs)[None], self.n_features)[0]

    def transform_batch(self, obs: ArrayLike) -> np.ndarray:
        return _dense(self.indices_batch(obs), self.n_features)


class CoarseCoding:
    """Binary features from overlapping receptive fields (S&B 9.5.3): circles (intervals in 1-D).

    Feature i is active when the unit-box-scaled observation lies within
    ``radius`` (Euclidean) of centre i.  The number of active features varies.

    Args:
        low, high: the box (observations outside are clipped).
        centres: float array (m, d) of centres in unit-box coordinates, or None to
            use ``n_centres`` (int per dimension) evenly spaced centres per dimension, ends included.
        radius: receptive-field radius in unit-box coordinates (> 0).

    Attributes: ``n_features`` = number of centres; ``n_active`` = None (variable).
    """

    sparse = True
    n_active = None

    def __init__(
        self,
        low: ArrayLike,
        high: ArrayLike,
        n_centres: ArrayLike | None = None,
        radius: float = 0.1,
        *,
        centres: ArrayLike | None = None,
    ) -> None:
        self.low, self.high = as_box(low, high)
        d = self.low.shape[0]
        if centres is not None:
            c = np.asarray(centres, dtype=np.float64)
            if c.ndim == 1 and d == 1:
                c = c.reshape(-1, 1)
            if c.ndim != 2 or c.shape[1] != d or c.shape[0] == 0 or not np.isfinite(c).all():
                raise ValueError(f"centres must be a finite (m, {d}) array with m >= 1, got shape {c.shape}")
        else:
            if n_centres is None:
                raise ValueError("give n_centres or centres")
            n = as_int_vector(n_centres, d, "n_centres")
            axes = [np.linspace(0.0, 1.0, int(k)) if k > 1 else np.array([0.5]) for k in n]
            c = np.array(list(itertools.product(*axes)), dtype=np.float64).reshape(-1, d)
        self.centres = np.ascontiguousarray(c)
        radius = float(radius)
        if not np.isfinite(radius) or radius <= 0:
            raise ValueError(f"radius must be a positive finite float, got {radius}")
        self.radius = radius
        self._r2 = radius * radius

    @property
    def n_dims(self) -> int:
        return int(self.low.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.centres.shape[0])

    def __repr__(self) -> str:
        return f"CoarseCoding(n_features={self.n_features}, radius={self.radius})"

    def get_state(self) -> tuple[dict, dict]:
        """``(meta, arrays)``: the constructor arguments, for :mod:`fastfa.io`."""
        return {"low": self.low.tolist(), "high": self.high.tolist(), "radius": self.radius}, {"centres": self.centres}

    @classmethod
    def from_state(cls, meta: dict, arrays: dict) -> CoarseCoding:
        return cls(**meta, **{k: v for k, v in arrays.items()})

    def _norm(self, x: ArrayLike):
        return np.clip((x - self.low) / (self.high - self.low), 0.0, 1.0)

    def indices(self, obs: ArrayLike) -> np.ndarray:
        """int64[k]: active receptive fields (ascending; possibly empty)."""
        from ..kernels.features.bases import coarse

        s = np.ascontiguousarray(self._norm(as_obs(obs, self.n_dims)))
        out = np.empty(self.n_features, dtype=np.int64)
        n = coarse(s, self.centres, self._r2, out)
        return out[:n].copy()

    def indices_batch(self, obs: ArrayLike) -> np.ndarray:
        """int64[n, k_max]: row i holds its active indices, padded with -1."""
        from ..kernels.features.bases import coarse_batch

        s = np.ascontiguousarray(self._norm(as_obs_batch(obs, self.n_dims)))
        out = np.empty((s.shape[0], self.n_features), dtype=np.int64)
        counts = np.empty(s.shape[0], dtype=np.int64)
        coarse_batch(s, self.centres, self._r2, out, counts)
        k = int(counts.max()) if counts.size else 0
        return out[:, :k].copy()

    def transform(self, obs: ArrayLike) -> np.ndarray:
        return _dense(self.indices(obs)[None], self.n_features)[0]

    def transform_batch(self, obs: ArrayLike) -> np.ndarray:
        return _dense(self.indices_batch(obs), self.n_features)
