"""kernels/loops/dqn_loop (DQN's fused loop over a compiled env) against the agent's Python loop over
gymnasium's env: same seed -> bit-identical weights, target weights, Adam moments, counters, replay
contents and episode returns, for every built-in env and the options the loop reads (n-step,
prioritized replay, Double DQN, loss, optimiser, activation, Polyak target); and the compiled greedy
evaluation against the contract's ``evaluate``."""

import gymnasium
import numpy as np
import pytest

from conftest import scale
from fastfa.agents import DQN
from fastfa.kernels.nn import dqn as K

SMALL = dict(
    hidden=(16, 16),
    learning_starts=100,
    train_freq=8,
    gradient_steps=2,
    target_update_interval=20,
    exploration_steps=300,
    buffer_size=400,
    batch_size=16,
)


@pytest.mark.parametrize(
    "env_id,opts",
    [
        ("CartPole-v1", {}),
        ("CartPole-v1", dict(n_step=1, double_dqn=True, loss="squared")),
        ("CartPole-v1", dict(optimizer="sgd", learning_rate=1e-3, activation="tanh", tau=0.5)),
        ("CartPole-v1", dict(prioritized=True, n_step=3)),
        ("Acrobot-v1", dict(n_step=3)),
        ("MountainCar-v0", {}),
        ("fastfa/PuckWorldDiscrete-v0", dict(double_dqn=True)),
    ],
)
def test_fused_loop_equals_python_loop(env_id, opts):
    n = scale(900, 250)
    comp = DQN(env_id, seed=11, **SMALL, **opts)
    py = DQN(gymnasium.make(env_id), seed=11, **SMALL, **opts)
    assert comp.compiled and not py.compiled
    comp.learn(n)
    py.learn(n)
    assert comp.cnt[K.C_UPDATES] == 2 * ((n - 100) // 8) > 0
    for name in ("theta", "theta_target", "adam_m", "adam_v"):
        np.testing.assert_array_equal(getattr(comp, name), getattr(py, name), err_msg=name)
    for c in (K.C_STEPS, K.C_UPDATES, K.C_EPISODES):
        assert comp.cnt[c] == py.cnt[c]
    for name in ("obs", "actions", "rewards", "next_obs", "terminated"):
        np.testing.assert_array_equal(getattr(comp.buffer, name), getattr(py.buffer, name), err_msg=name)
    assert comp.episode_returns == py.episode_returns


def test_compiled_greedy_evaluation_equals_evaluate():
    ag = DQN("CartPole-v1", seed=2, **SMALL).learn(scale(600, 200))
    r = ag.evaluate_returns(3, seed=4)
    ev = ag.evaluate(episodes=3, seed=4)
    np.testing.assert_array_equal(r, ev.returns)
    assert (ev.lengths > 0).all()
