"""Policy-gradient populations on a user's CompiledEnv: runs independent of thread count and of the
other runs in the call; softmax and Gaussian policies."""

import numpy as np
import pytest
from conftest import scale

from fastfa.agents.population import TileSpec
from fastfa.agents.population_pg import run_pg_population
from fastfa.envs.examples import user_continuous_mountain_car, user_mountain_car

BOX = TileSpec((-1.2, -0.07), (0.6, 0.07), 8, 8)


@pytest.mark.parametrize("algorithm", ["actor_critic", "reinforce_baseline", "qac", "actor_critic-traces"])
def test_threads_and_other_runs_do_not_change_a_run(algorithm):
    kw = dict(alpha_w=0.1 / 8, gamma=0.99, episodes=scale(6, 2), tiles=BOX)
    if algorithm == "actor_critic-traces":
        algorithm, kw = "actor_critic", dict(kw, lam=0.8, lam_w=0.9)
    seeds = np.random.SeedSequence(7).spawn(3)
    a = run_pg_population(user_mountain_car(200), algorithm, alphas=[1e-3, 4e-3], seeds=seeds, threads=1, **kw)
    b = run_pg_population(user_mountain_car(200), algorithm, alphas=[1e-3, 4e-3], seeds=seeds, threads=2, **kw)
    c = run_pg_population(user_mountain_car(200), algorithm, alphas=[4e-3], seeds=seeds[1:2], threads=1, **kw)
    np.testing.assert_array_equal(a["steps"], b["steps"])
    np.testing.assert_array_equal(a["returns"], b["returns"])
    np.testing.assert_array_equal(a["steps"][1, 1], c["steps"][0, 0])
    assert a["steps"].shape == (2, 3, kw["episodes"]) and a["env_steps"] == a["steps"].sum()
    np.testing.assert_array_equal(a["theta"], b["theta"])
    np.testing.assert_array_equal(a["theta"][1, 1], c["theta"][0, 0])
    np.testing.assert_array_equal(a["w"][1, 1], c["w"][0, 0])
    assert not np.array_equal(a["theta"][0], a["theta"][1])  # the step size reaches the loop


def test_gaussian_population_and_bad_arguments():
    r = run_pg_population(
        user_continuous_mountain_car(100),
        "actor_critic",
        alphas=[0.01 / 8],
        alpha_w=0.1 / 8,
        gamma=0.99,
        runs=2,
        episodes=2,
        tiles=BOX,
    )
    assert r["steps"].shape == (1, 2, 2) and np.all(r["steps"] == 100)  # time limit 100, no goal yet
    with pytest.raises(ValueError, match="algorithm"):
        run_pg_population(user_mountain_car(), "sarsa", alphas=[0.1], runs=1, episodes=1, tiles=BOX)
    with pytest.raises(ValueError, match="alphas"):
        run_pg_population(user_mountain_car(), "reinforce", alphas=[-1.0], runs=1, episodes=1, tiles=BOX)


def test_qac_and_traces_populations_are_the_agents_algorithms():
    """QAC's critic comes back as w [F, A]; traces change an actor-critic run; bad combinations say why."""
    kw = dict(alphas=[2e-3], alpha_w=0.1 / 8, gamma=0.99, episodes=2, tiles=BOX, runs=1, seed=3)
    q = run_pg_population(user_mountain_car(200), "qac", **kw)
    assert q["w"].shape == (1, 1, BOX.arrays()[2], 3) and np.any(q["w"] != 0.0)
    one = run_pg_population(user_mountain_car(200), "actor_critic", **kw)
    tr = run_pg_population(user_mountain_car(200), "actor_critic", lam=0.8, **kw)
    assert not np.array_equal(one["theta"], tr["theta"])
    with pytest.raises(ValueError, match="lam must be in"):
        run_pg_population(user_mountain_car(200), "actor_critic", lam=1.5, **kw)
    with pytest.raises(ValueError, match="eligibility traces of 'actor_critic'"):
        run_pg_population(user_mountain_car(200), "qac", lam=0.5, **kw)
    with pytest.raises(ValueError, match="needs a Discrete action space"):
        run_pg_population(user_continuous_mountain_car(100), "qac", **kw)


def test_gaussian_traces_population():
    """A Gaussian actor-critic with traces runs in a population (the loop is checked against the agent's
    Python loop in test_pg_env_compiled.py): the traces change the learned means, all finite."""
    kw = dict(alpha_w=0.1 / 8, alpha_std=1e-4, gamma=0.97, lam=0.8, lam_w=0.5)
    seeds = np.random.SeedSequence(4).spawn(2)
    pop = run_pg_population(
        user_continuous_mountain_car(150), "actor_critic", alphas=[1e-3 / 8], seeds=seeds, episodes=3, tiles=BOX, **kw
    )
    one = run_pg_population(
        user_continuous_mountain_car(150), "actor_critic", alphas=[1e-3 / 8], seeds=seeds, episodes=3, tiles=BOX,
        **dict(kw, lam=0.0, lam_w=0.0),
    )  # fmt: skip
    assert pop["steps"].shape == (1, 2, 3) and np.all(pop["steps"] == 150)
    assert not np.array_equal(pop["theta"], one["theta"])
    assert np.all(np.isfinite(pop["theta"])) and np.any(pop["theta"] != 0.0)
