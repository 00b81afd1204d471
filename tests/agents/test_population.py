"""Fused compiled loops and populations: fast path = generic path, thread-count invariance, book numbers."""

import numpy as np
import pytest
from fastfa.kernels.loops import control_loop as L

from conftest import JIT_DISABLED, scale
from fastfa.agents.population import TileSpec, run_population, spawn_generators

BOX = TileSpec((-1.2, -0.07), (0.5, 0.07), 8, 8)


def _handwritten():
    """The hand-written Mountain Car SARSA loop (benches/, the speed yardstick of the template)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benches"))
    from mountaincar_sarsa_handwritten import mountaincar_sarsa_run

    return mountaincar_sarsa_run


def _run(env, seed, n_ep, eps, max_steps, max_total, alg=0, lam=0.0, trace=1, written_out=False):
    from fastfa.agents.compiled_control import compiled_unit

    cf, ci, nf = BOX.arrays()
    w = np.zeros((nf, 3))
    st = np.zeros(2)
    steps = np.zeros(n_ep, np.int64)
    rets = np.zeros(n_ep)
    e, a = spawn_generators([np.random.SeedSequence(seed)])
    unit = _handwritten() if written_out else compiled_unit(env, alg, (cf, ci))
    out = unit(
        env.params,
        st,
        e[0],
        cf,
        ci,
        w,
        L.make_hp(0.5 / 8, 1.0, lam, eps, trace),
        L.make_budget(n_ep, max_total, max_steps, True),
        a[0],
        steps,
        rets,
    )
    return out, steps, rets, w


@pytest.mark.parametrize("eps,max_steps,max_total", [(0.0, 0, 0), (0.1, 200, 0), (0.0, 0, scale(3000, 500))])
def test_builtin_twin_unit_equals_user_written_env_unit(eps, max_steps, max_total):
    """The Mountain Car SARSA loop written out by hand (benches/), the cached template unit specialised
    on the built-in Mountain Car and the per-process unit specialised on a user-written Mountain Car
    (fastfa.envs.examples) give bit-identical runs; budgets are honoured."""
    from fastfa.envs.classic import MountainCarEnv
    from fastfa.envs.examples import user_mountain_car

    n_ep = scale(30, 3)
    for seed in (0, 1):
        o1, s1, r1, w1 = _run(MountainCarEnv(), seed, n_ep, eps, max_steps, max_total, written_out=True)
        for env in (MountainCarEnv(), user_mountain_car()):
            o2, s2, r2, w2 = _run(env, seed, n_ep, eps, max_steps, max_total)
            assert o1 == o2
            np.testing.assert_array_equal(s1, s2)
            np.testing.assert_array_equal(r1, r2)
            np.testing.assert_array_equal(w1, w2)
    if max_steps:
        assert s1.max() <= max_steps
    if max_total:
        assert o1[1] == max_total and o1[0] < n_ep and s1[: o1[0]].sum() <= max_total


def test_population_threads_and_seed_independence():
    n_ep = scale(20, 1)
    seeds = np.random.SeedSequence(5).spawn(4)
    a = run_population("MountainCar-v0", "sarsa", alphas=[0.2 / 8, 0.5 / 8], seeds=seeds, episodes=n_ep, threads=1)
    b = run_population("MountainCar-v0", "sarsa", alphas=[0.2 / 8, 0.5 / 8], seeds=seeds, episodes=n_ep, threads=2)
    np.testing.assert_array_equal(a["steps"], b["steps"])
    # a run's numbers do not depend on the other seeds or alphas in the call
    c = run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], seeds=seeds[2:3], episodes=n_ep)
    np.testing.assert_array_equal(c["steps"][0, 0, 0], a["steps"][1, 0, 2])
    # different seeds differ
    assert not np.array_equal(a["steps"][1, 0, 0], a["steps"][1, 0, 1])
    assert a["steps"].shape == (2, 1, 4, n_ep) and a["env_steps"] == a["steps"].sum()


@pytest.mark.parametrize("alg", ["expected_sarsa", "q_learning", "sarsa_lambda", "true_online_sarsa_lambda"])
def test_population_other_algorithms_thread_invariant(alg):
    n_ep = scale(5, 1)
    kw = dict(alphas=[0.3 / 8], lams=[0.9], runs=2, episodes=n_ep, epsilon=0.05, max_steps=scale(0, 40))
    a = run_population("MountainCar-v0", alg, threads=1, **kw)
    b = run_population("MountainCar-v0", alg, threads=2, **kw)
    np.testing.assert_array_equal(a["steps"], b["steps"])
    assert (a["steps"] > 0).all()


def test_trace_min_prunes_and_stays_close():
    n_ep = scale(10, 1)
    kw = dict(alphas=[0.3 / 8], lams=[0.9], runs=2, episodes=n_ep, max_steps=scale(0, 60))
    exact = run_population("MountainCar-v0", "sarsa_lambda", **kw)
    approx = run_population("MountainCar-v0", "sarsa_lambda", trace_min=1e-3, **kw)
    assert (approx["steps"] > 0).all()
    # γλ = 0.9 < trace_min = 0.95: every trace is dropped right after its first update, which is SARSA(0)
    # exactly (replacing traces); with trace_min = 0 the traces matter (λ = 0.9 differs from λ = 0)
    cut = run_population("MountainCar-v0", "sarsa_lambda", **{**kw, "lams": [0.9]}, trace_min=0.95)
    sarsa0 = run_population("MountainCar-v0", "sarsa_lambda", **{**kw, "lams": [0.0]})
    np.testing.assert_array_equal(cut["steps"], sarsa0["steps"])
    if n_ep >= 10:  # (interpreted: one episode cut at 60 steps, where every variant gives 60)
        assert not np.array_equal(exact["steps"], sarsa0["steps"])
        # learning quality is unchanged to within noise
        assert abs(approx["steps"].mean() - exact["steps"].mean()) < 0.25 * exact["steps"].mean()


def test_population_validation():
    with pytest.raises(ValueError, match="alphas"):
        run_population("MountainCar-v0", "sarsa", alphas=[0.0], runs=1, episodes=1)
    with pytest.raises(ValueError, match="lams"):
        run_population("MountainCar-v0", "sarsa_lambda", alphas=[0.1], lams=[1.5], runs=1, episodes=1)
    with pytest.raises(ValueError, match="algorithm"):
        run_population("MountainCar-v0", "dqn", alphas=[0.1], runs=1, episodes=1)
    with pytest.raises(ValueError, match="tiles"):
        run_population("CartPole-v1", "sarsa", alphas=[0.1], runs=1, episodes=1)
    with pytest.raises(ValueError, match="env_id"):
        run_population("Pendulum-v1", "sarsa", alphas=[0.1], runs=1, episodes=1)
    for bad in (-1, 1.5, "0", True, None):
        with pytest.raises(TypeError, match="seeds"):
            run_population("MountainCar-v0", "sarsa", alphas=[0.1], seeds=[bad], episodes=1)


def test_int_seeds_are_their_seed_sequences():
    """``seeds=[3, 4]`` is ``seeds=[SeedSequence(3), SeedSequence(4)]`` (it raised AttributeError)."""
    kw = dict(alphas=[0.5 / 8], episodes=3, threads=1)
    a = run_population("MountainCar-v0", "sarsa", seeds=[3, np.int64(4)], **kw)
    b = run_population("MountainCar-v0", "sarsa", seeds=[np.random.SeedSequence(3), np.random.SeedSequence(4)], **kw)
    np.testing.assert_array_equal(a["steps"], b["steps"])
    assert not np.array_equal(a["steps"][0, 0, 0], a["steps"][0, 0, 1])


@pytest.mark.skipif(JIT_DISABLED, reason="needs compiled speed (thousands of episodes)")
def test_mountaincar_sarsa_matches_book():
    """S&B Fig 10.2 / 10.4 (n = 1): with 8 tilings and α = 0.5/8 the first episode takes ~1500 steps
    (averaged), the mean over episodes 1-50 is ~280, and by episode 100-500 episodes take ~110-150 steps."""
    r = run_population("MountainCar-v0", "sarsa", alphas=[0.1 / 8, 0.5 / 8], runs=30, episodes=200, seed=1)
    s = r["steps"][:, 0]  # [alpha, run, episode]
    first50 = s[:, :, :50].mean(axis=(1, 2))
    assert 240 < first50[1] < 330, first50
    assert first50[0] > first50[1] + 150  # small alpha learns more slowly (Fig 10.2)
    late = s[1, :, 150:].mean()
    assert 105 < late < 160, late
    assert 1000 < s[1, :, 0].mean() < 2200


def test_trace_names_have_one_numbering():
    """The agents' trace spellings ("replacing") and run_population's ("replace") are the same code
    (fastfa.kernels.codes), so both give the same run."""
    from fastfa.kernels.codes import TRACE_CODES, Trace

    assert TRACE_CODES["replacing"] == TRACE_CODES["replace"] == Trace.REPLACE
    kw = dict(alphas=[0.5 / 8], lams=[0.9], runs=1, episodes=scale(3, 1), threads=1)
    a = run_population("MountainCar-v0", "sarsa_lambda", trace="replacing_clear", **kw)
    b = run_population("MountainCar-v0", "sarsa_lambda", trace="replace_clear", **kw)
    c = run_population("MountainCar-v0", "sarsa_lambda", trace="accumulate", **kw)
    np.testing.assert_array_equal(a["steps"], b["steps"])
    assert not np.array_equal(a["steps"], c["steps"])  # the code reaches the kernel
