"""fastfa.buffers: uniform ring and prioritized replay (distribution, wrap-around, edges, errors, save/load)."""

import numpy as np
import pytest

from conftest import scale
from fastfa.buffers import PrioritizedReplayBuffer, ReplayBuffer
from fastfa.kernels.replay import replay as R


def _fill(buf, n, start=0):
    for i in range(start, start + n):
        buf.add(
            np.full(buf.obs_shape, i, np.float32),
            i % 3,
            float(i),
            np.full(buf.obs_shape, i + 1, np.float32),
            i % 5 == 0,
        )


def _chi2_crit(df):
    # Wilson-Hilferty approximation of the 0.999 quantile of chi-square(df)
    z = 3.09
    return df * (1 - 2 / (9 * df) + z * np.sqrt(2 / (9 * df))) ** 3


def test_add_sample_roundtrip_and_fields():
    buf = ReplayBuffer(10, obs_shape=(2,), seed=0)
    _fill(buf, 4)
    assert len(buf) == 4 and not buf.full
    s = buf.sample(4)
    assert s.obs.shape == (4, 2) and s.obs.dtype == np.float32
    assert s.actions.shape == (4,) and s.actions.dtype == np.int64
    assert s.rewards.dtype == np.float32 and s.terminated.dtype == np.bool_
    i = s.obs[:, 0].astype(int)
    assert set(i) <= {0, 1, 2, 3}
    np.testing.assert_array_equal(s.next_obs[:, 0], i + 1)
    np.testing.assert_array_equal(s.actions, i % 3)
    np.testing.assert_array_equal(s.rewards, i)
    np.testing.assert_array_equal(s.terminated, i % 5 == 0)


