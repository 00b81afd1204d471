"""Fitted Q-iteration (Ernst, Geurts & Wehenkel 2005, "Tree-based batch mode reinforcement learning").

Given a fixed set of transitions ``(s_t, a_t, r_{t+1}, s_{t+1}, terminal)`` and a
regressor, FQI turns reinforcement learning into N supervised problems::

    Q_0 = 0
    Q_N = fit({ (s_t, a_t) ↦ r_{t+1} + γ (1 − terminal_t) max_a' Q_{N−1}(s_{t+1}, a') })

Q_N is the optimal N-step action value (exactly, with a perfect regressor), so N
must reach the horizon of the task.  The regressor sees the input row
``x = (s, a)`` (the action as a last column, Ernst et al.'s choice for trees) and
must have ``fit(X, y) -> self`` and ``predict(X) -> float[n]``: :class:`fastfa.approx.ExtraTrees`
(the paper's choice), :class:`fastfa.approx.RegressionTree`, or any object with
that interface (a scikit-learn regressor, a least-squares or MLP adapter).

Example::

    >>> import numpy as np
    >>> from fastfa.agents import fitted_q_iteration
    >>> from fastfa.approx import ExtraTrees
    >>> # a 3-state chain: action 1 moves right, reaching state 2 ends with reward 1
    >>> S = np.array([[0.], [0.], [1.], [1.]]); A = np.array([0, 1, 0, 1])
    >>> R = np.array([0., 0., 0., 1.]); S2 = np.array([[0.], [1.], [0.], [2.]])
    >>> T = np.array([False, False, False, True])
    >>> fqi = fitted_q_iteration(S, A, R, S2, T, n_actions=2, iterations=3, gamma=0.9,
    ...                          regressor=lambda: ExtraTrees(5, seed=0))
    >>> fqi.q_values([[0.0], [1.0]]).round(2).tolist()
    [[0.81, 0.9], [0.81, 1.0]]
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np

from .._checks import check_int_min, check_interval
from .._typing import ArrayLike

__all__ = ["fitted_q_iteration", "FittedQ", "Regressor"]


class Regressor(Protocol):
    """What FQI needs of a regressor (scikit-learn's interface): ``fit(X, y)`` returning the fitted
    model and ``predict(X)`` returning one value per row."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> Any: ...

    def predict(self, X: np.ndarray) -> Any: ...


@dataclass
class FittedQ:
    """The result of :func:`fitted_q_iteration`: the last regressor and per-iteration costs.

    Attributes:
        model: the regressor fitted in the last iteration (Q_N).
        n_actions: number of discrete actions.
        fit_seconds: wall time of each iteration (targets + fit).
    """

    model: Regressor | None
    n_actions: int
    fit_seconds: list = field(default_factory=list)

    def q_values(self, S: ArrayLike) -> np.ndarray:
        """Q_N(s, a) for every row of ``S`` float[n, d] and every action: float64[n, n_actions]."""
        S = np.asarray(S, dtype=np.float64)
        if S.ndim != 2:
            raise ValueError(f"S must be 2-D (rows x state dimensions), got shape {S.shape}")
        return _q_all(self.model, S, self.n_actions)

    def act(self, s: ArrayLike) -> int:
        """Greedy action argmax_a Q_N(s, a) of one state (ties: lowest action)."""
        return int(np.argmax(self.q_values(np.reshape(np.asarray(s, np.float64), (1, -1)))[0]))


def _q_all(model: Regressor | None, S: np.ndarray, n_actions: int) -> np.ndarray:
    if model is None:
        raise RuntimeError("FittedQ has no fitted model yet")
    n = S.shape[0]
    X = np.empty((n * n_actions, S.shape[1] + 1))
    X[:, :-1] = np.repeat(S, n_actions, axis=0)
    X[:, -1] = np.tile(np.arange(n_actions, dtype=np.float64), n)
    return np.asarray(model.predict(X), dtype=np.float64).reshape(n, n_actions)


def fitted_q_iteration(
    S: ArrayLike,
    A: ArrayLike,
    R: ArrayLike,
    S2: ArrayLike,
    terminal: ArrayLike,
    *,
    n_actions: int,
    regressor: Callable[[], Regressor],
    iterations: int = 50,
    gamma: float = 0.99,
    callback: Callable[[int, FittedQ], None] | None = None,
) -> FittedQ:
    """Run ``iterations`` rounds of FQI on a fixed batch of transitions.

    Args:
        S, S2: states and next states, float[n, d] (finite).
        A: actions, int[n] in [0, n_actions).
        R: rewards, float[n] (finite).
        terminal: bool[n]; True where s_{t+1} is terminal (no bootstrap).
        n_actions: number of discrete actions (int >= 1).
        regressor: a factory returning a fresh regressor with ``fit``/``predict`` (called every iteration).
        iterations: N (int >= 1).
        gamma: discount in [0, 1].
        callback: optional ``callback(iteration, FittedQ)`` after each iteration (e.g. to evaluate).
    """
    n_actions = check_int_min("n_actions", n_actions, 1)
    iterations = check_int_min("iterations", iterations, 1)
    gamma = check_interval("gamma", gamma, 0.0, 1.0)
    S = np.asarray(S, dtype=np.float64)
    S2 = np.asarray(S2, dtype=np.float64)
    if S.ndim != 2 or S.shape[0] < 1 or S2.shape != S.shape:
        raise ValueError(f"S and S2 must be 2-D of the same shape with >= 1 row, got {S.shape} and {S2.shape}")
    n = S.shape[0]
    A = np.asarray(A)
    R = np.asarray(R, dtype=np.float64)
    terminal = np.asarray(terminal)
    if A.shape != (n,) or A.dtype.kind not in "iu" or A.min() < 0 or A.max() >= n_actions:
        raise ValueError(f"A must be int[{n}] with values in [0, {n_actions}), got dtype {A.dtype} shape {A.shape}")
    if R.shape != (n,) or terminal.shape != (n,):
        raise ValueError(f"R and terminal must have shape ({n},), got {R.shape} and {terminal.shape}")
    if not (np.isfinite(S).all() and np.isfinite(S2).all() and np.isfinite(R).all()):
        raise ValueError("S, S2 and R must be finite (no NaN or inf)")
    X = np.column_stack([S, A.astype(np.float64)])
    keep = 1.0 - terminal.astype(np.float64)
    out = FittedQ(model=None, n_actions=n_actions)
    for it in range(iterations):
        t0 = time.perf_counter()
        if out.model is None:
            y = R.copy()
        else:
            y = R + gamma * keep * _q_all(out.model, S2, n_actions).max(axis=1)
        out.model = regressor().fit(X, y)
        out.fit_seconds.append(time.perf_counter() - t0)
        if callback is not None:
            callback(it + 1, out)
    return out
