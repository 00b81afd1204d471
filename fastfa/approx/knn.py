"""k-nearest-neighbour regression as a value approximator: a bounded memory of (state, target) pairs.

``v̂(q)`` is the kernel-weighted average of the stored targets of the k stored
states nearest to q (Euclidean; S&B §9.9 "memory-based function approximation").
Online: :meth:`KNNRegressor.add` stores a new pair (replacing the oldest once the
memory is full, a ring buffer) and :meth:`KNNRegressor.update` moves the k
neighbours' targets towards a TD target, ``y_i ← y_i + α w̄_i (U − v̂(q))``.
Targets may be vectors (``n_outputs``): one column per action gives ``q̂(s, ·)``.

Queries run by brute force (``algorithm="brute"``, best for small or changing
memories) or through a k-d tree (``"kdtree"``, rebuilt lazily after the stored
*states* change; target updates keep it valid).  Both return the same neighbours.

Example::

    >>> import numpy as np
    >>> from fastfa.approx import KNNRegressor
    >>> m = KNNRegressor(capacity=100, n_dims=1, k=2)
    >>> m.add([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
    >>> m.predict([[0.4]])
    array([0.5])
"""

from __future__ import annotations

import math

import numpy as np

from ._data import as_rows, check_limit

__all__ = ["KNNRegressor"]

_KERNELS = {"uniform": 0, "gaussian": 1}
_ALGORITHMS = ("brute", "kdtree")


