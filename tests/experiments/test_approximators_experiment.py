"""`fastfa run approximators` (quick size): every method reports, rows are tidy, a seed reproduces the results."""

import pytest
from conftest import JIT_DISABLED

from fastfa.experiments import run_experiment

TIMING = {"us_per_step", "s_per_iteration"}


@pytest.mark.skipif(JIT_DISABLED, reason="Python-level loops over interpreted kernels: minutes")
def test_quick_run_reports_every_method_and_is_reproducible(tmp_path):
    # two runs in this process, then the same two runs in two forked workers
    a = run_experiment(
        "approximators",
        runs=2,
        seed=3,
        out=tmp_path / "a",
        quick=True,
        progress=False,
        plot=False,
        params={"workers": 1},
    )
    b = run_experiment(
        "approximators",
        runs=2,
        seed=3,
        out=tmp_path / "b",
        quick=True,
        progress=False,
        plot=False,
        params={"workers": 2},
    )
    m = a["metrics"]
    assert set(m["randomwalk_final_rms"]) == {"linear", "knn", "tree", "mlp", "fqi-trees"}
    assert set(m["mountaincar_eval_steps"]) == {"linear", "knn", "tree", "mlp", "fqi-trees", "fqi-linear", "fqi-mlp"}
    for v in m["randomwalk_final_rms"].values():
        assert 0.0 < v < 1.0  # true values lie in (-1, 1)
    for v in m["mountaincar_eval_steps"].values():
        assert 1 <= v <= 500
    assert all(v > 0 for v in m["us_per_step"].values()) and all(v > 0 for v in m["bytes"].values())
    # the same seed gives the same learning results (wall times aside), whatever the number of workers
    same = {k: v for k, v in m.items() if k not in ("us_per_step", "fqi_s_per_iteration")}
    assert same == {k: v for k, v in b["metrics"].items() if k not in ("us_per_step", "fqi_s_per_iteration")}
    csv = (tmp_path / "a" / "approximators" / "results.csv").read_text().splitlines()
    assert csv[0] == "run,task,method,x,metric,value"
    assert not any(",nan" in line for line in csv[1:])
    with pytest.raises(ValueError, match="parameter .workers.: out of range"):
        run_experiment(
            "approximators", out=tmp_path / "c", quick=True, progress=False, plot=False, params={"workers": 0}
        )
    with pytest.raises(ValueError, match="unknown parameter 'mc_steps'"):
        run_experiment(
            "approximators", out=tmp_path / "c", quick=True, progress=False, plot=False, params={"mc_steps": 10}
        )
