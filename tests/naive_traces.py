"""Eligibility traces written from S&B's boxes with *dense* vectors, for active sets that repeat an index.

Tile coding with a hashed table (or a small IHT) can put two tilings' tiles on the same index.  The
active list F(S, A) then names index i twice; as a dense feature vector that is x_i = 2.  The book's
definitions (binary features, Chapter 12):

* accumulating (12.2 / box "Sarsa(λ) with binary features"): z ← γλz + ∇q̂ = γλz + x, so the
  repeated index gains 2;
* replacing (12.7, same box, "z_i ← 1"): z_i ← 1 for every i in F(S, A), however often it is listed;
  "replace, clear" (Fig 12.11 variant) also sets the other actions' traces of those features to 0;
* dutch (12.5 / 12.8, true online): z ← γλz + (1 − αγλ zᵀx) x with the dense x (counts).

Estimates are q̂ = wᵀx with the same dense x (the box's loop "δ ← δ − w_i for i in F(S, A)" subtracts a
repeated weight twice).  Nothing here imports fastfa.
"""

import numpy as np


def dense(idx, n):
    """Dense binary-feature vector of an active list, repeated indices counted."""
    x = np.zeros(n)
    for i in idx:
        x[i] += 1.0
    return x


def sa_dense(idx, a, n_features, n_actions):
    """x(s, a) flattened row-major over [feature, action]."""
    x = np.zeros(n_features * n_actions)
    for i in idx:
        x[i * n_actions + a] += 1.0
    return x


def book_lambda_episode(steps, n, alpha, lam, trace, n_actions=1):
    """Semi-gradient TD(λ) / SARSA(λ) over one episode, book box order, traces start at 0.

    steps: list of (active list, action, reward, gamma, next active list, next action); gamma = 0 at the
    terminal transition.  trace in {"accumulate", "replace", "replace_clear"}.  Returns (w, deltas).
    """
    A = n_actions
    w = np.zeros(n * A)
    z = np.zeros(n * A)
    w[:] = np.linspace(-0.3, 0.4, n * A)  # a non-zero start, so q̂ uses w from the first step
    deltas = []
    for idx, a, r, g, idx_n, a_n in steps:
        x = sa_dense(idx, a, n, A)
        xn = sa_dense(idx_n, a_n, n, A)
        if trace == "accumulate":
            z = z + x
        else:
            for i in set(int(i) for i in idx):
                if trace == "replace_clear":
                    z[i * A : (i + 1) * A] = 0.0
                z[i * A + a] = 1.0
        delta = r + g * (w @ xn) - w @ x
        w = w + alpha * delta * z
        z = g * lam * z
        deltas.append(delta)
    return w, np.array(deltas)


def book_dutch_episode(steps, n, alpha, lam, n_actions=1):
    """True online TD(λ) / SARSA(λ) (S&B boxes 12.5 / 12.8), z un-decayed as in the book."""
    A = n_actions
    w = np.linspace(-0.3, 0.4, n * A)
    z = np.zeros(n * A)
    v_old, g_prev = 0.0, 0.0
    deltas = []
    for idx, a, r, g, idx_n, a_n in steps:
        x = sa_dense(idx, a, n, A)
        xn = sa_dense(idx_n, a_n, n, A)
        v = w @ x
        v_n = w @ xn if g != 0.0 else 0.0
        delta = r + g * v_n - v
        z = g_prev * lam * z + (1.0 - alpha * g_prev * lam * (z @ x)) * x
        w = w + alpha * (delta + v - v_old) * z - alpha * (v - v_old) * x
        v_old, g_prev = v_n, g
        deltas.append(delta)
    return w, np.array(deltas)
