"""Environments written the way a user writes them: worked examples of :class:`~fastfa.envs.CompiledEnv`.

They are *not* built-in environments (``compiled_key`` is None): fastfa checks them with
:func:`~fastfa.envs.check_compiled_env` and compiles their fused loops once per process, exactly
as for your own code.  The tests check them against gymnasium, and ``benches/compiled_env.py``
times them against the built-in twin.

``user_mountain_car``: gymnasium's MountainCar-v0 (``classic_control/mountain_car.py``) as three
``@numba.njit`` functions, constants written in (``params`` is unused); ``user_continuous_mountain_car``:
MountainCarContinuous-v0 (a ``Box`` action, the force), the same way::

    >>> from fastfa.envs.examples import user_mountain_car
    >>> env = user_mountain_car(max_steps=200)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape
    (2,)
"""

import math

import numba
import numpy as np
from gymnasium import spaces

from .compiled import CompiledEnv

__all__ = ["user_mountain_car", "user_continuous_mountain_car"]


@numba.njit
def mountain_car_reset(params, state, rng):
    """Position ~ U[-0.6, -0.4), velocity 0 (gymnasium's draw)."""
    state[0] = rng.uniform(low=-0.6, high=-0.4)
    state[1] = 0.0


@numba.njit
def mountain_car_step(params, state, action, rng):
    """S&B Example 10.1 in gymnasium's order; reward -1, terminated at the goal."""
    pos, vel = state[0], state[1]
    vel += (action - 1) * 0.001 + math.cos(3 * pos) * (-0.0025)
    vel = min(max(vel, -0.07), 0.07)
    pos += vel
    pos = min(max(pos, -1.2), 0.6)
    if pos == -1.2 and vel < 0:
        vel = 0.0
    state[0] = pos
    state[1] = vel
    return -1.0, bool(pos >= 0.5 and vel >= 0.0)


@numba.njit
def mountain_car_observe(params, state, out):
    """The observation is the state: (position, velocity)."""
    out[0] = state[0]
    out[1] = state[1]


def user_mountain_car(max_steps=None):
    """Mountain Car as a user-written :class:`CompiledEnv` (id ``"UserMountainCar"``); ``max_steps``:
    truncation after that many steps (None: never, the book's episodes)."""
    box = spaces.Box(np.array([-1.2, -0.07], np.float32), np.array([0.6, 0.07], np.float32), dtype=np.float32)
    return CompiledEnv(
        mountain_car_reset,
        mountain_car_step,
        mountain_car_observe,
        np.zeros(1),
        2,
        box,
        spaces.Discrete(3),
        max_episode_steps=max_steps,
        id="UserMountainCar",
    )


@numba.njit
def continuous_mountain_car_step(params, state, action, rng):
    """gymnasium's MountainCarContinuous-v0 step: force = clip(a, -1, 1) · 0.0015; reward 100 at the
    goal (x >= 0.45) minus 0.1 a²; the state is stored as float32, as gymnasium does."""
    pos, vel = state[0], state[1]
    force = min(max(action[0], -1.0), 1.0)
    vel += force * 0.0015 - 0.0025 * math.cos(3 * pos)
    vel = min(max(vel, -0.07), 0.07)
    pos += vel
    pos = min(max(pos, -1.2), 0.6)
    if pos == -1.2 and vel < 0:
        vel = 0.0
    terminated = pos >= 0.45 and vel >= 0.0
    reward = (100.0 if terminated else 0.0) - action[0] * action[0] * 0.1
    state[0] = np.float32(pos)
    state[1] = np.float32(vel)
    return reward, terminated


def user_continuous_mountain_car(max_steps=999):
    """MountainCarContinuous-v0 as a user-written :class:`CompiledEnv` (id ``"UserMountainCarContinuous"``;
    ``Box(-1, 1, (1,), float32)`` actions; truncation after ``max_steps``, gymnasium's 999)."""
    box = spaces.Box(np.array([-1.2, -0.07], np.float32), np.array([0.6, 0.07], np.float32), dtype=np.float32)
    act = spaces.Box(-1.0, 1.0, (1,), np.float32)
    return CompiledEnv(
        mountain_car_reset,
        continuous_mountain_car_step,
        mountain_car_observe,
        np.zeros(1),
        2,
        box,
        act,
        max_episode_steps=max_steps,
        id="UserMountainCarContinuous",
    )
