"""Sparse-trace versions of SARSA(λ) and true online SARSA(λ) for binary features (compiled loops).

Same arithmetic as :func:`control.sarsa_lambda_update` and
:func:`control.true_online_sarsa_update` with ``v = 1`` (bit-identical results),
but the decay and the weight update run over the list of trace entries touched
in the episode instead of all F·A entries: ``lst[:n]`` holds flat indices into
``z.ravel()``, ``mark`` (uint8[F·A]) flags them.  Call :func:`traces_clear`
at the start of every episode (it zeroes only the listed entries).

``trace_min`` > 0 drops a trace once its magnitude falls below it after the
decay (it becomes 0 and leaves the list), as in Sutton's own Mountain Car code
(minimum trace 0.01): a small, documented approximation that keeps the list
short when γλ is close to 1.  ``trace_min`` = 0 is exact.
"""

from .._jit import njit
from .control import ACCUMULATE, REPLACE_CLEAR


@njit(inline="always")
def traces_clear(zf, mark, lst, n):
    for k in range(n):
        j = lst[k]
        zf[j] = 0.0
        mark[j] = 0
    return 0


@njit(inline="always")
def _touch(mark, lst, n, j):
    if mark[j] == 0:
        mark[j] = 1
        lst[n] = j
        return n + 1
    return n


@njit(inline="always")
def sarsa_lambda_sparse(w, z, mark, lst, n, i_tm1, a_tm1, r_t, gamma_t, i_t, a_t, alpha, lam, trace, trace_min):
    """SARSA(λ) step (see ``control.sarsa_lambda_update``) over the listed traces; returns the list length."""
    n_a = w.shape[1]
    zf = z.ravel()
    wf = w.ravel()
    for j in range(i_tm1.shape[0]):
        row = i_tm1[j]
        if trace == ACCUMULATE:
            z[row, a_tm1] += 1.0
        else:
            if trace == REPLACE_CLEAR:
                for b in range(n_a):
                    z[row, b] = 0.0
            z[row, a_tm1] = 1.0
        n = _touch(mark, lst, n, row * n_a + a_tm1)
    q = 0.0
    for j in range(i_tm1.shape[0]):
        q += 1.0 * w[i_tm1[j], a_tm1]
    delta = r_t - q
    if gamma_t != 0.0:
        qn = 0.0
        for j in range(i_t.shape[0]):
            qn += 1.0 * w[i_t[j], a_t]
        delta += gamma_t * qn
    ad = alpha * delta
    decay = gamma_t * lam
    k = 0
    while k < n:  # one pass: update, decay, and drop traces below trace_min (swap-remove)
        j = lst[k]
        zk = zf[j]
        if zk != 0.0:
            wf[j] += ad * zk
            zk = decay * zk
            zf[j] = zk
        if zk == 0.0 or abs(zk) < trace_min:  # zero traces leave the list (exact)
            zf[j] = 0.0
            mark[j] = 0
            n -= 1
            lst[k] = lst[n]
        else:
            k += 1
    return n


@njit(inline="always")
def true_online_sparse(w, z, mark, lst, n, i_tm1, a_tm1, r_t, gamma_t, i_t, a_t, alpha, lam, q_old, trace_min, out2):
    """True online SARSA(λ) step (see ``control.true_online_sarsa_update``) over the listed traces.

    Returns the list length; ``out2[0]`` receives Q_old for the next call.
    """
    n_a = w.shape[1]
    zf = z.ravel()
    wf = w.ravel()
    q = 0.0
    for j in range(i_tm1.shape[0]):
        q += 1.0 * w[i_tm1[j], a_tm1]
    q_next = 0.0
    if gamma_t != 0.0:
        for j in range(i_t.shape[0]):
            q_next += 1.0 * w[i_t[j], a_t]
    delta = r_t + gamma_t * q_next - q
    ztx = 0.0
    for j in range(i_tm1.shape[0]):
        ztx += 1.0 * z[i_tm1[j], a_tm1]
    c = 1.0 - alpha * ztx
    for j in range(i_tm1.shape[0]):
        z[i_tm1[j], a_tm1] += c * 1.0
        n = _touch(mark, lst, n, i_tm1[j] * n_a + a_tm1)
    coef = alpha * (delta + q - q_old)
    decay = gamma_t * lam
    k = 0
    while k < n:  # w += coef·z and z ← γλz in one pass (the −α(Q − Q_old)x term below touches only x)
        j = lst[k]
        zj = zf[j]
        if zj != 0.0:
            wf[j] += coef * zj
        zj *= decay
        zf[j] = zj
        if zj == 0.0 or abs(zj) < trace_min:
            zf[j] = 0.0
            mark[j] = 0
            n -= 1
            lst[k] = lst[n]
        else:
            k += 1
    ax = alpha * (q - q_old)
    for j in range(i_tm1.shape[0]):
        w[i_tm1[j], a_tm1] -= ax * 1.0
    out2[0] = q_next
    return n
