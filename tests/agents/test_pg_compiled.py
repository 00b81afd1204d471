"""Compiled policy-gradient loops: REINFORCE on the short corridor vs S&B Example 13.1, Puck World learning."""

import numpy as np
import pytest
from conftest import JIT_DISABLED, scale

from fastfa.agents.pg_compiled import puckworld_train, short_corridor_reinforce
from fastfa.envs import short_corridor_value

P_STAR, V_STAR = 2 - np.sqrt(2), -2 * np.sqrt(2) / ((2 - np.sqrt(2)) * (np.sqrt(2) - 1))


def test_reinforce_short_corridor_converges_to_optimum():
    if JIT_DISABLED:  # interpreted: a short, larger-step run that must still move towards p*
        out = short_corridor_reinforce(2**-11, episodes=400, runs=2, seed=1)
        assert 0.3 < out["p_right"][:, -1].mean() < 0.8
        return
    out = short_corridor_reinforce(2**-13, episodes=3000, runs=16, seed=1)
    p_final = out["p_right"][:, -500:].mean()
    assert p_final == pytest.approx(P_STAR, abs=0.05)
    assert short_corridor_value(p_final) == pytest.approx(V_STAR, abs=0.2)
    assert out["returns"][:, -500:].mean() == pytest.approx(V_STAR, abs=0.6)  # MC se ~0.1
    assert out["returns"][:, :50].mean() < -40  # started near p = 0.05 (v = -82)


def test_baseline_learns_faster():
    n_ep, runs = scale(300, 60), scale(30, 2)
    plain = short_corridor_reinforce(2**-13, episodes=n_ep, runs=runs, seed=2)
    base = short_corridor_reinforce(2**-9, alpha_w=2**-6, episodes=n_ep, runs=runs, seed=2)
    # band from seeds 0-3 (300 episodes x 30 runs): the baseline's mean return is 14.9-17.2 higher and
    # its final P(right) 0.586-0.599 (the optimum 0.586)
    assert base["returns"].mean() > plain["returns"].mean() + (10 if not JIT_DISABLED else 0)
    if not JIT_DISABLED:
        assert base["p_right"][:, -1].mean() == pytest.approx(P_STAR, abs=0.08)


def test_short_corridor_determinism_and_threads():
    kw = dict(episodes=scale(50, 5), runs=4, max_steps=2000)
    a = short_corridor_reinforce(2**-12, seed=3, n_threads=1, **kw)
    b = short_corridor_reinforce(2**-12, seed=3, n_threads=2, **kw)
    c = short_corridor_reinforce(2**-12, seed=4, n_threads=2, **kw)
    np.testing.assert_array_equal(a["returns"], b["returns"])
    np.testing.assert_array_equal(a["p_right"], b["p_right"])
    assert not np.array_equal(a["returns"], c["returns"])


def test_short_corridor_gamma_t_switch_and_gamma0():
    # gamma = 0: G_t = -1 for every t; the policy still moves (all actions pushed down equally)
    out = short_corridor_reinforce(2**-8, gamma=0.0, episodes=20, runs=1, seed=0)
    assert np.all(np.isfinite(out["p_right"]))
    a = short_corridor_reinforce(2**-12, gamma=0.9, gamma_t=True, episodes=30, runs=1, seed=0)
    b = short_corridor_reinforce(2**-12, gamma=0.9, gamma_t=False, episodes=30, runs=1, seed=0)
    assert not np.array_equal(a["p_right"], b["p_right"])


def test_nonfinite_and_bad_args():
    with pytest.raises(FloatingPointError, match="non-finite"):
        short_corridor_reinforce(1e306, episodes=5, runs=1)
    with pytest.raises(ValueError, match="alpha"):
        short_corridor_reinforce(0.0)
    with pytest.raises(ValueError, match="alpha_w"):
        short_corridor_reinforce(0.1, alpha_w=-1.0)
    with pytest.raises(ValueError, match="gamma"):
        short_corridor_reinforce(0.1, gamma=1.5)
    with pytest.raises(ValueError, match="method"):
        puckworld_train("dqn")


@pytest.mark.parametrize(
    "method,kw",
    [
        ("reinforce", dict(alpha=0.005, alpha_ls=0.0005, alpha_w=0.1, gamma=0.97)),
        ("actor_critic", dict(alpha=0.02, alpha_ls=0.002, alpha_w=0.5, gamma=0.9)),
    ],
)
def test_puckworld_agents_beat_doing_nothing(method, kw):
    from fastfa.agents.pg_compiled import puckworld_greedy

    episodes = scale(300, 3)
    r = puckworld_train(
        method, episodes=episodes, runs=scale(2, 1), ep_len=300, seed=0, tiles_per_dim=4, size=16384, **kw
    )
    assert r["distance"].shape == (scale(2, 1), episodes) and np.all(np.isfinite(r["theta_mu"]))
    if JIT_DISABLED:
        return
    tc = r["features"]

    def greedy(theta):
        return np.mean([puckworld_greedy(theta, tc, 300, np.random.default_rng(100 + e)) for e in range(10)])

    zero = greedy(np.zeros_like(r["theta_mu"][0]))
    learned = np.mean([greedy(t) for t in r["theta_mu"]])
    # band from seeds 0-3 (2 runs each): the greedy mean distance after 300 episodes is 0.14-0.30 of the
    # zero policy's 0.62 for REINFORCE and 0.19-0.42 for actor-critic
    assert zero > 0.35 and learned < 0.5 * zero


