"""The kernels again with NUMBA_DISABLE_JIT=1: every kernel runs as plain Python.

Catches kernels whose results depend on compilation (integer overflow turning into Python bigints,
hashing, dtype promotion, typed-container differences).  Here, in a subprocess: the small runs of
tests/interp_cases.py (tile codes, compiled control / policy-gradient / DQN / A2C loops, replay
sampling) give the *same values* interpreted as compiled: integers exactly, floats to
``interp_cases.RTOL``.

The kernel tests themselves (marker ``nojit``; see ``NOJIT_FILES`` in tests/conftest.py) run
interpreted in a step of ``.ci/run`` of their own (``NUMBA_DISABLE_JIT=1 pytest -n 2 -m nojit``),
outside the README's test command, on both cores.

Skipped when already interpreted.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import JIT_DISABLED

TESTS = Path(__file__).resolve().parent
pytestmark = pytest.mark.skipif(JIT_DISABLED, reason="already running interpreted")


def _env():
    return dict(os.environ, NUMBA_DISABLE_JIT="1", PYTHONWARNINGS="ignore::RuntimeWarning")


def test_interpreted_values_equal_compiled(tmp_path):
    import interp_cases

    out = tmp_path / "interpreted.npz"
    r = subprocess.run(
        [sys.executable, str(TESTS / "interp_cases.py"), str(out)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    compiled = interp_cases.run_all()
    interpreted = dict(np.load(out))
    assert set(interpreted) == set(compiled)
    for k, c in compiled.items():
        i = interpreted[k]
        assert i.shape == c.shape and i.dtype == c.dtype, k
        if c.dtype.kind in "iub":
            np.testing.assert_array_equal(i, c, err_msg=k)
        else:
            np.testing.assert_allclose(i, c, rtol=interp_cases.RTOL, atol=1e-300, err_msg=k)
