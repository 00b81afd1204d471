"""Plain NumPy/Python references for the random walk and linear prediction (tests only)."""

import numpy as np


def naive_randomwalk_values(n=1000, jump=100, tol=1e-12, max_iter=100000):
    """Iterative policy evaluation (synchronous sweeps), independent of the linear solve."""
    v = np.zeros(n)
    s = np.arange(1, n + 1)
    jumps = [j for j in range(-jump, jump + 1) if j != 0]
    for _ in range(max_iter):
        ext = np.r_[-1.0, v, 1.0]  # R + v(terminal) at the two ends
        new = np.mean([ext[np.clip(s + j, 0, n + 1)] for j in jumps], axis=0)
        if np.max(np.abs(new - v)) < tol:
            return new
        v = new
    raise RuntimeError("no convergence")


def naive_randomwalk_episode(rng, n=1000, jump=100, start=500):
    states, rewards = [], []
    s = start
    while True:
        states.append(s)
        k = int(rng.random() * (2 * jump))
        s += -(k + 1) if k < jump else k - jump + 1
        if s <= 0:
            rewards.append(-1.0)
            return states, rewards
        if s >= n + 1:
            rewards.append(1.0)
            return states, rewards
        rewards.append(0.0)


# ---------------------------------------------------------------- linear prediction (dense x, book boxes)
def naive_mc(w, X, rewards, alpha, gamma=1.0):
    """Gradient MC over one episode: X[t] = x(S_t) (dense), rewards[t] = R_{t+1}."""
    T = len(rewards)
    G = np.zeros(T)
    g = 0.0
    for t in reversed(range(T)):
        g = rewards[t] + gamma * g
        G[t] = g
    for t in range(T):
        w += alpha * (G[t] - w @ X[t]) * X[t]
    return w


def naive_nstep(w, X, rewards, alpha, n, gamma=1.0):
    """n-step semi-gradient TD as in the book's box (online, time t = 0, 1, ...)."""
    T = len(rewards)
    t = 0
    while True:
        tau = t - n + 1
        if tau >= 0:
            G = sum(gamma ** (i - tau - 1) * rewards[i - 1] for i in range(tau + 1, min(tau + n, T) + 1))
            if tau + n < T:
                G += gamma**n * (w @ X[tau + n])
            w += alpha * (G - w @ X[tau]) * X[tau]
        if tau == T - 1:
            return w
        t += 1


def naive_td_lambda(w, X, rewards, alpha, lam, gamma=1.0, replacing=False):
    """Semi-gradient TD(λ) (box of S&B 12.2); replacing: z_i = 1 where x_i = 1."""
    z = np.zeros_like(w)
    T = len(rewards)
    for t in range(T):
        x = X[t]
        if replacing:
            z = gamma * lam * z
            z[x != 0] = x[x != 0]
        else:
            z = gamma * lam * z + x
        v_next = 0.0 if t == T - 1 else w @ X[t + 1]
        delta = rewards[t] + gamma * v_next - w @ x
        w += alpha * delta * z
    return w


def naive_true_online_td(w, X, rewards, alpha, lam, gamma=1.0):
    """True online TD(λ) (box of S&B 12.5)."""
    z = np.zeros_like(w)
    v_old = 0.0
    T = len(rewards)
    for t in range(T):
        x = X[t]
        x1 = np.zeros_like(x) if t == T - 1 else X[t + 1]
        V, V1 = w @ x, w @ x1
        delta = rewards[t] + gamma * V1 - V
        z = gamma * lam * z + (1 - alpha * gamma * lam * (z @ x)) * x
        w += alpha * (delta + V - v_old) * z - alpha * (V - v_old) * x
        v_old = V1
    return w


def naive_lambda_return(w, X, rewards, alpha, lam, gamma=1.0):
    """Offline λ-return: G^λ_t from the episode-start weights (eq. 12.3), then the updates in order."""
    T = len(rewards)
    V = np.array([w @ X[t] for t in range(T)] + [0.0])
    G = np.zeros(T)
    for t in range(T):  # G^λ_t = (1-λ) Σ_n λ^{n-1} G_{t:t+n} + λ^{T-t-1} G_t  (direct formula)
        total = 0.0
        for n in range(1, T - t):
            gn = sum(gamma**k * rewards[t + k] for k in range(n)) + gamma**n * V[t + n]
            total += (1 - lam) * lam ** (n - 1) * gn
        gt = sum(gamma**k * rewards[t + k] for k in range(T - t))
        G[t] = total + lam ** (T - t - 1) * gt
    for t in range(T):
        w += alpha * (G[t] - w @ X[t]) * X[t]
    return w
