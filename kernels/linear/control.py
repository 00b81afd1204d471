"""Linear action-value control kernels (S&B chapters 10 and 12).

Representation: ``q̂(s, a; w) = Σ_j v_j · w[i_j, a]`` with ``w`` float64[F, A]
(one weight column per action) and the state's features as a sparse pair
``(i, v)``: ``i`` int64[k] feature indices, ``v`` float64[k] values.  Tile
coding is ``v = 1`` over the active tiles (a state is coded once, whatever the
action); dense features are ``i = arange(F)``, ``v = x(s)``.  The state-action
feature vector is ``x(s, a) = x(s) ⊗ e_a``.

Time-index names: ``(i_tm1, v_tm1, a_tm1)`` is (S_t, A_t) being updated,
``r_t`` the reward R_{t+1}, ``gamma_t`` the discount (0 at a terminal
transition: the target does not bootstrap), ``(i_t, v_t, a_t)`` is
(S_{t+1}, A_{t+1}).  Every update returns the TD error δ.

Randomness (ε-greedy) only from the explicit ``rng`` (``np.random.Generator``).
"""

import numpy as np

from .._jit import njit


@njit(inline="always")
def q_values(w, i, v, out):
    """``out[a] = q̂(s, a) = Σ_j v_j w[i_j, a]`` for every action a."""
    n_a = w.shape[1]
    for a in range(n_a):
        out[a] = 0.0
    for j in range(i.shape[0]):
        row = i[j]
        vj = v[j]
        for a in range(n_a):
            out[a] += vj * w[row, a]


@njit(inline="always")
def q_value(w, i, v, a):
    """``q̂(s, a) = Σ_j v_j w[i_j, a]``."""
    s = 0.0
    for j in range(i.shape[0]):
        s += v[j] * w[i[j], a]
    return s


@njit(inline="always")
def greedy_action(q, rng):
    """argmax_a q[a] with ties broken uniformly at random: only on ties, one draw u = ``rng.random()``
    picks the ⌊u·n_ties⌋-th tied action."""
    best = q[0]
    arg = 0
    n_best = 1
    for a in range(1, q.shape[0]):
        if q[a] > best:
            best = q[a]
            arg = a
            n_best = 1
        elif q[a] == best:
            n_best += 1
    if n_best == 1:
        return arg
    k = np.int64(rng.random() * n_best)  # uniform on 0..n_best-1 (cheaper to compile than rng.integers)
    for a in range(arg, q.shape[0]):
        if q[a] == best:
            if k == 0:
                return a
            k -= 1
    return arg  # unreachable


@njit(inline="always")
def eps_greedy(q, epsilon, rng):
    """ε-greedy (S&B 5.4): with probability ε a uniform action, else :func:`greedy_action`.

    Draws: if ε > 0 one ``rng.random()`` (then one more, u, for the random
    action ⌊u·A⌋); with ε = 0 no draw except for breaking ties.
    """
    if epsilon > 0.0 and rng.random() < epsilon:
        return np.int64(rng.random() * q.shape[0])
    return greedy_action(q, rng)


@njit(inline="always")
def eps_greedy_expectation(q, epsilon):
    """E_π[q(s, ·)] under ε-greedy with ties split evenly: ε·mean(q) + (1 − ε)·max(q)."""
    n_a = q.shape[0]
    best = q[0]
    total = 0.0
    for a in range(n_a):
        total += q[a]
        if q[a] > best:
            best = q[a]
    return epsilon * total / n_a + (1.0 - epsilon) * best


@njit(inline="always")
def linear_q_update(w, i, v, a, target, alpha):
    """w[:, a] ← w[:, a] + α (U − q̂(s, a)) x(s); returns δ = U − q̂(s, a) (S&B 10.1, eq. 10.1).

    The target U is any return: G_t (MC control), G_{t:t+n} (n-step SARSA, eq. 10.4), ...
    """
    delta = target - q_value(w, i, v, a)
    ad = alpha * delta
    for j in range(i.shape[0]):
        w[i[j], a] += ad * v[j]
    return delta


