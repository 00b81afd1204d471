"""Plain NumPy references for linear control (S&B ch. 10, 12): dense x(s, a) vectors, book boxes verbatim."""

import numpy as np


def naive_x(i, v, a, n_features, n_actions):
    """Dense state-action feature vector x(s, a) (length F*A, layout [F, A] row-major)."""
    x = np.zeros((n_features, n_actions))
    for ij, vj in zip(i, v):
        x[ij, a] += vj
    return x.ravel()


def naive_sarsa(w, x, r, gamma, x_next, alpha, terminal):
    """Semi-gradient SARSA; returns (new w, delta)."""
    q_next = 0.0 if terminal else w @ x_next
    delta = r + gamma * q_next - w @ x
    return w + alpha * delta * x, delta


def naive_q_target(q_next, kind, eps):
    if kind == "q":
        return q_next.max()
    n = len(q_next)
    greedy = np.flatnonzero(q_next == q_next.max())
    pi = np.full(n, eps / n)
    pi[greedy] += (1 - eps) / len(greedy)
    return pi @ q_next


def naive_sarsa_lambda(w, z, x, r, gamma, x_next, alpha, lam, terminal, trace):
    """S&B 12.7 box, dense: trace in {'accumulate', 'replace', 'replace_clear'}; clear_mask marks the
    other actions' entries of the active features (for replace_clear)."""
    z = z.copy()
    if trace == "accumulate":
        z = z + x
    else:
        z = np.where(x != 0, x, z)
    delta = r - w @ x + (0.0 if terminal else gamma * (w @ x_next))
    w = w + alpha * delta * z
    z = gamma * lam * z
    return w, z, delta


def naive_true_online(w, z, x, r, gamma, x_next, alpha, lam, q_old, terminal):
    """S&B 12.8 box (z here is the *un-decayed* trace of the book)."""
    q = w @ x
    q_next = 0.0 if terminal else w @ x_next
    delta = r + gamma * q_next - q
    z = gamma * lam * z + (1 - alpha * gamma * lam * (z @ x)) * x
    w = w + alpha * (delta + q - q_old) * z - alpha * (q - q_old) * x
    return w, z, delta, q_next


def naive_nstep_return(rewards, gamma, bootstrap):
    n = len(rewards)
    return sum(gamma**k * rewards[k] for k in range(n)) + gamma**n * bootstrap
