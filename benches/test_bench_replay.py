"""Replay buffers: add one transition, sample(64)/(256) from 100k stored, PER sample(64) + priority update.
fastfa (from Python, and from inside Numba) vs a NumPy ring, cpprb and SB3, in the same run.
"fastfa" from Python takes the C fast path (fastfa.kernels.replay._replay); "*_numba_path" forces the
validating Numba path that a build without the extension (FASTFA_NO_EXT=1) uses.

    pytest benches/test_bench_replay.py --benchmark-enable --benchmark-only \
        --benchmark-group-by=group --benchmark-columns=mean,median,ops

cpprb / SB3 baselines are skipped when not installed (``pip install cpprb``,
``pip install stable-baselines3==2.9.2`` after ``torch==2.13.0``).
"""

import numpy as np
import pytest

from fastfa.buffers import PrioritizedReplayBuffer, ReplayBuffer
from fastfa.kernels.replay import replay as R
from fastfa.kernels._jit import njit

N, D = 100_000, 4
RNG = np.random.default_rng(0)
OBS = RNG.normal(size=(N, D)).astype(np.float32)
NXT = RNG.normal(size=(N, D)).astype(np.float32)
ACT = RNG.integers(0, 2, N)
REW = RNG.normal(size=N).astype(np.float32)
DONE = RNG.random(N) < 0.05
O1 = np.zeros(D, np.float32)


class NumpyRing:
    """The plain NumPy baseline: preallocated arrays, rng.integers, fancy indexing."""

    def __init__(self, cap):
        self.o, self.o2 = np.zeros((cap, D), np.float32), np.zeros((cap, D), np.float32)
        self.a, self.r, self.d = np.zeros(cap, np.int64), np.zeros(cap, np.float32), np.zeros(cap, bool)
        self.pos = self.size = 0
        self.cap = cap
        self.rng = np.random.default_rng(0)

    def add(self, o, a, r, o2, d):
        p = self.pos
        self.o[p], self.a[p], self.r[p], self.o2[p], self.d[p] = o, a, r, o2, d
        self.pos = (p + 1) % self.cap
        self.size = min(self.size + 1, self.cap)

    def sample(self, b):
        i = self.rng.integers(0, self.size, b)
        return self.o[i], self.a[i], self.r[i], self.o2[i], self.d[i]


def _fastfa():
    buf = ReplayBuffer(N, (D,), seed=0)
    buf.add_batch(OBS, ACT, REW, NXT, DONE)
    return buf


def _numpy():
    ring = NumpyRing(N)
    ring.o[:], ring.a[:], ring.r[:], ring.o2[:], ring.d[:] = OBS, ACT, REW, NXT, DONE
    ring.size = N
    return ring


def _cpprb(prioritized=False):
    cpprb = pytest.importorskip("cpprb")
    env_dict = {"obs": {"shape": D}, "act": {"dtype": np.int64}, "rew": {}, "next_obs": {"shape": D}, "done": {}}
    cls = cpprb.PrioritizedReplayBuffer if prioritized else cpprb.ReplayBuffer
    buf = cls(N, env_dict, **({"alpha": 0.6} if prioritized else {}))
    buf.add(obs=OBS, act=ACT, rew=REW, next_obs=NXT, done=DONE.astype(np.float32))
    return buf


def _sb3():
    pytest.importorskip("torch")
    sb3b = pytest.importorskip("stable_baselines3.common.buffers")
    import gymnasium

    buf = sb3b.ReplayBuffer(
        N,
        gymnasium.spaces.Box(-np.inf, np.inf, (D,), np.float32),
        gymnasium.spaces.Discrete(2),
        device="cpu",
        handle_timeout_termination=False,
    )
    buf.observations[:, 0] = OBS
    buf.next_observations[:, 0] = NXT
    buf.actions[:, 0, 0] = ACT
    buf.rewards[:, 0] = REW
    buf.dones[:, 0] = DONE
    buf.full = True
    return buf


# ---------------------------------------------------------------- sample
@pytest.mark.parametrize("batch", [64, 256])
def test_sample_fastfa(benchmark, batch):
    benchmark.group = f"sample({batch}) from 100k"
    buf = _fastfa()
    benchmark(buf.sample, batch)


@pytest.mark.parametrize("batch", [64, 256])
def test_sample_fastfa_numba_path(benchmark, batch):
    benchmark.group = f"sample({batch}) from 100k"
    buf = _fastfa()
    buf._fast_sample = None
    benchmark(buf.sample, batch)


@pytest.mark.parametrize("batch", [64, 256])
def test_sample_numpy(benchmark, batch):
    benchmark.group = f"sample({batch}) from 100k"
    benchmark(_numpy().sample, batch)


@pytest.mark.parametrize("batch", [64, 256])
def test_sample_cpprb(benchmark, batch):
    benchmark.group = f"sample({batch}) from 100k"
    benchmark(_cpprb().sample, batch)


@pytest.mark.parametrize("batch", [64, 256])
def test_sample_sb3(benchmark, batch):
    benchmark.group = f"sample({batch}) from 100k"
    benchmark(_sb3().sample, batch)


@njit
def _sample_many(obs, act, rew, next_obs, term, state, rng, batch, n):
    s = 0.0
    for _ in range(n):
        o, a, r, o2, d, idx = R.replay_sample(obs, act, rew, next_obs, term, state, rng, batch)
        s += r[0]
    return s


