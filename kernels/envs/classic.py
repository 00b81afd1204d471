"""Compiled twins of gymnasium's classic-control envs: MountainCar-v0, CartPole-v1, Acrobot-v1.

Each twin is ``params`` (float64 array, see the ``*_PARAMS`` builders) +
``state`` (float64 array, updated in place) + pure ``@njit`` functions:

* ``<env>_reset(params, state, rng)`` draws the start state from the explicit
  ``np.random.Generator`` with exactly the calls gymnasium makes on
  ``env.np_random`` (so the same seed gives the same start state);
* ``<env>_step(params, state, action) -> (reward, terminated)`` advances the
  state with gymnasium's arithmetic, in gymnasium's order, in float64;
* ``<env>_obs(state, out)`` writes the float32 observation gymnasium returns.

The time limit (truncation) is the caller's business, as in gymnasium
(``TimeLimit`` wrapper: 200 / 500 / 500 steps).
"""

import math

import numpy as np

from .._jit import njit

# ----------------------------------------------------------------- Mountain Car
# params: [min_position, max_position, max_speed, goal_position, goal_velocity, force, gravity]
MC_MIN_POS, MC_MAX_POS, MC_MAX_SPEED, MC_GOAL_POS, MC_GOAL_VEL, MC_FORCE, MC_GRAVITY = range(7)


def mountaincar_params(goal_velocity=0.0):
    """Parameters of gymnasium's ``MountainCarEnv`` (S&B Example 10.1)."""
    return np.array([-1.2, 0.6, 0.07, 0.5, float(goal_velocity), 0.001, 0.0025], dtype=np.float64)


@njit
def mountaincar_reset(params, state, rng):
    """x₀ ~ U[−0.6, −0.4), ẋ₀ = 0 (gymnasium: ``np_random.uniform(low=-0.6, high=-0.4)``)."""
    state[0] = rng.uniform(-0.6, -0.4)
    state[1] = 0.0


@njit
def mountaincar_step(params, state, action):
    """S&B Example 10.1 (gymnasium order, float64)::

    ẋ ← clip(ẋ + (a − 1)·force − gravity·cos(3x), ±max_speed)
    x ← clip(x + ẋ, [min, max]);  ẋ ← 0 if x = min and ẋ < 0
    r = −1;  terminated = x ≥ goal and ẋ ≥ goal_velocity
    """
    position = state[0]
    velocity = state[1]
    velocity += (action - 1) * params[MC_FORCE] + math.cos(3 * position) * (-params[MC_GRAVITY])
    ms = params[MC_MAX_SPEED]
    if velocity < -ms:
        velocity = -ms
    elif velocity > ms:
        velocity = ms
    position += velocity
    if position < params[MC_MIN_POS]:
        position = params[MC_MIN_POS]
    elif position > params[MC_MAX_POS]:
        position = params[MC_MAX_POS]
    if position == params[MC_MIN_POS] and velocity < 0:
        velocity = 0.0
    state[0] = position
    state[1] = velocity
    terminated = position >= params[MC_GOAL_POS] and velocity >= params[MC_GOAL_VEL]
    return -1.0, terminated


@njit
def mountaincar_obs(state, out):
    out[0] = np.float32(state[0])
    out[1] = np.float32(state[1])


# -------------------------------------------------------------------- CartPole
# params: [gravity, masscart, masspole, length, force_mag, tau, theta_threshold, x_threshold, sutton_barto]
CP_G, CP_MC, CP_MP, CP_LEN, CP_FORCE, CP_TAU, CP_THETA, CP_X, CP_SB = range(9)


def cartpole_params(sutton_barto_reward=False):
    """Parameters of gymnasium's ``CartPoleEnv`` (Euler integrator)."""
    return np.array(
        [9.8, 1.0, 0.1, 0.5, 10.0, 0.02, 12 * 2 * math.pi / 360, 2.4, 1.0 if sutton_barto_reward else 0.0],
        dtype=np.float64,
    )


@njit
def cartpole_reset(params, state, rng):
    """state ~ U(−0.05, 0.05)⁴; ``state[4]`` = steps beyond termination (−1: not terminated yet)."""
    for i in range(4):
        state[i] = rng.uniform(-0.05, 0.05)
    state[4] = -1.0


