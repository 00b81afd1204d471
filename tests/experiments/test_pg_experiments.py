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
