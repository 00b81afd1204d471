"""Control agents: Python loop == compiled loop, n-step/MC hand cases, validation, save/load."""

import gymnasium
import numpy as np
import pytest
from conftest import scale
from gymnasium import spaces

import fastfa
from fastfa.agents import (
    ControlConfig,
    DiscretizedQLearning,
    ExpectedSarsa,
    MCControl,
    NStepSarsa,
    QLearning,
    Sarsa,
    SarsaLambda,
    TrueOnlineSarsaLambda,
)
from fastfa.features import GridTileCoder

# These tests use the 0.1.0 constructor and learn(env, ...) forms on purpose: they show that the
# old forms keep working (with a DeprecationWarning) for one release.  The contract form is tested
# in test_contract.py.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MC_BOX = ([-1.2, -0.07], [0.5, 0.07])
CASES = [
    (Sarsa, {}),
    (Sarsa, dict(epsilon=0.2, epsilon_decay=0.8, epsilon_min=0.01)),
    (QLearning, dict(epsilon=0.1)),
    (ExpectedSarsa, dict(epsilon=0.1)),
    (SarsaLambda, dict(lam=0.9, alpha=0.3 / 8, trace="replacing_clear")),
    (SarsaLambda, dict(lam=0.8, alpha=0.1 / 8, trace="accumulating")),
    (TrueOnlineSarsaLambda, dict(lam=0.9, alpha=0.3 / 8)),
    (NStepSarsa, dict(n=4, alpha=0.3 / 8)),
    (NStepSarsa, dict(n=3, epsilon=0.1)),
]


def _learn(cls, kw, env, compiled, **budget):
    ag = cls(GridTileCoder(*MC_BOX), 3, seed=1, **kw)
    ag.learn(env, seed=3, compiled=compiled, **budget)
    return ag


@pytest.mark.parametrize("cls,kw", CASES)
def test_python_loop_equals_compiled_loop(cls, kw):
    eps = scale(6, 2)
    limit = scale(2000, 300)
    a = _learn(cls, kw, gymnasium.make("MountainCar-v0", max_episode_steps=limit), False, episodes=eps)
    b = _learn(cls, kw, gymnasium.make("MountainCar-v0", max_episode_steps=limit), True, episodes=eps)
    assert a.log.lengths == b.log.lengths and a.log.returns == b.log.returns
    np.testing.assert_array_equal(a.w, b.w)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state and a.epsilon == b.epsilon
    assert a.log.total_steps == b.log.total_steps == sum(a.log.lengths)


def test_total_steps_budget_and_twin_env():
    n = scale(1500, 300)
    for cls, kw in [(Sarsa, {}), (NStepSarsa, dict(n=8))]:
        a = _learn(cls, kw, gymnasium.make("MountainCar-v0"), False, total_steps=n)
        b = _learn(cls, kw, fastfa.make("MountainCar-v0", compiled=True), True, total_steps=n)
        assert a.log.lengths == b.log.lengths and a.log.total_steps == b.log.total_steps == n
        np.testing.assert_array_equal(a.w, b.w)


@pytest.mark.extended  # two more twins' units (~15 s of compiling); MountainCar's is checked above
def test_cartpole_and_acrobot_twins_equal_python_loop():
    box = ([-2.4, -3.0, -0.21, -3.5], [2.4, 3.0, 0.21, 3.5])
    ws = []
    for compiled in (False, True):
        ag = Sarsa(GridTileCoder(*box, tiles=4, tilings=4), 2, seed=0, alpha=0.1 / 4, epsilon=0.1)
        ag.learn(gymnasium.make("CartPole-v1"), episodes=scale(5, 2), seed=0, compiled=compiled)
        ws.append((ag.w.copy(), ag.log.lengths))
    np.testing.assert_array_equal(ws[0][0], ws[1][0])
    assert ws[0][1] == ws[1][1]
    hi = [1, 1, 1, 1, 4 * np.pi, 9 * np.pi]
    ws = []
    for compiled in (False, True):
        ag = ExpectedSarsa(
            GridTileCoder([-h for h in hi], hi, tiles=3, tilings=2), 3, seed=0, alpha=0.2 / 2, epsilon=0.1, gamma=0.99
        )
        ag.learn(gymnasium.make("Acrobot-v1", max_episode_steps=scale(300, 40)), episodes=2, seed=0, compiled=compiled)
        ws.append((ag.w.copy(), ag.log.lengths))
    np.testing.assert_array_equal(ws[0][0], ws[1][0])
    assert ws[0][1] == ws[1][1]


