"""Control kernels vs the naive dense references (tests/naive_control.py) and hand-computed cases."""

import numpy as np
import pytest

from fastfa.kernels.linear import control as K
from naive_control import (
    naive_nstep_return,
    naive_q_target,
    naive_sarsa,
    naive_sarsa_lambda,
    naive_true_online,
    naive_x,
)

F, A, NNZ = 12, 3, 4


def _feat(rng, binary=True):
    i = rng.choice(F, NNZ, replace=False).astype(np.int64)
    v = np.ones(NNZ) if binary else rng.normal(size=NNZ)
    return i, v


def _episode(rng, n, binary=True):
    """n transitions (i, v, a, r, terminal) with the last one terminal."""
    out = []
    for t in range(n):
        i, v = _feat(rng, binary)
        out.append((i, v, int(rng.integers(A)), float(rng.normal()), t == n - 1))
    return out


def test_q_values_and_hand_case():
    w = np.arange(F * A, dtype=float).reshape(F, A)
    i = np.array([1, 4])
    v = np.array([1.0, 2.0])
    q = np.empty(A)
    K.q_values(w, i, v, q)
    np.testing.assert_array_equal(q, w[1] + 2 * w[4])
    assert K.q_value(w, i, v, 2) == w[1, 2] + 2 * w[4, 2]


def test_sarsa_hand_computed():
    w = np.zeros((F, A))
    w[0, 1] = 1.0
    w[5, 2] = 3.0
    i0, v0 = np.array([0, 2]), np.ones(2)
    i1, v1 = np.array([5, 6]), np.ones(2)
    d = K.sarsa_update(w, i0, v0, 1, -1.0, 0.5, i1, v1, 2, 0.1)
    assert d == -1.0 + 0.5 * 3.0 - 1.0  # -0.5
    assert w[0, 1] == 1.0 + 0.1 * -0.5 and w[2, 1] == 0.1 * -0.5 and w[5, 2] == 3.0
    # terminal (gamma = 0): no bootstrap
    w2 = np.zeros((F, A))
    assert K.sarsa_update(w2, i0, v0, 0, 2.0, 0.0, i1, v1, 0, 0.5) == 2.0
    assert w2[0, 0] == 1.0 and w2[2, 0] == 1.0 and w2.sum() == 2.0


@pytest.mark.parametrize("binary", [True, False])
def test_sarsa_q_expected_vs_naive(binary):
    rng = np.random.default_rng(0)
    for kind in ["sarsa", "q", "expected"]:
        w = rng.normal(size=(F, A))
        wn = w.ravel().copy()
        ep = _episode(rng, 30, binary)
        qb = np.empty(A)
        for t in range(len(ep) - 1):
            i0, v0, a0, r, _ = ep[t]
            i1, v1, a1, _, _ = ep[t + 1]
            term = t == len(ep) - 2
            g = 0.0 if term else 0.9
            x0 = naive_x(i0, v0, a0, F, A)
            if kind == "sarsa":
                d = K.sarsa_update(w, i0, v0, a0, r, g, i1, v1, a1, 0.1)
                wn, dn = naive_sarsa(wn, x0, r, 0.9, naive_x(i1, v1, a1, F, A), 0.1, term)
            else:
                qn = np.array([wn @ naive_x(i1, v1, b, F, A) for b in range(A)])
                tgt = r + (0.0 if term else 0.9 * naive_q_target(qn, kind, 0.2))
                dn = tgt - wn @ x0
                wn = wn + 0.1 * dn * x0
                if kind == "q":
                    d = K.q_learning_update(w, i0, v0, a0, r, g, i1, v1, 0.1, qb)
                else:
                    d = K.expected_sarsa_update(w, i0, v0, a0, r, g, i1, v1, 0.2, 0.1, qb)
            assert d == pytest.approx(dn, rel=1e-12, abs=1e-12)
            np.testing.assert_allclose(w.ravel(), wn, rtol=1e-12, atol=1e-12)


def test_expectation_with_ties():
    q = np.array([1.0, 3.0, 3.0])
    assert K.eps_greedy_expectation(q, 0.3) == pytest.approx(naive_q_target(q, "expected", 0.3))
    assert K.eps_greedy_expectation(q, 0.0) == 3.0


