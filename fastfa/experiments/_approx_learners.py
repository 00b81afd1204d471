"""Online learners of the approximators experiment: one SARSA(0)/TD(0) interface over four approximators.

Every learner holds ``q̂(x, ·)`` for x in the unit box [0, 1]^d and ``n_out`` outputs
(1 for v̂, the number of actions for q̂) and has:

* ``q(x) -> float64[n_out]`` and ``q_batch(X) -> float64[n, n_out]``;
* ``learn(x, a, r, gamma_t, x2, a2)``: one transition (γ_t = 0 at a terminal step;
  ``x2``/``a2`` then unused); the target is ``r + γ_t q̂(x2, a2)`` (SARSA; TD(0) with n_out = 1);
* ``nbytes``: memory of the approximator.

Linear (tile coding, S&B 10.1), kNN (stored targets moved towards the TD target;
a state farther than ``radius`` from every stored one is stored with the optimistic
target 0), CART refit every ``refit`` steps on the last ``window`` transitions (the
targets are recomputed from the current tree at each refit: fitted SARSA on a
sliding window), and a small tanh MLP trained by semi-gradient Adam steps.  Hot
paths call the trusted kernels directly (inputs are produced here, not by a user).
"""

from __future__ import annotations

import numpy as np


class LinearTiles:
    def __init__(self, d, n_out, *, tiles=8, tilings=8, alpha: float = 0.5, **_) -> None:
        from ..features import GridTileCoder
        from ..kernels.features.gridtiles import grid_tiles

        self.tc = GridTileCoder(np.zeros(d), np.ones(d), tiles, tilings)
        self.w = np.zeros((self.tc.n_features, n_out))
        self.alpha = alpha / tilings
        self._tiles = grid_tiles
        self._i = np.empty(tilings, np.int64)
        self._i2 = np.empty(tilings, np.int64)
        self._v = np.ones(tilings)
        self._q = np.empty(n_out)

    @property
    def nbytes(self):
        return self.w.nbytes

    def q(self, x):
        from ..kernels.linear.control import q_values

        self._tiles(x, self.tc.cf, self.tc.ci, self._i)
        q_values(self.w, self._i, self._v, self._q)
        return self._q

    def q_batch(self, X):
        I = self.tc.indices_batch(X)
        return self.w[I].sum(axis=1)

    def learn(self, x, a, r, gamma_t, x2, a2) -> None:
        from ..kernels.linear.control import sarsa_update

        self._tiles(x, self.tc.cf, self.tc.ci, self._i)
        self._tiles(x2, self.tc.cf, self.tc.ci, self._i2)
        sarsa_update(self.w, self._i, self._v, a, r, gamma_t, self._i2, self._v, a2, self.alpha)


class KNN:
    def __init__(self, d, n_out, *, capacity=2000, k=4, radius: float = 0.02, alpha: float = 0.5, **_) -> None:
        from ..approx import KNNRegressor

        self.m = KNNRegressor(capacity, d, k, n_outputs=n_out)
        self.radius2 = radius * radius
        self.alpha = alpha
        self._bi = np.empty(k, np.int64)
        self._bd = np.empty(k)
        self._w = np.empty(k)
        self._q = np.empty(n_out)
        self._zeros = np.zeros((1, n_out))

    @property
    def nbytes(self):
        return self.m.nbytes

    def q(self, x):
        from ..kernels.approx.knn import knn_average, knn_brute, knn_weights

        m = self.m
        if m.size == 0:
            self._q[:] = 0.0
            return self._q
        k = min(m.k, m.size)
        knn_brute(m.X, m.size, x, k, self._bi, self._bd)
        knn_weights(self._bd, k, 0, 1.0, self._w)
        knn_average(m.Y, self._bi, self._w, k, self._q)
        return self._q

    def q_batch(self, X):
        return self.m.predict(X).reshape(len(X), -1)

    def learn(self, x, a, r, gamma_t, x2, a2) -> None:
        from ..kernels.approx.knn import knn_brute, knn_td_update

        m = self.m
        target = r + (gamma_t * self.q(x2)[a2] if gamma_t != 0.0 else 0.0)
        if m.size == 0:
            far = True
        else:
            knn_brute(m.X, m.size, x, 1, self._bi, self._bd)
            far = self._bd[0] > self.radius2
        if far:  # a new memory with the optimistic target 0 (the oldest is replaced when full)
            m.add(x.reshape(1, -1), self._zeros)
        knn_td_update(m.X, m.Y, m.size, x, a, target, self.alpha, min(m.k, m.size), 0, 1.0)