def test_compiled_true_rejected_when_impossible():
    ag = MCControl(GridTileCoder(*MC_BOX), 3)
    with pytest.raises(ValueError, match="no compiled loop"):
        ag.learn(gymnasium.make("MountainCar-v0"), episodes=1, compiled=True)
    ag = Sarsa(GridTileCoder(*MC_BOX), 3)
    env = gymnasium.wrappers.TransformReward(gymnasium.make("MountainCar-v0"), lambda r: 2 * r)
    with pytest.raises(ValueError, match="compiled twin"):
        ag.learn(env, episodes=1, compiled=True)


def test_nstep_with_n1_equals_sarsa():
    env_kw = dict(max_episode_steps=scale(1000, 200))
    a = Sarsa(GridTileCoder(*MC_BOX), 3, seed=2, epsilon=0.05)
    b = NStepSarsa(GridTileCoder(*MC_BOX), 3, seed=2, epsilon=0.05, n=1)
    a.learn(gymnasium.make("MountainCar-v0", **env_kw), episodes=scale(3, 1), seed=1, compiled=False)
    b.learn(gymnasium.make("MountainCar-v0", **env_kw), episodes=scale(3, 1), seed=1)
    np.testing.assert_allclose(a.w, b.w, atol=1e-12)


class Chain(gymnasium.Env):
    """States 0 -> 1 -> 2 (terminal) whatever the action; rewards 1, 2; obs = state index."""

    observation_space = spaces.Box(0.0, 2.0, (1,), np.float64)
    action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.s = 0
        return np.array([0.0]), {}

    def step(self, a):
        self.s += 1
        return np.array([float(self.s)]), float(self.s), self.s == 2, False, {}


def _chain_agent(cls, **kw):
    return cls(fastfa.features.Discretizer(0.0, 2.0, 3), 2, seed=0, alpha=0.5, gamma=0.9, **kw)


def test_mc_control_hand_computed():
    ag = _chain_agent(MCControl)
    ag.learn(Chain(), episodes=1, seed=0)
    # ties at zero -> random actions a0, a1; G_1 = 2, G_0 = 1 + 0.9*2 = 2.8; w <- 0 + 0.5 * G
    w = ag.w
    assert sorted(w[w != 0].tolist()) == [1.0, 1.4]
    assert w[0].max() == 1.4 and w[1].max() == 1.0


def test_nstep_hand_computed():
    ag = _chain_agent(NStepSarsa, n=2)
    ag.learn(Chain(), episodes=1, seed=0)
    # both updates happen at termination: tau=0 with G = 1 + 0.9*2 = 2.8, tau=1 with G = 2
    assert ag.w[0].max() == 1.4 and ag.w[1].max() == 1.0
    ag = _chain_agent(Sarsa)
    ag.learn(Chain(), episodes=1, seed=0)
    # SARSA: step 1 target 1 + 0.9*0 = 1 -> 0.5; terminal step target 2 -> 1.0
    assert ag.w[0].max() == 0.5 and ag.w[1].max() == 1.0


def test_discretized_q_learning_compiled_equals_python():
    ws = []
    for compiled in (False, True):
        ag = DiscretizedQLearning(*MC_BOX, 12, 3, alpha=0.5, seed=3, epsilon=0.05)
        ag.learn(gymnasium.make("MountainCar-v0"), episodes=scale(4, 1), seed=5, compiled=compiled)
        ws.append((ag.w.copy(), ag.log.lengths))
    np.testing.assert_array_equal(ws[0][0], ws[1][0])
    assert ws[0][1] == ws[1][1] and ws[0][0].shape == (144, 3)


def test_discretized_q_learning_learns_chain_and_saves(tmp_path):
    ag = DiscretizedQLearning(0.0, 2.0, 3, 2, alpha=0.5, gamma=0.9, epsilon=0.1, seed=0)
    ag.learn(Chain(), episodes=50, seed=0)
    assert ag.value([1.0]) == pytest.approx(2.0, abs=1e-3)
    assert ag.value([0.0]) == pytest.approx(2.8, abs=1e-2)
    p = ag.save(tmp_path / "dq")
    back = DiscretizedQLearning.load(p)
    np.testing.assert_array_equal(back.w, ag.w)
    assert back.predict([0.0]) == ag.predict([0.0])


def test_save_load_roundtrip_continues_identically(tmp_path):
    ag = Sarsa(GridTileCoder(*MC_BOX), 3, seed=4, epsilon=0.1)
    ag.learn(gymnasium.make("MountainCar-v0"), episodes=2, seed=0)
    p = ag.save(tmp_path / "s")
    back = Sarsa.load(p)
    np.testing.assert_array_equal(back.w, ag.w)
    assert back.config == ag.config and back.rng.bit_generator.state == ag.rng.bit_generator.state
    obs = np.array([-0.5, 0.01], np.float32)
    assert back.predict(obs) == ag.predict(obs)
    np.testing.assert_array_equal(back.q_values(obs), ag.q_values(obs))
    assert back.value(obs) == ag.q_values(obs).max()


