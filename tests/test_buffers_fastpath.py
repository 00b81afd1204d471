"""fastfa.buffers C fast path (fastfa.kernels.replay._replay.Ring) vs the Numba path: bit-identical
storage, samples and sum/min trees on random streams with wrap-around, the two paths and the
jitted API interleaved on one buffer, fallbacks for other inputs, and clear errors."""

import numpy as np
import pytest

import fastfa.buffers as fb
from conftest import scale
from fastfa.buffers import PrioritizedReplayBuffer, ReplayBuffer
from fastfa.kernels.replay import replay as R

pytestmark = pytest.mark.skipif(not fb.COMPILED, reason="built without the compiled extension (FASTFA_NO_EXT=1)")

FIELDS = ("obs", "next_obs", "actions", "rewards", "terminated", "truncated", "state")
CONFIGS = [
    dict(obs_shape=(3,)),
    dict(obs_shape=(2, 3), obs_dtype=np.uint8),
    dict(obs_shape=(4,), obs_dtype=np.float64, action_shape=(2,), action_dtype=np.float32),
    dict(obs_shape=(1,), action_dtype=np.float32),
    dict(obs_shape=(2,), action_shape=(2, 2), action_dtype=np.int32),
]


def _numba_only(buf):
    buf._fast = buf._fast_sample = None
    return buf


def _twins(cls, capacity, **kw):
    a, b = cls(capacity, seed=11, **kw), _numba_only(cls(capacity, seed=11, **kw))
    assert a._fast is not None
    return a, b


def _transition(buf, rng):
    o = (rng.normal(size=buf.obs_shape) * 50).astype(buf.obs_dtype)
    o2 = (rng.normal(size=buf.obs_shape) * 50).astype(buf.obs_dtype)
    if buf.action_shape:
        a = (rng.normal(size=buf.action_shape) * 3).astype(buf.action_dtype)
    elif buf.action_dtype.kind == "f":
        a = float(rng.normal())
    else:
        a = int(rng.integers(-5, 5))
    return o, a, float(rng.normal()), o2, bool(rng.random() < 0.1), bool(rng.random() < 0.05)


def _same_sample(s, t):
    assert type(s) is type(t)
    for x, y in zip(s, t):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)


def _same_storage(a, b):
    for k in FIELDS + (("sum_tree", "min_tree", "pstate") if isinstance(a, PrioritizedReplayBuffer) else ()):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)


@pytest.mark.parametrize(
    "kw",
    CONFIGS
    + [dict(obs_shape=(3,), n_step=3, gamma=0.9), dict(obs_shape=(2, 2), obs_dtype=np.uint8, n_step=5, gamma=0.5)],
)
def test_uniform_bit_identical_to_numba_path_with_wraparound(kw):
    rng = np.random.default_rng(0)
    a, b = _twins(ReplayBuffer, 23, **kw)
    for step in range(scale(300, 120)):
        tr = _transition(a, rng)
        a.add(*tr)
        b.add(*tr)
        if step % 5 == 2:
            B = int(rng.integers(1, len(a) + 1))
            _same_sample(a.sample(B), b.sample(B))
    assert a.full and a.state[0] != 0
    _same_storage(a, b)
    _same_sample(a.sample(23), b.sample(23))


@pytest.mark.parametrize("kw", CONFIGS[:3])
def test_per_bit_identical_to_numba_path(kw):
    rng = np.random.default_rng(1)
    a, b = _twins(PrioritizedReplayBuffer, 29, alpha=0.7, beta=0.5, **kw)
    for step in range(scale(300, 120)):
        tr = _transition(a, rng)[:5]
        a.add(*tr)
        b.add(*tr)
        if step % 4 == 1:
            B = int(rng.integers(1, len(a) + 1))
            s, t = a.sample(B), b.sample(B)
            _same_sample(s, t)
            p = rng.random(B) * 4
            p[rng.random(B) < 0.2] = 0.0
            a.update_priorities(s.indices, p)
            b.update_priorities(t.indices, p)
            _same_storage(a, b)
    _same_storage(a, b)
    a.beta = b.beta = 1.0
    _same_sample(a.sample(29), b.sample(29))


