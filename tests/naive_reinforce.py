"""REINFORCE and REINFORCE with baseline written from Sutton & Barto's boxes (13.3, 13.4).

Episode level, θ changing step by step inside the update loop (as in the boxes), returns computed as
explicit sums G_t = Σ_{k=t+1}^{T} γ^{k−t−1} R_k (not the backward recursion the kernels use), softmax in
action preferences h(s, a, θ) = θᵀx(s, a) with ∇ ln π(a|s) = x(s, a) − Σ_b π(b|s) x(s, b) (eq. 13.9).

The short corridor (Example 13.1) is written from the book: states 0, 1, 2 and terminal 3, reward −1
per step, in state 1 the actions are reversed, "left" in state 0 stays put; every state has the same
features x(s, right) = [1, 0], x(s, left) = [0, 1].  Actions: 0 = left, 1 = right.  Sampling by inverse
CDF with one uniform per step: left if u < π(left).  Nothing here imports fastfa.
"""

import math

import numpy as np

LEFT, RIGHT = 0, 1
X_SA = {RIGHT: np.array([1.0, 0.0]), LEFT: np.array([0.0, 1.0])}


def softmax(h):
    e = np.exp(np.asarray(h, float) - np.max(h))
    return e / e.sum()


def floor_probs(pi, min_prob):
    """The reference code behind the book's Fig 13.1/13.2 (two actions): the smaller probability raised to
    ``min_prob``, the other set to 1 − ``min_prob``; unchanged when the smaller is not below it."""
    pi = np.array(pi, float)
    i = int(np.argmin(pi))
    if min_prob > 0 and pi[i] < min_prob:
        pi[i], pi[1 - i] = min_prob, 1.0 - min_prob
    return pi


def returns(rewards, gamma):
    """G_t for t = 0 … T−1 as explicit discounted sums."""
    T = len(rewards)
    return np.array([sum(gamma ** (k - t - 1) * rewards[k - 1] for k in range(t + 1, T + 1)) for t in range(T)])


def reinforce_update(theta, w, feats, actions, rewards, alpha, gamma, gamma_t=True, alpha_w=None, min_prob=0.0):
    """One episode's updates.  feats[t][a] = x(S_t, a) (arrays); ``alpha_w`` not None: baseline
    v̂(s, w) = w·1 (one constant state feature, as on the short corridor); ``min_prob`` > 0: the score
    uses the floored probabilities (:func:`floor_probs`).  Returns (θ, w) new."""
    theta, w = np.array(theta, float), float(w)
    G = returns(rewards, gamma)
    for t in range(len(rewards)):
        xs = feats[t]
        pi = softmax([theta @ xs[b] for b in range(len(xs))])
        if min_prob > 0:
            pi = floor_probs(pi, min_prob)
        grad = xs[actions[t]] - sum(pi[b] * xs[b] for b in range(len(xs)))
        delta = G[t]
        if alpha_w is not None:
            delta = G[t] - w
            w = w + alpha_w * delta * 1.0
        theta = theta + alpha * (gamma**t if gamma_t else 1.0) * delta * grad
    return theta, w


def corridor_step(s, a):
    move = 1 if a == RIGHT else -1
    if s == 1:
        move = -move
    s = max(0, s + move)
    return s, -1.0, s == 3


def reinforce_short_corridor(
    theta, alpha, gamma, gamma_t, episodes, rng, alpha_w=None, max_steps=10**6, min_prob=0.0, p_right=None
):
    """theta = [θ_right, θ_left]; returns (θ, w, list of episode returns).  ``min_prob`` > 0: acting and
    the score use floored probabilities; ``p_right`` (a list) receives π(right) after each episode."""
    theta, w, rets = np.array(theta, float), 0.0, []
    for _ in range(episodes):
        s, acts, rews, done = 0, [], [], False
        while not done and len(acts) < max_steps:
            p_left = floor_probs(softmax([theta @ X_SA[LEFT], theta @ X_SA[RIGHT]]), min_prob)[0]
            a = LEFT if rng.random() < p_left else RIGHT
            s, r, done = corridor_step(s, a)
            acts.append(a)
            rews.append(r)
        feats = [[X_SA[LEFT], X_SA[RIGHT]]] * len(acts)
        theta, w = reinforce_update(theta, w, feats, acts, rews, alpha, gamma, gamma_t, alpha_w, min_prob)
        rets.append(sum(rews))
        if p_right is not None:
            p_right.append(floor_probs(softmax([theta @ X_SA[LEFT], theta @ X_SA[RIGHT]]), min_prob)[1])
    return theta, w, rets


def hand_two_step(a0, a1, alpha=0.25, gamma=0.5, gamma_t=True):
    """Two-step episode, x(s) = [1], per-action θ [A = 2], θ_0 = 0, rewards R_1 = 3, R_2 = 2.

    G_0 = 3 + 0.5·2 = 4, G_1 = 2.  Step 0: π = (½, ½), θ ← α·G_0·(e_{a0} − ½) = ±0.5 (exact in binary).
    Step 1: π = softmax(θ) = (σ(±1), σ(∓1)), θ ← θ + α·γ·G_1·(e_{a1} − π) with γ¹ = 0.5 (1 without γᵗ).
    """
    e0 = np.eye(2)[a0]
    th = alpha * 4.0 * (e0 - 0.5)
    assert np.all(np.abs(th) == 0.5)
    pi = np.array([1.0 / (1.0 + math.exp(th[1] - th[0])), 1.0 / (1.0 + math.exp(th[0] - th[1]))])
    return th + alpha * (gamma if gamma_t else 1.0) * 2.0 * (np.eye(2)[a1] - pi)
