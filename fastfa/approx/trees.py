"""Regression trees as value approximators: CART and extremely randomised trees (batch fit, fast predict).

:class:`RegressionTree` grows one CART tree (variance-reduction splits, Breiman et
al. 1984) with depth and minimum-leaf limits; on the same data and limits its
splits and predictions equal scikit-learn's ``DecisionTreeRegressor`` (up to how
that library breaks exact ties between splits).  :class:`ExtraTrees` averages M
extremely randomised trees (Geurts, Ernst & Wehenkel 2006): random features,
random cut-points, the best of K; the ensemble fitted Q-iteration uses (Ernst,
Geurts & Wehenkel 2005).

Both are regressors of ``y ≈ f(x)`` on rows ``x`` float64[d]: use them as ``v̂(s)``
with ``x = s``, or as ``q̂(s, a)`` with ``x = (s, a)`` (the action as a feature) or
one model per action.  They are *batch* learners: refit on a data set, not updated
per step (see ``docs/approximators.md`` for what that means online).

Example::

    >>> import numpy as np
    >>> from fastfa.approx import RegressionTree
    >>> X = np.linspace(0, 1, 8).reshape(-1, 1); y = (X[:, 0] > 0.5).astype(float)
    >>> RegressionTree(max_depth=1).fit(X, y).predict([[0.1], [0.9]])
    array([0., 1.])
"""

from __future__ import annotations

import numpy as np

from ._data import as_rows, as_targets, check_limit

__all__ = ["RegressionTree", "ExtraTrees"]

_NO_LIMIT = 2**62


def _tree_limits(max_depth: int | None, min_samples_split: int, min_samples_leaf: int) -> tuple[int, int, int]:
    md = _NO_LIMIT if max_depth is None else check_limit("max_depth", max_depth, 0)
    return (
        md,
        check_limit("min_samples_split", min_samples_split, 2),
        check_limit("min_samples_leaf", min_samples_leaf, 1),
    )


def _fit_one(X, y, md, mss, msl, K, randomized, rng):
    from ..kernels.approx.tree import tree_fit

    n = X.shape[0]
    cap = 2 * n - 1
    feature = np.empty(cap, np.int64)
    threshold = np.empty(cap)
    left = np.empty(cap, np.int64)
    right = np.empty(cap, np.int64)
    value = np.empty(cap)
    n_node = np.empty(cap, np.int64)
    impurity = np.empty(cap)
    c = tree_fit(X, y, md, mss, msl, K, randomized, rng, feature, threshold, left, right, value, n_node, impurity)
    return [a[:c].copy() for a in (feature, threshold, left, right, value, n_node, impurity)]


class _TreeModel:
    """Shared storage and prediction: flat node arrays of one tree or of several concatenated."""

    feature = threshold = left = right = value = n_node = impurity = roots = packed = None
    n_features_in_: int | None = None

    def _set_nodes(self, trees):
        offsets = np.cumsum([0] + [len(t[0]) for t in trees[:-1]])
        cols = list(zip(*trees))
        self.feature, self.threshold = np.concatenate(cols[0]), np.concatenate(cols[1])
        self.left = np.concatenate([np.where(t >= 0, t + o, t) for t, o in zip(cols[2], offsets)])
        self.right = np.concatenate([np.where(t >= 0, t + o, t) for t, o in zip(cols[3], offsets)])
        self.value, self.n_node, self.impurity = (np.concatenate(c) for c in cols[4:7])
        self.roots = offsets.astype(np.int64)
        from ..kernels.approx.tree import tree_pack

        self.packed = np.empty((self.feature.shape[0], 2), np.int64)
        if not tree_pack(self.feature, self.left, self.right, self.packed):
            raise RuntimeError("tree nodes are not in depth-first order")  # the builder guarantees it

    @property
    def node_count(self) -> int:
        """Total number of nodes (of all trees)."""
        return 0 if self.feature is None else int(self.feature.shape[0])

    @property
    def nbytes(self) -> int:
        """Memory held by the node arrays, in bytes."""
        if self.feature is None:
            return 0
        return sum(
            a.nbytes
            for a in (
                self.feature,
                self.threshold,
                self.left,
                self.right,
                self.value,
                self.n_node,
                self.impurity,
                self.roots,
                self.packed,
            )
        )

    def predict(self, X) -> np.ndarray:
        """Predictions for the rows of ``X`` (float[n, d], or one row float[d]): float64[n] (or a float)."""
        from ..kernels.approx.tree import forest_predict_packed

        if self.feature is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(X, y) first")
        one = np.ndim(X) == 1
        X = as_rows("X", np.atleast_2d(X) if one else X, self.n_features_in_)
        out = np.empty(X.shape[0])
        forest_predict_packed(self.roots, self.packed, self.threshold, self.value, X, out)
        return float(out[0]) if one else out