def test_paths_and_jitted_api_interleave_on_one_buffer():
    """Random mix of the C path, the Numba path and the jitted kernels on one buffer equals a
    Numba-only twin driven with the same calls."""
    rng = np.random.default_rng(2)
    a, b = _twins(ReplayBuffer, 17, obs_shape=(3,))
    fast = a._fast
    for step in range(scale(250, 100)):
        use_c = rng.random() < 0.5
        a._fast = a._fast_sample = fast if use_c else None
        tr = _transition(a, rng)
        if rng.random() < 0.2:  # jitted add on both (the storage and state are shared)
            o, act, r, o2, d, _ = tr
            R.replay_add(*a.storage, o, act, r, o2, d)
            R.replay_add(*b.storage, o, act, r, o2, d)
        else:
            a.add(*tr)
            b.add(*tr)
        if step % 3 == 0:
            B = int(rng.integers(1, len(a) + 1))
            if rng.random() < 0.3:  # jitted sample draws from the same Generator stream
                x = R.replay_sample(*a.storage, a.rng, B)
                y = R.replay_sample(*b.storage, b.rng, B)
                for u, v in zip(x, y):
                    np.testing.assert_array_equal(u, v)
            else:
                _same_sample(a.sample(B), b.sample(B))
    a._fast = a._fast_sample = fast
    _same_storage(a, b)
    _same_sample(a.sample(17), b.sample(17))


def test_per_interleaved_with_jitted_api():
    rng = np.random.default_rng(3)
    a, b = _twins(PrioritizedReplayBuffer, 40, obs_shape=(2,), alpha=0.6, beta=0.4)
    for step in range(scale(200, 80)):
        o, act, r, o2, d, _ = _transition(a, rng)
        if step % 3 == 0:
            R.per_add(*a.storage, o, act, r, o2, d)
            R.per_add(*b.storage, o, act, r, o2, d)
        else:
            a.add(o, act, r, o2, d)
            b.add(o, act, r, o2, d)
        if step % 4 == 3:
            B = int(rng.integers(1, len(a) + 1))
            if step % 8 == 3:
                x = R.per_sample(*a.storage[:8], a.rng, B, a.beta)
                y = R.per_sample(*b.storage[:8], b.rng, B, b.beta)
                for u, v in zip(x, y):
                    np.testing.assert_array_equal(u, v)
                idx = x[5]
            else:
                s, t = a.sample(B), b.sample(B)
                _same_sample(s, t)
                idx = s.indices
            p = rng.random(B) + 0.01
            a.update_priorities(idx, p)
            b.update_priorities(idx, p)
    _same_storage(a, b)


def test_large_batches_and_duplicate_and_strided_indices():
    n = 1500  # batches above the C path's 512-entry stack scratch
    a, b = _twins(PrioritizedReplayBuffer, n, obs_shape=(2,), alpha=0.5)
    rng = np.random.default_rng(4)
    o = rng.normal(size=(n, 2)).astype(np.float32)
    for buf in (a, b):
        buf.add_batch(o, np.arange(n) % 3, rng.random(n) * 0 + 1.0, o + 1, np.arange(n) % 7 == 0)
    _same_storage(a, b)
    _same_sample(a.sample(1000), b.sample(1000))
    idx = np.repeat(rng.integers(0, n, 700), 2)  # duplicates: the later entry wins
    p = rng.random(1400) * 2
    a.update_priorities(idx, p)
    b.update_priorities(idx, p)
    _same_storage(a, b)
    wide = np.stack([rng.integers(0, n, 50), np.zeros(50, np.int64)], 1)[:, 0]  # a strided view
    pw = np.stack([rng.random(50), rng.random(50)], 1)[:, 0]
    assert not wide.flags.c_contiguous
    a.update_priorities(wide, pw)
    b.update_priorities(wide, pw)
    a.update_priorities(wide.astype(np.int32), list(pw * 3))  # other dtypes: the converting path
    b.update_priorities(wide.astype(np.int32), list(pw * 3))
    _same_storage(a, b)
    u, v = _twins(ReplayBuffer, n, obs_shape=(2,))
    for buf in (u, v):
        buf.add_batch(o, np.arange(n) % 3, np.ones(n), o + 1, np.zeros(n, bool))
    _same_sample(u.sample(n), v.sample(n))


