"""kNN regression: brute force against a sorting reference, the k-d tree against brute force, scikit-learn,
hand-computed weights and TD updates, the ring memory, input checks."""

import numpy as np
import pytest
from conftest import scale
from naive import naive_knn, naive_knn_predict

from fastfa.approx import KNNRegressor


def _memory(X, y, **kw):
    m = KNNRegressor(len(X), X.shape[1], **kw)
    m.add(X, y)
    return m


@pytest.mark.parametrize("grid", [False, True])  # grid: integer points, many tied distances
@pytest.mark.parametrize("algorithm", ["brute", "kdtree"])
def test_neighbours_equal_sorting_reference(grid, algorithm):
    rng = np.random.default_rng(0)
    n = scale(500, 150)
    X = rng.integers(0, 6, (n, 2)).astype(float) if grid else rng.random((n, 3))
    m = _memory(X, rng.random(n), k=7, algorithm=algorithm, leaf_size=3)
    for q in rng.integers(0, 6, (30, 2)) + 0.5 * (rng.random((30, 2)) < 0.5) if grid else rng.random((30, 3)):
        rows, d2 = m.neighbors(q)
        ref_rows, ref_d2 = naive_knn(X, q, 7)
        np.testing.assert_array_equal(rows, ref_rows)
        np.testing.assert_array_equal(d2, ref_d2)


@pytest.mark.parametrize("leaf_size", [1, 4, 64])
def test_kdtree_predictions_equal_brute_force(leaf_size):
    rng = np.random.default_rng(1)
    n = scale(2000, 300)
    X = np.vstack([rng.random((n, 2)), np.zeros((5, 2))])  # duplicates too
    y = rng.random((n + 5, 3))
    Q = rng.random((200, 2)) * 1.4 - 0.2  # some outside the data's box
    for kernel in ("uniform", "gaussian"):
        kd = _memory(X, y, k=10, n_outputs=3, kernel=kernel, bandwidth=0.05, algorithm="kdtree", leaf_size=leaf_size)
        br = _memory(X, y, k=10, n_outputs=3, kernel=kernel, bandwidth=0.05)
        np.testing.assert_array_equal(kd.predict(Q), br.predict(Q))
        np.testing.assert_allclose(br.predict(Q), naive_knn_predict(X, y, Q, 10, kernel, 0.05), rtol=1e-12)


def test_equals_sklearn_kneighbors():
    neighbors = pytest.importorskip("sklearn.neighbors")
    rng = np.random.default_rng(2)
    X, y = rng.random((scale(3000, 400), 2)), rng.random(scale(3000, 400))
    Q = rng.random((100, 2))
    ref = neighbors.KNeighborsRegressor(n_neighbors=10).fit(X, y).predict(Q)
    for algorithm in ("brute", "kdtree"):
        np.testing.assert_allclose(_memory(X, y, k=10, algorithm=algorithm).predict(Q), ref, rtol=1e-12)


def test_huge_k_and_leaf_size():
    m = _memory(np.array([[0.0], [1.0], [2.0]]), [0.0, 1.0, 5.0], k=10**30, algorithm="kdtree", leaf_size=10**30)
    assert m.predict([[0.0]])[0] == pytest.approx(2.0, rel=1e-15)  # min(k, size) = 3 neighbours


def test_gaussian_weights_hand_computed():
    m = _memory(np.array([[0.0], [1.0], [3.0]]), [0.0, 1.0, 9.0], k=2, kernel="gaussian", bandwidth=1.0)
    # q = 0.25: neighbours 0 (d² = 1/16) and 1 (d² = 9/16); w ∝ exp(-d²/2)
    w0, w1 = np.exp(-1 / 32), np.exp(-9 / 32)
    assert m.predict([[0.25]])[0] == pytest.approx(w1 / (w0 + w1), rel=1e-14)
    # far away: the shift by the nearest distance keeps the weights from underflowing to 0/0
    assert np.isfinite(m.predict([[1e6]])[0])
    assert m.predict([[1e3]])[0] == pytest.approx(9.0 * np.exp(0) / 1.0, rel=1e-12)  # nearest dominates


