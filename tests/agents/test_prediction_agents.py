import numpy as np
import pytest
from naive_prediction import naive_mc, naive_nstep, naive_td_lambda, naive_true_online_td

import fastfa
from fastfa.agents import TD0, GradientMC, NStepTD, PredictionConfig, TDLambda, TrueOnlineTDLambda
from fastfa.approx import LinearV
from fastfa.features import Fourier, StateAggregation, TileCoder

# These tests use the 0.1.0 constructor and learn(env, ...) forms on purpose: they show that the
# old forms keep working (with a DeprecationWarning) for one release.  The contract form is tested
# in test_contract.py.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

N = 19


def _env():
    return fastfa.make("fastfa/RandomWalk1000-v0", n_states=N, max_jump=2)


def _episodes(seed, k):
    env = _env()
    out = []
    for e in range(k):
        obs, _ = env.reset(seed=seed if e == 0 else None)
        states, rewards = [], []
        while True:
            states.append(obs)
            obs, r, term, _, _ = env.step(0)
            rewards.append(r)
            if term:
                break
        out.append((np.array(states), np.array(rewards)))
    return out


@pytest.mark.parametrize(
    "agent_cls, kw, naive",
    [
        (GradientMC, dict(alpha=0.1), lambda w, X, r: naive_mc(w, X, r, 0.1, 0.9)),
        (TD0, dict(alpha=0.1), lambda w, X, r: naive_nstep(w, X, r, 0.1, 1, 0.9)),
        (NStepTD, dict(alpha=0.1, n=3), lambda w, X, r: naive_nstep(w, X, r, 0.1, 3, 0.9)),
        (TDLambda, dict(alpha=0.1, lam=0.8), lambda w, X, r: naive_td_lambda(w, X, r, 0.1, 0.8, 0.9)),
        (
            TDLambda,
            dict(alpha=0.1, lam=0.8, trace="replacing"),
            lambda w, X, r: naive_td_lambda(w, X, r, 0.1, 0.8, 0.9, replacing=True),
        ),
        (TrueOnlineTDLambda, dict(alpha=0.1, lam=0.8), lambda w, X, r: naive_true_online_td(w, X, r, 0.1, 0.8, 0.9)),
    ],
)
def test_agents_match_naive_on_env_episodes(agent_cls, kw, naive):
    feats = TileCoder(1, N + 1, 4, 4, mode="iht", size=64) if kw.get("trace") else StateAggregation(N, 19, 1)
    agent = agent_cls(feats, gamma=0.9, **kw).learn(_env(), episodes=6, seed=11)
    F = feats.n_features
    table = np.zeros((N + 2, F))
    for s in range(1, N + 1):
        table[s, LinearV(feats).encode(s)[0]] = 1.0
    w = np.zeros(F)
    for states, rewards in _episodes(11, 6):
        naive(w, table[states], rewards)
    assert np.allclose(agent.w, w) and np.abs(w).sum() > 0
    assert agent.log.n_episodes == 6


def test_nstep_truncation_bootstraps():
    # a time limit cuts every episode after 2 steps: n-step (n=4) must bootstrap from the last state
    feats = StateAggregation(N, N, 1)
    agent = NStepTD(feats, alpha=0.5, n=4)
    agent.w[:] = 1.0
    obs = [10, 11, 12]
    agent.begin_episode(obs[0])
    agent.step(obs[0], 0, 0.0, obs[1], False, False)
    agent.step(obs[1], 0, 0.0, obs[2], False, True)
    # S_0 target = 0 + 0 + v(S_2) = 1, S_1 target = 0 + v(S_2) = 1 -> unchanged weights
    assert np.allclose(agent.w, 1.0)
    agent.begin_episode(obs[0])
    agent.step(obs[0], 0, 0.0, obs[1], False, False)
    agent.step(obs[1], 0, 1.0, obs[2], True, False)
    assert np.isclose(agent.w[9], 1 + 0.5 * (1 - 1)) and np.isclose(agent.w[10], 1 + 0.5 * (1 - 1))
    agent.begin_episode(obs[0])
    agent.step(obs[0], 0, 0.0, obs[1], True, False)  # terminal, reward 0 -> w9 halves towards 0
    assert np.isclose(agent.w[9], 0.5)


def test_td0_learns_random_walk_values():
    from fastfa.envs import randomwalk_true_values

    agent = TD0(Fourier(1, N, 5), alpha=0.005).learn(_env(), episodes=300, seed=0)
    v = randomwalk_true_values(N, 2)
    assert np.sqrt(np.mean(v**2)) > 0.4  # the error of w = 0
    err = np.sqrt(np.mean((agent.values(np.arange(1, N + 1)) - v) ** 2))
    assert err < 0.1, err


