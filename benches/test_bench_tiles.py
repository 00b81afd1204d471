"""Tile coding speed: fastfa vs the pure-Python tiles3 algorithm, in the same run.

    pytest benches/test_bench_tiles.py --benchmark-enable --benchmark-only \
        --benchmark-group-by=group --benchmark-columns=mean,median,ops

Each group pairs fastfa with its baseline (tests/naive.py: the published
algorithm), so the report reads as ratios.
"""

import numpy as np
import pytest
from naive import RefIHT, ref_tiles

import fastfa.tiles3 as t3
from fastfa.kernels.features import tiles as K
from fastfa.kernels._jit import njit

RNG = np.random.default_rng(0)
STATES_2D = [list(s) for s in RNG.uniform(0, 8, size=(1000, 2))]
STATES_4D = [list(s) for s in RNG.uniform(0, 4, size=(1000, 4))]
BATCH_X = RNG.uniform(0, 8, size=(100_000, 2))
BATCH_A = RNG.integers(0, 3, size=(100_000, 1))


FRESH_2D = [list(s) for s in RNG.uniform(0, 8, size=(200_000, 2))]


def _fresh_chunks(n=1000):
    """Each round a new slice of 1000 never-seen states (the memo of repeated calls cannot help)."""
    import itertools

    return itertools.cycle([FRESH_2D[i : i + n] for i in range(0, len(FRESH_2D), n)])


def _per_call_fresh(fn, table, nt, ints):
    chunks = _fresh_chunks()

    def run():
        for s in next(chunks):
            fn(table, nt, s, ints)

    return run


def _per_call(fn, table, nt, states, ints):
    def run():
        for s in states:
            fn(table, nt, s, ints)

    return run


@pytest.mark.benchmark(group="per-call 8 tilings, 2-D + 1 int, IHT 4096 (1000 calls)")
def test_percall_8x2_fastfa(benchmark):
    # the same 1000 states every round (as an agent revisiting states): the memo answers most calls
    benchmark(_per_call(t3.tiles, t3.IHT(4096), 8, STATES_2D, [1]))


@pytest.mark.benchmark(group="per-call 8 tilings, 2-D + 1 int, IHT 4096 (1000 calls)")
def test_percall_8x2_pure_tiles3(benchmark):
    benchmark(_per_call(ref_tiles, RefIHT(4096), 8, STATES_2D, [1]))


@pytest.mark.benchmark(group="per-call, never-repeated states: 8 tilings, 2-D + 1 int, IHT 65536 (1000 calls)")
def test_percall_fresh_8x2_fastfa(benchmark):
    benchmark(_per_call_fresh(t3.tiles, t3.IHT(65536), 8, [1]))


@pytest.mark.benchmark(group="per-call, never-repeated states: 8 tilings, 2-D + 1 int, IHT 65536 (1000 calls)")
def test_percall_fresh_8x2_pure_tiles3(benchmark):
    benchmark(_per_call_fresh(ref_tiles, RefIHT(65536), 8, [1]))


@pytest.mark.benchmark(group="per-call 32 tilings, 4-D, IHT 65536 (1000 calls)")
def test_percall_32x4_fastfa(benchmark):
    benchmark(_per_call(t3.tiles, t3.IHT(65536), 32, STATES_4D, ()))


@pytest.mark.benchmark(group="per-call 32 tilings, 4-D, IHT 65536 (1000 calls)")
def test_percall_32x4_pure_tiles3(benchmark):
    benchmark(_per_call(ref_tiles, RefIHT(65536), 32, STATES_4D, ()))


@pytest.mark.benchmark(group="batch 1e5 states, 8 tilings, 2-D + 1 int, IHT 4096")
def test_batch_fastfa(benchmark):
    iht = t3.IHT(4096)
    benchmark(t3.tiles_batch, iht, 8, BATCH_X, BATCH_A)


@pytest.mark.benchmark(group="batch 1e5 states, 8 tilings, 2-D + 1 int, IHT 4096")
def test_batch_fastfa_hash_mode(benchmark):
    benchmark(t3.tiles_batch, 4096, 8, BATCH_X, BATCH_A)


@pytest.mark.benchmark(group="batch 1e5 states, 8 tilings, 2-D + 1 int, IHT 4096")
def test_batch_pure_tiles3_loop(benchmark):
    xs, acts = BATCH_X[:5000].tolist(), BATCH_A[:5000].tolist()

    def run():  # 5000 states (1/20 of the batch): multiply the time by 20 to compare
        iht = RefIHT(4096)
        for x, a in zip(xs, acts):
            ref_tiles(iht, 8, x, a)

    benchmark(run)


@njit
def _numba_loop(keys, slots, meta, x, a, out):
    nowrap = np.zeros(0, np.int64)
    coords = np.empty(4, np.int64)
    s = 0
    for i in range(x.shape[0]):
        K.tiles_iht_into(keys, slots, meta, 8, x[i], a[i], nowrap, False, coords, out)
        s += out[0]
    return s


@njit
def _numba_loop_hash(x, a, out):
    nowrap = np.zeros(0, np.int64)
    s = 0
    for i in range(x.shape[0]):
        K.tiles_hash(4096, 8, x[i], a[i], nowrap, out)
        s += out[0]
    return s


@pytest.mark.benchmark(group="inside a jitted loop: 1e5 states, 8 tilings, 2-D + 1 int")
def test_numba_loop_array_iht(benchmark):
    keys, slots, meta = K.iht_new(4096, 4)
    out = np.empty(8, np.int64)
    _numba_loop(keys, slots, meta, BATCH_X[:10], BATCH_A[:10], out)
    benchmark(_numba_loop, keys, slots, meta, BATCH_X, BATCH_A, out)


@pytest.mark.benchmark(group="inside a jitted loop: 1e5 states, 8 tilings, 2-D + 1 int")
def test_numba_loop_stateless_hash(benchmark):
    out = np.empty(8, np.int64)
    _numba_loop_hash(BATCH_X[:10], BATCH_A[:10], out)
    benchmark(_numba_loop_hash, BATCH_X, BATCH_A, out)


@pytest.mark.benchmark(group="inside a jitted loop: 1e5 states, 8 tilings, 2-D + 1 int")
def test_numba_loop_pure_tiles3_loop(benchmark):
    xs, acts = BATCH_X[:5000].tolist(), BATCH_A[:5000].tolist()

    def run():  # 5000 states: multiply by 20
        iht = RefIHT(4096)
        for x, a in zip(xs, acts):
            ref_tiles(iht, 8, x, a)

    benchmark(run)
