"""Environments written the way a user writes them (not built into fastfa), from gymnasium's source.

``user_mountain_car``: gymnasium's MountainCar-v0 (classic_control/mountain_car.py) as three
@numba.njit functions for fastfa.envs.CompiledEnv; the tests check it against gymnasium itself.
"""

import math

import numba
import numpy as np
from gymnasium import spaces

from fastfa.envs import CompiledEnv


@numba.njit
def reset(params, state, rng):
    state[0] = rng.uniform(low=-0.6, high=-0.4)
    state[1] = 0.0


@numba.njit
def step(params, state, action, rng):
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
def observe(params, state, out):
    out[0] = state[0]
    out[1] = state[1]


def user_mountain_car(max_steps=None):
    return CompiledEnv(
        reset,
        step,
        observe,
        np.zeros(1),
        2,
        spaces.Box(np.array([-1.2, -0.07], np.float32), np.array([0.6, 0.07], np.float32), dtype=np.float32),
        spaces.Discrete(3),
        max_episode_steps=max_steps,
        id="UserMountainCar",
    )
