"""Mountain Car control experiments: files, metrics, cells (reduced sizes)."""
import json

import numpy as np
import pytest
from conftest import scale

from fastfa.experiments import get, run_experiment


def test_mountaincar_sarsa_quick(tmp_path):
    eps = scale(60, 2)
    s = run_experiment("mountaincar-sarsa", runs=3, seed=1, out=tmp_path, quick=True, progress=False,
                       params={"episodes": eps}, plot=False)
    folder = tmp_path / "mountaincar-sarsa"
    assert (folder / "results.csv").exists()
    summ = json.loads((folder / "summary.json").read_text())
    assert summ["env_steps"] > 0 and summ["rows"] == 3 * 3 * eps
    assert summ["metrics"]["env_steps_per_s"] > 0
    assert "alpha=0.5/8: mean steps, episodes 1-50" in s["metrics"]
    with pytest.raises(ValueError, match="unknown parameter"):
        run_experiment("mountaincar-sarsa", runs=1, out=tmp_path, quick=True, params={"bogus": 1}, plot=False)


def test_mountaincar_sarsa_cell_independent_of_other_seeds():
    exp = get("mountaincar-sarsa")
    seeds = np.random.SeedSequence(3).spawn(3)
    e = scale(10, 1)
    a = exp.cell({"alpha": 0.5 / 8, "episodes": e}, seeds)
    b = exp.cell({"alpha": 0.5 / 8, "episodes": e}, seeds[1:2])
    np.testing.assert_array_equal(np.asarray(a["value"])[a["seed"] == 1], b["value"])
    assert set(exp.grid) == {"alpha"}