@pytest.mark.parametrize("trace", [K.ACCUMULATE, K.REPLACE, K.REPLACE_CLEAR])
def test_sarsa_lambda_vs_naive(trace):
    rng = np.random.default_rng(1)
    name = {K.ACCUMULATE: "accumulate", K.REPLACE: "replace", K.REPLACE_CLEAR: "replace_clear"}[trace]
    for _ in range(3):  # episodes; traces reset each episode
        w = rng.normal(size=(F, A))
        z = np.zeros((F, A))
        wn = w.ravel().copy()
        zn = np.zeros(F * A)
        ep = _episode(rng, 25, binary=True)
        for t in range(len(ep) - 1):
            i0, v0, a0, r, _ = ep[t]
            i1, v1, a1, _, _ = ep[t + 1]
            term = t == len(ep) - 2
            d = K.sarsa_lambda_update(w, z, i0, v0, a0, r, 0.0 if term else 0.95, i1, v1, a1, 0.05, 0.8, trace)
            if name == "replace_clear":
                zz = zn.reshape(F, A).copy()
                zz[i0, :] = 0.0
                zn = zz.ravel()
            wn, zn, dn = naive_sarsa_lambda(
                wn,
                zn,
                naive_x(i0, v0, a0, F, A),
                r,
                0.95,
                naive_x(i1, v1, a1, F, A),
                0.05,
                0.8,
                term,
                "accumulate" if name == "accumulate" else "replace",
            )
            assert d == pytest.approx(dn, abs=1e-12)
            np.testing.assert_allclose(w.ravel(), wn, atol=1e-12)
            if not term:
                np.testing.assert_allclose(z.ravel(), zn, atol=1e-12)


def test_traces_hand_case():
    # two steps, accumulating vs replacing vs clearing, on the same feature
    i = np.array([0])
    v = np.ones(1)
    out = {}
    for tr in (K.ACCUMULATE, K.REPLACE, K.REPLACE_CLEAR):
        w = np.zeros((2, 2))
        z = np.zeros((2, 2))
        K.sarsa_lambda_update(w, z, i, v, 1, 0.0, 1.0, i, v, 0, 0.5, 0.5, tr)  # z[0,1]=1 then *0.5
        assert z[0, 1] == 0.5
        K.sarsa_lambda_update(w, z, i, v, 0, 0.0, 1.0, i, v, 1, 0.5, 0.5, tr)  # visit (0, action 0)
        K.sarsa_lambda_update(w, z, i, v, 1, 0.0, 1.0, i, v, 1, 0.5, 0.5, tr)  # revisit (0, action 1)
        out[tr] = z.copy()
    assert out[K.ACCUMULATE][0, 1] == (0.25 + 1) * 0.5 and out[K.ACCUMULATE][0, 0] == 0.25
    assert out[K.REPLACE][0, 1] == 0.5 and out[K.REPLACE][0, 0] == 0.25
    assert out[K.REPLACE_CLEAR][0, 1] == 0.5 and out[K.REPLACE_CLEAR][0, 0] == 0.0


@pytest.mark.parametrize("binary", [True, False])
def test_true_online_vs_naive(binary):
    rng = np.random.default_rng(2)
    for _ in range(3):
        w = rng.normal(size=(F, A))
        z = np.zeros((F, A))
        q_old = 0.0
        wn = w.ravel().copy()
        zn = np.zeros(F * A)
        qn_old = 0.0
        ep = _episode(rng, 25, binary)
        for t in range(len(ep) - 1):
            i0, v0, a0, r, _ = ep[t]
            i1, v1, a1, _, _ = ep[t + 1]
            term = t == len(ep) - 2
            d, q_old = K.true_online_sarsa_update(
                w, z, i0, v0, a0, r, 0.0 if term else 0.9, i1, v1, a1, 0.05, 0.7, q_old
            )
            wn, zn, dn, qn_old = naive_true_online(
                wn, zn, naive_x(i0, v0, a0, F, A), r, 0.9, naive_x(i1, v1, a1, F, A), 0.05, 0.7, qn_old, term
            )
            assert d == pytest.approx(dn, abs=1e-12) and q_old == pytest.approx(qn_old, abs=1e-12)
            np.testing.assert_allclose(w.ravel(), wn, atol=1e-12)