@njit(inline="always")
def sarsa_update(w, i_tm1, v_tm1, a_tm1, r_t, gamma_t, i_t, v_t, a_t, alpha):
    """Episodic semi-gradient SARSA (S&B 10.1)::

    δ = R_{t+1} + γ q̂(S_{t+1}, A_{t+1}) − q̂(S_t, A_t)      (γ = 0 at a terminal step)
    w ← w + α δ ∇q̂(S_t, A_t)
    """
    target = r_t
    if gamma_t != 0.0:
        target += gamma_t * q_value(w, i_t, v_t, a_t)
    return linear_q_update(w, i_tm1, v_tm1, a_tm1, target, alpha)


@njit(inline="always")
def q_learning_update(w, i_tm1, v_tm1, a_tm1, r_t, gamma_t, i_t, v_t, alpha, q_buf):
    """Semi-gradient Q-learning (S&B 6.5 with linear q̂; may diverge off-policy, S&B 11.2)::

        δ = R_{t+1} + γ max_a q̂(S_{t+1}, a) − q̂(S_t, A_t);  w ← w + α δ ∇q̂(S_t, A_t)

    ``q_buf`` float64[A] scratch.
    """
    target = r_t
    if gamma_t != 0.0:
        q_values(w, i_t, v_t, q_buf)
        target += gamma_t * q_buf.max()
    return linear_q_update(w, i_tm1, v_tm1, a_tm1, target, alpha)


@njit(inline="always")
def expected_sarsa_update(w, i_tm1, v_tm1, a_tm1, r_t, gamma_t, i_t, v_t, epsilon, alpha, q_buf):
    """Semi-gradient Expected SARSA (S&B 6.6, 10.1) for an ε-greedy target policy::

    δ = R_{t+1} + γ Σ_a π(a|S_{t+1}) q̂(S_{t+1}, a) − q̂(S_t, A_t);  w ← w + α δ ∇q̂(S_t, A_t)
    """
    target = r_t
    if gamma_t != 0.0:
        q_values(w, i_t, v_t, q_buf)
        target += gamma_t * eps_greedy_expectation(q_buf, epsilon)
    return linear_q_update(w, i_tm1, v_tm1, a_tm1, target, alpha)


@njit(inline="always")
def nstep_return(rewards, gamma, bootstrap):
    """G_{t:t+n} = Σ_k γ^k R_{t+k+1} + γ^n · bootstrap (S&B eq. 7.1/10.4), evaluated backwards.

    ``bootstrap`` is q̂(S_{t+n}, A_{t+n}), or 0 when the episode ended before t + n.
    """
    g = bootstrap
    for k in range(rewards.shape[0] - 1, -1, -1):
        g = rewards[k] + gamma * g
    return g


# ---------------------------------------------------------------- eligibility traces
from ..codes import ACCUMULATE, REPLACE, REPLACE_CLEAR  # noqa: E402,F401  (the trace codes, numbered once)


@njit
def sarsa_lambda_update(w, z, i_tm1, v_tm1, a_tm1, r_t, gamma_t, i_t, v_t, a_t, alpha, lam, trace):
    """SARSA(λ) with binary/linear features (S&B 12.7, box "Sarsa(λ) with binary features")::

        z ← z + x(S_t, A_t)          (trace = ACCUMULATE)
        z_{i,A_t} ← 1                (trace = REPLACE; REPLACE_CLEAR also sets z_{i,b} = 0, b ≠ A_t)
        δ = R_{t+1} + γ q̂(S_{t+1}, A_{t+1}) − q̂(S_t, A_t)
        w ← w + α δ z;   z ← γ λ z

    ``z`` float64[F, A] holds γλ-decayed traces between calls (zero it at episode start).
    Replacing traces apply to binary features (v = 1).
    """
    n_a = w.shape[1]
    for j in range(i_tm1.shape[0]):
        row = i_tm1[j]
        if trace == ACCUMULATE:
            z[row, a_tm1] += v_tm1[j]
        else:
            if trace == REPLACE_CLEAR:
                for b in range(n_a):
                    z[row, b] = 0.0
            z[row, a_tm1] = v_tm1[j]
    delta = r_t - q_value(w, i_tm1, v_tm1, a_tm1)
    if gamma_t != 0.0:
        delta += gamma_t * q_value(w, i_t, v_t, a_t)
    ad = alpha * delta
    decay = gamma_t * lam
    zf = z.ravel()
    wf = w.ravel()
    for k in range(zf.shape[0]):
        zk = zf[k]
        if zk != 0.0:
            wf[k] += ad * zk
            zf[k] = decay * zk
    return delta


