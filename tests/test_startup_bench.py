"""``fastfa bench startup``: argument checks, and the child's compile-event accounting (exclusive
per-function CPU seconds, unit counts) on a tiny stand-in for ``fastfa run``."""

import json

import numpy as np
import pytest

from conftest import JIT_DISABLED
from fastfa import cli, startup


def test_unknown_experiment_is_a_clear_error(capsys):
    assert cli.main(["bench", "startup", "--experiments", "no-such-experiment"]) == 2
    assert "unknown experiment" in capsys.readouterr().err


@pytest.mark.skipif(JIT_DISABLED, reason="counts compilations")
def test_child_records_each_compiled_function(tmp_path, monkeypatch):
    import numba

    @numba.njit(cache=False)
    def _leaf_for_startup_test(x):
        return x + 1.0

    @numba.njit(cache=False)
    def _root_for_startup_test(a):
        s = 0.0
        for v in a:
            s += _leaf_for_startup_test(v)
        return s

    def fake_main(argv):
        assert argv[:3] == ["run", "some-experiment", "--quick"]
        assert _root_for_startup_test(np.arange(3.0)) == 6.0
        return 0

    monkeypatch.setattr(cli, "main", fake_main)
    report = tmp_path / "r.json"
    assert startup._child("some-experiment", str(tmp_path), str(report)) == 0
    rep = json.loads(report.read_text())
    names = [k.rsplit(".", 1)[-1] for k in rep["by_function"]]
    assert "_root_for_startup_test" in names and "_leaf_for_startup_test" in names
    assert rep["units"] >= 2
    assert all(v >= -1e-3 for v in rep["by_function"].values())  # exclusive times are not negative
    assert rep["compile_s"] > 0 and rep["rss_mb"] > 10 and rep["cpu_s"] > 0
