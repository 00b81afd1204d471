"""Argument checks shared by the config dataclasses: one ValueError naming the argument and its range."""
from __future__ import annotations

import math

import numpy as np


def _real(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def check_positive(name: str, value) -> float:
    """``value`` as a float; ValueError unless it is a finite number > 0."""
    if not (_real(value) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def check_interval(name: str, value, low: float, high: float, low_open: bool = False) -> float:
    """``value`` as a float; ValueError unless low <= value <= high (low < value when ``low_open``)."""
    ok = _real(value) and (low < value if low_open else low <= value) and value <= high
    if not ok:
        raise ValueError(f"{name} must be in {'(' if low_open else '['}{low:g}, {high:g}], got {value!r}")
    return float(value)


def check_int_min(name: str, value, low: int) -> int:
    """``value`` as an int; ValueError unless it is an int >= low."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)
