"""Packaging: console script, cheap import, clear error without a compiler, pure fallback, wheel."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import fastfa

REPO = Path(__file__).resolve().parents[1]
HAS_SOURCE = (REPO / "setup.py").exists() and (REPO / "kernels" / "features" / "_tiles3.pyx").exists()
needs_source = pytest.mark.skipif(not HAS_SOURCE, reason="needs the source tree (setup.py)")


def _run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


def test_console_script_version_and_help():
    # the script installed with this interpreter (a venv's bin/ need not be on PATH: `venv/bin/python -m pytest`)
    here = Path(sys.executable).with_name("fastfa")
    exe = str(here) if here.is_file() else shutil.which("fastfa")
    assert exe, "the `fastfa` console script is neither beside the interpreter nor on PATH"
    r = _run([exe, "--version"])
    assert r.returncode == 0 and r.stdout.strip() == f"fastfa {fastfa.__version__}"
    r = _run([exe, "--help"])
    assert r.returncode == 0 and "run" in r.stdout and "list" in r.stdout
    r = _run([exe, "run", "no-such-experiment", "--out", os.devnull])
    assert r.returncode == 2 and "unknown experiment" in r.stderr


def test_import_is_cheap_and_registers_envs(tmp_path):
    code = (
        "import sys, fastfa, gymnasium; "
        "heavy = [m for m in ('numba', 'fastfa.kernels.features.tiles', 'matplotlib') if m in sys.modules]; "
        "assert not heavy, heavy; "
        "assert any(k.startswith('fastfa/') for k in gymnasium.registry), 'no fastfa/ env ids'"
    )
    r = _run([sys.executable, "-c", code], cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def _copy_source(dst: Path) -> Path:
    src = dst / "src"
    shutil.copytree(
        REPO,
        src,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "__pycache__", "*.so", "*.c", "runs", ".hypothesis", "benches"
        ),
    )
    return src


@pytest.mark.e2e  # builds from the source tree: in CI's end-to-end step
@needs_source
def test_missing_compiler_gives_clear_error(tmp_path):
    pytest.importorskip("Cython")
    src = _copy_source(tmp_path)
    env = dict(os.environ, CC="/nonexistent/cc", LDSHARED="/nonexistent/cc -shared")
    r = _run([sys.executable, "setup.py", "build_ext", "--build-lib", str(tmp_path / "out")], cwd=src, env=env)
    assert r.returncode != 0
    assert "no working C compiler" in (r.stdout + r.stderr)
    assert "FASTFA_NO_EXT=1" in (r.stdout + r.stderr)


@needs_source
def test_pure_fallback_without_extension(tmp_path):
    """FASTFA_NO_EXT=1 builds a package without the extension; tiles3 warns and gives the same indices."""
    src = _copy_source(tmp_path)
    out = tmp_path / "lib"
    env = dict(os.environ, FASTFA_NO_EXT="1")
    r = _run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(out)], cwd=src, env=env)
    assert r.returncode == 0, r.stderr
    assert not list(out.rglob("*.so"))
    code = (
        "import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
        "import warnings; warnings.simplefilter('error')\n"
        "try:\n    import fastfa.tiles3\nexcept RuntimeWarning as w:\n    assert 'pure-Python' in str(w)\n"
        "else:\n    raise SystemExit('no warning')\n"
        "warnings.simplefilter('ignore')\n"
        "import importlib, fastfa.tiles3 as t\n"
        "t = importlib.reload(t)\n"
        "assert not t.COMPILED and t.__file__.startswith(%r), t.__file__\n"
        "print(t.tiles(t.IHT(64), 4, [0.5, 1.25], [1]), t.tiles(4096, 4, [0.5, 1.25]))\n"
        # the replay buffers fall back to their Numba path (run interpreted here: no compile time)
        "import numpy as np, fastfa.buffers as fb\n"
        "assert not fb.COMPILED\n"
        "b = fb.PrioritizedReplayBuffer(8, (2,), seed=0)\n"
        "b.add(np.zeros(2, np.float32), 1, 1.0, np.ones(2, np.float32), False)\n"
        "s = b.sample(1); b.update_priorities(s.indices, [2.0])\n"
        "assert b._fast is None and len(b) == 1 and s.next_obs[0, 0] == 1.0\n"
    ) % str(out)
    r = _run(
        [sys.executable, "-c", code], cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(out), NUMBA_DISABLE_JIT="1")
    )
    assert r.returncode == 0, r.stderr
    import fastfa.tiles3 as t3

    want = f"{t3.tiles(t3.IHT(64), 4, [0.5, 1.25], [1])} {t3.tiles(4096, 4, [0.5, 1.25])}"
    assert r.stdout.strip() == want


@pytest.mark.e2e  # builds and installs a wheel (~30 s): in CI's end-to-end step
@needs_source
@pytest.mark.slow
def test_wheel_installs_and_imports_outside_repo(tmp_path):
    """pip wheel . -> a wheel with the compiled extension, no .c files; installs into a fresh venv."""
    src = _copy_source(tmp_path)
    wheels = tmp_path / "wheels"
    r = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(src)]
    )
    assert r.returncode == 0, r.stderr
    (whl,) = wheels.glob("fastfa-*.whl")
    names = zipfile.ZipFile(whl).namelist()
    assert any(n.startswith("fastfa/kernels/features/_tiles3") and n.endswith((".so", ".pyd")) for n in names)
    assert any(n.startswith("fastfa/kernels/replay/_replay") and n.endswith((".so", ".pyd")) for n in names)
    assert (
        "fastfa/kernels/features/tiles.py" in names
        and "fastfa/kernels/loops/control_loop.py" in names
        and "fastfa/cli.py" in names
    )
    assert not [n for n in names if n.endswith(".c")], "generated C files must not ship"
    assert not [n for n in names if n.startswith(("kernels/", "tests/", "benches/"))]
    py = _fresh_venv_seeing_running_env(tmp_path / "venv")
    # --no-index --ignore-installed: install exactly this wheel, even where the running env already has
    # a fastfa of the same version (the venv sees the running env's site-packages for numpy/numba).
    r = _run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q", str(whl)])
    assert r.returncode == 0, r.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import fastfa, fastfa.tiles3 as t, fastfa.kernels.features.tiles as k; "
        "assert t.COMPILED; assert str(fastfa.__file__).startswith(%r), fastfa.__file__; "
        "print(t.tiles(t.IHT(32), 2, [0.1]))" % str(tmp_path / "venv")
    )
    r = _run([str(py), "-c", code], cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[0, 1]"


def _fresh_venv_seeing_running_env(venv):
    """A new venv whose python sees the *running* environment's packages (numpy, numba, gymnasium).

    `--system-site-packages` would expose the base interpreter's packages, not the virtualenv the
    tests run in; a .pth line naming the running env's site dirs does what a user's venv does.
    """
    import sysconfig

    r = _run([sys.executable, "-m", "venv", str(venv)])
    assert r.returncode == 0, r.stderr
    py = venv / "bin" / "python"
    r = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    assert r.returncode == 0, r.stderr
    site = Path(r.stdout.strip())
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_running_env.pth").write_text("\n".join(paths) + "\n")
    return py
