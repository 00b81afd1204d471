"""Compiled twins of the policy-gradient environments: Short Corridor and Puck World.

Twin = ``params`` (float64 array, built by the ``*_params`` helpers) + ``state``
(float64 array, updated in place) + pure ``@njit`` functions; randomness only
from an explicit ``np.random.Generator``.  The gymnasium classes in
``fastfa.envs.pg_envs`` call these functions; ``tests/naive_pg_envs.py`` is an
independent plain-Python version they are tested against step for step.

**Short corridor** (S&B Example 13.1): states 0, 1, 2 (3 is terminal), start 0,
reward −1 per step; action 1 (right) moves right and 0 (left) moves left,
except in state 1 where they are reversed; left in state 0 stays in 0.

**Puck World** (Karpathy's REINFORCEjs demo, as in the lecture): puck of
radius ρ in the unit square, each step ::

    p ← p + v;  v ← κ v;  v ← v + α_acc f      (f ∈ [−1, 1]², damping κ = 0.95)
    if p_k < ρ: p_k ← ρ, v_k ← −½ v_k;  if p_k > 1 − ρ: p_k ← 1 − ρ, v_k ← −½ v_k
    t ← t + 1; if t mod period = 0: target ~ U[0, 1]²
    enemy (optional): e ← e + speed · (p − e)/‖p − e‖
    r = −‖p − target‖  (+ penalty·(d_e − R)/R when d_e = ‖p − e‖ < R, the demo's 2(d−R)/R)
"""

import math

import numpy as np

from .._jit import njit

# ------------------------------------------------------------------ short corridor


@njit
def short_corridor_step(state, action):
    """state[0] ∈ {0, 1, 2}; action 0 left / 1 right.  Returns (reward −1, terminated)."""
    s = int(state[0])
    move = 1 if action == 1 else -1
    if s == 1:
        move = -move
    s = max(0, s + move)
    state[0] = s
    return -1.0, s == 3


@njit
def short_corridor_reset(params, state, rng):
    """The compiled-environment protocol (``fastfa.envs.CompiledEnv``): start in state 0 (no draw)."""
    state[0] = 0.0


@njit
def short_corridor_env_step(params, state, action, rng):
    """:func:`short_corridor_step` in the compiled-environment protocol (no draw)."""
    return short_corridor_step(state, action)


@njit
def short_corridor_obs(params, state, out):
    """Observation: the state index (the book's agent codes it with one feature for all states)."""
    out[0] = state[0]


