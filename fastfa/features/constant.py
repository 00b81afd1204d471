"""One constant feature, x(s) = [1]: the book's short-corridor features (S&B Example 13.1)."""

from __future__ import annotations

import numpy as np
from .._typing import ArrayLike

__all__ = ["ConstantFeatures"]


class ConstantFeatures:
    """x(s) = [1] for every state: the book's short-corridor features (all states look alike).

    With a per-action softmax, θ[0, a] is the preference of action a: exactly S&B Example 13.1's
    x(s, right) = [1, 0], x(s, left) = [0, 1].
    """

    n_features = 1
    sparse = False

    def transform(self, obs: ArrayLike) -> np.ndarray:
        return np.ones(1)

    def get_state(self) -> tuple[dict, dict]:
        return {}, {}

    @classmethod
    def from_state(cls, meta: dict, arrays: dict) -> ConstantFeatures:
        return cls()
