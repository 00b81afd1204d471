"""Policy-gradient experiments run end to end on a small budget and write their files."""
import json

import numpy as np
import pytest
from conftest import JIT_DISABLED

from fastfa.experiments import run_experiment


def test_short_corridor_experiment(tmp_path):
    s = run_experiment("short-corridor", runs=4, quick=True, out=tmp_path, progress=False,
                       params={"episodes": 60 if JIT_DISABLED else 300})
    m = s["metrics"]
    assert m["v_star"] == pytest.approx(-11.657, abs=1e-3)
    assert (tmp_path / "short-corridor" / "results.csv").exists()
    assert (tmp_path / "short-corridor" / "short-corridor.png").exists()
    assert json.loads((tmp_path / "short-corridor" / "summary.json").read_text())["rows"] == 4 * 2 * (60 if JIT_DISABLED else 300)
    if not JIT_DISABLED:  # Fig 13.2: the baseline learns faster
        assert m["reinforce_baseline_first200_return"] > m["reinforce_first200_return"] + 5


@pytest.mark.parametrize("name", ["puckworld-reinforce", "puckworld-actor-critic"])
def test_puckworld_experiments(tmp_path, name):
    s = run_experiment(name, runs=1, quick=True, out=tmp_path, progress=False,
                       params={"episodes": 2 if JIT_DISABLED else 100})
    m = s["metrics"]
    assert m["random_policy"] > 0.35 and m["zero_force"] > 0.35
    gif = tmp_path / name / "trajectory.gif"
    assert gif.exists() and gif.stat().st_size > 1000
    if not JIT_DISABLED:
        finals = [v for k, v in m.items() if k.endswith("final_greedy_distance")]
        assert all(f < 0.6 * m["zero_force"] for f in finals)


def test_cartpole_a2c_experiment(tmp_path):
    s = run_experiment("cartpole-a2c", runs=1, quick=True, out=tmp_path, progress=False,
                       params={"total_steps": 80 if JIT_DISABLED else 16_000, "eval_every": 40 if JIT_DISABLED
                               else 8_000, "eval_episodes": 1 if JIT_DISABLED else 5})
    m = s["metrics"]
    assert len(m["fastfa_final_eval_mean"]) == 1 and m["fastfa_steps_per_s"] > 0
    assert (tmp_path / "cartpole-a2c" / "cartpole-a2c.png").exists()


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
    a = exp.cell({"alpha": 2 ** -12, "episodes": 20}, seeds)
    b = exp.cell({"alpha": 2 ** -12, "episodes": 20}, seeds[1:2])
    assert len(a["value"]) == 60 and set(a["seed"]) == {0, 1, 2}
    np.testing.assert_array_equal(np.asarray(a["value"])[np.asarray(a["seed"]) == 1], b["value"])
    assert "alpha" in exp.grid and "alpha_w" in exp.grid