@pytest.mark.parametrize("method", ["reinforce", "actor_critic"])
def test_puckworld_divergence_is_reported(method):
    with pytest.raises(FloatingPointError, match="non-finite"):
        puckworld_train(
            method, episodes=scale(20, 3), runs=1, alpha=1e300, alpha_ls=0.0, alpha_w=1e300, tiles_per_dim=2, size=256
        )


def test_hash_tiles_equal_tile_coder():
    from fastfa.agents.pg_compiled import hash_spec, puckworld_features
    from fastfa.kernels.features.hashtiles import hash_tiles

    rng = np.random.default_rng(5)
    obs = rng.uniform(-1.3, 1.3, size=(scale(500, 50), 4)) * np.array([1, 1, 0.05, 0.05])
    # inlined hash (2^k tilings and size), shift + py_tuple_hash_mod (size 1000), floor division (6 tilings)
    for tc in (puckworld_features(4, 8, 16384), puckworld_features(4, 8, 1000), puckworld_features(3, 6, 1000)):
        cf, ci = hash_spec(tc)
        out = np.empty(tc.n_tilings, np.int64)
        for o in obs:
            hash_tiles(o, cf, ci, out)
            np.testing.assert_array_equal(out, tc.indices(o))


@pytest.mark.parametrize("lam,lam_w", [(0.7, 0.9), (0.0, 0.5)])
def test_puckworld_sparse_traces_equal_dense(lam, lam_w):
    """trace_min = 0: the sparse trace list of the fused loop gives the dense-trace updates (plain NumPy
    reference; the run's generator is that of SeedSequence(3).spawn(1)[0])."""
    from naive_pg import ref_puckworld_ac_dense

    k, E, L = 8, 3, scale(120, 30)
    kw = dict(alpha=0.05, alpha_ls=0.01, alpha_w=0.5, gamma=0.9, lam=lam, lam_w=lam_w, std_bounds=(0.05, 2.0))
    common = dict(episodes=E, ep_len=L, runs=1, seed=3, tiles_per_dim=4, n_tilings=k, size=2048, n_threads=1)
    r = puckworld_train("actor_critic", trace_min=0.0, **common, **kw)
    tc = r["features"]
    th2, b2, w2 = np.zeros((2048, 2)), np.zeros(2), np.zeros(2048)
    hp = (0.05 / k, 0.01 / k, 0.5 / k, 0.9, lam, lam_w, np.log(0.05), np.log(2.0))
    rng = np.random.default_rng(np.random.SeedSequence(3).spawn(1)[0])
    ret2 = ref_puckworld_ac_dense(tc, r["env_params"], th2, b2, w2, *hp, E, L, rng)
    np.testing.assert_allclose(r["theta_mu"][0], th2, atol=1e-11)
    np.testing.assert_allclose(r["w"][0], w2, atol=1e-11)
    np.testing.assert_allclose(r["log_std"][0], b2, atol=1e-11)
    np.testing.assert_allclose(r["returns"][0], ret2, atol=1e-9)
    # trace_min > 0 drops negligible traces only: nearly the same parameters
    r3 = puckworld_train("actor_critic", trace_min=1e-8, **common, **kw)
    assert np.abs(r3["theta_mu"] - r["theta_mu"]).max() < 1e-6 and np.abs(r3["w"] - r["w"]).max() < 1e-6


def test_puckworld_greedy_and_enemy_validation():
    from fastfa.agents.pg_compiled import puckworld_features, puckworld_greedy

    tc = puckworld_features(2, 2, 64)
    with pytest.raises(ValueError, match="theta_mu"):
        puckworld_greedy(np.zeros((63, 2)), tc, 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="states_out"):
        puckworld_greedy(np.zeros((64, 2)), tc, 10, np.random.default_rng(0), states_out=np.empty((3, 9)))
    with pytest.raises(ValueError, match="n_steps"):
        puckworld_greedy(np.zeros((64, 2)), tc, 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="enemy"):
        puckworld_train("reinforce", episodes=1, runs=1, ep_len=5, env_kwargs={"enemy": True})
    with pytest.raises(ValueError, match="std_bounds"):
        puckworld_train("reinforce", episodes=1, runs=1, ep_len=5, std_bounds=(2.0, 1.0))
    with pytest.raises(ValueError, match="min_prob"):
        short_corridor_reinforce(0.1, min_prob=0.5)
    states = np.empty((11, 9))
    d = puckworld_greedy(np.zeros((64, 2)), tc, 10, np.random.default_rng(0), states_out=states)
    assert d == pytest.approx(np.hypot(states[1:, 0] - states[1:, 4], states[1:, 1] - states[1:, 5]).mean())
