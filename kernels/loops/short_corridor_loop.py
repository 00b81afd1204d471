"""Fully compiled REINFORCE on the Short Corridor (S&B Example 13.1, Fig 13.1/13.2).

Features x(s, right) = [1, 0], x(s, left) = [0, 1] in every state, softmax policy, REINFORCE (13.3)::

    for t = 0 … T−1:  G ← Σ_{k>t} γ^{k−t−1} R_k;  δ ← G − w;  w ← w + α_w δ  (baseline, 13.4)
                      θ ← θ + α γᵗ δ ∇ ln π(A_t|S_t, θ)   (θ updated step by step, as the book)

Trains ONE run from an explicit ``np.random.Generator`` and writes per-episode results to ``out``
arrays; populations of runs are many calls (``nogil``; ``fastfa.agents.pg_compiled``).  Return
value: 0 on success, or ``-(episode + 1)`` when a parameter became non-finite.
"""

import math

import numpy as np

from .._jit import njit
from ..linear.policy_gradient import categorical_sample, softmax_sa_probs, softmax_sa_sparse_update


@njit
def _sc_probs(theta, x_sa, min_prob, probs):
    softmax_sa_probs(theta, x_sa, probs)
    if min_prob > 0.0:
        i = 0 if probs[0] < probs[1] else 1
        if probs[i] < min_prob:
            probs[i] = min_prob
            probs[1 - i] = 1.0 - min_prob


@njit
def short_corridor_reinforce(
    theta, w, alpha, alpha_w, gamma, gamma_t, min_prob, n_episodes, max_steps, rng, returns_out, p_right_out
):
    """REINFORCE (α_w ≤ 0) or REINFORCE with baseline (α_w > 0) on the short corridor.

    θ float64[2] (θ[0] weighs x(·, right), θ[1] x(·, left)); w float64[1] the baseline,
    both updated in place.  ``gamma_t``: multiply by γᵗ as in the book.  Episodes
    longer than ``max_steps`` are cut (the cut episode still learns from its return).
    ``returns_out[e]`` = return of episode e, ``p_right_out[e]`` = π(right) after it.
    ``min_prob`` > 0: the action probabilities are floored at ``min_prob`` (the smaller one is
    set to it) both for acting and in the score x(s,a) − Σ_b π(b) x(s,b), as in the reference
    code behind the book's figures (keeps every episode finite); 0: the exact softmax.
    """
    x_sa = np.array([[0.0, 1.0], [1.0, 0.0]])  # rows: action 0 (left), 1 (right)
    idx_sa = np.array([[1], [0]], dtype=np.int64)
    probs = np.empty(2)
    acts = np.empty(max_steps, np.int64)
    gs = np.empty(max_steps)
    for ep in range(n_episodes):
        s = 0
        T = 0
        while T < max_steps:
            _sc_probs(theta, x_sa, min_prob, probs)
            a = categorical_sample(probs, rng)
            acts[T] = a
            T += 1
            move = 1 if a == 1 else -1
            if s == 1:
                move = -move
            s = max(0, s + move)
            if s == 3:
                break
        returns_out[ep] = -float(T)
        g = 0.0
        for t in range(T - 1, -1, -1):  # G_t for reward −1 per step, built backwards
            g = -1.0 + gamma * g
            gs[t] = g
        disc = 1.0
        for t in range(T):
            delta = gs[t]
            if alpha_w > 0.0:
                delta = gs[t] - w[0]
                w[0] += alpha_w * delta
            step = alpha * (disc if gamma_t else 1.0) * delta
            if min_prob > 0.0:  # score with the floored probabilities
                _sc_probs(theta, x_sa, min_prob, probs)
                theta[0] += step * ((1.0 if acts[t] == 1 else 0.0) - probs[1])
                theta[1] += step * ((1.0 if acts[t] == 0 else 0.0) - probs[0])
            else:
                softmax_sa_sparse_update(theta, idx_sa, acts[t], step, probs)
            disc *= gamma
        if not (math.isfinite(theta[0]) and math.isfinite(theta[1]) and math.isfinite(w[0])):
            return -(ep + 1)
        _sc_probs(theta, x_sa, min_prob, probs)
        p_right_out[ep] = probs[1]
    return 0
