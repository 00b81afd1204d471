"""The prebuilt Numba cache (fastfa.kernels._jit.PREBUILT_DIR, filled by fastfa._prebuild at install).

Each case runs in a child interpreter on a *copy* of the installed package: the build writes the
cache in one folder, the install puts it in another (new paths, new modification times), so the copy
used to read it is made in a second folder with its files' times changed.  A kernel counts as loaded
when its dispatcher reports a cache hit and nothing was written to the child's own (empty) cache.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fastfa
from fastfa import _prebuild
from fastfa.kernels import _jit

pytestmark = pytest.mark.skipif(_jit.JIT_DISABLED, reason="no cache without the JIT")

CHILD = r"""
import json, sys
import numpy as np
from fastfa.kernels.nn import mlp
n = int(mlp.mlp_n_params(np.array([4, 8, 2])))
st = mlp.mlp_n_params.stats
print(json.dumps({"n": n, "hits": sum(st.cache_hits.values()), "misses": sum(st.cache_misses.values())}))
"""


def _copy_package(dest: Path) -> Path:
    """The installed fastfa package copied to ``dest/fastfa`` without any cache (its own or Numba's)."""
    src = Path(fastfa.__file__).resolve().parent
    shutil.copytree(src, dest / "fastfa", ignore=shutil.ignore_patterns("__pycache__", "_prebuilt", "*.nbi", "*.nbc"))
    if not (dest / "fastfa" / "kernels").is_dir():  # an editable install: kernels/ lives beside fastfa/
        shutil.copytree(
            Path(_jit.__file__).resolve().parent,
            dest / "fastfa" / "kernels",
            ignore=shutil.ignore_patterns("__pycache__", "_prebuilt", "*.nbi", "*.nbc"),
        )
    return dest


def _child(root: Path, cache: Path, **env) -> dict:
    full = {k: v for k, v in os.environ.items() if k not in ("FASTFA_PREBUILD", "FASTFA_AOT", "NUMBA_BOUNDSCHECK")}
    full.update(PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(cache), **env)
    r = subprocess.run([sys.executable, "-c", CHILD], cwd=root, env=full, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["written"] = sorted(p.name for p in cache.rglob("*.nbi")) if cache.exists() else []
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A package copy whose prebuilt cache holds ``mlp_n_params``, and a relocated, re-timed copy of it."""
    a = _copy_package(tmp_path_factory.mktemp("build"))
    first = _child(a, tmp_path_factory.mktemp("cache-build"), FASTFA_PREBUILD="1")
    assert first["misses"] == 1 and first["hits"] == 0  # compiled ...
    assert first["written"] == []  # ... and saved to the prebuilt folder, not to the user's cache
    prebuilt = a / "fastfa" / "kernels" / "_prebuilt" / "1" / "nn"  # FASTFA_PREBUILD=<lane folder>
    assert any(p.suffix == ".nbi" for p in prebuilt.iterdir())
    b = tmp_path_factory.mktemp("installed")
    shutil.copytree(a / "fastfa", b / "fastfa")
    for p in (b / "fastfa").rglob("*"):
        os.utime(p, (1_000_000_000, 1_000_000_000))
    return b, first["n"]


def test_a_relocated_prebuilt_kernel_loads_without_compiling(built, tmp_path):
    root, n = built
    out = _child(root, tmp_path / "cache")
    assert out["n"] == n == 4 * 8 + 8 + 8 * 2 + 2
    assert (out["hits"], out["misses"]) == (1, 0)
    assert out["written"] == []  # the user's empty cache stayed empty: nothing was compiled


@pytest.mark.parametrize("env", [{"FASTFA_AOT": "0"}, {"NUMBA_BOUNDSCHECK": "1"}], ids=["FASTFA_AOT=0", "boundscheck"])
def test_switches_turn_the_prebuilt_cache_off(built, tmp_path, env):
    root, n = built
    out = _child(root, tmp_path / "cache", **env)
    assert out["n"] == n and (out["hits"], out["misses"]) == (0, 1)
    assert len(out["written"]) == 1  # compiled here, saved to the user's cache


def test_a_damaged_prebuilt_entry_is_compiled_instead(built, tmp_path):
    root, n = built
    damaged = tmp_path / "pkg"
    shutil.copytree(root / "fastfa", damaged / "fastfa")
    for p in (damaged / "fastfa" / "kernels" / "_prebuilt").rglob("*.nbc"):
        p.write_bytes(p.read_bytes()[:40] + b"\x00garbage" * 8)
    out = _child(damaged, tmp_path / "cache")
    assert out["n"] == n and (out["hits"], out["misses"]) == (0, 1)


def test_an_edited_kernel_source_does_not_load_the_old_entry(built, tmp_path):
    root, n = built
    edited = tmp_path / "pkg"
    shutil.copytree(root / "fastfa", edited / "fastfa")
    src = edited / "fastfa" / "kernels" / "nn" / "mlp.py"
    src.write_text(src.read_text() + "\n# edited\n")
    out = _child(edited, tmp_path / "cache")
    assert out["n"] == n and (out["hits"], out["misses"]) == (0, 1)


def test_specialised_unit_names_do_not_depend_on_paths_or_times(tmp_path):
    """A unit's cache name carries a checksum of its bound functions' files: by name and contents, so
    that the prebuilt units keep their names where the package is installed."""
    from fastfa.kernels.loops import specialise

    src = Path(specialise.__file__)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    shutil.copy(src, a / src.name)
    shutil.copy(src, b / src.name)
    os.utime(b / src.name, (1_000_000_000, 1_000_000_000))
    assert specialise._file_crc(str(a / src.name)) == specialise._file_crc(str(b / src.name))
    (b / src.name).write_text(src.read_text() + "\n# edited\n")
    assert specialise._file_crc(str(a / src.name)) != specialise._file_crc(str(b / src.name))


def test_every_experiment_is_built_at_install():
    """A new experiment must join a prebuild lane (or its first run compiles); the main job's loop is
    built by numba.pycc instead (fastfa.kernels.loops.aot)."""
    from fastfa.experiments import names

    lanes = [n for lane in _prebuild.LANES for n in lane]
    assert len(lanes) == len(set(lanes))
    assert set(lanes) | {"mountaincar-sarsa"} == set(names())


def test_status_line_names_what_is_built(tmp_path, monkeypatch):
    monkeypatch.setattr(_jit, "PREBUILT_DIR", tmp_path)
    assert _prebuild.status().startswith("none")
    manifest = {
        "fingerprint": _jit.KERNELS_FINGERPRINT,
        "numba": __import__("numba").__version__,
        "cpu": _prebuild.cpu_key(),
        "experiments": {"cartpole-dqn": 20.0, "baird": "failed (1)"},
    }
    (tmp_path / _prebuild.MANIFEST).write_text(json.dumps(manifest))
    monkeypatch.setattr(_jit, "prebuilt_mode", lambda: "read")
    assert _prebuild.status().startswith("in use: kernels of 1 experiments")
    monkeypatch.setattr(_jit, "prebuilt_mode", lambda: None)  # FASTFA_AOT=0 or NUMBA_BOUNDSCHECK=1
    assert "NOT used: FASTFA_AOT=0 or NUMBA_BOUNDSCHECK=1" in _prebuild.status()
    monkeypatch.setattr(_jit, "prebuilt_mode", lambda: "read")
    (tmp_path / _prebuild.MANIFEST).write_text(json.dumps(dict(manifest, cpu=["x", "othercpu", "+avx"])))
    assert "another CPU (othercpu)" in _prebuild.status()
    (tmp_path / _prebuild.MANIFEST).write_text(json.dumps(dict(manifest, fingerprint="0")))
    assert "kernel sources or Numba differ" in _prebuild.status()


SWAP = r"""
import numpy as np
from fastfa.kernels.nn import mlp
d = mlp.mlp_n_params
d(np.array([4, 8, 2])); d(np.array([4, 8, 2], dtype=np.int32))  # two signatures, two data files
cf = d._cache._cache_file  # the prebuilt index when FASTFA_PREBUILD is set, else the user cache's
ov = cf._load_index()
k0, k1 = list(ov)
ov[k0], ov[k1] = ov[k1], ov[k0]  # each signature's key now names the other one's code
cf._save_index(ov)
"""


@pytest.mark.parametrize("where", ["prebuilt", "user cache"])
def test_an_entry_compiled_for_other_argument_types_is_not_used(tmp_path, where):
    """Code compiled for other argument types would misread its arguments (a crash, or wrong numbers):
    an index whose keys name each other's data files (what two processes saving one function at once
    can leave, in Numba's own cache too) must lead to compiling, not to running that code."""
    root = _copy_package(tmp_path / "pkg")
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if k not in ("FASTFA_AOT", "NUMBA_BOUNDSCHECK", "FASTFA_PREBUILD")}
    env.update(PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(tmp_path / "c0" if where == "prebuilt" else cache))
    if where == "prebuilt":
        env["FASTFA_PREBUILD"] = "1"
    r = subprocess.run([sys.executable, "-c", SWAP], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    out = _child(root, cache)
    assert out["n"] == 4 * 8 + 8 + 8 * 2 + 2
    assert (out["hits"], out["misses"]) == (0, 1)