class RegressionTree(_TreeModel):
    """A CART regression tree.

    Args:
        max_depth: maximum depth (int ≥ 0; None: unlimited).
        min_samples_split: a node with fewer samples is a leaf (int ≥ 2).
        min_samples_leaf: every leaf keeps at least this many samples (int ≥ 1).

    After ``fit``: node arrays ``feature``, ``threshold``, ``left``, ``right``, ``value``,
    ``n_node``, ``impurity`` (see :mod:`fastfa.kernels.approx.tree`), ``node_count``, ``nbytes``.
    """

    def __init__(self, max_depth: int | None = None, min_samples_split: int = 2, min_samples_leaf: int = 1) -> None:
        self._limits = _tree_limits(max_depth, min_samples_split, min_samples_leaf)
        self.max_depth, self.min_samples_split, self.min_samples_leaf = max_depth, min_samples_split, min_samples_leaf

    def fit(self, X, y) -> "RegressionTree":
        """Grow the tree on rows ``X`` float[n, d] (n ≥ 1, finite) and targets ``y`` float[n] (finite)."""
        X = as_rows("X", X)
        y = as_targets("y", y, X.shape[0])
        self.n_features_in_ = X.shape[1]
        rng = np.random.default_rng(0)  # unused by CART; the kernel signature takes one
        self._set_nodes([_fit_one(X, y, *self._limits, 1, False, rng)])
        return self

    def __repr__(self) -> str:
        return (
            f"RegressionTree(max_depth={self.max_depth}, min_samples_split={self.min_samples_split}, "
            f"min_samples_leaf={self.min_samples_leaf})"
        )


class ExtraTrees(_TreeModel):
    """An ensemble of extremely randomised regression trees (Geurts et al. 2006), prediction = mean.

    Args:
        n_trees: number of trees M (int ≥ 1).
        max_features: K, features tried per node (int in [1, d]; None: all d, the paper's
            default for regression).
        min_samples_split: n_min, a node with fewer samples is a leaf (int ≥ 2).
        min_samples_leaf, max_depth: as in :class:`RegressionTree`.
        seed: int or ``numpy.random.SeedSequence``; the same seed gives bit-identical trees.
    """

    def __init__(
        self,
        n_trees: int = 50,
        *,
        max_features: int | None = None,
        min_samples_split: int = 2,
        min_samples_leaf: int = 1,
        max_depth: int | None = None,
        seed=None,
    ) -> None:
        self.n_trees = check_limit("n_trees", n_trees, 1)
        self._limits = _tree_limits(max_depth, min_samples_split, min_samples_leaf)
        if max_features is not None:
            check_limit("max_features", max_features, 1)
        self.max_features = max_features
        self.max_depth, self.min_samples_split, self.min_samples_leaf = max_depth, min_samples_split, min_samples_leaf
        self._rng = np.random.default_rng(seed)

    def fit(self, X, y) -> "ExtraTrees":
        """Grow ``n_trees`` trees on the whole sample (no bootstrap, as in the paper)."""
        X = as_rows("X", X)
        y = as_targets("y", y, X.shape[0])
        d = X.shape[1]
        K = d if self.max_features is None else self.max_features
        if K > d:
            raise ValueError(f"max_features must be in [1, {d}] (the number of columns of X), got {K}")
        self.n_features_in_ = d
        self._set_nodes([_fit_one(X, y, *self._limits, K, True, self._rng) for _ in range(self.n_trees)])
        return self

    def __repr__(self) -> str:
        return (
            f"ExtraTrees(n_trees={self.n_trees}, max_features={self.max_features}, "
            f"min_samples_split={self.min_samples_split}, min_samples_leaf={self.min_samples_leaf}, "
            f"max_depth={self.max_depth})"
        )
