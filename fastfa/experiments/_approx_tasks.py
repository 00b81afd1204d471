"""Tasks of the approximators experiment: random-walk TD(0), Mountain Car SARSA, Mountain Car FQI.

States are scaled to the unit box before they reach an approximator.  The
random walk is S&B Example 9.1 (the same jump rule as the compiled twin); Mountain
Car is gymnasium's dynamics (S&B Example 10.1) through the compiled step, reward
−1, γ = 1, episodes cut at ``cap`` steps during learning (a cut is not terminal).
"""

from __future__ import annotations

import time

import numpy as np

MC_LOW = np.array([-1.2, -0.07])
MC_HIGH = np.array([0.6, 0.07])
N_STATES = 1000


# ----------------------------------------------------------------------------- random walk, TD(0)
def rw_episode(rng, n=N_STATES, jump=100):
    """States visited from the centre until a jump leaves 1..n, and the final reward (−1 left, +1 right)."""
    s = (n + 1) // 2
    states = []
    while 1 <= s <= n:
        states.append(s)
        k = int(rng.random() * 2 * jump)
        s += -(k + 1) if k < jump else k - jump + 1
    return np.array(states), (-1.0 if s < 1 else 1.0)


def rw_x(s):
    return (np.asarray(s, np.float64).reshape(-1, 1) - 0.5) / N_STATES


def run_randomwalk(learner, episodes, seed, log_every, v_true):
    """TD(0) over ``episodes`` episodes; returns (episode numbers, RMS error over the states, env steps, seconds)."""
    rng = np.random.default_rng(seed)
    X_all = rw_x(np.arange(1, N_STATES + 1))
    xs = rw_x(np.arange(0, N_STATES + 2))
    at, err, steps, wall = [], [], 0, 0.0
    for ep in range(1, episodes + 1):
        states, r_end = rw_episode(rng)
        t0 = time.perf_counter()
        for t in range(len(states)):
            last = t == len(states) - 1
            learner.learn(
                xs[states[t]],
                0,
                r_end if last else 0.0,
                0.0 if last else 1.0,
                xs[states[t + 1] if not last else states[t]],
                0,
            )
        wall += time.perf_counter() - t0
        steps += len(states)
        if ep % log_every == 0 or ep == episodes:
            at.append(ep)
            err.append(float(np.sqrt(np.mean((learner.q_batch(X_all)[:, 0] - v_true) ** 2))))
    return np.array(at), np.array(err), steps, wall


def rw_transitions(seed, episodes):
    """The transitions of ``episodes`` episodes (the same stream as :func:`run_randomwalk` with that seed)."""
    rng = np.random.default_rng(seed)
    S, R, S2, T = [], [], [], []
    for _ in range(episodes):
        states, r_end = rw_episode(rng)
        nxt = np.append(states[1:], states[-1])
        S.append(states)
        S2.append(nxt)
        R.append(np.r_[np.zeros(len(states) - 1), r_end])
        T.append(np.r_[np.zeros(len(states) - 1, bool), True])
    return rw_x(np.concatenate(S)), np.concatenate(R), rw_x(np.concatenate(S2)), np.concatenate(T)


# ----------------------------------------------------------------------------- Mountain Car
def _mc():
    from ..kernels.envs import classic as ec

    return ec.mountaincar_params(), ec.mountaincar_step


def mc_x(state):
    return (state - MC_LOW) / (MC_HIGH - MC_LOW)


def _greedy(q, rng):
    best = np.flatnonzero(q == q.max())
    return int(best[0]) if len(best) == 1 else int(best[int(rng.random() * len(best))])


def run_mountaincar(learner, budget, seed, epsilon, cap):
    """SARSA(0) for ``budget`` env steps; returns (episode lengths, env steps at each episode end, seconds)."""
    params, step = _mc()
    rng = np.random.default_rng(seed)
    state = np.array([rng.uniform(-0.6, -0.4), 0.0])
    x = mc_x(state)
    pick = lambda q: int(rng.random() * 3) if rng.random() < epsilon else _greedy(q, rng)  # noqa: E731
    a = pick(learner.q(x))
    lengths, ends, n, t_ep = [], [], 0, 0
    t0 = time.perf_counter()
    while n < budget:
        r, term = step(params, state, a)
        n += 1
        t_ep += 1
        x2 = mc_x(state)
        if term:
            learner.learn(x, a, r, 0.0, x2, 0)
        else:
            a2 = pick(learner.q(x2))
            learner.learn(x, a, r, 1.0, x2, a2)
        if term or t_ep >= cap:
            lengths.append(t_ep)
            ends.append(n)
            t_ep = 0
            state[:] = (rng.uniform(-0.6, -0.4), 0.0)
            x = mc_x(state)
            a = pick(learner.q(x))
        else:
            x, a = x2, a2
    return np.array(lengths), np.array(ends), time.perf_counter() - t0


def mc_evaluate(q_batch, n_starts=10, cap=500):
    """Mean steps to the goal of the greedy policy (ties: lowest action) from ``n_starts`` fixed starts,
    all stepped together (``q_batch(X) -> [n, 3]`` on scaled states); ``cap`` counts as not reached."""
    params, step = _mc()
    states = np.column_stack([np.linspace(-0.6, -0.4, n_starts), np.zeros(n_starts)])
    steps = np.full(n_starts, cap)
    live = np.arange(n_starts)
    for t in range(1, cap + 1):
        acts = np.argmax(q_batch(mc_x(states[live])), axis=1)
        done = []
        for j, i in enumerate(live):
            if step(params, states[i], int(acts[j]))[1]:
                steps[i] = t
                done.append(j)
        live = np.delete(live, done)
        if len(live) == 0:
            break
    return float(steps.mean())