def test_true_online_lambda0_is_sarsa():
    rng = np.random.default_rng(3)
    w1 = rng.normal(size=(F, A))
    w2 = w1.copy()
    z = np.zeros((F, A))
    q_old = 0.0
    ep = _episode(rng, 20)
    for t in range(len(ep) - 1):
        i0, v0, a0, r, _ = ep[t]
        i1, v1, a1, _, _ = ep[t + 1]
        g = 0.0 if t == len(ep) - 2 else 0.9
        # λ = 0 gives z = x, and with Q_old = 0 the update is w += α(δ + Q)x − αQx = αδx: SARSA
        K.true_online_sarsa_update(w1, z, i0, v0, a0, r, g, i1, v1, a1, 0.1, 0.0, q_old)
        q_old = 0.0
        K.sarsa_update(w2, i0, v0, a0, r, g, i1, v1, a1, 0.1)
        np.testing.assert_allclose(w1, w2, atol=1e-12)


def test_nstep_return():
    r = np.array([1.0, -2.0, 0.5])
    assert K.nstep_return(r, 0.9, 4.0) == pytest.approx(naive_nstep_return(r, 0.9, 4.0))
    assert K.nstep_return(r, 0.0, 4.0) == 1.0
    assert K.nstep_return(np.zeros(0), 0.9, 4.0) == 4.0


def test_greedy_tie_breaking_uniform_and_deterministic():
    q = np.array([1.0, 5.0, 5.0, 5.0])
    rng = np.random.default_rng(0)
    picks = np.array([K.greedy_action(q, rng) for _ in range(3000)])
    assert set(picks) == {1, 2, 3}
    counts = np.bincount(picks, minlength=4)[1:]
    assert abs(counts - 1000).max() < 120
    a = [K.eps_greedy(q, 0.3, np.random.default_rng(5)) for _ in range(1)]
    b = [K.eps_greedy(q, 0.3, np.random.default_rng(5)) for _ in range(1)]
    assert a == b
    # unique max: no draw at all
    rng = np.random.default_rng(9)
    state = rng.bit_generator.state
    assert K.greedy_action(np.array([0.0, 2.0, 1.0]), rng) == 1 and rng.bit_generator.state == state
    # eps = 1: uniform over all actions
    rng = np.random.default_rng(1)
    picks = [K.eps_greedy(np.array([0.0, 9.0]), 1.0, rng) for _ in range(2000)]
    assert 0.45 < np.mean(picks) < 0.55


def test_eps_greedy_same_stream_as_numpy_draws():
    """The kernel draws exactly rng.random() then u = rng.random() for action ⌊u·A⌋: reproducible from Python."""
    q = np.array([0.0, 1.0, 0.5])
    rng = np.random.default_rng(4)
    ref = np.random.default_rng(4)
    for _ in range(200):
        a = K.eps_greedy(q, 0.5, rng)
        expect = int(ref.random() * 3) if ref.random() < 0.5 else 1
        assert a == expect


@pytest.mark.parametrize("kind", ["sarsa", "q", "expected"])
def test_fused_python_loop_steps_equal_separate_calls(kind):
    rng0 = np.random.default_rng(8)
    w1 = rng0.normal(size=(F, A))
    w1[:, 1] = w1[:, 0]  # some ties
    w2 = w1.copy()
    r1, r2 = np.random.default_rng(3), np.random.default_rng(3)
    qb = np.empty(A)
    for _ in range(30):
        i0, v0 = _feat(rng0)
        i1, v1 = _feat(rng0)
        a0 = int(rng0.integers(A))
        r = float(rng0.normal())
        if kind == "sarsa":
            a = K.sarsa_step(w1, i0, v0, a0, r, 0.9, i1, v1, 0.1, 0.2, r1, qb)
            K.q_values(w2, i1, v1, qb)
            b = K.eps_greedy(qb, 0.2, r2)
            K.sarsa_update(w2, i0, v0, a0, r, 0.9, i1, v1, b, 0.1)
        else:
            a = K.q_step(kind == "expected", w1, i0, v0, a0, r, 0.9, i1, v1, 0.1, 0.2, r1, qb)
            if kind == "expected":
                K.expected_sarsa_update(w2, i0, v0, a0, r, 0.9, i1, v1, 0.2, 0.1, qb)
            else:
                K.q_learning_update(w2, i0, v0, a0, r, 0.9, i1, v1, 0.1, qb)
            K.q_values(w2, i1, v1, qb)
            b = K.eps_greedy(qb, 0.2, r2)
        assert a == b
        np.testing.assert_array_equal(w1, w2)
