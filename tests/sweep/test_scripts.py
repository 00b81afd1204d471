"""fastfa.sweep called from a script without an `if __name__ == "__main__":` guard.

The process backend starts its workers with forkserver/spawn, which re-run the driver's main
script so that functions defined there can be unpickled.  An unguarded top-level sweep call then
started a sweep inside every worker, whose pool could never start: the script hung for ever.
Now the workers are started without the script when the cell does not live in it, and a cell that
does fails at once with the guard named in the message.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).parent
TIMEOUT_S = 180  # the hang was infinite; a working run takes a few seconds

CELL_IN_SCRIPT = """
def cell(params, seeds):
    n = len(seeds)
    return {
        "seed": np.arange(n, dtype=np.int64),
        "x": np.zeros(n, dtype=np.int64),
        "metric": np.array(["m"] * n, dtype=object),
        "value": np.full(n, float(params["a"])),
    }
"""


def _run_script(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    script = tmp_path / "study.py"
    head = f"import sys\nsys.path.insert(0, {str(HERE)!r})\nimport numpy as np\nimport fastfa\n"
    script.write_text(head + textwrap.dedent(body), encoding="utf-8")
    try:
        return subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT_S
        )
    except subprocess.TimeoutExpired as e:  # pragma: no cover - the bug this file is about
        pytest.fail(f"an unguarded script's sweep still running after {TIMEOUT_S} s:\n{e.stderr}")


def test_unguarded_script_with_an_importable_cell_runs(tmp_path):
    r = _run_script(
        tmp_path,
        """
        from sweep_cells import rw_cell

        res = fastfa.sweep(rw_cell, grid={"alpha": [0.1, 0.5]}, seeds=3, n_workers=2, out="s", progress=False)
        print("RUNS", int((res.runs["status"] == "ok").sum()), "ROWS", len(res.df))
        """,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "RUNS 6 ROWS 60" in r.stdout, r.stdout + r.stderr[-3000:]


def test_unguarded_script_with_its_own_cell_fails_fast_and_names_the_guard(tmp_path):
    r = _run_script(
        tmp_path,
        CELL_IN_SCRIPT
        + """
res = fastfa.sweep(cell, grid={"a": [1.0, 2.0]}, seeds=2, n_workers=2, out="s", retries=0, progress=False)
print("OK ROWS", len(res.df))
""",
    )
    assert "if __name__ == '__main__':" in r.stderr, r.stderr[-3000:]
    assert "OK ROWS 4" not in r.stdout


def test_guarded_script_with_its_own_cell_runs(tmp_path):
    r = _run_script(
        tmp_path,
        CELL_IN_SCRIPT
        + """
if __name__ == "__main__":
    res = fastfa.sweep(cell, grid={"a": [1.0, 2.0]}, seeds=2, n_workers=2, out="s", progress=False)
    print("OK ROWS", len(res.df), sorted(set(res.df["value"])))
""",
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "OK ROWS 4 [1.0, 2.0]" in r.stdout, r.stdout + r.stderr[-3000:]