def test_td_update_hand_computed():
    m = _memory(np.array([[0.0], [1.0], [5.0]]), [0.0, 1.0, 4.0], k=2)
    delta = m.update([0.4], target=2.0, alpha=0.5)
    # v̂ = (0 + 1)/2 = 0.5, δ = 1.5, each neighbour moves by α w̄ δ = 0.5 · 0.5 · 1.5
    assert delta == 1.5
    assert m.Y[:3, 0].tolist() == [0.375, 1.375, 4.0]
    q = _memory(np.array([[0.0], [1.0]]), np.zeros((2, 3)), k=1, n_outputs=3)
    q.update([0.9], target=-1.0, alpha=1.0, output=2)
    assert q.Y.tolist() == [[0, 0, 0], [0, 0, -1.0]]


def test_ring_memory_replaces_oldest_and_kdtree_rebuilds():
    m = KNNRegressor(3, 1, k=1, algorithm="kdtree")
    m.add([[0.0], [1.0]], [0.0, 1.0])
    assert m.predict([[0.1]])[0] == 0.0
    m.add([[2.0], [3.0]], [2.0, 3.0])  # replaces row 0 (the oldest)
    assert m.size == 3 and sorted(m.X[:, 0].tolist()) == [1.0, 2.0, 3.0]
    assert m.predict([[0.1]])[0] == 1.0
    assert KNNRegressor(5, 1, k=10).__class__  # k > size is allowed: min(k, size) neighbours
    small = _memory(np.array([[0.0], [2.0]]), [1.0, 3.0], k=10)
    assert small.predict([[0.0]])[0] == 2.0


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"capacity": 0}, "capacity must be an int >= 1"),
        ({"n_dims": 0}, "n_dims must be an int >= 1"),
        ({"k": 0}, "k must be an int >= 1"),
        ({"k": 1.5}, "k must be"),
        ({"n_outputs": 0}, "n_outputs"),
        ({"kernel": "tricube"}, "kernel must be one of"),
        ({"algorithm": "ball"}, "algorithm must be one of"),
        ({"bandwidth": 0.0}, "bandwidth must be a finite number > 0"),
        ({"bandwidth": np.nan}, "bandwidth"),
        ({"leaf_size": 0}, "leaf_size must be an int >= 1"),
    ],
)
def test_arguments_are_checked(kwargs, match):
    args = dict(capacity=10, n_dims=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        KNNRegressor(**args)


def test_data_are_checked():
    m = KNNRegressor(10, 2, k=3)
    with pytest.raises(RuntimeError, match="empty"):
        m.predict([[0.0, 0.0]])
    with pytest.raises(ValueError, match="X must have 2 columns"):
        m.add([[0.0, 0.0, 1.0]], [1.0])
    with pytest.raises(ValueError, match="X must be finite"):
        m.add([[0.0, np.nan]], [1.0])
    with pytest.raises(ValueError, match="y must be finite"):
        m.add([[0.0, 0.0]], [np.inf])
    with pytest.raises(ValueError, match=r"y must have shape \(2, 1\)"):
        m.add([[0.0, 0.0], [1.0, 1.0]], [1.0])
    m.add([[0.0, 0.0], [1.0, 1.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="X must be finite"):
        m.predict([[np.inf, 0.0]])
    with pytest.raises(ValueError, match="output must be an int in"):
        m.update([0.0, 0.0], 1.0, 0.1, output=1)
    with pytest.raises(ValueError, match="alpha must be in"):
        m.update([0.0, 0.0], 1.0, 1.5)
    with pytest.raises(ValueError, match="target must be a finite"):
        m.update([0.0, 0.0], np.nan, 0.1)
    with pytest.raises(ValueError, match="x must be one state"):
        m.update(np.zeros((2, 2)), 1.0, 0.1)
