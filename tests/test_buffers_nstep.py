"""ReplayBuffer n-step returns: hand-computed windows, NumPy reference on random episodes
with wrap-around, n_step=1 identical to the one-step samples, compiled path, save/load."""

import numpy as np
import pytest

from fastfa.buffers import NStepTransitions, ReplayBuffer, Transitions
from fastfa.kernels.replay import replay as R
from naive_replay import naive_nstep_row


def _gather_all(buf):
    """n-step rows 0..size-1 through the kernel."""
    n = len(buf)
    idx = np.arange(n, dtype=np.int64)
    out = buf._out(n)
    g = np.empty(n, np.float32)
    R.replay_nstep_gather(
        buf.obs,
        buf.actions,
        buf.rewards,
        buf.next_obs,
        buf.terminated,
        buf.truncated,
        buf.state,
        buf.n_step,
        buf.gamma,
        idx,
        *out,
        g,
    )
    return out + (g,)


def test_hand_computed_terminal_truncated_and_head():
    buf = ReplayBuffer(10, (1,), seed=0, n_step=3, gamma=0.5)
    # episode 1 (terminates): rewards 1, 2, 4; episode 2 (truncated): 1, 1; episode 3 (running): 1, 1
    steps = [
        (1, False, False),
        (2, False, False),
        (4, True, False),
        (1, False, False),
        (1, False, True),
        (1, False, False),
        (1, False, False),
    ]
    for t, (r, term, trunc) in enumerate(steps):
        buf.add([t], 0, r, [t + 1 + 100 * (term or trunc)], term, truncated=trunc)
    o, a, ret, o2, d, g = _gather_all(buf)
    np.testing.assert_allclose(ret, [1 + 1 + 1, 2 + 2, 4, 1.5, 1, 1.5, 1])
    np.testing.assert_array_equal(o2[:, 0], [103, 103, 103, 105, 105, 7, 7])
    np.testing.assert_array_equal(d, [True, True, True, False, False, False, False])
    np.testing.assert_allclose(g, [0, 0, 0, 0.25, 0.5, 0.25, 0.5])
    # gamma = 0: one-step reward, discount 0 everywhere
    b0 = ReplayBuffer(10, (1,), n_step=3, gamma=0.0)
    for t, (r, term, trunc) in enumerate(steps):
        b0.add([t], 0, r, [t + 1], term, truncated=trunc)
    _, _, ret0, _, _, g0 = _gather_all(b0)
    np.testing.assert_allclose(ret0, [s[0] for s in steps])
    np.testing.assert_array_equal(g0, 0)


def _random_stream(rng, T, p_term=0.1, p_trunc=0.08):
    stream, obs = [], rng.normal(size=2).astype(np.float32)
    for _ in range(T):
        nxt = rng.normal(size=2).astype(np.float32)
        term = bool(rng.random() < p_term)
        trunc = (not term) and bool(rng.random() < p_trunc)
        stream.append((obs, int(rng.integers(3)), float(rng.normal()), nxt, term, trunc))
        obs = rng.normal(size=2).astype(np.float32) if term or trunc else nxt
    return stream


@pytest.mark.parametrize("cap,T,n", [(7, 5, 3), (7, 23, 3), (16, 50, 5), (5, 12, 8), (1, 4, 3), (9, 40, 1)])
def test_random_episodes_vs_reference_with_wraparound(cap, T, n):
    rng = np.random.default_rng(cap * 1000 + T + n)
    stream = _random_stream(rng, T)
    gamma = 0.9
    buf = ReplayBuffer(cap, (2,), seed=1, n_step=n, gamma=gamma)
    half = T // 2  # half by add, half by add_batch (with truncated flags)
    for s in stream[:half]:
        buf.add(*s[:5], truncated=s[5])
    rest = stream[half:]
    if rest:
        buf.add_batch(
            *[np.array([s[k] for s in rest]) for k in range(4)],
            np.array([s[4] for s in rest]),
            truncated=np.array([s[5] for s in rest]),
        )
    o, a, ret, o2, d, g = _gather_all(buf)
    for row in range(len(buf)):
        ro, ra, rret, ro2, rd, rg = naive_nstep_row(stream, cap, row, n, gamma)
        np.testing.assert_array_equal(o[row], ro)
        assert a[row] == ra and d[row] == rd
        np.testing.assert_array_equal(o2[row], ro2)
        np.testing.assert_allclose(ret[row], rret, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(g[row], rg, rtol=1e-6)
    # sample() uses the same kernel on uniformly drawn rows; the compiled path draws the same rows
    s = buf.sample(min(len(buf), 6)) if n > 1 else None
    if s is not None:
        assert isinstance(s, NStepTransitions)
        rng2 = np.random.default_rng(np.random.SeedSequence(1))
        co, ca, cr, co2, cd, cg, idx = R.replay_sample_nstep(
            *buf.storage[:5], buf.truncated, buf.state, rng2, len(s.obs), n, gamma
        )
        for x, y in zip(s, (co, ca, cr, co2, cd, cg)):
            np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(s.rewards, ret[idx])
        np.testing.assert_array_equal(s.discounts, g[idx])


def test_n_step_one_identical_to_one_step_samples():
    rng = np.random.default_rng(5)
    stream = _random_stream(rng, 37)
    b_old, b_n1 = ReplayBuffer(11, (2,), seed=3), ReplayBuffer(11, (2,), seed=3, n_step=1, gamma=0.7)
    for s in stream:
        b_old.add(*s[:5])
        b_n1.add(*s[:5], truncated=s[5])
    s_old, s_n1 = b_old.sample(11), b_n1.sample(11)
    assert type(s_n1) is Transitions
    for x, y in zip(s_old, s_n1):
        np.testing.assert_array_equal(x, y)
    # the n-step kernel with n = 1 equals the one-step gather, discount = γ(1 − term)
    o, a, ret, o2, d, g = _gather_all(b_n1)
    np.testing.assert_array_equal(o, b_old.obs)
    np.testing.assert_array_equal(ret, b_old.rewards)
    np.testing.assert_array_equal(o2, b_old.next_obs)
    np.testing.assert_array_equal(d, b_old.terminated)
    np.testing.assert_allclose(g, np.float32(0.7) * ~b_old.terminated)


def test_nstep_save_load_and_bad_args(tmp_path):
    buf = ReplayBuffer(6, (1,), seed=2, n_step=3, gamma=0.8)
    for t in range(9):
        buf.add([t], 0, 1.0, [t + 1], False, truncated=t % 4 == 3)
    other = ReplayBuffer.load(buf.save(tmp_path / "rb"))
    assert other.n_step == 3 and other.gamma == 0.8
    np.testing.assert_array_equal(other.truncated, buf.truncated)
    for x, y in zip(buf.sample(6), other.sample(6)):
        np.testing.assert_array_equal(x, y)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="n_step"):
            ReplayBuffer(4, (1,), n_step=bad)
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="gamma"):
            ReplayBuffer(4, (1,), n_step=2, gamma=bad)
    with pytest.raises(ValueError, match="truncated"):
        buf.add_batch(np.zeros((2, 1)), [0, 0], [0, 0], np.zeros((2, 1)), [False, False], truncated=[True])