def test_other_inputs_fall_back_with_identical_results():
    a, b = _twins(ReplayBuffer, 10, obs_shape=(3,))
    o = np.arange(3, dtype=np.float32)
    inputs = [
        ([0.5, 1, 2], 1, 1.0, [1, 2, 3], False),  # lists
        (o.astype(np.float64), np.int64(2), np.float32(0.25), o, 0),  # float64 obs, NumPy scalars
        (o[::-1], 1.0, 2, np.asfortranarray(o), np.bool_(True)),  # strided obs, float action 1.0
        (o.astype(">f4"), np.array(1), True, o, 1),  # big-endian obs, 0-d action
        (o, True, -3, o, False),
    ]
    for tr in inputs:
        a.add(*tr)
        b.add(*tr)
    _same_storage(a, b)
    np.testing.assert_array_equal(a.actions[:5], [1, 2, 1, 1, 1])
    assert a.sample(np.int32(4)) is not None and b.sample(np.int32(4)) is not None
    _same_sample(a.sample(5), b.sample(5))


def test_errors_on_the_fast_path_leave_the_buffer_unchanged():
    buf = ReplayBuffer(8, obs_shape=(3,), action_shape=(2,), action_dtype=np.float32, seed=0)
    ok = np.zeros(3, np.float32)
    act = np.zeros(2, np.float32)
    buf.add(ok, act, 0.0, ok, False)
    before = {k: getattr(buf, k).copy() for k in FIELDS}
    rng_state = buf.rng.bit_generator.state
    nan = np.array([0, np.nan, 0], np.float32)
    cases = [
        ((np.zeros(4, np.float32), act, 0.0, ok, False), "obs must have shape"),
        ((ok, act, 0.0, np.zeros((1, 3), np.float32), False), "next_obs must have shape"),
        ((nan, act, 0.0, ok, False), "obs contains NaN"),
        ((ok, act, 0.0, np.array([0, 0, np.inf], np.float32), False), "next_obs contains NaN"),
        ((ok, act, float("nan"), ok, False), "reward must be finite"),
        ((ok, np.array([np.inf, 0], np.float32), 0.0, ok, False), "action contains NaN"),
        ((ok, np.zeros(3, np.float32), 0.0, ok, False), "action must have shape"),
    ]
    for args, msg in cases:
        with pytest.raises(ValueError, match=msg):
            buf.add(*args)
    with pytest.raises(TypeError, match="reward must be a real number"):
        buf.add(ok, act, "x", ok, False)
    for bad in (0, -1, 2, True, 1.0, None):
        with pytest.raises(ValueError, match="batch_size"):
            buf.sample(bad)
    for k in FIELDS:
        np.testing.assert_array_equal(getattr(buf, k), before[k], err_msg=k)
    assert buf.rng.bit_generator.state == rng_state  # nothing drawn by a refused call
    with pytest.raises(ValueError, match="empty buffer"):
        ReplayBuffer(4, obs_shape=(1,)).sample(1)
    buf.validate = False  # synced to the C path: non-finite values are stored unchecked
    buf.add(nan, act, float("inf"), ok, False)
    assert np.isnan(buf.obs[1, 1]) and np.isinf(buf.rewards[1])


def test_per_errors_apply_nothing():
    buf = PrioritizedReplayBuffer(16, obs_shape=(1,), seed=0)
    for i in range(10):
        buf.add(np.full(1, i, np.float32), 0, 0.0, np.full(1, i, np.float32), False)
    trees = buf.sum_tree.copy(), buf.min_tree.copy(), buf.pstate.copy()
    i64 = np.array([1, 2, 3])
    for idx, p, msg in [
        (i64, np.array([1.0, -0.5, 1.0]), "priorities must be >= 0"),
        (i64, np.array([1.0, np.nan, 1.0]), "priorities must be finite"),
        (np.array([1, 10, 3]), np.ones(3), r"indices must be in \[0, 10\)"),
        (np.array([-1, 2, 3]), np.ones(3), r"indices must be in \[0, 10\)"),
        (i64, np.ones(2), "1-D of equal length"),
    ]:
        with pytest.raises(ValueError, match=msg):
            buf.update_priorities(idx, p)
    for t, t0 in zip((buf.sum_tree, buf.min_tree, buf.pstate), trees):
        np.testing.assert_array_equal(t, t0)
    with pytest.raises(ValueError, match="batch_size"):
        buf.sample(0)
    with pytest.raises(ValueError, match="exceeds"):
        buf.sample(11)
    z = PrioritizedReplayBuffer(4, obs_shape=(1,), seed=0, eps=0.0)
    z.add(np.zeros(1, np.float32), 0, 0.0, np.zeros(1, np.float32), False)
    z.sum_tree[:] = 0.0
    with pytest.raises(ValueError, match="total priority"):
        z.sample(1)


