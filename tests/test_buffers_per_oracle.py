"""Prioritised replay against the paper (Schaul et al. 2016) with no sum-tree: cumulative sums +
searchsorted (tests/naive_replay.paper_per_sample), plus hand cases at the edges the tree has to get
right: zero priorities, one non-zero leaf, masses exactly on a boundary, rounding past the total."""

import numpy as np
import pytest

from fastfa.buffers import PrioritizedReplayBuffer
from fastfa.kernels.replay import replay as R
from naive_replay import paper_per_sample


def _tree(p):
    cap2 = 1 << max(0, (len(p) - 1).bit_length())
    st, mt = np.zeros(2 * cap2), np.full(2 * cap2, np.inf)
    for i, v in enumerate(p):
        R.sumtree_set(st, mt, i, float(v))
    return st, mt


def _kernel(p, beta, u):
    st, mt = _tree(p)
    idx, w = np.empty(len(u), np.int64), np.empty(len(u), np.float32)
    ok = R.per_sample_indices(st, mt, len(p), beta, np.asarray(u, np.float64), idx, w)
    return ok, idx, w


@pytest.mark.nojit
@pytest.mark.parametrize("n,B,seed", [(1, 4, 0), (5, 3, 1), (8, 8, 2), (13, 32, 3), (100, 64, 4)])
def test_per_sample_equals_cumsum_searchsorted(n, B, seed):
    rng = np.random.default_rng(seed)
    p = rng.random(n) * 3.0 + 0.01
    u = rng.random(B)
    ok, idx, w = _kernel(p, 0.4, u)
    ref_idx, ref_w = paper_per_sample(p, 0.4, u)
    assert ok
    # the tree's partial sums round differently from a running cumsum: skip masses within 1e-12 of a boundary
    c = np.cumsum(p)
    m = (np.arange(B) + u) * (c[-1] / B)
    clear = np.min(np.abs(m[:, None] - c[None, :]), axis=1) > 1e-12 * c[-1]
    assert clear.sum() >= B - 1
    np.testing.assert_array_equal(idx[clear], ref_idx[clear])
    # weights of whatever row was drawn: (N P(i))^-β / max_j (N P(j))^-β
    np.testing.assert_allclose(w, (n * p[idx] / p.sum()) ** -0.4 / (n * p.min() / p.sum()) ** -0.4, rtol=1e-6)
    np.testing.assert_allclose(w[clear], ref_w[clear], rtol=1e-6)


def test_hand_cases_exact_boundaries():
    """Integer priorities: every sum is exact, so a mass exactly on a cumulative boundary is well defined.
    p = [1, 2, 0, 1], total 4, B = 4: masses k + u_k.  Mass 1.0 is not < 1 (row 0) -> row 1;
    mass 3.0 equals the prefix sum of rows 0..2 (1 + 2 + 0) -> row 3 (the zero row 2 is never taken)."""
    p = np.array([1.0, 2.0, 0.0, 1.0])
    u = np.array([0.0, 0.0, 0.5, 0.0])  # masses 0, 1, 2.5, 3
    ok, idx, w = _kernel(p, 1.0, u)
    assert ok and idx.tolist() == [0, 1, 1, 3] == paper_per_sample(p, 1.0, u)[0].tolist()
    # with a zero-priority row the paper's max weight is infinite (the buffer forbids zero priorities:
    # eps > 0 or an error); beta = 0 still gives weights 1
    ok, idx, w = _kernel(p, 0.0, u)
    np.testing.assert_array_equal(w, 1.0)  # beta = 0: all weights 1


def test_single_nonzero_leaf_and_zero_total():
    p = np.array([0.0, 0.0, 5.0, 0.0, 0.0])
    u = np.linspace(0, 0.999999, 7)
    ok, idx, w = _kernel(p, 0.0, u)
    assert ok and (idx == 2).all()
    ok, idx, _ = _kernel(np.zeros(3), 0.5, np.array([0.3]))
    assert not ok  # no mass: nothing to sample (the buffer turns this into a ValueError)


def test_rounding_past_the_total_takes_the_last_positive_row():
    """u = 1 - 2^-53 on the last stratum can put the mass at the total after rounding: the draw must
    still be a stored row with positive priority (the last one), never past `size` or a zero leaf."""
    p = np.array([0.1, 0.2, 0.7, 0.0, 0.0])  # 0.1 + 0.2 + 0.7 rounds; rows 3, 4 are zero
    u = np.full(3, np.nextafter(1.0, 0.0))
    ok, idx, _ = _kernel(p, 0.5, u)
    assert ok and idx[-1] == 2
    assert paper_per_sample(p, 0.5, u)[0][-1] == 2


def test_buffer_priorities_weights_and_frequencies_vs_paper():
    """The public buffer: p_i = (|δ_i| + ε)^α, then a sample = the paper's sampler on the same uniforms."""
    n, alpha, beta, eps = 10, 0.6, 0.4, 1e-3
    buf = PrioritizedReplayBuffer(16, (1,), seed=3, alpha=alpha, beta=beta, eps=eps)
    for i in range(n):
        buf.add(np.array([i], np.float32), 0, 0.0, np.array([i], np.float32), False)
    td = np.abs(np.random.default_rng(0).normal(size=n)) * 2
    buf.update_priorities(np.arange(n), td)
    np.testing.assert_allclose(buf.priorities(), (td + eps) ** alpha, rtol=1e-14)
    state = buf.rng.bit_generator.state
    s = buf.sample(8)
    u = np.random.default_rng()
    u.bit_generator.state = state
    ref_idx, ref_w = paper_per_sample((td + eps) ** alpha, beta, u.random(8))
    np.testing.assert_array_equal(s.indices, ref_idx)
    np.testing.assert_allclose(s.weights, ref_w, rtol=1e-6)