@njit
def true_online_sarsa_update(w, z, i_tm1, v_tm1, a_tm1, r_t, gamma_t, i_t, v_t, a_t, alpha, lam, q_old):
    """True online SARSA(λ) (S&B 12.8, van Seijen et al. 2016), dutch traces::

        Q = wᵀx, Q′ = wᵀx′ (0 if terminal), δ = R + γQ′ − Q
        z ← γλ z + (1 − α γ λ zᵀx) x
        w ← w + α (δ + Q − Q_old) z − α (Q − Q_old) x
        Q_old ← Q′

    Here γλ in the trace decay is the γ of the previous step, held in ``z``'s scaling:
    call with ``z`` and ``q_old`` = 0 at episode start.  Returns (δ, Q_old for the next call).
    ``z`` is stored pre-decayed: on return it holds γ_t λ z_t (so the next step only adds).
    """
    q = q_value(w, i_tm1, v_tm1, a_tm1)
    q_next = 0.0
    if gamma_t != 0.0:
        q_next = q_value(w, i_t, v_t, a_t)
    delta = r_t + gamma_t * q_next - q
    # z holds γλ z_{t-1} already; zᵀx uses it, the (1 − α zᵀx) term then carries γλ inside.
    ztx = q_value(z, i_tm1, v_tm1, a_tm1)
    c = 1.0 - alpha * ztx
    for j in range(i_tm1.shape[0]):
        z[i_tm1[j], a_tm1] += c * v_tm1[j]
    coef = alpha * (delta + q - q_old)
    wf = w.ravel()
    zf = z.ravel()
    for k in range(zf.shape[0]):
        if zf[k] != 0.0:
            wf[k] += coef * zf[k]
    ax = alpha * (q - q_old)
    for j in range(i_tm1.shape[0]):
        w[i_tm1[j], a_tm1] -= ax * v_tm1[j]
    decay = gamma_t * lam
    for k in range(zf.shape[0]):
        zf[k] *= decay
    return delta, q_next


# ------------------------------------------------------------ fused Python-loop agent steps
@njit
def sarsa_step(w, i_tm1, v_tm1, a_tm1, r_t, gamma_t, i_t, v_t, alpha, epsilon, rng, q_buf):
    """One non-terminal SARSA step for a Python loop, in one call: q_buf ← q̂(S′, ·),
    A′ ~ ε-greedy(q_buf), then :func:`sarsa_update`; returns A′ (same draws and floats as the
    three separate calls)."""
    q_values(w, i_t, v_t, q_buf)
    a_t = eps_greedy(q_buf, epsilon, rng)
    sarsa_update(w, i_tm1, v_tm1, a_tm1, r_t, gamma_t, i_t, v_t, a_t, alpha)
    return a_t


@njit
def q_step(expected, w, i_tm1, v_tm1, a_tm1, r_t, gamma_t, i_t, v_t, alpha, epsilon, rng, q_buf):
    """One non-terminal Q-learning (``expected`` False) or Expected SARSA step for a Python loop:
    update, then A′ ~ ε-greedy(q̂(S′, ·)) from the updated weights; returns A′."""
    if expected:
        expected_sarsa_update(w, i_tm1, v_tm1, a_tm1, r_t, gamma_t, i_t, v_t, epsilon, alpha, q_buf)
    else:
        q_learning_update(w, i_tm1, v_tm1, a_tm1, r_t, gamma_t, i_t, v_t, alpha, q_buf)
    q_values(w, i_t, v_t, q_buf)
    return eps_greedy(q_buf, epsilon, rng)
