"""Input checks of the batch approximators (trees, kNN): one ValueError/TypeError naming the argument."""

from __future__ import annotations

import numpy as np


_KERNEL_MAX = 2**62  # larger limits mean "no limit"; kept below int64 overflow when passed to a kernel


def check_limit(name: str, value, low: int, high: int | None = None) -> int:
    """``value`` as an int; ValueError unless it is an int in [low, high] (high None: no upper bound).

    Values above 2⁶² are returned as 2⁶² (a kernel takes int64; no size or depth gets near that).
    """
    ok = not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, np.integer))
    ok = ok and value >= low and (high is None or value <= high)
    if not ok:
        rng = f"an int >= {low}" if high is None else f"an int in [{low}, {high}]"
        raise ValueError(f"{name} must be {rng}, got {value!r}")
    return min(int(value), _KERNEL_MAX)


def _numeric(name: str, a) -> np.ndarray:
    try:
        arr = np.asarray(a)
    except Exception as err:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr


def as_rows(name: str, X, n_cols: int | None = None, min_rows: int = 1) -> np.ndarray:
    """``X`` as C-contiguous float64[n, d] (n ≥ min_rows, d ≥ 1, d == n_cols when given), finite."""
    X = _numeric(name, X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows x columns), got shape {X.shape}")
    if X.shape[0] < min_rows or X.shape[1] < 1:
        raise ValueError(f"{name} must have at least {min_rows} row(s) and 1 column, got shape {X.shape}")
    if n_cols is not None and X.shape[1] != n_cols:
        raise ValueError(f"{name} must have {n_cols} columns (as fitted/stored), got {X.shape[1]}")
    X = np.ascontiguousarray(X, dtype=np.float64)
    if not np.isfinite(X).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return X


def as_targets(name: str, y, n: int) -> np.ndarray:
    """``y`` as C-contiguous float64[n], finite."""
    y = _numeric(name, y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},) (one target per row of X), got {y.shape}")
    y = np.ascontiguousarray(y, dtype=np.float64)
    if not np.isfinite(y).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return y
