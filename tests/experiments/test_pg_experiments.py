"""Policy-gradient experiments run end to end on a small budget and write their files."""

import json

import numpy as np
import pytest
from conftest import JIT_DISABLED, scale

from fastfa.experiments import run_experiment


def test_short_corridor_experiment(tmp_path):
    s = run_experiment(
        "short-corridor",
        runs=4,
        quick=True,
        out=tmp_path,
        progress=False,
        params={"episodes": 60 if JIT_DISABLED else 300},
    )
    m = s["metrics"]
    assert m["v_star"] == pytest.approx(-11.657, abs=1e-3)
    assert (tmp_path / "short-corridor" / "results.csv").exists()
    assert (tmp_path / "short-corridor" / "short-corridor.png").exists()
    assert json.loads((tmp_path / "short-corridor" / "summary.json").read_text())["rows"] == 4 * 2 * (
        60 if JIT_DISABLED else 300
    )
    if not JIT_DISABLED:  # Fig 13.2: the baseline learns faster
        assert m["reinforce_baseline_first200_return"] > m["reinforce_first200_return"] + 5


@pytest.mark.parametrize("name", ["puckworld-reinforce", "puckworld-actor-critic"])
def test_puckworld_experiments(tmp_path, name):
    # 2 runs: the tuned REINFORCE with baseline (alpha = 0.05) has occasional slow runs (run 0 of seed 0
    # is at 0.27 after 100 episodes; 1 of 24 runs misses 0.15 in 600 episodes), so a mean is checked
    s = run_experiment(
        name,
        runs=1 if JIT_DISABLED else 2,
        quick=True,
        out=tmp_path,
        progress=False,
        params={"episodes": 2 if JIT_DISABLED else 100},
    )
    m = s["metrics"]
    assert m["random_policy"] > 0.35 and m["zero_force"] > 0.35
    gif = tmp_path / name / "trajectory.gif"
    assert gif.exists() and gif.stat().st_size > 1000
    if not JIT_DISABLED:
        finals = [v for k, v in m.items() if k.endswith("final_greedy_distance")]
        assert all(f < 0.6 * m["zero_force"] for f in finals)


def test_cartpole_a2c_experiment(tmp_path):
    s = run_experiment(
        "cartpole-a2c",
        runs=1,
        quick=True,
        out=tmp_path,
        progress=False,
        params={
            "total_steps": 80 if JIT_DISABLED else 16_000,
            "eval_every": 40 if JIT_DISABLED else 8_000,
            "eval_episodes": 1 if JIT_DISABLED else 5,
        },
    )
    m = s["metrics"]
    assert len(m["fastfa_final_eval_mean"]) == 1
    assert (tmp_path / "cartpole-a2c" / "cartpole-a2c.png").exists()
    # the metrics are the table's numbers: final = last evaluation, steps/s = steps / summed wall time
    import csv

    rows = list(csv.DictReader(open(tmp_path / "cartpole-a2c" / "results.csv")))
    ev = [(int(r["x"]), float(r["value"])) for r in rows if r["metric"] == "eval_return" and r["method"] == "fastfa"]
    wall = [(int(r["x"]), float(r["value"])) for r in rows if r["metric"] == "wall_time_s" and r["method"] == "fastfa"]
    assert m["fastfa_final_eval_mean"] == [pytest.approx(max(ev)[1], rel=1e-12)]
    assert all(8 <= v <= 500 for _, v in ev)  # CartPole-v1 episode returns
    assert m["fastfa_steps_per_s"] == pytest.approx(m["total_steps"] / max(wall)[1], rel=1e-9)


def test_policy_gradient_theorem_experiment(tmp_path):
    m = run_experiment("policy-gradient-theorem", quick=True, out=tmp_path, progress=False)["metrics"]
    assert m["bandit_exact_vs_fd_max_abs"] < 1e-7
    assert m["lr_rel_error_N10000"] < m["lr_rel_error_N100"] / 3  # ~1/sqrt(N): factor 10 expected
    for name in ("J_1", "J_avV", "J_avR"):
        assert m[f"theorem_{name}_rel_residual"] < 1e-5
    assert m["J_avV_with_discounted_Q_rel_error"] > 1e-3


def test_short_corridor_sweep_cell_is_per_seed():
    from fastfa.experiments import get

    exp = get("short-corridor")
    seeds = np.random.SeedSequence(5).spawn(3)
    a = exp.cell({"alpha": 2**-12, "episodes": 20}, seeds)
    b = exp.cell({"alpha": 2**-12, "episodes": 20}, seeds[1:2])
    assert len(a["value"]) == 60 and set(a["seed"]) == {0, 1, 2}
    np.testing.assert_array_equal(np.asarray(a["value"])[np.asarray(a["seed"]) == 1], b["value"])
    assert "alpha" in exp.grid and "alpha_w" in exp.grid


def test_episodes_to_threshold_hand_computed():
    from fastfa.experiments.puckworld_pg import episodes_to_threshold

    d = np.array(
        [
            [0.5, 0.3, 0.1, 0.1, 0.1],  # window 2: means .4 .2 .1 .1 -> first < 0.15 at episodes 3..4
            [0.5, 0.5, 0.5, 0.5, 0.5],
        ]
    )  # never: episodes + 1
    np.testing.assert_array_equal(episodes_to_threshold(d, 0.15, 2), [4, 6])
    np.testing.assert_array_equal(episodes_to_threshold(d, 0.45, 1), [2, 6])
    np.testing.assert_array_equal(episodes_to_threshold(d[:, :1], 0.15, 2), [2, 2])


def test_actor_critic_learns_puckworld_faster_than_reinforce():
    """The lecture's claim, with the experiment's tuned settings, pooled over 16 root seeds x 8 runs x 100
    episodes: actor-critic reaches a mean distance of 0.15 in fewer episodes than REINFORCE with baseline
    and has a lower mean training distance.

    Bands from the per-seed-set spread (root seeds 0-15, 8 runs each): the gap in episodes to the
    threshold is 8.7 on average with a standard deviation of 9.5 between seed sets (-5.9 to 31.5; a
    single set can go either way), so its 16-set mean has a standard error of 2.4 and must be > 0; the
    gap in mean distance is 0.065 (sd 0.035, -0.005 to 0.128; standard error 0.009) and must be > 0.03.
    """
    from fastfa.agents.pg_compiled import puckworld_train
    from fastfa.experiments.puckworld_pg import COMMON, METHODS, episodes_to_threshold

    common = {k: v for k, v in COMMON.items() if not k.startswith("eval")}
    episodes, runs, seeds = scale(100, 2), scale(8, 1), range(scale(16, 1))
    gaps = []
    for seed in seeds:
        out = {}
        for m in ("actor_critic", "reinforce_baseline"):
            algo, kw = METHODS[m]
            d = puckworld_train(algo, episodes=episodes, runs=runs, seed=seed, **common, **kw)["distance"]
            out[m] = (episodes_to_threshold(d).mean(), d.mean())
        gaps.append(np.subtract(out["reinforce_baseline"], out["actor_critic"]))
    if JIT_DISABLED:
        return
    ep_gap, dist_gap = np.mean(gaps, axis=0)
    assert ep_gap > 0, gaps  # episodes to threshold: REINFORCE-baseline minus actor-critic
    assert dist_gap > 0.03, gaps  # mean training distance
