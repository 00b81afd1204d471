"""Puck World steps computed by hand from the specification (docs/policy_gradient.md, the env docstring):
radius 0.05, acceleration 0.002 per unit force, damping 0.95, wall bounce −0.5, reward −‖p − target‖,
target jump every ``target_period`` steps, enemy speed 0.001, penalty 2(d − R)/R inside R = 0.25.
Order within a step: p ← p + v, then v ← 0.95 v + 0.002 f, then the walls (clamp p, v ← −0.5 v).

The state is set through ``env.unwrapped.state`` = [px, py, vx, vy, tx, ty, ex, ey, t]."""

import math

import gymnasium
import numpy as np
import pytest


def _env(**kw):
    env = gymnasium.make("fastfa/PuckWorld-v0", max_episode_steps=10**6, **kw)
    env.reset(seed=0)
    return env.unwrapped


def _set(u, px, py, vx, vy, tx, ty, ex=0.0, ey=0.0, t=0.0):
    u.state[:9] = [px, py, vx, vy, tx, ty, ex, ey, t]


def test_free_flight_three_steps():
    u = _env(target_period=0)
    _set(u, 0.25, 0.5, 0.0625, 0.0, 0.75, 0.5)
    # step 1, f = (1, 0): p = 0.3125; v = 0.95·0.0625 + 0.002 = 0.061375; r = −(0.75 − 0.3125) = −0.4375
    obs, r, *_ = u.step(np.array([1.0, 0.0], np.float32))
    assert u.state[0] == 0.3125 and u.state[2] == pytest.approx(0.061375, abs=1e-17)
    assert r == -0.4375
    # step 2, f = (0, −1): p = 0.373875, vy = −0.002, py = 0.5 (moved by the old vy = 0)
    u.step(np.array([0.0, -1.0], np.float32))
    assert u.state[0] == pytest.approx(0.373875, abs=1e-16) and u.state[1] == 0.5
    assert u.state[2] == pytest.approx(0.95 * 0.061375, abs=1e-17) and u.state[3] == pytest.approx(-0.002, abs=1e-18)
    # step 3, no force: py = 0.498; r = −hypot(0.75 − px, 0.5 − 0.498)
    _, r, *_ = u.step(np.zeros(2, np.float32))
    px = 0.373875 + 0.95 * 0.061375
    assert u.state[1] == pytest.approx(0.498, abs=1e-16)
    assert r == pytest.approx(-math.hypot(0.75 - px, 0.002), abs=1e-15)
    np.testing.assert_allclose(obs[:4], np.float32([0.3125, 0.5, 0.061375, 0.0]))


def test_walls_clamp_and_bounce_both_sides():
    u = _env(target_period=0)
    _set(u, 0.06, 0.93, -0.02, 0.04, 0.5, 0.5)
    u.step(np.array([-1.0, 1.0], np.float32))
    # x: 0.06 − 0.02 = 0.04 < 0.05 → 0.05, v = −0.5·(0.95·−0.02 − 0.002) = 0.0105
    # y: 0.93 + 0.04 = 0.97 > 0.95 → 0.95, v = −0.5·(0.95·0.04 + 0.002) = −0.02
    assert u.state[0] == 0.05 and u.state[1] == 0.95
    assert u.state[2] == pytest.approx(0.0105, abs=1e-17) and u.state[3] == pytest.approx(-0.02, abs=1e-17)


def test_target_jumps_exactly_at_the_period_from_the_env_rng():
    u = _env(target_period=3)
    _set(u, 0.5, 0.5, 0.0, 0.0, 0.25, 0.25, t=0.0)
    state = u.np_random.bit_generator.state
    for k in range(2):
        _, r, *_ = u.step(np.zeros(2, np.float32))
        assert (u.state[4], u.state[5]) == (0.25, 0.25)
    _, r, *_ = u.step(np.zeros(2, np.float32))  # step 3: new target ~ U[0, 1]² (two draws), reward uses it
    g = np.random.default_rng()
    g.bit_generator.state = state
    tx, ty = g.uniform(0, 1), g.uniform(0, 1)
    assert (u.state[4], u.state[5]) == (tx, ty)
    assert r == pytest.approx(-math.hypot(0.5 - tx, 0.5 - ty), abs=1e-15)


def test_enemy_moves_then_penalises():
    u = _env(target_period=0, enemy=True)
    _set(u, 0.5, 0.5, 0.0, 0.0, 0.5, 0.5, ex=0.5, ey=0.7)
    _, r, *_ = u.step(np.zeros(2, np.float32))
    # enemy 0.2 away, moves 0.001 towards the puck → d = 0.199; reward 0 + 2·(0.199 − 0.25)/0.25 = −0.408
    assert u.state[6] == 0.5 and u.state[7] == pytest.approx(0.699, abs=1e-16)
    assert r == pytest.approx(-0.408, abs=1e-14)
    _set(u, 0.5, 0.5, 0.0, 0.0, 0.5, 0.5, ex=0.5, ey=0.9)  # 0.4 away: outside R, no penalty
    _, r, *_ = u.step(np.zeros(2, np.float32))
    assert r == 0.0 and u.state[7] == pytest.approx(0.899, abs=1e-16)


def test_actions_outside_the_box_are_rejected():
    u = _env()
    with pytest.raises(ValueError):
        u.step(np.array([1.5, 0.0], np.float32))