class KNNRegressor:
    """A bounded memory of states ``float64[capacity, n_dims]`` and targets ``float64[capacity, n_outputs]``.

    Args:
        capacity: maximum number of stored pairs (int ≥ 1); the oldest is replaced when full.
        n_dims: dimension of a state (int ≥ 1).
        k: neighbours averaged (int ≥ 1); a query uses min(k, size) of them.
        n_outputs: targets per state (int ≥ 1; the number of actions for q̂(s, ·)).
        kernel: ``"uniform"`` (plain mean) or ``"gaussian"`` (weights exp(−d²/2h²)).
        bandwidth: h of the Gaussian kernel (finite > 0).
        algorithm: ``"brute"`` or ``"kdtree"``.
        leaf_size: points per k-d tree leaf (int ≥ 1).
    """

    def __init__(
        self,
        capacity: int,
        n_dims: int,
        k: int = 10,
        *,
        n_outputs: int = 1,
        kernel: str = "uniform",
        bandwidth: float = 1.0,
        algorithm: str = "brute",
        leaf_size: int = 16,
    ) -> None:
        self.capacity = check_limit("capacity", capacity, 1)
        self.n_dims = check_limit("n_dims", n_dims, 1)
        self.k = check_limit("k", k, 1)
        self.n_outputs = check_limit("n_outputs", n_outputs, 1)
        if kernel not in _KERNELS:
            raise ValueError(f"kernel must be one of {sorted(_KERNELS)}, got {kernel!r}")
        if algorithm not in _ALGORITHMS:
            raise ValueError(f"algorithm must be one of {list(_ALGORITHMS)}, got {algorithm!r}")
        if (
            isinstance(bandwidth, bool)
            or not isinstance(bandwidth, (int, float, np.integer, np.floating))
            or not (math.isfinite(bandwidth) and bandwidth > 0)
        ):
            raise ValueError(f"bandwidth must be a finite number > 0, got {bandwidth!r}")
        self.kernel, self.algorithm, self.bandwidth = kernel, algorithm, float(bandwidth)
        self.leaf_size = check_limit("leaf_size", leaf_size, 1)
        self.X = np.zeros((self.capacity, self.n_dims))
        self.Y = np.zeros((self.capacity, self.n_outputs))
        self.size = 0
        self._head = 0  # next row to write (oldest once full)
        self._tree: tuple[np.ndarray, ...] | None = None

    @property
    def nbytes(self) -> int:
        """Memory of the stored pairs (and k-d tree), in bytes."""
        return self.X.nbytes + self.Y.nbytes + (sum(a.nbytes for a in self._tree) if self._tree else 0)

    def _targets(self, y, n):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 1 and self.n_outputs == 1:
            y = y.reshape(-1, 1)
        if y.shape != (n, self.n_outputs):
            raise ValueError(
                f"y must have shape ({n}, {self.n_outputs})"
                + (f" or ({n},)" if self.n_outputs == 1 else "")
                + f", got {y.shape}"
            )
        if not np.isfinite(y).all():
            raise ValueError("y must be finite (no NaN or inf)")
        return y

    def add(self, X, y) -> None:
        """Store rows ``X`` float[n, n_dims] with targets ``y`` (float[n, n_outputs]; float[n] if one output).

        When full, each new pair replaces the oldest stored one.
        """
        X = as_rows("X", X, self.n_dims)
        y = self._targets(y, X.shape[0])
        for i in range(X.shape[0]):
            self.X[self._head] = X[i]
            self.Y[self._head] = y[i]
            self._head = (self._head + 1) % self.capacity
            self.size = min(self.size + 1, self.capacity)
        self._tree = None

    def _check_query(self, Q):
        if self.size == 0:
            raise RuntimeError("KNNRegressor is empty: add(X, y) first")
        return as_rows("X", Q, self.n_dims)

    def _build(self) -> tuple[np.ndarray, ...]:
        from ..kernels.approx.knn import kdtree_build

        n = self.size
        cap = 2 * n - 1
        arrs = (
            np.empty(n, np.int64),
            np.empty(cap, np.int64),
            np.empty(cap, np.int64),
            np.empty(cap, np.int64),
            np.empty(cap, np.int64),
            np.empty((cap, self.n_dims)),
            np.empty((cap, self.n_dims)),
        )
        c = kdtree_build(self.X, n, self.leaf_size, *arrs)
        self._tree = (arrs[0],) + tuple(a[:c].copy() for a in arrs[1:])
        return self._tree

    def kdtree_arrays(self) -> tuple:
        """``(perm, start, end, left, right, lo, hi)``: the k-d tree over the stored states (built if needed).

        For :func:`fastfa.kernels.approx.knn.kdtree_query` inside your own ``@njit`` loop (with ``self.X``);
        valid until the stored states change (``add``).  Requires at least one stored pair.
        """
        if self.size == 0:
            raise RuntimeError("KNNRegressor is empty: add(X, y) first")
        return self._tree if self._tree is not None else self._build()

    def predict(self, X) -> np.ndarray:
        """``v̂`` of each row of ``X``: float64[n] (one output) or float64[n, n_outputs]."""
        from ..kernels.approx import knn

        Q = self._check_query(X)
        k = min(self.k, self.size)
        out = np.empty((Q.shape[0], self.n_outputs))
        kind = _KERNELS[self.kernel]
        if self.algorithm == "kdtree":
            tree = self._tree if self._tree is not None else self._build()
            knn.kdtree_predict(self.X, self.Y, *tree, Q, k, kind, self.bandwidth, out)
        else:
            knn.knn_predict_brute(self.X, self.Y, self.size, Q, k, kind, self.bandwidth, out)
        return out[:, 0] if self.n_outputs == 1 else out

    def neighbors(self, x) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, squared distances)`` of the min(k, size) stored states nearest to ``x`` float[n_dims]."""
        from ..kernels.approx import knn

        q = self._check_query(np.reshape(x, (1, -1)) if np.ndim(x) == 1 else x)
        if q.shape[0] != 1:
            raise ValueError(f"x must be one state of shape ({self.n_dims},), got {np.shape(x)}")
        k = min(self.k, self.size)
        bi, bd = np.empty(k, np.int64), np.empty(k)
        if self.algorithm == "kdtree":
            tree = self._tree if self._tree is not None else self._build()
            m = tree[1].shape[0] + 1
            knn.kdtree_query(self.X, *tree, q[0], k, bi, bd, np.empty(m, np.int64), np.empty(m))
        else:
            knn.knn_brute(self.X, self.size, q[0], k, bi, bd)
        return bi, bd

    def update(self, x, target: float, alpha: float, output: int = 0) -> float:
        """Online TD step on the targets of x's neighbours: ``y_i ← y_i + α w̄_i (target − v̂(x))``.

        Args: ``x`` float[n_dims]; ``target`` finite; ``alpha`` in [0, 1]; ``output`` the column
        (action) in [0, n_outputs). Returns the error ``target − v̂(x)`` before the step.
        """
        from ..kernels.approx.knn import knn_td_update

        q = self._check_query(np.reshape(x, (1, -1)) if np.ndim(x) == 1 else x)
        if q.shape[0] != 1:
            raise ValueError(f"x must be one state of shape ({self.n_dims},), got {np.shape(x)}")
        output = check_limit("output", output, 0, self.n_outputs - 1)
        if not (isinstance(alpha, (int, float, np.integer, np.floating)) and 0.0 <= alpha <= 1.0):
            raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
        if not (isinstance(target, (int, float, np.integer, np.floating)) and math.isfinite(target)):
            raise ValueError(f"target must be a finite number, got {target!r}")
        k = min(self.k, self.size)
        return float(
            knn_td_update(
                self.X,
                self.Y,
                self.size,
                q[0],
                output,
                float(target),
                float(alpha),
                k,
                _KERNELS[self.kernel],
                self.bandwidth,
            )
        )

    def __repr__(self) -> str:
        return (
            f"KNNRegressor(capacity={self.capacity}, n_dims={self.n_dims}, k={self.k}, "
            f"n_outputs={self.n_outputs}, kernel={self.kernel!r}, algorithm={self.algorithm!r}, size={self.size})"
        )