@njit
def cartpole_step(params, state, action):
    """Barto, Sutton & Anderson (1983) cart-pole, gymnasium's Euler step (float64)::

    θ̈ = (g sinθ − cosθ·tmp) / (l (4/3 − m_p cos²θ / M)),  tmp = (F + m_p l θ̇² sinθ)/M
    ẍ = tmp − m_p l θ̈ cosθ / M;  x += τẋ, ẋ += τẍ, θ += τθ̇, θ̇ += τθ̈
    r = 1 (S&B reward: 0, −1 on failure)
    """
    x = state[0]
    x_dot = state[1]
    theta = state[2]
    theta_dot = state[3]
    force = params[CP_FORCE] if action == 1 else -params[CP_FORCE]
    costheta = math.cos(theta)
    sintheta = math.sin(theta)
    total_mass = params[CP_MP] + params[CP_MC]
    polemass_length = params[CP_MP] * params[CP_LEN]
    temp = (force + polemass_length * (theta_dot * theta_dot) * sintheta) / total_mass
    thetaacc = (params[CP_G] * sintheta - costheta * temp) / (
        params[CP_LEN] * (4.0 / 3.0 - params[CP_MP] * (costheta * costheta) / total_mass)
    )
    xacc = temp - polemass_length * thetaacc * costheta / total_mass
    tau = params[CP_TAU]
    x = x + tau * x_dot
    x_dot = x_dot + tau * xacc
    theta = theta + tau * theta_dot
    theta_dot = theta_dot + tau * thetaacc
    state[0] = x
    state[1] = x_dot
    state[2] = theta
    state[3] = theta_dot
    xt = params[CP_X]
    tt = params[CP_THETA]
    terminated = x < -xt or x > xt or theta < -tt or theta > tt
    sb = params[CP_SB] != 0.0
    if not terminated:
        reward = 0.0 if sb else 1.0
    elif state[4] < 0:
        state[4] = 0.0
        reward = -1.0 if sb else 1.0
    else:
        state[4] += 1.0
        reward = -1.0 if sb else 0.0
    return reward, terminated


@njit
def cartpole_obs(state, out):
    for i in range(4):
        out[i] = np.float32(state[i])


# --------------------------------------------------------------------- Acrobot
# params: [dt, l1, m1, m2, lc1, lc2, I, max_vel_1, max_vel_2, book(1)/nips(0), 2.0]
# The last entry is the exponent 2 as *data*: gymnasium squares with ``x**2`` = libm pow(x, 2),
# which differs from x·x in the last bit for ~0.1% of inputs; LLVM rewrites pow(x, 2.0) with a
# constant exponent into x·x, so the exponent must be a runtime value to stay bit-identical.
AC_DT, AC_L1, AC_M1, AC_M2, AC_LC1, AC_LC2, AC_I, AC_V1, AC_V2, AC_BOOK, AC_TWO = range(11)


def acrobot_params(book=True):
    """Parameters of gymnasium's ``AcrobotEnv`` (dynamics 'book', no torque noise)."""
    return np.array(
        [0.2, 1.0, 1.0, 1.0, 0.5, 0.5, 1.0, 4 * math.pi, 9 * math.pi, 1.0 if book else 0.0, 2.0], dtype=np.float64
    )


@njit
def acrobot_reset(params, state, rng):
    """θ₁, θ₂, θ̇₁, θ̇₂ ~ U(−0.1, 0.1), rounded to float32 as gymnasium does."""
    for i in range(4):
        state[i] = np.float64(np.float32(rng.uniform(-0.1, 0.1)))


@njit
def _acrobot_dsdt(params, s0, s1, s2, s3, a, out):
    m1 = params[AC_M1]
    m2 = params[AC_M2]
    l1 = params[AC_L1]
    lc1 = params[AC_LC1]
    lc2 = params[AC_LC2]
    i1 = params[AC_I]
    i2 = params[AC_I]
    g = 9.8
    two = params[AC_TWO]
    theta1 = s0
    theta2 = s1
    dtheta1 = s2
    dtheta2 = s3
    d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * math.cos(theta2)) + i1 + i2
    d2 = m2 * (lc2**2 + l1 * lc2 * math.cos(theta2)) + i2
    phi2 = m2 * lc2 * g * math.cos(theta1 + theta2 - math.pi / 2.0)
    phi1 = (
        -m2 * l1 * lc2 * dtheta2**two * math.sin(theta2)
        - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * math.sin(theta2)
        + (m1 * lc1 + m2 * l1) * g * math.cos(theta1 - math.pi / 2)
        + phi2
    )
    if params[AC_BOOK] != 0.0:
        ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**two * math.sin(theta2) - phi2) / (
            m2 * lc2**2 + i2 - d2**two / d1
        )
    else:
        ddtheta2 = (a + d2 / d1 * phi1 - phi2) / (m2 * lc2**2 + i2 - d2**two / d1)
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    out[0] = dtheta1
    out[1] = dtheta2
    out[2] = ddtheta1
    out[3] = ddtheta2