def test_without_the_extension_the_numba_path_is_used(monkeypatch):
    monkeypatch.setattr(fb._common, "_Ring", None)
    a = PrioritizedReplayBuffer(12, obs_shape=(2,), seed=3)
    assert a._fast is None
    monkeypatch.undo()
    b = PrioritizedReplayBuffer(12, obs_shape=(2,), seed=3)
    assert b._fast is not None
    rng = np.random.default_rng(6)
    for _ in range(30):
        tr = _transition(a, rng)[:5]
        a.add(*tr)
        b.add(*tr)
    s, t = a.sample(8), b.sample(8)
    _same_sample(s, t)
    a.update_priorities(s.indices, np.arange(8.0))
    b.update_priorities(t.indices, np.arange(8.0))
    _same_storage(a, b)


def test_float16_storage_is_not_taken_by_the_c_path():
    """The C path has finite checks for float32/float64 only (a float16 NaN must not slip through)."""
    assert ReplayBuffer(4, obs_shape=(2,), obs_dtype=np.float16)._fast is None
    assert ReplayBuffer(4, obs_shape=(2,), action_shape=(1,), action_dtype=np.float16)._fast is None
    assert ReplayBuffer(4, obs_shape=(2,), obs_dtype=np.uint8)._fast is not None


def test_save_load_keeps_the_fast_path(tmp_path):
    buf = PrioritizedReplayBuffer(20, obs_shape=(2,), seed=1)
    rng = np.random.default_rng(7)
    for _ in range(25):
        buf.add(*_transition(buf, rng)[:5])
    buf.save(tmp_path / "b.npz")
    back = PrioritizedReplayBuffer.load(tmp_path / "b.npz")
    assert back._fast is not None
    _same_sample(buf.sample(6), back.sample(6))


@pytest.mark.parametrize("fast", [True, False])
def test_per_trees_and_descent_match_plain_reference(fast):
    """Both paths batch the tree work (level by level); check them against one-descent-per-draw
    and a bottom-up rebuild of the trees, with repeated indices and zero priorities."""
    from naive_replay import naive_per_indices, naive_tree_rebuild

    buf = PrioritizedReplayBuffer(300, obs_shape=(1,), seed=8, alpha=0.8, beta=0.6, eps=0.0)
    if not fast:
        _numba_only(buf)
    rng = np.random.default_rng(9)
    z = np.zeros(1, np.float32)
    for step in range(scale(400, 150)):
        buf.add(z + step, 0, 0.0, z, False)
        if step % 10 == 9:
            B = int(rng.integers(1, min(40, len(buf)) + 1))
            g = np.random.default_rng()
            g.bit_generator.state = buf.rng.bit_generator.state
            u = g.random(B)  # the uniforms buf.sample(B) will draw
            want_idx, want_w = naive_per_indices(buf.sum_tree, buf.min_tree, len(buf), buf.beta, u)
            s = buf.sample(B)
            np.testing.assert_array_equal(s.indices, want_idx)
            np.testing.assert_array_equal(s.weights, want_w)
            idx = np.concatenate([s.indices, s.indices[: B // 2]])
            p = rng.random(idx.shape[0]) * 5
            p[rng.random(idx.shape[0]) < 0.1] = 1e-3
            buf.update_priorities(idx, p)
            last = dict(zip(idx.tolist(), p.tolist()))  # a repeated index keeps its last priority
            np.testing.assert_array_equal(buf.priorities()[list(last)], [v**0.8 for v in last.values()])
            st, mt = naive_tree_rebuild(buf.sum_tree, buf.min_tree)
            np.testing.assert_array_equal(buf.sum_tree, st)
            np.testing.assert_array_equal(buf.min_tree, mt)


def test_pickle_and_deepcopy_rebuild_the_fast_path():
    import copy
    import pickle

    buf = PrioritizedReplayBuffer(10, obs_shape=(2,), seed=2)
    rng = np.random.default_rng(10)
    for _ in range(12):
        buf.add(*_transition(buf, rng)[:5])
    for make in (copy.deepcopy, lambda b: pickle.loads(pickle.dumps(b))):
        other = make(buf)
        assert other._fast is not None and other._fast is not buf._fast
        tr = _transition(buf, rng)[:5]
        other.add(*tr)  # writes the copy's arrays, not the original's
        assert not np.array_equal(other.obs, buf.obs)
        buf.add(*tr)
        _same_storage(other, buf)
        _same_sample(other.sample(5), buf.sample(5))
