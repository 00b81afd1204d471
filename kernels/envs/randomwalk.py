"""Compiled twin of the 1000-state random walk (S&B Example 9.1).

States ``1..N`` (N = 1000) are non-terminal, ``0`` (left, reward −1) and
``N + 1`` (right, reward +1) terminal; episodes start in state ``start``
(500).  Each step jumps to one of the ``J`` (100) states to the left or the
``J`` states to the right, all with probability ``1/(2J)``; a jump past an end
terminates on that side.  Other rewards are 0, γ = 1.

``params = [N, J, start]`` (float64, :func:`randomwalk_params`), ``state`` =
float64[1] (the current state number), and pure functions:

* ``randomwalk_reset(params, state)`` puts the walk in ``start``;
* ``randomwalk_step(params, state, rng) -> (reward, terminated)``: one draw
  ``k = ⌊2J · rng.random()⌋`` (``rng.random()`` is ~10x cheaper than
  ``rng.integers`` in Numba), jump ``−(k+1)`` if ``k < J`` else ``k − J + 1``.

The gymnasium env ``fastfa/RandomWalk1000-v0`` calls exactly these with its
``np_random``, so a seed gives the same episode in both.
"""

import numpy as np

from .._jit import njit

RW_N, RW_J, RW_START = range(3)


def randomwalk_params(n_states=1000, max_jump=100, start=None):
    """``[n_states, max_jump, start]`` (start defaults to the centre ``(n_states + 1) // 2``: 500, or 10 of 19)."""
    if start is None:
        start = (n_states + 1) // 2
    return np.array([n_states, max_jump, start], dtype=np.float64)


@njit
def randomwalk_reset(params, state):
    """S₀ = start."""
    state[0] = params[RW_START]


@njit
def randomwalk_jump(params, rng):
    """One jump: uniform over ``{−J..−1, 1..J}``."""
    j = np.int64(params[RW_J])
    k = np.int64(rng.random() * (2 * j))
    return -(k + 1) if k < j else k - j + 1


@njit
def randomwalk_step(params, state, rng):
    """One step with a random jump (see :func:`randomwalk_move`)."""
    return randomwalk_move(params, state, randomwalk_jump(params, rng))


@njit
def randomwalk_move(params, state, jump):
    """S' = clip(S + jump, 0, N + 1); R = −1 at 0, +1 at N + 1, else 0; terminated at either end."""
    n = np.int64(params[RW_N])
    s = np.int64(state[0]) + jump
    if s <= 0:
        state[0] = 0.0
        return -1.0, True
    if s >= n + 1:
        state[0] = float(n + 1)
        return 1.0, True
    state[0] = float(s)
    return 0.0, False


@njit
def randomwalk_episode(params, rng, states, rewards):
    """Generate one episode: ``states[0..T-1]`` visited non-terminal states and ``rewards[t]`` = R_{t+1}.

    Returns T (the arrays must be long enough; an episode longer than ``states`` is cut and
    returns ``-1``).
    """
    state = np.empty(1)
    randomwalk_reset(params, state)
    t = 0
    while True:
        if t >= states.shape[0]:
            return -1
        states[t] = np.int64(state[0])
        r, done = randomwalk_step(params, state, rng)
        rewards[t] = r
        t += 1
        if done:
            return t
