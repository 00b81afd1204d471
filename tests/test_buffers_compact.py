"""ReplayBuffer(store_next_obs=False): each observation stored once, samples identical to the
default storage on random episodes with wrap-around; memory; compiled path; save/load."""

import numpy as np
import pytest

from fastfa.buffers import ReplayBuffer
from fastfa.kernels.replay import replay as R


def _episodes(rng, T, mean_len, dim=3, dtype=np.float32):
    """Transitions of random episodes (terminated or truncated ends), as add() arguments."""
    out, obs = [], rng.normal(size=dim).astype(dtype)
    for _ in range(T):
        nxt = rng.normal(size=dim).astype(dtype)
        end = rng.random() < 1.0 / mean_len
        term = bool(end and rng.random() < 0.5)
        out.append((obs, int(rng.integers(4)), float(rng.normal()), nxt, term))
        obs = rng.normal(size=dim).astype(dtype) if end else nxt  # truncation: a fresh reset obs
    return out


def _all_rows(buf):
    n = len(buf)
    idx = np.arange(n, dtype=np.int64)
    out = buf._out(n)
    if buf.store_next_obs:
        R.replay_gather(buf.obs, buf.actions, buf.rewards, buf.next_obs, buf.terminated, idx, *out)
    else:
        R.replay_gather_compact(*buf.compact_storage[:6], idx, *out)
    return out


@pytest.mark.parametrize(
    "cap,T,mean_len", [(1, 5, 3), (2, 9, 1), (7, 30, 1.5), (13, 80, 6), (32, 300, 20), (50, 40, 4)]
)
def test_compact_samples_identical_to_default(cap, T, mean_len):
    rng = np.random.default_rng(cap * 7 + T)
    trans = _episodes(rng, T, mean_len)
    full, comp = ReplayBuffer(cap, (3,), seed=4), ReplayBuffer(cap, (3,), seed=4, store_next_obs=False)
    half = T // 3
    for t in trans[:half]:
        full.add(*t)
        comp.add(*t)
        for x, y in zip(_all_rows(full), _all_rows(comp)):  # after every add, incl. wrap-around
            np.testing.assert_array_equal(x, y)
    cols = [np.array([t[k] for t in trans[half:]]) for k in range(5)]
    full.add_batch(*cols)
    comp.add_batch(*cols)
    for x, y in zip(_all_rows(full), _all_rows(comp)):
        np.testing.assert_array_equal(x, y)
    for _ in range(3):
        for x, y in zip(full.sample(len(full)), comp.sample(len(comp))):
            np.testing.assert_array_equal(x, y)
    # live parked next_obs = rows whose next obs is not the next row's obs
    assert comp.estate[1] == (comp.nxt[: len(comp)] >= 0).sum()


def test_memory_about_halved_and_signed_zero_kept():
    rng = np.random.default_rng(0)
    full, comp = ReplayBuffer(400, (16,), seed=0), ReplayBuffer(400, (16,), seed=0, store_next_obs=False)
    for t in _episodes(rng, 1000, 50, dim=16):
        full.add(*t)
        comp.add(*t)
    obs_mem_full = full.obs.nbytes + full.next_obs.nbytes
    obs_mem_comp = comp.obs.nbytes + comp.extra.nbytes + comp.nxt.nbytes
    assert obs_mem_comp < 0.6 * obs_mem_full, (obs_mem_comp, obs_mem_full)
    for x, y in zip(full.sample(64), comp.sample(64)):
        np.testing.assert_array_equal(x, y)
    # -0.0 vs 0.0 compare equal but are different bits: must not be merged
    b = ReplayBuffer(4, (1,), store_next_obs=False, seed=0)
    b.add([1.0], 0, 0.0, [-0.0], False)
    b.add([0.0], 0, 0.0, [2.0], False)
    assert np.signbit(_all_rows(b)[3][0, 0])


def test_compact_compiled_path_save_load_and_errors(tmp_path):
    rng = np.random.default_rng(1)
    comp = ReplayBuffer(9, (3,), seed=5, store_next_obs=False)
    for t in _episodes(rng, 25, 3):
        comp.add(*t)
    r2 = np.random.default_rng(np.random.SeedSequence(5))
    o, a, r, o2, d, idx = R.replay_sample_compact(*comp.compact_storage[:7], r2, 8)
    for x, y in zip(comp.sample(8), (o, a, r, o2, d)):
        np.testing.assert_array_equal(x, y)
    other = ReplayBuffer.load(comp.save(tmp_path / "c"))
    assert not other.store_next_obs
    for x, y in zip(comp.sample(9), other.sample(9)):
        np.testing.assert_array_equal(x, y)
    more = _episodes(rng, 12, 2)
    for t in more:
        comp.add(*t)
        other.add(*t)
    for x, y in zip(_all_rows(comp), _all_rows(other)):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(TypeError, match="compact_storage"):
        _ = comp.storage
    with pytest.raises(ValueError, match="next_obs contains NaN"):
        comp.add([0, 0, 0], 0, 0.0, [0, np.nan, 0], False)
    with pytest.raises(ValueError, match="n_step"):
        ReplayBuffer(4, (1,), n_step=2, store_next_obs=False)
