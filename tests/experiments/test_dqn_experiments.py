"""cartpole-dqn / acrobot-dqn experiments: tidy table, metrics, determinism (tiny budget)."""

import json

import pytest

from conftest import JIT_DISABLED
from fastfa.experiments import get, run_experiment


@pytest.mark.skipif(JIT_DISABLED, reason="compiled DQN loop; interpreted run is too slow")
@pytest.mark.parametrize("name", ["cartpole-dqn", "acrobot-dqn"])
def test_dqn_experiment_small(tmp_path, name):
    params = {
        "total_steps": 2_000,
        "eval_every": 1_000,
        "eval_episodes": 2,
        "hidden": [16, 16],
        "train_freq": 64,
        "gradient_steps": 8,
        "learning_starts": 200,
    }
    s1 = run_experiment(name, runs=2, quick=True, out=tmp_path / "a", params=params, plot=True, progress=False)
    assert (tmp_path / "a" / name / f"{name}.png").stat().st_size > 1000
    s2 = run_experiment(name, runs=2, quick=True, out=tmp_path / "b", params=params, plot=False, progress=False)
    m = s1["metrics"]
    assert m["runs"] == 2 and len(m["final_eval_mean"]) == 2
    assert m["final_eval_mean"] == s2["metrics"]["final_eval_mean"]  # same seed -> same results
    assert s1["config"]["dqn"]["hidden"] == [16, 16] and s1["env_steps"] == 4_000
    import csv

    rows = list(csv.DictReader(open(tmp_path / "a" / name / "results.csv")))
    assert {r["metric"] for r in rows} == {"eval_return", "wall_time_s", "train_return"}
    ev = [r for r in rows if r["metric"] == "eval_return"]
    assert sorted({int(r["x"]) for r in ev}) == [1000, 2000] and {r["run"] for r in ev} == {"0", "1"}
    # the metrics are the table's numbers: final = last evaluation, solved / first step = threshold crossings
    final = [float(r["value"]) for r in ev if r["x"] == "2000"]
    assert m["final_eval_mean"] == pytest.approx(final, rel=1e-12)
    assert m["final_solved"] == sum(f >= m["threshold"] for f in final)
    for run in ("0", "1"):
        curve = sorted((int(r["x"]), float(r["value"])) for r in ev if r["run"] == run)
        hits = [x for x, v in curve if v >= m["threshold"]]
        assert m["first_step_to_threshold"][int(run)] == (hits[0] if hits else None)
    lo, hi = (8, 500) if name == "cartpole-dqn" else (-500, 0)  # per-episode return range of the env
    assert all(lo <= float(r["value"]) <= hi for r in ev)
    assert json.loads((tmp_path / "a" / name / "summary.json").read_text())["metrics"]["final_eval_mean"] == final
    assert "threshold" in m and get(name).default_runs == 10


@pytest.mark.skipif(JIT_DISABLED, reason="compiled DQN loop; interpreted run is too slow")
def test_seeds_in_threads_give_the_same_results(tmp_path):
    params = {
        "total_steps": 1_000,
        "eval_every": 500,
        "eval_episodes": 2,
        "hidden": [16, 16],
        "train_freq": 64,
        "gradient_steps": 4,
        "learning_starts": 200,
    }
    one = run_experiment(
        "cartpole-dqn",
        runs=3,
        quick=True,
        out=tmp_path / "a",
        params={**params, "threads": 1},
        plot=False,
        progress=False,
    )
    two = run_experiment(
        "cartpole-dqn",
        runs=3,
        quick=True,
        out=tmp_path / "b",
        params={**params, "threads": 2},
        plot=False,
        progress=False,
    )
    assert one["metrics"]["threads"] == 1 and two["metrics"]["threads"] == 2
    assert one["metrics"]["final_eval_mean"] == two["metrics"]["final_eval_mean"]
    assert one["metrics"]["first_step_to_threshold"] == two["metrics"]["first_step_to_threshold"]
    import csv

    def evals(d):
        return [
            (r["run"], r["x"], r["value"])
            for r in csv.DictReader(open(d / "cartpole-dqn" / "results.csv"))
            if r["metric"] in ("eval_return", "train_return")
        ]

    assert evals(tmp_path / "a") == evals(tmp_path / "b")
    with pytest.raises(ValueError, match="threads"):
        run_experiment(
            "cartpole-dqn",
            runs=1,
            quick=True,
            out=tmp_path / "c",
            params={**params, "threads": 0},
            plot=False,
            progress=False,
        )
