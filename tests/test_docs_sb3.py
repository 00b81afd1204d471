"""The runnable snippet of docs/coming_from_sb3.md runs (in a temporary folder)."""

import re
from pathlib import Path

from conftest import scale

DOC = Path(__file__).resolve().parent.parent / "docs" / "coming_from_sb3.md"


def test_sb3_page_snippet_runs(tmp_path, monkeypatch):
    code = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)[0]
    # the DQN trains only after learning_starts=1000 steps: 1100 steps make a few updates (none interpreted)
    code = code.replace("total_steps=20_000", f"total_steps={scale(1100, 1000)}").replace("episodes=50", "episodes=3")
    monkeypatch.chdir(tmp_path)
    ns = {}
    exec(compile(code, str(DOC), "exec"), ns)
    assert ns["again"].predict([0.0, 0.1, 0.02, -0.1]) == ns["action"]
    assert len(ns["result"].returns) == 5 and ns["sarsa"].log.n_episodes == 3