def test_determinism_save_load(tmp_path):
    a = TrueOnlineTDLambda(Fourier(1, N, 3), alpha=0.05, lam=0.5, seed=3).learn(_env(), episodes=20, seed=1)
    b = TrueOnlineTDLambda(Fourier(1, N, 3), alpha=0.05, lam=0.5, seed=3).learn(_env(), episodes=20, seed=1)
    c = TrueOnlineTDLambda(Fourier(1, N, 3), alpha=0.05, lam=0.5, seed=3).learn(_env(), episodes=20, seed=2)
    assert np.array_equal(a.w, b.w) and not np.array_equal(a.w, c.w)
    d = TrueOnlineTDLambda.load(a.save(tmp_path / "a"))
    assert np.array_equal(d.w, a.w) and d.config == a.config
    assert d.value(5) == a.value(5)
    t = TDLambda(TileCoder(1, N + 1, 4, 4, mode="iht", size=64), alpha=0.1, lam=0.5, trace="replacing")
    t.learn(_env(), episodes=3, seed=0)
    t2 = TDLambda.load(t.save(tmp_path / "t"))
    assert np.array_equal(t2.values(np.arange(1, N + 1)), t.values(np.arange(1, N + 1)))


def test_linear_v_paths():
    v = LinearV(Fourier(0, 1, 2), w=[1.0, 2.0, 3.0])
    x = Fourier(0, 1, 2).transform(0.25)
    assert np.isclose(v.value(0.25), x @ [1, 2, 3])
    assert np.allclose(v.values([0.25, 0.5]), Fourier(0, 1, 2).transform_batch([0.25, 0.5]) @ [1, 2, 3])
    s = LinearV(StateAggregation(10, 5), w=np.arange(5.0))
    assert s.sparse and s.value(7) == 3.0 and s.values([0, 9]).tolist() == [0.0, 4.0]
    with pytest.raises(ValueError, match="shape"):
        LinearV(StateAggregation(10, 5), w=np.zeros(4))
    with pytest.raises(TypeError, match="feature object"):
        LinearV(object())


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(alpha=0), "alpha"),
        (dict(alpha=float("nan")), "alpha"),
        (dict(gamma=1.5), "gamma"),
        (dict(n=0), "n must"),
        (dict(lam=-0.1), "lam"),
        (dict(trace="dutch"), "trace"),
    ],
)
def test_bad_config(kw, match):
    with pytest.raises(ValueError, match=match):
        PredictionConfig(**kw)


def test_replacing_needs_binary_features():
    with pytest.raises(ValueError, match="binary"):
        TDLambda(Fourier(0, 1, 2), alpha=0.1, trace="replacing")


@pytest.mark.parametrize(
    "agent_cls, kw",
    [
        (GradientMC, dict(alpha=0.05)),
        (TD0, dict(alpha=0.05)),
        (NStepTD, dict(alpha=0.05, n=3)),
        (TDLambda, dict(alpha=0.05, lam=0.8)),
        (TDLambda, dict(alpha=0.05, lam=0.8, trace="replacing")),
        (TrueOnlineTDLambda, dict(alpha=0.05, lam=0.8)),
    ],
)
def test_compiled_learn_equals_python_loop(agent_cls, kw):
    feats = TileCoder(1, N + 1, 4, 4, mode="hash", size=64) if kw.get("trace") else Fourier(1, N, 3)
    a = agent_cls(feats, gamma=0.95, **kw).learn(_env(), episodes=15, seed=8)
    b = agent_cls(feats, gamma=0.95, **kw).learn(_env(), episodes=15, seed=8, compiled=True)
    assert np.array_equal(a.w, b.w) and np.abs(a.w).sum() > 0
    assert a.log.total_steps == b.log.total_steps


def test_compiled_learn_errors():
    agent = TD0(StateAggregation(N, N, 1), alpha=0.1)
    with pytest.raises(ValueError, match="episodes budget"):
        agent.learn(_env(), total_steps=100, compiled=True)
    with pytest.raises(ValueError, match="random walk env only"):
        agent.learn("CartPole-v1", episodes=2, compiled=True)


def test_linear_v_with_variable_active_features():
    from fastfa.features import CoarseCoding

    cc = CoarseCoding(0, 1, n_centres=11, radius=0.15)
    V = LinearV(cc, w=np.arange(11.0))
    assert V.value(0.5) == 4 + 5 + 6 and V.value(0.0) == 0 + 1
    assert V.values([[0.5], [0.0]]).tolist() == [15.0, 1.0]


def test_compiled_learn_with_variable_active_features():
    from fastfa.features import CoarseCoding

    cc = CoarseCoding(1, N, n_centres=7, radius=0.2)
    a = TDLambda(cc, alpha=0.05, lam=0.5).learn(_env(), episodes=10, seed=2)
    b = TDLambda(cc, alpha=0.05, lam=0.5).learn(_env(), episodes=10, seed=2, compiled=True)
    assert np.array_equal(a.w, b.w) and np.abs(a.w).sum() > 0