@pytest.mark.parametrize("batch", [64, 256])
def test_sample_fastfa_inside_numba_x1000(benchmark, batch):
    """1000 samples from inside a compiled loop (divide by 1000 for one)."""
    benchmark.group = f"sample({batch}) from 100k"
    buf = _fastfa()
    rng = np.random.default_rng(0)
    _sample_many(*buf.storage, rng, batch, 1)
    benchmark(_sample_many, *buf.storage, rng, batch, 1000)


# ---------------------------------------------------------------- add
def test_add_fastfa(benchmark):
    benchmark.group = "add one transition"
    buf = ReplayBuffer(N, (D,), seed=0)
    benchmark(buf.add, O1, 1, 1.0, O1, False)


def test_add_fastfa_unvalidated(benchmark):
    benchmark.group = "add one transition"
    buf = ReplayBuffer(N, (D,), seed=0, validate=False)
    benchmark(buf.add, O1, 1, 1.0, O1, False)


def test_add_fastfa_numba_path(benchmark):
    benchmark.group = "add one transition"
    buf = ReplayBuffer(N, (D,), seed=0)
    buf._fast = None
    benchmark(buf.add, O1, 1, 1.0, O1, False)


def test_add_numpy(benchmark):
    benchmark.group = "add one transition"
    benchmark(NumpyRing(N).add, O1, 1, 1.0, O1, False)


def test_add_cpprb(benchmark):
    benchmark.group = "add one transition"
    cpprb = pytest.importorskip("cpprb")
    buf = cpprb.ReplayBuffer(
        N, {"obs": {"shape": D}, "act": {"dtype": np.int64}, "rew": {}, "next_obs": {"shape": D}, "done": {}}
    )
    benchmark(lambda: buf.add(obs=O1, act=1, rew=1.0, next_obs=O1, done=0.0))


def test_add_sb3(benchmark):
    benchmark.group = "add one transition"
    buf = _sb3()
    o, a = O1[None], np.array([1])
    r, d = np.array([1.0]), np.array([0.0])
    benchmark(lambda: buf.add(o, o, a, r, d, [{}]))


@njit
def _add_many(obs, act, rew, next_obs, term, state, o, n):
    for i in range(n):
        R.replay_add(obs, act, rew, next_obs, term, state, o, i & 1, 1.0, o, False)


def test_add_fastfa_inside_numba_x1000(benchmark):
    benchmark.group = "add one transition"
    buf = ReplayBuffer(N, (D,), seed=0)
    _add_many(*buf.storage, O1, 1)
    benchmark(_add_many, *buf.storage, O1, 1000)


# ---------------------------------------------------------------- PER
PRIO = np.random.default_rng(1).random(64) + 0.1


@pytest.mark.parametrize("path", ["c", "numba_path"])
def test_per_fastfa(benchmark, path):
    benchmark.group = "PER sample(64) + update_priorities, 100k"
    buf = PrioritizedReplayBuffer(N, (D,), seed=0, alpha=0.6, beta=0.4)
    if path == "numba_path":
        buf._fast = None
    buf.add_batch(OBS[:2000], ACT[:2000], REW[:2000], NXT[:2000], DONE[:2000])
    buf.obs[:], buf.next_obs[:], buf.actions[:] = OBS, NXT, ACT
    buf.state[:] = [0, N]
    buf.update_priorities(np.arange(N), np.random.default_rng(2).random(N) + 0.01)

    def run():
        s = buf.sample(64)
        buf.update_priorities(s.indices, PRIO)

    benchmark(run)


def test_per_cpprb(benchmark):
    benchmark.group = "PER sample(64) + update_priorities, 100k"
    buf = _cpprb(prioritized=True)
    buf.update_priorities(np.arange(N), np.random.default_rng(2).random(N) + 0.01)

    def run():
        s = buf.sample(64, beta=0.4)
        buf.update_priorities(s["indexes"], PRIO)

    benchmark(run)


@njit
def _per_many(obs, act, rew, next_obs, term, state, sum_tree, min_tree, pstate, rng, prio, n):
    s = 0.0
    for _ in range(n):
        o, a, r, o2, d, idx, w, ok = R.per_sample(
            obs, act, rew, next_obs, term, state, sum_tree, min_tree, rng, 64, 0.4
        )
        R.per_update(sum_tree, min_tree, pstate, idx, prio, 0.6)
        s += w[0]
    return s


def test_per_fastfa_inside_numba_x1000(benchmark):
    """1000 PER sample(64) + per_update from inside a compiled loop (divide by 1000 for one)."""
    benchmark.group = "PER sample(64) + update_priorities, 100k"
    buf = PrioritizedReplayBuffer(N, (D,), seed=0, alpha=0.6, beta=0.4)
    buf.obs[:], buf.next_obs[:], buf.actions[:] = OBS, NXT, ACT
    buf.state[:] = [0, N]
    buf.update_priorities(np.arange(N), np.random.default_rng(2).random(N) + 0.01)
    rng = np.random.default_rng(0)
    _per_many(*buf.storage, rng, PRIO, 1)
    benchmark(_per_many, *buf.storage, rng, PRIO, 1000)
