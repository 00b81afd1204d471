"""Fuzzing (issue 11): hypothesis throws adversarial values -- NaN, ±inf, huge, negative, zero, empty,
wrong shape, wrong dtype, wrong type, bool for int -- at the public entry points: tiles3 and the tile
coders, the replay buffers (add, add_batch, sample, update_priorities), ``load`` of every saved kind
(each agent of the registry, the buffers, a tile coder) on bit-flipped / truncated / padded files,
every registered agent's constructor (each config field), ``learn`` budgets, ``predict``,
``evaluate`` and ``load``, DQN options, ``fastfa.make``, and the command line (``fastfa run``,
``sweep``, ``train``, ``eval`` and random words: exit 0 or a one-line exit 2, never a traceback).

Each group runs in a child interpreter (tests/fuzz_driver.py), which logs every example before it
runs it: a segfault is a failing test that names the input that killed the interpreter, not a dead
test worker.  Passing means 0 crashes, only documented error types, and 0 known-invalid inputs
accepted silently.  The number of examples tried is printed (run pytest with -s to see it).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# examples per hypothesis test in each group (a group has 1-3 tests, each example several calls)
GROUPS = {"tiles": 100, "buffers": 60, "files": 40, "agents": 30, "cli": 40}  # FASTFA_FUZZ_SCALE=10: a long run


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_fuzz_group_in_a_child_process(group, tmp_path):
    log = tmp_path / "examples.log"
    r = subprocess.run(
        [sys.executable, str(HERE / "fuzz_driver.py"), group, str(GROUPS[group]), str(log)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONWARNINGS="ignore"),
    )
    lines = log.read_text().splitlines() if log.exists() else []
    if r.returncode < 0:
        pytest.fail(f"the interpreter died (signal {-r.returncode}) on: {lines[-1] if lines else '?'}")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    silent = [ln for ln in r.stdout.splitlines() if ln.startswith("SILENT")]
    assert not silent, "invalid inputs accepted silently:\n" + "\n".join(silent[:20])
    tried = int(r.stdout.split("TRIED")[-1])
    print(f"fuzz group {group!r}: {tried} calls tried, 0 crashes")
    assert tried == sum(ln.startswith(f"{group} #") for ln in lines) and tried >= GROUPS[group]
