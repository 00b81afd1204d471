"""The fastest example scripts run to completion (exit code 0) with a tiny budget.

Each runs in a subprocess with FASTFA_EXAMPLE_QUICK=1 (the scripts shrink their budgets);
NUMBA_DISABLE_JIT is inherited, so the interpreted suite runs them interpreted too.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# script -> a string its output must contain (proof it got to the end, not just exit 0)
FAST = {
    "features_tour.py": "Fourier step sizes",
    "control_mountain_car.py": "reloaded agent: same value True, same action True",
    "prediction_random_walk.py": "identical values = True",
    "trees_knn.py": "done: trees and kNN example",
    "own_experiment.py": "done: own experiment example",
    "custom_compiled_env.py": "identical weights: True",
    "files_and_errors.py": "done: files and errors example",
}


# the others: slower to start (DQN's kernels, a process-pool sweep) or pure-Python loops; they run in
# CI's docs step (`pytest -n 2 -m docs`, after the README's command, so the Numba cache is warm)
REST = {
    "dqn_cartpole.py": "reloaded: same q-values True",
    "policy_gradient.py": "Puck World actor-critic",
    "sweep_parameter_study.py": "plot: ",
    "tiles3_mountaincar.py": "episode 50:",
}


def _run_example(script, tmp_path, expect, timeout):
    env = dict(os.environ, FASTFA_EXAMPLE_QUICK="1", FASTFA_EXAMPLE_OUT=str(tmp_path), MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout}\n{proc.stderr}"
    assert expect in proc.stdout, proc.stdout


@pytest.mark.parametrize("script", sorted(FAST))
def test_example_runs(script, tmp_path):
    _run_example(script, tmp_path, FAST[script], timeout=120)


@pytest.mark.docs
@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"), reason="runs compiled")
@pytest.mark.parametrize("script", sorted(REST))
def test_example_runs_in_the_docs_step(script, tmp_path):
    _run_example(script, tmp_path, REST[script], timeout=600)


def test_every_example_is_run_by_a_test():
    scripts = {p.name for p in EXAMPLES.glob("*.py")}
    assert scripts == set(FAST) | set(REST), "add new examples to FAST or REST"
    assert not set(FAST) & set(REST)


def test_every_example_honours_quick_mode_and_has_a_docstring():
    scripts = sorted(p for p in EXAMPLES.glob("*.py") if p.name != "tiles3_mountaincar.py")
    assert len(scripts) >= 6
    for p in scripts:
        src = p.read_text()
        assert src.lstrip().startswith('"""'), f"{p.name}: no top docstring"
        if p.name != "features_tour.py":  # the tour has no budget to shrink
            assert "FASTFA_EXAMPLE_QUICK" in src, f"{p.name} ignores FASTFA_EXAMPLE_QUICK"
