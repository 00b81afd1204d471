"""Baird's counterexample (S&B Example 11.1, Fig 11.2): off-policy semi-gradient TD(0) and DP diverge.

Seven states; features ``x(i) = 2 e_i + e_8`` for the six upper states (i = 0..5) and
``x(6) = e_7 + 2 e_8`` for the lower one; rewards 0, γ = 0.99.  Behaviour policy b: *dashed*
(to one of the upper states uniformly) with probability 6/7, *solid* (to the lower state) with
1/7; target policy π: always solid.  Importance ratio ρ = π/b = 7 for solid, 0 for dashed.

Both kernels stop early (returning the step/sweep index) as soon as a weight is not finite or
``max |w|`` exceeds ``limit``, so divergence is reported, never silently turned into NaN.
"""

import numpy as np

from .._jit import njit
from .dot import dense_value


def baird_features():
    """float64[7, 8]: the feature vectors x(s) of Example 11.1."""
    X = np.zeros((7, 8))
    for i in range(6):
        X[i, i] = 2.0
        X[i, 7] = 1.0
    X[6, 6] = 1.0
    X[6, 7] = 2.0
    return X


@njit
def _bad(w, limit):
    for k in range(w.shape[0]):
        if not np.isfinite(w[k]) or abs(w[k]) > limit:
            return True
    return False


@njit
def baird_offpolicy_td(X, w, alpha, gamma, n_steps, limit, rng, out):
    """Semi-gradient off-policy TD(0) (S&B eq. 11.2) for ``n_steps`` transitions of b::

        δ = R + γ wᵀx(S′) − wᵀx(S),  w ← w + α ρ δ x(S)

    ``out`` float64[n_steps + 1, 8] receives w before the first and after every step.  The start
    state is uniform over the 7 states.  Returns the number of steps done (< n_steps: diverged).
    """
    s = rng.integers(0, 7)
    out[0] = w
    for t in range(n_steps):
        if rng.random() < 6.0 / 7.0:
            s2 = rng.integers(0, 6)
            rho = 0.0
        else:
            s2 = 6
            rho = 7.0
        delta = gamma * dense_value(w, X[s2]) - dense_value(w, X[s])
        if rho != 0.0:
            for k in range(8):
                w[k] += alpha * rho * delta * X[s, k]
        out[t + 1] = w
        s = s2
        if _bad(w, limit):
            return t + 1
    return n_steps


@njit
def baird_semigradient_dp(X, w, alpha, gamma, n_sweeps, limit, out):
    """Synchronous semi-gradient DP under the uniform state distribution (S&B Fig 11.2 right)::

        w ← w + (α/|S|) Σ_s (E_π[R + γ v̂(S′) | s] − v̂(s)) ∇v̂(s)

    (π always goes to the lower state).  ``out`` float64[n_sweeps + 1, 8].  Returns sweeps done.
    """
    out[0] = w
    g = np.zeros(8)
    for t in range(n_sweeps):
        target = gamma * dense_value(w, X[6])
        g[:] = 0.0
        for s in range(7):
            delta = target - dense_value(w, X[s])
            for k in range(8):
                g[k] += delta * X[s, k]
        for k in range(8):
            w[k] += alpha / 7.0 * g[k]
        out[t + 1] = w
        if _bad(w, limit):
            return t + 1
    return n_sweeps
