"""fastfa.agents.learn_population (kernels/loops/dqn_pop.py): k DQN agents trained together by one
compiled loop equal the same agents trained alone with ``agent.learn``, bit for bit (weights, target
weights, Adam moments, counters, replay, episode lists, env state, generator states), for k = 1 and 3,
threads 1 and 2, over two successive calls (the episode in progress carries over); one compiled
signature for every k; and the input checks."""

import numpy as np
import pytest

from conftest import JIT_DISABLED, scale
from fastfa.agents import DQN, learn_population

TINY = dict(
    hidden=(8,),
    learning_starts=50,
    train_freq=4,
    gradient_steps=1,
    target_update_interval=20,
    exploration_steps=150,
    buffer_size=120,
    batch_size=8,
)
ARRAYS = ("theta", "theta_target", "adam_m", "adam_v", "cnt", "env_state", "x_cur", "ep_ret_cur", "hp")
BUFFER = ("obs", "actions", "rewards", "next_obs", "terminated", "truncated", "state")


def assert_same(a, b):
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in BUFFER:
        np.testing.assert_array_equal(getattr(a.buffer, name), getattr(b.buffer, name), err_msg=name)
    for name in ("sum_tree", "min_tree", "pstate"):
        if hasattr(a.buffer, name):
            np.testing.assert_array_equal(getattr(a.buffer, name), getattr(b.buffer, name), err_msg=name)
    assert a.episode_returns == b.episode_returns
    assert a.episode_lengths == b.episode_lengths
    assert a.episode_end_steps == b.episode_end_steps
    for g in ("rng", "env_rng"):
        assert getattr(a, g).bit_generator.state == getattr(b, g).bit_generator.state, g
    assert a.buffer.rng.bit_generator.state == b.buffer.rng.bit_generator.state


@pytest.mark.parametrize("k,threads", [(1, 1), (3, 1), (3, 2)])
def test_population_equals_separate_learn(k, threads):
    n1, n2 = scale(230, 90), scale(170, 60)  # 230 leaves an episode in progress on every seed
    opts = [dict(TINY), dict(TINY, learning_rate=3e-4, gamma=0.9), dict(TINY, n_step=3, double_dqn=True)]
    pop = [DQN("CartPole-v1", seed=s, **opts[s]) for s in range(k)]
    assert learn_population(pop, n1, threads=threads) == pop
    assert any(a.cnt[3] > 0 for a in pop)  # C_EP_LEN: the first call ended mid-episode
    learn_population(pop, n2, threads=threads)
    for s in range(k):
        alone = DQN("CartPole-v1", seed=s, **opts[s])
        alone.learn(n1)
        alone.learn(n2)
        assert alone.num_timesteps == pop[s].num_timesteps == n1 + n2
        assert alone.n_updates > 0
        assert_same(pop[s], alone)


def test_population_blocks_do_not_change_the_numbers():
    """Calls longer than the loop's block (kernels/loops/dqn_pop.BLOCK env steps per seed before it moves
    to the next seed), ending mid-block: the same bits as each agent alone."""
    from fastfa.kernels.loops.dqn_pop import BLOCK

    n = scale(2 * BLOCK + 230, 90)
    pop = [DQN("CartPole-v1", seed=s, **dict(TINY, gradient_steps=2)) for s in range(3)]
    learn_population(pop, n)
    for s in range(3):
        alone = DQN("CartPole-v1", seed=s, **dict(TINY, gradient_steps=2))
        alone.learn(n)
        assert alone.num_timesteps == pop[s].num_timesteps == n
        assert_same(pop[s], alone)


def test_population_prioritized_and_user_env():
    """Prioritized replay (the trees are stacked too) on a user's CompiledEnv (compiled once per process)."""
    from fastfa.envs import make

    env = make("CartPole-v1", compiled=True)
    pop = [DQN(env, seed=s, prioritized=True, **TINY) for s in range(2)]
    learn_population(pop, scale(200, 80))
    for s in range(2):
        alone = DQN(env, seed=s, prioritized=True, **TINY).learn(scale(200, 80))
        assert_same(pop[s], alone)


@pytest.mark.skipif(JIT_DISABLED, reason="compiled signatures")
def test_one_signature_for_every_k():
    agents = [DQN("CartPole-v1", seed=s, **TINY) for s in range(4)]
    unit = agents[0]._unit("pop")
    for group in (agents[:1], agents[1:3], agents):
        learn_population(group, 30)
    agents[0].learn(10)  # the single-seed learn is the same unit with k = 1
    assert len(unit.signatures) == 1


def test_validation_errors():
    a, b = DQN("CartPole-v1", seed=0, **TINY), DQN("CartPole-v1", seed=1, **TINY)
    with pytest.raises(TypeError, match="agents must be a list"):
        learn_population(a, 10)
    with pytest.raises(ValueError, match="at least one"):
        learn_population([], 10)
    with pytest.raises(TypeError, match=r"agents\[1\] must be a fastfa.agents.DQN"):
        learn_population([a, "b"], 10)
    with pytest.raises(ValueError, match=r"agents\[1\] is the same agent object as agents\[0\]"):
        learn_population([a, a], 10)
    for bad in (1.5, "10", True, None):
        with pytest.raises(TypeError, match="total_steps"):
            learn_population([a, b], bad)
    with pytest.raises(ValueError, match="total_steps"):
        learn_population([a, b], 0)
    with pytest.raises(TypeError, match="threads"):
        learn_population([a, b], 10, threads=2.0)
    with pytest.raises(ValueError, match="threads"):
        learn_population([a, b], 10, threads=0)
    py = DQN("CartPole-v1", seed=2, compiled=False, **TINY)
    with pytest.raises(ValueError, match=r"agents\[1\] trains in the Python loop"):
        learn_population([a, py], 10)
    with pytest.raises(ValueError, match=r"agents\[1\]: network widths"):
        learn_population([a, DQN("CartPole-v1", seed=3, **dict(TINY, hidden=(4,)))], 10)
    with pytest.raises(ValueError, match=r"agents\[1\]: buffer_size"):
        learn_population([a, DQN("CartPole-v1", seed=3, **dict(TINY, buffer_size=99))], 10)
    with pytest.raises(ValueError, match=r"agents\[1\]: dtype"):
        learn_population([a, DQN("CartPole-v1", seed=3, dtype="float64", **TINY)], 10)
    with pytest.raises(ValueError, match=r"agents\[1\]: prioritized"):
        learn_population([a, DQN("CartPole-v1", seed=3, prioritized=True, **TINY)], 10)
    with pytest.raises(ValueError, match=r"agents\[1\] trains on another compiled env"):
        learn_population([a, DQN("Acrobot-v1", seed=3, **dict(TINY))], 10)
    c = DQN("CartPole-v1", seed=4, **TINY)
    c.rng = a.rng
    with pytest.raises(ValueError, match=r"agents\[1\].rng is the same generator object as agents\[0\].rng"):
        learn_population([a, c], 10)
    assert a.num_timesteps == b.num_timesteps == 0  # nothing ran
