"""Compiled twins vs gymnasium: same seed + same actions -> bit-identical trajectories."""

import gymnasium
import numpy as np
import pytest
from fastfa.kernels.envs import classic as ec
from gymnasium.utils.env_checker import check_env

import fastfa
from conftest import scale

IDS = ["MountainCar-v0", "CartPole-v1", "Acrobot-v1"]


def _policy_actions(env_id, n, rng):
    k = {"MountainCar-v0": 3, "CartPole-v1": 2, "Acrobot-v1": 3}[env_id]
    return rng.integers(0, k, n)


@pytest.mark.parametrize("env_id", IDS)
def test_parity_with_gymnasium(env_id):
    n = scale(4000, 600)
    ref = gymnasium.make(env_id)
    twin = fastfa.make(env_id, compiled=True)
    assert twin.spec.id == f"fastfa/{env_id}"
    assert twin.observation_space == ref.observation_space
    assert twin.action_space == ref.action_space
    rng = np.random.default_rng(3)
    acts = _policy_actions(env_id, n, rng)
    o1, _ = ref.reset(seed=11)
    o2, _ = twin.reset(seed=11)
    np.testing.assert_array_equal(o1, o2)
    assert o2.dtype == np.float32
    ends = terms = 0
    for i, a in enumerate(acts):
        if env_id == "MountainCar-v0":  # energy-pumping policy with noise: reaches the goal
            a = (2 if o1[1] >= 0 else 0) if rng.random() < 0.9 else int(a)
        elif env_id == "Acrobot-v1":  # pump energy into the first joint
            a = (2 if o1[5] >= 0 else 0) if rng.random() < 0.9 else int(a)
        r1 = ref.step(int(a))
        r2 = twin.step(int(a))
        np.testing.assert_array_equal(r1[0], r2[0], err_msg=f"step {i}")
        assert r1[1:4] == r2[1:4], f"step {i}: {r1[1:4]} != {r2[1:4]}"
        assert type(r2[1]) is float and type(r2[2]) is bool
        o1 = r1[0]
        if r1[2] or r1[3]:
            ends += 1
            terms += r1[2]
            o1, _ = ref.reset()
            o2, _ = twin.reset()
            np.testing.assert_array_equal(o1, o2)
    assert ends > 2 and terms > 0  # episodes ended, some by termination


@pytest.mark.parametrize("env_id", IDS)
def test_check_env(env_id):
    env = fastfa.make(env_id, compiled=True)
    check_env(env.unwrapped, skip_render_check=True)


def test_mountaincar_hand_step():
    p = ec.mountaincar_params()
    s = np.array([-1.2, -0.01])
    r, term = ec.mountaincar_step(p, s, 0)  # pushes into the left wall: velocity reset to 0
    assert (r, term) == (-1.0, False) and s[0] == -1.2 and s[1] == 0.0
    s = np.array([0.49, 0.02])
    r, term = ec.mountaincar_step(p, s, 2)
    assert term and s[0] >= 0.5
    v = 0.02 + 0.001 - 0.0025 * np.cos(3 * 0.49)
    assert s[1] == v and s[0] == 0.49 + v


def test_cartpole_sutton_barto_reward_and_after_termination():
    env = fastfa.make("CartPole-v1", compiled=True, sutton_barto_reward=True)
    ref = gymnasium.make("CartPole-v1", sutton_barto_reward=True)
    env.reset(seed=0)
    ref.reset(seed=0)
    rs = []
    for _ in range(200):
        a = env.step(1)
        b = ref.step(1)
        assert a[1:3] == b[1:3]
        rs.append(a[1])
        if a[2]:
            break
    assert rs[-1] == -1.0 and set(rs[:-1]) == {0.0}


def test_bad_action_and_step_before_reset():
    env = fastfa.make("MountainCar-v0", compiled=True)
    with pytest.raises(RuntimeError, match="reset"):
        env.unwrapped.step(0)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(3)
    with pytest.raises(ValueError, match="action"):
        env.step(1.0)
    with pytest.raises(ValueError, match="action"):
        env.step(-1)
    assert env.step(np.int64(2))[0].shape == (2,)
    with pytest.raises(ValueError, match="render_mode"):
        fastfa.make("MountainCar-v0", compiled=True, render_mode="human")
    with pytest.raises(ValueError, match="compiled twin"):
        fastfa.make("Pendulum-v1", compiled=True)


def test_make_without_compiled_is_gymnasium():
    env = fastfa.make("MountainCar-v0")
    assert type(env.unwrapped).__module__.startswith("gymnasium")
