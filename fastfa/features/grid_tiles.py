"""Grid tile coding: tiles3's partition over a bounded box, with dense collision-free indices.

The features of the compiled control loops (``fastfa.kernels.features.gridtiles``): the
same tiles as Sutton's tiles3 for the scaled input ``tiles·x/(high − low)``
(displacements 1, 3, 5, ...), numbered by their place in the box's grid
instead of hashed, so there is no table to fill and no collision; a linear
function over them equals the tiles3 one (with a large enough IHT) up to a
relabelling of the weights.  A state is coded once, whatever the action: use
weights ``[n_features, n_actions]`` (:class:`fastfa.approx.LinearQ`).

**Observations outside the box are clipped to it** (a value below ``low`` codes
like ``low``); non-finite observations raise ``ValueError``.

``anchor=True`` with ``tilings=1`` is a plain discretiser: ``tiles`` cells per dimension
starting at ``low`` (``high`` falls in the last cell), numbered row-major.

Example::

    >>> from fastfa.features import GridTileCoder
    >>> tc = GridTileCoder([-1.2, -0.07], [0.5, 0.07], tiles=8, tilings=8)   # S&B 10.1
    >>> tc.indices([-0.5, 0.0]).shape, tc.n_features
    ((8,), 880)
"""

from __future__ import annotations

import numpy as np

from ._common import MAX_TILINGS, as_box, as_int_vector, as_obs, as_pos_int
from .._typing import ArrayLike

__all__ = ["GridTileCoder"]


class GridTileCoder:
    """Sparse binary tile features over ``[low, high]`` (see the module docstring).

    Args:
        low, high: the box (scalars or length-d), finite, low < high.
        tiles: tiles per dimension per tiling (int or length-d ints >= 1).
        tilings: number of tilings (1-65536); a power of two takes the fastest compiled path.
        anchor: measure from ``low`` (cells start at ``low``) instead of tiles3's origin 0.

    Attributes: ``n_features``, ``n_active`` (= tilings), ``sparse`` (True).
    """

    sparse = True

    def __init__(
        self, low: ArrayLike, high: ArrayLike, tiles: ArrayLike = 8, tilings: int = 8, anchor: bool = False
    ) -> None:
        from ..kernels.features.gridtiles import grid_spec

        self.low, self.high = as_box(low, high)
        self.tiles = as_int_vector(tiles, self.low.shape[0], "tiles")
        self.tilings = as_pos_int(tilings, "tilings", maximum=MAX_TILINGS)
        if not isinstance(anchor, (bool, np.bool_)):
            raise TypeError(f"anchor must be a bool, got {anchor!r}")
        self.anchor = bool(anchor)
        self.cf, self.ci, self._nf = grid_spec(self.low, self.high, self.tiles, self.tilings, self.anchor)
        self._out = np.empty(self.tilings, np.int64)

    @property
    def n_dims(self) -> int:
        return int(self.low.shape[0])

    @property
    def n_features(self) -> int:
        return int(self._nf)

    @property
    def n_active(self) -> int:
        return self.tilings

    def __repr__(self) -> str:
        return (
            f"GridTileCoder(low={self.low.tolist()}, high={self.high.tolist()}, tiles={self.tiles.tolist()}, "
            f"tilings={self.tilings}, anchor={self.anchor})"
        )

    def indices(self, obs: ArrayLike) -> np.ndarray:
        """int64[tilings]: the active feature of each tiling."""
        from ..kernels.features.gridtiles import grid_tiles

        out = np.empty(self.tilings, np.int64)
        grid_tiles(as_obs(obs, self.n_dims), self.cf, self.ci, out)
        return out

    def _indices_trusted(self, x64) -> np.ndarray:
        """Indices of an already validated float64[d] (agents' hot path)."""
        from ..kernels.features.gridtiles import grid_tiles

        out = np.empty(self.tilings, np.int64)
        grid_tiles(x64, self.cf, self.ci, out)
        return out

    def indices_batch(self, obs: ArrayLike) -> np.ndarray:
        x = np.asarray(obs, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_dims:
            raise ValueError(f"obs must have shape (n, {self.n_dims}), got {x.shape}")
        return np.stack([self.indices(r) for r in x]) if len(x) else np.zeros((0, self.tilings), np.int64)

    def transform(self, obs: ArrayLike) -> np.ndarray:
        x = np.zeros(self.n_features)
        x[self.indices(obs)] = 1.0
        return x

    def get_state(self) -> tuple[dict, dict]:
        return {
            "low": self.low.tolist(),
            "high": self.high.tolist(),
            "tiles": self.tiles.tolist(),
            "tilings": self.tilings,
            "anchor": self.anchor,
        }, {}

    @classmethod
    def from_state(cls, meta: dict, arrays: dict) -> "GridTileCoder":
        return cls(meta["low"], meta["high"], meta["tiles"], meta["tilings"], meta.get("anchor", False))
