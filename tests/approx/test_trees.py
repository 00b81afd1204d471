"""CART and extra-trees: scikit-learn as the oracle, a plain recursive CART, hand-computed cases, input checks."""

import numpy as np
import pytest
from conftest import scale
from naive import naive_cart

from fastfa.approx import ExtraTrees, RegressionTree


def _data(n, d, seed=0):
    """float32 rows without ties (scikit-learn fits on float32) and a smooth noisy target."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, d)).astype(np.float32)
    y = np.sin(6 * X[:, 0]) + X[:, -1] ** 2 + 0.1 * rng.standard_normal(n)
    assert all(len(np.unique(X[:, j])) == n for j in range(d))
    return X, y


def _sk_nodes(tree):
    t = tree.tree_
    return t.feature, t.threshold, t.children_left, t.children_right, t.value[:, 0, 0], t.n_node_samples


# (n, d, max_depth, min_samples_split, min_samples_leaf): no two splits of a node tie on these data
# (with several features, a node of a handful of rows can be split the same way by two features:
#  scikit-learn then picks one at random, so full-depth trees are compared on one feature)
CASES = [(300, 1, None, 2, 1), (400, 3, 4, 2, 1), (400, 3, None, 2, 5), (300, 2, None, 10, 3), (200, 4, 3, 2, 20)]


@pytest.mark.parametrize("n,d,max_depth,mss,msl", CASES)
def test_tree_equals_sklearn(n, d, max_depth, mss, msl):
    tree_mod = pytest.importorskip("sklearn.tree")
    n = scale(n, n // 2)
    X, y = _data(n, d, seed=n + d)
    ours = RegressionTree(max_depth=max_depth, min_samples_split=mss, min_samples_leaf=msl).fit(X, y)
    sk = tree_mod.DecisionTreeRegressor(
        max_depth=max_depth, min_samples_split=mss, min_samples_leaf=msl, random_state=0
    ).fit(X, y)
    f, thr, left, right, value, n_node = _sk_nodes(sk)
    assert ours.node_count == sk.tree_.node_count
    np.testing.assert_array_equal(ours.feature, f)
    np.testing.assert_array_equal(ours.threshold, thr)  # bit-identical cut-points
    np.testing.assert_array_equal(ours.left, left)
    np.testing.assert_array_equal(ours.right, right)
    np.testing.assert_array_equal(ours.n_node, n_node)
    np.testing.assert_allclose(ours.value, value, rtol=1e-12, atol=1e-12)  # means summed in another order
    Xt = np.random.default_rng(1).random((500, d)).astype(np.float32)
    np.testing.assert_allclose(ours.predict(Xt), sk.predict(Xt), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("max_depth,msl", [(None, 1), (4, 1), (None, 4)])
def test_tree_equals_naive_cart(max_depth, msl):
    X, y = _data(60, 2, seed=3)
    ours = RegressionTree(max_depth=max_depth, min_samples_leaf=msl).fit(X, y)
    ref = naive_cart(X, y, max_depth=max_depth, min_samples_leaf=msl)
    assert ours.node_count == len(ref)
    for j, node in enumerate(ref):
        assert (ours.feature[j], ours.left[j], ours.right[j], ours.n_node[j]) == (
            node["feature"],
            node["left"],
            node["right"],
            node["n"],
        )
        assert ours.threshold[j] == node["threshold"]
        assert ours.value[j] == pytest.approx(node["value"], rel=1e-12, abs=1e-12)


def test_hand_computed_stump():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([1.0, 1.0, 5.0, 7.0])
    t = RegressionTree(max_depth=1).fit(X, y)
    # cuts 0.5: SSE 0 + 18.67; 1.5: 0 + 2 (best); 2.5: 10.67 + 0
    assert t.feature.tolist() == [0, -2, -2] and t.threshold[0] == 1.5
    assert t.value.tolist() == [3.5, 1.0, 6.0]
    assert t.predict([[1.5], [1.50001], [-9.0]]).tolist() == [1.0, 6.0, 1.0]
    assert t.predict([2.0]) == 6.0  # one row -> a float


def test_leaves_and_limits():
    X, y = _data(200, 3)
    t = RegressionTree(min_samples_leaf=7, max_depth=5).fit(X, y)
    leaves = t.left < 0
    assert (t.n_node[leaves] >= 7).all()
    # depth of every node <= 5
    depth = np.zeros(t.node_count, int)
    for j in range(t.node_count):
        if t.left[j] >= 0:
            depth[t.left[j]] = depth[t.right[j]] = depth[j] + 1
    assert depth.max() == 5
    assert t.n_node[leaves].sum() == 200
    # an unlimited tree on distinct rows fits its training targets exactly
    full = RegressionTree().fit(X, y)
    np.testing.assert_array_equal(full.predict(X), y)


def test_huge_limits_mean_no_limit():
    # Python ints beyond int64 must not overflow on their way into a kernel
    X, y = _data(40, 2)
    big = 10**30
    t = RegressionTree(max_depth=big).fit(X, y)
    assert t.node_count == RegressionTree().fit(X, y).node_count
    assert RegressionTree(min_samples_split=big).fit(X, y).node_count == 1
    assert RegressionTree(min_samples_leaf=big).fit(X, y).node_count == 1
    assert ExtraTrees(2, max_depth=big, seed=0).fit(X, y).node_count > 1


def test_degenerate_data():
    assert RegressionTree().fit([[1.0]], [3.0]).predict([[0.0]]).tolist() == [3.0]  # one row: one leaf
    t = RegressionTree().fit(np.ones((5, 2)), np.arange(5.0))  # constant features: no split
    assert t.node_count == 1 and t.value[0] == 2.0
    t = RegressionTree().fit(np.arange(6.0).reshape(-1, 1), np.full(6, 2.5))  # constant target
    assert t.node_count == 1
    assert RegressionTree(max_depth=0).fit(*_data(50, 2)).node_count == 1


def test_extra_trees_deterministic_and_interpolating():
    X, y = _data(scale(300, 80), 3)
    a = ExtraTrees(8, seed=5).fit(X, y)
    b = ExtraTrees(8, seed=5).fit(X, y)
    c = ExtraTrees(8, seed=6).fit(X, y)
    for name in ("feature", "threshold", "left", "right", "value", "roots"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.threshold, c.threshold)
    # fully grown (n_min = 2) trees on distinct rows put every training row in its own leaf
    np.testing.assert_allclose(a.predict(X), y, rtol=0, atol=1e-12)
    assert a.roots.tolist()[0] == 0 and len(a.roots) == 8


def test_extra_trees_cut_points_are_uniform():
    # one feature, stumps: the root cut of each tree is uniform on [min, max) (Geurts et al. 2006, Alg. 1)
    X = np.linspace(0.0, 1.0, 11).reshape(-1, 1)
    y = X[:, 0] ** 2
    e = ExtraTrees(scale(2000, 300), max_depth=1, seed=0).fit(X, y)
    cuts = e.threshold[e.roots]
    assert ((cuts >= 0.0) & (cuts < 1.0)).all()
    m = len(cuts)
    assert abs(cuts.mean() - 0.5) < 4 * np.sqrt(1 / 12 / m)  # mean of U(0,1), 4 standard errors
    assert abs(np.mean(cuts < 0.25) - 0.25) < 4 * np.sqrt(0.25 * 0.75 / m)


def test_extra_trees_agree_with_sklearn_statistically():
    ensemble = pytest.importorskip("sklearn.ensemble")
    n = scale(400, 120)
    X, y = _data(n, 3, seed=11)
    Xt, yt = _data(1000, 3, seed=13)
    mse = lambda p: float(((p - yt) ** 2).mean())  # noqa: E731
    ours = [mse(ExtraTrees(20, min_samples_split=5, seed=s).fit(X, y).predict(Xt)) for s in range(3)]
    theirs = [
        mse(ensemble.ExtraTreesRegressor(20, min_samples_split=5, random_state=s).fit(X, y).predict(Xt))
        for s in range(3)
    ]
    # the same algorithm: test errors within 25 % of each other (different random streams)
    assert 0.8 < np.mean(ours) / np.mean(theirs) < 1.25, (ours, theirs)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"max_depth": -1}, "max_depth must be an int >= 0"),
        ({"max_depth": 2.5}, "max_depth"),
        ({"min_samples_leaf": 0}, "min_samples_leaf must be an int >= 1"),
        ({"min_samples_split": 1}, "min_samples_split must be an int >= 2"),
        ({"min_samples_split": True}, "split"),
    ],
)
def test_tree_arguments_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RegressionTree(**kwargs)
    with pytest.raises(ValueError, match=match):
        ExtraTrees(3, **kwargs)


def test_data_are_checked():
    X, y = _data(20, 2)
    with pytest.raises(ValueError, match="X must be 2-D"):
        RegressionTree().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="at least 1 row"):
        RegressionTree().fit(np.empty((0, 2)), [])
    with pytest.raises(ValueError, match=r"y must have shape \(20,\)"):
        RegressionTree().fit(X, y[:5])
    for bad in (np.nan, np.inf):
        Xb = X.astype(float)
        Xb[3, 1] = bad
        with pytest.raises(ValueError, match="X must be finite"):
            RegressionTree().fit(Xb, y)
        yb = y.copy()
        yb[0] = bad
        with pytest.raises(ValueError, match="y must be finite"):
            ExtraTrees(2).fit(X, yb)
    with pytest.raises(TypeError, match="X must hold real numbers"):
        RegressionTree().fit([["a", "b"]], [1.0])
    with pytest.raises(RuntimeError, match="not fitted"):
        RegressionTree().predict(X)
    t = RegressionTree().fit(X, y)
    with pytest.raises(ValueError, match="X must have 2 columns"):
        t.predict(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="X must be finite"):
        t.predict([[np.nan, 0.0]])
    with pytest.raises(ValueError, match=r"max_features must be in \[1, 2\]"):
        ExtraTrees(2, max_features=3).fit(X, y)
    with pytest.raises(ValueError, match="n_trees must be an int >= 1"):
        ExtraTrees(0)


def test_packed_prediction_equals_node_walk():
    # the packed, tree-by-tree prediction against the plain one-row-at-a-time walk over the node arrays
    from fastfa.kernels.approx.tree import forest_predict

    X, y = _data(300, 3, seed=5)
    e = ExtraTrees(6, min_samples_leaf=3, seed=1).fit(X, y)
    Q = np.random.default_rng(2).random((400, 3))
    ref = np.empty(400)
    forest_predict(e.roots, e.feature, e.threshold, e.left, e.right, e.value, Q, ref)
    np.testing.assert_array_equal(e.predict(Q), ref)
    inner = e.left >= 0
    assert e.packed.shape == (e.node_count, 2) and (e.left[inner] == np.flatnonzero(inner) + 1).all()
