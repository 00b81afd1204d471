"""Trace kernels when the active list repeats an index (hash collisions in tile coding).

Reference: tests/naive_traces.py, the book's boxes with dense vectors (accumulating adds 2 at a
repeated index, replacing sets 1, dutch uses x_i = 2).  Features are drawn *with* replacement from a
small table, so every episode has repeated indices; the three trace kinds give different weights.
"""

import numpy as np
import pytest

from fastfa.kernels.linear import control as KC
from fastfa.kernels.linear import control_traces as KT
from fastfa.kernels.linear import prediction as KP
from naive_traces import book_dutch_episode, book_lambda_episode, dense

F, NNZ, T = 6, 4, 25
ALPHA, LAM, GAMMA = 0.05, 0.8, 0.9
TRACE = {"accumulate": KC.ACCUMULATE, "replace": KC.REPLACE, "replace_clear": KC.REPLACE_CLEAR}


def _episode(seed, n_actions=1):
    rng = np.random.default_rng(seed)
    idx = [np.sort(rng.integers(0, F, NNZ)).astype(np.int64) for _ in range(T + 1)]
    acts = rng.integers(0, n_actions, T + 1)
    rew = rng.normal(size=T)
    steps = [
        (idx[t], int(acts[t]), float(rew[t]), 0.0 if t == T - 1 else GAMMA, idx[t + 1], int(acts[t + 1]))
        for t in range(T)
    ]
    assert sum(len(set(i.tolist())) < NNZ for i in idx) >= T // 2  # duplicates are the point of this file
    return steps


def _w0(n):
    return np.linspace(-0.3, 0.4, n)


def test_dense_vector_counts_repeats():
    np.testing.assert_array_equal(dense([1, 3, 3], 5), [0, 1, 0, 2, 0])


@pytest.mark.nojit
@pytest.mark.parametrize("trace", ["accumulate", "replace"])
@pytest.mark.parametrize("seed", [0, 1])
def test_td_lambda_duplicates_vs_book(trace, seed):
    steps = _episode(seed)
    w, z = _w0(F), np.zeros(F)
    deltas = []
    for idx, _, r, g, idx_n, _ in steps:
        deltas.append(KP.td_lambda_update(w, z, idx, np.ones(NNZ), r, g, idx_n, np.ones(NNZ), ALPHA, LAM, TRACE[trace]))
    w_ref, d_ref = book_lambda_episode(steps, F, ALPHA, LAM, trace)
    np.testing.assert_allclose(deltas, d_ref, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(w, w_ref, rtol=1e-12, atol=1e-13)


def test_accumulating_and_replacing_differ_with_repeats():
    """The oracle itself: one step with index 2 listed twice gives trace 2 vs 1 (so weights differ)."""
    steps = [(np.array([2, 2]), 0, 1.0, 0.0, np.array([0, 1]), 0)]
    wa, _ = book_lambda_episode(steps, 3, 0.5, 0.9, "accumulate")
    wr, _ = book_lambda_episode(steps, 3, 0.5, 0.9, "replace")
    w0 = np.linspace(-0.3, 0.4, 3)
    delta = 1.0 - 2 * w0[2]
    np.testing.assert_allclose(wa - w0, [0, 0, 0.5 * delta * 2])
    np.testing.assert_allclose(wr - w0, [0, 0, 0.5 * delta * 1])
    w, z = w0.copy(), np.zeros(3)
    KP.td_lambda_update(
        w, z, np.array([2, 2]), np.ones(2), 1.0, 0.0, np.array([0, 1]), np.ones(2), 0.5, 0.9, KC.ACCUMULATE
    )
    np.testing.assert_allclose(w, wa, rtol=1e-15)


@pytest.mark.nojit
@pytest.mark.parametrize("seed", [0, 1])
def test_true_online_td_duplicates_vs_book(seed):
    steps = _episode(seed)
    w, z, v_old = _w0(F), np.zeros(F), 0.0
    deltas = []
    for idx, _, r, g, idx_n, _ in steps:
        d, v_old = KP.true_online_td_update(w, z, idx, np.ones(NNZ), r, g, idx_n, np.ones(NNZ), ALPHA, LAM, v_old)
        deltas.append(d)
    w_ref, d_ref = book_dutch_episode(steps, F, ALPHA, LAM)
    np.testing.assert_allclose(deltas, d_ref, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(w, w_ref, rtol=1e-12, atol=1e-13)


@pytest.mark.nojit
@pytest.mark.parametrize("trace", ["accumulate", "replace", "replace_clear"])
@pytest.mark.parametrize("sparse", [False, True])
def test_sarsa_lambda_duplicates_vs_book(trace, sparse):
    A = 3
    steps = _episode(7, A)
    w, z = _w0(F * A).reshape(F, A), np.zeros((F, A))
    mark, lst, n = np.zeros(F * A, np.uint8), np.zeros(F * A, np.int64), 0
    ones = np.ones(NNZ)
    for idx, a, r, g, idx_n, a_n in steps:
        if sparse:
            n = KT.sarsa_lambda_sparse(w, z, mark, lst, n, idx, a, r, g, idx_n, a_n, ALPHA, LAM, TRACE[trace], 0.0)
        else:
            KC.sarsa_lambda_update(w, z, idx, ones, a, r, g, idx_n, ones, a_n, ALPHA, LAM, TRACE[trace])
    w_ref, _ = book_lambda_episode(steps, F, ALPHA, LAM, trace, A)
    np.testing.assert_allclose(w.ravel(), w_ref, rtol=1e-12, atol=1e-13)


@pytest.mark.nojit
@pytest.mark.parametrize("sparse", [False, True])
def test_true_online_sarsa_duplicates_vs_book(sparse):
    A = 3
    steps = _episode(11, A)
    w, z, q_old = _w0(F * A).reshape(F, A), np.zeros((F, A)), 0.0
    mark, lst, n, out2 = np.zeros(F * A, np.uint8), np.zeros(F * A, np.int64), 0, np.zeros(1)
    ones = np.ones(NNZ)
    for idx, a, r, g, idx_n, a_n in steps:
        if sparse:
            n = KT.true_online_sparse(w, z, mark, lst, n, idx, a, r, g, idx_n, a_n, ALPHA, LAM, q_old, 0.0, out2)
            q_old = out2[0]
        else:
            _, q_old = KC.true_online_sarsa_update(w, z, idx, ones, a, r, g, idx_n, ones, a_n, ALPHA, LAM, q_old)
    w_ref, _ = book_dutch_episode(steps, F, ALPHA, LAM, A)
    np.testing.assert_allclose(w.ravel(), w_ref, rtol=1e-12, atol=1e-13)
