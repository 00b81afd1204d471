"""Numba tile coding (fastfa.kernels.features.tiles) == Cython tiles3 == the published algorithm."""

import random
import warnings

import numpy as np
import pytest
from conftest import scale
from naive import RefIHT, ref_tiles, ref_tileswrap

import fastfa.tiles3 as t3
from fastfa.kernels.features import tiles as K

NOWRAP = np.zeros(0, np.int64)


def _calls(n, seed, wrap=False):
    rng = random.Random(seed)
    for _ in range(n):
        nt = rng.choice([1, 2, 4, 8, 16, 5])
        d = rng.choice([1, 2, 3, 4])
        x = [rng.uniform(-6, 6) if rng.random() < 0.9 else rng.choice([-1e12, 3e14]) for _ in range(d)]
        ints = [rng.randint(-3, 3) for _ in range(rng.choice([0, 1, 2]))]
        widths = [rng.choice([0, 1, 3, 7]) for _ in range(d)] if wrap else []
        yield nt, x, ints, widths, rng.random() < 0.1


@pytest.mark.parametrize("wrap", [False, True])
@pytest.mark.parametrize("size", [1, 4096, 1000003, 2**20])
def test_stateless_hash_equals_tiles3_hash_mode(size, wrap):
    out = np.empty(16, np.int64)
    for nt, x, ints, widths, _ in _calls(scale(2000, 200), size + wrap, wrap):
        K.tiles_hash(size, nt, np.array(x), np.array(ints, np.int64), np.array(widths, np.int64), out)
        if wrap:
            want = ref_tileswrap(size, nt, x, widths, ints)
            assert t3.tileswrap(size, nt, x, widths, ints) == want
        else:
            want = ref_tiles(size, nt, x, ints)
            assert t3.tiles(size, nt, x, ints) == want
        assert out[:nt].tolist() == want


@pytest.mark.parametrize("wrap", [False, True])
@pytest.mark.parametrize("size", [13, 512, 8192])
def test_array_iht_equals_tiles3_iht(size, wrap):
    """Same insertion order -> same indices, same overflow hashing, same counters."""
    keys, slots, meta = K.iht_new(size, 8)
    cy, ref = t3.IHT(size), RefIHT(size)
    out = np.empty(16, np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for nt, x, ints, widths, ro in _calls(scale(2000, 200), size * 3 + wrap, wrap):
            K.tiles_iht(
                keys, slots, meta, nt, np.array(x), np.array(ints, np.int64), np.array(widths, np.int64), ro, out
            )
            if wrap:
                want = ref_tileswrap(ref, nt, x, widths, ints, ro)
                assert t3.tileswrap(cy, nt, x, widths, ints, ro) == want
            else:
                want = ref_tiles(ref, nt, x, ints, ro)
                assert t3.tiles(cy, nt, x, ints, ro) == want
            assert out[:nt].tolist() == [-1 if w is None else w for w in want]
    assert meta[0] == ref.count() == cy.count()
    assert meta[1] == ref.overfull == cy.overfullCount


def test_py_tuple_hash_hand_cases():
    for coords in ([], [0], [-1], [-2], [1, 2, 3], [2**61 - 1, 2**61, -(2**61)], [2**62, -(2**63) + 1]):
        arr = np.array(coords, np.int64)
        for m in (1, 7, 2**31, 2**61 - 1):
            assert K.py_tuple_hash_mod(arr, len(coords), m) == hash(tuple(coords)) % m


def test_batches_equal_single_calls():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2)) * 3
    iv = rng.integers(0, 3, size=(300, 1))
    out = np.empty((300, 8), np.int64)
    K.tiles_hash_batch(4096, 8, x, iv, NOWRAP, out)
    np.testing.assert_array_equal(out, t3.tiles_batch(4096, 8, x, iv))
    keys, slots, meta = K.iht_new(1024, 4)
    K.tiles_iht_batch(keys, slots, meta, 8, x, iv, NOWRAP, False, out)
    np.testing.assert_array_equal(out, t3.tiles_batch(t3.IHT(1024), 8, x, iv))


def test_terminal_like_edges():
    """Zero floats, one tiling, no ints; a readonly miss on an empty table."""
    out = np.empty(1, np.int64)
    K.tiles_hash(97, 1, np.zeros(0), np.zeros(0, np.int64), NOWRAP, out)
    assert out[0] == hash((0,)) % 97
    keys, slots, meta = K.iht_new(4, 2)
    K.tiles_iht(keys, slots, meta, 1, np.zeros(1), np.zeros(0, np.int64), NOWRAP, True, out)
    assert out[0] == -1 and meta[0] == 0