def test_uniform_chi_square():
    n, draws = 20, scale(40_000, 4_000)
    buf = ReplayBuffer(n, obs_shape=(1,), seed=1)
    _fill(buf, n)
    counts = sum(np.bincount(buf.sample(n).obs[:, 0].astype(int), minlength=n) for _ in range(draws // n))
    expected = draws / n
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < _chi2_crit(n - 1), chi2
    # and a skewed sampler would fail it: only half the rows
    half = np.bincount(np.arange(draws) % (n // 2), minlength=n)
    assert ((half - expected) ** 2 / expected).sum() > _chi2_crit(n - 1)


def test_wrap_around_and_capacity_one():
    buf = ReplayBuffer(5, obs_shape=(1,), seed=2)
    _fill(buf, 12)  # rows hold 10, 11, 7, 8, 9
    assert len(buf) == 5 and buf.full and buf.state[0] == 2
    np.testing.assert_array_equal(buf.obs[:, 0], [10, 11, 7, 8, 9])
    assert set(np.concatenate([buf.sample(5).obs[:, 0] for _ in range(40)]).astype(int)) == {7, 8, 9, 10, 11}
    one = ReplayBuffer(1, obs_shape=(3,), seed=0)
    _fill(one, 3)
    s = one.sample(1)
    assert len(one) == 1 and np.all(s.obs == 2) and np.all(s.next_obs == 3)


def test_add_batch_equals_repeated_add_and_longer_than_capacity():
    rng = np.random.default_rng(3)
    o, o2 = rng.normal(size=(13, 3)), rng.normal(size=(13, 3))
    a, r, d = rng.integers(0, 4, 13), rng.normal(size=13), rng.random(13) < 0.3
    b1, b2 = ReplayBuffer(8, (3,), seed=5), ReplayBuffer(8, (3,), seed=5)
    b1.add_batch(o, a, r, o2, d)
    for i in range(13):
        b2.add(o[i], a[i], r[i], o2[i], d[i])
    for f in ("obs", "next_obs", "actions", "rewards", "terminated", "state"):
        np.testing.assert_array_equal(getattr(b1, f), getattr(b2, f))
    s1, s2 = b1.sample(8), b2.sample(8)
    np.testing.assert_array_equal(s1.obs, s2.obs)


def test_shapes_images_and_vector_actions():
    buf = ReplayBuffer(4, obs_shape=(2, 3), obs_dtype=np.uint8, action_shape=(2,), action_dtype=np.float32, seed=0)
    buf.add(np.ones((2, 3), np.uint8), [0.5, -0.5], 1.0, np.zeros((2, 3), np.uint8), True)
    s = buf.sample(1)
    assert s.obs.shape == (1, 2, 3) and s.obs.dtype == np.uint8
    assert s.actions.shape == (1, 2) and s.actions.dtype == np.float32
    np.testing.assert_array_equal(s.actions[0], [0.5, -0.5])


def test_determinism_and_seeds():
    def draw(seed):
        b = ReplayBuffer(50, (1,), seed=seed)
        _fill(b, 50)
        return b.sample(20).obs[:, 0]

    np.testing.assert_array_equal(draw(7), draw(7))
    assert not np.array_equal(draw(7), draw(8))


def test_python_and_compiled_paths_draw_the_same_rows():
    b = ReplayBuffer(30, (2,), seed=11)
    _fill(b, 30)
    rng = np.random.default_rng(np.random.SeedSequence(11))
    o, a, r, o2, d, idx = R.replay_sample(*b.storage, rng, 16)
    s = b.sample(16)
    np.testing.assert_array_equal(s.obs, o)
    np.testing.assert_array_equal(o[:, 0], idx)


def test_bad_input():
    buf = ReplayBuffer(4, obs_shape=(2,), seed=0)
    with pytest.raises(ValueError, match="empty"):
        buf.sample(1)
    _fill(buf, 2)
    with pytest.raises(ValueError, match="batch_size"):
        buf.sample(0)
    with pytest.raises(ValueError, match="batch_size"):
        buf.sample(-3)
    with pytest.raises(ValueError, match="obs must have shape"):
        buf.add(np.zeros(3), 0, 0.0, np.zeros(2), False)
    with pytest.raises(ValueError, match="next_obs contains NaN"):
        buf.add(np.zeros(2), 0, 0.0, np.array([0.0, np.nan]), False)
    with pytest.raises(ValueError, match="reward"):
        buf.add(np.zeros(2), 0, np.inf, np.zeros(2), False)
    with pytest.raises(ValueError, match="integer-valued"):
        buf.add(np.zeros(2), 0.5, 0.0, np.zeros(2), False)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="capacity"):
            ReplayBuffer(bad, (2,))
    with pytest.raises(ValueError, match="obs_shape"):
        ReplayBuffer(3, (0,))
    assert len(buf) == 2  # failed adds stored nothing


def test_sampling_more_than_stored_is_an_error():
    buf = ReplayBuffer(100, (1,), seed=0)
    _fill(buf, 3)
    with pytest.raises(ValueError, match=r"batch_size \(4\) exceeds the 3 stored"):
        buf.sample(4)
    s = buf.sample(3)  # with replacement: repeats are possible, every row is a stored one
    assert s.obs.shape == (3, 1) and set(s.obs[:, 0].astype(int)) <= {0, 1, 2}
    per = PrioritizedReplayBuffer(10, (1,), seed=0)
    _fill(per, 2)
    with pytest.raises(ValueError, match="exceeds"):
        per.sample(3)


def test_save_load_resumes_exactly(tmp_path):
    buf = ReplayBuffer(6, (2,), seed=3)
    _fill(buf, 9)
    buf.sample(5)
    path = buf.save(tmp_path / "rb")
    other = ReplayBuffer.load(path)
    assert len(other) == 6 and other.capacity == 6
    np.testing.assert_array_equal(buf.sample(6).obs, other.sample(6).obs)
    _fill(buf, 2, start=100)
    _fill(other, 2, start=100)
    np.testing.assert_array_equal(buf.obs, other.obs)
    with pytest.raises(ValueError, match="expected 'PrioritizedReplayBuffer'"):
        PrioritizedReplayBuffer.load(path)


# ------------------------------------------------------------------ prioritized


def test_per_proportional_to_priority():
    n, draws = 8, scale(40_000, 4_000)
    buf = PrioritizedReplayBuffer(n, (1,), seed=4, alpha=0.7, beta=0.5)
    _fill(buf, n)
    prio = np.arange(1, n + 1, dtype=float)
    buf.update_priorities(np.arange(n), prio)
    p = (prio + buf.eps) ** 0.7
    p /= p.sum()
    counts = np.zeros(n)
    for _ in range(draws // n):
        counts += np.bincount(buf.sample(n).indices, minlength=n)
    expected = counts.sum() * p
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < _chi2_crit(n - 1), (counts, expected)
    # uniform counts would fail the same test
    u = np.full(n, counts.sum() / n)
    assert ((u - expected) ** 2 / expected).sum() > _chi2_crit(n - 1)


def test_per_weights_and_new_rows_get_max_priority():
    buf = PrioritizedReplayBuffer(4, (1,), seed=5, alpha=1.0, beta=1.0, eps=0.0)
    _fill(buf, 4)
    np.testing.assert_array_equal(buf.priorities(), 1.0)  # max priority at start
    buf.update_priorities(np.array([0, 1, 2, 3]), np.array([1.0, 2.0, 3.0, 4.0]))
    s = buf.sample(4)
    P = (s.indices + 1) / 10.0
    w = (4 * P) ** -1.0
    np.testing.assert_allclose(s.weights, w / (4 * 0.1) ** -1.0, rtol=1e-6)
    assert s.weights.max() <= 1.0
    np.testing.assert_array_equal(s.obs[:, 0], s.indices)
    _fill(buf, 1, start=50)  # overwrites row 0 with the max priority so far (4)
    assert buf.priorities()[0] == 4.0
    # alpha = 0: uniform; beta = 0: weights 1
    u = PrioritizedReplayBuffer(4, (1,), seed=5, alpha=0.0, beta=0.0)
    _fill(u, 4)
    u.update_priorities(np.arange(4), np.array([1.0, 100.0, 1.0, 1.0]))
    np.testing.assert_allclose(u.sample(4).weights, 1.0)


def test_per_sum_tree_exact_and_wraps():
    buf = PrioritizedReplayBuffer(5, (1,), seed=6, alpha=1.0, beta=0.4, eps=0.0)  # cap2 = 8
    _fill(buf, 7)
    rng = np.random.default_rng(0)
    for _ in range(50):
        i = rng.integers(0, 5, 3)
        buf.update_priorities(i, rng.random(3) * 10)
    assert buf.sum_tree[1] == pytest.approx(buf.priorities().sum(), rel=1e-12)
    assert buf.min_tree[1] == buf.priorities().min()
    assert R.sumtree_find(buf.sum_tree, 0.0) == 0
    assert R.sumtree_find(buf.sum_tree, buf.sum_tree[1] - 1e-9) == 4


def test_per_bad_input_and_save_load(tmp_path):
    buf = PrioritizedReplayBuffer(4, (1,), seed=7)
    _fill(buf, 3)
    with pytest.raises(ValueError, match=">= 0"):
        buf.update_priorities(np.array([0]), np.array([-1.0]))
    with pytest.raises(ValueError, match="finite"):
        buf.update_priorities(np.array([0]), np.array([np.nan]))
    with pytest.raises(ValueError, match=r"indices must be in \[0, 3\)"):
        buf.update_priorities(np.array([3]), np.array([1.0]))
    with pytest.raises(ValueError, match="equal length"):
        buf.update_priorities(np.array([0, 1]), np.array([1.0]))
    with pytest.raises(ValueError, match="beta"):
        buf.beta = 1.5
    with pytest.raises(ValueError, match="alpha"):
        PrioritizedReplayBuffer(4, (1,), alpha=-1)
    with pytest.raises(ValueError, match="batch_size"):
        buf.sample(0)
    buf.update_priorities(np.array([0, 2]), np.array([5.0, 0.5]))
    path = buf.save(tmp_path / "per")
    other = PrioritizedReplayBuffer.load(path)
    assert (other.alpha, other.beta) == (buf.alpha, buf.beta)
    s1, s2 = buf.sample(3), other.sample(3)
    np.testing.assert_array_equal(s1.indices, s2.indices)
    np.testing.assert_array_equal(s1.weights, s2.weights)


def test_compiled_per_matches_python():
    buf = PrioritizedReplayBuffer(16, (1,), seed=9, alpha=0.6, beta=0.4)
    _fill(buf, 16)
    buf.update_priorities(np.arange(16), np.linspace(0.1, 3, 16))
    rng = np.random.default_rng(np.random.SeedSequence(9))
    o, a, r, o2, d, idx, w, ok = R.per_sample(*buf.storage[:6], buf.sum_tree, buf.min_tree, rng, 12, 0.4)
    s = buf.sample(12)
    assert ok
    np.testing.assert_array_equal(idx, s.indices)
    np.testing.assert_array_equal(w, s.weights)
