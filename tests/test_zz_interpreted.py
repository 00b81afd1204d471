"""The whole suite again with NUMBA_DISABLE_JIT=1: every kernel runs as plain Python.

Catches kernels whose results depend on compilation (integer overflow turning
into Python bigints, hashing, dtype promotion).  Runs in a subprocess; loop
sizes shrink there through conftest.scale().  Skipped when already interpreted.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import JIT_DISABLED

TESTS = Path(__file__).resolve().parent


@pytest.mark.slow
@pytest.mark.skipif(JIT_DISABLED, reason="already running interpreted")
def test_suite_passes_interpreted(tmp_path):
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    # node ids are relative to the rootdir, so pin it: an absolute path in --deselect matches nothing
    cmd = [sys.executable, "-m", "pytest", str(TESTS), "-q", "-x", "-p", "no:cacheprovider",
           "--rootdir", str(TESTS.parent), "--benchmark-disable", "-W", "ignore::RuntimeWarning",
           "--deselect", "tests/test_packaging.py::test_wheel_installs_and_imports_outside_repo",
           "--ignore", str(TESTS / "test_zz_interpreted.py")]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, cwd=tmp_path)  # not the repo root: `-m` puts cwd on sys.path
    tail = "\n".join(r.stdout.splitlines()[-25:])
    assert r.returncode == 0, f"interpreted run failed:\n{tail}\n{r.stderr[-2000:]}"
    assert " passed" in tail
