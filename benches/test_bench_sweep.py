"""Overhead of fastfa.sweep against the plain-Python baselines running the same cells.

    pytest benches/test_bench_sweep.py --benchmark-enable --benchmark-only -q

The cells are benches/sweep_mc_cell.py's Mountain Car Sarsa(λ) populations (Fig 12.10
style, 2 λ x 3 α x 8 runs x 50 episodes): the baselines call the cell directly, in a
loop or through ``concurrent.futures.ProcessPoolExecutor.map``, without part files,
resume, retries or seed bookkeeping.  The end-to-end comparison of backends (including
start-up) is benches/bench_sweep.py.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from sweep_mc_cell import mc_cell  # noqa: E402

import fastfa  # noqa: E402
from fastfa._sweep.plan import expand, normalize_grid, seed_sequence  # noqa: E402

GRID = {"alpha": [0.4, 0.8, 1.2], "lam": [0.0, 0.9]}
SEEDS = 8


def _jobs():
    return [(p.params, [seed_sequence(0, p.hash, s) for s in range(SEEDS)]) for p in expand(normalize_grid(GRID))]


def _call(job):
    return mc_cell(*job)


@pytest.fixture(scope="module", autouse=True)
def warm():
    mc_cell({"alpha": 0.5, "lam": 0.5}, [])


def test_plain_loop(benchmark):
    out = benchmark.pedantic(lambda: [_call(j) for j in _jobs()], rounds=3, iterations=1)
    assert len(out) == 6


def test_sweep_serial(benchmark, tmp_path):
    res = benchmark.pedantic(
        lambda: fastfa.sweep(
            mc_cell, grid=GRID, seeds=SEEDS, backend="serial", out=tmp_path / "s", resume=False, progress=False
        ),
        rounds=3,
        iterations=1,
    )
    plain = np.concatenate([_call(j)["value"] for j in _jobs()])
    np.testing.assert_array_equal(res.df["value"].to_numpy(), plain)


def test_plain_process_pool(benchmark):
    def go():
        with cf.ProcessPoolExecutor(2, mp_context=mp.get_context("forkserver")) as ex:
            return list(ex.map(_call, _jobs()))

    out = benchmark.pedantic(go, rounds=2, iterations=1)
    assert len(out) == 6


def test_sweep_process(benchmark, tmp_path):
    res = benchmark.pedantic(
        lambda: fastfa.sweep(
            mc_cell,
            grid=GRID,
            seeds=SEEDS,
            backend="process",
            n_workers=2,
            out=tmp_path / "p",
            resume=False,
            progress=False,
        ),
        rounds=2,
        iterations=1,
    )
    assert res.n_computed == 6 * SEEDS
