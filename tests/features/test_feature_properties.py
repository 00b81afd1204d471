"""Property tests (hypothesis) for the feature classes: ranges, shapes, clipping, batch == single."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fastfa.features import RBF, CoarseCoding, Discretizer, Fourier, Polynomial, TileCoder, Wavelet

coord = st.floats(-5, 5, allow_nan=False)
obs2 = st.tuples(coord, coord)


@settings(max_examples=40, deadline=None)
@given(obs2)
def test_dense_bases_ranges_and_batch(x):
    x = np.array(x)
    for f, lo, hi in [
        (Fourier([-1, -2], [1, 2], 3), -1, 1),
        (Polynomial([-1, -2], [1, 2], 3), 0, 1),
        (RBF([-1, -2], [1, 2], 3, 0.4), 0, 1),
    ]:
        v = f.transform(x)
        assert v.shape == (f.n_features,) and np.all(v >= lo - 1e-12) and np.all(v <= hi + 1e-12)
        assert np.array_equal(f.transform_batch(x[None])[0], v)
        assert np.array_equal(f.transform(np.clip(x, f.low, f.high)), v)  # clipping to the box
    w = Wavelet([-1, -2], [1, 2], 2)
    hv = w.transform(x)
    assert np.all(np.abs(hv) <= 2.0 + 1e-12) and hv[0] == 1.0


@settings(max_examples=40, deadline=None)
@given(obs2, st.integers(0, 2))
def test_sparse_features_index_ranges(x, a):
    x = np.array(x)
    tc = TileCoder([-1, -2], [1, 2], [3, 4], 5, n_actions=3, size=97)
    idx = tc.indices(x, a)
    assert idx.shape == (5,) and idx.min() >= 0 and idx.max() < 97
    assert np.array_equal(tc.indices_batch(x[None], [a])[0], idx)
    g = Discretizer([-1, -2], [1, 2], [4, 6])
    c = g.indices(x)[0]
    assert 0 <= c < 24 and g.cell(x) == tuple(np.unravel_index(c, (4, 6)))
    cc = CoarseCoding([-1, -2], [1, 2], n_centres=[4, 4], radius=0.3)
    ci = cc.indices(x)
    assert np.all(np.diff(ci) > 0) and (ci.size == 0 or (ci.min() >= 0 and ci.max() < 16))


@settings(max_examples=30, deadline=None)
@given(st.floats(0, 1, allow_nan=False), st.floats(0, 1, allow_nan=False))
def test_tile_generalisation_shrinks_with_distance(u, d):
    """Points closer than a tile width share tiles; sharing never grows with distance along a line."""
    tc = TileCoder(0, 1, 4, 8, mode="iht", size=1024)
    base = tc.indices(u)
    shared = [np.intersect1d(base, tc.indices(min(u + k * d * 0.25 / 8, 1.0))).size for k in range(9)]
    assert shared[0] == 8
    assert all(b <= a for a, b in zip(shared, shared[1:]))
