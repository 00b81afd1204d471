"""Fitted Q-iteration: hand-computed chain MDP values, the N-step horizon property, input checks."""

import numpy as np
import pytest

from fastfa.agents import fitted_q_iteration
from fastfa.approx import ExtraTrees, RegressionTree


def _chain(n=5):
    """States 0..n-1 on a line; action 1 moves right, 0 stays; reaching n-1 ends with reward 1.
    Every (state, action) pair appears twice (trees reproduce exact tabular targets)."""
    S, A, R, S2, T = [], [], [], [], []
    for s in range(n - 1):
        for a in (0, 1):
            nxt = s + a
            S += [s, s]
            A += [a, a]
            R += [1.0 if nxt == n - 1 else 0.0] * 2
            S2 += [nxt, nxt]
            T += [nxt == n - 1] * 2
    return (
        np.array(S, float).reshape(-1, 1),
        np.array(A),
        np.array(R),
        np.array(S2, float).reshape(-1, 1),
        np.array(T),
    )


@pytest.mark.parametrize("make", [lambda: RegressionTree(), lambda: ExtraTrees(4, seed=0)])
def test_chain_values_hand_computed(make):
    S, A, R, S2, T = _chain(5)
    g = 0.9
    f = fitted_q_iteration(S, A, R, S2, T, n_actions=2, regressor=make, iterations=10, gamma=g)
    q = f.q_values(np.arange(4.0).reshape(-1, 1))
    # Q*(s, 1) = γ^(3-s), Q*(s, 0) = γ^(4-s) (stay one step, then go right)
    np.testing.assert_allclose(q[:, 1], g ** (3 - np.arange(4)), rtol=1e-12)
    np.testing.assert_allclose(q[:, 0], g ** (4 - np.arange(4)), rtol=1e-12)
    assert [f.act([s]) for s in range(4)] == [1, 1, 1, 1]
    assert len(f.fit_seconds) == 10


def test_n_iterations_see_n_steps_ahead():
    # Q_N is the optimal N-step value: after 2 iterations only states within 2 steps of the goal see it
    S, A, R, S2, T = _chain(6)
    f = fitted_q_iteration(S, A, R, S2, T, n_actions=2, regressor=RegressionTree, iterations=2, gamma=1.0)
    q = f.q_values(np.arange(5.0).reshape(-1, 1))
    np.testing.assert_array_equal(q.max(axis=1), [0, 0, 0, 1, 1])
    seen = []
    fitted_q_iteration(
        S,
        A,
        R,
        S2,
        T,
        n_actions=2,
        regressor=RegressionTree,
        iterations=3,
        gamma=1.0,
        callback=lambda it, fq: seen.append(it),
    )
    assert seen == [1, 2, 3]


def test_inputs_are_checked():
    S, A, R, S2, T = _chain(4)
    kw = dict(n_actions=2, regressor=RegressionTree)
    with pytest.raises(ValueError, match="n_actions must be an int >= 1"):
        fitted_q_iteration(S, A, R, S2, T, n_actions=0, regressor=RegressionTree)
    with pytest.raises(ValueError, match="iterations must be an int >= 1"):
        fitted_q_iteration(S, A, R, S2, T, iterations=0, **kw)
    with pytest.raises(ValueError, match="gamma must be in"):
        fitted_q_iteration(S, A, R, S2, T, gamma=1.5, **kw)
    with pytest.raises(ValueError, match=r"A must be int\[12\] with values in \[0, 2\)"):
        fitted_q_iteration(S, A + 1, R, S2, T, **kw)
    with pytest.raises(ValueError, match="S and S2 must be 2-D"):
        fitted_q_iteration(S, A, R, S2[:3], T, **kw)
    with pytest.raises(ValueError, match="must be finite"):
        fitted_q_iteration(S, A, np.full_like(R, np.nan), S2, T, **kw)
    with pytest.raises(ValueError, match="R and terminal must have shape"):
        fitted_q_iteration(S, A, R[:2], S2, T, **kw)
