"""Small argument checks shared by the policy classes (clear errors naming the argument)."""

from __future__ import annotations

import numpy as np

from .._checks import check_positive  # noqa: F401  (shared; re-exported for the policy modules)
from numpy.random import Generator


def check_int(name: str, value, low: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def check_rng(rng: Generator) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")


def check_finite_param(name: str, arr: np.ndarray) -> None:
    """Raise FloatingPointError if a parameter array holds NaN/inf (training diverged)."""
    if not np.all(np.isfinite(arr)):
        raise FloatingPointError(
            f"{name}: policy parameters became non-finite (NaN or inf); "
            "the step size is probably too large. Training stopped."
        )
