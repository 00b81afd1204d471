"""Validation helpers shared by the feature classes (private)."""

from __future__ import annotations

import math

import numpy as np
from .._typing import ArrayLike


def as_box(low: ArrayLike, high: ArrayLike, name_low: str = "low", name_high: str = "high"):
    """Validated float64 ``low``/``high`` vectors of equal length with low < high, all finite."""
    lo = np.atleast_1d(np.asarray(low, dtype=np.float64)).copy()
    hi = np.atleast_1d(np.asarray(high, dtype=np.float64)).copy()
    if lo.ndim != 1 or hi.ndim != 1:
        raise ValueError(f"{name_low} and {name_high} must be scalars or 1-D, got shapes {lo.shape} and {hi.shape}")
    if lo.shape != hi.shape:
        raise ValueError(f"{name_low} and {name_high} must have the same length, got {lo.shape[0]} and {hi.shape[0]}")
    if lo.shape[0] == 0:
        raise ValueError(f"{name_low}/{name_high} must have at least one dimension")
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise ValueError(f"{name_low} and {name_high} must be finite, got {lo} and {hi}")
    bad = np.flatnonzero(lo >= hi)
    if bad.size:
        k = int(bad[0])
        raise ValueError(f"{name_low}[{k}] = {lo[k]} must be < {name_high}[{k}] = {hi[k]}")
    return lo, hi


def as_int_vector(value, d, name, minimum=1):
    """An int or length-d sequence of ints >= minimum, as int64[d]."""
    arr = np.atleast_1d(np.asarray(value))
    if arr.dtype.kind not in "iu" or (arr.dtype == bool):
        if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must be an int or a sequence of ints, got {value!r}")
    if arr.ndim != 1 or arr.shape[0] not in (1, d):
        raise ValueError(f"{name} must be an int or have {d} entries (one per dimension), got {value!r}")
    arr = np.broadcast_to(arr.astype(np.int64), (d,)).copy()
    if (arr < minimum).any():
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return arr


MAX_TILINGS = 65536  # tilings per coder: each observation's index vector has this many entries


def as_pos_int(value, name, minimum=1, maximum=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an int in [{minimum}, {maximum}], got {value}")
    return int(value)


def as_obs(obs: ArrayLike, d, name: str = "obs"):
    """One observation as contiguous float64[d] (a scalar is accepted when d == 1); finite."""
    if type(obs) is np.ndarray and obs.dtype == np.float64 and obs.shape == (d,) and obs.flags.c_contiguous:
        if math.isfinite(obs.sum()):  # fast path; a non-finite (or overflowing) sum falls through to the check
            return obs
    x = np.asarray(obs)
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numeric, got dtype {x.dtype}")
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.ndim == 0 and d == 1:
        x = x.reshape(1)
    if x.shape != (d,):
        raise ValueError(f"{name} must have shape ({d},), got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def as_obs_batch(obs: ArrayLike, d, name: str = "obs"):
    """A batch of observations as contiguous float64[n, d] (shape (n,) accepted when d == 1); finite."""
    x = np.asarray(obs)
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numeric, got dtype {x.dtype}")
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.ndim == 1 and d == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2 or x.shape[1] != d:
        raise ValueError(f"{name} must have shape (n, {d}), got {x.shape}")
    if not np.isfinite(x).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])
        raise ValueError(f"{name}[{bad[0]}, {bad[1]}] = {x[bad]} must be finite")
    return x
