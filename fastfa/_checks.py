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


MAX_BUDGET = 2**62  # largest step/episode budget: larger ones could overflow int64 loop counters


def _range(low, high) -> str:
    return f"[{low}, {'2**62' if high == MAX_BUDGET else high}]"


def check_count(name: str, value, low: int = 1, high: int = MAX_BUDGET) -> int:
    """``value`` as an int; TypeError unless it is an int (bool and non-integral floats such as 1.5
    are refused, never truncated), ValueError unless low <= value <= high."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int in {_range(low, high)}, got {value!r} ({type(value).__name__})")
    if not low <= value <= high:
        raise ValueError(f"{name} must be an int in {_range(low, high)}, got {value!r}")
    return int(value)


def check_budget(total_steps, episodes, *, required: bool = True) -> tuple[int | None, int | None]:
    """Validate a learning budget before anything is sized from it: ``(total_steps, episodes)`` as
    ints (or None).  At least one must be given when ``required``; each must be an int in
    [1, 2**62] (TypeError for a bool, float or other type; ValueError when out of range)."""
    if required and total_steps is None and episodes is None:
        raise ValueError("give a budget: total_steps=<int >= 1> or episodes=<int >= 1> (neither was given)")
    ts = None if total_steps is None else check_count("total_steps", total_steps)
    ep = None if episodes is None else check_count("episodes", episodes)
    return ts, ep


def physical_memory() -> int | None:
    """Bytes of physical memory of this machine (None where the OS does not say)."""
    import os

    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # e.g. Windows: no sysconf
        return None


def check_memory(what: str, nbytes: int, hint: str) -> None:
    """ValueError when preallocating ``nbytes`` for ``what`` cannot fit in this machine's memory (the
    process would be killed by the OS when the arrays fill, not get a Python error)."""
    total = physical_memory()
    if total is not None and nbytes > total:
        raise ValueError(
            f"{what} needs {nbytes / 2**30:.1f} GiB of arrays, more than this machine's "
            f"{total / 2**30:.1f} GiB of memory: {hint}"
        )
