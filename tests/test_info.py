"""`fastfa info`: the facts a bug report needs, including where Numba caches and whether it can write there."""

import os
import subprocess
import sys

import fastfa
from fastfa._info import numba_cache_dir


def test_info_reports_versions_cache_and_extensions(tmp_path):
    cache = tmp_path / "nbcache"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    r = subprocess.run(
        [sys.executable, "-m", "fastfa", "info"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )
    assert r.returncode == 0, r.stderr
    lines = dict(ln.split(None, 1) for ln in r.stdout.splitlines() if ln.strip())
    assert lines["fastfa"].startswith(fastfa.__version__ + " ")
    import numba
    import numpy

    assert lines["numpy"] == numpy.__version__ and lines["numba"].startswith(numba.__version__)
    assert "tiles3 compiled: True" in lines["extensions"]  # the test env is a compiled install
    assert lines["cache"].startswith(f"numba caches kernels in {cache}") and "(writable;" in lines["cache"]
    assert {"python", "gymnasium", "cpu", "threads", "platform"} <= set(lines)
    # the ahead-of-time main-job loop: in use in a fresh install; after a kernel edit in an editable one, stale
    assert lines["prebuilt"].startswith(
        ("main-job loop: in use: control_run_tpl__MountainCar_v0_sarsa", "main-job loop: built, NOT used: kernel")
    )
    # the experiments' kernels: none after the test command's install (FASTFA_NO_PREBUILD=1) or an
    # editable one; in use after a plain `pip install .` (.ci/dist_check.sh checks that one)
    kernels = lines["experiments'"]
    assert kernels.startswith(("kernels: none (", "kernels: in use: kernels of ")), kernels


def test_cache_dir_not_writable_is_reported(tmp_path, monkeypatch):
    if os.geteuid() == 0:
        # root ignores permission bits: point the cache at a path below a regular file instead
        blocker = tmp_path / "file"
        blocker.write_text("")
        monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocker / "cache"))
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        monkeypatch.setenv("NUMBA_CACHE_DIR", str(ro / "cache"))
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", os.environ["NUMBA_CACHE_DIR"])
    path, writable = numba_cache_dir()
    assert not writable or not path.startswith(os.environ["NUMBA_CACHE_DIR"])
