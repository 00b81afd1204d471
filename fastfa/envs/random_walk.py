"""The 1000-state random walk (S&B Example 9.1), its true values and on-policy distribution.

``gymnasium.make("fastfa/RandomWalk1000-v0")`` (or ``fastfa.make``): a
prediction task with a fixed behaviour (the single action 0 means "walk").
Observations are the state number: ``1..1000`` non-terminal, ``0`` and
``1001`` the terminal ends (rewards −1 and +1).  The dynamics are the compiled
twin's (:mod:`fastfa.kernels.envs.randomwalk`), driven by the env's
``np_random``, so both give the same episode for the same seed.

Exact solutions of the Bellman equations (dense linear solves)::

    >>> from fastfa.envs import randomwalk_true_values, randomwalk_state_distribution
    >>> v = randomwalk_true_values()           # float64[1000], v[s-1] = v_π(s)
    >>> mu = randomwalk_state_distribution()   # float64[1000], sums to 1 (S&B eq. 9.2-9.3)
"""

from __future__ import annotations

import functools

import gymnasium
import numpy as np
from gymnasium import spaces

__all__ = [
    "RandomWalkEnv",
    "randomwalk_state_distribution",
    "randomwalk_transition_matrix",
    "randomwalk_true_values",
]


def _check(n_states, max_jump):
    for name, v in (("n_states", n_states), ("max_jump", max_jump)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")


class RandomWalkEnv(gymnasium.Env):
    """## Description
    S&B Example 9.1: states 1..N in a row; from state s the walk jumps to one of
    the ``max_jump`` states on its left or right, uniformly; jumping past an end
    terminates there.

    ## Action Space
    ``Discrete(1)``: the fixed random policy (action 0, "walk").

    ## Observation Space
    ``Discrete(N + 2)``: the state number; 0 and N + 1 are terminal.

    ## Rewards
    −1 on terminating left, +1 on terminating right, 0 otherwise (γ = 1).

    ## Starting State
    ``start`` (default the centre (N + 1) // 2: 500).

    ## Episode End
    Termination at either end; no time limit.

    ## Arguments
    ``n_states`` (1000), ``max_jump`` (100), ``start`` ((N + 1) // 2).
    """

    metadata = {"render_modes": []}

    def __init__(
        self, n_states: int = 1000, max_jump: int = 100, start: int | None = None, render_mode: str | None = None
    ) -> None:
        _check(n_states, max_jump)
        if render_mode is not None:
            raise ValueError(f"render_mode: RandomWalk does not render (got {render_mode!r})")
        if start is None:
            start = (n_states + 1) // 2
        if not (1 <= start <= n_states):
            raise ValueError(f"start must be in [1, {n_states}], got {start}")
        from ..kernels.envs.randomwalk import randomwalk_params

        self.params = randomwalk_params(n_states, max_jump, start)
        self.state = np.zeros(1)
        self.action_space = spaces.Discrete(1)
        self.observation_space = spaces.Discrete(n_states + 2)
        self.render_mode = None
        self._started = False

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        from ..kernels.envs.randomwalk import randomwalk_reset

        super().reset(seed=seed)
        randomwalk_reset(self.params, self.state)
        self._started = True
        return int(self.state[0]), {}

    def step(self, action):
        from ..kernels.envs.randomwalk import randomwalk_step

        if not self._started:
            raise RuntimeError("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action must be 0 (the walk has one action), got {action!r}")
        r, done = randomwalk_step(self.params, self.state, self.np_random)
        if done:
            self._started = False
        return int(self.state[0]), float(r), bool(done), False, {}


def randomwalk_transition_matrix(n_states: int = 1000, max_jump: int = 100):
    """``(P, r)``: P[i, j] = Pr(s_{t+1} = j+1 | s_t = i+1) among non-terminal states, r[i] = E[R | s = i+1]."""
    _check(n_states, max_jump)
    p = 1.0 / (2 * max_jump)
    P = np.zeros((n_states, n_states))
    r = np.zeros(n_states)
    jumps = np.r_[-np.arange(max_jump, 0, -1), np.arange(1, max_jump + 1)]
    for i in range(n_states):
        s = i + 1
        t = s + jumps
        inside = t[(t >= 1) & (t <= n_states)]
        P[i, inside - 1] += p
        r[i] = p * (np.count_nonzero(t > n_states) - np.count_nonzero(t < 1))
    return P, r


@functools.lru_cache(maxsize=8)
def _true_values(n_states, max_jump):
    P, r = randomwalk_transition_matrix(n_states, max_jump)
    v = np.linalg.solve(np.eye(n_states) - P, r)
    v.setflags(write=False)
    return v


def randomwalk_true_values(n_states: int = 1000, max_jump: int = 100) -> np.ndarray:
    """Exact ``v_π`` of states 1..N (shape (N,); index s−1 is state s), solving ``v = Pv + r``."""
    return _true_values(int(n_states), int(max_jump)).copy()


def randomwalk_state_distribution(n_states: int = 1000, max_jump: int = 100, start: int | None = None):
    """On-policy distribution μ of states 1..N (S&B eqs. 9.2-9.3): ``η = h + Pᵀη``, ``μ = η / Ση``.

    ``η(s)`` is the expected number of visits to s per episode (``h`` = start indicator).
    """
    _check(n_states, max_jump)
    if start is None:
        start = (n_states + 1) // 2
    if not (1 <= start <= n_states):
        raise ValueError(f"start must be in [1, {n_states}], got {start}")
    return _distribution(int(n_states), int(max_jump), int(start)).copy()


@functools.lru_cache(maxsize=8)
def _distribution(n_states, max_jump, start):
    P, _ = randomwalk_transition_matrix(n_states, max_jump)
    h = np.zeros(n_states)
    h[start - 1] = 1.0
    eta = np.linalg.solve(np.eye(n_states) - P.T, h)
    mu = eta / eta.sum()
    mu.setflags(write=False)
    return mu