@njit
def _wrap(x, m, big):
    diff = big - m
    while x > big:
        x = x - diff
    while x < m:
        x = x + diff
    return x


@njit
def acrobot_step(params, state, action):
    """Acrobot (S&B 1st ed. §11.3; gymnasium): one RK4 step of dt with torque ∈ {−1, 0, 1}::

    θ₁, θ₂ wrapped to [−π, π];  θ̇₁, θ̇₂ clipped to ±4π, ±9π
    terminated = −cos θ₁ − cos(θ₁ + θ₂) > 1;  r = −1 (0 on termination)
    """
    a = float(action - 1)
    y = np.empty(4)
    k1 = np.empty(4)
    k2 = np.empty(4)
    k3 = np.empty(4)
    k4 = np.empty(4)
    t = np.empty(4)
    for i in range(4):
        y[i] = state[i]
    dt = params[AC_DT] - 0.0
    dt2 = dt / 2.0
    _acrobot_dsdt(params, y[0], y[1], y[2], y[3], a, k1)
    for i in range(4):
        t[i] = y[i] + dt2 * k1[i]
    _acrobot_dsdt(params, t[0], t[1], t[2], t[3], a, k2)
    for i in range(4):
        t[i] = y[i] + dt2 * k2[i]
    _acrobot_dsdt(params, t[0], t[1], t[2], t[3], a, k3)
    for i in range(4):
        t[i] = y[i] + dt * k3[i]
    _acrobot_dsdt(params, t[0], t[1], t[2], t[3], a, k4)
    c = dt / 6.0
    for i in range(4):
        state[i] = y[i] + c * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])
    state[0] = _wrap(state[0], -math.pi, math.pi)
    state[1] = _wrap(state[1], -math.pi, math.pi)
    state[2] = min(max(state[2], -params[AC_V1]), params[AC_V1])
    state[3] = min(max(state[3], -params[AC_V2]), params[AC_V2])
    terminated = -math.cos(state[0]) - math.cos(state[1] + state[0]) > 1.0
    return (0.0 if terminated else -1.0), terminated


@njit
def acrobot_obs(state, out):
    out[0] = np.float32(math.cos(state[0]))
    out[1] = np.float32(math.sin(state[0]))
    out[2] = np.float32(math.cos(state[1]))
    out[3] = np.float32(math.sin(state[1]))
    out[4] = np.float32(state[2])
    out[5] = np.float32(state[3])


# ------------------------------------------ the compiled-environment protocol (fastfa.envs.CompiledEnv)
# reset(params, state, rng); step(params, state, action, rng) -> (reward, terminated);
# observe(params, state, out float64).  The dynamics draw nothing after reset, so ``rng`` is unused
# in step; observe writes float64 values that equal gymnasium's float32 observation once rounded.
@njit
def mountaincar_env_step(params, state, action, rng):
    return mountaincar_step(params, state, action)


@njit
def mountaincar_observe(params, state, out):
    out[0] = state[0]
    out[1] = state[1]


@njit
def cartpole_env_step(params, state, action, rng):
    return cartpole_step(params, state, action)


@njit
def cartpole_observe(params, state, out):
    for i in range(4):
        out[i] = state[i]


@njit
def acrobot_env_step(params, state, action, rng):
    return acrobot_step(params, state, action)


@njit
def acrobot_observe(params, state, out):
    out[0] = math.cos(state[0])
    out[1] = math.sin(state[0])
    out[2] = math.cos(state[1])
    out[3] = math.sin(state[1])
    out[4] = state[2]
    out[5] = state[3]
