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
    from fastfa.kernels.envs import puck_corridor as pg_envs
    from fastfa.kernels.loops import puckworld_loops

    episodes = scale(300, 3)
    r = puckworld_train(
        method, episodes=episodes, runs=scale(2, 1), ep_len=300, seed=0, tiles_per_dim=4, size=16384, **kw
    )
    assert r["distance"].shape == (scale(2, 1), episodes) and np.all(np.isfinite(r["theta_mu"]))
    if JIT_DISABLED:
        return
    tc, P = r["features"], pg_envs.puckworld_params()

    def greedy(theta):
        return np.mean(
            [
                puckworld_loops.puckworld_greedy_rollout(
                    P, tc.kernel_args(), theta, 300, np.random.default_rng(100 + e), np.empty((301, 9))
                )
                for e in range(10)
            ]
        )

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


def test_pw_tiles_equals_tile_coder():
    from fastfa.agents.pg_compiled import puckworld_features
    from fastfa.kernels.loops import puckworld_loops

    rng = np.random.default_rng(5)
    obs = rng.uniform(-1.3, 1.3, size=(scale(500, 50), 4)) * np.array([1, 1, 0.05, 0.05])
    q, c, out = np.empty(4, np.int64), np.empty(5, np.int64), np.empty(8, np.int64)
    # inlined hash (2^k tilings and size), shift + py_tuple_hash_mod (size 1000), general kernel (6 tilings)
    for tc in (puckworld_features(4, 8, 16384), puckworld_features(4, 8, 1000), puckworld_features(3, 6, 1000)):
        out = np.empty(tc.n_tilings, np.int64)
        for o in obs:
            puckworld_loops.pw_tiles(o, tc.kernel_args(), q, c, out)
            np.testing.assert_array_equal(out, tc.indices(o))


@pytest.mark.parametrize("lam,lam_w", [(0.7, 0.9), (0.0, 0.5)])
def test_puckworld_sparse_traces_equal_dense(lam, lam_w):
    """trace_min = 0: the sparse trace list gives the dense-trace updates (plain NumPy reference)."""
    from fastfa.agents.pg_compiled import puckworld_features
    from fastfa.kernels.envs import puck_corridor as pg_envs
    from fastfa.kernels.loops import puckworld_loops
    from naive_pg import ref_puckworld_ac_dense

    tc, P, k = puckworld_features(4, 8, 2048), pg_envs.puckworld_params(), 8
    hp = (0.05 / k, 0.01 / k, 0.5 / k, 0.9, lam, lam_w, np.log(0.05), np.log(2.0))
    E, L = 3, scale(120, 30)
    th, b, w = np.zeros((2048, 2)), np.zeros(2), np.zeros(2048)
    ret = np.empty(E)
    assert (
        puckworld_loops.puckworld_actor_critic(
            P,
            tc.kernel_args(),
            th,
            b,
            w,
            puckworld_loops.make_pw_hp(*hp, trace_min=0.0),
            E,
            L,
            np.random.default_rng(3),
            ret,
            np.empty(E),
        )
        == 0
    )
    th2, b2, w2 = np.zeros((2048, 2)), np.zeros(2), np.zeros(2048)
    ret2 = ref_puckworld_ac_dense(tc, P, th2, b2, w2, *hp, E, L, np.random.default_rng(3))
    np.testing.assert_allclose(th, th2, atol=1e-11)
    np.testing.assert_allclose(w, w2, atol=1e-11)
    np.testing.assert_allclose(b, b2, atol=1e-11)
    np.testing.assert_allclose(ret, ret2, atol=1e-9)
    # trace_min > 0 drops negligible traces only: nearly the same parameters
    th3, b3, w3 = np.zeros((2048, 2)), np.zeros(2), np.zeros(2048)
    puckworld_loops.puckworld_actor_critic(
        P,
        tc.kernel_args(),
        th3,
        b3,
        w3,
        puckworld_loops.make_pw_hp(*hp, trace_min=1e-8),
        E,
        L,
        np.random.default_rng(3),
        np.empty(E),
        np.empty(E),
    )
    assert np.abs(th3 - th).max() < 1e-6 and np.abs(w3 - w).max() < 1e-6
