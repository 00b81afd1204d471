"""kernels/dqn_loop (the uniform-replay DQN loop compiled as few units) against the general loop
kernels/dqn.dqn_train: same seed -> bit-identical weights, Adam moments, counters and episode logs,
for every compiled twin and the options the uniform loop reads (n-step, Double DQN, loss, optimiser,
activation, Polyak target)."""

import numpy as np
import pytest

from conftest import scale
from fastfa.agents import DQN
from fastfa.kernels.nn import dqn as K
from fastfa.kernels.loops import dqn_loop as KL

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


def _run(agent, n, general):
    ret, lens, ends = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
    b = agent._buffer_args()
    common = (
        agent._env_kind,
        agent._env_params,
        agent.env_state,
        agent.env_rng,
        agent.x_cur,
        agent.theta,
        agent.theta_target,
        agent.sizes,
        agent.adam_m,
        agent.adam_v,
        agent.cnt,
        agent.hp,
        agent.rng,
    )
    if general:
        n_ep = K.dqn_train(*common, *b, agent.buffer.rng, n, ret, lens, ends, agent.ep_ret_cur)
    else:
        n_ep = KL.dqn_train_uniform(*common, *b[:7], agent.buffer.rng, n, ret, lens, ends, agent.ep_ret_cur)
    return ret[:n_ep], lens[:n_ep], ends[:n_ep]


@pytest.mark.parametrize(
    "env_id,opts",
    [
        ("CartPole-v1", {}),
        ("CartPole-v1", dict(n_step=1, double_dqn=True, loss="squared")),
        ("CartPole-v1", dict(optimizer="sgd", learning_rate=1e-3, activation="tanh", tau=0.5)),
        ("Acrobot-v1", dict(n_step=3)),
        ("MountainCar-v0", {}),
        ("fastfa/PuckWorldDiscrete-v0", dict(double_dqn=True)),
    ],
)
def test_uniform_loop_equals_general_loop(env_id, opts):
    n = scale(900, 250)
    a, b = DQN(env_id, seed=11, **SMALL, **opts), DQN(env_id, seed=11, **SMALL, **opts)
    out_a = _run(a, n, general=True)
    out_b = _run(b, n, general=False)
    assert a.cnt[K.C_UPDATES] > 0
    for x, y in zip(out_a, out_b):
        np.testing.assert_array_equal(x, y)
    for name in ("theta", "theta_target", "adam_m", "adam_v", "cnt", "env_state", "x_cur"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.buffer.obs, b.buffer.obs)


def test_evaluate_twin_equals_general_evaluate():
    ag = DQN("CartPole-v1", seed=2, **SMALL).learn(scale(600, 200))
    r1, r2 = np.empty(3), np.empty(3)
    a_fn = int(ag.hp[K.HP_ACT])
    K.dqn_evaluate(
        ag._env_kind, ag._env_params, np.random.default_rng(4), ag.theta, ag.sizes, a_fn, ag.obs_dim, 3, 500, r1
    )
    KL.dqn_evaluate_twin(
        ag._env_kind, ag._env_params, np.random.default_rng(4), ag.theta, ag.sizes, a_fn, ag.obs_dim, 3, 500, r2
    )
    np.testing.assert_array_equal(r1, r2)