def mc_samples(seed, n):
    """``n`` one-step transitions from states uniform over the box with uniform actions (Ernst et al.'s
    sampling for FQI): scaled S, A, R, scaled S2, terminal."""
    params, step = _mc()
    rng = np.random.default_rng(seed)
    S = MC_LOW + (MC_HIGH - MC_LOW) * rng.random((n, 2))
    S[:, 0] = np.minimum(S[:, 0], 0.5 - 1e-9)  # start below the goal
    A = rng.integers(0, 3, n)
    S2 = S.copy()
    R = np.empty(n)
    T = np.zeros(n, bool)
    for i in range(n):
        R[i], T[i] = step(params, S2[i], int(A[i]))
    return mc_x(S), A, R, mc_x(S2), T


# ----------------------------------------------------------------------------- FQI regressors (fit/predict)
class TilesLSQ:
    """Ridge least squares on tile features, one weight column per action (the action is X's last column)."""

    def __init__(self, d, n_actions, tiles=8, tilings=8, ridge: float = 1e-3) -> None:
        from ..features import GridTileCoder

        self.tc = GridTileCoder(np.zeros(d), np.ones(d), tiles, tilings)
        self.n_actions, self.ridge, self._solve, self.w = n_actions, ridge, None, None
        self._cache: dict = {}

    def _indices(self, S):
        key = hash(S.tobytes())  # FQI predicts on the same next states every iteration: code them once
        if key not in self._cache:
            self._cache[key] = self.tc.indices_batch(S)
        return self._cache[key]

    def fit(self, X, y):
        A = X[:, -1].astype(np.int64)
        if self._solve is None:  # the inputs never change between FQI iterations: factor once
            I = self._indices(np.ascontiguousarray(X[:, :-1]))
            F = self.tc.n_features
            self._rows = [np.flatnonzero(A == a) for a in range(self.n_actions)]
            self._solve = []
            for rows in self._rows:
                Phi = np.zeros((len(rows), F))
                np.put_along_axis(Phi, I[rows], 1.0, axis=1)
                # w_a = (ΦᵀΦ + λI)⁻¹ Φᵀ y_a, the matrix in front of y_a kept
                self._solve.append(np.ascontiguousarray(np.linalg.solve(Phi.T @ Phi + self.ridge * np.eye(F), Phi.T)))
        self.w = np.column_stack([M @ y[rows] for M, rows in zip(self._solve, self._rows)])
        return self

    def predict(self, X):
        I = self._indices(np.ascontiguousarray(X[:, :-1]))
        return self.w[I, X[:, -1].astype(np.int64)[:, None]].sum(axis=1)

    @property
    def nbytes(self):
        return self.w.nbytes


class MLPRegressor:
    """A tanh MLP with one output per action, trained by Adam on the squared error of the taken action
    (``epochs`` passes of minibatches per fit, warm-started from the previous fit)."""

    def __init__(self, d, n_actions, hidden=64, lr: float = 3e-3, epochs=4, batch=256, seed=0) -> None:
        from ..kernels.nn import mlp

        self.k, self.sizes = mlp, np.array([d, hidden, hidden, n_actions], np.int64)
        self.theta = np.empty(mlp.mlp_n_params(self.sizes))
        mlp.mlp_init(self.theta, self.sizes, np.random.default_rng(seed))
        self.m1, self.m2, self.grad = (np.zeros_like(self.theta) for _ in range(3))
        self.lr, self.epochs, self.batch, self.t = lr, epochs, batch, 0
        self.rng = np.random.default_rng(seed + 1)
        self.acts = np.empty(mlp.mlp_acts_size(self.sizes, batch))
        self.work = np.empty(mlp.mlp_work_size(self.sizes, batch))

    def _forward(self, X, acts):
        return self.k.mlp_forward(self.theta, self.sizes, 1, X, acts)

    def fit(self, X, y):
        S = np.ascontiguousarray(2.0 * X[:, :-1] - 1.0)
        A = X[:, -1].astype(np.int64)
        B = self.batch
        for _ in range(self.epochs):
            perm = self.rng.permutation(len(y))
            for s in range(0, len(y) - B + 1, B):
                idx = perm[s : s + B]
                xb = S[idx]
                out = self._forward(xb, self.acts)
                dout = np.zeros_like(out)
                rows = np.arange(B)
                dout[rows, A[idx]] = (out[rows, A[idx]] - y[idx]) / B
                self.k.mlp_backward(self.theta, self.sizes, 1, xb, self.acts, dout, self.grad, self.work)
                self.t += 1
                self.k.adam_step(self.theta, self.grad, self.m1, self.m2, self.t, self.lr, 0.9, 0.999, 1e-8)
        return self

    def predict(self, X):
        S = np.ascontiguousarray(2.0 * X[:, :-1] - 1.0)
        out = self._forward(S, np.empty(self.k.mlp_acts_size(self.sizes, len(S))))
        return out[np.arange(len(S)), X[:, -1].astype(np.int64)].copy()

    @property
    def nbytes(self):
        return 4 * self.theta.nbytes
