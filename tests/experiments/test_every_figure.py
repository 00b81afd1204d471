"""Every experiment at `--quick` size, as a user runs it: `fastfa run NAME --quick` in a new process
writes a valid PNG of sensible size and prints the experiment's headline (naming the book's figure
where it reproduces one), its wall time and env steps/s, and the figure's path (issue 18).

Where the install built the experiments' kernels ahead of time (`fastfa._prebuild`; not in an
editable install or the README test command's) and they are usable on this CPU, each run starts with
an empty Numba cache of its own, as a new user's first run does, and must compile nothing: that
cache stays empty.  Otherwise the runs use the Numba cache the test command filled.

Marked `e2e` (about a minute on 2 cores): CI runs it in its own step, `pytest -n 2 -m e2e`.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys

import pytest

from fastfa import _prebuild
from fastfa.experiments import get, names

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.e2e
@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"), reason="runs compiled")
@pytest.mark.parametrize("name", names())
def test_quick_run_writes_its_figure_and_names_it(name, tmp_path):
    # with the prebuilt kernels, a new user's first run: an empty cache of its own; without them (the
    # test command's and editable installs) the suite's warm cache, or every run would compile it all
    prebuilt = _prebuild.status().startswith("in use") and name in _prebuilt_experiments() | {"mountaincar-sarsa"}
    cache = tmp_path / "numba-cache"
    env = dict(os.environ, MPLBACKEND="Agg")
    if prebuilt:
        env["NUMBA_CACHE_DIR"] = str(cache)
    r = subprocess.run(
        [sys.executable, "-m", "fastfa", "run", name, "--quick", "--no-progress", "--out", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    out = r.stdout
    headline = f"{name}: {get(name).description}"  # names the book figure where there is one ("Fig 11.2: ...")
    assert headline in out.splitlines(), out[:2000]
    assert re.search(r"wall time [\d.]+ s, [\d,]+ env steps, [\d,]+ env steps/s", out), out[:2000]
    png = tmp_path / name / f"{name}.png"
    assert re.search(rf"^figure: \S*{re.escape(name)}/{re.escape(name)}\.png ", out, flags=re.M), out[-1500:]
    w, h = png_size(png)
    assert 400 <= w <= 4000 and 300 <= h <= 4000, (w, h)
    assert png.stat().st_size > 10_000  # a drawn figure, not an empty canvas
    if prebuilt:
        compiled = sorted(p.name for p in cache.rglob("*.nbi")) if cache.exists() else []
        assert compiled == [], f"{name} compiled kernels that the install should have built: {compiled}"


def _prebuilt_experiments() -> set:
    import json

    from fastfa.kernels._jit import PREBUILT_DIR

    built = json.loads((PREBUILT_DIR / _prebuild.MANIFEST).read_text())["experiments"]
    return {k for k, v in built.items() if not isinstance(v, str)}
