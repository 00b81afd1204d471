"""Grid tile coding = tiles3's partition (relabelled): a bijection between tile indices per tiling."""

import numpy as np
import pytest
from conftest import scale

from fastfa import tiles3
from fastfa.kernels.features.gridtiles import grid_spec, grid_tiles


@pytest.mark.parametrize("d,n,T", [(2, 8, 8), (3, 4, 4), (1, 10, 5)])
def test_same_partition_as_tiles3(d, n, T):
    rng = np.random.default_rng(d)
    low = rng.uniform(-3, 0, d)
    high = low + rng.uniform(0.1, 4, d)
    cf, ci, nf = grid_spec(low, high, n, T)
    iht = tiles3.IHT(1 << 20)
    fwd, back = {}, {}
    out = np.empty(T, np.int64)
    pts = rng.uniform(low, high, (scale(3000, 400), d))
    pts[:5] = low
    pts[5:10] = high  # the box corners hit the extreme tiles
    for x in pts:
        grid_tiles(x, cf, ci, out)
        assert ((0 <= out) & (out < nf)).all()
        assert (out // ci[1] == np.arange(T)).all()  # tiling t owns a block
        ref = tiles3.tiles(iht, T, [n * float(v) / (h - l) for v, l, h in zip(x, low, high)])
        for a, b in zip(ref, out):
            assert fwd.setdefault(a, b) == b and back.setdefault(b, a) == a


def test_clip_and_hand_case():
    cf, ci, nf = grid_spec([0.0], [1.0], 2, 2)  # q in [0, 4]; tiling 1 offset 1
    assert nf == 2 * 3
    out = np.empty(2, np.int64)
    grid_tiles(np.array([0.0]), cf, ci, out)
    assert list(out) == [0, 3]
    grid_tiles(np.array([0.3]), cf, ci, out)
    assert list(out) == [0, 4]  # q=1 -> c0=0, c1=1
    grid_tiles(np.array([1.0]), cf, ci, out)
    assert list(out) == [2, 5]
    grid_tiles(np.array([7.0]), cf, ci, out)
    assert list(out) == [2, 5]  # clipped to high
    grid_tiles(np.array([-7.0]), cf, ci, out)
    assert list(out) == [0, 3]


def test_anchored_single_tiling_is_the_discretizer():
    from fastfa.features import Discretizer

    rng = np.random.default_rng(7)
    low, high, bins = np.array([-1.2, -0.07]), np.array([0.5, 0.07]), [7, 5]
    cf, ci, nf = grid_spec(low, high, bins, 1, anchor=True)
    assert nf == 35
    disc = Discretizer(low, high, bins)
    out = np.empty(1, np.int64)
    pts = np.vstack([rng.uniform(low, high, (scale(2000, 300), 2)), low, high, [[0.5, -0.07], [-1.2, 0.07]]])
    for x in pts:
        grid_tiles(x, cf, ci, out)
        assert out[0] == disc.indices(x)[0], x


@pytest.mark.parametrize("d,n,T,anchor", [(2, 8, 8, False), (3, 4, 4, True), (1, 10, 5, False), (4, 3, 6, True)])
def test_consts_layout_gives_the_same_indices(d, n, T, anchor):
    """grid_tiles_consts (layout in a tuple, one pass per tiling; the fused loops' coder) equals
    grid_tiles for power-of-two and other tiling counts, anchored or not, inside and outside the box."""
    import numba

    from fastfa.kernels.features.gridtiles import grid_consts, grid_tiles_consts

    @numba.njit
    def code_all(xs, cf, ci, out):
        g = grid_consts(cf, ci, d)
        for i in range(xs.shape[0]):
            grid_tiles_consts(xs[i], g, out[i])

    rng = np.random.default_rng(10 + d)
    low = rng.uniform(-3, 0, d)
    high = low + rng.uniform(0.1, 4, d)
    cf, ci, _ = grid_spec(low, high, n, T, anchor=anchor)
    xs = rng.uniform(low - 1, high + 1, (scale(2000, 200), d))
    xs[:3] = low
    xs[3:6] = high
    got = np.empty((xs.shape[0], T), np.int64)
    code_all(xs, cf, ci, got)
    ref = np.empty(T, np.int64)
    for x, row in zip(xs, got):
        grid_tiles(x, cf, ci, ref)
        np.testing.assert_array_equal(row, ref)


@pytest.mark.parametrize("anchor,T", [(False, 8), (False, 5), (True, 1), (True, 4)])
def test_batch_equals_the_kernel(anchor, T):
    """The NumPy batch coder (plots) gives the kernel's indices, in and outside the box, at its edges."""
    from fastfa.kernels.features.gridtiles import grid_tiles_batch

    rng = np.random.default_rng(T)
    low, high = np.array([-1.2, -0.07, 0.0]), np.array([0.6, 0.07, 3.0])
    cf, ci, nf = grid_spec(low, high, [8, 8, 3], T, anchor=anchor)
    X = rng.uniform(low - 0.5, high + 0.5, (500, 3))
    X[:3], X[3:6] = low, high
    got = grid_tiles_batch(X, cf, ci)
    want = np.empty((len(X), T), np.int64)
    for i, x in enumerate(X):
        grid_tiles(x, cf, ci, want[i])
    np.testing.assert_array_equal(got, want)
    assert got.min() >= 0 and got.max() < nf
