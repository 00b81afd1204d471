"""Every example script runs to completion (exit code 0) with a tiny budget and prints its last line.

Each runs in a subprocess with FASTFA_EXAMPLE_QUICK=1 (the scripts shrink their budgets).  They are
end-to-end tests (marked `e2e`, about a minute in all): CI runs them in its own step,
`pytest -n 2 -m e2e`, after the README's test command has filled the Numba cache.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# script -> a string its output must contain (proof it got to the end, not just exit 0)
EXPECT = {
    "features_tour.py": "Fourier step sizes",
    "control_mountain_car.py": "reloaded agent: same value True, same action True",
    "prediction_random_walk.py": "identical values = True",
    "trees_knn.py": "done: trees and kNN example",
    "own_experiment.py": "done: own experiment example",
    "custom_compiled_env.py": "identical weights: True",
    "files_and_errors.py": "done: files and errors example",
    "dqn_cartpole.py": "reloaded: same q-values True",
    "policy_gradient.py": "Puck World actor-critic",
    "sweep_parameter_study.py": "plot: ",
    "tiles3_mountaincar.py": "episode 50:",
}


@pytest.mark.e2e
@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"), reason="runs compiled")
@pytest.mark.parametrize("script", sorted(EXPECT))
def test_example_runs(script, tmp_path):
    env = dict(os.environ, FASTFA_EXAMPLE_QUICK="1", FASTFA_EXAMPLE_OUT=str(tmp_path), MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout}\n{proc.stderr}"
    assert EXPECT[script] in proc.stdout, proc.stdout


def test_every_example_is_run_by_a_test():
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(EXPECT), "add new examples to EXPECT"


def test_every_example_honours_quick_mode_and_has_a_docstring():
    scripts = sorted(p for p in EXAMPLES.glob("*.py") if p.name != "tiles3_mountaincar.py")
    assert len(scripts) >= 6
    for p in scripts:
        src = p.read_text()
        assert src.lstrip().startswith('"""'), f"{p.name}: no top docstring"
        if p.name != "features_tour.py":  # the tour has no budget to shrink
            assert "FASTFA_EXAMPLE_QUICK" in src, f"{p.name} ignores FASTFA_EXAMPLE_QUICK"
