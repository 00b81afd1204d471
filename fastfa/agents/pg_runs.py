"""Helpers of the compiled population runs (``fastfa.agents.pg_compiled``, ``fastfa.agents.pg_puckworld``):
argument checks and a thread pool over independent runs."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["positive_float", "positive_int", "run_population"]


def positive_float(name: str, v: Any, allow_zero: bool = False) -> float:
    """``float(v)`` if finite and > 0 (≥ 0 with ``allow_zero``), else ``ValueError`` naming ``name``."""
    v = float(v)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}, got {v!r}")
    return v


def positive_int(name: str, v: Any) -> int:
    """``int(v)`` if ``v`` is an int > 0 (not a bool), else ``ValueError`` naming ``name``."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v <= 0:
        raise ValueError(f"{name} must be a positive int, got {v!r}")
    return int(v)


def run_population(fn: Callable[[int], Any], n_runs: int, n_threads: int | None = None) -> list:
    """``[fn(i) for i in range(n_runs)]`` on a thread pool (results in run order)."""
    n_threads = n_threads or min(n_runs, os.cpu_count() or 1)
    if n_threads <= 1 or n_runs <= 1:
        return [fn(i) for i in range(n_runs)]
    with ThreadPoolExecutor(n_threads) as ex:
        return list(ex.map(fn, range(n_runs)))
