import numpy as np
import pytest
from fastfa.kernels.envs.randomwalk import (
    randomwalk_episode,
    randomwalk_move,
    randomwalk_params,
    randomwalk_reset,
    randomwalk_step,
)
from gymnasium.utils.env_checker import check_env
from naive_prediction import naive_randomwalk_episode, naive_randomwalk_values

import fastfa
from conftest import scale
from fastfa.envs import randomwalk_state_distribution, randomwalk_true_values


def test_true_values_match_iterative_dp():
    v = randomwalk_true_values()
    assert v.shape == (1000,)
    assert np.allclose(v, naive_randomwalk_values(), atol=1e-9)
    assert np.allclose(v, -v[::-1])  # antisymmetric about the centre
    assert np.all(np.diff(v) > 0)
    assert -0.95 < v[0] < -0.9 and 0.9 < v[-1] < 0.95  # S&B Fig 9.1 ends
    v[0] = 5  # a copy: the cache is not corrupted
    assert randomwalk_true_values()[0] != 5


def test_state_distribution():
    mu = randomwalk_state_distribution()
    assert mu.shape == (1000,) and np.isclose(mu.sum(), 1) and (mu > 0).all()
    assert mu.argmax() == 499  # the start state 500 is the most visited
    # against Monte Carlo visit counts of the compiled twin
    params = randomwalk_params()
    rng = np.random.default_rng(0)
    counts = np.zeros(1002)
    states, rewards = np.empty(10000, np.int64), np.empty(10000)
    for _ in range(scale(4000, 300)):
        T = randomwalk_episode(params, rng, states, rewards)
        np.add.at(counts, states[:T], 1)
    freq = counts[1:1001] / counts.sum()
    groups = lambda a: a.reshape(10, 100).sum(axis=1)
    assert np.allclose(groups(freq), groups(mu), atol=0.02 if scale(1, 0) else 0.06)


def test_step_hand_cases():
    params = randomwalk_params()
    state = np.zeros(1)
    for s0, jump, want_r, want_done, want_s in [
        (950, 60, 1.0, True, 1001),
        (950, -1, 0.0, False, 949),
        (1, -1, -1.0, True, 0),
        (500, -100, 0.0, False, 400),
        (1000, 1, 1.0, True, 1001),
        (900, 100, 0.0, False, 1000),
    ]:
        state[0] = s0
        r, done = randomwalk_move(params, state, jump)
        assert (r, done, state[0]) == (want_r, want_done, want_s)


def test_jump_distribution_from_state_1():
    params = randomwalk_params()
    rng = np.random.default_rng(1)
    state = np.zeros(1)
    n = scale(20000, 2000)
    left = 0
    for _ in range(n):
        state[0] = 1
        r, done = randomwalk_step(params, state, rng)
        left += r == -1.0
    assert abs(left / n - 0.5) < 4 * np.sqrt(0.25 / n)


def test_twin_equals_naive_and_gym_env():
    params = randomwalk_params()
    states, rewards = np.empty(10000, np.int64), np.empty(10000)
    T = randomwalk_episode(params, np.random.default_rng(5), states, rewards)
    ns, nr = naive_randomwalk_episode(np.random.default_rng(5))
    assert states[:T].tolist() == ns and rewards[:T].tolist() == nr
    env = fastfa.make("fastfa/RandomWalk1000-v0")
    obs, _ = env.reset(seed=5)
    seen, rs = [obs], []
    while True:
        obs, r, term, trunc, _ = env.step(0)
        rs.append(r)
        if term:
            break
        seen.append(obs)
    gen = np.random.default_rng(5)  # gymnasium seeds np_random as default_rng(seed)
    T = randomwalk_episode(params, gen, states, rewards)
    assert seen == states[:T].tolist() and rs == rewards[:T].tolist()


def test_gym_env_checks_and_determinism():
    env = fastfa.make("fastfa/RandomWalk1000-v0")
    check_env(env.unwrapped, skip_render_check=True)
    assert fastfa.make("fastfa/RandomWalk1000-v0", compiled=True).unwrapped.params[0] == 1000

    def episode(seed):
        e = fastfa.make("fastfa/RandomWalk1000-v0")
        e.reset(seed=seed)
        out = []
        while True:
            o, r, t, _, _ = e.step(0)
            out.append(o)
            if t:
                return out

    assert episode(3) == episode(3) and episode(3) != episode(4)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(1)
    with pytest.raises(ValueError, match="n_states"):
        randomwalk_true_values(0)
    with pytest.raises(ValueError, match="start"):
        fastfa.make("fastfa/RandomWalk1000-v0", start=0)


def test_reset_kernel():
    params = randomwalk_params(20, 5)
    state = np.zeros(1)
    randomwalk_reset(params, state)
    assert state[0] == 10
