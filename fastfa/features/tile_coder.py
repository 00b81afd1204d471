"""Tile coding over a box (S&B 9.5.4): several offset grids, sparse binary features.

Example::

    >>> from fastfa.features import TileCoder
    >>> tc = TileCoder(low=[-1.2, -0.07], high=[0.6, 0.07], tiles_per_dim=8, n_tilings=8,
    ...                n_actions=3, mode="iht", size=4096)
    >>> idx = tc.indices([-0.5, 0.0], action=1)        # int64[8], one tile per tiling
    >>> q = w[idx].sum()                                 # linear value: sum of active weights
    >>> alpha = 0.5 / tc.n_active                        # the book's step-size convention

Conventions:

* The box ``[low, high]`` is cut into ``tiles_per_dim`` tiles per dimension;
  each of the ``n_tilings`` tilings is displaced by a fraction ``t·δ_k /
  n_tilings`` of a tile width (``offsets="asymmetric"``: ``δ = 1, 3, 5, ...``,
  tiles3's and the book's choice, identical indices to :mod:`fastfa.tiles3`
  for the same scaled input; ``offsets="uniform"``: ``δ = 1`` in every
  dimension).  As in tiles3, each tiling has one extra tile per dimension so
  the offset grids still cover the box.
* **Observations outside the box are clipped to it** (a value below ``low``
  codes like ``low``, above ``high`` like ``high``), except wrapped
  dimensions, which wrap around with period ``high − low``.
* ``mode="hash"``: stateless, index = ``hash(coordinates) mod size`` (Python's
  tuple hash, as tiles3 with an int size); ``mode="iht"``: an index hash table
  of ``size`` entries assigning 0, 1, 2, ... in first-seen order (tiles3's
  ``IHT``); when it is full, further new tiles fall back to the hash and are
  counted as *overfull* (see :meth:`TileCoder.collisions`).
* The action (when ``n_actions`` is given) is an extra integer coordinate
  appended after the tile coordinates, so each action has its own tiles.
* Step size: the number of active features is ``n_active = n_tilings``, so
  use ``alpha = a / n_tilings`` for an effective step ``a`` (S&B 9.5.4).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io import loader
from .._checks import check_memory
from ._common import MAX_TILINGS, as_box, as_int_vector, as_obs, as_obs_batch, as_pos_int
from .._typing import ArrayLike, PathLike

__all__ = ["TileCoder"]

_MODES = ("hash", "iht")
_TC = None


def _kernel():
    global _TC
    if _TC is None:
        from ..kernels.features.tilecoding import tc_indices

        _TC = tc_indices
    return _TC


_OFFSETS = ("asymmetric", "uniform")


class TileCoder:
    """Sparse binary tile-coding features over the box ``[low, high]``.

    Args:
        low, high: box bounds, scalars or length-d sequences, ``low < high``.
        tiles_per_dim: tiles per dimension over the box (int or length-d ints, >= 1).
        n_tilings: number of offset tilings, 1-65536 (= active features per observation).
        wrap: optional length-d booleans: dimensions that wrap around (angles);
            a wrapped dimension has period ``high − low``.
        n_actions: if given, :meth:`indices` takes an action in ``0..n_actions-1``
            as an extra integer coordinate (features of (state, action) pairs).
        offsets: ``"asymmetric"`` (1, 3, 5, ...; default) or ``"uniform"``.
        mode: ``"hash"`` (stateless, default) or ``"iht"`` (tiles3 index hash table).
        size: number of features (hash modulus or IHT capacity); :meth:`suggested_size`
            gives a size with room for every tile.  An IHT that fills up warns once
            (``RuntimeWarning``) and then hashes new tiles (collisions).

    Attributes:
        n_features: ``size``.  n_active: ``n_tilings``.  sparse: True.
    """

    sparse = True

    def __init__(
        self,
        low: ArrayLike,
        high: ArrayLike,
        tiles_per_dim: ArrayLike,
        n_tilings: int = 8,
        *,
        wrap: ArrayLike | None = None,
        n_actions: int | None = None,
        offsets: str = "asymmetric",
        mode: str = "hash",
        size: int = 4096,
    ) -> None:
        self.low, self.high = as_box(low, high)
        d = self.low.shape[0]
        self.tiles_per_dim = as_int_vector(tiles_per_dim, d, "tiles_per_dim")
        self.n_tilings = as_pos_int(n_tilings, "n_tilings", maximum=MAX_TILINGS)
        self.size = as_pos_int(size, "size")
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        if offsets not in _OFFSETS:
            raise ValueError(f"offsets must be one of {_OFFSETS}, got {offsets!r}")
        self.mode, self.offsets = mode, offsets
        self.n_actions = None if n_actions is None else as_pos_int(n_actions, "n_actions")
        if wrap is None:
            self.wrap = np.zeros(d, dtype=bool)
        else:
            w = np.atleast_1d(np.asarray(wrap))
            if w.shape != (d,) or w.dtype.kind not in "bui":
                raise ValueError(f"wrap must be {d} booleans (one per dimension), got {wrap!r}")
            self.wrap = w.astype(bool)
        self.scale = self.tiles_per_dim / (self.high - self.low)
        self._wrapw = (
            np.where(self.wrap, self.tiles_per_dim, 0).astype(np.int64)
            if self.wrap.any()
            else np.zeros(0, dtype=np.int64)
        )
        self._disp = 2 * np.arange(d, dtype=np.int64) + 1 if offsets == "asymmetric" else np.ones(d, dtype=np.int64)
        if mode == "iht":
            from ..kernels.features.tiles import iht_new

            k = 0 if self.n_actions is None else 1
            check_memory(f"TileCoder(mode='iht', size={self.size})", 8 * self.size * (2 + d + k), "lower size")
            self._keys, self._slots, self._meta = iht_new(self.size, 1 + d + k)
        else:
            self._keys = np.zeros((0, 1), dtype=np.int64)
            self._slots = np.full(1, -1, dtype=np.int64)
            self._meta = np.array([0, 0, self.size], dtype=np.int64)
        self._noint = np.zeros(0, dtype=np.int64)
        self._warned = False

    # ------------------------------------------------------------------ properties
    @property
    def n_dims(self) -> int:
        return int(self.low.shape[0])

    @property
    def n_features(self) -> int:
        return self.size

    @property
    def n_active(self) -> int:
        return self.n_tilings

    def __repr__(self) -> str:
        return (
            f"TileCoder(low={self.low.tolist()}, high={self.high.tolist()}, "
            f"tiles_per_dim={self.tiles_per_dim.tolist()}, n_tilings={self.n_tilings}, "
            f"n_actions={self.n_actions}, offsets={self.offsets!r}, mode={self.mode!r}, size={self.size})"
        )

    def kernel_args(self) -> tuple:
        """Arguments after ``(obs, ints)`` of :func:`fastfa.kernels.features.tilecoding.tc_indices`, for compiled loops.

        ``tc_indices(obs, ints, *tc.kernel_args(), out)`` writes the same indices as
        ``tc.indices(obs, ...)`` (and updates the same IHT arrays in iht mode).
        """
        return (
            self.low,
            self.high,
            self.scale,
            self._wrapw,
            self._disp,
            self.n_tilings,
            self.size,
            self._keys,
            self._slots,
            self._meta,
        )

    # ------------------------------------------------------------------ coding
    def _ints(self, action, n=None):
        if n is None and type(action) is int and self.n_actions is not None and 0 <= action < self.n_actions:
            return np.array([action], dtype=np.int64)  # fast path
        if self.n_actions is None:
            if action is not None:
                raise ValueError("action given but this TileCoder has no actions (n_actions=None)")
            return self._noint if n is None else np.zeros((n, 0), dtype=np.int64)
        if action is None:
            raise ValueError(f"action is required (n_actions={self.n_actions})")
        a = np.asarray(action)
        if n is None:
            if a.ndim != 0 or a.dtype.kind not in "iu" or not (0 <= int(a) < self.n_actions):
                raise ValueError(f"action must be an int in [0, {self.n_actions}), got {action!r}")
            return np.array([int(a)], dtype=np.int64)
        if a.ndim == 0:
            a = np.full(n, a)
        if a.shape != (n,) or (n and a.dtype.kind not in "iu"):
            raise ValueError(f"actions must be {n} ints, got shape {a.shape} dtype {a.dtype}")
        if n and ((a < 0).any() or (a >= self.n_actions).any()):
            raise ValueError(f"actions must be in [0, {self.n_actions}), got values in [{a.min()}, {a.max()}]")
        return np.ascontiguousarray(a.astype(np.int64).reshape(n, 1))

    def indices(self, obs: ArrayLike, action: int | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """Active feature indices of one observation (and action): int64[n_tilings]."""
        x = as_obs(obs, self.n_dims)
        ints = self._ints(action)
        if out is None:
            out = np.empty(self.n_tilings, dtype=np.int64)
        _kernel()(
            x,
            ints,
            self.low,
            self.high,
            self.scale,
            self._wrapw,
            self._disp,
            self.n_tilings,
            self.size,
            self._keys,
            self._slots,
            self._meta,
            out,
        )
        if self._meta[1] and not self._warned:
            self._warn_full()
        return out

    def _warn_full(self) -> None:
        import warnings

        self._warned = True
        warnings.warn(
            f"TileCoder: the IHT of size {self.size} is full; new tiles now share indices (hash "
            f"collisions). Use a larger size (>= {self.suggested_size()}).",
            RuntimeWarning,
            stacklevel=3,
        )

    def suggested_size(self) -> int:
        """``n_tilings · ∏(tiles_per_dim + 1) · n_actions``: indices for every tile (no collision in iht mode)."""
        return int(self.n_tilings * np.prod(self.tiles_per_dim + 1) * (self.n_actions or 1))

    def indices_batch(self, obs: ArrayLike, actions: ArrayLike | None = None) -> np.ndarray:
        """Indices of every row of ``obs`` (n, d) with ``actions`` (n,) or one int: int64[n, n_tilings]."""
        from ..kernels.features.tilecoding import tc_indices_batch

        x = as_obs_batch(obs, self.n_dims)
        ints = self._ints(actions, n=x.shape[0])
        out = np.empty((x.shape[0], self.n_tilings), dtype=np.int64)
        tc_indices_batch(x, ints, *self.kernel_args(), out)
        if self._meta[1] and not self._warned:
            self._warn_full()
        return out

    def indices_all_actions(self, obs: ArrayLike) -> np.ndarray:
        """Indices of ``obs`` paired with every action: int64[n_actions, n_tilings]."""
        if self.n_actions is None:
            raise ValueError("indices_all_actions needs n_actions")
        x = as_obs(obs, self.n_dims)
        return self.indices_batch(
            np.broadcast_to(x, (self.n_actions, self.n_dims)), np.arange(self.n_actions, dtype=np.int64)
        )

    def transform(self, obs: ArrayLike, action: int | None = None) -> np.ndarray:
        """Dense binary vector float64[n_features] (convenience; use :meth:`indices` in hot paths).

        Hash collisions inside one observation add up (the vector then holds 2, 3, ...).
        """
        v = np.zeros(self.n_features)
        np.add.at(v, self.indices(obs, action), 1.0)
        return v

    def transform_batch(self, obs: ArrayLike, actions: ArrayLike | None = None) -> np.ndarray:
        """Dense float64[n, n_features] (convenience; memory n x size)."""
        idx = self.indices_batch(obs, actions)
        v = np.zeros((idx.shape[0], self.n_features))
        np.add.at(v, (np.repeat(np.arange(idx.shape[0]), self.n_tilings), idx.ravel()), 1.0)
        return v

    # ------------------------------------------------------------------ reports
    def collisions(self, obs: ArrayLike | None = None, actions: ArrayLike | None = None) -> dict:
        """How crowded the index space is.

        iht mode: ``{"mode", "size", "distinct", "overfull", "full"}``: distinct
        tiles stored, and how many lookups of new tiles found the table full (each
        such tile shares an index with another one).  hash mode: needs a sample
        ``obs`` (n, d): ``{"mode", "size", "distinct", "indices", "collisions"}``:
        distinct tiles in the sample, distinct indices they map to, and the
        difference (tiles that share an index with another tile of the sample).
        """
        if self.mode == "iht":
            return {
                "mode": "iht",
                "size": self.size,
                "distinct": int(self._meta[0]),
                "overfull": int(self._meta[1]),
                "full": bool(self._meta[0] >= self.size),
            }
        if obs is None:
            raise ValueError("collisions() in hash mode needs a sample of observations obs (n, d)")
        from ..kernels.features.tilecoding import tc_coords_batch

        x = as_obs_batch(obs, self.n_dims)
        ints = self._ints(actions, n=x.shape[0])
        coords = np.empty((x.shape[0], self.n_tilings, 1 + self.n_dims + ints.shape[1]), dtype=np.int64)
        tc_coords_batch(x, ints, self.low, self.high, self.scale, self._wrapw, self._disp, self.n_tilings, coords)
        flat = coords.reshape(-1, coords.shape[2])
        distinct = np.unique(flat, axis=0).shape[0] if flat.shape[0] else 0
        n_idx = np.unique(self.indices_batch(x, actions)).shape[0]
        return {
            "mode": "hash",
            "size": self.size,
            "distinct": int(distinct),
            "indices": int(n_idx),
            "collisions": int(distinct - n_idx),
        }

    # ------------------------------------------------------------------ state
    def get_state(self) -> tuple[dict, dict]:
        """``(meta, arrays)``: JSON-able config and the IHT arrays, for :func:`fastfa.io.save`."""
        meta = {
            "low": self.low.tolist(),
            "high": self.high.tolist(),
            "tiles_per_dim": self.tiles_per_dim.tolist(),
            "n_tilings": self.n_tilings,
            "wrap": self.wrap.tolist(),
            "n_actions": self.n_actions,
            "offsets": self.offsets,
            "mode": self.mode,
            "size": self.size,
        }
        arrays = {}
        if self.mode == "iht":
            arrays = {"iht_keys": self._keys, "iht_slots": self._slots, "iht_meta": self._meta}
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict, arrays: dict) -> "TileCoder":
        """Rebuild from :meth:`get_state` output (IHT contents included).

        The IHT arrays are untrusted: their shapes and dtypes, the counts in ``iht_meta`` and the
        slot table are checked against the configuration and against each other (the table must
        be exactly the one the stored keys give), so a corrupt table raises ``ValueError``
        instead of returning negative or out-of-range indices.
        """
        tc = cls(
            meta["low"],
            meta["high"],
            meta["tiles_per_dim"],
            meta["n_tilings"],
            wrap=meta["wrap"],
            n_actions=meta["n_actions"],
            offsets=meta["offsets"],
            mode=meta["mode"],
            size=meta["size"],
        )
        if tc.mode == "iht":
            got = {}
            for name, attr in (("iht_keys", "_keys"), ("iht_slots", "_slots"), ("iht_meta", "_meta")):
                a = arrays[name]
                if not isinstance(a, np.ndarray) or a.dtype.kind not in "iu":
                    raise ValueError(f"arrays[{name!r}] must be an integer array, got {getattr(a, 'dtype', a)!r}")
                if a.shape != getattr(tc, attr).shape:
                    raise ValueError(f"arrays[{name!r}] has shape {a.shape}, expected {getattr(tc, attr).shape}")
                got[attr] = np.ascontiguousarray(a, dtype=np.int64).copy()
            _check_iht(got["_keys"], got["_slots"], got["_meta"], tc.size)
            tc._keys, tc._slots, tc._meta = got["_keys"], got["_slots"], got["_meta"]
        return tc

    def save(self, path: PathLike) -> Path:
        """Save config and IHT (pickle-free, :mod:`fastfa.io`)."""
        from ..io import save

        meta, arrays = self.get_state()
        return save(path, "TileCoder", meta, arrays)

    @classmethod
    @loader
    def load(cls, path: PathLike) -> "TileCoder":
        """Read a file written by :meth:`save`; a corrupt file raises ``fastfa.io.FormatError``."""
        from ..io import load

        _, meta, arrays = load(path, kind="TileCoder")
        return cls.from_state(meta, arrays)


def _check_iht(keys: np.ndarray, slots: np.ndarray, meta: np.ndarray, size: int) -> None:
    """ValueError unless (keys, slots, meta) is a consistent array IHT of ``size`` indices: counts in
    range, every stored key of the right length, and the slot table exactly the one that inserting
    the stored keys in index order builds (so every lookup ends, and returns an index < count)."""
    count, overfull = int(meta[0]), int(meta[1])
    if int(meta[2]) != size or not 0 <= count <= size or overfull < 0:
        raise ValueError(
            f"arrays['iht_meta'] = [count, overfull, size] = {meta.tolist()} is inconsistent with "
            f"size {size} (need 0 <= count <= size, overfull >= 0)"
        )
    n = keys.shape[1] - 1
    if (keys[:count, 0] != n).any():
        raise ValueError(f"arrays['iht_keys']: the {count} stored keys must all have {n} coordinates")
    from ..kernels.features.tiles import iht_getindex, iht_new

    k2, s2, m2 = iht_new(size, n)
    for e in range(count):
        if iht_getindex(k2, s2, m2, keys[e, 1:], n, False) != e:
            raise ValueError(f"arrays['iht_keys']: key {e} repeats an earlier key")
    if not np.array_equal(s2, slots):
        raise ValueError("arrays['iht_slots'] does not match the stored keys (corrupt hash table)")