class TreeRefit:
    def __init__(self, d, n_out, *, window=5000, refit=500, min_samples_leaf=5, **_) -> None:
        self.d, self.n_out, self.window, self.refit = d, n_out, window, refit
        self.msl = min_samples_leaf
        self.buf = np.zeros((window, 2 * d + 4))  # x, a, r, gamma_t, x2, a2
        self.n = 0
        self.t = 0
        self.tree = None
        self._row = np.empty((n_out, d + 1))
        self._row[:, d] = np.arange(n_out)
        self._q = np.zeros(n_out)

    @property
    def nbytes(self):
        return self.buf.nbytes + (self.tree.nbytes if self.tree is not None else 0)

    def _predict(self, X):
        from ..kernels.approx.tree import forest_predict_packed

        out = np.empty(X.shape[0])
        t = self.tree
        forest_predict_packed(t.roots, t.packed, t.threshold, t.value, X, out)
        return out

    def q(self, x):
        if self.tree is None:
            return self._q
        self._row[:, : self.d] = x
        return self._predict(self._row)

    def q_batch(self, X):
        if self.tree is None:
            return np.zeros((len(X), self.n_out))
        rows = np.column_stack([np.repeat(X, self.n_out, axis=0), np.tile(np.arange(self.n_out), len(X))])
        return self._predict(np.ascontiguousarray(rows)).reshape(len(X), self.n_out)

    def learn(self, x, a, r, gamma_t, x2, a2) -> None:
        from ..approx import RegressionTree

        d = self.d
        row = self.buf[self.t % self.window]
        row[:d], row[d], row[d + 1], row[d + 2], row[d + 3 : 2 * d + 3], row[2 * d + 3] = x, a, r, gamma_t, x2, a2
        self.t += 1
        self.n = min(self.n + 1, self.window)
        if self.t % self.refit:
            return
        B = self.buf[: self.n]
        X = np.ascontiguousarray(B[:, : d + 1])
        y = B[:, d + 1].copy()
        if self.tree is not None:
            boot = B[:, d + 2] != 0.0
            X2 = np.ascontiguousarray(B[boot][:, np.r_[d + 3 : 2 * d + 4]])
            y[boot] += B[boot, d + 2] * self._predict(X2)
        self.tree = RegressionTree(min_samples_leaf=self.msl).fit(X, y)


class MLP:
    def __init__(self, d, n_out, *, hidden=32, lr: float = 1e-3, seed=0, **_) -> None:
        from ..kernels.nn import mlp

        self.k = mlp
        self.sizes = np.array([d, hidden, hidden, n_out], np.int64)
        self.theta = np.empty(mlp.mlp_n_params(self.sizes))
        mlp.mlp_init(self.theta, self.sizes, np.random.default_rng(seed))
        self.grad = np.zeros_like(self.theta)
        self.m1, self.m2 = np.zeros_like(self.theta), np.zeros_like(self.theta)
        self.acts = np.empty(mlp.mlp_acts_size(self.sizes, 1))
        self.acts2 = np.empty(mlp.mlp_acts_size(self.sizes, 1))
        self.work = np.empty(mlp.mlp_work_size(self.sizes, 1))
        self.dout = np.zeros((1, n_out))
        self.x = np.empty((1, d))
        self.lr, self.t = lr, 0

    @property
    def nbytes(self):
        return 4 * self.theta.nbytes  # θ, gradient, two Adam moments

    def q(self, x):
        self.x[0] = 2.0 * x - 1.0
        return self.k.mlp_forward(self.theta, self.sizes, 1, self.x, self.acts2)[0].copy()

    def q_batch(self, X):
        acts = np.empty(self.k.mlp_acts_size(self.sizes, len(X)))
        return self.k.mlp_forward(self.theta, self.sizes, 1, np.ascontiguousarray(2.0 * X - 1.0), acts).copy()

    def learn(self, x, a, r, gamma_t, x2, a2) -> None:
        k = self.k
        target = r + (gamma_t * self.q(x2)[a2] if gamma_t != 0.0 else 0.0)
        self.x[0] = 2.0 * x - 1.0
        out = k.mlp_forward(self.theta, self.sizes, 1, self.x, self.acts)
        self.dout[0, :] = 0.0
        self.dout[0, a] = out[0, a] - target  # ∂ ½(q̂ − U)² / ∂q̂, semi-gradient
        k.mlp_backward(self.theta, self.sizes, 1, self.x, self.acts, self.dout, self.grad, self.work)
        self.t += 1
        k.adam_step(self.theta, self.grad, self.m1, self.m2, self.t, self.lr, 0.9, 0.999, 1e-8)


LEARNERS = {"linear": LinearTiles, "knn": KNN, "tree": TreeRefit, "mlp": MLP}
