"""Benches import the test references (tests/naive.py) as their pure-Python baselines."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