def short_corridor_value(p_right):
    """Exact v_π(start) of the policy choosing right with probability p (S&B Example 13.1).

    Solving the Bellman equations of the three states gives
    v(0) = −2(2 − p) / (p (1 − p)), maximal at p* = 2 − √2 ≈ 0.586, v* ≈ −11.657.
    Returns −inf at p = 0 or 1 (the agent never finishes).  Vectorised over p.
    """
    p = np.asarray(p_right, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where((p > 0) & (p < 1), -2.0 * (2.0 - p) / (p * (1.0 - p)), -np.inf)
    return v if v.ndim else float(v)


def short_corridor_values(p_right):
    """Exact [v(0), v(1), v(2)] for the policy with P(right) = p, 0 < p < 1."""
    p = float(p_right)
    v1 = (p - 3.0) / (p * (1.0 - p))
    return np.array([v1 - 1.0 / p, v1, -1.0 + (1.0 - p) * v1])


# ------------------------------------------------------------------ puck world
# params layout
PW_RADIUS, PW_ACCEL, PW_DAMPING, PW_BOUNCE, PW_PERIOD, PW_ENEMY, PW_ENEMY_SPEED, PW_BAD_RADIUS, PW_PENALTY = range(9)
# state layout: puck x, y, velocity x, y, target x, y, enemy x, y, step counter
PW_STATE_LEN = 9


def puckworld_params(
    radius=0.05,
    accel=0.002,
    damping=0.95,
    bounce=-0.5,
    target_period=300,
    enemy=False,
    enemy_speed=0.001,
    enemy_radius=0.25,
    enemy_penalty=2.0,
):
    """Parameters of Puck World (defaults: the lecture / REINFORCEjs demo, period 30 s at 0.1 s/step)."""
    return np.array(
        [
            radius,
            accel,
            damping,
            bounce,
            target_period,
            1.0 if enemy else 0.0,
            enemy_speed,
            enemy_radius,
            enemy_penalty,
        ],
        dtype=np.float64,
    )


@njit
def puckworld_reset(params, state, rng):
    """Puck ~ U[ρ, 1−ρ]², velocity 0, target ~ U[0,1]², enemy ~ U[0,1]² (drawn even when disabled)."""
    r = params[PW_RADIUS]
    state[0] = rng.uniform(r, 1.0 - r)
    state[1] = rng.uniform(r, 1.0 - r)
    state[2] = 0.0
    state[3] = 0.0
    state[4] = rng.uniform(0.0, 1.0)
    state[5] = rng.uniform(0.0, 1.0)
    state[6] = rng.uniform(0.0, 1.0)
    state[7] = rng.uniform(0.0, 1.0)
    state[8] = 0.0


@njit
def puckworld_step(params, state, fx, fy, rng):
    """One step with force (fx, fy), each clipped to [−1, 1]; returns the reward (see module doc)."""
    fx = min(1.0, max(-1.0, fx))
    fy = min(1.0, max(-1.0, fy))
    r = params[PW_RADIUS]
    k = params[PW_DAMPING]
    acc = params[PW_ACCEL]
    bounce = params[PW_BOUNCE]
    for d in range(2):
        f = fx if d == 0 else fy
        p = state[d] + state[2 + d]
        v = state[2 + d] * k + acc * f
        if p < r:
            p = r
            v = bounce * v
        elif p > 1.0 - r:
            p = 1.0 - r
            v = bounce * v
        state[d] = p
        state[2 + d] = v
    state[8] += 1.0
    period = params[PW_PERIOD]
    if period > 0 and state[8] % period == 0.0:
        state[4] = rng.uniform(0.0, 1.0)
        state[5] = rng.uniform(0.0, 1.0)
    dx = state[0] - state[4]
    dy = state[1] - state[5]
    reward = -math.sqrt(dx * dx + dy * dy)
    if params[PW_ENEMY] != 0.0:
        ex = state[0] - state[6]
        ey = state[1] - state[7]
        de = math.sqrt(ex * ex + ey * ey)
        if de > 0.0:
            state[6] += params[PW_ENEMY_SPEED] * ex / de
            state[7] += params[PW_ENEMY_SPEED] * ey / de
        ex = state[0] - state[6]
        ey = state[1] - state[7]
        de = math.sqrt(ex * ex + ey * ey)
        big_r = params[PW_BAD_RADIUS]
        if de < big_r:
            reward += params[PW_PENALTY] * (de - big_r) / big_r
    return reward


@njit
def puckworld_discrete_force(action):
    """Thruster of the discrete variant: 0 none, 1 left, 2 right, 3 up, 4 down → (fx, fy)."""
    if action == 1:
        return -1.0, 0.0
    if action == 2:
        return 1.0, 0.0
    if action == 3:
        return 0.0, 1.0
    if action == 4:
        return 0.0, -1.0
    return 0.0, 0.0


@njit
def puckworld_discrete_env_step(params, state, action, rng):
    """The discrete variant in the compiled-environment protocol (``fastfa.envs.CompiledEnv``):
    thruster ``action``; returns (reward, terminated = False: episodes end by the time limit)."""
    fx, fy = puckworld_discrete_force(action)
    return puckworld_step(params, state, fx, fy, rng), False


@njit
def puckworld_env_step(params, state, action, rng):
    """The continuous variant in the compiled-environment protocol: force ``action`` [2] (clipped to
    [−1, 1]² by :func:`puckworld_step`); returns (reward, terminated = False)."""
    return puckworld_step(params, state, action[0], action[1], rng), False


@njit
def puckworld_relative_obs(params, state, out):
    """Observation of the lecture's agent: target − puck (x, y) and the puck's velocity, float64."""
    out[0] = state[4] - state[0]
    out[1] = state[5] - state[1]
    out[2] = state[2]
    out[3] = state[3]


@njit
def puckworld_obs(params, state, out):
    """Observation: puck x, y, vx, vy, target x, y (+ enemy x, y when enabled), float32."""
    n = 8 if params[PW_ENEMY] != 0.0 else 6
    for i in range(n):
        out[i] = np.float32(state[i])
