"""cartpole-dqn / acrobot-dqn experiments: tidy table, metrics, determinism (tiny budget)."""
import json

import numpy as np
import pytest

from conftest import JIT_DISABLED
from fastfa.experiments import get, run_experiment


@pytest.mark.skipif(JIT_DISABLED, reason="compiled DQN loop; interpreted run is too slow")
@pytest.mark.parametrize("name", ["cartpole-dqn", "acrobot-dqn"])
def test_dqn_experiment_small(tmp_path, name):
    params = {"total_steps": 2_000, "eval_every": 1_000, "eval_episodes": 2, "hidden": [16, 16],
              "train_freq": 64, "gradient_steps": 8, "learning_starts": 200}
    s1 = run_experiment(name, runs=2, quick=True, out=tmp_path / "a", params=params, plot=True, progress=False)
    assert (tmp_path / "a" / name / f"{name}.png").stat().st_size > 1000
    s2 = run_experiment(name, runs=2, quick=True, out=tmp_path / "b", params=params, plot=False, progress=False)
    m = s1["metrics"]
    assert m["runs"] == 2 and len(m["final_eval_mean"]) == 2 and 0 <= m["final_solved"] <= 2
    assert m["final_eval_mean"] == s2["metrics"]["final_eval_mean"]  # same seed -> same results
    assert s1["config"]["dqn"]["hidden"] == [16, 16] and s1["env_steps"] == 4_000
    import csv

    rows = list(csv.DictReader(open(tmp_path / "a" / name / "results.csv")))
    assert {r["metric"] for r in rows} == {"eval_return", "wall_time_s", "train_return"}
    ev = [r for r in rows if r["metric"] == "eval_return"]
    assert sorted({int(r["x"]) for r in ev}) == [1000, 2000] and {r["run"] for r in ev} == {"0", "1"}
    json.loads((tmp_path / "a" / name / "summary.json").read_text())
    assert "threshold" in m and get(name).default_runs == 10