def test_validation_errors():
    f = GridTileCoder(*MC_BOX)
    with pytest.raises(ValueError, match="alpha"):
        Sarsa(f, 3, alpha=0.0)
    with pytest.raises(ValueError, match="alpha"):
        Sarsa(f, 3, alpha=-0.1)
    with pytest.raises(ValueError, match="lam"):
        SarsaLambda(f, 3, lam=1.5)
    with pytest.raises(ValueError, match="lam"):
        TrueOnlineSarsaLambda(f, 3, lam=-0.1)
    with pytest.raises(ValueError, match="epsilon"):
        Sarsa(f, 3, epsilon=2.0)
    with pytest.raises(ValueError, match="trace"):
        SarsaLambda(f, 3, trace="dutch")
    with pytest.raises(ValueError, match="n_actions"):
        Sarsa(f, 0)
    with pytest.raises(TypeError, match="config"):
        Sarsa(f, 3, config=["alpha", 0.1])
    ag = Sarsa(f, 3, seed=0)
    ag.begin_episode(np.array([-0.5, 0.0]))
    with pytest.raises(ValueError, match="action"):
        ag.step(np.array([-0.5, 0.0]), 3, -1.0, np.array([-0.5, 0.0]), False, False)
    with pytest.raises(ValueError, match="action"):
        ag.step(np.array([-0.5, 0.0]), 1.5, -1.0, np.array([-0.5, 0.0]), False, False)
    with pytest.raises(ValueError, match="obs"):
        ag.step(np.array([-0.5, 0.0]), 1, -1.0, np.array([np.nan, 0.0]), False, False)
    with pytest.raises(ValueError, match="obs"):
        ag.q_values([0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="action space"):
        ag.learn(gymnasium.make("CartPole-v1"), episodes=1)
    with pytest.raises(ValueError, match="compiled"):
        ag.learn(gymnasium.make("MountainCar-v0"), episodes=1, compiled="yes")


def test_out_of_box_observation_is_clipped():
    ag = Sarsa(GridTileCoder(*MC_BOX), 3)
    ag.w[:] = np.arange(ag.w.size).reshape(ag.w.shape)
    np.testing.assert_array_equal(ag.q_values([5.0, 1.0]), ag.q_values([0.5, 0.07]))
    np.testing.assert_array_equal(ag.q_values([-9.0, -1.0]), ag.q_values([-1.2, -0.07]))


def test_divergence_is_an_error_not_silent_nan():
    ag = QLearning(GridTileCoder(*MC_BOX), 3, alpha=50.0, gamma=1.0, epsilon=0.5, seed=0)
    with pytest.raises(FloatingPointError, match="non-finite"):
        ag.learn(gymnasium.make("MountainCar-v0"), episodes=5, seed=0)  # compiled loop: stops at once
    ag = QLearning(GridTileCoder(*MC_BOX), 3, alpha=50.0, gamma=1.0, epsilon=0.5, seed=0)
    with pytest.raises(FloatingPointError, match="non-finite"):
        ag.learn(gymnasium.make("MountainCar-v0"), episodes=5, seed=0, compiled=False)


def test_population_reports_divergence():
    from fastfa.agents.population import run_population

    with pytest.warns(RuntimeWarning, match="diverged"):
        r = run_population(
            "MountainCar-v0", "q_learning", alphas=[50.0, 0.5 / 8], runs=2, episodes=3, epsilon=0.5, max_steps=200
        )
    assert r["diverged"][0].all() and not r["diverged"][1].any()
    assert (r["steps"][0, 0, :, -1] == -1).all() and np.isnan(r["returns"][0, 0, :, -1]).all()
    assert np.isfinite(r["returns"][1]).all()


def test_config_object_and_overrides():
    cfg = ControlConfig(alpha=0.1, epsilon=0.1)
    ag = Sarsa(GridTileCoder(*MC_BOX), 3, cfg, epsilon=0.0)
    assert ag.config.alpha == 0.1 and ag.config.epsilon == 0.0


def test_same_seed_identical_different_seed_differs():
    def go(seed, env_seed):
        ag = Sarsa(GridTileCoder(*MC_BOX), 3, seed=seed, epsilon=0.1)
        ag.learn(gymnasium.make("MountainCar-v0"), episodes=scale(3, 1), seed=env_seed)
        return ag.w.copy(), ag.log.lengths

    a, b = go(1, 1), go(1, 1)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], go(2, 1)[0])  # agent seed matters (epsilon draws, ties)
    assert not np.array_equal(a[0], go(1, 2)[0])  # env seed matters (start states)
